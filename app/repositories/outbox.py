"""The transactional outbox: rows written with the state change, drained by the sender."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.actions import EditMessage, MessageAction, SendMessage
from app.db.models import Outbox

Executor = AsyncSession | AsyncConnection

SEND = "messages.send"
EDIT = "messages.edit"
ANSWER = "messages.sendMessageEventAnswer"


@dataclass(frozen=True)
class OutboxRow:
    id: int
    peer_id: int
    method: str
    params: dict[str, Any]
    ref: str | None
    attempts: int
    next_attempt_at: datetime


def _row_values(peer_id: int, action: MessageAction) -> dict[str, Any]:
    if isinstance(action, SendMessage):
        params: dict[str, Any] = {"text": action.text, "keyboard": action.keyboard}
        return {"peer_id": peer_id, "method": SEND, "params": params, "ref": action.ref}
    if isinstance(action, EditMessage):
        params = {"target_ref": action.ref, "text": action.text, "keyboard": action.keyboard}
        return {"peer_id": peer_id, "method": EDIT, "params": params, "ref": None}
    params = {"callback_id": action.callback_id, "user_id": action.user_id, "text": action.text}
    return {"peer_id": peer_id, "method": ANSWER, "params": params, "ref": None}


async def add(session: Executor, peer_id: int, actions: Sequence[MessageAction]) -> None:
    """Queue actions for a chat in the caller's transaction, keeping their order."""
    if actions:
        await session.execute(insert(Outbox), [_row_values(peer_id, a) for a in actions])


async def pending_peers(session: Executor, limit: int = 1000) -> list[int]:
    """Chats that have a due pending row: what a crash or a retry left for the sweep."""
    stmt = (
        select(Outbox.peer_id)
        .where(Outbox.status == "pending", Outbox.next_attempt_at <= func.now())
        .group_by(Outbox.peer_id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def heads(
    conn: Executor, peer_ids: Sequence[int], per_peer: int
) -> dict[int, list[OutboxRow]]:
    """The first ``per_peer`` pending rows of each chat, in id order (the order to send)."""
    if not peer_ids:
        return {}
    ranked = (
        select(
            Outbox.id,
            Outbox.peer_id,
            Outbox.method,
            Outbox.params,
            Outbox.ref,
            Outbox.attempts,
            Outbox.next_attempt_at,
            func.row_number().over(partition_by=Outbox.peer_id, order_by=Outbox.id).label("rn"),
        )
        .where(Outbox.peer_id.in_(peer_ids), Outbox.status == "pending")
        .subquery()
    )
    stmt = (
        select(*[column for column in ranked.c if column.name != "rn"])
        .where(ranked.c.rn <= per_peer)
        .order_by(ranked.c.peer_id, ranked.c.id)
    )
    result: dict[int, list[OutboxRow]] = {}
    for row in (await conn.execute(stmt)).all():
        result.setdefault(row.peer_id, []).append(OutboxRow(*row))
    return result


async def mark_sent(conn: Executor, row_id: int, cmid: int | None = None) -> None:
    await conn.execute(
        update(Outbox)
        .where(Outbox.id == row_id)
        .values(status="sent", sent_at=func.now(), conversation_message_id=cmid, last_error=None)
    )


async def mark_sent_many(conn: Executor, sent: Sequence[tuple[int, int | None]]) -> None:
    """Mark a batch's delivered rows ``(row id, cmid)`` in one round trip."""
    if not sent:
        return
    await conn.execute(
        text(
            "UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL, "
            "conversation_message_id = v.cmid "
            "FROM unnest(CAST(:ids AS bigint[]), CAST(:cmids AS bigint[])) AS v(id, cmid) "
            "WHERE outbox.id = v.id"
        ),
        {"ids": [row_id for row_id, _ in sent], "cmids": [cmid for _, cmid in sent]},
    )


async def mark_retry(conn: Executor, row_id: int, error: str, next_attempt_at: datetime) -> None:
    await conn.execute(
        update(Outbox)
        .where(Outbox.id == row_id)
        .values(
            attempts=Outbox.attempts + 1, last_error=error[:1000], next_attempt_at=next_attempt_at
        )
    )


async def mark_failed(conn: Executor, row_id: int, error: str) -> None:
    await conn.execute(
        update(Outbox)
        .where(Outbox.id == row_id)
        .values(status="failed", attempts=Outbox.attempts + 1, last_error=error[:1000])
    )


async def fail_peer(conn: Executor, peer_id: int, error: str) -> int:
    """Give up on everything pending for a chat the bot can no longer write to."""
    result = await conn.execute(
        update(Outbox)
        .where(Outbox.peer_id == peer_id, Outbox.status == "pending")
        .values(status="failed", last_error=error[:1000])
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cmid_for_ref(conn: Executor, peer_id: int, ref: str) -> int | None:
    stmt = (
        select(Outbox.conversation_message_id)
        .where(Outbox.peer_id == peer_id, Outbox.ref == ref, Outbox.status == "sent")
        .order_by(Outbox.id.desc())
        .limit(1)
    )
    return await conn.scalar(stmt)


async def try_lock_peer(conn: AsyncConnection, peer_id: int) -> bool:
    """A session-level advisory lock: one sender per chat across all processes.

    It is held on this connection only, so it vanishes if the process dies.
    """
    return peer_id in await try_lock_peers(conn, [peer_id])


async def try_lock_peers(conn: AsyncConnection, peer_ids: Sequence[int]) -> set[int]:
    """Take the advisory locks of several chats in one round trip; returns those taken."""
    if not peer_ids:
        return set()
    rows = await conn.execute(
        text(
            "SELECT key FROM unnest(CAST(:keys AS bigint[])) AS key WHERE pg_try_advisory_lock(key)"
        ),
        {"keys": list(peer_ids)},
    )
    return {int(key) for (key,) in rows}


async def unlock_peer(conn: AsyncConnection, peer_id: int) -> None:
    await unlock_peers(conn, [peer_id])


async def unlock_peers(conn: AsyncConnection, peer_ids: Sequence[int]) -> None:
    if peer_ids:
        await conn.execute(
            text("SELECT pg_advisory_unlock(key) FROM unnest(CAST(:keys AS bigint[])) AS key"),
            {"keys": list(peer_ids)},
        )


async def forget_done_before(conn: Executor, cutoff: datetime) -> int:
    """Drop delivered or abandoned rows older than ``cutoff`` (nothing edits them any more)."""
    result = await conn.execute(
        delete(Outbox).where(Outbox.status != "pending", Outbox.created_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
