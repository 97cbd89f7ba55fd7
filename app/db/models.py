"""The Postgres schema as SQLAlchemy 2 typed declarative models.

Alembic migrations in ``alembic/versions`` are the source of truth for the live schema; these
models mirror them for typed queries and are checked against them by a test.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Sequence,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import (
    text as sql,
)
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
    # The order in which a chat's updates were applied (for audits and the ordering tests).
    seq: Mapped[int] = mapped_column(BigInteger, Identity())
    peer_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_processed_events_peer_seq", "peer_id", "seq"),)


class Outbox(Base):
    """Outgoing VK calls, written in the same transaction as the state change that caused them.

    The row id doubles as the `random_id` of `messages.send`, so a retry after a crash is
    de-duplicated by VK. The id sequence starts at a random offset per installation so that a
    re-created database does not reuse random_ids VK has already seen.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger,
        Sequence("outbox_id_seq"),
        primary_key=True,
        server_default=sql("nextval('outbox_id_seq')"),
    )
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
            postgresql_where=sql("status = 'pending'"),
        ),
        Index("ix_outbox_peer_ref", "peer_id", "ref", postgresql_where=sql("ref IS NOT NULL")),
    )


class Pack(Base):
    """An imported question pack (a tournament); its questions are rows of ``questions``."""

    __tablename__ = "packs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    editors: Mapped[list[str]] = mapped_column(JSONB, server_default=sql("'[]'::jsonb"))
    played_at: Mapped[str | None] = mapped_column(String(100))
    info: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=sql("true"))
    # sha256 of the imported file: the same file is never imported twice.
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (UniqueConstraint("digest", name="uq_packs_digest"),)


class Question(Base):
    """A question of the base. Games keep a snapshot, so edits never rewrite history."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[list[str]] = mapped_column(JSONB, server_default=sql("'[]'::jsonb"))
    # The незачёт list: answers refused even where the judge's rules would accept them.
    rejected: Mapped[list[str]] = mapped_column(JSONB, server_default=sql("'[]'::jsonb"))
    comment: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[list[str]] = mapped_column(JSONB, server_default=sql("'[]'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # From a pack: which, and where in it; its sources, authors and text handout.
    pack_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("packs.id", ondelete="CASCADE"))
    tour: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    sources: Mapped[list[str]] = mapped_column(JSONB, server_default=sql("'[]'::jsonb"))
    authors: Mapped[list[str]] = mapped_column(JSONB, server_default=sql("'[]'::jsonb"))
    handout_text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_questions_pack_order", "pack_id", "tour", "number"),)


class QuestionImage(Base):
    """A question's picture (a handout), kept in Postgres, with its VK attachment once sent."""

    __tablename__ = "question_images"

    question_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    vk_attachment: Mapped[str | None] = mapped_column(String(255))


class Chat(Base):
    """A VK conversation the bot has seen. Its row is the lock that serialises its game."""

    __tablename__ = "chats"

    peer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(255))
    settings: Mapped[dict[str, Any]] = mapped_column(server_default=sql("'{}'::jsonb"))
    active_game_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_activity_at: Mapped[datetime] = mapped_column(server_default=func.now())


class GameRow(Base):
    """One game; ``state`` is the state machine's whole state, the columns mirror it for queries."""

    __tablename__ = "games"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.peer_id"))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    phase: Mapped[str] = mapped_column(String(16), server_default="lobby")
    round: Mapped[int] = mapped_column(Integer, server_default="0")
    rounds_total: Mapped[int] = mapped_column(Integer, server_default="0")
    score_team: Mapped[int] = mapped_column(Integer, server_default="0")
    score_bot: Mapped[int] = mapped_column(Integer, server_default="0")
    captain_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[dict[str, Any]] = mapped_column(server_default=sql("'{}'::jsonb"))
    # The game's questions, written once (older games keep them inside ``state``).
    deck: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        Index("ix_games_peer_id", "peer_id", "id"),
        Index("ix_games_status", "status"),
        # At most one running game per chat, whatever the processes do.
        Index(
            "uq_games_one_active_per_chat",
            "peer_id",
            unique=True,
            postgresql_where=sql("status = 'active'"),
        ),
    )


class GamePlayer(Base):
    __tablename__ = "game_players"

    game_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("games.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, server_default="0")
    is_captain: Mapped[bool] = mapped_column(Boolean, server_default=sql("false"))

    __table_args__ = (Index("ix_game_players_user_id", "user_id"),)


class GameRound(Base):
    __tablename__ = "game_rounds"

    game_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("games.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    question_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("questions.id", ondelete="SET NULL")
    )
    question_text: Mapped[str] = mapped_column(Text)
    correct_answer: Mapped[str] = mapped_column(Text)
    answerer_id: Mapped[int | None] = mapped_column(BigInteger)
    answer_text: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
    # Why the judge decided so (app.game.judging.reasons.Reason); NULL for older rounds.
    reason: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_game_rounds_question_id", "question_id"),
        Index("ix_game_rounds_answerer_id", "answerer_id"),
    )


class Appeal(Base):
    """A captain's appeal of a wrong verdict (migration 0010): one per round, decided once."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    game_id: Mapped[int] = mapped_column(Integer, ForeignKey("games.id", ondelete="CASCADE"))
    peer_id: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("questions.id", ondelete="SET NULL")
    )
    answer_text: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_via: Mapped[str | None] = mapped_column(String(8))
    applied_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("game_id", "round", name="uq_appeals_round"),
        CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="ck_appeals_status"),
        Index("ix_appeals_status", "status", "id"),
        Index("ix_appeals_peer_id", "peer_id"),
    )


class VKUserName(Base):
    """Cached users.get names, so a join does not call VK every time."""

    __tablename__ = "vk_users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Timer(Base):
    """A durable timer: fired once (deleted in the transaction that applies it)."""

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    peer_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (Index("ix_timers_due_at", "due_at"), Index("ix_timers_peer_id", "peer_id"))


class Admin(Base):
    """An admin of the admin API; the password is kept only as a salted scrypt hash."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (Index("uq_admins_email", "email", unique=True),)


class AdminSession(Base):
    """A revocable login: only the SHA-256 of the cookie token is stored."""

    __tablename__ = "admin_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    admin_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("admins.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LoginFailure(Base):
    """One failed login: the sliding window of the per-email and per-address throttles."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)

    __table_args__ = (
        Index("ix_login_failures_email", "email", "failed_at"),
        Index("ix_login_failures_address", "address", "failed_at"),
    )


class VKRequest(Base):
    """One VK API request of the last seconds: the shared per-token rate budget."""

    __tablename__ = "vk_request_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(server_default=sql("clock_timestamp()"))

    __table_args__ = (Index("ix_vk_request_log_bucket_at", "bucket", "at"),)
