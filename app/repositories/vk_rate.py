"""The shared VK request budget: a short log of requests per token bucket."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:bucket))")
_TAKE = text(
    """
    WITH recent AS (
        SELECT count(*) AS n, min(at) AS oldest
        FROM vk_request_log
        WHERE bucket = :bucket AND at > clock_timestamp() - make_interval(secs => :window)
    ),
    taken AS (
        INSERT INTO vk_request_log (bucket) SELECT :bucket FROM recent WHERE n < :rate
        RETURNING 1
    )
    SELECT n < :rate,
           EXTRACT(EPOCH FROM oldest + make_interval(secs => :window) - clock_timestamp())
    FROM recent
    """
)
_FORGET = text(
    "DELETE FROM vk_request_log WHERE bucket = :bucket "
    "AND at < clock_timestamp() - make_interval(secs => :keep)"
)


async def try_take(engine: AsyncEngine, bucket: str, rate: int, window: float) -> float:
    """Take one request slot: 0 when taken, else the seconds until one frees up.

    An advisory lock per bucket serialises the check-and-insert across every process. It is
    taken in its own statement: a statement sees the data as of its start, so the count must
    come after the lock is held, or it would miss the requests committed while it waited.
    """
    async with engine.begin() as conn:
        await conn.execute(_LOCK, {"bucket": bucket})
        row = (await conn.execute(_TAKE, {"bucket": bucket, "rate": rate, "window": window})).one()
    taken, wait = row
    return 0.0 if taken else max(0.001, float(wait or 0.0))


async def forget_old(engine: AsyncEngine, bucket: str, keep: float = 10.0) -> None:
    async with engine.begin() as conn:
        await conn.execute(_FORGET, {"bucket": bucket, "keep": keep})
