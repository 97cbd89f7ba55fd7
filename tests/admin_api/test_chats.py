"""Chats and their game settings overrides."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game.config import BOUNDS
from tests.admin_api.conftest import AppFactory, Client, error_of, login
from tests.admin_api.seed import add_chat, play

CHAT = 2000000101
OTHER = 2000000102


async def test_list_shows_title_games_played_activity_and_active_game(
    client: Client, db: AsyncEngine
) -> None:
    await add_chat(db, CHAT, "Знатоки")
    await play(db, CHAT, [(1, "Аня")], [(1, "right")] * 3)  # finished
    await play(db, CHAT, [], end="close")  # closed lobby: not played
    running = await play(db, CHAT, [(1, "Аня"), (2, "Боря")], end="running")
    await play(db, OTHER, [(3, "Вера")], [(3, "wrong")], end="stop")  # a chat without a title

    response = await client.get("/api/chats")
    assert response.status == 200
    page = await response.json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 20, 0)
    # The most recently active first.
    assert [chat["peer_id"] for chat in page["items"]] == [OTHER, CHAT]
    other, chat = page["items"]
    assert chat["title"] == "Знатоки"
    assert chat["games_played"] == 2
    assert chat["active_game_id"] == running.id
    assert chat["last_activity_at"]
    assert other["title"] is None
    assert other["games_played"] == 1
    assert other["active_game_id"] is None

    second = await (await client.get("/api/chats", params={"limit": "1", "offset": "1"})).json()
    assert [c["peer_id"] for c in second["items"]] == [CHAT]
    assert second["total"] == 2


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "-5"}, {"limit": "101"}, {"offset": "-1"}]
)
async def test_list_pagination_bounds(client: Client, params: dict[str, str]) -> None:
    error = await error_of(await client.get("/api/chats", params=params), 422)
    assert set(error["fields"]) == set(params)


async def test_detail_shows_defaults_overrides_and_effective_settings(
    app_factory: AppFactory, db: AsyncEngine
) -> None:
    client = await app_factory(GAME_ROUNDS="7", GAME_PICK_SECONDS="25")
    await login(client)
    await add_chat(db, CHAT, "Знатоки")
    async with db.begin() as conn:  # one valid override, two the bot would ignore
        await conn.execute(
            text("""UPDATE chats SET settings = '{"rounds": 3, "pick_seconds": 0, "x": 1}'""")
        )
    response = await client.get(f"/api/chats/{CHAT}")
    assert response.status == 200
    chat = await response.json()
    assert chat["peer_id"] == CHAT
    settings = chat["settings"]
    assert settings["defaults"]["rounds"] == 7
    assert settings["defaults"]["pick_seconds"] == 25
    assert settings["overrides"] == {"rounds": 3}
    assert settings["effective"]["rounds"] == 3
    assert settings["effective"]["pick_seconds"] == 25
    assert set(settings["effective"]) == set(BOUNDS)


async def test_patch_sets_and_removes_overrides(client: Client, db: AsyncEngine) -> None:
    await add_chat(db, CHAT)
    url = f"/api/chats/{CHAT}/settings"
    first = await client.patch(url, json={"rounds": 10, "pause_seconds": 0, "answer_seconds": 90})
    assert first.status == 200, await first.text()
    body = await first.json()
    assert body["settings"]["overrides"] == {"rounds": 10, "pause_seconds": 0, "answer_seconds": 90}
    assert body["settings"]["effective"]["rounds"] == 10

    second = await client.patch(url, json={"rounds": None, "lobby_seconds": 120})
    overrides = (await second.json())["settings"]["overrides"]
    assert overrides == {"pause_seconds": 0, "answer_seconds": 90, "lobby_seconds": 120}
    async with db.connect() as conn:
        stored = await conn.scalar(
            text("SELECT settings FROM chats WHERE peer_id = :p"), {"p": CHAT}
        )
    assert stored == overrides  # what the bot reads when it opens a lobby

    assert (await client.patch(url, json={})).status == 200


@pytest.mark.parametrize(
    "body",
    [
        {"rounds": 0},
        {"rounds": 51},
        {"lobby_seconds": 3601},
        {"pause_seconds": -1},
        {"discussion_seconds": "60"},
        {"pick_seconds": 1.5},
        {"answer_seconds": True},
        {"colour": "red"},
    ],
)
async def test_patch_rejects_out_of_bounds_and_unknown(
    client: Client, db: AsyncEngine, body: dict[str, Any]
) -> None:
    await add_chat(db, CHAT)
    error = await error_of(await client.patch(f"/api/chats/{CHAT}/settings", json=body), 422)
    assert set(error["fields"]) == set(body)
    detail = await (await client.get(f"/api/chats/{CHAT}")).json()
    assert detail["settings"]["overrides"] == {}


@pytest.mark.parametrize("bound", sorted(BOUNDS))
async def test_patch_accepts_each_bound(client: Client, db: AsyncEngine, bound: str) -> None:
    await add_chat(db, CHAT)
    low, high = BOUNDS[bound]
    for value in (low, high):
        response = await client.patch(f"/api/chats/{CHAT}/settings", json={bound: value})
        assert (await response.json())["settings"]["effective"][bound] == value


async def test_unknown_or_invalid_chat(client: Client) -> None:
    await error_of(await client.get("/api/chats/42"), 404)
    await error_of(await client.patch("/api/chats/42/settings", json={"rounds": 3}), 404)
    await error_of(await client.get("/api/chats/not-a-peer"), 404)
    error = await error_of(await client.get("/api/chats/99999999999999999999"), 422)
    assert "peer_id" in error["fields"]
    assert (await client.get("/api/chats/-5")).status == 404  # a group's (negative) peer id
