"""A question's незачёт list; the judge's reason with each played round.

``questions.rejected`` holds the answers the author refuses even where the judge's rules would
accept them (``Question.rejected``); a game takes it into its snapshot with the rest of the
question. ``game_rounds.reason`` mirrors ``RoundResult.reason`` (a value of
``app.game.judging.reasons.Reason``), so the admin API shows why each verdict went its way.
It is NULL for rounds judged before reasons existed; rounds whose saved state already has one
are filled in from it.

Both columns are additions with defaults, so the previous release runs on this schema.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "questions",
        sa.Column("rejected", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
    )
    op.add_column("game_rounds", sa.Column("reason", sa.String(32), nullable=True))
    # Rounds saved since the judge gave reasons carry them in their game's state already.
    op.execute(
        """
        UPDATE game_rounds r SET reason = left(x.reason, 32)
        FROM games g, jsonb_to_recordset(
            CASE WHEN jsonb_typeof(g.state -> 'results') = 'array'
                 THEN g.state -> 'results' ELSE '[]'::jsonb END
        ) AS x(number int, reason text)
        WHERE g.id = r.game_id AND x.number = r.number AND x.reason IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_column("game_rounds", "reason")
    op.drop_column("questions", "rejected")
