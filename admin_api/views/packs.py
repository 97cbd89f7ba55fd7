"""Imported question packs: list, one with its questions in order, enable/rename, delete.

Importing is ``python -m app.packs import`` for now (an upload endpoint is issue #14's next
step)."""

from __future__ import annotations

from aiohttp import web
from aiohttp_apispec import docs, json_schema, match_info_schema, querystring_schema
from aiohttp_apispec import response_schema as returns

from admin_api import schemas
from admin_api.docs import BODY_ERRORS, errors
from admin_api.errors import not_found
from admin_api.repositories import packs
from admin_api.validation import BODY, PATH, QUERY
from admin_api.views import db, page, reply

TAGS = ["packs"]


@docs(tags=TAGS, summary="Imported packs, oldest first", responses=errors(401, 422))
@querystring_schema(schemas.PageQuery)
@returns(schemas.PackPage, 200)
async def list_packs(request: web.Request) -> web.Response:
    query = request[QUERY]
    async with db(request).begin() as session:
        items, total = await packs.page(session, query["limit"], query["offset"])
    return reply(schemas.PackPage(), page(items, total, query["limit"], query["offset"]))


@docs(
    tags=TAGS,
    summary="A pack with its questions in order",
    responses=errors(401, 404, 422),
)
@match_info_schema(schemas.PackPath)
@returns(schemas.PackDetail, 200)
async def get_pack(request: web.Request) -> web.Response:
    pack_id = request[PATH]["id"]
    async with db(request).begin() as session:
        found = await packs.summary(session, pack_id)
        items = await packs.questions(session, pack_id) if found else []
    if found is None:
        raise not_found("Pack")
    return reply(schemas.PackDetail(), {**found, "items": items})


@docs(
    tags=TAGS,
    summary="Enable, disable or rename a pack (only the fields sent)",
    description="A disabled pack's questions are left out of new games.",
    consumes=["application/json"],
    responses=errors(401, 404, *BODY_ERRORS),
)
@match_info_schema(schemas.PackPath)
@json_schema(schemas.PackPatch(), required=True)
@returns(schemas.Pack, 200)
async def patch_pack(request: web.Request) -> web.Response:
    pack_id = request[PATH]["id"]
    async with db(request).begin() as session:
        if not await packs.update(session, pack_id, request[BODY]):
            raise not_found("Pack")
        found = await packs.summary(session, pack_id)
    return reply(schemas.Pack(), found)


@docs(
    tags=TAGS,
    summary="Delete a pack and its questions",
    description="Past games keep their rounds (each stores the question's text and answer).",
    responses=errors(401, 404, 422),
)
@match_info_schema(schemas.PackPath)
@returns(schemas.Deleted, 200)
async def delete_pack(request: web.Request) -> web.Response:
    pack_id = request[PATH]["id"]
    async with db(request).begin() as session:
        deleted = await packs.remove(session, pack_id)
    if not deleted:
        raise not_found("Pack")
    return reply(schemas.Deleted(), {"id": pack_id, "deleted": True})
