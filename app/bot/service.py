"""The bot service: consumer, timers and outbox sender around one batcher.

Updates (from RabbitMQ) and timer firings (from the timer heap) of every chat go through the
same :class:`~app.bot.batcher.Batcher`: one chat's work is applied in order, many chats' work
shares a transaction (:class:`~app.bot.applier.Applier`). The chat row lock serialises a
chat across processes. Committed outbox rows and timers are handed to the sender and the
timer runner in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import aiohttp
from aio_pika.abc import AbstractQueue
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import metrics
from app.bot.appeal_router import AppealRouter
from app.bot.applier import AbandonWork, Applier, ShownWork, TimerWork, UpdateWork, Work
from app.bot.batcher import Batcher
from app.bot.consumer import UpdateConsumer
from app.bot.game_router import GameRouter
from app.bot.housekeeping import run_housekeeping
from app.bot.leaderboard_router import LeaderboardRouter
from app.bot.names import NameResolver
from app.bot.pack_router import PackRouter
from app.bot.router import FallbackRouter, HelpRouter, Router
from app.bot.sender import OutboxSender
from app.bot.timers import TimerRunner
from app.broker import topology
from app.broker.connection import open_topology
from app.db.engine import create_engine, create_sessionmaker
from app.db.pool import Pool, create_pool
from app.game import judge
from app.internal_updates import Incoming, appeal_decided, parse_incoming
from app.loops import run_every, wait_any
from app.ops_endpoints import serve_ops
from app.repositories import appeals as appeal_rows
from app.repositories import gauges
from app.repositories.batch import Persisted
from app.repositories.timers import DueTimer
from app.retry import RetryPolicy
from app.settings import Settings
from app.vk.client import VKClient
from app.vk.factory import make_vk_client

log = logging.getLogger(__name__)

BROKER_BACKOFF = RetryPolicy(attempts=0, base_delay=0.5, max_delay=10.0)
# Batches in flight at once (a connection each) and the most work items one may carry. Two,
# not more: while both are in flight the next events queue up and go as one bigger batch (one
# commit, four round trips for all of them). Measured over 1,000 chats: 175 events/s with two
# against 62.5 with four, which committed small batches and kept Postgres busier per event.
MAX_CONCURRENT_BATCHES = 2
MAX_BATCH = 100
APPEAL_SWEEP_SECONDS = 10.0
APPEAL_SWEEP_GRACE = timedelta(seconds=10)  # the admin API's own publish goes first

REQUIRED = ("DATABASE_URL", "AMQP_URL", "VK_TOKEN", "VK_GROUP_ID")


class Bot:
    """Everything of the bot except the broker, so tests can drive it directly too."""

    def __init__(self, settings: Settings, engine: AsyncEngine, pool: Pool, vk: VKClient) -> None:
        self._sessionmaker = sessionmaker = create_sessionmaker(engine)
        self._pool = pool
        self.game = GameRouter(settings.game_defaults(), NameResolver(vk, sessionmaker))
        self.sender = OutboxSender(
            pool, vk, on_peer_lost=self.peer_lost, on_shown=self.message_shown
        )
        routers: list[Router] = [
            HelpRouter(settings.group_id),
            PackRouter(),
            AppealRouter(vk),
            LeaderboardRouter(),
            self.game,
            FallbackRouter(),
        ]
        self.applier = Applier(pool, routers, self.game, self.after_commit)
        self.batcher: Batcher[Work, str] = Batcher(
            self.applier, max_batch=MAX_BATCH, max_concurrent=MAX_CONCURRENT_BATCHES
        )
        shards, preferred = settings.update_shards, settings.preferred_shards
        self.timers = TimerRunner(
            pool,
            self.submit_timer,
            mine=lambda peer_id: topology.shard_of(peer_id, shards) in preferred,
        )
        self.broker_connected = False
        self._group_id = settings.group_id

    def submit_update(self, update: Incoming) -> asyncio.Future[str]:
        return self.batcher.submit(update.peer_id, UpdateWork(update))

    def submit_timer(self, timer: DueTimer) -> asyncio.Future[str]:
        return self.batcher.submit(timer.peer_id, TimerWork(timer))

    async def database_ready(self) -> bool:
        return bool(await self._pool.fetchval("SELECT 1"))

    async def broker_ready(self) -> bool:
        return self.broker_connected

    async def peer_lost(self, peer_id: int) -> None:
        """VK refused the chat for good: end its game in the chat's order, like an event."""

        def done(future: asyncio.Future[str]) -> None:
            if future.exception() is None:
                log.warning("chat is unreachable: its game was ended", extra={"peer_id": peer_id})
            else:
                log.error(
                    "could not end the game of an unreachable chat", extra={"peer_id": peer_id}
                )

        self.batcher.submit(peer_id, AbandonWork(peer_id)).add_done_callback(done)

    def message_shown(self, peer_id: int, ref: str, at: datetime) -> None:
        """VK took a question: the game starts its discussion clock from ``at``."""

        def done(future: asyncio.Future[str]) -> None:
            if future.exception() is not None:  # the round keeps its original deadline
                log.warning("could not report a shown message", extra={"peer_id": peer_id})

        self.batcher.submit(peer_id, ShownWork(peer_id, ref, at)).add_done_callback(done)

    async def sweep_appeals(self) -> None:
        """Apply appeal decisions taken through the API whose update never arrived (the
        admin API committed the decision, then could not publish): the same update again."""
        cutoff = datetime.now(UTC) - APPEAL_SWEEP_GRACE
        for appeal_id, peer_id in await appeal_rows.unapplied(self._pool, cutoff):
            log.warning(
                "applying a decided appeal the bot never received", extra={"peer_id": peer_id}
            )
            raw = appeal_decided(peer_id=peer_id, appeal_id=appeal_id, group_id=self._group_id)
            await self.submit_update(parse_incoming(raw))

    def after_commit(self, persisted: Persisted) -> None:
        """Hand the batch's new outbox rows and timers over in memory (no read-back)."""
        if persisted.outbox:
            self.sender.add(persisted.outbox)
        if persisted.timers:
            self.timers.add(persisted.timers)


