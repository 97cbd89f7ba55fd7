"""A game's deck in a column of its own: the state written on every event no longer carries it.

The deck (the game's question snapshot) never changes after the game is created, yet it was
most of the state JSON that every event rewrote (several KB: TOASTed, WAL-logged, encoded and
decoded each time). New games write it once into ``games.deck``; active games move theirs on
upgrade; finished games keep their questions inside ``state``, which the bot still reads (and a
game still holding them moves them on its next save).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("games", sa.Column("deck", postgresql.JSONB(), nullable=True))
    # Games in progress move their questions now (the bot also moves any it meets later).
    op.execute(
        "UPDATE games SET deck = state -> 'questions', state = state - 'questions' "
        "WHERE status = 'active' AND state ? 'questions'"
    )


def downgrade() -> None:
    # Games saved with a separate deck get their questions back inside the state first.
    op.execute(
        "UPDATE games SET state = state || jsonb_build_object('questions', deck) "
        "WHERE deck IS NOT NULL"
    )
    op.drop_column("games", "deck")
