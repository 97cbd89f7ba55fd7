"""The shared VK request budget: a short log of requests per token bucket.

One statement per request (the function ``znatoki_take_vk_slot`` of migration 0006): the
paced sender sends at most ``VK_RATE_LIMIT`` requests a second whatever the load, so this is
at most 20 cheap statements a second for the whole bot.
"""

from __future__ import annotations

from typing import Any


async def try_take(pool: Any, bucket: str, rate: int, window: float) -> float:
    """Take one request slot: 0 when taken, else the seconds until one frees up.

    ``pool`` is an asyncpg pool or connection. The function serialises the check-and-insert
    across every process with an advisory lock per bucket.
    """
    wait = await pool.fetchval("SELECT znatoki_take_vk_slot($1, $2, $3)", bucket, rate, window)
    return float(wait)
