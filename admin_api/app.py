"""The admin REST API application factory: middlewares, resources, routes, OpenAPI docs.

Request path: ``error_middleware`` (one JSON error shape, never a traceback) →
``auth_middleware`` (a live session, except for the public routes) → ``validation_middleware``
(path, query and body against the view's schemas) → the view → repositories.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp_apispec import setup_aiohttp_apispec

from admin_api.auth import auth_middleware, bootstrap_admin
from admin_api.broker import ChatPublisher
from admin_api.docs import finish_spec, swagger_guard
from admin_api.errors import error_middleware
from admin_api.keys import ENGINE, PUBLISHER, SESSIONMAKER, SETTINGS
from admin_api.routes import setup_routes
from admin_api.validation import validation_middleware
from app.db.engine import create_engine, create_sessionmaker
from app.settings import Settings

__all__ = ["ENGINE", "SETTINGS", "create_app"]

log = logging.getLogger(__name__)

# A full import (1000 questions with long texts and comments) fits; anything bigger is a 413.
MAX_BODY_BYTES = 16 * 1024 * 1024


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[SETTINGS].dsn, pool_size=5)
    app[ENGINE] = engine
    app[SESSIONMAKER] = create_sessionmaker(engine)
    yield
    await engine.dispose()


async def _broker(app: web.Application) -> AsyncIterator[None]:
    """The stop publisher connects on first use; here it is only closed at shutdown."""
    yield
    await app[PUBLISHER].close()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, swagger_guard, auth_middleware, validation_middleware],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS] = settings
    app[PUBLISHER] = ChatPublisher(settings)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(bootstrap_admin)
    app.cleanup_ctx.append(_broker)
    setup_routes(app)
    # in_place: the spec is built now, from the routes above, so it exists without a server
    # (the fuzz test reads it at collection time).
    setup_aiohttp_apispec(
        app,
        title="Znatoki admin API",
        version="v1",
        url="/api/docs/swagger.json",
        swagger_path="/api/docs",
        in_place=True,
    )
    finish_spec(app)
    return app