Consume = Callable[[Settings, "Bot", asyncio.Event], Awaitable[None]]


async def run_bot(settings: Settings, stop: asyncio.Event) -> None:
    """The production bot: updates come from RabbitMQ."""
    await serve_bot(settings, stop, consume)


async def serve_bot(settings: Settings, stop: asyncio.Event, consume_updates: Consume) -> None:
    """Run the bot around any source of updates (RabbitMQ, or an in-process queue)."""
    engine = create_engine(settings.dsn, pool_size=2)  # names, gauges, housekeeping
    # The hot path: a connection per concurrent batch, the sender's lock and records, sweeps.
    pool = await create_pool(settings.dsn, size=MAX_CONCURRENT_BATCHES + 6)
    # The shared rate budget gets connections of its own: a VK call must never wait for a
    # pool that busy batches have exhausted.
    budget_pool = await create_pool(settings.dsn, size=2)
    stop_sending = asyncio.Event()  # set only once no more outbox rows can appear
    await asyncio.to_thread(judge.load_dictionaries)  # not inside the first answer's transaction
    try:
        async with aiohttp.ClientSession() as http:
            bot = Bot(settings, engine, pool, make_vk_client(settings, http, budget_pool))
            sender_task = asyncio.create_task(bot.sender.run(stop_sending), name="outbox-sender")
            timers_task = asyncio.create_task(bot.timers.run(stop), name="timers")
            housekeeping = asyncio.create_task(
                run_housekeeping(create_sessionmaker(engine), stop), name="housekeeping"
            )
            gauge_task = asyncio.create_task(refresh_gauges(bot._sessionmaker, stop), name="gauges")
            appeals_task = asyncio.create_task(
                run_every(APPEAL_SWEEP_SECONDS, bot.sweep_appeals, stop, what="appeals", log=log),
                name="appeals-sweep",
            )
            ops = await serve_ops(
                settings.metrics_host,
                settings.metrics_port,
                {"database": bot.database_ready, "broker": bot.broker_ready},
            )
            await consume_updates(settings, bot, stop)
            await gauge_task
            await appeals_task
            if ops is not None:
                await ops.cleanup()
            log.info("stopping: finishing in-flight updates")
            await timers_task
            await housekeeping
            bot.batcher.close()
            await bot.batcher.join()
            stop_sending.set()
            await sender_task  # delivers what the last updates queued, within a grace period
    finally:
        await engine.dispose()
        await pool.close()
        await budget_pool.close()


