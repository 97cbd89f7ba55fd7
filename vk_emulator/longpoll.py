"""Bots Long Poll endpoint (`act=a_check`). Requests are held on the world's update notifier,
so they return the moment an event, a forced failure or a key expiry happens."""

from __future__ import annotations

from aiohttp import web

from vk_emulator.api import read_params
from vk_emulator.appkeys import WORLD_KEY
from vk_emulator.world import JSON, new_key

MAX_WAIT = 90
DEFAULT_WAIT = 25.0
MAX_UPDATES = 1000


def _wait_seconds(raw: str | None) -> float:
    # VK takes whole seconds; fractions are accepted so that tests can time out quickly.
    try:
        wait = float(raw) if raw else DEFAULT_WAIT
    except ValueError:
        wait = DEFAULT_WAIT
    return max(0.0, min(wait, MAX_WAIT))


async def handle_longpoll(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD_KEY]
    world.counters.longpoll_requests += 1
    params = await read_params(request)
    if params.get("act") != "a_check":
        return web.json_response({"error": "act must be a_check"}, status=400)
    key = params.get("key", "")
    wrong_group = request.match_info["group_id"] != str(world.group_id)
    try:
        ts = int(params.get("ts", ""))
    except ValueError:
        ts = -1

    def check() -> JSON | None:
        forced = world.lp_forced_failure
        if forced is not None:
            world.lp_forced_failure = None
            if forced == 1:
                return {"failed": 1, "ts": world.lp_ts}
            # After failed 2/3 the old key must really stop working.
            world.lp_key = new_key()
            return {"failed": forced}
        if wrong_group or key != world.lp_key:
            return {"failed": 2}
        updates = world.updates_since(ts, MAX_UPDATES) if ts >= 0 else None
        if updates is None:
            return {"failed": 1, "ts": world.lp_ts}
        if updates or world.closing:
            new_ts = updates[-1][0] if updates else ts
            return {"ts": str(new_ts), "updates": [envelope for _, envelope in updates]}
        return None

    body = await world.updates_changed.wait_until(
        check, _wait_seconds(params.get("wait")), ready=lambda result: result is not None
    )
    return web.json_response(body if body is not None else {"ts": str(ts), "updates": []})


def setup(app: web.Application) -> None:
    app.router.add_get("/lp/{group_id}", handle_longpoll)
    app.router.add_post("/lp/{group_id}", handle_longpoll)
