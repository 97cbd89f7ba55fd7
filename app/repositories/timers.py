"""Durable timers: rows with a due time; the bot claims them in its batches (``batch``)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import SetTimer
from app.db.models import Timer
from app.db.pool import Pool


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


# The bot's timer runner (asyncpg) ---------------------------------------------------------------


async def load_all(pool: Pool, mine: Callable[[int], bool]) -> list[DueTimer]:
    """Every timer of the chats this bot looks after (at start: they go into its heap)."""
    rows = await pool.fetch("SELECT id, peer_id, name, token, due_at FROM timers")
    return [DueTimer(*row) for row in rows if mine(row[1])]


async def overdue(
    pool: Pool, before: datetime, known: Collection[int], limit: int = 1000
) -> list[DueTimer]:
    """Timers due before ``before`` that this bot does not know of (the orphan sweep)."""
    rows = await pool.fetch(
        "SELECT id, peer_id, name, token, due_at FROM timers "
        "WHERE due_at <= $1 ORDER BY due_at LIMIT $2",
        before,
        limit + len(known),
    )
    return [DueTimer(*row) for row in rows if row[0] not in known][:limit]


async def postpone(pool: Pool, timer_id: int, due_at: datetime) -> bool:
    """Push back a timer whose handling failed; False if it is gone."""
    result = await pool.execute("UPDATE timers SET due_at = $2 WHERE id = $1", timer_id, due_at)
    return bool(result != "UPDATE 0")
