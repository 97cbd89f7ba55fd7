"""Durable timers: each due timer fires exactly once, even with two runners competing.

The runners are the real ones (heap, start-up load, sweep) feeding the real batcher and
applier; only the game is a stand-in that counts what fired.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.actions import Action, SetTimer
from app.bot.applier import Applier, TimerWork, Work
from app.bot.batcher import Batcher
from app.bot.chat_tx import ChatTx
from app.bot.timers import TimerRunner
from app.db.engine import create_sessionmaker
from app.db.pool import Pool
from app.game.events import MessageShown, TimerFired
from app.repositories import timers
from tests.helpers import wait_until


class CountingGame:
    """Counts firings per token; ``fail`` makes every firing raise (a bug in the game)."""

    def __init__(self, fired: Counter[str], fail: bool = False) -> None:
        self.fired = fired
        self.fail = fail

    async def apply_timer(self, chat: ChatTx, fired: TimerFired, now: datetime) -> Sequence[Action]:
        if self.fail:
            raise RuntimeError("a bug in a handler")
        self.fired[fired.token] += 1
        return []

    async def abandon(self, chat: ChatTx, now: datetime) -> Sequence[Action]:
        return []

    async def shown(self, chat: ChatTx, event: MessageShown, now: datetime) -> Sequence[Action]:
        return []


Start = Callable[..., TimerRunner]


@pytest.fixture
async def start_runner(pool: Pool) -> AsyncIterator[Start]:
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    def start(game: CountingGame, **options: object) -> TimerRunner:
        applier = Applier(pool, [], game, lambda persisted: None)
        batcher: Batcher[Work, str] = Batcher(applier, max_batch=50)
        runner = TimerRunner(
            pool,
            lambda timer: batcher.submit(timer.peer_id, TimerWork(timer)),
            sweep_every=0.05,
            **options,  # type: ignore[arg-type]
        )
        tasks.append(asyncio.create_task(runner.run(stop)))
        return runner

    yield start
    stop.set()
    await asyncio.gather(*tasks)


async def add_timers(db: AsyncEngine, due: Sequence[tuple[int, datetime, str]]) -> None:
    async with create_sessionmaker(db).begin() as session:
        for peer_id, at, token in due:
            await timers.add(session, peer_id, SetTimer("t", at, token))


async def no_timers_left(db: AsyncEngine) -> bool:
    async with db.connect() as conn:
        return bool(await conn.scalar(text("SELECT count(*) FROM timers")) == 0)


async def test_every_timer_fires_once_across_two_runners(
    db: AsyncEngine, start_runner: Start
) -> None:
    now = datetime.now(UTC)
    # Overdue ones (a bot that was down) and ones due in the next moment.
    await add_timers(
        db,
        [
            (1000 + n % 40, now + timedelta(milliseconds=(n % 10) * 30 - 150), f"token-{n}")
            for n in range(300)
        ],
    )
    fired: Counter[str] = Counter()
    runners = [start_runner(CountingGame(fired)) for _ in range(2)]  # both load every timer

    await wait_until(lambda: no_timers_left(db), what="every timer fired")
    assert len(fired) == 300
    assert set(fired.values()) == {1}
    assert sum(runner.fired for runner in runners) == 300


async def test_an_overdue_timer_no_heap_holds_is_swept(
    db: AsyncEngine, start_runner: Start
) -> None:
    fired: Counter[str] = Counter()
    # This runner loads no chat's timers at start (another bot's shards)...
    runner = start_runner(CountingGame(fired), mine=lambda peer_id: False)
    # ...but claims a timer that is overdue by more than the grace and that nobody fired.
    await add_timers(db, [(7, datetime.now(UTC) - timedelta(seconds=5), "orphan")])
    await wait_until(lambda: no_timers_left(db), what="the orphaned timer fired")
    assert fired == Counter({"orphan": 1})
    assert runner.fired == 1


async def test_a_failing_timer_is_postponed_not_lost(db: AsyncEngine, start_runner: Start) -> None:
    await add_timers(db, [(7, datetime.now(UTC) - timedelta(seconds=1), "tok")])
    runner = start_runner(CountingGame(Counter(), fail=True))

    async def postponed() -> bool:
        async with db.connect() as conn:
            at = await conn.scalar(text("SELECT due_at FROM timers"))
        return at is not None and at > datetime.now(UTC)

    await wait_until(postponed, what="the failing timer to be pushed back")
    assert runner.fired == 0
