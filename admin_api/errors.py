"""One error shape for every failure: ``{"error": {"code", "message", "fields"?}}``.

Views raise :class:`ApiError`; aiohttp's own HTTP errors (unknown path, wrong method, body too
large) are rewritten into the same shape; Postgres being unreachable is a 503 with Retry-After;
anything else unexpected is logged with its traceback and answered with a generic 500, so a
client never sees a stack trace or an HTML page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# Russian questions and names stay readable in responses.
dumps = partial(json.dumps, ensure_ascii=False)

# Machine codes for aiohttp's own HTTP errors.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    431: "headers_too_large",
}
DATABASE_RETRY_AFTER = 5  # seconds
# Headers of an aiohttp error worth keeping on the rewritten answer.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiError(Exception):
    """An expected failure with an HTTP status, a machine code and a human message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = dict(headers or {})


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def invalid(fields: Mapping[str, Any], message: str = "The request is invalid") -> ApiError:
    return ApiError(422, "validation_error", message, fields=fields)


def error_response(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = dict(fields)
    return web.json_response({"error": error}, status=status, headers=headers, dumps=dumps)


def _from_http(request: web.Request, exc: web.HTTPException) -> web.Response:
    headers = {name: exc.headers[name] for name in KEPT_HEADERS if name in exc.headers}
    code = HTTP_CODES.get(exc.status, "http_error")
    if exc.status == 404:
        message = f"No such path: {request.path}"
    elif exc.status == 405:
        message = f"{request.method} is not allowed here (allowed: {headers.get('Allow', '')})"
    else:
        message = exc.reason
    return error_response(exc.status, code, message, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects and 304s from static files pass through
            raise
        return _from_http(request, exc)
    except Exception as exc:
        if _database_unavailable(exc):
            log.warning("database unavailable in %s %s: %r", request.method, request.path, exc)
            return error_response(
                503,
                "database_unavailable",
                "The database is not reachable right now; try again shortly",
                headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
            )
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Internal server error")


def _database_unavailable(exc: BaseException) -> bool:
    """Postgres down, restarting or unreachable (not a bug here): a 503 rather than a 500."""
    if isinstance(exc, OSError):  # refused, reset, timed out (TimeoutError is an OSError)
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        # SQLSTATE class 08: connection exception; 57P0x: shutting down, cannot connect now.
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return isinstance(code, str) and code.startswith(("08", "57P"))
    return False
