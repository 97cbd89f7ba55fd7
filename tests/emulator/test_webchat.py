"""The web chat's server side: static files, the world snapshot and the Server-Sent Events
stream of the activity feed (live entries, `world` events, resuming after Last-Event-ID)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from aiohttp import ClientResponse

from tests.emulator.conftest import GROUP_ID
from vk_emulator.control_client import ControlClient
from vk_emulator.world import World

TIMEOUT = 5.0


async def next_event(resp: ClientResponse) -> dict[str, Any]:
    """The next SSE event (comments and bare `retry:` blocks skipped): event, id, data."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            fields: dict[str, Any] = {}
            while True:
                line = (await resp.content.readline()).decode()
                if not line:
                    raise EOFError("the stream ended")
                line = line.rstrip("\n")
                if not line:
                    break
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
            if "data" in fields:
                return {
                    "event": fields.get("event", "message"),
                    "id": int(fields["id"]) if "id" in fields else None,
                    "data": json.loads(fields["data"]),
                }


async def open_stream(client: Any, **kwargs: Any) -> ClientResponse:
    resp: ClientResponse = await client.get("/control/stream", **kwargs)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    assert resp.headers["Cache-Control"] == "no-cache"
    return resp


async def entries(resp: ClientResponse, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while len(found) < count:
        event = await next_event(resp)
        if event["event"] == "message":
            found.append(event)
    return found


# --- static files ----------------------------------------------------------------------------


async def test_index_page_is_served_at_root(client: Any) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    assert resp.charset == "utf-8"
    html = await resp.text()
    assert '<html lang="ru">' in html
    assert '<script src="/web/app.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/web/style.css">' in html
    assert 'name="viewport"' in html


@pytest.mark.parametrize(
    ("name", "content_type", "marker"),
    [
        ("app.js", "text/javascript", "new EventSource("),
        ("style.css", "text/css", "@media (max-width"),
        ("index.html", "text/html", 'id="composer"'),
    ],
)
async def test_static_files(client: Any, name: str, content_type: str, marker: str) -> None:
    resp = await client.get(f"/web/{name}")
    assert resp.status == 200
    assert resp.content_type == content_type
    assert resp.headers["Cache-Control"] == "no-cache"
    assert marker in await resp.text()


@pytest.mark.parametrize("name", ["__init__.py", "missing.js", "..%2Fworld.py"])
async def test_only_the_web_chat_files_are_served(client: Any, name: str) -> None:
    resp = await client.get(f"/web/{name}")
    assert resp.status == 404


async def test_nothing_is_loaded_from_another_origin(client: Any) -> None:
    for name in ("index.html", "app.js", "style.css"):
        text = await (await client.get(f"/web/{name}")).text()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), name
        assert not re.search(r"""(@import|url\()\s*["']?(https?:)?//""", text), name


# --- world snapshot --------------------------------------------------------------------------


async def test_world_snapshot(client: Any, ctl: ControlClient, vk: Any, chat: Any) -> None:
    await vk("messages.send", peer_id=chat["peer_id"], random_id=5, message="Привет")
    world = await (await client.get("/control/world")).json()
    assert set(world) >= {"world_id", "epoch", "version", "seq", "group", "bot_id", "users"}
    assert world["group"]["id"] == GROUP_ID
    assert world["group"]["name"]
    assert world["bot_id"] == -GROUP_ID
    assert world["seq"] == 1
    assert [u["first_name"] for u in world["users"]] == ["Анна", "Борис", "Вера"]
    [snapshot] = world["chats"]
    assert snapshot["peer_id"] == chat["peer_id"]
    assert snapshot["member_ids"] == chat["user_ids"]
    assert snapshot["bot_member"] is True
    assert snapshot["last_message"]["text"] == "Привет"
    assert snapshot["last_message"]["from_id"] == -GROUP_ID


# --- the event stream ------------------------------------------------------------------------


