"""Fixtures for the VK emulator tests: one isolated emulator app per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from vk_emulator.control_client import ControlClient
from vk_emulator.server import WORLD_KEY, EmulatorConfig, create_app
from vk_emulator.world import World

GROUP_ID = 77
TOKEN = "test-token"

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
VkCall = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def config() -> EmulatorConfig:
    # A high limit keeps ordinary tests clear of error 6; rate limiting has its own tests.
    return EmulatorConfig(group_id=GROUP_ID, token=TOKEN, rate_limit_per_second=1000)


@pytest.fixture
def app(config: EmulatorConfig) -> web.Application:
    return create_app(config)


@pytest.fixture
def world(app: web.Application) -> World:
    return app[WORLD_KEY]


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> TestClient[Any, Any]:
    test_client: TestClient[Any, Any] = await aiohttp_client(app)
    return test_client


@pytest.fixture
async def ctl(client: TestClient[Any, Any]) -> AsyncIterator[ControlClient]:
    async with ControlClient(str(client.make_url("")), session=client.session) as control:
        yield control


@pytest.fixture
def vk(client: TestClient[Any, Any]) -> VkCall:
    """Calls a VK method the way the bot's client does: a form POST with token and version."""

    async def call(method: str, **params: Any) -> dict[str, Any]:
        form = {"access_token": TOKEN, "v": "5.199"}
        form.update({key: str(value) for key, value in params.items()})
        resp = await client.post(f"/method/{method}", data=form)
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return body

    return call


@pytest.fixture
async def chat(ctl: ControlClient) -> dict[str, Any]:
    """Three users in a chat with the bot; returns the chat plus the user ids."""
    users = [await ctl.create_user(name, "Тестов") for name in ("Анна", "Борис", "Вера")]
    ids = [user["id"] for user in users]
    created = await ctl.create_chat("Знатоки", ids)
    created["user_ids"] = ids
    return created