async def consume(settings: Settings, bot: Bot, stop: asyncio.Event) -> None:
    """Consume updates until ``stop``, reconnecting to RabbitMQ whenever the connection drops.

    Timers and the outbox sender need only Postgres and VK, so games go on between reconnects
    as far as they can without new updates.
    """
    failures = 0
    names = topology.Names(settings.amqp_prefix)
    while not stop.is_set():
        try:
            connection, declared, lost = await open_topology(
                settings.broker_url,
                settings.update_shards,
                names,
                settings.retry_delays,
                prefetch=settings.bot_prefetch,
            )
        except Exception as exc:
            failures += 1
            delay = BROKER_BACKOFF.delay(min(failures, 6))
            log.warning("RabbitMQ unavailable (%s); retry in %.1fs", exc, delay)
            await wait_any(stop, seconds=delay)
            continue
        failures = 0
        consumer = UpdateConsumer(declared, bot.submit_update)
        try:
            preferred = settings.preferred_shards
            queues = declared.shard_queues
            await consumer.start([q for n, q in enumerate(queues) if n in preferred])
            bot.broker_connected = True
            log.info("consuming %d shard queues", len(preferred))
            dlq_gauge = asyncio.create_task(_watch_dead_letters(declared, stop, lost))
            standby = [q for n, q in enumerate(queues) if n not in preferred]
            await _standby(consumer, standby, settings.bot_standby_delay, stop, lost)
            await wait_any(stop, lost, seconds=math.inf)
            await dlq_gauge
            if lost.is_set() and not stop.is_set():
                log.warning("lost the RabbitMQ connection; reconnecting")
        except Exception:
            log.exception("consumer failed; reconnecting")
        finally:
            bot.broker_connected = False
            if not lost.is_set():
                await consumer.stop()
            await bot.batcher.join()  # finish what was delivered (acks fail if the link is gone)
            with contextlib.suppress(Exception):
                await connection.close()


async def refresh_gauges(
    sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event, every: float = 10.0
) -> None:
    """Keep the gauges that need a query (active games, pending timers and calls) current."""

    async def refresh() -> None:
        async with sessionmaker() as session:
            found = await gauges.counts(session)
        metrics.ACTIVE_GAMES.set(found.active_games)
        metrics.TIMERS_PENDING.set(found.timers_pending)
        metrics.OUTBOX_PENDING.set(found.outbox_pending)

    await run_every(every, refresh, stop, what="gauge refresh", log=log, quiet=True)


async def _watch_dead_letters(
    declared: topology.Topology, stop: asyncio.Event, lost: asyncio.Event, every: float = 15.0
) -> None:
    async def measure() -> None:
        result = await declared.dead_letter_queue.declare()
        metrics.DLQ_SIZE.set(result.message_count or 0)

    await run_every(every, measure, stop, lost, what="dead-letter queue size", log=log, quiet=True)


async def _standby(
    consumer: UpdateConsumer,
    queues: list[AbstractQueue],
    delay: float,
    stop: asyncio.Event,
    lost: asyncio.Event,
) -> None:
    """Subscribe to the other shards after a delay, as the stand-by for their owners.

    Each shard queue has a single active consumer: the first subscriber gets it and the
    others take over, in order, when it goes away. Subscribing to non-preferred shards late
    lets bots started together with different BOT_SHARDS split the shards between them, while
    every bot can still take over any shard whose owner dies.
    """
    if not queues:
        return
    await wait_any(stop, lost, seconds=delay)
    if not stop.is_set() and not lost.is_set():
        await consumer.start(queues)
        log.info("standing by for %d more shard queues", len(queues))
