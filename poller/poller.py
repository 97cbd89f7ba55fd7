"""The long-poll loop: VK updates → RabbitMQ, with the cursor saved only after confirms.

Order of effects for every batch: publish each update (persistent, mandatory, publisher
confirms) → wait for every confirm → save the new ``ts`` in Postgres. A crash anywhere before
the save makes the next start re-read the batch from the old ``ts``: nothing is lost, and the
repeats are dropped downstream by ``event_id``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp

from app import metrics
from app.broker.connection import Publisher
from app.db.pool import Pool
from app.failpoints import failpoint
from app.loops import wait_any
from app.retry import RetryPolicy
from app.settings import Settings
from app.vk.client import LongPollResult, LongPollServer, VKClient
from app.vk.factory import make_vk_client
from app.vk.updates import envelope_event_id, peer_id_of
from poller import cursor

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_BACKOFF = RetryPolicy(attempts=0, base_delay=0.5, max_delay=30.0)


@dataclass(frozen=True)
class Step:
    """What to do after a long-poll answer."""

    ts: str
    refresh_key: bool = False
    take_server_ts: bool = False
    publish: bool = False


def next_step(current_ts: str, result: LongPollResult) -> Step:
    """VK's rules for ``failed``: 1 new ts, 2 new key keep ts, 3 (and 4) new key and ts."""
    if result.failed is None:
        return Step(ts=result.ts or current_ts, publish=True)
    if result.failed == 1:
        return Step(ts=result.ts or current_ts)
    if result.failed == 2:
        return Step(ts=current_ts, refresh_key=True)
    return Step(ts=current_ts, refresh_key=True, take_server_ts=True)


def event_id_for(update: Any) -> str:
    """The de-duplication key; an update without one gets a stable digest of its body."""
    event_id = envelope_event_id(update)
    if event_id is not None:
        return event_id
    body = json.dumps(update, sort_keys=True, ensure_ascii=False).encode()
    return "sha1:" + hashlib.sha1(body, usedforsecurity=False).hexdigest()


class Poller:
    def __init__(
        self,
        vk: VKClient,
        group_id: int,
        pool: Pool,
        publisher: Publisher,
        *,
        wait: int = 25,
        backoff: RetryPolicy = POLL_BACKOFF,
    ) -> None:
        self._vk = vk
        self._group_id = group_id
        self._pool = pool
        self._saved: str | None = None
        self._publisher = publisher
        self._wait = wait
        self._backoff = backoff
        self.published = 0

    @classmethod
    def from_settings(
        cls, settings: Settings, http: aiohttp.ClientSession, pool: Pool, publisher: Publisher
    ) -> Poller:
        """The poller as the services run it (its VK client shares the token's budget)."""
        vk = make_vk_client(settings, http, pool)
        return cls(vk, settings.group_id, pool, publisher, wait=settings.vk_longpoll_wait)

    async def run(self, stop: asyncio.Event) -> None:
        server = await self._until(stop, self._server)
        if server is None:
            return
        ts = await self._until(stop, self._saved_ts)
        if ts is None:
            return
        ts = ts or server.ts
        log.info("long polling from ts=%s", ts)
        failures = 0
        while not stop.is_set():
            try:
                result = await self._poll_or_stop(server, ts, stop)
                if result is None:
                    return
                step = next_step(ts, result)
                metrics.POLLER_CYCLES.labels(str(result.failed or "ok")).inc()
                if step.refresh_key:
                    log.info("long poll failed=%s: refreshing the key", result.failed)
                    server = await self._vk.get_long_poll_server(self._group_id)
                    if step.take_server_ts:
                        log.warning("long poll history lost: continuing from ts=%s", server.ts)
                next_ts = server.ts if step.take_server_ts else step.ts
                if step.publish and result.updates:
                    await self._publish(result.updates)
                    failpoint("poller.after_publish")
                await self._save(next_ts)
                ts = next_ts  # only now: a failed publish or save re-reads this batch
                failures = 0
            except Exception as exc:
                # VK, RabbitMQ or Postgres away: the cursor was not advanced, so the next poll
                # re-reads this batch; duplicates are dropped downstream by event_id.
                metrics.POLLER_CYCLES.labels("failed").inc()
                failures += 1
                delay = self._backoff.delay(min(failures, 8))
                log.warning(
                    "poll cycle failed (%s: %s); retry in %.1fs", type(exc).__name__, exc, delay
                )
                await wait_any(stop, seconds=delay)

    async def _server(self) -> LongPollServer:
        return await self._vk.get_long_poll_server(self._group_id)

    async def _saved_ts(self) -> str:
        self._saved = await cursor.load(self._pool, self._group_id)
        return self._saved or ""

    async def _until(self, stop: asyncio.Event, call: Callable[[], Awaitable[T]]) -> T | None:
        """Retry a start-up step with backoff until it works or the service is stopped."""
        failures = 0
        while not stop.is_set():
            try:
                return await call()
            except Exception as exc:
                failures += 1
                delay = self._backoff.delay(min(failures, 8))
                log.warning("start-up step failed (%s); retry in %.1fs", exc, delay)
                await wait_any(stop, seconds=delay)
        return None

    async def _poll_or_stop(
        self, server: LongPollServer, ts: str, stop: asyncio.Event
    ) -> LongPollResult | None:
        """A long-poll request that a stop signal cuts short (nothing is lost: ts is not saved)."""
        poll = asyncio.ensure_future(self._vk.long_poll(server, ts, self._wait))
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait([poll, stopped], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not poll.done():
            poll.cancel()
            return None
        return poll.result()

    async def _publish(self, updates: list[Any]) -> None:
        """Publish a batch; returns only when the broker confirmed every message."""
        await self._publisher.publish(
            [(update, event_id_for(update), peer_id_of(update)) for update in updates]
        )
        self.published += len(updates)
        metrics.POLLER_UPDATES.inc(len(updates))

    async def _save(self, ts: str) -> None:
        """One autocommit statement per poll cycle, none when the cursor did not move."""
        if ts != self._saved:
            await cursor.save(self._pool, self._group_id, ts)
            self._saved = ts
