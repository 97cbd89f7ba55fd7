"""SIGKILL the bot at the worst moments: games resume, nothing is lost, nothing is doubled."""

from __future__ import annotations

from collections import Counter

import aio_pika
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.broker import topology
from app.failpoints import EXIT_CODE
from tests.e2e.conftest import GROUP_ID, StackFactory
from tests.e2e.game_helpers import Chat, begin_game, current_game, make_chat


def assert_no_repeats(texts: list[str]) -> None:
    repeated = {text: n for text, n in Counter(texts).items() if n > 1}
    assert not repeated, repeated


async def finish_solo_game(chat: Chat, db: AsyncEngine) -> str:
    game = await current_game(db, chat.peer_id)
    await chat.say("Соло", game.questions[game.round - 1].answer)
    return str((await chat.bot_says("Игра окончена"))["text"])


async def test_kill_during_discussion_resumes_same_round_with_remaining_time(
    stack_factory: StackFactory, db: AsyncEngine
) -> None:
    stack = await stack_factory(GAME_ROUNDS="1", GAME_DISCUSSION_SECONDS="3")
    bot = await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Соло")
    await begin_game(chat, "Соло")
    deadline = (await current_game(db, chat.peer_id)).deadline
    assert deadline is not None

    await bot.kill()
    await stack.start_bot()

    prompt = await chat.control.wait_for_bot_message(chat.peer_id, "Отвечает Соло", timeout=20)
    assert prompt["at"] >= deadline.timestamp()  # the discussion ran its full time, no less
    game = await current_game(db, chat.peer_id)
    assert (game.round, game.phase.value) == (1, "answer")
    assert "Знатоки 1 : 0 Бот" in await finish_solo_game(chat, db)
    # Calls in flight at the kill are sent again and dropped by VK's random_id check.
    assert_no_repeats(await chat.bot_messages())


async def test_kill_during_answer_phase(stack_factory: StackFactory, db: AsyncEngine) -> None:
    stack = await stack_factory(GAME_ROUNDS="1")
    bot = await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Соло")
    _, question = await begin_game(chat, "Соло")
    await chat.press("Соло", question, "Досрочный ответ")
    await chat.bot_says("Отвечает Соло")

    await bot.kill()
    await stack.start_bot()

    results = await finish_solo_game(chat, db)
    assert "Знатоки 1 : 0 Бот" in results
    assert_no_repeats(await chat.bot_messages())


async def test_kill_between_state_commit_and_send(stack_factory: StackFactory) -> None:
    stack = await stack_factory()
    crashing = await stack.start_bot(ZNATOKI_FAILPOINT="handler.after_commit")
    await stack.start_poller()
    chat = await make_chat(stack, "Соло")
    await chat.say("Соло", "/start")
    assert await crashing.wait_exit() == EXIT_CODE  # committed the lobby, sent nothing

    await stack.start_bot()  # the sweep finds the pending outbox row
    await chat.bot_says("Собираем команду")
    texts = await chat.bot_messages()
    assert sum("Собираем команду" in t for t in texts) == 1


async def test_kill_between_send_and_marking_sent_is_deduplicated_by_random_id(
    stack_factory: StackFactory,
) -> None:
    stack = await stack_factory()
    crashing = await stack.start_bot(ZNATOKI_FAILPOINT="sender.after_call")
    await stack.start_poller()
    chat = await make_chat(stack, "Соло")
    await chat.say("Соло", "/start")
    await chat.bot_says("Собираем команду")
    assert await crashing.wait_exit() == EXIT_CODE  # sent, but did not record it

    await stack.start_bot()  # sends the row again with the same random_id
    await stack.control.wait_for(lambda e: e["kind"] == "duplicate_random_id", timeout=20)
    texts = await chat.bot_messages()
    assert sum("Собираем команду" in t for t in texts) == 1
    assert (await stack.control.counters())["duplicate_random_ids"] == 1


async def test_duplicate_delivery_of_an_update_changes_nothing(
    stack_factory: StackFactory, amqp_url: str, amqp_names: topology.Names, db: AsyncEngine
) -> None:
    stack = await stack_factory()
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Соло")
    update = {
        "type": "message_new",
        "event_id": "dup-1",
        "v": "5.199",
        "group_id": GROUP_ID,
        "object": {
            "message": {
                "id": 0,
                "date": 0,
                "peer_id": chat.peer_id,
                "from_id": chat.users["Соло"],
                "text": "/start",
                "conversation_message_id": 1,
            }
        },
    }
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    exchange = await channel.get_exchange(amqp_names.updates_exchange)
    for _ in range(3):
        message = topology.update_message(update, "dup-1", chat.peer_id)
        await exchange.publish(message, routing_key=topology.routing_key(chat.peer_id, 4))
    await connection.close()

    await chat.say("Соло", "/info")  # same chat, same queue: handled after the repeats
    await chat.bot_says("набор команды")
    texts = await chat.bot_messages()
    assert sum("Собираем команду" in t for t in texts) == 1
    async with db.connect() as conn:
        games = await conn.scalar(text("SELECT count(*) FROM games"))
    assert games == 1
