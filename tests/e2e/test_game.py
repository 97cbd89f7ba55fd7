"""Full games through the emulator: only the control API drives them, as players would."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game import texts
from tests.e2e.conftest import Stack, StackFactory
from tests.e2e.game_helpers import Chat, begin_game, current_game, make_chat
from tests.helpers import wait_until
from vk_emulator.control_client import ControlClient


async def test_full_game_with_early_answer_pick_and_both_verdicts(
    stack: Stack, db: AsyncEngine
) -> None:
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Анна", "Борис")

    await chat.say("Анна", "/start")
    lobby = await chat.bot_says("Собираем команду")
    assert await chat.press("Анна", lobby, "Играю") == texts.JOINED
    assert await chat.press("Анна", lobby, "Играю") == texts.ALREADY_JOINED
    assert await chat.press("Борис", lobby, "Играю") == texts.JOINED
    await chat.say("Борис", "/start")
    await chat.bot_says("Игра уже идёт")
    await chat.press("Анна", lobby, "Начать игру")
    await chat.bot_says("Капитан —")
    question = await chat.bot_says("Раунд 1 из 3")

    game = await current_game(db, chat.peer_id)
    captain = next(p.name for p in game.players if p.user_id == game.captain_id)
    other = next(p.name for p in game.players if p.user_id != game.captain_id)

    # Round 1: early answer by the captain, the captain picks the other player, who is right.
    assert await chat.press(other, question, "Досрочный ответ") == texts.CAPTAIN_ONLY_EARLY
    assert await chat.press(captain, question, "Досрочный ответ") == texts.EARLY_OK
    pick = await chat.bot_says("выберите, кто отвечает")
    assert await chat.press(other, pick, other) == texts.CAPTAIN_ONLY_PICK
    assert await chat.press(captain, pick, other) == texts.PICKED
    await chat.bot_says(f"Отвечает {other}")
    await chat.say(captain, "это не ответ, а болтовня капитана")
    await chat.say(other, game.questions[0].answer)
    verdict = await chat.bot_says("Верно!")
    assert "Знатоки 1 : 0 Бот" in verdict["text"]

    # Round 2: the captain answers himself, wrongly.
    question = await chat.bot_says("Раунд 2 из 3")
    await chat.press(captain, question, "Досрочный ответ")
    pick = await chat.bot_says("выберите, кто отвечает")
    await chat.press(captain, pick, captain)
    await chat.bot_says(f"Отвечает {captain}")
    await chat.say(captain, "абракадабра")
    verdict = await chat.bot_says("Неверно")
    assert "Знатоки 1 : 1 Бот" in verdict["text"]
    assert game.questions[1].answer in verdict["text"]

    # Round 3: right again, then the results.
    question = await chat.bot_says("Раунд 3 из 3")
    await chat.press(captain, question, "Досрочный ответ")
    pick = await chat.bot_says("выберите, кто отвечает")
    await chat.press(captain, pick, other)
    await chat.say(other, game.questions[2].answer)
    await chat.bot_says("Знатоки 2 : 1 Бот")
    results = (await chat.bot_says("Игра окончена"))["text"]
    assert "Победили знатоки" in results
    assert f"{other}: ответов 2, верных 2" in results
    assert f"{captain}: ответов 1, верных 0" in results

    await chat.say(other, "/info")
    assert "Итоги прошлой игры" in (await chat.bot_says("Счёт: Знатоки 2 : 1 Бот"))["text"]

    counters = await stack.control.counters()
    assert counters["duplicate_random_ids"] == 0
    answers = await stack.control.event_answers(chat.peer_id)
    presses = [
        e for e in (await stack.control.log(limit=10_000))["entries"] if e["kind"] == "button_press"
    ]
    assert len(answers) == len(presses)  # every press answered exactly once
    async with db.connect() as conn:
        rounds = (
            await conn.execute(text("SELECT number, correct FROM game_rounds ORDER BY number"))
        ).all()
        status = await conn.scalar(text("SELECT status FROM games"))
    assert [tuple(r) for r in rounds] == [(1, True), (2, False), (3, True)]
    assert status == "finished"


async def test_stop_and_info_in_lobby_and_mid_game(stack: Stack) -> None:
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Вера", "Глеб")

    await chat.say("Вера", "/stop")
    await chat.bot_says("Сейчас игра не идёт")
    await chat.say("Вера", "/start")
    lobby = await chat.bot_says("Собираем команду")
    await chat.say("Глеб", "/info")
    await chat.bot_says("набор команды")
    await chat.say("Глеб", "/stop")
    assert "Ни один раунд" in (await chat.bot_says("Игра остановлена досрочно"))["text"]
    assert await chat.press("Вера", lobby, payload={"cmd": "join"}) == texts.GAME_OVER

    _, question = await begin_game(chat, "Вера", "Глеб")
    await chat.say("Глеб", "/info")
    info = (await chat.bot_says("обсуждение вопроса"))["text"]
    assert "Раунд 1 из 3" in info
    await chat.say("Глеб", "/stop")
    await chat.bot_says("Игра остановлена досрочно")
    assert await chat.press("Вера", question, payload={"cmd": "early"}) == texts.GAME_OVER


async def play_one_round_game(chat: Chat, db: AsyncEngine) -> None:
    _, question = await begin_game(chat, "Соло")
    await chat.press("Соло", question, "Досрочный ответ")
    await chat.bot_says("Отвечает Соло")  # a lone player skips the pick
    game = await current_game(db, chat.peer_id)
    await chat.say("Соло", game.questions[0].answer)
    await chat.bot_says("Игра окончена")


async def test_fifty_chats_play_at_once_without_interference(
    stack_factory: StackFactory, db: AsyncEngine
) -> None:
    stack = await stack_factory(GAME_ROUNDS="1")
    await stack.start_bot()
    await stack.start_poller()
    base = str(stack.emulator.make_url("/"))

    async def one_chat() -> Chat:
        control = ControlClient(base)
        chat = await make_chat(stack, "Соло", control=control)
        await play_one_round_game(chat, db)
        return chat

    chats = await asyncio.gather(*(one_chat() for _ in range(50)))
    for chat in chats:
        texts_ = await chat.bot_messages()
        assert sum("Игра окончена" in t for t in texts_) == 1
        assert sum("Раунд 1 из 1" in t for t in texts_) == 1
        await chat.control.close()
    assert (await stack.control.counters())["duplicate_random_ids"] == 0


async def test_two_bot_processes_play_many_games_correctly(
    stack_factory: StackFactory, db: AsyncEngine
) -> None:
    stack = await stack_factory(GAME_ROUNDS="1", GAME_DISCUSSION_SECONDS="1")
    await stack.start_bot()
    await stack.start_bot()
    await stack.start_poller()
    base = str(stack.emulator.make_url("/"))

    async def one_chat() -> Chat:
        chat = await make_chat(stack, "Соло", control=ControlClient(base))
        await begin_game(chat, "Соло")
        await chat.bot_says("Отвечает Соло")  # the discussion timer fired in one of the bots
        game = await current_game(db, chat.peer_id)
        await chat.say("Соло", game.questions[0].answer)
        await chat.bot_says("Игра окончена")
        return chat

    chats = await asyncio.gather(*(one_chat() for _ in range(10)))
    for chat in chats:
        texts_ = await chat.bot_messages()
        assert len(texts_) == len(set(texts_)), texts_
        await chat.control.close()


async def test_two_bots_split_shards_and_keep_each_chats_order(
    stack_factory: StackFactory, db: AsyncEngine
) -> None:
    stack = await stack_factory(LOG_LEVEL="DEBUG", BOT_STANDBY_DELAY="2")
    bots = [await stack.start_bot(BOT_SHARDS="0,1"), await stack.start_bot(BOT_SHARDS="2,3")]
    await stack.start_poller()
    base = str(stack.emulator.make_url("/"))
    chats = [await make_chat(stack, "Соло", control=ControlClient(base)) for _ in range(12)]

    async def burst(chat: Chat) -> None:
        for n in range(15):
            await chat.say("Соло", f"сообщение {n}")

    await asyncio.gather(*(burst(chat) for chat in chats))
    total = 12 * 15

    async def all_applied() -> bool:
        async with db.connect() as conn:
            return bool(await conn.scalar(text("SELECT count(*) FROM processed_events")) == total)

    await wait_until(all_applied, what="every update applied")
    async with db.connect() as conn:
        rows = (
            await conn.execute(text("SELECT peer_id, event_id FROM processed_events ORDER BY seq"))
        ).all()
    for chat in chats:
        typed = [
            entry["event_id"]
            for entry in (await chat.control.log(peer_id=chat.peer_id, limit=10_000))["entries"]
            if entry["kind"] == "user_message"
        ]
        applied = [event_id for peer_id, event_id in rows if peer_id == chat.peer_id]
        assert applied == typed  # per chat: applied in exactly the order the users typed
        await chat.control.close()
    handled = [sum("update applied" in line for line in bot.lines) for bot in bots]
    assert all(count > 0 for count in handled), handled  # both bots took a share of the chats
