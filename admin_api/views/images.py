"""A question's picture (the handout an imported pack brought), as the browser shows it.

The bytes came from an uploaded zip, so the answer is hardened for untrusted content: the type
recorded at import (the parser admits only PNG, JPEG, GIF and WebP by their magic bytes) with
``nosniff``, a sandboxing Content-Security-Policy, and a file name reduced to safe characters.
"""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp_apispec import docs, match_info_schema

from admin_api import schemas
from admin_api.docs import binary, errors
from admin_api.errors import ApiError, not_found
from admin_api.repositories import questions as admin_questions
from admin_api.validation import PATH
from admin_api.views import db

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# Private: the route needs a session; a picture never changes under its question id.
CACHE_CONTROL = "private, max-age=86400"
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, question_id: int, content_type: str) -> str:
    """The pack's name for the picture, reduced to ``[A-Za-z0-9._-]`` (no path, no quotes, no
    header injection), or ``question-<id>.<ext>`` when nothing usable is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._")[:100]
    if not cleaned or "." not in cleaned:
        cleaned = f"question-{question_id}.{_EXTENSIONS.get(content_type, 'bin')}"
    return cleaned


@docs(
    tags=["questions"],
    summary="The question's picture (a handout from its pack), as stored",
    produces=[*IMAGE_TYPES, "application/json"],
    responses={
        "200": binary(
            "the picture's bytes, with the type recorded at import",
            {
                "Content-Disposition": {"type": "string", "description": "inline; filename=…"},
                "Cache-Control": {"type": "string"},
                "X-Content-Type-Options": {"type": "string", "description": "nosniff"},
            },
        ),
        **errors(401, 404, 422, e404="No such question, or it has no picture"),
    },
)
@match_info_schema(schemas.QuestionPath)
async def get_question_image(request: web.Request) -> web.Response:
    question_id = request[PATH]["id"]
    async with db(request).begin() as session:
        exists, picture = await admin_questions.picture(session, question_id)
    if not exists:
        raise not_found("Question")
    if picture is None:
        raise ApiError(404, "not_found", "The question has no picture")
    filename = safe_filename(picture.name, question_id, picture.content_type)
    return web.Response(
        body=picture.data,
        content_type=picture.content_type,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
