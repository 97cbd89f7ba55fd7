"""Run the admin API until a stop signal."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from admin_api.app import create_app
from app.settings import ConfigError, Settings, fail

log = logging.getLogger(__name__)

# AMQP_URL is optional: without it everything works but stopping a game (503).
REQUIRED = ("DATABASE_URL",)


async def run_admin_api(settings: Settings, stop: asyncio.Event) -> None:
    runner = web.AppRunner(create_app(settings), access_log=None)
    try:
        await runner.setup()
    except ConfigError as error:  # ADMIN_EMAIL/ADMIN_PASSWORD checked at start
        await runner.cleanup()
        fail(error)
    site = web.TCPSite(runner, settings.admin_host, settings.admin_port)
    await site.start()
    log.info(
        "admin API listening on http://%s:%d/api/docs", settings.admin_host, settings.admin_port
    )
    await stop.wait()
    await runner.cleanup()
