"""Appeals through the bot's real wiring (tests/bot_harness.py): the captain files one from the
verdict's button, a conversation admin decides in the chat; the API's decision is applied once;
stale, foreign and late presses change nothing; decisions racing each other: exactly one wins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api.repositories import appeals as admin_appeals
from app.db.engine import create_sessionmaker
from app.game import appeals
from app.game.model import Game
from app.internal_updates import appeal_decided
from app.repositories.timers import DueTimer
from tests.admin_api.seed import play
from tests.bot_harness import BotHarness
from tests.e2e.game_helpers import current_game


async def chat_with_a_wrong_round(
    harness: BotHarness, db: AsyncEngine, *, settle: bool = True
) -> tuple[int, Game, dict[str, int]]:
    """An emulator chat (Аня owns it: a conversation admin) whose running game's round 1 was
    answered wrongly a moment ago; (peer_id, game, users by name)."""
    users = {
        name: (await harness.control.create_user(name))["id"] for name in ("Аня", "Боря", "Вика")
    }
    peer_id = (await harness.control.create_chat("Знатоки", list(users.values())))["peer_id"]
    players = [(users["Боря"], "Боря"), (users["Вика"], "Вика")]  # Аня watches and decides
    game = await play(
        db, peer_id, players, [(users["Вика"], "wrong")], end="running", now=datetime.now(UTC)
    )
    return peer_id, game, users


def appeal_press(harness: BotHarness, peer_id: int, user: int, game: Game, number: int) -> Any:
    return harness.press(peer_id, user, {"cmd": "appeal", "g": game.id, "r": number})


async def last_calls(harness: BotHarness, peer_id: int, count: int) -> list[Any]:
    return (await harness.queued(peer_id))[-count:]


async def snackbar(harness: BotHarness, peer_id: int) -> str | None:
    method, params = (await harness.queued(peer_id))[-1]
    assert method == "messages.sendMessageEventAnswer"
    text: str | None = params["text"]
    return text


async def test_the_captain_files_and_a_conversation_admin_accepts(
    bot_harness: BotHarness, db: AsyncEngine
) -> None:
    peer_id, game, users = await chat_with_a_wrong_round(bot_harness, db)
    captain = game.captain_id
    assert captain is not None
    other = next(u for u in (users["Боря"], users["Вика"]) if u != captain)
    given = game.results[0].answer_text
    assert given is not None

    await bot_harness.feed(appeal_press(bot_harness, peer_id, other, game, 1))
    assert await snackbar(bot_harness, peer_id) == appeals.CAPTAIN_ONLY
    await bot_harness.feed(appeal_press(bot_harness, peer_id, captain, game, 1))
    answer, edit, ask = await last_calls(bot_harness, peer_id, 3)
    assert answer[1]["text"] == appeals.FILED
    assert edit[0] == "messages.edit"
    assert edit[1]["target_ref"] == appeals.verdict_ref(game.id, 1)
    assert edit[1]["keyboard"]["buttons"] == []  # the button is gone
    assert f"Ответ команды: «{given}»" in ask[1]["text"]
    (appeal_id,) = [r[0] for r in await bot_harness.pool.fetch("SELECT id FROM appeals")]
    assert (await current_game(db, peer_id)).results[0].appeal == appeals.PENDING
    await bot_harness.feed(appeal_press(bot_harness, peer_id, captain, game, 1))
    assert await snackbar(bot_harness, peer_id) == appeals.ALREADY_FILED

    decide = {"cmd": "decide", "a": appeal_id, "ok": True}
    await bot_harness.feed(bot_harness.press(peer_id, captain, decide))  # a player, not an admin
    assert await snackbar(bot_harness, peer_id) == appeals.ADMINS_ONLY
    await bot_harness.feed(bot_harness.press(peer_id, users["Аня"], decide))
    answer, closed, told = await last_calls(bot_harness, peer_id, 3)
    assert answer[1]["text"] == appeals.DECIDED
    assert closed[1]["target_ref"] == appeals.appeal_ref(appeal_id)
    assert "Решение: принята (администратор беседы)." in closed[1]["text"]
    assert "Счёт: Знатоки 1 : 0 Бот." in told[1]["text"]

    after = await current_game(db, peer_id)
    assert (after.score_team, after.score_bot) == (1, 0)
    assert after.results[0].correct
    assert after.results[0].appeal == appeals.ACCEPTED
    mirrored = await bot_harness.pool.fetchrow(
        "SELECT g.score_team, g.score_bot, r.correct FROM games g "
        "JOIN game_rounds r ON r.game_id = g.id AND r.number = 1 WHERE g.id = $1",
        game.id,
    )
    assert tuple(mirrored) == (1, 0, True)
    alternatives = await bot_harness.pool.fetchval(
        "SELECT alternatives FROM questions WHERE id = $1", game.results[0].question_id
    )
    assert given in alternatives  # the judge accepts it next time

    await bot_harness.feed(bot_harness.press(peer_id, users["Аня"], {**decide, "ok": False}))
    assert await snackbar(bot_harness, peer_id) == appeals.ALREADY_DECIDED
    assert (await current_game(db, peer_id)).score_team == 1  # decided once


async def test_stale_foreign_late_and_garbage_presses_change_nothing(
    bot_harness: BotHarness, db: AsyncEngine
) -> None:
    peer_id, game, _ = await chat_with_a_wrong_round(bot_harness, db)
    captain = game.captain_id
    assert captain is not None
    for payload in (
        {"cmd": "appeal", "g": game.id, "r": 2},  # a round not played yet
        {"cmd": "appeal", "g": game.id + 100, "r": 1},  # another game (not this chat's)
        {"cmd": "appeal", "g": "x", "r": 1},
        {"cmd": "decide", "a": 999, "ok": True},
        {"cmd": "decide", "a": 1, "ok": "yes"},
    ):
        await bot_harness.feed(bot_harness.press(peer_id, captain, payload))
        assert await snackbar(bot_harness, peer_id) in {
            appeals.NOT_APPEALABLE,
            "Эта кнопка уже не действует.",
            appeals.ADMINS_ONLY,
        }
    assert await bot_harness.pool.fetchval("SELECT count(*) FROM appeals") == 0

    # After the window: the answer was given longer ago than the setting allows.
    await bot_harness.pool.execute(
        "UPDATE games SET state = jsonb_set(state, '{results,0,answered_at}', to_jsonb($2::text)) "
        "WHERE id = $1",
        game.id,
        (datetime.now(UTC) - timedelta(seconds=61)).isoformat(),
    )
    await bot_harness.feed(appeal_press(bot_harness, peer_id, captain, game, 1))
    assert await snackbar(bot_harness, peer_id) == appeals.WINDOW_OVER
    assert await bot_harness.pool.fetchval("SELECT count(*) FROM appeals") == 0


async def test_an_api_decision_is_applied_once_and_the_sweep_finds_a_lost_one(
    bot_harness: BotHarness, db: AsyncEngine
) -> None:
    peer_id, game, _ = await chat_with_a_wrong_round(bot_harness, db)
    assert game.captain_id is not None
    await bot_harness.feed(appeal_press(bot_harness, peer_id, game.captain_id, game, 1))
    appeal_id = await bot_harness.pool.fetchval("SELECT id FROM appeals")
    async with create_sessionmaker(db).begin() as session:
        assert await admin_appeals.decide(session, appeal_id, True, 1)
    async with create_sessionmaker(db).begin() as session:
        assert not await admin_appeals.decide(session, appeal_id, False, 1)  # decided once

    # The API's update was lost: the bot's sweep (with its grace passed) applies it.
    await bot_harness.pool.execute(
        "UPDATE appeals SET decided_at = now() - interval '1 minute' WHERE id = $1", appeal_id
    )
    await bot_harness.bot.sweep_appeals()
    after = await current_game(db, peer_id)
    assert (after.score_team, after.score_bot) == (1, 0)
    texts = await bot_harness.texts(peer_id)
    assert "Решение: принята (администратор бота)." in texts[-2]
    # The update itself arriving late (or twice) changes nothing more.
    raw = appeal_decided(peer_id=peer_id, appeal_id=appeal_id, group_id=1)
    assert await bot_harness.feed({**raw, "event_id": "late-copy"}) == "applied"
    assert (await current_game(db, peer_id)).score_team == 1
    assert await bot_harness.texts(peer_id) == texts
    await bot_harness.bot.sweep_appeals()  # nothing left to apply
    assert await bot_harness.texts(peer_id) == texts


async def test_a_chat_decision_and_an_api_decision_racing_exactly_one_wins(
    bot_harness: BotHarness, db: AsyncEngine
) -> None:
    peer_id, game, users = await chat_with_a_wrong_round(bot_harness, db)
    assert game.captain_id is not None
    await bot_harness.feed(appeal_press(bot_harness, peer_id, game.captain_id, game, 1))
    appeal_id = await bot_harness.pool.fetchval("SELECT id FROM appeals")

    async def api_rejects() -> bool:
        async with create_sessionmaker(db).begin() as session:
            return await admin_appeals.decide(session, appeal_id, False, 1)

    chat_accepts = bot_harness.press(
        peer_id, users["Аня"], {"cmd": "decide", "a": appeal_id, "ok": True}
    )
    api_won, _ = await asyncio.gather(api_rejects(), bot_harness.feed(chat_accepts))
    row = await bot_harness.pool.fetchrow(
        "SELECT status, decided_via FROM appeals WHERE id = $1", appeal_id
    )
    chat_won = row["decided_via"] == "chat"
    assert api_won != chat_won  # exactly one
    assert row["status"] == ("rejected" if api_won else "accepted")
    if api_won:
        assert await snackbar(bot_harness, peer_id) == appeals.ALREADY_DECIDED


async def test_the_window_timer_survives_the_next_phases_and_takes_the_button_off(
    bot_harness: BotHarness, db: AsyncEngine
) -> None:
    user = (await bot_harness.control.create_user("Гена"))["id"]
    peer_id = (await bot_harness.control.create_chat("Знатоки", [user]))["peer_id"]
    await bot_harness.feed(bot_harness.message(peer_id, user, "/start"))
    game = await current_game(db, peer_id)
    await bot_harness.feed(bot_harness.press(peer_id, user, {"cmd": "join", "g": game.id}))
    await bot_harness.feed(bot_harness.press(peer_id, user, {"cmd": "begin", "g": game.id}))
    await bot_harness.feed(bot_harness.press(peer_id, user, {"cmd": "early", "g": game.id, "r": 1}))
    await bot_harness.feed(bot_harness.message(peer_id, user, "совсем не то"))  # wrong
    verdict = [
        p
        for m, p in await bot_harness.queued(peer_id)
        if (p.get("text") or "").startswith("Неверно")
    ]
    assert [b["action"]["label"] for row in verdict[0]["keyboard"]["buttons"] for b in row] == [
        "Апелляция"
    ]
    # The pause began (its CancelTimers ran); the window's timer is still there.
    rows = await bot_harness.pool.fetch(
        "SELECT id, peer_id, name, token, due_at FROM timers WHERE name = $1", appeals.APPEAL_END
    )
    (row,) = rows
    assert row["token"] == appeals.timer_token(game.id, 1)
    assert await bot_harness.bot.submit_timer(DueTimer(*row)) == "fired"
    method, params = (await bot_harness.queued(peer_id))[-1]
    assert method == "messages.edit"
    assert params["target_ref"] == appeals.verdict_ref(game.id, 1)
    assert params["keyboard"]["buttons"] == []
    # The verdict reads as it did, without the line inviting an appeal.
    assert verdict[0]["text"].splitlines()[:-1] == params["text"].splitlines()
    assert verdict[0]["text"].splitlines()[-1].startswith("Не согласны?")
