"""Durable timers: each due timer fires exactly once, even with two runners competing."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.actions import Action, SetTimer
from app.bot.effects import Effects
from app.bot.lanes import Lanes
from app.bot.timers import TimerRunner
from app.db.engine import create_sessionmaker
from app.game.events import TimerFired
from app.repositories import timers
from tests.helpers import wait_until


async def test_every_timer_fires_once_across_two_runners(db: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(db)
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        for n in range(300):
            # Overdue ones (a bot that was down) and ones due in the next moment.
            due = now + timedelta(milliseconds=(n % 10) * 30 - 150)
            await timers.add(session, 1000 + n % 40, SetTimer("t", due, f"token-{n}"))

    fired: Counter[str] = Counter()

    async def apply(
        session: AsyncSession, peer_id: int, event: TimerFired, at: datetime
    ) -> Sequence[Action]:
        fired[event.token] += 1
        return []

    def after_commit(effects: Effects) -> None:
        pass

    stop = asyncio.Event()
    runners = [
        TimerRunner(sessionmaker, Lanes(), apply, after_commit, idle_check=0.05) for _ in range(2)
    ]
    tasks = [asyncio.create_task(runner.run(stop)) for runner in runners]

    async def all_fired() -> bool:
        async with db.connect() as conn:
            return await conn.scalar(text("SELECT count(*) FROM timers")) == 0

    await wait_until(all_fired, what="every timer fired")
    stop.set()
    await asyncio.gather(*tasks)
    assert len(fired) == 300
    assert set(fired.values()) == {1}
    assert sum(runner.fired for runner in runners) == 300


async def test_a_failing_timer_is_postponed_not_lost(db: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(db)
    due = datetime.now(UTC) - timedelta(seconds=1)
    async with sessionmaker.begin() as session:
        await timers.add(session, 7, SetTimer("boom", due, "tok"))

    async def apply(
        session: AsyncSession, peer_id: int, event: TimerFired, at: datetime
    ) -> Sequence[Action]:
        raise RuntimeError("a bug in a handler")

    stop = asyncio.Event()
    runner = TimerRunner(sessionmaker, Lanes(), apply, lambda effects: None, idle_check=0.05)
    task = asyncio.create_task(runner.run(stop))

    async def postponed() -> bool:
        async with db.connect() as conn:
            at = await conn.scalar(text("SELECT due_at FROM timers"))
        return at is not None and at > datetime.now(UTC)

    await wait_until(postponed, what="the failing timer to be pushed back")
    stop.set()
    await task
    assert runner.fired == 0
