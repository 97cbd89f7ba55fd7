"""Shared VK request log (one rate budget across processes); processing order of events.

``vk_request_log`` holds the last seconds of VK requests per token bucket, so every sender
process draws on one budget. ``processed_events`` gains a serial id and the chat it belonged
to, which records the order in which a chat's updates were applied.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vk_request_log",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("bucket", sa.String(64), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
    )
    op.create_index("ix_vk_request_log_bucket_at", "vk_request_log", ["bucket", "at"])
    op.add_column("processed_events", sa.Column("seq", sa.BigInteger(), sa.Identity()))
    op.add_column("processed_events", sa.Column("peer_id", sa.BigInteger()))
    op.create_index("ix_processed_events_peer_seq", "processed_events", ["peer_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_processed_events_peer_seq", table_name="processed_events")
    op.drop_column("processed_events", "peer_id")
    op.drop_column("processed_events", "seq")
    op.drop_table("vk_request_log")
