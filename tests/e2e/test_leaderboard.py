"""``/top`` and ``/me`` after real games, through the real processes (poller, bot) and the VK
emulator: what the chat's members read."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.bot import texts
from tests.e2e.conftest import StackFactory
from tests.e2e.game_helpers import Chat, begin_game, current_game, make_chat


async def one_round_game(chat: Chat, db: AsyncEngine, *, right: bool) -> None:
    _, question = await begin_game(chat, "Соло")
    await chat.press("Соло", question, "Досрочный ответ")
    await chat.bot_says("Отвечает Соло")  # a lone player skips the pick
    game = await current_game(db, chat.peer_id)
    await chat.say("Соло", game.questions[0].answer if right else "абракадабра")
    await chat.bot_says("Игра окончена")


async def test_top_and_me_after_two_games(stack_factory: StackFactory, db: AsyncEngine) -> None:
    stack = await stack_factory(GAME_ROUNDS="1")
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Соло", "Гость")

    await chat.say("Соло", "/top")
    await chat.bot_says(texts.TOP_NO_GAMES)
    await one_round_game(chat, db, right=True)
    await one_round_game(chat, db, right=False)

    await chat.say("Гость", "/top")
    top = (await chat.bot_says("Рейтинг беседы"))["text"]
    assert top == (
        "Рейтинг беседы по верным ответам:\n"
        "1. Соло Тестов — 1 из 2 верно, 2 игры\n"
        "\n"
        "Знатоки против бота: 1 победа, 1 поражение, 0 ничьих.\n"
        "Последняя игра — поражение."
    )
    await chat.say("Соло", "/me")
    await chat.bot_says("Соло Тестов: 1-е место из 1 игрока — 1 из 2 верно, 2 игры.")
    await chat.say("Гость", "/я")
    await chat.bot_says(texts.NEVER_PLAYED)
