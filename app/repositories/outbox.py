"""The transactional outbox: rows written with the state change, drained by the sender.

The bot writes its rows with the rest of a batch (:mod:`app.repositories.batch`); the
statements below are the sender's (asyncpg) and the admin/housekeeping side (SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.actions import EditMessage, MessageAction, SendMessage
from app.db.models import Outbox
from app.vk.keyboard import render
from app.vk.limits import clip_message

Executor = AsyncSession | AsyncConnection
Connection = Any  # an asyncpg connection or pool (asyncpg ships no type information)

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


def row_values(peer_id: int, action: MessageAction) -> tuple[Any, ...]:
    """(peer_id, method, params, ref) of the outbox row for an action."""
    params: dict[str, Any]
    if isinstance(action, SendMessage):
        params = {"text": clip_message(action.text), "keyboard": render(action.keyboard)}
        if action.report_shown:
            params["report_shown"] = True
        if action.image_of is not None:
            params["image_of"] = action.image_of
        return peer_id, SEND, params, action.ref
    if isinstance(action, EditMessage):
        keyboard = render(action.keyboard)
        text = clip_message(action.text)
        params = {"target_ref": action.ref, "text": text, "keyboard": keyboard}
        if action.image_of is not None:
            params["image_of"] = action.image_of
        return peer_id, EDIT, params, None
    params = {"callback_id": action.callback_id, "user_id": action.user_id, "text": action.text}
    return peer_id, ANSWER, params, None


async def add(session: Executor, peer_id: int, actions: Sequence[MessageAction]) -> None:
    """Queue actions for a chat in the caller's transaction, keeping their order."""
    if actions:
        columns = ("peer_id", "method", "params", "ref")
        rows: list[dict[str, Any]] = [
            dict(zip(columns, row_values(peer_id, a), strict=True)) for a in actions
        ]
        await session.execute(insert(Outbox), rows)


async def pending_peers(session: Executor, limit: int = 1000) -> list[int]:
    """Chats that have a due pending row: what a crash or a retry left for the sweep."""
    stmt = (
        select(Outbox.peer_id)
        .where(Outbox.status == "pending", Outbox.next_attempt_at <= func.now())
        .group_by(Outbox.peer_id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def forget_done_before(conn: Executor, cutoff: datetime) -> int:
    """Drop delivered or abandoned rows older than ``cutoff`` (nothing edits them any more)."""
    result = await conn.execute(
        delete(Outbox).where(Outbox.status != "pending", Outbox.created_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# The sender's statements (asyncpg: they run for every request) ---------------------------------


async def pending_rows(conn: Connection, peer_ids: Sequence[int]) -> list[OutboxRow]:
    """The chats' pending rows in id order (the order to send), due or not."""
    rows = await conn.fetch(
        "SELECT id, peer_id, method, params, ref, attempts, next_attempt_at FROM outbox "
        "WHERE peer_id = ANY($1::bigint[]) AND status = 'pending' ORDER BY id",
        list(peer_ids),
    )
    return [OutboxRow(*row) for row in rows]


async def due_peers(conn: Connection, limit: int = 5000) -> list[int]:
    """Chats with a due pending row: what a crash, a retry or another process left behind."""
    rows = await conn.fetch(
        "SELECT DISTINCT peer_id FROM outbox WHERE status = 'pending' "
        "AND next_attempt_at <= now() LIMIT $1",
        limit,
    )
    return [row[0] for row in rows]


async def record_sent(conn: Connection, sent: Sequence[tuple[int, int | None]]) -> None:
    """Mark a batch's delivered rows ``(row id, cmid)`` in one round trip."""
    if sent:
        await conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL, "
            "conversation_message_id = v.cmid "
            "FROM unnest($1::bigint[], $2::bigint[]) AS v(id, cmid) WHERE outbox.id = v.id",
            [row_id for row_id, _ in sent],
            [cmid for _, cmid in sent],
        )


async def record_retry(conn: Connection, row_id: int, error: str, due: datetime) -> None:
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 "
        "WHERE id = $1",
        row_id,
        error[:1000],
        due,
    )


async def record_failed(conn: Connection, row_id: int, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $2 "
        "WHERE id = $1",
        row_id,
        error[:1000],
    )


async def fail_peer(conn: Connection, peer_id: int, error: str) -> int:
    """Give up on everything pending for a chat the bot can no longer write to."""
    result = await conn.execute(
        "UPDATE outbox SET status = 'failed', last_error = $2 "
        "WHERE peer_id = $1 AND status = 'pending'",
        peer_id,
        error[:1000],
    )
    return int(result.split()[-1])


async def cmid_for_ref(conn: Connection, peer_id: int, ref: str) -> int | None:
    """The conversation message id of the last message sent under ``ref`` in the chat."""
    value = await conn.fetchval(
        "SELECT conversation_message_id FROM outbox "
        "WHERE peer_id = $1 AND ref = $2 AND status = 'sent' ORDER BY id DESC LIMIT 1",
        peer_id,
        ref,
    )
    return int(value) if value is not None else None


async def try_lock_peers(conn: Connection, peer_ids: Sequence[int]) -> set[int]:
    """Take the session-level advisory locks of several chats; returns those taken.

    One sender per chat across all processes: the locks live on the sender's own connection,
    so they vanish if the process dies.
    """
    if not peer_ids:
        return set()
    rows = await conn.fetch(
        "SELECT key FROM unnest($1::bigint[]) AS key WHERE pg_try_advisory_lock(key)",
        list(peer_ids),
    )
    return {int(row[0]) for row in rows}


async def unlock_peers(conn: Connection, peer_ids: Sequence[int]) -> None:
    if peer_ids:
        await conn.execute(
            "SELECT pg_advisory_unlock(key) FROM unnest($1::bigint[]) AS key", list(peer_ids)
        )
