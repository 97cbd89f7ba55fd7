"""The ops endpoints of a service: ``/metrics``, ``/health`` (alive) and ``/ready``.

Readiness runs the service's own checks (can it reach Postgres, is it connected to
RabbitMQ...), so orchestrators route work only to a service that can do it; liveness only says
the event loop answers. Served on ``METRICS_HOST:METRICS_PORT``; port 0 turns them off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]


async def _metrics(_: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _ready(checks: dict[str, Check]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def ready(_: web.Request) -> web.Response:
        results: dict[str, bool] = {}
        for name, check in checks.items():
            try:
                results[name] = await asyncio.wait_for(check(), 3)
            except Exception:
                results[name] = False
        ok = all(results.values())
        return web.json_response(
            {"status": "ok" if ok else "not ready", "checks": results}, status=200 if ok else 503
        )

    return ready


async def serve_ops(host: str, port: int, checks: dict[str, Check]) -> web.AppRunner | None:
    """Start the ops endpoints; returns the runner to clean up (None when turned off)."""
    if port == 0:
        return None
    app = web.Application()
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/health", _health)
    app.router.add_get("/ready", _ready(checks))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("ops endpoints on http://%s:%d/metrics, /health, /ready", host, port)
    return runner
