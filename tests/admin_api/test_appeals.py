"""Appeals in the admin API: the list (by status, with the question and both answers), accept
and reject (once: 409 after), unknown ids, and the game's view showing the round's appeal."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game.model import Game
from tests.admin_api.conftest import Client, error_of
from tests.admin_api.seed import play

CHAT = 2000000401


async def file_appeal(db: AsyncEngine, game: Game, number: int = 1) -> int:
    """An appeal as the bot records it when the captain presses «Апелляция»."""
    result = game.results[number - 1]
    assert game.captain_id is not None
    async with db.begin() as conn:
        appeal_id = await conn.scalar(
            text(
                "INSERT INTO appeals (game_id, peer_id, round, question_id, answer_text, "
                "filed_by) VALUES (:g, :p, :r, :q, :a, :c) RETURNING id"
            ),
            {
                "g": game.id,
                "p": CHAT,
                "r": number,
                "q": result.question_id,
                "a": result.answer_text,
                "c": game.captain_id,
            },
        )
    assert isinstance(appeal_id, int)
    return appeal_id


async def test_the_list_shows_pending_appeals_with_the_question_and_both_answers(
    client: Client, db: AsyncEngine
) -> None:
    game = await play(db, CHAT, [(1, "Аня")], [(1, "wrong"), (1, "wrong")], end="running")
    first, second = await file_appeal(db, game, 1), await file_appeal(db, game, 2)
    response = await client.get("/api/appeals", params={"status": "pending"})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["total"] == 2
    assert [a["id"] for a in body["items"]] == [first, second]  # oldest pending first
    item = body["items"][0]
    question = game.questions[0]
    assert item["question_text"] == question.text
    assert item["correct_answer"] == question.answer
    assert item["answer_text"] == "абракадабра"
    assert (item["status"], item["applied"], item["filed_by"]) == ("pending", False, 1)
    assert (await (await client.get("/api/appeals", params={"status": "accepted"})).json())[
        "total"
    ] == 0
    await error_of(await client.get("/api/appeals", params={"status": "maybe"}), 422)


async def test_accept_then_again_is_409_and_reject_decides_another(
    client: Client, db: AsyncEngine
) -> None:
    game = await play(db, CHAT, [(1, "Аня")], [(1, "wrong"), (1, "wrong")], end="running")
    first, second = await file_appeal(db, game, 1), await file_appeal(db, game, 2)

    response = await client.post(f"/api/appeals/{first}/accept")
    assert response.status == 200, await response.text()
    decided = await response.json()
    assert (decided["status"], decided["decided_via"]) == ("accepted", "api")
    assert decided["applied"] is False  # the bot applies it (no broker here: its sweep does)
    error = await error_of(await client.post(f"/api/appeals/{first}/reject"), 409)
    assert "already accepted" in error["message"]
    await error_of(await client.post(f"/api/appeals/{first}/accept"), 409)

    response = await client.post(f"/api/appeals/{second}/reject")
    assert (await response.json())["status"] == "rejected"
    await error_of(await client.post("/api/appeals/999999/accept"), 404)

    view = await (await client.get(f"/api/games/{game.id}")).json()
    assert [(r["appeal_id"], r["appeal"]) for r in view["rounds"]] == [
        (first, "accepted"),
        (second, "rejected"),
    ]
