"""A paced sliding-window limiter that keeps this process under VK's requests-per-second budget.

VK counts requests per token in any one-second window and answers error 6 beyond the limit;
spending the budget evenly (and batching with ``execute``) is cheaper than retrying.

Pacing: besides the window, consecutive requests are at least ``window / rate`` apart. A lone
request still leaves at once, but under load the budget is spread evenly over the second (one
request every 52 ms at 20/s) instead of being spent in a burst and then waited out for the
rest of the window; the sender, which takes the slot *before* it gathers its batch, then
carries everything that became ready meanwhile in that one request (up to 25 calls).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from app import metrics


class RateLimiter(Protocol):
    async def acquire(self) -> None:
        """Wait until one more request fits in the budget, then take it."""


class SlidingWindowLimiter:
    def __init__(
        self, rate: int, window: float = 1.0, margin: float = 0.05, *, paced: bool = True
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._rate = rate
        # The margin absorbs the gap between our clock and the moment VK counts the request.
        self._window = window + margin
        self._spacing = self._window / rate if paced else 0.0
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.waits = 0

    async def acquire(self) -> None:
        """Wait until one more request fits in the window and its pace, then take the slot."""
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self._window:
                    self._sent.popleft()
                wait = 0.0
                if len(self._sent) >= self._rate:
                    wait = self._window - (now - self._sent[0])
                if self._sent:
                    wait = max(wait, self._spacing - (now - self._sent[-1]))
                if wait <= 0:
                    self._sent.append(now)
                    return
                self.waits += 1
                metrics.VK_RATE_WAITS.inc()
                await asyncio.sleep(wait)


TryTake = Callable[[], Awaitable[float]]


class SharedLimiter:
    """One budget for every process using the token, kept by a shared store (Postgres).

    ``try_take`` takes a slot and returns 0, or returns how long to wait before the next try.
    The local limiter in front keeps this process from asking the store more than it could use.
    """

    def __init__(self, try_take: TryTake, local: SlidingWindowLimiter) -> None:
        self._try_take = try_take
        self._local = local
        self.waits = 0

    async def acquire(self) -> None:
        await self._local.acquire()
        while (wait := await self._try_take()) > 0:
            self.waits += 1
            metrics.VK_RATE_WAITS.inc()
            await asyncio.sleep(wait)
