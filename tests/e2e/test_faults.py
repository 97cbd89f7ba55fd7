"""The environment misbehaves: broker and database restarts, kills, VK errors. Games go on."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncEngine

from app.broker import topology
from tests.e2e.conftest import Stack, StackFactory
from tests.e2e.game_helpers import Chat, begin_game, current_game, make_chat
from tests.e2e.test_reliability import dead_letters
from tests.infra import require_service_control, restart_postgres, start_rabbitmq, stop_rabbitmq
from vk_emulator.control_client import ControlClient


def assert_each_once(texts: list[str]) -> None:
    repeated = {text: n for text, n in Counter(texts).items() if n > 1}
    assert not repeated, repeated


async def play_solo_game(chat: Chat, db: AsyncEngine, rounds: int, timeout: float = 60) -> str:
    """Begin, then answer every round right as soon as the bot asks; returns the results."""
    await begin_game(chat, "Соло")
    for number in range(1, rounds + 1):
        if number > 1:
            await chat.control.wait_for_bot_message(
                chat.peer_id, f"Раунд {number} из", timeout=timeout
            )
        await chat.control.wait_for_bot_message(chat.peer_id, "Отвечает Соло", timeout=timeout)
        game = await current_game(db, chat.peer_id)
        await chat.say("Соло", game.questions[number - 1].answer)
    entry = await chat.control.wait_for_bot_message(chat.peer_id, "Игра окончена", timeout=timeout)
    return str(entry["message"]["text"])


async def test_rabbitmq_restart_loses_nothing(stack: Stack) -> None:
    require_service_control()
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Соло")
    await chat.say("Соло", "/help")
    await chat.bot_says("Команды")

    await stop_rabbitmq()
    try:
        # Typed while the broker is down: the poller cannot publish and must not advance.
        await chat.say("Соло", "/rules")
        await chat.say("Соло", "/start")
    finally:
        await start_rabbitmq()
    await chat.bot_says("Правила")
    await chat.bot_says("Собираем команду")
    texts = await chat.bot_messages()
    assert_each_once(texts)
    assert len(texts) == 3


async def test_postgres_restart_mid_game(stack_factory: StackFactory, db: AsyncEngine) -> None:
    require_service_control()
    stack = await stack_factory(GAME_ROUNDS="2", GAME_DISCUSSION_SECONDS="1")
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Соло")
    await begin_game(chat, "Соло")
    await restart_postgres()  # during the discussion: its timer and the next rounds must go on
    await db.dispose()  # the test's own pooled connections died with the server too
    await chat.bot_says("Отвечает Соло")
    game = await current_game(db, chat.peer_id)
    await chat.say("Соло", game.questions[0].answer)
    await chat.bot_says("Раунд 2 из 2")
    await chat.bot_says("Отвечает Соло")
    await chat.say("Соло", game.questions[1].answer)
    results = (await chat.bot_says("Игра окончена"))["text"]
    assert "Знатоки 2 : 0 Бот" in results
    assert_each_once(await chat.bot_messages())


async def test_chaos_kills_and_vk_faults_during_twenty_games(
    stack_factory: StackFactory, db: AsyncEngine, amqp_url: str, amqp_names: topology.Names
) -> None:
    stack = await stack_factory(
        GAME_ROUNDS="2", GAME_DISCUSSION_SECONDS="1", UPDATE_RETRY_DELAYS="0.2,0.5,1,2,4"
    )
    services = {"bot": await stack.start_bot(), "poller": await stack.start_poller()}
    await stack.control.set_faults(
        error_rates={6: 0.05, 10: 0.05}, http_500_rate=0.05, latency_ms=5, seed=7
    )
    base = str(stack.emulator.make_url("/"))
    rng = random.Random(11)
    done = asyncio.Event()
    kills = Counter[str]()

    async def chaos() -> None:
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), rng.uniform(0.5, 1.5))
            except TimeoutError:
                name = rng.choice(sorted(services))
                await services[name].kill()
                kills[name] += 1
                start = stack.start_bot if name == "bot" else stack.start_poller
                services[name] = await start()

    async def one_game() -> tuple[Chat, str]:
        chat = await make_chat(stack, "Соло", control=ControlClient(base))
        return chat, await play_solo_game(chat, db, rounds=2)

    killer = asyncio.create_task(chaos())
    try:
        results = await asyncio.gather(*(one_game() for _ in range(20)))
    finally:
        done.set()
        await killer
    await stack.control.clear_faults()
    assert sum(kills.values()) > 0
    for chat, text in results:
        assert "Знатоки 2 : 0 Бот" in text, text  # no answer lost, none counted twice
        assert_each_once(await chat.bot_messages())
        await chat.control.close()
    assert await dead_letters(amqp_url, amqp_names) == 0
    print(f"kills: {dict(kills)}")
