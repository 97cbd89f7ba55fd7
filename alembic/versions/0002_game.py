"""Game: questions, chats, games with players and rounds, name cache, durable timers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answer", sa.String(200), nullable=False),
        sa.Column("alternatives", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("author", sa.String(200)),
        sa.Column("source", sa.String(500)),
        sa.Column("tags", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("created_at", TS, server_default=_now(), nullable=False),
        sa.Column("updated_at", TS, server_default=_now(), nullable=False),
    )
    op.create_table(
        "chats",
        sa.Column("peer_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(255)),
        sa.Column("settings", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("active_game_id", sa.Integer()),
        sa.Column("status", sa.String(16), server_default="active", nullable=False),
        sa.Column("created_at", TS, server_default=_now(), nullable=False),
        sa.Column("last_activity_at", TS, server_default=_now(), nullable=False),
    )
    op.create_table(
        "games",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("peer_id", sa.BigInteger(), sa.ForeignKey("chats.peer_id"), nullable=False),
        sa.Column("status", sa.String(16), server_default="active", nullable=False),
        sa.Column("phase", sa.String(16), server_default="lobby", nullable=False),
        sa.Column("round", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rounds_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("score_team", sa.Integer(), server_default="0", nullable=False),
        sa.Column("score_bot", sa.Integer(), server_default="0", nullable=False),
        sa.Column("captain_id", sa.BigInteger()),
        sa.Column("state", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("created_at", TS, server_default=_now(), nullable=False),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("updated_at", TS, server_default=_now(), nullable=False),
    )
    op.create_index("ix_games_peer_id", "games", ["peer_id", "id"])
    op.create_index("ix_games_status", "games", ["status"])
    op.create_index(
        "uq_games_one_active_per_chat",
        "games",
        ["peer_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "game_players",
        sa.Column(
            "game_id",
            sa.Integer(),
            sa.ForeignKey("games.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_captain", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_index("ix_game_players_user_id", "game_players", ["user_id"])
    op.create_table(
        "game_rounds",
        sa.Column(
            "game_id",
            sa.Integer(),
            sa.ForeignKey("games.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("question_id", sa.Integer(), sa.ForeignKey("questions.id", ondelete="SET NULL")),
        sa.Column("question_text", sa.Text(), nullable=False),
        sa.Column("correct_answer", sa.String(200), nullable=False),
        sa.Column("answerer_id", sa.BigInteger()),
        sa.Column("answer_text", sa.Text()),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("answered_at", TS),
    )
    op.create_index("ix_game_rounds_question_id", "game_rounds", ["question_id"])
    op.create_index("ix_game_rounds_answerer_id", "game_rounds", ["answerer_id"])
    op.create_table(
        "vk_users",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("first_name", sa.String(200), nullable=False),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("updated_at", TS, server_default=_now(), nullable=False),
    )
    op.create_table(
        "timers",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("peer_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("created_at", TS, server_default=_now(), nullable=False),
    )
    op.create_index("ix_timers_due_at", "timers", ["due_at"])
    op.create_index("ix_timers_peer_id", "timers", ["peer_id"])


def downgrade() -> None:
    op.drop_table("timers")
    op.drop_table("vk_users")
    op.drop_table("game_rounds")
    op.drop_table("game_players")
    op.drop_table("games")
    op.drop_table("chats")
    op.drop_table("questions")
