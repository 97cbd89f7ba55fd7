"""The admin REST API application factory (routes arrive with the admin API issue)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aio_pika
from aiohttp import web
from aiohttp_apispec import docs, setup_aiohttp_apispec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_engine
from app.settings import Settings

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)


@docs(tags=["health"], summary="Database and broker reachability (no auth)")
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
            connection = await aio_pika.connect(settings.amqp_url, timeout=3)
            await connection.close()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[SETTINGS].dsn)
    app[ENGINE] = engine
    yield
    await engine.dispose()


def create_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_database)
    app.router.add_get("/api/health", health)
    setup_aiohttp_apispec(
        app,
        title="Znatoki admin API",
        version="v1",
        url="/api/docs/swagger.json",
        swagger_path="/api/docs",
    )
    return app
