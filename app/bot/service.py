"""The bot service: consumer, timers and outbox sender around one per-chat lane set.

Updates (from RabbitMQ) and timer firings (from Postgres) for one chat pass through the same
lane, so they are applied one at a time, in order; the chat row lock does the same across
processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
from aio_pika.abc import AbstractQueue
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import metrics
from app.aio import wait_any
from app.bot.consumer import UpdateConsumer
from app.bot.effects import Effects
from app.bot.game_router import GameRouter
from app.bot.handler import UpdateHandler
from app.bot.housekeeping import run_housekeeping
from app.bot.lanes import Lanes
from app.bot.names import NameResolver
from app.bot.router import FallbackRouter, HelpRouter, Router
from app.bot.sender import OutboxSender
from app.bot.timers import TimerRunner
from app.broker import topology
from app.broker.connection import open_topology
from app.db.engine import create_engine, create_sessionmaker
from app.game import config
from app.ops import serve_ops
from app.repositories import live, vk_rate
from app.settings import Settings
from app.vk.client import RetryPolicy, VKClient
from app.vk.ratelimit import RateLimiter, SharedLimiter, SlidingWindowLimiter

log = logging.getLogger(__name__)

BROKER_BACKOFF = RetryPolicy(attempts=0, base_delay=0.5, max_delay=10.0)
WINDOW = 1.05  # VK's one-second window, with a margin for clock and network skew

REQUIRED = ("DATABASE_URL", "AMQP_URL", "VK_TOKEN", "VK_GROUP_ID")


def make_vk_client(
    settings: Settings, session: aiohttp.ClientSession, engine: AsyncEngine | None = None
) -> VKClient:
    return VKClient(
        session,
        settings.token,
        api_url=settings.vk_api_url,
        version=settings.vk_api_version,
        retry=RetryPolicy(attempts=3),
        limiter=make_limiter(settings, engine),
    )


def make_limiter(settings: Settings, engine: AsyncEngine | None) -> RateLimiter:
    """VK counts requests per token, so by default all processes share one budget."""
    local = SlidingWindowLimiter(settings.vk_rate_limit)
    if settings.vk_rate_limit_scope == "process" or engine is None:
        return local
    bucket = hashlib.sha256(settings.token.encode()).hexdigest()[:16]  # never the token
    taken = 0

    async def try_take() -> float:
        nonlocal taken
        taken += 1
        if taken % 500 == 0:
            await vk_rate.forget_old(engine, bucket)
        return await vk_rate.try_take(engine, bucket, settings.vk_rate_limit, WINDOW)

    return SharedLimiter(try_take, local)


class Bot:
    """Everything of the bot except the broker, so tests can drive it directly too."""

    def __init__(self, settings: Settings, engine: AsyncEngine, vk: VKClient) -> None:
        self._sessionmaker = sessionmaker = create_sessionmaker(engine)
        self.lanes = Lanes()
        self.game = GameRouter(config.defaults_from(settings), NameResolver(vk, sessionmaker))
        self.sender = OutboxSender(engine, vk, on_peer_lost=self.peer_lost)
        routers: list[Router] = [HelpRouter(settings.group_id), self.game, FallbackRouter()]
        self.handler = UpdateHandler(
            sessionmaker, routers, self.after_commit, prepare=self.game.prepare
        )
        self.broker_connected = False
        self.timers = TimerRunner(
            sessionmaker, self.lanes, self.game.apply_timer, self.after_commit
        )

    async def database_ready(self) -> bool:
        async with self._sessionmaker() as session:
            return await live.database_answers(session)

    async def broker_ready(self) -> bool:
        return self.broker_connected

    async def peer_lost(self, peer_id: int) -> None:
        """VK refused the chat for good: end its game through the chat's lane, like an event."""

        async def abandon() -> None:
            async with self._sessionmaker.begin() as session:
                await self.game.abandon(session, peer_id, datetime.now(UTC))
            log.warning("chat is unreachable: its game was ended", extra={"peer_id": peer_id})

        self.lanes.submit(peer_id, abandon)

    def after_commit(self, effects: Effects) -> None:
        if effects.messages:
            self.sender.wake(effects.peer_id)
        if effects.earliest_timer is not None:
            self.timers.timer_set(effects.earliest_timer)


Consume = Callable[[Settings, "Bot", asyncio.Event], Awaitable[None]]


async def run_bot(settings: Settings, stop: asyncio.Event) -> None:
    """The production bot: updates come from RabbitMQ."""
    await serve_bot(settings, stop, consume)


async def serve_bot(settings: Settings, stop: asyncio.Event, consume_updates: Consume) -> None:
    """Run the bot around any source of updates (RabbitMQ, or an in-process queue)."""
    engine = create_engine(settings.dsn)
    # The shared rate budget gets connections of its own: a VK call must never wait for a
    # pool that the transactions waiting on VK calls have exhausted.
    budget_engine = create_engine(settings.dsn, pool_size=1)
    stop_sending = asyncio.Event()  # set only once no more outbox rows can appear
    try:
        async with aiohttp.ClientSession() as http:
            bot = Bot(settings, engine, make_vk_client(settings, http, budget_engine))
            sender_task = asyncio.create_task(bot.sender.run(stop_sending), name="outbox-sender")
            timers_task = asyncio.create_task(bot.timers.run(stop), name="timers")
            housekeeping = asyncio.create_task(
                run_housekeeping(create_sessionmaker(engine), stop), name="housekeeping"
            )
            gauges = asyncio.create_task(refresh_gauges(bot._sessionmaker, stop), name="gauges")
            ops = await serve_ops(
                settings.metrics_host,
                settings.metrics_port,
                {"database": bot.database_ready, "broker": bot.broker_ready},
            )
            await consume_updates(settings, bot, stop)
            await gauges
            if ops is not None:
                await ops.cleanup()
            log.info("stopping: finishing in-flight updates")
            await timers_task
            await housekeeping
            await bot.lanes.join()
            stop_sending.set()
            await sender_task  # delivers what the last updates queued, within a grace period
    finally:
        await engine.dispose()
        await budget_engine.dispose()


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
        consumer = UpdateConsumer(declared, bot.handler, bot.lanes)
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
            await bot.lanes.join()  # finish what was delivered (acks fail if the link is gone)
            with contextlib.suppress(Exception):
                await connection.close()


async def refresh_gauges(
    sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event, every: float = 10.0
) -> None:
    """Keep the gauges that need a query (active games, pending timers and calls) current."""
    while not stop.is_set():
        try:
            async with sessionmaker() as session:
                found = await live.counts(session)
            metrics.ACTIVE_GAMES.set(found.active_games)
            metrics.TIMERS_PENDING.set(found.timers_pending)
            metrics.OUTBOX_PENDING.set(found.outbox_pending)
        except Exception:
            log.debug("gauge refresh failed", exc_info=True)
        await wait_any(stop, seconds=every)


async def _watch_dead_letters(
    declared: topology.Topology, stop: asyncio.Event, lost: asyncio.Event, every: float = 15.0
) -> None:
    while not stop.is_set() and not lost.is_set():
        try:
            result = await declared.dead_letter_queue.declare()
            metrics.DLQ_SIZE.set(result.message_count or 0)
        except Exception:
            log.debug("dead-letter queue size unknown", exc_info=True)
        await wait_any(stop, lost, seconds=every)


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
