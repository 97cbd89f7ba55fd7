"""The poller and the bot in one process, without RabbitMQ (``python -m standalone``).

Local play (``make run`` without ``AMQP_URL``) needs no broker: the poller publishes into
the in-process queues of :mod:`app.broker.local` and the bot consumes them with the same
:class:`~app.bot.consumer.UpdateConsumer` as in production (manual ack, per-chat order,
retry tiers, dead letters). Postgres stays the only durable store: the publisher returns only
once the bot acknowledged every update of a batch, so the poller's long-poll cursor never
passes an update whose effects are not committed, and a crash (even SIGKILL) loses nothing.

Shutdown on SIGTERM/SIGINT: the poller stops first and its batch in flight is finished (the
bot is still consuming); then the bot stops consuming, finishes what it received and
delivers what that queued. A batch that cannot finish within a grace period (Postgres away)
is abandoned: its cursor was not saved, so the next start reads it again.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from app.bot.consumer import UpdateConsumer
from app.bot.service import Bot, Consume, serve_bot
from app.broker import topology
from app.broker.local import LocalBroker
from app.db.pool import create_pool
from app.settings import Settings
from poller.poller import Poller

log = logging.getLogger(__name__)

REQUIRED = ("DATABASE_URL", "VK_TOKEN", "VK_GROUP_ID")
# How long a stopping poller may wait for the bot to acknowledge its batch in flight.
SHUTDOWN_GRACE = 10.0


def local_consumer(broker: LocalBroker) -> Consume:
    """The bot's update source: every in-process shard queue, until ``stop``."""

    async def consume(settings: Settings, bot: Bot, stop: asyncio.Event) -> None:
        consumer = UpdateConsumer(broker.topology, bot.submit_update)
        await consumer.start(broker.topology.shard_queues)
        bot.broker_connected = True  # readiness: the in-process queues are always there
        log.info("consuming %d in-process shard queues", len(broker.shard_queues))
        await stop.wait()
        await consumer.stop()
        bot.broker_connected = False

    return consume


async def run_standalone(settings: Settings, stop: asyncio.Event) -> None:
    if settings.amqp_url:
        log.info("AMQP_URL is not used: updates go through in-process queues")
    if settings.vk_mode != "longpoll":
        log.warning("VK_MODE=%s is not supported here: using long poll", settings.vk_mode)
    broker = LocalBroker(
        settings.update_shards,
        settings.retry_delays,
        prefetch=settings.bot_prefetch,
        names=topology.Names(settings.amqp_prefix),
    )
    stop_bot = asyncio.Event()
    stop_poller = asyncio.Event()
    pool = await create_pool(settings.dsn, size=2)
    bot = asyncio.create_task(serve_bot(settings, stop_bot, local_consumer(broker)), name="bot")
    try:
        async with aiohttp.ClientSession() as http:
            poller = Poller.from_settings(settings, http, pool, broker.publisher())
            polling = asyncio.create_task(poller.run(stop_poller), name="poller")
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait([bot, polling, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if bot.done():  # the bot died: nobody acknowledges, fail the batch in flight
                broker.close()
            stop_poller.set()
            if not (await asyncio.wait([polling], timeout=SHUTDOWN_GRACE))[0]:
                log.warning("the batch in flight was not acknowledged in time; read again later")
                polling.cancel()
                await asyncio.wait([polling])
            log.info("published %d updates", poller.published)
            if not polling.cancelled():
                polling.result()  # the poller's own failure, if any
    finally:
        stop_bot.set()
        try:
            await bot  # finishes the received updates and delivers what they queued
        finally:
            broker.close()
            await pool.close()
