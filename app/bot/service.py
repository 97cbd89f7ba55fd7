"""The bot service: wires the consumer, the handler and the outbox sender together."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from app.bot.consumer import UpdateConsumer
from app.bot.handler import UpdateHandler
from app.bot.router import FallbackRouter, HelpRouter, Router
from app.bot.sender import OutboxSender
from app.broker import topology
from app.broker.connection import connect
from app.db.engine import create_engine, create_sessionmaker
from app.settings import Settings
from app.vk.client import RetryPolicy, VKClient

log = logging.getLogger(__name__)

REQUIRED = ("DATABASE_URL", "AMQP_URL", "VK_TOKEN", "VK_GROUP_ID")


def make_vk_client(settings: Settings, session: aiohttp.ClientSession) -> VKClient:
    return VKClient(
        session,
        settings.token,
        api_url=settings.vk_api_url,
        version=settings.vk_api_version,
        retry=RetryPolicy(attempts=3),
    )


async def run_bot(settings: Settings, stop: asyncio.Event) -> None:
    engine = create_engine(settings.dsn)
    sessionmaker = create_sessionmaker(engine)
    connection = await connect(settings.broker_url)
    try:
        async with aiohttp.ClientSession() as http:
            sender = OutboxSender(engine, make_vk_client(settings, http))
            routers: list[Router] = [HelpRouter(settings.group_id), FallbackRouter()]
            handler = UpdateHandler(sessionmaker, routers, sender.wake)
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=settings.bot_prefetch)
            declared = await topology.declare(channel, settings.update_shards)
            consumer = UpdateConsumer(declared.shard_queues, handler)
            await consumer.start()
            log.info("consuming %d shard queues", len(declared.shard_queues))
            sender_task = asyncio.create_task(sender.run(stop), name="outbox-sender")
            await stop.wait()
            log.info("stopping: finishing in-flight updates")
            await consumer.stop()
            await sender_task
    finally:
        await connection.close()
        await engine.dispose()
