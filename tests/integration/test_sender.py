"""The outbox sender against the VK emulator: batching, order, limits, failures."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.actions import AnswerCallback, EditMessage, SendMessage
from app.bot.sender import OutboxSender
from app.db.engine import create_sessionmaker
from app.db.pool import Pool
from app.repositories import batch, outbox
from app.repositories.batch import ChatWrites
from tests.helpers import emulator_vk, wait_until
from tests.integration.sender_rig import TOKEN, Rig, queue, settled, wait_delivered


async def test_many_chats_are_batched_in_order_within_the_rate_limit(
    rig: Rig, db: AsyncEngine
) -> None:
    user = await rig.control.create_user("Ира")
    peers = [
        (await rig.control.create_chat(f"chat {i}", [user["id"]]))["peer_id"] for i in range(40)
    ]
    for peer_id in peers:
        await queue(db, peer_id, [SendMessage(f"{peer_id} #{n}") for n in range(5)])
        rig.sender.wake(peer_id)

    await wait_delivered(rig, 200)
    await settled(db)
    for peer_id in peers:
        texts = [m["text"] for m in await rig.control.messages(peer_id)]
        assert texts == [f"{peer_id} #{n}" for n in range(5)]
    counters = await rig.control.counters()
    assert counters["rate_limited"] == 0
    assert counters["execute_requests"] >= 1
    assert counters["requests"] < 200 / 5  # batching: far fewer requests than messages
    async with db.connect() as conn:
        pending = await conn.scalar(text("SELECT count(*) FROM outbox WHERE status <> 'sent'"))
    assert pending == 0


async def test_edit_follows_its_message_and_answers_are_sent(rig: Rig, db: AsyncEngine) -> None:
    user = await rig.control.create_user("Ира")
    peer_id = (await rig.control.create_chat("c", [user["id"]]))["peer_id"]
    await queue(
        db,
        peer_id,
        [SendMessage("v1", ref="m"), EditMessage("m", "v2"), EditMessage("never-sent", "x")],
    )
    rig.sender.wake(peer_id)
    await wait_delivered(rig, 2)
    await settled(db)
    messages = await rig.control.messages(peer_id)
    assert [m["text"] for m in messages] == ["v2"]
    async with db.connect() as conn:
        statuses = (await conn.execute(text("SELECT status FROM outbox ORDER BY id"))).scalars()
        assert list(statuses) == ["sent", "sent", "sent"]


async def test_a_chat_the_bot_left_is_dropped_and_others_go_on(rig: Rig, db: AsyncEngine) -> None:
    user = await rig.control.create_user("Ира")
    gone = (await rig.control.create_chat("gone", [user["id"]]))["peer_id"]
    alive = (await rig.control.create_chat("alive", [user["id"]]))["peer_id"]
    await rig.control.kick_bot(gone)
    await queue(db, gone, [SendMessage("a"), SendMessage("b"), AnswerCallback("cb", 1, "x")])
    await queue(db, alive, [SendMessage("hello")])
    rig.sender.wake(gone)
    rig.sender.wake(alive)
    rows: list[tuple[int, str]] = []

    async def settled() -> bool:
        async with db.connect() as conn:
            result = await conn.execute(text("SELECT peer_id, status FROM outbox ORDER BY id"))
            rows[:] = [(peer, status) for peer, status in result]
        return all(status != "pending" for _, status in rows)

    await wait_until(settled, what="every row sent or failed")
    assert [status for peer, status in rows if peer == gone] == ["failed"] * 3
    assert [status for peer, status in rows if peer == alive] == ["sent"]


async def test_transient_vk_errors_are_retried_until_delivered(rig: Rig, db: AsyncEngine) -> None:
    user = await rig.control.create_user("Ира")
    peer_id = (await rig.control.create_chat("c", [user["id"]]))["peer_id"]
    await rig.control.set_faults(http_500_rate=1.0)
    await queue(db, peer_id, [SendMessage("persistent")])
    rig.sender.wake(peer_id)

    async def retried() -> bool:
        async with db.connect() as conn:
            attempts = await conn.scalar(text("SELECT attempts FROM outbox"))
        return bool(attempts and attempts >= 1)

    await wait_until(retried, what="a failed attempt recorded")
    await rig.control.clear_faults()
    rig.sender.wake(peer_id)
    await wait_delivered(rig, 1)
    assert [m["text"] for m in await rig.control.messages(peer_id)] == ["persistent"]


async def test_throughput_under_the_request_limit(rig: Rig, db: AsyncEngine) -> None:
    """Messages/s through one token at 20 requests/s: a figure, printed, never asserted."""
    user = await rig.control.create_user("Ира")
    peers = [
        (await rig.control.create_chat(f"chat {i}", [user["id"]]))["peer_id"] for i in range(100)
    ]
    async with create_sessionmaker(db).begin() as session:
        for peer_id in peers:
            await outbox.add(session, peer_id, [SendMessage(f"{peer_id} #{n}") for n in range(4)])
    loop = asyncio.get_running_loop()
    started = loop.time()
    for peer_id in peers:
        rig.sender.wake(peer_id)
    await wait_delivered(rig, 400)
    elapsed = loop.time() - started
    counters = await rig.control.counters()
    assert counters["rate_limited"] == 0  # no error-6 storm: the limiter keeps under 20/s
    print(
        f"sender throughput: 400 messages in {elapsed:.2f}s = {400 / elapsed:.0f} messages/s "
        f"over {counters['requests']} requests"
    )


async def test_rows_handed_over_after_the_commit_are_sent_in_order(
    rig: Rig, db: AsyncEngine, pool: Pool
) -> None:
    """The bot's path: rows written by a batch go to the sender in memory, not via a scan."""
    user = await rig.control.create_user("Ира")
    peer_id = (await rig.control.create_chat("c", [user["id"]]))["peer_id"]
    writes = ChatWrites(peer_id, messages=[SendMessage("q", ref="q"), EditMessage("q", "q2")])
    async with pool.acquire() as conn, conn.transaction():
        persisted = await batch.persist(conn, [writes])
    assert [row.method for row in persisted.outbox] == [outbox.SEND, outbox.EDIT]
    rig.sender.add(persisted.outbox)
    await wait_delivered(rig, 2)
    await settled(db)
    assert [m["text"] for m in await rig.control.messages(peer_id)] == ["q2"]


