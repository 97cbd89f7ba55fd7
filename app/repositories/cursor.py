"""The poller's long-poll cursor."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PollerCursor


async def load(session: AsyncSession, group_id: int) -> str | None:
    return await session.scalar(select(PollerCursor.ts).where(PollerCursor.group_id == group_id))


async def save(session: AsyncSession, group_id: int, ts: str) -> None:
    stmt = insert(PollerCursor).values(group_id=group_id, ts=ts)
    stmt = stmt.on_conflict_do_update(
        index_elements=[PollerCursor.group_id], set_={"ts": ts, "updated_at": func.now()}
    )
    await session.execute(stmt)
