"""Shared OpenAPI pieces: the documented error answers and the spec's finishing touches."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from admin_api import auth, schemas

ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON",
    401: "No valid session: log in with POST /api/auth/login",
    403: f"No {auth.CSRF_HEADER} header, or not this session's csrf_token (code csrf)",
    404: "No such object",
    409: "The object is not in a state that allows this",
    413: "The body is too large",
    415: "The body is not sent as application/json",
    422: "Invalid path, query or body: error.fields names each problem",
    429: "Too many failed logins: wait Retry-After seconds",
    503: "A dependency (RabbitMQ) is not configured or not reachable",
}
BODY_ERRORS = (400, 413, 415, 422)
BINARY = "x-binary"
CSRF_SCHEME = "csrf"
ERROR_REF = "#/definitions/Error"


def errors(*statuses: int, **descriptions: str) -> dict[str, dict[str, Any]]:
    """``responses=`` entries for aiohttp-apispec's ``docs`` with the error schema."""
    result: dict[str, dict[str, Any]] = {}
    for status in statuses:
        text = descriptions.get(f"e{status}", ERROR_DESCRIPTIONS[status])
        entry: dict[str, Any] = {"description": text, "schema": schemas.Error}
        if status == 429:
            entry["headers"] = {"Retry-After": {"type": "integer", "description": "seconds"}}
        result[str(status)] = entry
    return result


def binary(description: str, headers: dict[str, Any]) -> dict[str, Any]:
    """A ``responses=`` entry for bytes that are not JSON (``schema: {type: file}`` once the spec
    is finished: aiohttp-apispec takes any response schema for a marshmallow one)."""
    return {"description": description, "headers": headers, BINARY: True}


def _binary_schemas(paths: dict[str, Any]) -> None:
    for operations in paths.values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                if response.pop(BINARY, False):
                    response["schema"] = {"type": "file"}


def _close_objects(node: Any) -> None:
    """``additionalProperties: false`` on every object with declared properties.

    Request bodies reject unknown keys and responses carry exactly their declared fields;
    apispec 3 cannot say so itself, and without it the spec would promise less than is true.
    """
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value)


def _csrf(app: web.Application, spec: dict[str, Any]) -> None:
    """The CSRF header as an apiKey scheme (Swagger UI's Authorize takes it once) required by
    every unsafe operation behind the session, exactly the ones auth_middleware checks."""
    spec["securityDefinitions"] = {
        CSRF_SCHEME: {
            "type": "apiKey",
            "in": "header",
            "name": auth.CSRF_HEADER,
            "description": "csrf_token from POST /api/auth/login or GET /api/auth/me",
        }
    }
    for route in app.router.routes():
        resource = route.resource
        if route.method not in auth.UNSAFE_METHODS or resource is None:
            continue
        if auth.is_public(resource.name) or not resource.canonical.startswith("/api/"):
            continue
        operation = spec["paths"][resource.canonical][route.method.lower()]
        operation["security"] = [{CSRF_SCHEME: []}]
        # After apispec: the error schema by its reference, as apispec renders the others.
        forbidden = {"description": ERROR_DESCRIPTIONS[403], "schema": {"$ref": ERROR_REF}}
        operation["responses"]["403"] = forbidden


def spec_of(app: web.Application) -> dict[str, Any]:
    """The app's OpenAPI (Swagger 2.0) document, as served at /api/docs/swagger.json."""
    spec: dict[str, Any] = app["swagger_dict"]
    return spec


def finish_spec(app: web.Application) -> None:
    """After aiohttp-apispec built the spec: the API-wide parts of it."""
    spec = spec_of(app)
    _close_objects(spec.get("definitions", {}))
    _binary_schemas(spec.get("paths", {}))
    _csrf(app, spec)
    spec["info"]["description"] = (
        "Admin API of Znatoki. Log in with POST /api/auth/login; the session lives in an "
        "HttpOnly cookie that every other route (but /api/health) requires. Every POST, PUT, "
        "PATCH and DELETE but the login must also send the session's csrf_token (in the "
        "login's answer and GET /api/auth/me) as the X-CSRF-Token header, else 403 csrf: "
        "paste it into Authorize. Errors are "
        '{"error": {"code", "message", "fields"?}}. Any route answers 503 with Retry-After '
        "while the database is unreachable."
    )


# Swagger UI ------------------------------------------------------------------------------------

# The Swagger UI bundled with aiohttp-apispec (4.1.0) obeys ``?url=`` and ``?configUrl=``
# (CVE-2021-46708): a link could make the admin's own origin render a foreign spec, and a
# markdown sanitiser bypass would then run script beside /admin/. So the page is only served
# without a query string, and its CSP lets it fetch nothing but this origin.
SWAGGER_PAGE = "swagger.docs"
SWAGGER_ROUTES = frozenset({SWAGGER_PAGE, "swagger.static", "swagger.spec"})
SWAGGER_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
        "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@web.middleware
async def swagger_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Swagger UI without query parameters and with a strict CSP (see above)."""
    route = request.match_info.route
    name = route.resource.name if route.resource is not None else None
    if name not in SWAGGER_ROUTES:
        passed: web.StreamResponse = await handler(request)
        return passed
    if name == SWAGGER_PAGE and request.query_string:
        raise web.HTTPFound(request.path)
    response: web.StreamResponse = await handler(request)
    response.headers.update(SWAGGER_HEADERS)
    return response
