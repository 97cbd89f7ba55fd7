"""The whole product over real sockets: emulator, poller and bot processes, Postgres, RabbitMQ."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from app.broker import topology
from tests.helpers import ServiceProcess
from vk_emulator.config import EmulatorConfig
from vk_emulator.control_client import ControlClient
from vk_emulator.server import create_app

GROUP_ID = 1
TOKEN = "e2e-token"

# Short but humane game timings; tests mostly move the game on with buttons and answers.
FAST_GAME = {
    "GAME_ROUNDS": "3",
    "GAME_LOBBY_SECONDS": "30",
    "GAME_DISCUSSION_SECONDS": "30",
    "GAME_PICK_SECONDS": "30",
    "GAME_ANSWER_SECONDS": "30",
    "GAME_PAUSE_SECONDS": "0",
}


@dataclass
class Stack:
    emulator: TestServer
    control: ControlClient
    env: dict[str, str]
    processes: list[ServiceProcess] = field(default_factory=list)

    def service(self, module: str, **env: str) -> ServiceProcess:
        process = ServiceProcess(module, {**self.env, **env})
        self.processes.append(process)
        return process

    async def start_poller(self, **env: str) -> ServiceProcess:
        poller = await self.service("poller", **env).start()
        await poller.wait_for_log("long polling from")
        return poller

    async def start_bot(self, **env: str) -> ServiceProcess:
        bot = await self.service("app", **env).start()
        await bot.wait_for_log("consuming")
        return bot


StackFactory = Callable[..., Awaitable[Stack]]


def service_env(database_url: str, emulator: TestServer, **extra: str) -> dict[str, str]:
    """The environment of the services under test: the emulator as VK, short game timings."""
    return {
        "DATABASE_URL": database_url,
        "VK_TOKEN": TOKEN,
        "VK_GROUP_ID": str(GROUP_ID),
        "VK_API_URL": str(emulator.make_url("/method")),
        "VK_LONGPOLL_WAIT": "5",
        "UPDATE_SHARDS": "4",
        "LOG_LEVEL": "INFO",
        **FAST_GAME,
        **extra,
    }


@pytest.fixture
async def stack_factory(
    db: AsyncEngine,
    broker: object,
    database_url: str,
    amqp_url: str,
    amqp_names: topology.Names,
) -> AsyncIterator[StackFactory]:
    stacks: list[Stack] = []

    async def make(emulator: dict[str, Any] | None = None, **env: str) -> Stack:
        config = EmulatorConfig(group_id=GROUP_ID, token=TOKEN, **(emulator or {}))
        server = TestServer(create_app(config))
        await server.start_server()
        control = ControlClient(str(server.make_url("/")))
        stack = Stack(
            emulator=server,
            control=control,
            env=service_env(
                database_url, server, AMQP_URL=amqp_url, AMQP_PREFIX=amqp_names.prefix, **env
            ),
        )
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        for process in stack.processes:
            await process.kill()
            # Shown by pytest only when the test failed.
            print(f"--- {process.module} (last lines) ---", *process.lines[-60:], sep="\n")
        await stack.control.close()
        await stack.emulator.close()


@pytest.fixture
async def stack(stack_factory: StackFactory) -> Stack:
    return await stack_factory()
