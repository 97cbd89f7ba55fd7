"""A paced sliding-window limiter that keeps this process under VK's requests-per-second budget.

VK counts requests per token in any one-second window and answers error 6 beyond the limit;
spending the budget evenly (and batching with ``execute``) is cheaper than retrying.

Pacing: besides the window, consecutive requests are at least ``window / rate`` apart. A lone
request still leaves at once, but under load the budget is spread evenly over the second (one
request every 52 ms at 20/s) instead of being spent in a burst and then waited out for the
rest of the window. The sender waits until a slot is :meth:`~RateLimiter.ready`, gathers
everything that became ready meanwhile (up to 25 calls) and only then takes the slot, right
before the request leaves: a slot taken long before its request (while the batch was read
from the database on a busy machine) would let two requests reach VK closer than the pace.
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

    async def ready(self) -> None:
        """Wait until a request would fit, without taking it (so that what is sent can be
        gathered meanwhile and the slot taken right before the request leaves)."""


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

    def _wait(self, now: float) -> float:
        """Seconds until one more request fits in the window and its pace (0: now)."""
        while self._sent and now - self._sent[0] >= self._window:
            self._sent.popleft()
        wait = 0.0
        if len(self._sent) >= self._rate:
            wait = self._window - (now - self._sent[0])
        if self._sent:
            wait = max(wait, self._spacing - (now - self._sent[-1]))
        return wait

    async def acquire(self) -> None:
        """Wait until one more request fits in the window and its pace, then take the slot."""
        async with self._lock:
            while (wait := self._wait(time.monotonic())) > 0:
                self.waits += 1
                metrics.VK_RATE_WAITS.inc()
                await asyncio.sleep(wait)
            self._sent.append(time.monotonic())

    async def ready(self) -> None:
        wait = self._wait(time.monotonic())
        while wait > 0:  # the window only moves with time: nothing to wait on but the clock
            await asyncio.sleep(wait)
            wait = self._wait(time.monotonic())


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

    async def ready(self) -> None:
        await self._local.ready()

    async def acquire(self) -> None:
        await self._local.acquire()
        while (wait := await self._try_take()) > 0:
            self.waits += 1
            metrics.VK_RATE_WAITS.inc()
            await asyncio.sleep(wait)
