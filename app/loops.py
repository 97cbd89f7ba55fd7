"""The services' background loops: wait for an event or a time, repeat a duty until stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def wait_any(*events: asyncio.Event, seconds: float) -> None:
    """Return when any event is set or ``seconds`` pass, whichever comes first."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def run_every(
    seconds: float,
    duty: Callable[[], Awaitable[None]],
    *stops: asyncio.Event,
    what: str,
    log: logging.Logger,
    quiet: bool = False,
) -> None:
    """Do ``duty`` now and every ``seconds`` until one of ``stops`` is set.

    A failure is logged (``quiet``: at debug level, for duties whose failure only leaves a
    gauge stale) and the loop carries on: a background duty outlives a dependency's outage.
    """
    while not any(stop.is_set() for stop in stops):
        try:
            await duty()
        except Exception:
            if quiet:
                log.debug("%s failed; will retry", what, exc_info=True)
            else:
                log.exception("%s failed; will retry", what)
        await wait_any(*stops, seconds=seconds)
