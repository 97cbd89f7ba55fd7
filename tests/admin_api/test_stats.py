"""Statistics: the leaderboard and the overview, over games with known outcomes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin_api.conftest import Client, error_of
from tests.admin_api.seed import play

A, B, C = 2000000401, 2000000402, 2000000403


async def seed_games(db: AsyncEngine) -> None:
    """Аня (1) and Боря (2) win 2:1, then lose 0:3; Вера (3) wins 3:0, then her game is
    stopped at 1:0; Глеб (4) draws 1:1 in two rounds, and a game of his is still running."""
    duo = [(1, "Аня"), (2, "Боря")]
    await play(db, A, duo, [(1, "right"), (2, "right"), (1, "wrong")])  # team 2:1
    await play(db, A, duo, [(2, "wrong"), (2, "silent"), (1, "wrong")])  # bot 0:3
    await play(db, B, [(3, "Вера")], [(3, "right")] * 3)  # team 3:0
    await play(db, B, [(3, "Вера")], [(3, "right")], end="stop")  # stopped 1:0
    await play(db, C, [(4, "Глеб")], [(4, "right"), (4, "wrong")], rounds=2)  # draw 1:1
    await play(db, C, [], end="close")
    await play(db, C, [(4, "Глеб")], end="running")


async def test_leaderboard(client: Client, db: AsyncEngine) -> None:
    await seed_games(db)
    async with db.begin() as conn:
        await conn.execute(
            text("INSERT INTO vk_users (user_id, first_name, last_name) VALUES (3, 'Вера', 'В')")
        )
    response = await client.get("/api/stats/players")
    assert response.status == 200
    page = await response.json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 20, 0)
    rows = {row["user_id"]: row for row in page["items"]}
    # Sorted by correct answers, then answers, games, user id.
    assert [row["user_id"] for row in page["items"]] == [3, 1, 2, 4]

    vera = rows[3]
    assert vera["name"] == "Вера В"  # users.get name when known
    assert (vera["games"], vera["finished_games"], vera["wins"]) == (2, 1, 1)
    assert (vera["answers"], vera["correct"]) == (4, 4)
    assert vera["win_rate"] == 1.0  # the stopped game does not count

    anya = rows[1]
    assert anya["name"] == "Аня"  # else the name from the games
    assert (anya["games"], anya["finished_games"], anya["wins"]) == (2, 2, 1)
    assert (anya["answers"], anya["correct"]) == (3, 1)
    assert anya["win_rate"] == 0.5
    assert (rows[2]["answers"], rows[2]["correct"], rows[2]["win_rate"]) == (3, 1, 0.5)

    gleb = rows[4]  # a draw is no win; the running game is played but not finished
    assert (gleb["games"], gleb["finished_games"], gleb["wins"]) == (2, 1, 0)
    assert gleb["win_rate"] == 0.0

    second = await (await client.get("/api/stats/players", params={"limit": 2, "offset": 2})).json()
    assert [row["user_id"] for row in second["items"]] == [2, 4]


async def test_player_without_finished_games_has_no_win_rate(
    client: Client, db: AsyncEngine
) -> None:
    await play(db, A, [(9, "Дина")], [(9, "right")], end="stop")
    (row,) = (await (await client.get("/api/stats/players")).json())["items"]
    assert (row["games"], row["finished_games"], row["win_rate"]) == (1, 0, None)


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"offset": "-3"}])
async def test_leaderboard_pagination_bounds(client: Client, params: dict[str, str]) -> None:
    await error_of(await client.get("/api/stats/players", params=params), 422)


async def test_overview(client: Client, db: AsyncEngine) -> None:
    await seed_games(db)
    async with db.connect() as conn:
        questions = await conn.scalar(text("SELECT count(*) FROM questions"))
    response = await client.get("/api/stats/overview")
    assert response.status == 200
    assert await response.json() == {
        "chats": 3,
        "games": 6,  # every game that began: not the closed lobby
        "active_games": 1,
        "games_by_status": {"active": 1, "finished": 4, "stopped": 1, "closed": 1},
        "questions": questions,
        "players": 4,
        "team_wins": 2,
        "bot_wins": 1,
        "draws": 1,
    }
