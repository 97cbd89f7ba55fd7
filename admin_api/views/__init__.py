"""Route handlers, one module per resource; they call repositories, never SQL."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from marshmallow import Schema
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin_api.errors import dumps
from admin_api.keys import SESSIONMAKER


def db(request: web.Request) -> async_sessionmaker[AsyncSession]:
    """The session factory; each view opens one transaction with ``db(request).begin()``."""
    return request.app[SESSIONMAKER]


def reply(schema: Schema, data: Any, status: int = 200) -> web.Response:
    """Serialise through the response schema, so the answer is exactly what the spec says."""
    return web.json_response(schema.dump(data), status=status, dumps=dumps)


def page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}
