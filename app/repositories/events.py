"""The processed-event log that makes handling idempotent.

The bot records event ids with the chat lock (:func:`app.repositories.batch.lock_and_load`);
this module only trims the log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ProcessedEvent


async def forget_older_than(session: AsyncSession, cutoff: datetime) -> int:
    """Trim the log; VK and RabbitMQ never redeliver an update days later."""
    result = await session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.processed_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
