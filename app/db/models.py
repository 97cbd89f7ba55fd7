"""The Postgres schema as SQLAlchemy 2 typed declarative models.

Alembic migrations in ``alembic/versions`` are the source of truth for the live schema; these
models mirror them for typed queries and are checked against them by a test.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONB,
        datetime: DateTime(timezone=True),
    }


class PollerCursor(Base):
    """The long-poll `ts` the poller resumes from; saved only after the broker confirmed."""

    __tablename__ = "poller_cursor"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ProcessedEvent(Base):
    """One row per VK update (or timer) already applied: the idempotency log."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)


class Outbox(Base):
    """Outgoing VK calls, written in the same transaction as the state change that caused them.

    The row id doubles as the `random_id` of `messages.send`, so a retry after a crash is
    de-duplicated by VK. The id sequence starts at a random offset per installation so that a
    re-created database does not reuse random_ids VK has already seen.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    peer_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column()
    ref: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column()
    conversation_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_outbox_pending_peer",
            "peer_id",
            "id",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_outbox_peer_ref", "peer_id", "ref", postgresql_where=text("ref IS NOT NULL")),
    )
