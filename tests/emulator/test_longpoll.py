"""Bots Long Poll: holding, timeouts, event shapes and the failed 1/2/3 protocol."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from tests.emulator.conftest import GROUP_ID
from vk_emulator.server import WORLD_KEY, EmulatorConfig, create_app
from vk_emulator.world import World

HEX40 = re.compile(r"^[0-9a-f]{40}$")


async def lp_server(vk: Any) -> dict[str, str]:
    body = await vk("groups.getLongPollServer", group_id=GROUP_ID)
    server: dict[str, str] = body["response"]
    return server


async def poll(client: Any, server: dict[str, str], ts: Any, wait: float = 5) -> dict[str, Any]:
    params = {"act": "a_check", "key": server["key"], "ts": str(ts), "wait": str(wait)}
    resp = await client.session.get(server["server"], params=params)
    assert resp.status == 200
    body: dict[str, Any] = await resp.json()
    return body


async def held(world: World, count: int = 1) -> None:
    """Returns once `count` long polls are blocked inside the emulator."""
    await world.waiters.wait_until(lambda: world.updates_changed.waiting >= count, 5)
    assert world.updates_changed.waiting >= count


async def test_poll_is_held_until_an_event_arrives(
    client: Any, vk: Any, ctl: Any, world: World, chat: Any
) -> None:
    server = await lp_server(vk)
    task = asyncio.create_task(poll(client, server, server["ts"], wait=30))
    await held(world)
    assert not task.done()
    peer, user = chat["peer_id"], chat["user_ids"][0]
    event_id = await ctl.send_message(peer, user, "Привет, бот", payload={"command": "start"})
    body = await asyncio.wait_for(task, 5)

    assert body["ts"] == str(int(server["ts"]) + 1)
    [update] = body["updates"]
    assert update["type"] == "message_new"
    assert update["event_id"] == event_id
    assert HEX40.match(update["event_id"])
    assert update["group_id"] == GROUP_ID
    assert update["v"] == "5.199"
    message = update["object"]["message"]
    required = {"id", "date", "peer_id", "from_id", "text", "conversation_message_id", "out"}
    assert required | {"version", "fwd_messages", "attachments", "important"} <= set(message)
    assert message["peer_id"] == peer
    assert message["from_id"] == user
    assert message["text"] == "Привет, бот"
    assert message["out"] == 0
    assert message["is_hidden"] is False
    assert json.loads(message["payload"]) == {"command": "start"}  # a JSON string on the wire
    client_info = update["object"]["client_info"]
    assert "callback" in client_info["button_actions"]
    assert client_info["inline_keyboard"] is True


async def test_poll_returns_pending_events_immediately_in_order(
    client: Any, vk: Any, ctl: Any, chat: Any
) -> None:
    server = await lp_server(vk)
    for text in ("один", "два", "три"):
        await ctl.send_message(chat["peer_id"], chat["user_ids"][0], text)
    body = await poll(client, server, server["ts"], wait=30)
    assert [u["object"]["message"]["text"] for u in body["updates"]] == ["один", "два", "три"]
    assert [u["object"]["message"]["conversation_message_id"] for u in body["updates"]] == [1, 2, 3]
    assert len({u["event_id"] for u in body["updates"]}) == 3
    later = await poll(client, server, int(body["ts"]) - 1, wait=0)
    assert [u["object"]["message"]["text"] for u in later["updates"]] == ["три"]


async def test_poll_times_out_with_empty_updates(client: Any, vk: Any) -> None:
    server = await lp_server(vk)
    body = await poll(client, server, server["ts"], wait=0.05)
    assert body == {"ts": server["ts"], "updates": []}


async def test_chat_without_bot_produces_no_event(
    client: Any, vk: Any, ctl: Any, chat: Any
) -> None:
    other = await ctl.create_chat("Без бота", chat["user_ids"], bot_member=False)
    server = await lp_server(vk)
    assert await ctl.send_message(other["peer_id"], chat["user_ids"][0], "эй") is None
    assert (await poll(client, server, server["ts"], wait=0))["updates"] == []


async def test_invite_bot_emits_chat_invite_user(client: Any, vk: Any, ctl: Any, chat: Any) -> None:
    other = await ctl.create_chat("Новая", chat["user_ids"][:2], bot_member=False)
    server = await lp_server(vk)
    invited = await ctl.invite_bot(other["peer_id"])
    assert invited["bot_member"] is True
    [update] = (await poll(client, server, server["ts"], wait=0))["updates"]
    assert update["event_id"] == invited["event_id"]
    message = update["object"]["message"]
    assert message["action"] == {"type": "chat_invite_user", "member_id": -GROUP_ID}
    assert message["from_id"] == chat["user_ids"][0]
    sent = await vk("messages.send", peer_id=other["peer_id"], random_id=1, message="Привет!")
    assert isinstance(sent["response"], int)


async def test_wrong_or_expired_key_gives_failed_2(client: Any, vk: Any, ctl: Any) -> None:
    server = await lp_server(vk)
    assert await poll(client, {**server, "key": "bad"}, server["ts"], wait=0) == {"failed": 2}
    await ctl.expire_key()
    assert await poll(client, server, server["ts"], wait=0) == {"failed": 2}
    fresh = await lp_server(vk)
    assert fresh["key"] != server["key"]
    assert (await poll(client, fresh, server["ts"], wait=0))["updates"] == []


async def test_ts_older_than_history_gives_failed_1(aiohttp_client: Any) -> None:
    app = create_app(EmulatorConfig(group_id=GROUP_ID, token="t", history_size=3))
    world = app[WORLD_KEY]
    client = await aiohttp_client(app)
    for _ in range(5):
        world.emit("message_new", {})
    params = {"act": "a_check", "key": world.lp_key, "wait": "0"}
    body = await (await client.get(f"/lp/{GROUP_ID}", params={**params, "ts": "1"})).json()
    assert body == {"failed": 1, "ts": 5}
    body = await (await client.get(f"/lp/{GROUP_ID}", params={**params, "ts": "2"})).json()
    assert [u["type"] for u in body["updates"]] == ["message_new"] * 3
    body = await (await client.get(f"/lp/{GROUP_ID}", params={**params, "ts": "9"})).json()
    assert body == {"failed": 1, "ts": 5}


@pytest.mark.parametrize("code", [1, 2, 3])
async def test_forced_failure_applies_to_the_next_poll_only(
    client: Any, vk: Any, ctl: Any, code: int
) -> None:
    server = await lp_server(vk)
    await ctl.longpoll_fail(code)
    body = await poll(client, server, server["ts"], wait=0)
    expected = {"failed": 1, "ts": int(server["ts"])} if code == 1 else {"failed": code}
    assert body == expected
    if code == 1:
        assert (await poll(client, server, server["ts"], wait=0))["updates"] == []
    else:
        # The old key is gone; a fresh getLongPollServer recovers.
        assert await poll(client, server, server["ts"], wait=0) == {"failed": 2}
        fresh = await lp_server(vk)
        assert (await poll(client, fresh, fresh["ts"], wait=0))["updates"] == []


async def test_forced_failure_releases_a_held_poll(
    client: Any, vk: Any, ctl: Any, world: World
) -> None:
    server = await lp_server(vk)
    task = asyncio.create_task(poll(client, server, server["ts"], wait=30))
    await held(world)
    await ctl.longpoll_fail(3)
    assert await asyncio.wait_for(task, 5) == {"failed": 3}


async def test_poll_counter_and_bad_act(client: Any, vk: Any, ctl: Any) -> None:
    server = await lp_server(vk)
    await poll(client, server, server["ts"], wait=0)
    resp = await client.get(f"/lp/{GROUP_ID}", params={"act": "nope"})
    assert resp.status == 400
    assert (await ctl.counters())["longpoll_requests"] == 2
