"""A question's picture (a handout an imported pack brought, or one an admin uploaded): shown
as the browser shows it, replaced, removed.

The bytes came from an upload, so the answer is hardened for untrusted content: the type
recorded when stored (only PNG, JPEG, GIF and, from older packs, WebP, by their magic bytes) with
``nosniff``, a sandboxing Content-Security-Policy, and a file name reduced to safe characters.
"""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp_apispec import docs, match_info_schema
from aiohttp_apispec import response_schema as returns

from admin_api import schemas
from admin_api.docs import binary, errors
from admin_api.errors import ApiError, invalid, not_found
from admin_api.repositories import questions as admin_questions
from admin_api.repositories.questions import QuestionPicture
from admin_api.upload import read_picture_upload
from admin_api.validation import PATH
from admin_api.views import db, reply
from app.packs.limits import MAX_PICTURE_BYTES, MB
from app.packs.loader import picture_type

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# Private: the route needs a session; a picture never changes under its question id.
CACHE_CONTROL = "private, max-age=86400"
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
TAGS = ["questions"]
MAX_UPLOAD_BYTES = MAX_PICTURE_BYTES  # what the bot's importer admits for a pack's picture


def no_picture() -> ApiError:
    return ApiError(404, "not_found", "The question has no picture")


def safe_filename(name: str, question_id: int, content_type: str) -> str:
    """The pack's name for the picture, reduced to ``[A-Za-z0-9._-]`` (no path, no quotes, no
    header injection), or ``question-<id>.<ext>`` when nothing usable is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._")[:100]
    if not cleaned or "." not in cleaned:
        cleaned = f"question-{question_id}.{_EXTENSIONS.get(content_type, 'bin')}"
    return cleaned


@docs(
    tags=TAGS,
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
        raise no_picture()
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


@docs(
    tags=TAGS,
    summary="Upload the question's picture (a handout), replacing the one it had",
    description=(
        "A multipart form with one field, `file`: a PNG, JPEG or GIF (by its content, whatever "
        f"its name), at most {MAX_PICTURE_BYTES // MB} MB. The bot shows it with the question "
        "from the next game on (a replaced picture is uploaded to VK anew). Answers the "
        "question, handout.image true."
    ),
    consumes=["multipart/form-data"],
    parameters=[
        {
            "in": "formData",
            "name": "file",
            "type": "file",
            "required": True,
            "description": f"PNG, JPEG or GIF, at most {MAX_PICTURE_BYTES // MB} MB",
        }
    ],
    responses=errors(
        400,
        401,
        404,
        413,
        415,
        422,
        e400="The multipart body is malformed",
        e413=f"The file is over {MAX_PICTURE_BYTES // MB} MB",
        e415="The body is not sent as multipart/form-data",
        e422="Invalid id, no file field, an unknown field, or the file is not a PNG, JPEG or GIF",
    ),
)
@match_info_schema(schemas.QuestionPath)
@returns(schemas.Question, 200)
async def put_question_image(request: web.Request) -> web.Response:
    question_id = request[PATH]["id"]
    async with db(request).begin() as session:  # an unknown question before a 20 MB read
        if await admin_questions.get(session, question_id) is None:
            raise not_found("Question")
    upload = await read_picture_upload(request, MAX_UPLOAD_BYTES)
    content_type = picture_type(upload.data)
    if content_type is None:
        raise invalid({"file": ["Not a PNG, JPEG or GIF picture."]})
    picture = QuestionPicture(upload.filename, content_type, upload.data)
    async with db(request).begin() as session:
        if not await admin_questions.set_picture(session, question_id, picture):
            raise not_found("Question")
        question = await admin_questions.get(session, question_id)
    return reply(schemas.Question(), question)


@docs(
    tags=TAGS,
    summary="Remove the question's picture (its text handout stays)",
    responses=errors(401, 404, 422, e404="No such question, or it has no picture"),
)
@match_info_schema(schemas.QuestionPath)
@returns(schemas.Question, 200)
async def delete_question_image(request: web.Request) -> web.Response:
    question_id = request[PATH]["id"]
    async with db(request).begin() as session:
        exists, had = await admin_questions.drop_picture(session, question_id)
        if not exists:
            raise not_found("Question")
        if not had:
            raise no_picture()  # raised here: the question's updated_at is rolled back
        question = await admin_questions.get(session, question_id)
    return reply(schemas.Question(), question)
