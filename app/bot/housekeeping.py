"""Keep the idempotency log and the outbox from growing forever.

An update is never redelivered days later (RabbitMQ holds it until acked, VK's long poll
history is short), and a delivered message is never edited after its game, so both tables
only need recent rows.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.loops import run_every
from app.repositories import events, outbox

log = logging.getLogger(__name__)

KEEP = timedelta(days=7)
EVERY_SECONDS = 3600.0


async def clean_once(sessionmaker: async_sessionmaker[AsyncSession], keep: timedelta = KEEP) -> int:
    cutoff = datetime.now(UTC) - keep
    async with sessionmaker.begin() as session:
        removed = await events.forget_older_than(session, cutoff)
        removed += await outbox.forget_done_before(session, cutoff)
    return removed


async def run_housekeeping(
    sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    async def clean() -> None:
        removed = await clean_once(sessionmaker)
        if removed:
            log.info("housekeeping removed %d old rows", removed)

    await run_every(EVERY_SECONDS, clean, stop, what="housekeeping", log=log)
