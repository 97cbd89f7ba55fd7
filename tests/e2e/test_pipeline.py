"""A message typed into the emulator travels poller → RabbitMQ → bot → emulator."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.failpoints import EXIT_CODE
from tests.e2e.conftest import GROUP_ID, Stack
from tests.helpers import free_port


async def make_chat(stack: Stack) -> tuple[int, int]:
    user = await stack.control.create_user("Анна", "Иванова")
    chat = await stack.control.create_chat("Знатоки", [user["id"]])
    return chat["peer_id"], user["id"]


async def bot_texts(stack: Stack, peer_id: int) -> list[str]:
    return [m["text"] for m in await stack.control.messages(peer_id) if m["from_id"] == -GROUP_ID]


async def test_help_round_trip_and_graceful_stop(stack: Stack) -> None:
    await stack.start_bot()
    poller = await stack.start_poller()
    peer_id, user_id = await make_chat(stack)

    await stack.control.send_message(peer_id, user_id, f"[club{GROUP_ID}|@znatoki] /help")
    reply = await stack.control.wait_for_bot_message(peer_id, "/start", timeout=15)
    assert "Команды" in reply["message"]["text"]

    for process in stack.processes:
        assert await process.terminate() == 0, process.lines[-20:]
    assert any("stopped" in line for line in poller.lines)


async def test_greeting_when_the_bot_is_added(stack: Stack) -> None:
    await stack.start_bot()
    await stack.start_poller()
    user = await stack.control.create_user("Борис")
    chat = await stack.control.create_chat("Новая беседа", [user["id"]], bot_member=False)
    await stack.control.invite_bot(chat["peer_id"], by=user["id"])
    greeting = await stack.control.wait_for_bot_message(chat["peer_id"], timeout=15)
    assert "/help" in greeting["message"]["text"]


async def test_poller_killed_between_publish_and_cursor_save_loses_nothing(
    stack: Stack, db: AsyncEngine
) -> None:
    await stack.start_bot()
    crashing = await stack.start_poller(ZNATOKI_FAILPOINT="poller.after_publish")
    peer_id, user_id = await make_chat(stack)

    await stack.control.send_message(peer_id, user_id, "/help")
    assert await crashing.wait_exit() == EXIT_CODE  # died after publishing, before saving ts
    await stack.control.wait_for_bot_message(peer_id, "Команды", timeout=15)

    await stack.start_poller()  # re-reads the unsaved batch: the update is published again
    await stack.control.send_message(peer_id, user_id, "/rules")
    await stack.control.wait_for_bot_message(peer_id, "Правила", timeout=15)

    texts = await bot_texts(stack, peer_id)
    assert len(texts) == 2, texts  # the repeat of /help was dropped by event_id
    async with db.connect() as conn:
        processed = await conn.scalar(text("SELECT count(*) FROM processed_events"))
    assert processed == 2
    counters = await stack.control.counters()
    assert counters["duplicate_random_ids"] == 0


async def test_poller_rides_through_longpoll_failures_and_expired_keys(stack: Stack) -> None:
    await stack.start_bot()
    poller = await stack.start_poller()
    peer_id, user_id = await make_chat(stack)

    for code in (1, 2):
        await stack.control.longpoll_fail(code)
        await stack.control.send_message(peer_id, user_id, "/help")
        await stack.control.wait_for_bot_message(peer_id, "Команды", timeout=15)
    await stack.control.expire_key()
    await stack.control.send_message(peer_id, user_id, "/rules")
    await stack.control.wait_for_bot_message(peer_id, "Правила", timeout=15)

    # failed=3 means history is lost: the poller takes a fresh ts, then goes on.
    mark = len(poller.lines)
    await stack.control.longpoll_fail(3)
    await poller.wait_for_log("history lost", start=mark)
    await stack.control.send_message(peer_id, user_id, "/help")
    await stack.control.wait_for_bot_message(peer_id, "Команды", timeout=15)
    assert len(await bot_texts(stack, peer_id)) == 4


async def test_every_service_logs_its_config_once_and_stops_cleanly_on_sigterm(
    stack: Stack, database_url: str
) -> None:
    emulator = await stack.service("vk_emulator", EMULATOR_PORT=str(free_port())).start()
    await emulator.wait_for_log("VK emulator on")
    admin = await stack.service("admin_api", ADMIN_PORT=str(free_port())).start()
    await admin.wait_for_log("admin API listening")
    bot = await stack.start_bot()
    poller = await stack.start_poller()
    for process in (poller, bot, admin, emulator):
        assert await process.terminate() == 0, process.lines[-10:]
    for process in (poller, bot, admin):
        starts = [line for line in process.lines if "starting with" in line]
        assert len(starts) == 1
        assert "e2e-token" not in "\n".join(process.lines)  # the token never reaches a log
