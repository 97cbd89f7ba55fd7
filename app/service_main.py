"""Run a long-lived service until SIGTERM/SIGINT, then let it shut down cleanly.

Every service's ``__main__`` calls :func:`run_service`: it loads settings (failing with one
clear message), sets up logging, logs one secret-free start line and runs the service
coroutine until a stop signal, which it turns into a cancellation-free ``stop`` event so the
service can finish or requeue in-flight work and close its connections itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Awaitable, Callable

from app.logs import setup_logging
from app.settings import ConfigError, Settings, fail

ServiceMain = Callable[[Settings, asyncio.Event], Awaitable[None]]


def run_service(name: str, main: ServiceMain, *required: str) -> None:
    try:
        settings = Settings.load(*required)
    except ConfigError as error:
        fail(error)
        return
    setup_logging(settings.log_level, settings.log_format)
    log = logging.getLogger(name)
    log.info(
        "%s starting with %s",
        name,
        json.dumps(settings.describe(), default=str),
        extra={"service": name},
    )
    asyncio.run(_serve(main, settings))
    log.info("%s stopped", name, extra={"service": name})


async def _serve(main: ServiceMain, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await main(settings, stop)
