"""Live counts for the service gauges (active games, pending timers and outbox rows)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import GameRow, Outbox, Timer


@dataclass(frozen=True)
class LiveCounts:
    active_games: int
    timers_pending: int
    outbox_pending: int


async def counts(session: AsyncSession) -> LiveCounts:
    active = await session.scalar(
        select(func.count()).select_from(GameRow).where(GameRow.status == "active")
    )
    timers = await session.scalar(select(func.count()).select_from(Timer))
    pending = await session.scalar(
        select(func.count()).select_from(Outbox).where(Outbox.status == "pending")
    )
    return LiveCounts(int(active or 0), int(timers or 0), int(pending or 0))


async def database_answers(session: AsyncSession) -> bool:
    return bool(await session.scalar(text("SELECT 1")))
