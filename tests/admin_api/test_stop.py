"""Stopping a game from the API: the synthetic update on the chat's shard queue, the bot's
handling of it, and the API's answers when it cannot (unknown, not active, no broker)."""

from __future__ import annotations

import json
from typing import Any

import aio_pika
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.broker import topology
from app.internal_updates import ADMIN_STOP, AdminStop, parse_incoming
from tests.admin_api.conftest import AppFactory, Client, error_of, login
from tests.admin_api.seed import play
from tests.bot_harness import BotHarness
from tests.helpers import free_port

CHAT = 2000000301
SHARDS = 4


async def next_update(
    broker: aio_pika.abc.AbstractRobustConnection, names: topology.Names, peer_id: int
) -> aio_pika.abc.AbstractIncomingMessage:
    """The message waiting in the chat's shard queue (publisher confirms: it is there)."""
    channel = await broker.channel()
    queue = await channel.get_queue(names.shard_queue(topology.shard_of(peer_id, SHARDS)))
    message = await queue.get(no_ack=True, fail=False)
    assert message is not None, "nothing was published to the chat's shard queue"
    return message


async def route(harness: BotHarness, raw: Any) -> list[str]:
    """Apply an update with the bot's real wiring; the texts it queued."""
    before = len(await harness.texts(CHAT))
    assert await harness.feed(raw) == "applied"
    return (await harness.texts(CHAT))[before:]


async def test_stop_publishes_to_the_chats_shard_and_the_bot_ends_the_game(
    app_factory: AppFactory,
    db: AsyncEngine,
    bot_harness: BotHarness,
    broker: aio_pika.abc.AbstractRobustConnection,
    amqp_names: topology.Names,
) -> None:
    client = await app_factory(UPDATE_SHARDS=str(SHARDS), VK_GROUP_ID="77")
    me = await (await login(client)).json()
    game = await play(db, CHAT, [(1, "Аня"), (2, "Боря")], [(1, "right")], end="running")

    response = await client.post(f"/api/games/{game.id}/stop")
    assert response.status == 202, await response.text()
    view = await response.json()
    assert (view["id"], view["status"], view["round"]) == (game.id, "active", 2)
    assert len(view["rounds"]) == 1

    message = await next_update(broker, amqp_names, CHAT)
    raw = json.loads(message.body)
    assert raw["type"] == ADMIN_STOP
    assert raw["event_id"].startswith("admin-stop-")
    assert message.message_id == raw["event_id"]
    assert raw["group_id"] == 77
    assert raw["object"] == {"peer_id": CHAT, "game_id": game.id, "admin_id": me["id"]}
    assert message.headers["peer_id"] == CHAT
    assert parse_incoming(raw) == AdminStop(raw["event_id"], CHAT, game.id)

    results = await route(bot_harness, raw)
    assert any("Игра остановлена досрочно" in text for text in results), results
    stopped = await (await client.get(f"/api/games/{game.id}")).json()
    assert stopped["status"] == "stopped"
    assert stopped["score"] == {"team": 1, "bot": 0}

    # Once the game is over a late stop changes nothing and says nothing.
    assert await route(bot_harness, {**raw, "event_id": "admin-stop-late"}) == []
    # A stop meant for another game of the chat (one that ended in between) is ignored too.
    newer = await play(db, CHAT, [(1, "Аня")], [], end="running")
    other = {**raw, "event_id": "admin-stop-other", "object": {**raw["object"]}}
    assert await route(bot_harness, other) == []
    assert (await (await client.get(f"/api/games/{newer.id}")).json())["status"] == "active"
    await error_of(await client.post(f"/api/games/{game.id}/stop"), 409)


@pytest.mark.parametrize("end", ["finish", "stop", "close"])
async def test_stopping_a_game_that_is_not_active_is_409(
    client: Client, db: AsyncEngine, end: str
) -> None:
    if end == "close":
        game = await play(db, CHAT, [], end="close")
    else:
        answers = [(1, "right")] * (3 if end == "finish" else 1)
        game = await play(db, CHAT, [(1, "Аня")], answers, end=end)  # type: ignore[arg-type]
    error = await error_of(await client.post(f"/api/games/{game.id}/stop"), 409)
    assert error["code"] == "game_not_active"


async def test_stopping_an_unknown_game_is_404(client: Client) -> None:
    await error_of(await client.post("/api/games/424242/stop"), 404)
    await error_of(await client.post("/api/games/0/stop"), 422)


async def test_without_amqp_url_stop_is_503_and_the_rest_works(
    app_factory: AppFactory, db: AsyncEngine
) -> None:
    client = await app_factory(AMQP_URL=None)
    await login(client)
    game = await play(db, CHAT, [(1, "Аня")], end="running")
    error = await error_of(await client.post(f"/api/games/{game.id}/stop"), 503)
    assert error["code"] == "broker_not_configured"
    assert "AMQP_URL" in error["message"]
    assert (await client.get(f"/api/games/{game.id}")).status == 200
    health = await (await client.get("/api/health")).json()
    assert health == {"status": "ok", "checks": {"database": "ok"}}


async def test_unreachable_broker_is_503(app_factory: AppFactory, db: AsyncEngine) -> None:
    client = await app_factory(AMQP_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    await login(client)
    game = await play(db, CHAT, [(1, "Аня")], end="running")
    error = await error_of(await client.post(f"/api/games/{game.id}/stop"), 503)
    assert error["code"] == "broker_unavailable"
    health = await client.get("/api/health")
    assert health.status == 503
    assert (await health.json())["checks"]["broker"].startswith("error")
