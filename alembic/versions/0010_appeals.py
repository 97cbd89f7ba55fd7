"""Appeals (апелляции): a captain contests a wrong verdict; a chat admin or an admin decides.

One appeal per round (``uq_appeals_round``). ``status`` goes pending → accepted | rejected
once, by one atomic update whoever decides (a conversation admin in the chat, an admin through
the API). ``applied_at`` is set when the bot has applied the decision to the stored game and
told the chat: a decision taken through the API is applied by the bot afterwards (published
into the chat's queue; the bot's housekeeping re-submits any it finds unapplied).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "game_id", sa.Integer(), sa.ForeignKey("games.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("peer_id", sa.BigInteger(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), sa.ForeignKey("questions.id", ondelete="SET NULL")),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_via", sa.String(8), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("game_id", "round", name="uq_appeals_round"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected')", name="ck_appeals_status"
        ),
    )
    op.create_index("ix_appeals_status", "appeals", ["status", "id"])
    op.create_index("ix_appeals_peer_id", "appeals", ["peer_id"])


def downgrade() -> None:
    op.drop_table("appeals")
