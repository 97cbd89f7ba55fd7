"""The poller service: VK updates into RabbitMQ, by long poll or by the Callback API."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web

from app.broker import topology
from app.broker.connection import UpdatePublisher
from app.db.pool import create_pool
from app.ops_endpoints import serve_ops
from app.settings import Settings
from poller import callback
from poller.poller import Poller

log = logging.getLogger(__name__)

REQUIRED = ("DATABASE_URL", "AMQP_URL", "VK_TOKEN", "VK_GROUP_ID")


async def run_poller(settings: Settings, stop: asyncio.Event) -> None:
    publisher = UpdatePublisher(
        settings.broker_url,
        settings.update_shards,
        topology.Names(settings.amqp_prefix),
        settings.retry_delays,
    )
    try:
        if settings.vk_mode == "callback":
            await _serve_callback(settings, publisher, stop)
        else:
            await _long_poll(settings, publisher, stop)
    finally:
        await publisher.close()


async def _long_poll(settings: Settings, publisher: UpdatePublisher, stop: asyncio.Event) -> None:
    # The cursor is a hint: if Postgres itself crashes and loses its last saves, the poller
    # re-reads a few updates, which the bot drops by event_id. So no wait for the disk.
    pool = await create_pool(settings.dsn, size=2, durable=False)

    async def database_ready() -> bool:
        return bool(await pool.fetchval("SELECT 1"))

    ops = await serve_ops(
        settings.metrics_host, settings.metrics_port, {"database": database_ready}
    )
    try:
        async with aiohttp.ClientSession() as http:
            poller = Poller.from_settings(settings, http, pool, publisher)
            await poller.run(stop)
            log.info("published %d updates", poller.published)
    finally:
        if ops is not None:
            await ops.cleanup()
        await pool.close()


async def _serve_callback(
    settings: Settings, publisher: UpdatePublisher, stop: asyncio.Event
) -> None:
    if not settings.confirmation_code:
        log.warning("VK_CONFIRMATION_CODE is empty: VK will not confirm this server")
    runner = web.AppRunner(callback.create_app(settings, publisher), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.vk_callback_host, settings.vk_callback_port)
    await site.start()
    log.info(
        "callback server listening on http://%s:%d%s",
        settings.vk_callback_host,
        settings.vk_callback_port,
        settings.vk_callback_path,
    )
    await stop.wait()
    await runner.cleanup()  # finishes requests in flight: their events are confirmed or retried
