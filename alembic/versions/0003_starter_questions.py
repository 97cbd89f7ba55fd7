"""Seed the starter questions so a fresh install is playable.

The data file next to this migration is frozen with it (``starter_questions_v1.json``); a new
set of questions would come in a new file and a new migration.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import json
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA = Path(__file__).resolve().parent / "data" / "starter_questions_v1.json"
SOURCE = "Original question written for Znatoki"

questions = sa.table(
    "questions",
    sa.column("text", sa.Text()),
    sa.column("answer", sa.String()),
    sa.column("alternatives", JSONB()),
    sa.column("comment", sa.Text()),
    sa.column("author", sa.String()),
    sa.column("source", sa.String()),
    sa.column("tags", JSONB()),
)


def upgrade() -> None:
    items = json.loads(DATA.read_text(encoding="utf-8"))
    op.bulk_insert(
        questions,
        [
            {
                "text": item["text"],
                "answer": item["answer"],
                "alternatives": item["alternatives"],
                "comment": item["comment"],
                "author": item["author"],
                "source": item["source"],
                "tags": item["tags"],
            }
            for item in items
        ],
    )


def downgrade() -> None:
    texts = [item["text"] for item in json.loads(DATA.read_text(encoding="utf-8"))]
    op.execute(
        sa.delete(questions).where(
            questions.c.text.in_(texts), sa.literal_column("id").notin_(_played())
        )
    )


def _played() -> sa.Select[tuple[int]]:
    """Questions that games refer to stay: downgrading must not rewrite history."""
    return (
        sa.select(sa.literal_column("question_id"))
        .select_from(sa.table("game_rounds"))
        .where(sa.literal_column("question_id").is_not(None))
    )
