"""The emulator's upload server and photo files, the HTTP side of vk_emulator/photos.py.

`POST /upload/photo/{token}` is the `upload_url` of photos.getMessagesUploadServer: multipart
with the file in `photo` (or `file1`), answered as VK's upload servers answer, JSON sent as
`text/html`. A missing field, a non-image or a file over the limit gets `"photo": "[]"`, which
is also what VK answers then. `GET /photo/{key}.{ext}` serves a stored file (the `sizes[].url`).
"""

from __future__ import annotations

import json

from aiohttp import BodyPartReader, web

from vk_emulator.appkeys import WORLD_KEY
from vk_emulator.photos import JSON

UPLOAD_FIELDS = ("photo", "file1")
CHUNK = 1 << 16


class _Missing:
    """No upload field in the body (distinct from a field whose file was too big)."""


async def upload_photo(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    photos = world.photos
    if not photos.take_token(request.match_info["token"]):
        await _drain(request)
        return _answer({"error": "ERR_UPLOAD_BAD_URL: unknown or already used upload url"})
    world.counters.photo_uploads += 1
    data = await _read_file(request, photos.max_bytes)
    if world.faults.failed_uploads > 0:
        world.faults.failed_uploads -= 1
        answer = photos.failed_answer()
    elif isinstance(data, bytes):
        answer = photos.receive(data)
    else:
        answer = photos.failed_answer()
    if answer["photo"] == "[]":
        world.counters.photo_uploads_failed += 1
    return _answer(answer)


async def _read_file(request: web.Request, limit: int) -> bytes | _Missing | None:
    """The first upload field's bytes; None when it is over `limit`. The rest of the body is
    read and dropped, so the client always finishes sending and gets the answer."""
    if not request.content_type.startswith("multipart/"):
        await _drain(request)
        return _Missing()
    found: bytes | _Missing | None = _Missing()
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if (
            isinstance(found, _Missing)
            and isinstance(part, BodyPartReader)
            and part.name in UPLOAD_FIELDS
        ):
            found = await _read_part(part, limit)
        else:
            await part.release()
    return found


async def _read_part(part: BodyPartReader, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
    return b"".join(chunks) if size <= limit else None


async def _drain(request: web.Request) -> None:
    while await request.content.read(CHUNK):
        pass


def _answer(body: JSON) -> web.Response:
    return web.Response(text=json.dumps(body), content_type="text/html", charset="utf-8")


async def get_photo(request: web.Request) -> web.Response:
    key, _, ext = request.match_info["name"].rpartition(".")
    blob = request.app[WORLD_KEY].photos.blobs.get(key)
    if blob is None or blob.info.ext != ext:
        raise web.HTTPNotFound(text="no such photo")
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"}
    return web.Response(body=blob.data, content_type=blob.info.content_type, headers=headers)


def setup(app: web.Application) -> None:
    app.router.add_post("/upload/photo/{token}", upload_photo)
    app.router.add_get("/photo/{name}", get_photo)