async def test_a_burst_leaves_paced_in_full_requests(rig: Rig, db: AsyncEngine) -> None:
    """200 replies at once: a handful of execute requests a pace apart, not 20 thin ones."""
    user = await rig.control.create_user("Ира")
    peers = [
        (await rig.control.create_chat(f"chat {i}", [user["id"]]))["peer_id"] for i in range(200)
    ]
    async with create_sessionmaker(db).begin() as session:
        for peer_id in peers:
            await outbox.add(session, peer_id, [SendMessage(f"{peer_id}")])
    for peer_id in peers:
        rig.sender.wake(peer_id)
    await wait_delivered(rig, 200)
    counters = await rig.control.counters()
    assert counters["rate_limited"] == 0
    assert counters["requests"] <= 12  # 200 calls in requests of up to 25 calls


async def test_two_senders_deliver_each_row_once(rig: Rig, db: AsyncEngine, pool: Pool) -> None:
    """Two processes' senders woken for the same chats: each chat's lock picks one sender."""
    user = await rig.control.create_user("Ира")
    peers = [(await rig.control.create_chat(f"c{i}", [user["id"]]))["peer_id"] for i in range(20)]
    async with create_sessionmaker(db).begin() as session:
        for peer_id in peers:
            edits = [EditMessage("m", f"{peer_id} v{n}") for n in (1, 2)]
            await outbox.add(session, peer_id, [SendMessage(f"{peer_id} v0", ref="m"), *edits])
    async with aiohttp.ClientSession() as http:
        vk = emulator_vk(http, rig.api_url, TOKEN)
        other = OutboxSender(pool, vk, sweep_interval=0.2)
        stop = asyncio.Event()
        task = asyncio.create_task(other.run(stop))
        for peer_id in peers:
            rig.sender.wake(peer_id)
            other.wake(peer_id)
        await wait_delivered(rig, 60)
        await settled(db)
        stop.set()
        await task
    entries = (await rig.control.log(after=0, limit=10_000))["entries"]
    deliveries = Counter(
        (entry["peer_id"], entry["kind"])
        for entry in entries
        if entry["kind"] in ("bot_message", "bot_edit")
    )
    for peer_id in peers:  # edits are not de-duplicated by VK: a second sender would show
        assert deliveries[(peer_id, "bot_message")] == 1
        assert deliveries[(peer_id, "bot_edit")] == 2
        assert [m["text"] for m in await rig.control.messages(peer_id)] == [f"{peer_id} v2"]
    assert (await rig.control.counters())["duplicate_random_ids"] == 0
    assert rig.sender.calls + other.calls == 60


async def test_it_reports_when_vk_took_a_message_handed_over_fresh(
    rig: Rig, db: AsyncEngine, pool: Pool
) -> None:
    """A round's question: the game learns when VK took it (first attempt, handed over)."""
    user = await rig.control.create_user("Ира")
    peer_id = (await rig.control.create_chat("c", [user["id"]]))["peer_id"]
    question = SendMessage("Вопрос", ref="g1.r1.q", report_shown=True)
    writes = ChatWrites(peer_id, messages=[question, SendMessage("без отчёта", ref="x")])
    async with pool.acquire() as conn, conn.transaction():
        persisted = await batch.persist(conn, [writes])
    before = datetime.now(UTC)
    rig.sender.add(persisted.outbox)
    await wait_delivered(rig, 2)
    await settled(db)
    [(peer, ref, at)] = rig.shown
    assert (peer, ref) == (peer_id, "g1.r1.q")
    assert before <= at <= datetime.now(UTC)


async def test_a_message_read_back_from_the_table_is_not_reported(
    rig: Rig, db: AsyncEngine
) -> None:
    """After a crash the row is re-sent from the table: when VK first took it is unknown."""
    user = await rig.control.create_user("Ира")
    peer_id = (await rig.control.create_chat("c", [user["id"]]))["peer_id"]
    await queue(db, peer_id, [SendMessage("Вопрос", ref="g1.r1.q", report_shown=True)])
    rig.sender.wake(peer_id)
    await wait_delivered(rig, 1)
    await settled(db)
    assert rig.shown == []
