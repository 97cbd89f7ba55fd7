"""The question base: search, read, create, edit, delete, bulk import and export."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_apispec import docs, json_schema, match_info_schema, querystring_schema
from aiohttp_apispec import response_schema as returns
from marshmallow import ValidationError

from admin_api import schemas
from admin_api.docs import BODY_ERRORS, errors
from admin_api.errors import invalid, not_found
from admin_api.repositories import questions as admin_questions
from admin_api.repositories.questions import QuestionRecord
from admin_api.validation import BODY, PATH, QUERY
from admin_api.views import db, page, reply

TAGS = ["questions"]


def _fits_one_message(question: QuestionRecord) -> None:
    """After an edit of the text or the handout alone: the two together still fit VK's
    message (raised inside the transaction, so the edit is rolled back)."""
    try:
        schemas.check_message(question.text, (question.handout or {}).get("text"))
    except ValidationError as exc:
        raise invalid({"handout": exc.messages}) from None


@docs(
    tags=TAGS,
    summary="Search questions (q in text or answer, tag, author), paginated",
    responses=errors(401, 422),
)
@querystring_schema(schemas.QuestionQuery)
@returns(schemas.QuestionPage, 200)
async def list_questions(request: web.Request) -> web.Response:
    query = request[QUERY]
    async with db(request).begin() as session:
        items, total = await admin_questions.search(
            session,
            q=query.get("q"),
            tag=query.get("tag"),
            author=query.get("author"),
            limit=query["limit"],
            offset=query["offset"],
        )
    return reply(schemas.QuestionPage(), page(items, total, query["limit"], query["offset"]))


@docs(
    tags=TAGS,
    summary="Create a question",
    consumes=["application/json"],
    responses=errors(401, *BODY_ERRORS),
)
@json_schema(schemas.QuestionFields, required=True)
@returns(schemas.Question, 201)
async def create_question(request: web.Request) -> web.Response:
    async with db(request).begin() as session:
        created = await admin_questions.create(session, request[BODY])
    return reply(schemas.Question(), created, status=201)


@docs(tags=TAGS, summary="One question", responses=errors(401, 404, 422))
@match_info_schema(schemas.QuestionPath)
@returns(schemas.Question, 200)
async def get_question(request: web.Request) -> web.Response:
    async with db(request).begin() as session:
        found = await admin_questions.get(session, request[PATH]["id"])
    if found is None:
        raise not_found("Question")
    return reply(schemas.Question(), found)


@docs(
    tags=TAGS,
    summary="Edit a question (only the fields sent; null clears comment/author/source/handout)",
    description="Games already played keep the question as it was (rounds store a snapshot).",
    consumes=["application/json"],
    responses=errors(401, 404, *BODY_ERRORS),
)
@match_info_schema(schemas.QuestionPath)
@json_schema(schemas.QuestionFields(partial=True), required=True)
@returns(schemas.Question, 200)
async def update_question(request: web.Request) -> web.Response:
    async with db(request).begin() as session:
        updated = await admin_questions.update_fields(session, request[PATH]["id"], request[BODY])
        if updated is not None:
            _fits_one_message(updated)
    if updated is None:
        raise not_found("Question")
    return reply(schemas.Question(), updated)


@docs(
    tags=TAGS,
    summary="Delete a question",
    description=(
        "Past games keep their rounds: each round stores the question's text and answer, "
        "and its question_id becomes null."
    ),
    responses=errors(401, 404, 422),
)
@match_info_schema(schemas.QuestionPath)
@returns(schemas.Deleted, 200)
async def delete_question(request: web.Request) -> web.Response:
    question_id = request[PATH]["id"]
    async with db(request).begin() as session:
        deleted = await admin_questions.remove(session, question_id)
    if not deleted:
        raise not_found("Question")
    return reply(schemas.Deleted(), {"id": question_id, "deleted": True})


@docs(
    tags=TAGS,
    summary=f"Import a JSON array of questions (at most {schemas.MAX_IMPORT}), all or nothing",
    description=(
        "Either every item is valid and all are inserted in one transaction, or nothing is "
        'and the 422 lists the problems per item index: {"error": {"fields": {"3": '
        '{"answer": [...]}}}}. The format is what GET /api/questions/export returns; its '
        "pack fields (pack_id, tour, number, handout.image) are accepted and ignored: an "
        "imported question belongs to no pack."
    ),
    consumes=["application/json"],
    responses=errors(401, *BODY_ERRORS),
)
@json_schema(schemas.QuestionImportItem(many=True), required=True)
@returns(schemas.ImportResult, 201)
async def import_questions(request: web.Request) -> web.Response:
    items: list[dict[str, Any]] = request[BODY]
    async with db(request).begin() as session:
        ids = await admin_questions.insert_many(session, items)
    return reply(schemas.ImportResult(), {"imported": len(ids), "ids": ids}, status=201)


@docs(
    tags=TAGS,
    summary="Every question as a JSON array in the import format",
    responses=errors(401),
)
@returns(schemas.QuestionExport(many=True), 200)
async def export_questions(request: web.Request) -> web.Response:
    async with db(request).begin() as session:
        items = await admin_questions.export_all(session)
    return reply(schemas.QuestionExport(many=True), items)