async def test_stream_sends_world_info_then_entries_live(
    client: Any, ctl: ControlClient, world: World, chat: Any
) -> None:
    peer, anna = chat["peer_id"], chat["user_ids"][0]
    await ctl.send_message(peer, anna, "первое")
    resp = await open_stream(client, params={"after": "0"})

    hello = await next_event(resp)
    assert hello["event"] == "world"
    assert hello["id"] is None
    assert hello["data"] == {
        "world_id": world.world_id,
        "epoch": world.epoch,
        "version": world.version,
        "seq": 1,
    }
    [first] = await entries(resp, 1)
    assert first["id"] == first["data"]["seq"] == 1
    assert first["data"]["kind"] == "user_message"
    assert first["data"]["message"]["text"] == "первое"

    # Now the stream is idle inside the emulator; a new entry reaches it at once.
    await world.waiters.wait_until(lambda: world.stream_changed.waiting > 0, TIMEOUT)
    event_id = await ctl.press(peer, anna, 1, payload={"cmd": "join"})
    [press] = await entries(resp, 1)
    assert press["id"] == 2
    assert press["data"]["kind"] == "button_press"
    assert press["data"]["event_id"] == event_id
    assert press["data"]["payload"] == {"cmd": "join"}


async def test_stream_resumes_after_last_event_id(
    client: Any, ctl: ControlClient, chat: Any
) -> None:
    peer, anna = chat["peer_id"], chat["user_ids"][0]
    for text in ("раз", "два", "три", "четыре"):
        await ctl.send_message(peer, anna, text)
    # A reconnecting EventSource repeats its URL (with the old `after`) and adds the header,
    # which wins.
    resp = await open_stream(client, params={"after": "0"}, headers={"Last-Event-ID": "2"})
    assert (await next_event(resp))["event"] == "world"
    resumed = await entries(resp, 2)
    assert [e["id"] for e in resumed] == [3, 4]
    assert [e["data"]["message"]["text"] for e in resumed] == ["три", "четыре"]


async def test_stream_after_query_and_peer_filter(
    client: Any, ctl: ControlClient, chat: Any
) -> None:
    peer, anna = chat["peer_id"], chat["user_ids"][0]
    other = await ctl.create_chat("Другая", [anna])
    await ctl.send_message(peer, anna, "1")
    await ctl.send_message(other["peer_id"], anna, "2")
    await ctl.send_message(peer, anna, "3")
    await ctl.send_message(other["peer_id"], anna, "4")
    resp = await open_stream(client, params={"after": "1", "peer_id": str(other["peer_id"])})
    assert (await next_event(resp))["event"] == "world"
    found = await entries(resp, 2)
    assert [(e["id"], e["data"]["message"]["text"]) for e in found] == [(2, "2"), (4, "4")]


async def test_stream_from_another_world_starts_from_the_beginning(
    client: Any, ctl: ControlClient, chat: Any
) -> None:
    await ctl.send_message(chat["peer_id"], chat["user_ids"][0], "единственное")
    resp = await open_stream(client, headers={"Last-Event-ID": "500"})
    assert (await next_event(resp))["event"] == "world"
    [entry] = await entries(resp, 1)
    assert entry["id"] == 1


async def test_stream_announces_structure_changes_and_resets(
    client: Any, ctl: ControlClient, world: World, chat: Any
) -> None:
    resp = await open_stream(client, params={"after": str(world.log_seq)})
    hello = (await next_event(resp))["data"]

    await ctl.create_user("Глеб")
    changed = await next_event(resp)
    assert changed["event"] == "world"
    assert changed["data"]["version"] > hello["version"]
    assert changed["data"]["epoch"] == hello["epoch"]

    await ctl.reset()
    after_reset = await next_event(resp)
    assert after_reset["event"] == "world"
    assert after_reset["data"]["epoch"] == hello["epoch"] + 1
    assert after_reset["data"]["world_id"] == hello["world_id"]

    # Entries logged after the reset keep counting up and still arrive.
    user = await ctl.create_user("Дина")
    fresh = await ctl.create_chat("Новая", [user["id"]])
    await next_event(resp)  # user
    await next_event(resp)  # chat
    await ctl.send_message(fresh["peer_id"], user["id"], "снова")
    [entry] = await entries(resp, 1)
    assert entry["data"]["message"]["text"] == "снова"
    assert entry["id"] == world.log_seq


async def test_stream_ends_when_the_emulator_shuts_down(client: Any, world: World) -> None:
    resp = await open_stream(client)
    assert (await next_event(resp))["event"] == "world"
    await world.waiters.wait_until(lambda: world.stream_changed.waiting > 0, TIMEOUT)
    world.close()
    with pytest.raises(EOFError):
        await next_event(resp)


async def test_stream_rejects_a_bad_last_event_id(client: Any) -> None:
    resp = await client.get("/control/stream", headers={"Last-Event-ID": "abc"})
    assert resp.status == 400
    assert "Last-Event-ID" in (await resp.json())["error"]
