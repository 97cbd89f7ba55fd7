"""The bot's wiring fed one update at a time (tests/bot_harness.py): routers, game router,
name resolver and the applier's transaction, without a broker or a subprocess."""

from __future__ import annotations

from app.bot import texts
from app.game import texts as game_texts
from tests.bot_harness import BotHarness

CHAT = 2000000501


async def test_help_is_answered_once_per_event_id(bot_harness: BotHarness) -> None:
    update = bot_harness.message(CHAT, 7, "/help", event_id="e-help")
    assert await bot_harness.feed(update) == "applied"
    assert await bot_harness.feed(update) == "duplicate"  # redelivered: nothing more queued
    assert await bot_harness.texts(CHAT) == [texts.HELP]


async def test_a_game_is_opened_and_a_joining_player_gets_their_vk_name(
    bot_harness: BotHarness,
) -> None:
    user = await bot_harness.control.create_user("Ирина", "Петрова")
    peer_id = (await bot_harness.control.create_chat("Знатоки", [user["id"]]))["peer_id"]
    assert await bot_harness.feed(bot_harness.message(peer_id, user["id"], "/start")) == "applied"
    [lobby] = await bot_harness.texts(peer_id)
    assert lobby.startswith("Собираем команду")

    assert await bot_harness.feed(bot_harness.press(peer_id, user["id"], {"cmd": "join"}))
    calls = await bot_harness.queued(peer_id)
    answer, edit = calls[-2:]
    assert answer[0] == "messages.sendMessageEventAnswer"
    assert answer[1]["text"] == game_texts.JOINED
    assert edit[0] == "messages.edit"
    assert "Ирина" in edit[1]["text"]  # users.get, asked before the transaction, then cached
    cached = await bot_harness.pool.fetchval(
        "SELECT first_name FROM vk_users WHERE user_id = $1", user["id"]
    )
    assert cached == "Ирина"


async def test_garbage_press_payload_gets_an_answer_and_changes_nothing(
    bot_harness: BotHarness,
) -> None:
    press = bot_harness.press(CHAT, 7, {"cmd": "no-such-command", "x": [1, 2]})
    assert await bot_harness.feed(press) == "applied"
    [(method, _)] = await bot_harness.queued(CHAT)
    assert method == "messages.sendMessageEventAnswer"  # the spinner stops
    assert await bot_harness.pool.fetchval("SELECT count(*) FROM games") == 0
