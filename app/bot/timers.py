"""Durable timers: due times in memory, truth in Postgres, every timer fired once.

Each bot keeps the timers it may fire in a heap ordered by due time: loaded at start (the
timers of the chats whose shards it prefers), and fed by its own commits, which hand over the
timers they set. It sleeps until the earliest one, then submits every due timer to the batcher,
which fires it through the same group-commit path as updates: the timer's row is deleted in
the transaction that applies it (``FOR UPDATE SKIP LOCKED``), so a timer fires exactly once in
effect, also with several bots racing for it and across crashes.

A slow sweep claims any timer that is overdue by more than ``grace`` although no heap had it
(its bot died, or it belongs to another bot's shards), so none is orphaned.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from app.broker.errors import is_outage
from app.db.pool import Pool
from app.loops import wait_any
from app.repositories import timers
from app.repositories.timers import DueTimer

log = logging.getLogger(__name__)

Submit = Callable[[DueTimer], "asyncio.Future[str]"]
Mine = Callable[[int], bool]  # does this bot load the timers of this chat at start?

SWEEP_EVERY = 1.0
GRACE = timedelta(seconds=1)
RETRY_AFTER = timedelta(seconds=5)


class TimerRunner:
    def __init__(
        self,
        pool: Pool,
        submit: Submit,
        *,
        mine: Mine = lambda peer_id: True,
        sweep_every: float = SWEEP_EVERY,
        grace: timedelta = GRACE,
    ) -> None:
        self._pool = pool
        self._submit = submit
        self._mine = mine
        self._sweep_every = sweep_every
        self._grace = grace
        self._heap: list[tuple[datetime, int, DueTimer]] = []
        self._known: set[int] = set()  # in the heap or being fired
        self._wakeup = asyncio.Event()
        self._postponing: set[asyncio.Task[None]] = set()
        self.fired = 0

    def add(self, found: Iterable[DueTimer]) -> None:
        """Timers to fire when due (from a commit, the start-up load or the sweep)."""
        earliest = self._heap[0][0] if self._heap else None
        for timer in found:
            if timer.id not in self._known:
                self._known.add(timer.id)
                heapq.heappush(self._heap, (timer.due_at, timer.id, timer))
        if self._heap and (earliest is None or self._heap[0][0] < earliest):
            self._wakeup.set()

    def __len__(self) -> int:
        return len(self._heap)

    async def run(self, stop: asyncio.Event) -> None:
        loaded = False
        next_sweep = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            if loop.time() >= next_sweep:
                try:
                    if not loaded:
                        self.add(await timers.load_all(self._pool, self._mine))
                        loaded = True
                    else:
                        overdue = datetime.now(UTC) - self._grace
                        self.add(await timers.overdue(self._pool, overdue, self._known))
                except Exception:
                    log.exception("timer scan failed; retrying")
                next_sweep = loop.time() + self._sweep_every
            self._wakeup.clear()
            self._fire_due()
            delay = next_sweep - loop.time()
            if self._heap:
                ahead = (self._heap[0][0] - datetime.now(UTC)).total_seconds()
                delay = min(delay, ahead)
            if delay > 0:
                await wait_any(stop, self._wakeup, seconds=delay)

    def _fire_due(self) -> None:
        now = datetime.now(UTC)
        while self._heap and self._heap[0][0] <= now:
            _, _, timer = heapq.heappop(self._heap)
            self._submit(timer).add_done_callback(functools.partial(self._settled, timer))

    def _settled(self, timer: DueTimer, done: asyncio.Future[str]) -> None:
        self._known.discard(timer.id)
        exc = done.exception()
        if exc is None:
            if done.result() == "fired":
                self.fired += 1
            return
        if is_outage(exc):
            return  # stopping while Postgres is away: the row stays, the next start fires it
        log.error(
            "timer failed; retrying in %s",
            RETRY_AFTER,
            exc_info=exc,
            extra={"peer_id": timer.peer_id, "timer_id": timer.id},
        )
        task = asyncio.create_task(self._postpone(timer))
        self._postponing.add(task)
        task.add_done_callback(self._postponing.discard)

    async def _postpone(self, timer: DueTimer) -> None:
        """Push back a timer whose handling failed, so a bug cannot make it spin."""
        due = datetime.now(UTC) + RETRY_AFTER
        try:
            if await timers.postpone(self._pool, timer.id, due):
                self.add([DueTimer(timer.id, timer.peer_id, timer.name, timer.token, due)])
        except Exception:
            log.exception("could not postpone timer %s; the sweep will retry it", timer.id)
