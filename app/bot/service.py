"""The bot service: consumer, timers and outbox sender around one per-chat lane set.

Updates (from RabbitMQ) and timer firings (from Postgres) for one chat pass through the same
lane, so they are applied one at a time, in order; the chat row lock does the same across
processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
from aio_pika.abc import AbstractQueue
from sqlalchemy.ext.asyncio import AsyncEngine

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
from app.settings import Settings
from app.vk.client import RetryPolicy, VKClient
from app.vk.ratelimit import SlidingWindowLimiter

log = logging.getLogger(__name__)

BROKER_BACKOFF = RetryPolicy(attempts=0, base_delay=0.5, max_delay=10.0)

REQUIRED = ("DATABASE_URL", "AMQP_URL", "VK_TOKEN", "VK_GROUP_ID")


def make_vk_client(settings: Settings, session: aiohttp.ClientSession) -> VKClient:
    return VKClient(
        session,
        settings.token,
        api_url=settings.vk_api_url,
        version=settings.vk_api_version,
        retry=RetryPolicy(attempts=3),
        limiter=SlidingWindowLimiter(settings.vk_rate_limit),
    )


class Bot:
    """Everything of the bot except the broker, so tests can drive it directly too."""

    def __init__(self, settings: Settings, engine: AsyncEngine, vk: VKClient) -> None:
        self._sessionmaker = sessionmaker = create_sessionmaker(engine)
        self.lanes = Lanes()
        self.game = GameRouter(config.defaults_from(settings), NameResolver(vk))
        self.sender = OutboxSender(engine, vk, on_peer_lost=self.peer_lost)
        routers: list[Router] = [HelpRouter(settings.group_id), self.game, FallbackRouter()]
        self.handler = UpdateHandler(sessionmaker, routers, self.after_commit)
        self.timers = TimerRunner(
            sessionmaker, self.lanes, self.game.apply_timer, self.after_commit
        )

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
    stop_sending = asyncio.Event()  # set only once no more outbox rows can appear
    try:
        async with aiohttp.ClientSession() as http:
            bot = Bot(settings, engine, make_vk_client(settings, http))
            sender_task = asyncio.create_task(bot.sender.run(stop_sending), name="outbox-sender")
            timers_task = asyncio.create_task(bot.timers.run(stop), name="timers")
            housekeeping = asyncio.create_task(
                run_housekeeping(create_sessionmaker(engine), stop), name="housekeeping"
            )
            await consume_updates(settings, bot, stop)
            log.info("stopping: finishing in-flight updates")
            await timers_task
            await housekeeping
            await bot.lanes.join()
            stop_sending.set()
            await sender_task  # delivers what the last updates queued, within a grace period
    finally:
        await engine.dispose()


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
            log.info("consuming %d shard queues", len(preferred))
            standby = [q for n, q in enumerate(queues) if n not in preferred]
            await _standby(consumer, standby, settings.bot_standby_delay, stop, lost)
            await wait_any(stop, lost, seconds=math.inf)
            if lost.is_set() and not stop.is_set():
                log.warning("lost the RabbitMQ connection; reconnecting")
        except Exception:
            log.exception("consumer failed; reconnecting")
        finally:
            if not lost.is_set():
                await consumer.stop()
            await bot.lanes.join()  # finish what was delivered (acks fail if the link is gone)
            with contextlib.suppress(Exception):
                await connection.close()


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
