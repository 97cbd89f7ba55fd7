"""The Callback API receiver: VK pushes updates, we publish them like the long poll does.

VK sends ``confirmation`` once (answered with the configured code), then every event with the
shared ``secret``. An event is answered ``ok`` only after RabbitMQ confirmed it, so a failure
makes VK deliver it again (with ``X-Retry-Counter``); repeats are dropped downstream by
``event_id``, and recently published ids are also skipped here to spare the broker.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import OrderedDict
from typing import Any

from aiohttp import web

from app.broker.connection import Publisher
from app.settings import Settings
from app.vk.updates import envelope_event_id, peer_id_of

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # VK events are small; a megabyte is generous
RECENT = 10_000

PUBLISHER = web.AppKey("publisher", Publisher)
SETTINGS = web.AppKey("settings", Settings)


class RecentIds:
    """A bounded set of the event ids published lately (oldest forgotten first)."""

    def __init__(self, size: int = RECENT) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._ids

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)


RECENT_IDS = web.AppKey("recent_ids", RecentIds)


async def receive(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        body: Any = json.loads(await request.read())
    except ValueError:
        return web.Response(status=400, text="body is not JSON")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return web.Response(status=400, text="not a VK event")
    if body.get("group_id") != settings.vk_group_id:
        log.warning("callback for another community: %r", body.get("group_id"))
        return web.Response(status=403, text="wrong group")
    if body["type"] == "confirmation":
        return web.Response(text=settings.confirmation_code)
    secret = settings.callback_secret
    if secret is not None and not hmac.compare_digest(
        str(body.get("secret", "")), secret.get_secret_value()
    ):
        log.warning("callback with a wrong secret rejected")
        return web.Response(status=403, text="wrong secret")
    body.pop("secret", None)  # never forwarded: the secret stays at the edge
    event_id = envelope_event_id(body)
    recent = request.app[RECENT_IDS]
    if event_id is not None and event_id in recent:
        return web.Response(text="ok")  # a re-delivery of something already published
    if event_id is None:
        log.warning("callback event without event_id: the bot will dead-letter it")
    try:
        await request.app[PUBLISHER].publish([(body, event_id or "missing", peer_id_of(body))])
    except Exception as exc:
        log.warning("could not publish a callback event (%s); VK will retry", exc)
        return web.Response(status=503, text="retry later", headers={"Retry-After": "5"})
    if event_id is not None:
        recent.add(event_id)
    return web.Response(text="ok")


def create_app(settings: Settings, publisher: Publisher) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[PUBLISHER] = publisher
    app[RECENT_IDS] = RecentIds()
    app.router.add_post(settings.vk_callback_path, receive)
    return app
