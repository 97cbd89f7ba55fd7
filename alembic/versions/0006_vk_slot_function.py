"""The shared VK request budget in one round trip: ``znatoki_take_vk_slot``.

Before, every VK request took its slot in a transaction of five round trips (begin, advisory
lock, count-and-insert, commit) and waited for the commit's disk flush. The function does the
same in one statement: it serialises the bucket with a transaction-level advisory lock, counts
the bucket's requests in the window with a fresh snapshot (each statement of a volatile
function takes one, so the count sees what committed while it waited for the lock), records
the request, trims the bucket's old entries and commits without waiting for the disk
(``synchronous_commit`` off for this transaction only: a log entry lost in a crash frees a
slot a second early at worst, and VK would answer error 6, which is retried).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION znatoki_take_vk_slot(p_bucket text, p_rate int, p_window float8)
        RETURNS float8 LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            taken int;
            oldest timestamptz;
        BEGIN
            PERFORM set_config('synchronous_commit', 'off', true);
            PERFORM pg_advisory_xact_lock(hashtext(p_bucket));
            SELECT count(*), min(at) INTO taken, oldest FROM vk_request_log
            WHERE bucket = p_bucket AND at > clock_timestamp() - make_interval(secs => p_window);
            IF taken >= p_rate THEN
                RETURN greatest(0.001, EXTRACT(EPOCH FROM
                    oldest + make_interval(secs => p_window) - clock_timestamp()));
            END IF;
            INSERT INTO vk_request_log (bucket) VALUES (p_bucket);
            DELETE FROM vk_request_log
            WHERE bucket = p_bucket AND at < clock_timestamp() - interval '10 seconds';
            RETURN 0;
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION znatoki_take_vk_slot(text, int, float8)")
