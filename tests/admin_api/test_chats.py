"""Chats and their game settings overrides."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game.config import BOUNDS, CHOICES
from tests.admin_api.conftest import AppFactory, Client, error_of, login
from tests.admin_api.seed import add_chat, play
from tests.admin_api.test_packs import PACK, imported

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
    client = await app_factory(GAME_ROUNDS="7", GAME_PICK_SECONDS="25", GAME_MODE="tv")
    await login(client)
    await add_chat(db, CHAT, "Знатоки")
    async with db.begin() as conn:  # one valid override, two the bot would ignore
        await conn.execute(
            text(
                """UPDATE chats SET settings = """
                """'{"rounds": 3, "pick_seconds": 0, "x": 1, "pack_id": "7", "mode": "show"}'"""
            )
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
    assert set(settings["effective"]) == set(BOUNDS) | set(CHOICES)
    assert settings["defaults"]["mode"] == settings["effective"]["mode"] == "tv"
    assert settings["pack_id"] is None  # not a pack id the bot could use
    # What the form offers: every number setting's range and every choice setting's values.
    assert settings["bounds"] == {name: [low, high] for name, (low, high) in BOUNDS.items()}
    assert settings["bounds"]["rounds"] == [1, 50]
    assert settings["choices"] == {"mode": ["classic", "tv"]}


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
        {"mode": "show"},
        {"mode": 1},
        {"mode": "TV"},
        {"spin_step_seconds": 0},
        {"spin_step_seconds": 11},
        {"blitz_seconds": 0},
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


async def test_patch_sets_the_mode_and_removes_it(client: Client, db: AsyncEngine) -> None:
    await add_chat(db, CHAT)
    url = f"/api/chats/{CHAT}/settings"
    response = await client.patch(url, json={"mode": "tv", "blitz_seconds": 15})
    assert response.status == 200, await response.text()
    settings = (await response.json())["settings"]
    assert settings["overrides"] == {"mode": "tv", "blitz_seconds": 15}
    assert settings["effective"]["mode"] == "tv"
    assert settings["defaults"]["mode"] == "classic"
    assert await stored_settings(db) == {"mode": "tv", "blitz_seconds": 15}  # what the bot reads
    shown = await (await client.get(f"/api/chats/{CHAT}")).json()
    assert shown["settings"]["effective"]["mode"] == "tv"
    back = await (await client.patch(url, json={"mode": None})).json()
    assert back["settings"]["effective"]["mode"] == "classic"
    assert await stored_settings(db) == {"blitz_seconds": 15}


async def test_unknown_or_invalid_chat(client: Client) -> None:
    await error_of(await client.get("/api/chats/42"), 404)
    await error_of(await client.patch("/api/chats/42/settings", json={"rounds": 3}), 404)
    await error_of(await client.get("/api/chats/not-a-peer"), 404)
    error = await error_of(await client.get("/api/chats/99999999999999999999"), 422)
    assert "peer_id" in error["fields"]
    assert (await client.get("/api/chats/-5")).status == 404  # a group's (negative) peer id


# The pack a chat plays --------------------------------------------------------------------------


async def stored_settings(db: AsyncEngine) -> Any:
    async with db.connect() as conn:
        return await conn.scalar(text("SELECT settings FROM chats WHERE peer_id = :p"), {"p": CHAT})


async def test_a_chat_plays_a_pack_then_random_questions_again(
    client: Client, db: AsyncEngine
) -> None:
    await add_chat(db, CHAT)
    pack_id = await imported(db)
    url = f"/api/chats/{CHAT}/settings"
    assert (await (await client.get(f"/api/chats/{CHAT}")).json())["settings"]["pack_id"] is None

    response = await client.patch(url, json={"pack_id": pack_id, "rounds": 5})
    assert response.status == 200, await response.text()
    settings = (await response.json())["settings"]
    assert settings["pack_id"] == pack_id
    assert settings["overrides"] == {"rounds": 5}  # the pack is no game-timing override
    assert await stored_settings(db) == {"pack_id": pack_id, "rounds": 5}  # what the bot reads
    shown = await (await client.get(f"/api/chats/{CHAT}")).json()
    assert shown["settings"]["pack_id"] == pack_id

    unpinned = await client.patch(url, json={"pack_id": None})
    assert (await unpinned.json())["settings"]["pack_id"] is None
    assert await stored_settings(db) == {"rounds": 5}  # the key is gone, not null


async def test_only_an_existing_enabled_pack_can_be_played(client: Client, db: AsyncEngine) -> None:
    await add_chat(db, CHAT)
    url = f"/api/chats/{CHAT}/settings"
    error = await error_of(await client.patch(url, json={"pack_id": 4242, "rounds": 3}), 422)
    assert error["fields"] == {"pack_id": ["There is no pack 4242."]}
    pack_id = await imported(db)
    await client.patch(f"/api/packs/{pack_id}", json={"enabled": False})
    error = await error_of(await client.patch(url, json={"pack_id": pack_id}), 422)
    assert error["fields"] == {"pack_id": [f"Pack {pack_id} is disabled; enable it first."]}
    for bad in (0, -1, "1", 1.5, True, 2**31):
        error = await error_of(await client.patch(url, json={"pack_id": bad}), 422)
        assert set(error["fields"]) == {"pack_id"}
    assert await stored_settings(db) == {}  # nothing of a refused patch was kept
    await error_of(await client.patch("/api/chats/42/settings", json={"pack_id": 4242}), 404)


async def test_deleting_a_pack_unpins_the_chats_that_played_it(
    client: Client, db: AsyncEngine
) -> None:
    await add_chat(db, CHAT)
    await add_chat(db, OTHER)
    first, second = await imported(db), await imported(db, PACK.replace("Образцов", "Других"))
    await client.patch(f"/api/chats/{CHAT}/settings", json={"pack_id": first, "rounds": 4})
    await client.patch(f"/api/chats/{OTHER}/settings", json={"pack_id": second})
    assert (await client.delete(f"/api/packs/{first}")).status == 200
    assert await stored_settings(db) == {"rounds": 4}
    other = await (await client.get(f"/api/chats/{OTHER}")).json()
    assert other["settings"]["pack_id"] == second
