"""The poller service: one long-poll loop per community, publishing into RabbitMQ."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from app.bot.service import make_vk_client
from app.broker import topology
from app.broker.connection import UpdatePublisher
from app.db.engine import create_engine, create_sessionmaker
from app.settings import Settings
from poller.poller import Poller

log = logging.getLogger(__name__)

REQUIRED = ("DATABASE_URL", "AMQP_URL", "VK_TOKEN", "VK_GROUP_ID")


async def run_poller(settings: Settings, stop: asyncio.Event) -> None:
    engine = create_engine(settings.dsn, pool_size=2)
    publisher = UpdatePublisher(
        settings.broker_url,
        settings.update_shards,
        topology.Names(settings.amqp_prefix),
        settings.retry_delays,
    )
    try:
        async with aiohttp.ClientSession() as http:
            poller = Poller(
                make_vk_client(settings, http),
                settings.group_id,
                create_sessionmaker(engine),
                publisher,
                wait=settings.vk_longpoll_wait,
            )
            await poller.run(stop)
            log.info("published %d updates", poller.published)
    finally:
        await publisher.close()
        await engine.dispose()
