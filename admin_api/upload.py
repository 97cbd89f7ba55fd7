"""Read an upload (a multipart form: a pack, a question's picture) without trusting the client
about its size.

The app's ``client_max_size`` (16 MiB) caps bodies read whole (``request.read()``/``json()``);
a pack zip may be bigger (``MAX_ZIP_BYTES``). Rather than raise that cap for every route, the
upload streams its form parts here, chunk by chunk, with caps of its own: a declared
Content-Length over the cap is refused before anything is read, and an undeclared (chunked) one
is cut off once it passes the cap, so no more than the cap plus one chunk is ever read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.multipart import BodyPartReader, MultipartReader

from admin_api.errors import ApiError, invalid
from app.packs import FORMATS
from app.packs.limits import MAX_ZIP_BYTES, MB

CHUNK = 64 * 1024
# Room for the form around the file: boundaries, part headers, the format field.
FORM_OVERHEAD = 64 * 1024
MAX_FIELD_BYTES = 64  # the format field ("txt", "4s", "xml")
MAX_FILENAME = 100
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")
MISSING = {
    "the pack": "the pack file (.txt, .4s, .xml or .zip)",
    "the picture": "the picture (PNG, JPEG or GIF)",
}


@dataclass(frozen=True)
class Upload:
    filename: str  # its base name, printable, for the format and the error messages
    data: bytes
    format: str | None  # forced by the form, else chosen by the extension and the content


def too_large(cap: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"The file is over the {cap // MB} MB limit")


def clean_filename(raw: str | None) -> str:
    """The client's name for the file as a base name of one printable line, or "upload"."""
    base = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNPRINTABLE.sub(" ", base).strip()[:MAX_FILENAME]
    return cleaned or "upload"


async def _read_part(part: BodyPartReader, cap: int) -> bytes | None:
    """The part's bytes; None once it is over ``cap`` (then reading stops)."""
    buffer = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        buffer += chunk
        if len(buffer) > cap:
            return None
    return bytes(buffer)


async def _form(request: web.Request, what: str) -> MultipartReader:
    if request.content_type != "multipart/form-data":
        if not request.body_exists:
            raise ApiError(422, "body_required", f"Send {what} as a multipart form field 'file'")
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Send {what} as multipart/form-data with the file in the field 'file'",
        )
    return await request.multipart()


async def _read(request: web.Request, cap: int, what: str, fields: tuple[str, ...]) -> Upload:
    """The form, its size checked up front and its malformations made a 400."""
    declared = request.content_length
    if declared is not None and declared > cap + FORM_OVERHEAD:
        raise too_large(cap)
    try:
        return await _read_form(await _form(request, what), cap, what, fields)
    except (ValueError, AssertionError, RuntimeError, HttpProcessingError) as exc:
        raise ApiError(400, "bad_request", f"The multipart body is malformed: {exc}") from None


async def read_pack_upload(request: web.Request, cap: int = MAX_ZIP_BYTES) -> Upload:
    """The form's ``file`` (at most ``cap`` bytes) and optional ``format``; ApiError otherwise."""
    return await _read(request, cap, "the pack", ("file", "format"))


async def read_picture_upload(request: web.Request, cap: int) -> Upload:
    """The form's only field, ``file`` (at most ``cap`` bytes); ApiError otherwise."""
    return await _read(request, cap, "the picture", ("file",))


async def _read_form(
    form: MultipartReader, cap: int, what: str, allowed: tuple[str, ...]
) -> Upload:
    """Stops at the first field it cannot use: nothing more of the body is read for it."""
    file: tuple[str, bytes] | None = None
    fmt: str | None = None
    seen: set[str] = set()
    while (part := await form.next()) is not None:
        name = part.name if isinstance(part, BodyPartReader) else None
        if name not in allowed or name in seen or not isinstance(part, BodyPartReader):
            names = " and ".join(f"'{field}'" for field in allowed)
            problem = "Sent twice." if name in seen else f"Unknown field: send {names}."
            raise invalid({str(name)[:50]: [problem]})
        seen.add(name)
        if name == "file":
            data = await _read_part(part, cap)
            if data is None:
                raise too_large(cap)
            file = (clean_filename(part.filename), data)
        else:
            raw = await _read_part(part, MAX_FIELD_BYTES)
            fmt = "?" if raw is None else raw.decode("utf-8", "replace").strip() or None
            if fmt is not None and fmt not in FORMATS:
                raise invalid({"format": [f"Must be one of: {', '.join(FORMATS)}."]})
    if file is None:
        raise invalid({"file": [f"Missing: {MISSING[what]}."]})
    filename, data = file
    return Upload(filename=filename, data=data, format=fmt)
