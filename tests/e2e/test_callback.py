"""The Callback API: VK (the emulator) pushes events to the receiver instead of long polling."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aio_pika
import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from app.broker import topology
from app.broker.connection import UpdatePublisher
from app.settings import Settings
from poller import callback
from tests.e2e.conftest import GROUP_ID, StackFactory
from tests.e2e.game_helpers import make_chat
from tests.helpers import free_port

SECRET = "s3cret"
CODE = "a1b2c3"


async def test_the_emulator_pushes_and_the_bot_answers(stack_factory: StackFactory) -> None:
    port = free_port()
    stack = await stack_factory(
        emulator={
            "callback_url": f"http://127.0.0.1:{port}/vk/callback",
            "callback_secret": SECRET,
            "confirmation_code": CODE,
        },
        VK_MODE="callback",
        VK_CALLBACK_PORT=str(port),
        VK_CALLBACK_SECRET=SECRET,
        VK_CONFIRMATION_CODE=CODE,
    )
    await stack.start_bot()
    receiver = await stack.service("poller").start()
    await receiver.wait_for_log("callback server listening")
    await stack.control.wait_for(lambda e: e["kind"] == "callback_confirmed", timeout=20)
    chat = await make_chat(stack, "Анна")
    await chat.say("Анна", "/help")
    await chat.bot_says("Команды")
    await chat.say("Анна", "/rules")
    await chat.bot_says("Правила")
    assert await receiver.terminate() == 0


@pytest.fixture
async def receiver(
    broker: object, amqp_url: str, amqp_names: topology.Names
) -> AsyncIterator[TestClient[aiohttp.web.Request, aiohttp.web.Application]]:
    settings = Settings(
        VK_GROUP_ID=GROUP_ID,
        VK_CALLBACK_SECRET=SECRET,
        VK_CONFIRMATION_CODE=CODE,
        AMQP_URL=amqp_url,
        AMQP_PREFIX=amqp_names.prefix,
        UPDATE_SHARDS=2,
    )
    publisher = UpdatePublisher(amqp_url, 2, amqp_names, settings.retry_delays)
    client = TestClient(TestServer(callback.create_app(settings, publisher)))
    await client.start_server()
    yield client
    await client.close()
    await publisher.close()


async def queued(amqp_url: str, names: topology.Names) -> list[dict[str, object]]:
    connection = await aio_pika.connect(amqp_url)
    bodies = []
    channel = await connection.channel()
    for shard in range(2):
        queue = await channel.declare_queue(names.shard_queue(shard), passive=True)
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            bodies.append(json.loads(message.body))
    await connection.close()
    return bodies


def event(event_id: str, secret: str = SECRET, group_id: int = GROUP_ID) -> dict[str, object]:
    return {
        "type": "message_new",
        "event_id": event_id,
        "group_id": group_id,
        "v": "5.199",
        "secret": secret,
        "object": {"message": {"peer_id": 2000000001, "from_id": 5, "text": "привет"}},
    }


async def test_receiver_protocol(
    receiver: TestClient[aiohttp.web.Request, aiohttp.web.Application],
    amqp_url: str,
    amqp_names: topology.Names,
) -> None:
    confirm = await receiver.post("/vk/callback", json={"type": "confirmation", "group_id": 1})
    assert (confirm.status, await confirm.text()) == (200, CODE)

    for body, status in (
        (event("e1", secret="wrong"), 403),
        (event("e1", group_id=999), 403),
        ({"no": "type"}, 400),
    ):
        response = await receiver.post("/vk/callback", json=body)
        assert response.status == status
    garbage = await receiver.post("/vk/callback", data=b"\x00not json")
    assert garbage.status == 400

    first = await receiver.post("/vk/callback", json=event("e1"))
    again = await receiver.post("/vk/callback", json=event("e1"), headers={"X-Retry-Counter": "1"})
    assert (await first.text(), await again.text()) == ("ok", "ok")
    bodies = await queued(amqp_url, amqp_names)
    assert [b["event_id"] for b in bodies] == ["e1"]  # the re-delivery was not published again
    assert "secret" not in bodies[0]  # the shared secret stays at the edge
