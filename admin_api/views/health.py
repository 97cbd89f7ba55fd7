"""Liveness of the admin API's dependencies, for load balancers and operators (no auth)."""

from __future__ import annotations

import aio_pika
from aiohttp import web
from aiohttp_apispec import docs
from aiohttp_apispec import response_schema as returns
from sqlalchemy import text

from admin_api import schemas
from admin_api.keys import ENGINE, SETTINGS
from admin_api.views import reply

BROKER_TIMEOUT = 3


@docs(
    tags=["health"],
    summary="Database and broker reachability (no auth)",
    description="503 when a dependency is down; the broker is checked only if AMQP_URL is set.",
)
@returns(schemas.Health, 200, description="Everything reachable")
@returns(schemas.Health, 503, description="Something is down")
async def health(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    checks: dict[str, str] = {}
    try:
        async with request.app[ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.amqp_url:
        try:
            connection = await aio_pika.connect(settings.amqp_url, timeout=BROKER_TIMEOUT)
            await connection.close()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "degraded", "checks": checks}
    return reply(schemas.Health(), body, status=200 if healthy else 503)
