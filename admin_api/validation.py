"""Validate path, query and body against the marshmallow schemas a view declares.

Views declare their inputs with aiohttp-apispec's ``match_info_schema``, ``querystring_schema``
and ``json_schema`` decorators, which also document them in the OpenAPI spec, so the spec and
the validation cannot drift apart. This middleware replaces aiohttp-apispec's own
``validation_middleware`` because that one goes through webargs 5, which parses a body field
by field: it silently drops unknown keys, skips schema-level rules and fails with a 500 when
the JSON body is not an object. Here every input is loaded whole by marshmallow 3; unknown
body keys, wrong types and out-of-range values are a 422 with per-field messages, malformed
JSON a 400, a body that is not JSON a 415.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from marshmallow import Schema, ValidationError, fields

from admin_api.errors import ApiError, invalid

PATH: web.RequestKey[dict[str, Any]] = web.RequestKey("path", dict)
QUERY: web.RequestKey[dict[str, Any]] = web.RequestKey("query", dict)
BODY: web.RequestKey[Any] = web.RequestKey("body", object)

JSON_TYPES = ("application/json",)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or an ApiError saying clearly what is wrong with it."""
    if request.content_type not in JSON_TYPES and not request.content_type.endswith("+json"):
        if not request.body_exists:
            raise ApiError(422, "body_required", "A JSON request body is required")
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the request body as JSON with Content-Type: application/json",
        )
    raw = await request.read()  # over client_max_size: aiohttp raises a 413
    if not raw.strip():
        raise ApiError(422, "body_required", "A JSON request body is required")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", f"The request body is not valid JSON: {exc}") from None


def _query_data(request: web.Request, schema: Schema) -> dict[str, Any]:
    """The declared query parameters (unknown ones are ignored, as caches and UIs add them)."""
    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key in request.query:
            many = isinstance(field, fields.List)
            data[key] = request.query.getall(key) if many else request.query.getone(key)
    return data


def _load(schema: Schema, data: Any) -> Any:
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages
        fields = messages if isinstance(messages, Mapping) else {"_schema": messages}
        raise invalid(fields) from None


@web.middleware
async def validation_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    declared = getattr(request.match_info.handler, "__schemas__", ())
    for entry in declared:
        schema: Schema = entry["schema"]
        location = (entry["locations"] or ["json"])[0]
        if location == "match_info":
            request[PATH] = _load(schema, dict(request.match_info))
        elif location == "querystring":
            request[QUERY] = _load(schema, _query_data(request, schema))
        elif location == "json":
            request[BODY] = _load(schema, await read_json(request))
        else:  # pragma: no cover - a view declared a location this API does not use
            raise RuntimeError(f"unsupported input location {location!r}")
    return await handler(request)
