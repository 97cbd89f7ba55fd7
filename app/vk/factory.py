"""Build the VK client every service uses, with its share of the token's request budget."""

from __future__ import annotations

import hashlib

import aiohttp

from app.db.pool import Pool
from app.repositories import vk_rate
from app.retry import RetryPolicy
from app.settings import Settings
from app.vk.client import VKClient
from app.vk.ratelimit import RateLimiter, SharedLimiter, SlidingWindowLimiter

WINDOW = 1.05  # VK's one-second window, with a margin for clock and network skew


def make_vk_client(
    settings: Settings, session: aiohttp.ClientSession, pool: Pool | None = None
) -> VKClient:
    return VKClient(
        session,
        settings.token,
        api_url=settings.vk_api_url,
        version=settings.vk_api_version,
        retry=RetryPolicy(attempts=3),
        limiter=make_limiter(settings, pool),
    )


def make_limiter(settings: Settings, pool: Pool | None) -> RateLimiter:
    """VK counts requests per token, so by default all processes share one budget."""
    local = SlidingWindowLimiter(settings.vk_rate_limit)
    if settings.vk_rate_limit_scope == "process" or pool is None:
        return local
    bucket = hashlib.sha256(settings.token.encode()).hexdigest()[:16]  # never the token

    async def try_take() -> float:
        return await vk_rate.try_take(pool, bucket, settings.vk_rate_limit, WINDOW)

    return SharedLimiter(try_take, local)
