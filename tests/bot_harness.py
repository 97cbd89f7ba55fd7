"""The bot's real wiring in this process: feed one update, look at what it queued.

Like aiogram's ``feed_update``: no RabbitMQ and no subprocess, but the bot exactly as
``python -m app`` builds it (:class:`~app.bot.service.Bot`: batcher, applier, routers, game
router, name resolver) on the test database, with its VK client talking to an in-process VK
emulator. The sender is not started, so what an update asked to send stays in the outbox for
the test to read.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from app.bot.service import Bot
from app.db.pool import Pool
from app.internal_updates import parse_incoming
from app.settings import Settings
from tests.helpers import emulator_vk
from vk_emulator.config import EmulatorConfig
from vk_emulator.control_client import ControlClient
from vk_emulator.server import create_app

GROUP_ID = 1
TOKEN = "harness-token"


@dataclass
class BotHarness:
    bot: Bot
    control: ControlClient
    pool: Pool
    _ids: itertools.count[int]

    async def feed(self, raw: dict[str, Any]) -> str:
        """Apply one raw update as the consumer would; the outcome (applied, duplicate...)."""
        return await self.bot.submit_update(parse_incoming(raw))

    def message(self, peer_id: int, from_id: int, text: str, *, event_id: str = "") -> Any:
        """A ``message_new`` update in VK's wire format."""
        return {
            "type": "message_new",
            "event_id": event_id or f"h-{next(self._ids)}",
            "group_id": GROUP_ID,
            "object": {"message": {"peer_id": peer_id, "from_id": from_id, "text": text}},
        }

    def press(self, peer_id: int, user_id: int, payload: dict[str, Any]) -> Any:
        """A ``message_event`` (a callback button press) in VK's wire format."""
        n = next(self._ids)
        return {
            "type": "message_event",
            "event_id": f"h-{n}",
            "group_id": GROUP_ID,
            "object": {
                "peer_id": peer_id,
                "user_id": user_id,
                "event_id": f"cb-{n}",
                "payload": payload,
            },
        }

    async def queued(self, peer_id: int) -> list[tuple[str, dict[str, Any]]]:
        """(method, params) of every call queued for the chat, in order."""
        rows = await self.pool.fetch(
            "SELECT method, params FROM outbox WHERE peer_id = $1 ORDER BY id", peer_id
        )
        return [(row["method"], row["params"]) for row in rows]

    async def texts(self, peer_id: int) -> list[str]:
        """The texts of the messages (sent and edited) queued for the chat."""
        return [params["text"] for method, params in await self.queued(peer_id) if "text" in params]


@pytest.fixture
async def bot_harness(db: AsyncEngine, pool: Pool, database_url: str) -> AsyncIterator[BotHarness]:
    server = TestServer(create_app(EmulatorConfig(group_id=GROUP_ID, token=TOKEN)))
    await server.start_server()
    settings = Settings(
        DATABASE_URL=database_url,
        VK_TOKEN=TOKEN,
        VK_GROUP_ID=GROUP_ID,
        VK_API_URL=str(server.make_url("/method")),
        GAME_ROUNDS=2,
    )
    try:
        async with aiohttp.ClientSession() as http:
            vk = emulator_vk(http, str(server.make_url("/method")), TOKEN)
            control = ControlClient(str(server.make_url("/")))
            bot = Bot(settings, db, pool, vk)
            yield BotHarness(bot, control, pool, itertools.count(1))
            bot.batcher.close()
            await bot.batcher.join()
            await control.close()
    finally:
        await server.close()
