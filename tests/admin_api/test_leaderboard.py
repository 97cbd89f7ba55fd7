"""``GET /api/chats/{peer_id}/leaderboard``: the chat's players and the team's record, the
same figures the chat's ``/top`` shows and the statistics' definitions."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.pool import Pool
from app.repositories import leaderboard
from tests.admin_api.conftest import Client, error_of
from tests.admin_api.seed import add_chat, play

CHAT = 2000000451
OTHER = 2000000452


async def seed_games(db: AsyncEngine) -> None:
    """In CHAT Аня (1) and Боря (2) win 2:1, lose 0:3, draw 1:1, then a game of theirs is
    stopped at 1:0; Вера (3) is in a game still running; a lobby closed empty. Аня also
    plays in OTHER."""
    duo = [(1, "Аня"), (2, "Боря")]
    await add_chat(db, CHAT, "Знатоки")
    await play(db, CHAT, duo, [(1, "right"), (2, "right"), (1, "wrong")])
    await play(db, CHAT, duo, [(2, "wrong"), (2, "silent"), (1, "wrong")])
    await play(db, CHAT, duo, [(1, "right"), (2, "wrong")], rounds=2)
    await play(db, CHAT, duo, [(1, "right")], end="stop")
    await play(db, CHAT, [], end="close")
    await play(db, CHAT, [(3, "Вера")], end="running")
    await play(db, OTHER, [(1, "Аня")], [(1, "right")] * 3)


async def test_players_and_team_record(client: Client, db: AsyncEngine) -> None:
    await seed_games(db)
    response = await client.get(f"/api/chats/{CHAT}/leaderboard")
    assert response.status == 200
    body = await response.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 20, 0)
    assert body["items"] == [
        {"user_id": 1, "name": "Аня", "rank": 1, "correct": 3, "answers": 5, "games": 4},
        {"user_id": 2, "name": "Боря", "rank": 2, "correct": 1, "answers": 4, "games": 4},
        {"user_id": 3, "name": "Вера", "rank": 3, "correct": 0, "answers": 0, "games": 1},
    ]
    # Played: the four games and the running one; the record: finished games only, and the
    # stopped game neither ends nor extends the streak.
    assert body["team"] == {
        "games": 5,
        "won": 1,
        "lost": 1,
        "drawn": 1,
        "streak": {"kind": "drawn", "length": 1},
    }

    second = await (await client.get(f"/api/chats/{CHAT}/leaderboard?limit=1&offset=1")).json()
    assert [p["user_id"] for p in second["items"]] == [2]
    assert (second["total"], second["limit"], second["offset"]) == (3, 1, 1)
    past = await (await client.get(f"/api/chats/{CHAT}/leaderboard?offset=10")).json()
    assert (past["items"], past["total"]) == ([], 3)


async def test_the_figures_match_the_statistics_and_the_chat(
    client: Client, db: AsyncEngine, pool: Pool
) -> None:
    """With one chat's games only, a chat's players are the statistics' players, figure by
    figure; and the bot's /top reads the very same lines."""
    duo = [(1, "Аня"), (2, "Боря")]
    await play(db, CHAT, duo, [(1, "right"), (2, "silent"), (2, "right")])
    await play(db, CHAT, duo, [(2, "wrong")], end="stop")
    board = await (await client.get(f"/api/chats/{CHAT}/leaderboard")).json()
    stats = await (await client.get("/api/stats/players")).json()
    figures = ("user_id", "name", "correct", "answers", "games")
    assert [{k: p[k] for k in figures} for p in board["items"]] == [
        {k: p[k] for k in figures} for p in stats["items"]
    ]
    async with pool.acquire() as conn:
        lines, total = await leaderboard.players(conn, CHAT, limit=20)
        team = await leaderboard.team(conn, CHAT)
    assert ([asdict(line) for line in lines], total) == (board["items"], board["total"])
    assert asdict(team) == board["team"]


async def test_a_chat_without_games(client: Client, db: AsyncEngine) -> None:
    await add_chat(db, CHAT)
    body = await (await client.get(f"/api/chats/{CHAT}/leaderboard")).json()
    assert body == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
        "team": {"games": 0, "won": 0, "lost": 0, "drawn": 0, "streak": None},
    }


async def test_an_unknown_chat_is_a_404(client: Client, db: AsyncEngine) -> None:
    await play(db, OTHER, [(1, "Аня")], [(1, "right")], rounds=1)
    error = await error_of(await client.get(f"/api/chats/{CHAT}/leaderboard"), 404)
    assert error["code"] == "not_found"


async def test_no_session_is_a_401(anon: Client, db: AsyncEngine) -> None:
    await add_chat(db, CHAT)
    await error_of(await anon.get(f"/api/chats/{CHAT}/leaderboard"), 401)


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"offset": "-1"}])
async def test_page_bounds(client: Client, db: AsyncEngine, params: dict[str, str]) -> None:
    await add_chat(db, CHAT)
    response = await client.get(f"/api/chats/{CHAT}/leaderboard", params=params)
    assert set((await error_of(response, 422))["fields"]) == set(params)
