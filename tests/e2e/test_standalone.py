"""`python -m standalone`: the poller and the bot in one process, no RabbitMQ at all.

The process runs for real against the test Postgres and the in-process VK emulator, with no
AMQP_URL in its environment; games are played through the emulator's control API. SIGKILLs
prove that the in-process queue loses nothing: its publisher returns only after the bot's
acks, so the poller's cursor never passes an update that was only in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game import texts
from tests.e2e.conftest import GROUP_ID, TOKEN, Stack, service_env
from tests.e2e.game_helpers import begin_game, current_game, make_chat
from tests.e2e.test_crashes import assert_no_repeats
from tests.helpers import ServiceProcess, wait_until
from vk_emulator.config import EmulatorConfig
from vk_emulator.control_client import ControlClient
from vk_emulator.server import create_app


class StandaloneStack(Stack):
    async def start_standalone(self, **env: str) -> ServiceProcess:
        process = self.service("standalone", **env)
        process.env.pop("AMQP_URL", None)  # not even from the outer environment
        await process.start()
        await process.wait_for_log("consuming")
        await process.wait_for_log("long polling from")
        return process


@pytest.fixture
async def stack(db: AsyncEngine, database_url: str) -> AsyncIterator[StandaloneStack]:
    server = TestServer(create_app(EmulatorConfig(group_id=GROUP_ID, token=TOKEN)))
    await server.start_server()
    stack = StandaloneStack(
        emulator=server,
        control=ControlClient(str(server.make_url("/"))),
        env=service_env(database_url, server),  # no AMQP_URL: the in-process queue
    )
    yield stack
    for process in stack.processes:
        await process.kill()
        print(f"--- {process.module} (last lines) ---", *process.lines[-60:], sep="\n")
    await stack.control.close()
    await server.close()


async def test_one_process_plays_a_game(stack: StandaloneStack, db: AsyncEngine) -> None:
    process = await stack.start_standalone(GAME_ROUNDS="2")
    chat = await make_chat(stack, "Анна", "Борис")
    _, question = await begin_game(chat, "Анна", "Борис")
    game = await current_game(db, chat.peer_id)
    captain = next(p.name for p in game.players if p.user_id == game.captain_id)
    other = next(p.name for p in game.players if p.user_id != game.captain_id)

    # Round 1: the captain answers early and picks the other player, who is right.
    assert await chat.press(captain, question, "Досрочный ответ") == texts.EARLY_OK
    pick = await chat.bot_says("выберите, кто отвечает")
    assert await chat.press(captain, pick, other) == texts.PICKED
    await chat.bot_says(f"Отвечает {other}")
    await chat.say(other, game.questions[0].answer)
    assert "Знатоки 1 : 0 Бот" in (await chat.bot_says("Верно!"))["text"]

    # Round 2: the captain takes it himself and is wrong.
    question = await chat.bot_says("Раунд 2 из 2")
    await chat.press(captain, question, "Досрочный ответ")
    pick = await chat.bot_says("выберите, кто отвечает")
    await chat.press(captain, pick, captain)
    await chat.say(captain, "абракадабра")
    await chat.bot_says("Неверно")
    results = (await chat.bot_says("Игра окончена"))["text"]
    assert "Знатоки 1 : 1 Бот" in results
    assert_no_repeats(await chat.bot_messages())

    assert await process.terminate() == 0  # SIGTERM: a clean stop
    assert any("published" in line for line in process.lines)


async def test_sigkill_loses_nothing_and_the_game_resumes(
    stack: StandaloneStack, db: AsyncEngine
) -> None:
    process = await stack.start_standalone(GAME_ROUNDS="1", GAME_DISCUSSION_SECONDS="3")
    chat = await make_chat(stack, "Соло")
    await chat.say("Соло", "/start")
    lobby = await chat.bot_says("Собираем команду")

    # Hold the chat's row lock, so the bot gets "/info" but cannot commit it, then kill the
    # process while the update is only in its memory (read from VK, not acknowledged).
    async with db.connect() as holder:
        transaction = await holder.begin()
        await holder.execute(
            text("SELECT 1 FROM chats WHERE peer_id = :p FOR UPDATE"), {"p": chat.peer_id}
        )
        await chat.say("Соло", "/info")

        async def bot_blocked() -> bool:
            async with db.connect() as conn:
                waiting = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
            return bool(waiting)

        await wait_until(bot_blocked, what="the bot waiting for the chat's row lock")
        await process.kill()
        await transaction.rollback()

    # The poller did not save its cursor past "/info": the restarted process reads it again.
    process = await stack.start_standalone(GAME_ROUNDS="1", GAME_DISCUSSION_SECONDS="3")
    await chat.bot_says("набор команды")

    # A kill in the middle of the discussion: the durable timer moves the game on after it.
    assert await chat.press("Соло", lobby, "Играю") == texts.JOINED
    await chat.press("Соло", lobby, "Начать игру")
    await chat.bot_says("Раунд 1 из 1")
    await process.kill()
    await stack.start_standalone(GAME_ROUNDS="1", GAME_DISCUSSION_SECONDS="3")
    await chat.bot_says("Отвечает Соло")  # a lone player skips the pick
    game = await current_game(db, chat.peer_id)
    await chat.say("Соло", game.questions[0].answer)
    assert "Знатоки 1 : 0 Бот" in (await chat.bot_says("Игра окончена"))["text"]

    messages = await chat.bot_messages()
    assert_no_repeats(messages)
    assert sum("набор команды" in m for m in messages) == 1
