"""Question packs: upload one, list them, one with its questions in order, enable/rename,
delete.

An upload goes through the same parser and store as ``python -m app.packs import``
(:mod:`app.packs`), so a file imports the same way from either, in one transaction.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp_apispec import docs, json_schema, match_info_schema, querystring_schema
from aiohttp_apispec import response_schema as returns
from sqlalchemy.exc import IntegrityError

from admin_api import schemas
from admin_api.docs import BODY_ERRORS, errors
from admin_api.errors import ApiError, not_found
from admin_api.repositories import packs
from admin_api.upload import read_pack_upload
from admin_api.validation import BODY, PATH, QUERY
from admin_api.views import db, page, reply
from app.packs import FORMATS, PackError, load
from app.packs.limits import MAX_ZIP_BYTES, MB
from app.packs.store import DuplicatePack, digest_of, import_pack

TAGS = ["packs"]
# The largest upload: a zip of the pack and its pictures (a bare pack file has the parser's
# own, lower cap).
MAX_UPLOAD_BYTES = MAX_ZIP_BYTES


def _duplicate(pack_id: int) -> ApiError:
    return ApiError(
        409,
        "duplicate_pack",
        f"This file was already imported as pack {pack_id}",
        headers={"Location": f"/api/packs/{pack_id}"},
    )


_UPLOAD_ERRORS = errors(
    400,
    401,
    409,
    413,
    415,
    422,
    e400="The multipart body is malformed",
    e409="This very file was imported before: Location is that pack",
    e413=f"The file is over {MAX_ZIP_BYTES // MB} MB",
    e415="The body is not sent as multipart/form-data",
    e422="No file field, or the pack cannot be imported: message is 'FILE:LINE: problem'",
)
_UPLOAD_ERRORS["409"]["headers"] = {
    "Location": {"type": "string", "description": "/api/packs/{id} of the earlier import"}
}


@docs(
    tags=TAGS,
    summary="Import a pack file: .txt, .4s, .xml, or a .zip with its pictures",
    description=(
        "A multipart form: `file` (the format by its extension, else by its content) and "
        "optionally `format` to force it. All or nothing: a file that cannot be imported "
        "writes nothing and the 422 names the file, the line and the problem; the same file "
        "again is a 409 naming the pack it became (Location)."
    ),
    consumes=["multipart/form-data"],
    parameters=[
        {
            "in": "formData",
            "name": "file",
            "type": "file",
            "required": True,
            "description": f"the pack (at most {MAX_ZIP_BYTES // MB} MB)",
        },
        {
            "in": "formData",
            "name": "format",
            "type": "string",
            "enum": list(FORMATS),
            "required": False,
            "description": "force the pack file's format (inside a zip too)",
        },
    ],
    responses=_UPLOAD_ERRORS,
)
@returns(schemas.Pack, 201)
async def import_pack_file(request: web.Request) -> web.Response:
    upload = await read_pack_upload(request, MAX_UPLOAD_BYTES)
    try:  # parsing is CPU work: off the event loop, so other requests go on meanwhile
        loaded = await asyncio.to_thread(load, upload.data, upload.filename, upload.format)
    except PackError as exc:
        raise ApiError(422, "invalid_pack", str(exc), fields={"file": [str(exc)]}) from None
    digest = digest_of(upload.data)
    try:
        async with db(request).begin() as session:
            imported = await import_pack(session, loaded, digest)
            found = await packs.summary(session, imported.pack_id)
    except DuplicatePack as exc:
        raise _duplicate(exc.pack_id) from None
    except IntegrityError:  # the same file uploaded twice at once: the other one won
        async with db(request).begin() as session:
            existing = await packs.by_digest(session, digest)
        if existing is None:
            raise
        raise _duplicate(existing) from None
    return reply(schemas.Pack(), found, status=201)


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
