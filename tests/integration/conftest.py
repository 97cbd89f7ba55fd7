"""Fixtures shared by the integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from app.bot.sender import OutboxSender
from app.db.pool import Pool
from tests.helpers import emulator_vk
from tests.integration.sender_rig import TOKEN, Rig
from vk_emulator.config import EmulatorConfig
from vk_emulator.control_client import ControlClient
from vk_emulator.server import create_app


@pytest.fixture
async def rig(db: AsyncEngine, pool: Pool) -> AsyncIterator[Rig]:
    server = TestServer(create_app(EmulatorConfig(group_id=1, token=TOKEN)))
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        vk = emulator_vk(http, str(server.make_url("/method")), TOKEN)
        shown: list[tuple[int, str, datetime]] = []
        sender = OutboxSender(
            pool,
            vk,
            sweep_interval=0.2,
            on_shown=lambda peer_id, ref, at: shown.append((peer_id, ref, at)),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        control = ControlClient(str(server.make_url("/")))
        yield Rig(sender, control, stop, task, str(server.make_url("/method")), shown)
        stop.set()
        await task
        await control.close()
    await server.close()
