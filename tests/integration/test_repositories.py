from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.actions import AnswerCallback, EditMessage, MessageAction, SendMessage
from app.db.pool import Pool
from app.repositories import batch, outbox
from app.repositories.batch import LockedChat
from poller import cursor


async def test_lock_and_load_records_each_event_once(db: AsyncEngine, pool: Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        chats, fresh = await batch.lock_and_load(conn, [("ev-1", 7)], [7])
        assert fresh == {"ev-1"}
        assert chats[7] == LockedChat(7, None, {}, "active", None)  # a new chat, created
    async with pool.acquire() as conn, conn.transaction():
        _, fresh = await batch.lock_and_load(conn, [("ev-1", 7), ("ev-2", 7), ("ev-2", 7)], [7])
        assert fresh == {"ev-2"}  # ev-1 was applied before; ev-2 twice in a batch is one


async def test_rolled_back_event_is_not_marked(db: AsyncEngine, pool: Pool) -> None:
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await batch.lock_and_load(conn, [("ev-3", 7)], [7])
        await transaction.rollback()
    async with pool.acquire() as conn, conn.transaction():
        assert (await batch.lock_and_load(conn, [("ev-3", 7)], [7]))[1] == {"ev-3"}


async def test_cursor_upsert(db: AsyncEngine, pool: Pool) -> None:
    assert await cursor.load(pool, 1) is None
    await cursor.save(pool, 1, "10")
    await cursor.save(pool, 1, "12")
    assert await cursor.load(pool, 1) == "12"


async def test_outbox_keeps_order_and_resolves_refs(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], pool: Pool
) -> None:
    actions: list[MessageAction] = [
        SendMessage("вопрос", ref="q1"),
        EditMessage("q1", "вопрос (10 секунд)"),
        AnswerCallback("cb", 5, "ok"),
    ]
    async with sessionmaker.begin() as session:
        await outbox.add(session, 7, actions)
        await outbox.add(session, 8, [SendMessage("другой чат")])
    rows = await outbox.pending_rows(pool, [7])
    assert [row.method for row in rows] == [outbox.SEND, outbox.EDIT, outbox.ANSWER]
    assert rows[0].id < rows[1].id < rows[2].id
    assert sorted(await outbox.due_peers(pool)) == [7, 8]
    assert await outbox.cmid_for_ref(pool, 7, "q1") is None
    await outbox.record_sent(pool, [(rows[0].id, 55)])
    assert await outbox.cmid_for_ref(pool, 7, "q1") == 55
    assert await outbox.fail_peer(pool, 7, "kicked") == 2
    assert [row.peer_id for row in await outbox.pending_rows(pool, [7, 8])] == [8]


async def test_peer_lock_is_exclusive_across_connections(db: AsyncEngine, pool: Pool) -> None:
    async with pool.acquire() as first, pool.acquire() as second:
        assert await outbox.try_lock_peers(first, [2000000001]) == {2000000001}
        assert await outbox.try_lock_peers(second, [2000000001, 2000000002]) == {2000000002}
        await outbox.unlock_peers(first, [2000000001])
        assert await outbox.try_lock_peers(second, [2000000001]) == {2000000001}
        await outbox.unlock_peers(second, [2000000001, 2000000002])


async def test_housekeeping_keeps_recent_and_pending_rows(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from datetime import timedelta

    from sqlalchemy import text

    from app.bot.housekeeping import clean_once

    async with sessionmaker.begin() as session:
        await session.execute(
            text("INSERT INTO processed_events (event_id) VALUES ('old'), ('new')")
        )
        await outbox.add(session, 1, [SendMessage("old sent"), SendMessage("old pending")])
        await session.execute(
            text(
                "UPDATE processed_events SET processed_at = now() - interval '8 days' "
                "WHERE event_id = 'old'"
            )
        )
        await session.execute(text("UPDATE outbox SET created_at = now() - interval '8 days'"))
        await session.execute(
            text("UPDATE outbox SET status = 'sent' WHERE params->>'text' = 'old sent'")
        )
    assert await clean_once(sessionmaker, keep=timedelta(days=7)) == 2
    async with db.connect() as conn:
        assert await conn.scalar(text("SELECT array_agg(event_id) FROM processed_events")) == [
            "new"
        ]
        assert await conn.scalar(text("SELECT array_agg(status) FROM outbox")) == ["pending"]
