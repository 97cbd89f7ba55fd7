"""Foundation: poller cursor, processed-event log, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "poller_cursor",
        sa.Column("group_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("ts", sa.String(64), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_processed_events_processed_at", "processed_events", ["processed_at"])
    # The outbox id is the messages.send random_id (int32 in VK). Start each installation's
    # sequence at a random offset so a re-created database never replays old random_ids.
    start = secrets.randbelow(2**30) + 1
    op.execute(sa.text(f"CREATE SEQUENCE outbox_id_seq START WITH {start} MAXVALUE 2147483647"))
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger(),
            sa.Sequence("outbox_id_seq"),
            primary_key=True,
            server_default=sa.text("nextval('outbox_id_seq')"),
        ),
        sa.Column("peer_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("params", postgresql.JSONB(), nullable=False),
        sa.Column("ref", sa.String(128)),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("conversation_message_id", sa.BigInteger()),
        sa.Column("last_error", sa.Text()),
    )
    op.execute(sa.text("ALTER SEQUENCE outbox_id_seq OWNED BY outbox.id"))
    op.create_index(
        "ix_outbox_pending_peer",
        "outbox",
        ["peer_id", "id"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_outbox_peer_ref",
        "outbox",
        ["peer_id", "ref"],
        postgresql_where=sa.text("ref IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("processed_events")
    op.drop_table("poller_cursor")
