from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.actions import AnswerCallback, EditMessage, SendMessage
from app.repositories import cursor, events, outbox


async def test_mark_processed_is_idempotent(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        assert await events.mark_processed(session, "ev-1") is True
    async with sessionmaker.begin() as session:
        assert await events.mark_processed(session, "ev-1") is False
        assert await events.mark_processed(session, "ev-2") is True


async def test_rolled_back_event_is_not_marked(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session:
        await events.mark_processed(session, "ev-3")
        await session.rollback()
    async with sessionmaker.begin() as session:
        assert await events.mark_processed(session, "ev-3") is True


async def test_cursor_upsert(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        assert await cursor.load(session, 1) is None
        await cursor.save(session, 1, "10")
    async with sessionmaker.begin() as session:
        await cursor.save(session, 1, "12")
    async with sessionmaker() as session:
        assert await cursor.load(session, 1) == "12"


async def test_outbox_keeps_order_and_resolves_refs(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    actions = [
        SendMessage("вопрос", ref="q1"),
        EditMessage("q1", "вопрос (10 секунд)"),
        AnswerCallback("cb", 5, "ok"),
    ]
    async with sessionmaker.begin() as session:
        await outbox.add(session, 7, actions)
        await outbox.add(session, 8, [SendMessage("другой чат")])
    async with db.connect() as conn:
        rows = (await outbox.heads(conn, [7, 8], 10))[7]
        assert [row.method for row in rows] == [outbox.SEND, outbox.EDIT, outbox.ANSWER]
        assert rows[0].id < rows[1].id < rows[2].id
        assert [row.method for row in (await outbox.heads(conn, [7], 2))[7]] == [
            outbox.SEND,
            outbox.EDIT,
        ]
        assert sorted(await outbox.pending_peers(conn)) == [7, 8]
        assert await outbox.cmid_for_ref(conn, 7, "q1") is None
        await outbox.mark_sent(conn, rows[0].id, 55)
        assert await outbox.cmid_for_ref(conn, 7, "q1") == 55
        assert await outbox.fail_peer(conn, 7, "kicked") == 2
        assert list(await outbox.heads(conn, [7, 8], 10)) == [8]
        await conn.commit()


async def test_peer_lock_is_exclusive_across_connections(db: AsyncEngine) -> None:
    async with db.connect() as first, db.connect() as second:
        assert await outbox.try_lock_peer(first, 2000000001)
        assert not await outbox.try_lock_peer(second, 2000000001)
        assert await outbox.try_lock_peer(second, 2000000002)
        await outbox.unlock_peer(first, 2000000001)
        assert await outbox.try_lock_peer(second, 2000000001)


async def test_housekeeping_keeps_recent_and_pending_rows(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from datetime import timedelta

    from sqlalchemy import text

    from app.bot.housekeeping import clean_once

    async with sessionmaker.begin() as session:
        await events.mark_processed(session, "old")
        await events.mark_processed(session, "new")
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
