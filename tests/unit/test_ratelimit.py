"""The paced sliding-window limiter: never more than the rate in a window, requests a pace
apart, and a readiness wait that takes nothing."""

from __future__ import annotations

import itertools
import time

from app.vk.ratelimit import SlidingWindowLimiter


async def test_requests_leave_a_pace_apart_and_never_over_the_rate() -> None:
    limiter = SlidingWindowLimiter(4, window=0.1, margin=0.0)  # a pace of 25 ms
    taken = []
    for _ in range(9):
        await limiter.acquire()
        taken.append(time.monotonic())
    gaps = [later - earlier for earlier, later in itertools.pairwise(taken)]
    assert min(gaps) >= 0.025 - 0.002  # the clock's and the sleep's grain
    for i in range(len(taken) - 4):  # any 5 consecutive requests span at least the window
        assert taken[i + 4] - taken[i] >= 0.1 - 0.002
    assert limiter.waits > 0


async def test_a_lone_request_leaves_at_once() -> None:
    limiter = SlidingWindowLimiter(20)
    await limiter.acquire()
    assert limiter.waits == 0


async def test_ready_waits_for_the_pace_without_taking_the_slot() -> None:
    limiter = SlidingWindowLimiter(4, window=0.1, margin=0.0)
    await limiter.acquire()
    first = time.monotonic()
    await limiter.ready()
    assert time.monotonic() - first >= 0.025 - 0.002
    waits = limiter.waits
    await limiter.acquire()  # ready left the slot free: taken at once
    assert limiter.waits == waits
