"""Durable timers: fire every due timer once, through the same per-chat lane as updates.

The runner sleeps until the earliest due timer (or until a commit in this process sets an
earlier one), then hands each due timer to its chat's lane. Firing happens in one transaction:
claim the row (FOR UPDATE SKIP LOCKED), delete it, apply the event, persist the actions. So a
timer fires exactly once in effect, also with several bot processes and across crashes; a
timer that came due while the bot was down fires as soon as it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.actions import Action
from app.aio import wait_any
from app.bot.effects import AfterCommit, persist
from app.bot.lanes import Lanes
from app.game.events import TimerFired
from app.repositories import timers
from app.repositories.timers import DueTimer

log = logging.getLogger(__name__)

ApplyTimer = Callable[[AsyncSession, int, TimerFired, datetime], Awaitable[Sequence[Action]]]

BATCH = 500
IDLE_CHECK = 1.0  # other processes' timers are noticed at least this often
RETRY_AFTER = timedelta(seconds=5)


class TimerRunner:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        lanes: Lanes,
        apply: ApplyTimer,
        after_commit: AfterCommit,
        *,
        idle_check: float = IDLE_CHECK,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._lanes = lanes
        self._apply = apply
        self._after_commit = after_commit
        self._idle_check = idle_check
        self._in_flight: set[int] = set()
        self._wakeup = asyncio.Event()
        self._sleep_until: datetime | None = None
        self.fired = 0

    def timer_set(self, due: datetime) -> None:
        """A commit set a timer: wake up if it is due before the current sleep ends."""
        if self._sleep_until is None or due < self._sleep_until:
            self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wakeup.clear()
            try:
                next_due = await self._dispatch_due()
            except Exception:
                log.exception("timer scan failed; retrying")
                next_due = None
            now = datetime.now(UTC)
            delay = self._idle_check
            if next_due is not None:
                delay = min(delay, max(0.0, (next_due - now).total_seconds()))
            self._sleep_until = now + timedelta(seconds=delay)
            await wait_any(stop, self._wakeup, seconds=delay)
            self._sleep_until = None

    async def _dispatch_due(self) -> datetime | None:
        """Hand due timers to their lanes; return when the next one is due."""
        async with self._sessionmaker() as session:
            due = await timers.due(session, datetime.now(UTC), BATCH)
            for timer in due:
                if timer.id not in self._in_flight:
                    self._in_flight.add(timer.id)
                    self._lanes.submit(timer.peer_id, lambda t=timer: self._fire(t))  # type: ignore[misc]
            if len(due) == BATCH:
                return datetime.now(UTC)
            return await timers.next_due_at(session)

    async def _fire(self, timer: DueTimer) -> None:
        extra = {"peer_id": timer.peer_id, "timer_id": timer.id}
        try:
            async with self._sessionmaker.begin() as session:
                claimed = await timers.claim(session, timer.id)
                if claimed is None:
                    return  # fired already, or another process is firing it right now
                await timers.remove(session, timer.id)
                now = datetime.now(UTC)
                fired = TimerFired(claimed.name, claimed.token)
                actions = await self._apply(session, claimed.peer_id, fired, now)
                effects = await persist(session, claimed.peer_id, actions)
            self.fired += 1
            metrics.TIMERS_FIRED.labels(claimed.name).inc()
            metrics.TIMER_LATENESS.observe(max(0.0, (now - claimed.due_at).total_seconds()))
            log.debug(
                "timer %s fired %.3fs late",
                claimed.name,
                (now - claimed.due_at).total_seconds(),
                extra=extra,
            )
            self._after_commit(effects)
        except Exception:
            log.exception("timer failed; retrying in %s", RETRY_AFTER, extra=extra)
            with contextlib.suppress(Exception):
                async with self._sessionmaker.begin() as session:
                    await timers.postpone(session, timer.id, datetime.now(UTC) + RETRY_AFTER)
        finally:
            self._in_flight.discard(timer.id)
