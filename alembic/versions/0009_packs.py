"""Question packs: tournaments imported from the community's formats, their pictures.

``packs`` holds one imported pack (title, editors, date, info, enabled, and the digest of the
imported file, so the same file is never imported twice). A pack's questions are rows of
``questions`` like any other, with ``pack_id``, ``tour`` and ``number`` (their order in the
pack), ``sources``, ``authors`` and a text handout. Pictures live in Postgres
(``question_images``: no new volume to deploy), one per question, with the VK attachment
string once uploaded. A question's answer may be longer than the 200 characters typed into the
admin API allowed: ``questions.answer`` and the rounds' mirror become ``text``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY = sa.text("'[]'::jsonb")


def upgrade() -> None:
    op.create_table(
        "packs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("editors", JSONB(), server_default=EMPTY, nullable=False),
        sa.Column("played_at", sa.String(100), nullable=True),
        sa.Column("info", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint("digest", name="uq_packs_digest"),
    )
    op.add_column(
        "questions",
        sa.Column("pack_id", sa.Integer(), sa.ForeignKey("packs.id", ondelete="CASCADE")),
    )
    op.add_column("questions", sa.Column("tour", sa.Integer(), nullable=True))
    op.add_column("questions", sa.Column("number", sa.Integer(), nullable=True))
    op.add_column("questions", sa.Column("sources", JSONB(), server_default=EMPTY, nullable=False))
    op.add_column("questions", sa.Column("authors", JSONB(), server_default=EMPTY, nullable=False))
    op.add_column("questions", sa.Column("handout_text", sa.Text(), nullable=True))
    op.create_index("ix_questions_pack_order", "questions", ["pack_id", "tour", "number"])
    op.alter_column("questions", "answer", type_=sa.Text(), existing_type=sa.String(200))
    op.alter_column("game_rounds", "correct_answer", type_=sa.Text(), existing_type=sa.String(200))
    op.create_table(
        "question_images",
        sa.Column(
            "question_id",
            sa.Integer(),
            sa.ForeignKey("questions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("vk_attachment", sa.String(255), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("question_images")
    op.execute("DELETE FROM questions WHERE pack_id IS NOT NULL")
    op.execute("UPDATE questions SET answer = left(answer, 200)")
    op.execute("UPDATE game_rounds SET correct_answer = left(correct_answer, 200)")
    op.alter_column("game_rounds", "correct_answer", type_=sa.String(200), existing_type=sa.Text())
    op.alter_column("questions", "answer", type_=sa.String(200), existing_type=sa.Text())
    op.drop_index("ix_questions_pack_order", table_name="questions")
    for column in ("handout_text", "authors", "sources", "number", "tour", "pack_id"):
        op.drop_column("questions", column)
    op.drop_table("packs")
