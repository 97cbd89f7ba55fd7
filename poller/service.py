"""The poller service: one long-poll loop per community, publishing into RabbitMQ."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from app.bot.service import make_vk_client
from app.broker import topology
from app.broker.connection import connect
from app.db.engine import create_engine, create_sessionmaker
from app.settings import Settings
from poller.poller import Poller

log = logging.getLogger(__name__)

REQUIRED = ("DATABASE_URL", "AMQP_URL", "VK_TOKEN", "VK_GROUP_ID")


async def run_poller(settings: Settings, stop: asyncio.Event) -> None:
    engine = create_engine(settings.dsn, pool_size=2)
    connection = await connect(settings.broker_url)
    try:
        # Returned (unroutable) messages raise instead of vanishing silently.
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        declared = await topology.declare(
            channel, settings.update_shards, topology.Names(settings.amqp_prefix)
        )
        async with aiohttp.ClientSession() as http:
            poller = Poller(
                make_vk_client(settings, http),
                settings.group_id,
                create_sessionmaker(engine),
                declared.exchange,
                shards=settings.update_shards,
                wait=settings.vk_longpoll_wait,
            )
            await poller.run(stop)
            log.info("published %d updates", poller.published)
    finally:
        await connection.close()
        await engine.dispose()
