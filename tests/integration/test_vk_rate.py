"""One VK budget for several processes: the shared limiter never lets 21 requests into 1 s."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.pool import Pool
from app.repositories import vk_rate
from app.vk.ratelimit import SharedLimiter, SlidingWindowLimiter

RATE = 20
WINDOW = 1.05


async def test_two_processes_share_one_budget(db: AsyncEngine, pool: Pool) -> None:
    def limiter() -> SharedLimiter:  # what each bot process builds for the same token
        async def try_take() -> float:
            return await vk_rate.try_take(pool, "bucket-a", RATE, WINDOW)

        # Unpaced, so that both really compete for the shared window.
        return SharedLimiter(try_take, SlidingWindowLimiter(RATE, paced=False))

    first, second = limiter(), limiter()
    await asyncio.gather(*(lim.acquire() for lim in (first, second) for _ in range(35)))

    async with db.connect() as conn:
        stamps = list(
            (
                await conn.execute(
                    text("SELECT at FROM vk_request_log WHERE bucket = 'bucket-a' ORDER BY at")
                )
            ).scalars()
        )
    assert len(stamps) == 70
    # Any RATE + 1 consecutive requests span more than a second.
    spans = [(stamps[i + RATE] - stamps[i]).total_seconds() for i in range(len(stamps) - RATE)]
    assert min(spans) >= 1.0
    assert first.waits + second.waits > 0  # they really had to wait for each other


async def test_buckets_are_independent_and_old_rows_go(db: AsyncEngine, pool: Pool) -> None:
    await pool.execute(
        "INSERT INTO vk_request_log (bucket, at) VALUES ('full', now() - interval '1 minute')"
    )
    for _ in range(RATE):
        assert await vk_rate.try_take(pool, "full", RATE, WINDOW) == 0
    assert 0 < await vk_rate.try_take(pool, "full", RATE, WINDOW) <= WINDOW
    assert await vk_rate.try_take(pool, "other", RATE, WINDOW) == 0
    async with db.connect() as conn:
        left = await conn.scalar(text("SELECT count(*) FROM vk_request_log WHERE bucket='full'"))
    assert left == RATE  # the entry older than the window's use was trimmed on the way
