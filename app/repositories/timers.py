"""Durable timers: rows with a due time, claimed with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import SetTimer
from app.db.models import Timer


@dataclass(frozen=True)
class DueTimer:
    id: int
    peer_id: int
    name: str
    token: str
    due_at: datetime


async def cancel_all(session: AsyncSession, peer_id: int) -> None:
    await session.execute(delete(Timer).where(Timer.peer_id == peer_id))


async def add(session: AsyncSession, peer_id: int, timer: SetTimer) -> None:
    await session.execute(
        insert(Timer).values(peer_id=peer_id, name=timer.name, token=timer.token, due_at=timer.due)
    )


async def due(session: AsyncSession, now: datetime, limit: int) -> list[DueTimer]:
    rows = await session.execute(
        select(Timer.id, Timer.peer_id, Timer.name, Timer.token, Timer.due_at)
        .where(Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(limit)
    )
    return [DueTimer(*row) for row in rows]


async def next_due_at(session: AsyncSession) -> datetime | None:
    return await session.scalar(select(func.min(Timer.due_at)))


async def claim(session: AsyncSession, timer_id: int) -> DueTimer | None:
    """Lock one timer for firing, or None if another process has it or it is gone."""
    row = (
        await session.execute(
            select(Timer.id, Timer.peer_id, Timer.name, Timer.token, Timer.due_at)
            .where(Timer.id == timer_id)
            .with_for_update(skip_locked=True)
        )
    ).one_or_none()
    return DueTimer(*row) if row else None


async def remove(session: AsyncSession, timer_id: int) -> None:
    await session.execute(delete(Timer).where(Timer.id == timer_id))


async def postpone(session: AsyncSession, timer_id: int, due_at: datetime) -> None:
    """Push back a timer whose handling failed, so a bug cannot make it spin."""
    await session.execute(update(Timer).where(Timer.id == timer_id).values(due_at=due_at))
