"""Backoff for retries: how long to wait before the next attempt at anything that may fail."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff: attempt n waits uniform(0, min(cap, base * 2**n))."""

    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


__all__ = ["RetryPolicy"]
