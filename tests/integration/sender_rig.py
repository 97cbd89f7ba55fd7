"""The outbox sender's test rig (the ``rig`` fixture is in conftest.py): the sender on the
emulator and a real pool, and ways to wait for its work."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.bot.sender import OutboxSender
from app.db.engine import create_sessionmaker
from app.repositories import outbox
from tests.helpers import wait_until
from vk_emulator.control_client import ControlClient

TOKEN = "sender-token"


@dataclass
class Rig:
    sender: OutboxSender
    control: ControlClient
    stop: asyncio.Event
    task: asyncio.Task[None]
    api_url: str
    shown: list[tuple[int, str, datetime]]


async def queue(db: AsyncEngine, peer_id: int, actions: list[object]) -> None:
    async with create_sessionmaker(db).begin() as session:
        await outbox.add(session, peer_id, actions)  # type: ignore[arg-type]


async def settled(db: AsyncEngine) -> None:
    """Wait until the sender recorded an outcome for every row (sent or failed)."""

    async def nothing_pending() -> bool:
        async with db.connect() as conn:
            return not await conn.scalar(
                text("SELECT count(*) FROM outbox WHERE status = 'pending'")
            )

    await wait_until(nothing_pending, what="every outbox row sent or failed")


async def wait_delivered(rig: Rig, count: int) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []

    def delivered(entry: dict[str, object]) -> bool:
        if entry["kind"] in ("bot_message", "bot_edit", "event_answer"):
            seen.append(entry)
        return len(seen) >= count

    await rig.control.wait_for(delivered, timeout=30, after_seq=0)
    return seen
