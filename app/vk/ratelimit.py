"""A sliding-window limiter that keeps this process under VK's requests-per-second budget.

VK counts requests per token in any one-second window and answers error 6 beyond the limit;
spending the budget evenly (and batching with ``execute``) is cheaper than retrying.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class SlidingWindowLimiter:
    def __init__(self, rate: int, window: float = 1.0, margin: float = 0.05) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._rate = rate
        # The margin absorbs the gap between our clock and the moment VK counts the request.
        self._window = window + margin
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.waits = 0

    async def acquire(self) -> None:
        """Wait until one more request fits in the window, then take the slot."""
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self._window:
                    self._sent.popleft()
                if len(self._sent) < self._rate:
                    self._sent.append(now)
                    return
                self.waits += 1
                await asyncio.sleep(self._window - (now - self._sent[0]))
