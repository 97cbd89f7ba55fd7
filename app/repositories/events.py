"""The processed-event log that makes handling idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ProcessedEvent


async def mark_processed(session: AsyncSession, event_id: str, peer_id: int | None = None) -> bool:
    """Record the event inside the caller's transaction; False if it was applied before."""
    stmt = (
        insert(ProcessedEvent)
        .values(event_id=event_id, peer_id=peer_id)
        .on_conflict_do_nothing(index_elements=[ProcessedEvent.event_id])
        .returning(ProcessedEvent.event_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def forget_older_than(session: AsyncSession, cutoff: datetime) -> int:
    """Trim the log; VK and RabbitMQ never redeliver an update days later."""
    result = await session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.processed_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
