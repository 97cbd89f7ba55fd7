"""Poison and malformed input: retried with backoff, parked with the error, replayable."""

from __future__ import annotations

import asyncio
import json
import sys

import aio_pika
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.broker import topology
from tests.e2e.conftest import GROUP_ID, Stack, StackFactory
from tests.e2e.game_helpers import begin_game, make_chat
from tests.helpers import REPO_ROOT, wait_until

FAST_RETRIES = "0.05,0.1"  # two retry tiers, so the test does not wait minutes


async def dead_letters(amqp_url: str, names: topology.Names) -> int:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(names.dead_letter_queue, passive=True)
        return int(queue.declaration_result.message_count or 0)
    finally:
        await connection.close()


async def dlq_cli(stack: Stack, command: str) -> list[dict[str, object]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.dlq",
        command,
        cwd=REPO_ROOT,
        env=stack.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


async def test_poison_update_is_retried_parked_and_replayed_without_blocking_its_chat(
    stack_factory: StackFactory, amqp_url: str, amqp_names: topology.Names
) -> None:
    stack = await stack_factory(UPDATE_RETRY_DELAYS=FAST_RETRIES)
    buggy = await stack.start_bot(ZNATOKI_FAILPOINT="handler.raise:/rules")
    await stack.start_poller()
    chat = await make_chat(stack, "Анна")

    await chat.say("Анна", "/rules")  # the "bug" fails this update every time
    await chat.say("Анна", "/help")  # the chat's next update is not held back
    await chat.bot_says("Команды")

    async def parked() -> bool:
        return await dead_letters(amqp_url, amqp_names) == 1

    await wait_until(parked, what="the poison update in the dead-letter queue")
    [entry] = await dlq_cli(stack, "list")
    assert entry["attempts"] == 3  # the first try and two retry tiers
    assert "FailpointError" in str(entry["error"])
    assert "/rules" in json.dumps(entry["update"], ensure_ascii=False)
    assert await dead_letters(amqp_url, amqp_names) == 1  # listing does not consume
    assert buggy.proc is not None
    assert buggy.proc.returncode is None  # the bot survived it

    await buggy.kill()
    await stack.start_bot()  # the bug is "fixed": replay the parked update
    replayed = await dlq_cli(stack, "replay")
    assert len(replayed) == 1
    await chat.bot_says("Правила")
    assert await dead_letters(amqp_url, amqp_names) == 0


async def test_malformed_updates_are_dead_lettered_and_the_bot_goes_on(
    stack: Stack, amqp_url: str, amqp_names: topology.Names
) -> None:
    bot = await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Анна")
    user = chat.users["Анна"]
    key = topology.routing_key(chat.peer_id, 4)

    def message_new(event_id: str, text: str, from_id: object = user) -> dict[str, object]:
        return {
            "type": "message_new",
            "event_id": event_id,
            "group_id": GROUP_ID,
            "object": {"message": {"peer_id": chat.peer_id, "from_id": from_id, "text": text}},
        }

    bad: list[bytes] = [
        b"\x00\xffnot json at all",
        json.dumps({"type": "message_new", "object": {}}).encode(),  # no event_id
        json.dumps({"type": "message_new", "event_id": "m1", "object": []}).encode(),
        json.dumps(message_new("m2", "x", from_id="not a number")).encode(),
    ]
    harmless: list[bytes] = [
        json.dumps({"type": "wall_post_new", "event_id": "o1", "object": {}}).encode(),
        json.dumps(message_new("h1", "я" * 500_000)).encode(),  # huge text, cut to VK's limit
        json.dumps(
            {
                "type": "message_event",
                "event_id": "g1",
                "group_id": GROUP_ID,
                "object": {
                    "peer_id": chat.peer_id,
                    "user_id": user,
                    "event_id": "cb-garbage",
                    "payload": "}{ not a payload",
                },
            }
        ).encode(),
    ]
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    exchange = await channel.get_exchange(amqp_names.updates_exchange)
    for n, body in enumerate(bad + harmless):
        await exchange.publish(aio_pika.Message(body, message_id=f"raw-{n}"), routing_key=key)
    await connection.close()

    await chat.say("Анна", "/help")  # same shard: handled after everything above
    await chat.bot_says("Команды")

    async def parked() -> bool:
        return await dead_letters(amqp_url, amqp_names) == len(bad)

    await wait_until(parked, what="every malformed update in the dead-letter queue")
    errors = [str(entry["error"]) for entry in await dlq_cli(stack, "list")]
    assert sum("not JSON" in error for error in errors) == 1
    assert sum("malformed" in error for error in errors) == len(bad) - 1
    assert bot.proc is not None
    assert bot.proc.returncode is None


async def test_a_chat_that_removed_the_bot_ends_its_game_cleanly(
    stack_factory: StackFactory, db: AsyncEngine
) -> None:
    stack = await stack_factory(GAME_ROUNDS="2", GAME_DISCUSSION_SECONDS="1")
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Анна")
    await begin_game(chat, "Анна")
    await stack.control.kick_bot(chat.peer_id)  # the discussion timer's messages now get 917

    async def ended() -> bool:
        async with db.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT c.status, g.status, (SELECT count(*) FROM timers t "
                        "WHERE t.peer_id = c.peer_id) FROM chats c JOIN games g "
                        "ON g.peer_id = c.peer_id WHERE c.peer_id = :p"
                    ),
                    {"p": chat.peer_id},
                )
            ).one()
        return tuple(row) == ("unavailable", "stopped", 0)

    await wait_until(ended, what="the game to stop after the bot was removed")
    async with db.connect() as conn:
        pending = await conn.scalar(
            text("SELECT count(*) FROM outbox WHERE peer_id = :p AND status = 'pending'"),
            {"p": chat.peer_id},
        )
    assert pending == 0

    await stack.control.invite_bot(chat.peer_id, by=chat.users["Анна"])
    await chat.bot_says("/help")  # the greeting: the chat is usable again
    await chat.say("Анна", "/start")
    await chat.bot_says("Собираем команду")
