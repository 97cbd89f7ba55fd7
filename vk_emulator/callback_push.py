"""VK's Callback API, emulated: push every event to the bot's callback server.

VK first sends ``{"type": "confirmation"}`` and expects the configured confirmation string
back; then it POSTs each event (the long-poll envelope plus ``secret``) and expects the body
``ok``. Anything else is retried, in order, with the ``X-Retry-Counter`` header, as VK does.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web

from vk_emulator.appkeys import CONFIG_KEY, WORLD_KEY
from vk_emulator.world import World

log = logging.getLogger(__name__)

PUSHER_KEY = web.AppKey("callback_pusher", asyncio.Task)
TIMEOUT = aiohttp.ClientTimeout(total=10)


def _backoff(attempt: int) -> float:
    return float(min(5.0, 0.05 * 2**attempt))


class CallbackPusher:
    def __init__(self, world: World, url: str, secret: str | None, confirmation_code: str) -> None:
        self._world = world
        self._url = url
        self._secret = secret
        self._code = confirmation_code
        self.delivered = 0
        self.retries = 0

    async def run(self) -> None:
        ts = self._world.lp_ts  # events from the moment the server was configured
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            await self._confirm(session)
            while True:
                events = await self._world.updates_changed.wait_until(
                    lambda after=ts: self._world.updates_since(after, 100),  # type: ignore[misc]
                    wait=30.0,
                    ready=lambda found: found is None or len(found) > 0,
                )
                if events is None:  # history trimmed under us: continue from now
                    ts = self._world.lp_ts
                    continue
                for event_ts, envelope in events:
                    await self._deliver(session, envelope)
                    ts = event_ts

    async def _confirm(self, session: aiohttp.ClientSession) -> None:
        body = {"type": "confirmation", "group_id": self._world.group_id}
        attempt = 0
        while True:
            answer = await self._post(session, body, attempt)
            if answer == self._code:
                log.info("callback server %s confirmed", self._url)
                self._world.log("callback_confirmed", None, url=self._url)
                return
            log.warning("callback server answered %r instead of the confirmation code", answer)
            attempt += 1
            await asyncio.sleep(_backoff(attempt))

    async def _deliver(self, session: aiohttp.ClientSession, envelope: dict[str, Any]) -> None:
        body = {**envelope, "secret": self._secret} if self._secret else dict(envelope)
        attempt = 0
        while (answer := await self._post(session, body, attempt)) != "ok":
            attempt += 1
            self.retries += 1
            log.info("callback push of %s got %r; retry %d", envelope["event_id"], answer, attempt)
            await asyncio.sleep(_backoff(attempt))
        self.delivered += 1

    async def _post(
        self, session: aiohttp.ClientSession, body: dict[str, Any], attempt: int
    ) -> str | None:
        headers = {"X-Retry-Counter": str(attempt)} if attempt else {}
        try:
            async with session.post(self._url, json=body, headers=headers) as response:
                text = await response.text()
                return text.strip() if response.status == 200 else None
        except (aiohttp.ClientError, TimeoutError):
            return None


async def _start(app: web.Application) -> None:
    config = app[CONFIG_KEY]
    assert config.callback_url is not None
    pusher = CallbackPusher(
        app[WORLD_KEY], config.callback_url, config.callback_secret, config.confirmation_code
    )
    app[PUSHER_KEY] = asyncio.create_task(pusher.run(), name="callback-push")


async def _stop(app: web.Application) -> None:
    task = app[PUSHER_KEY]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def setup(app: web.Application) -> None:
    """Push events to ``config.callback_url`` for as long as the app runs (if it is set)."""
    if app[CONFIG_KEY].callback_url:
        app.on_startup.append(_start)
        app.on_cleanup.append(_stop)
