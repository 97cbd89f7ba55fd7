"""Statistics for the web admin's charts: games per day and the hardest questions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game.model import Question
from tests.admin_api.conftest import Client, error_of
from tests.admin_api.seed import How, play

CHAT = 2000000701


def day(count: int, team: int = 0, bot: int = 0, draws: int = 0) -> dict[str, int]:
    return {"games": count, "team_wins": team, "bot_wins": bot, "draws": draws}


async def daily(client: Client, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/api/stats/daily", params=params)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert set(body) == {"items"}
    items: list[dict[str, Any]] = body["items"]
    return items


async def test_games_per_utc_day_with_the_empty_days(client: Client, db: AsyncEngine) -> None:
    today = datetime.now(UTC).date()
    midnight = datetime.combine(today, time(0), UTC)
    duo = [(1, "Аня"), (2, "Боря")]
    await play(db, CHAT, duo, [(1, "right")] * 3, now=midnight)  # today, won
    running = midnight + timedelta(hours=1)
    await play(db, CHAT + 1, duo, [(1, "right")], end="running", now=running)
    await play(db, CHAT, duo, [(1, "wrong")] * 3, now=midnight - timedelta(seconds=1))  # lost
    await play(db, CHAT, duo, [(1, "wrong")], end="stop", now=midnight - timedelta(days=2))
    await play(db, CHAT, [], end="close", now=midnight - timedelta(days=2))  # never played
    draw: list[tuple[int, How]] = [(1, "right"), (2, "wrong")]
    await play(db, CHAT, duo, draw, rounds=2, now=midnight - timedelta(days=3, hours=-23))
    await play(db, CHAT, duo, [(2, "right")] * 3, now=midnight - timedelta(days=40))

    items = await daily(client, days="5")
    dates = [date.fromisoformat(item.pop("date")) for item in items]
    assert dates == [today - timedelta(days=n) for n in (4, 3, 2, 1, 0)]
    assert items == [
        day(0),
        day(1, draws=1),
        day(1),  # stopped: played, no result; the closed lobby not at all
        day(1, bot=1),  # one second before midnight UTC
        day(2, team=1),  # the running game counts, without a result
    ]

    month = await daily(client)  # 30 days by default: the game 40 days ago is outside
    assert len(month) == 30
    assert sum(item["games"] for item in month) == 5
    assert month[-1]["date"] == today.isoformat()
    year = await daily(client, days="366")
    assert len(year) == 366
    assert sum(item["games"] for item in year) == 6
    assert sum(item["team_wins"] for item in year) == 2


@pytest.mark.parametrize("days", ["0", "367", "-1", "x", "1.5"])
async def test_daily_bounds(client: Client, days: str) -> None:
    error = await error_of(await client.get("/api/stats/daily", params={"days": days}), 422)
    assert set(error["fields"]) == {"days"}


async def test_one_day_is_today(client: Client) -> None:
    assert await daily(client, days="1") == [
        {"date": datetime.now(UTC).date().isoformat(), **day(0)}
    ]


async def create(client: Client, text: str, answer: str) -> Question:
    response = await client.post("/api/questions", json={"text": text, "answer": answer})
    assert response.status == 201, await response.text()
    return Question(id=(await response.json())["id"], text=text, answer=answer)


async def hardest(client: Client, **params: str) -> list[tuple[int, int, int, float]]:
    response = await client.get("/api/stats/questions", params=params)
    assert response.status == 200, await response.text()
    items = (await response.json())["items"]
    return [(i["question_id"], i["played"], i["wrong"], i["wrong_rate"]) for i in items]


async def test_hardest_questions_by_wrong_rate_then_played(client: Client, db: AsyncEngine) -> None:
    a = await create(client, "Вопрос А", "альфа")
    b = await create(client, "Вопрос Б", "бета")
    c = await create(client, "Вопрос В", "гамма")
    d = await create(client, "Вопрос Г", "дельта")
    gone = await create(client, "Вопрос Д", "эпсилон")
    solo = [(1, "Аня")]
    await play(db, CHAT, solo, [(1, "wrong"), (1, "wrong"), (1, "right")], deck=(a, b, c))
    await play(db, CHAT, solo, [(1, "silent"), (1, "wrong"), (1, "right")], deck=(b, c, d))
    await play(db, CHAT, solo, [(1, "right"), (1, "wrong")], rounds=2, deck=(d, gone))
    await play(db, CHAT, solo, [(1, "right")], rounds=1, deck=(d,))
    assert (await client.delete(f"/api/questions/{gone.id}")).status == 200

    response = await client.get("/api/stats/questions")
    first = (await response.json())["items"][0]
    assert first == {
        "question_id": b.id,
        "text": "Вопрос Б",
        "answer": "бета",
        "played": 2,
        "wrong": 2,  # a silence is not a right answer
        "wrong_rate": 1.0,
    }
    # б before а (the same rate, played more), the deleted question's round left out.
    expected = [(b.id, 2, 2, 1.0), (a.id, 1, 1, 1.0), (c.id, 2, 1, 0.5), (d.id, 3, 0, 0.0)]
    assert await hardest(client) == expected
    assert await hardest(client, limit="2") == expected[:2]
    assert await hardest(client, min_played="2") == [expected[0], *expected[2:]]
    assert await hardest(client, min_played="4") == []


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "101"}, {"min_played": "0"}, {"min_played": "x"}]
)
async def test_hardest_bounds(client: Client, params: dict[str, str]) -> None:
    error = await error_of(await client.get("/api/stats/questions", params=params), 422)
    assert set(error["fields"]) == set(params)


async def test_no_rounds_no_items(client: Client) -> None:
    assert await hardest(client) == []
