"""Games: the list with its filters and one game in detail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api import schemas
from app.game.judging.reasons import Reason
from app.game.model import Question
from tests.admin_api.conftest import Client, error_of
from tests.admin_api.seed import How, Says, play

CHAT = 2000000201
OTHER = 2000000202


async def test_list_filters_by_chat_and_status(client: Client, db: AsyncEngine) -> None:
    finished = await play(db, CHAT, [(1, "Аня")], [(1, "right")] * 3)
    closed = await play(db, CHAT, [], end="close")
    stopped = await play(db, OTHER, [(2, "Боря")], [(2, "wrong")], end="stop")
    running = await play(db, CHAT, [(1, "Аня")], end="running")

    async def ids(**params: str) -> list[int]:
        response = await client.get("/api/games", params=params)
        assert response.status == 200, await response.text()
        return [game["id"] for game in (await response.json())["items"]]

    assert await ids() == [running.id, stopped.id, closed.id, finished.id]  # newest first
    assert await ids(peer_id=str(CHAT)) == [running.id, closed.id, finished.id]
    assert await ids(status="active") == [running.id]
    assert await ids(status="finished") == [finished.id]
    assert await ids(status="stopped") == [stopped.id]
    assert await ids(status="closed") == [closed.id]
    assert await ids(peer_id=str(OTHER), status="finished") == []
    assert await ids(limit="2", offset="1") == [stopped.id, closed.id]

    page = await (await client.get("/api/games", params={"limit": "1"})).json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 1, 0)
    (summary,) = page["items"]
    assert summary["status"] == "active"
    assert summary["phase"] == "discussion"
    assert summary["score"] == {"team": 0, "bot": 0}
    assert summary["players_count"] == 1
    assert summary["captain_id"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "paused"}, "status"),
        ({"peer_id": "abc"}, "peer_id"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"offset": "-1"}, "offset"),
    ],
)
async def test_list_rejects_bad_filters(client: Client, params: dict[str, str], field: str) -> None:
    error = await error_of(await client.get("/api/games", params=params), 422)
    assert field in error["fields"]


async def test_detail_has_players_rounds_answers_and_verdicts(
    client: Client, db: AsyncEngine
) -> None:
    players = [(11, "Аня"), (12, "Боря"), (13, "Вера")]
    game = await play(
        db, CHAT, players, [(11, "right"), (12, "wrong"), (13, "silent")], rounds=3, seed=5
    )
    async with db.begin() as conn:  # a name from users.get for one of them
        await conn.execute(
            text("INSERT INTO vk_users (user_id, first_name, last_name) VALUES (12, 'Боря', 'Б')")
        )
    response = await client.get(f"/api/games/{game.id}")
    assert response.status == 200
    detail = await response.json()
    assert detail["id"] == game.id
    assert detail["peer_id"] == CHAT
    assert (detail["status"], detail["phase"]) == ("finished", "finished")
    assert (detail["round"], detail["rounds_total"]) == (3, 3)
    assert detail["score"] == {"team": 1, "bot": 2}
    assert detail["captain_id"] == game.captain_id
    assert detail["started_at"]
    assert detail["finished_at"]
    assert detail["created_at"]

    by_id = {p["user_id"]: p for p in detail["players"]}
    assert [p["user_id"] for p in detail["players"]] == [11, 12, 13]
    assert by_id[11]["name"] == "Аня"
    assert by_id[12]["full_name"] == "Боря Б"
    assert by_id[11]["full_name"] is None
    assert [p["is_captain"] for p in detail["players"]] == [
        uid == game.captain_id for uid, _ in players
    ]
    assert (by_id[11]["answers"], by_id[11]["correct"]) == (1, 1)
    assert (by_id[12]["answers"], by_id[12]["correct"]) == (1, 0)

    right, wrong, silent = detail["rounds"]
    assert [r["number"] for r in detail["rounds"]] == [1, 2, 3]
    assert [r["question_id"] for r in detail["rounds"]] == [q.id for q in game.questions]
    assert right["question_text"] == game.questions[0].text
    assert right["correct_answer"] == game.questions[0].answer
    assert (right["answerer_id"], right["answerer_name"]) == (11, "Аня")
    assert right["answer_text"] == game.questions[0].answer
    assert (right["correct"], right["verdict"], right["reason"]) == (True, "correct", "exact")
    assert right["started_at"]
    assert right["answered_at"]
    assert (wrong["answer_text"], wrong["verdict"]) == ("абракадабра", "wrong")
    assert wrong["reason"] == "wrong"
    assert (silent["answerer_name"], silent["answer_text"]) == ("Вера", None)
    assert (silent["verdict"], silent["answered_at"]) == ("no_answer", None)
    assert silent["reason"] == "empty"


async def test_each_round_shows_why_the_judge_decided(client: Client, db: AsyncEngine) -> None:
    """The reason of every verdict, from a question's незачёт list (set through the API) to
    a typo that is another word; rounds judged before reasons existed show null."""
    marker = f"t{uuid.uuid4().hex[:12]}"
    bodies: list[dict[str, Any]] = [
        {
            "text": f"{marker} Автор «Анны Карениной»?",
            "answer": "Толстой",
            "rejected": ["Лев Толстой"],
        },
        {"text": f"{marker} Автор «Муму»?", "answer": "Тургенев"},
        {"text": f"{marker} Ответ на главный вопрос?", "answer": "42"},
        {"text": f"{marker} Страна гейзеров?", "answer": "Исландия"},
        {"text": f"{marker} Столица Франции?", "answer": "Париж"},
    ]
    deck = []
    try:
        for body in bodies:
            response = await client.post("/api/questions", json=body)
            assert response.status == 201, await response.text()
            created = await response.json()
            deck.append(
                Question(
                    id=created["id"],
                    text=created["text"],
                    answer=created["answer"],
                    rejected=tuple(created["rejected"]),
                )
            )
        answers: list[tuple[int, How | Says]] = [
            (21, Says("Лев Толстой")),  # fuller by the rules, but listed in the незачёт
            (21, Says("Иван Сергеевич Тургенев")),
            (21, Says("сорок два")),
            (21, Says("Ирландия")),
            (21, "silent"),
        ]
        game = await play(db, CHAT, [(21, "Аня")], answers, deck=tuple(deck))
        rounds = (await (await client.get(f"/api/games/{game.id}")).json())["rounds"]
        assert [(r["verdict"], r["reason"]) for r in rounds] == [
            ("wrong", "nezachet"),
            ("correct", "fuller"),
            ("correct", "number"),
            ("wrong", "other_word"),
            ("no_answer", "empty"),
        ]

        async with db.begin() as conn:  # as a round saved before reasons were recorded
            await conn.execute(
                text("UPDATE game_rounds SET reason = NULL WHERE game_id = :g AND number = 1"),
                {"g": game.id},
            )
        detail = await (await client.get(f"/api/games/{game.id}")).json()
        assert detail["rounds"][0]["reason"] is None
        assert detail["rounds"][0]["verdict"] == "wrong"
    finally:
        async with db.begin() as conn:
            await conn.execute(
                text("DELETE FROM questions WHERE text LIKE :m"), {"m": f"{marker}%"}
            )


async def test_the_spec_explains_every_reason(client: Client) -> None:
    spec = await (await client.get("/api/docs/swagger.json")).json()
    operation = spec["paths"]["/api/games/{id}"]["get"]
    reason = spec["definitions"]["Round"]["properties"]["reason"]
    assert set(schemas.REASONS) == set(Reason)
    assert reason["enum"] == [r.value for r in Reason]
    assert reason["x-nullable"] is True
    for value, meaning in schemas.REASONS.items():
        assert f"{value.value} — {meaning}" in operation["description"]


async def test_running_game_shows_its_finished_rounds_only(client: Client, db: AsyncEngine) -> None:
    game = await play(db, CHAT, [(1, "Аня")], [(1, "right")], end="running", rounds=3)
    detail = await (await client.get(f"/api/games/{game.id}")).json()
    assert (detail["status"], detail["round"]) == ("active", 2)
    assert len(detail["rounds"]) == 1


async def test_unknown_and_invalid_game_ids(client: Client) -> None:
    await error_of(await client.get("/api/games/12345"), 404)
    await error_of(await client.get("/api/games/x"), 404)
    await error_of(await client.get("/api/games/0"), 422)


async def test_a_running_games_deadline_is_shown_until_it_ends(
    client: Client, db: AsyncEngine
) -> None:
    running = await play(db, CHAT, [(1, "Аня")], [(1, "right")], end="running")
    finished = await play(db, OTHER, [(2, "Боря")], [(2, "right")] * 3)
    assert running.deadline is not None
    listed = await (await client.get("/api/games")).json()
    deadlines = {game["id"]: game["deadline"] for game in listed["items"]}
    assert deadlines[running.id] is not None
    assert datetime.fromisoformat(deadlines[running.id]) == running.deadline
    assert deadlines[finished.id] is None
    detail = await (await client.get(f"/api/games/{running.id}")).json()
    assert datetime.fromisoformat(detail["deadline"]) == running.deadline

    # A phase without a timer, or a state the API cannot read, shows none rather than failing.
    for stored in ("null", '"soon"'):
        async with db.begin() as conn:
            await conn.execute(
                text(f"UPDATE games SET state = jsonb_set(state, '{{deadline}}', '{stored}')")
            )
        detail = await (await client.get(f"/api/games/{running.id}")).json()
        assert detail["deadline"] is None
