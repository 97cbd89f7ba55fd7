"""POST /api/packs/import: each format, a zip with a picture, and every bad input refused with
nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api.views import packs as pack_views
from app.packs.store import DuplicatePack, import_pack
from tests.admin_api.conftest import Client, error_of
from tests.emulator.images import png
from tests.integration.test_packs_import import PACK_4S
from tests.pack_files import make_zip

URL = "/api/packs/import"

TXT = """Чемпионат:
Кубок Текста

Дата:
15-Nov-2026

Тур:
Первый тур

Вопрос 1:
Столица Франции?

Ответ:
Париж.

Зачёт:
Paris

Источник:
Энциклопедия

Автор:
Анна Авторова

Вопрос 2:
Столица Италии?

Ответ:
Рим.
"""

XML = """<?xml version="1.0" encoding="utf-8"?>
<tournament>
  <Title>Кубок Разметки</Title>
  <Editors>Пётр Петров</Editors>
  <tour><Id>11</Id><Title>Тур</Title></tour>
  <question>
    <ParentId>11</ParentId>
    <Number>1</Number>
    <Question>[Раздаточный материал: Кот в сапогах] Что за сказка?</Question>
    <Answer>«Кот в сапогах».</Answer>
    <Authors>Сидор Сидоров</Authors>
  </question>
</tournament>
"""

ENTITY_BOMB = """<?xml version="1.0"?>
<!DOCTYPE bomb [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<tournament><Title>&c;</Title></tournament>
"""


def form(data: bytes, filename: str | None, **fields: str) -> FormData:
    body = FormData()
    body.add_field("file", data, filename=filename, content_type="application/octet-stream")
    for name, value in fields.items():
        body.add_field(name, value)
    return body


async def upload(client: Client, data: bytes, filename: str | None, **fields: str) -> Any:
    response = await client.post(URL, data=form(data, filename, **fields))
    assert response.status == 201, await response.text()
    return await response.json()


async def counts(db: AsyncEngine) -> tuple[int, int, int]:
    async with db.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT (SELECT count(*) FROM packs), (SELECT count(*) FROM questions), "
                "(SELECT count(*) FROM question_images)"
            )
        )
        packs, questions, images = found.one()
    return int(packs), int(questions), int(images)


# Each format -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "title", "questions"),
    [
        ("cup.txt", TXT.encode("cp1251"), "Кубок Текста", 2),
        ("cup.4s", PACK_4S.encode(), "Тестовый турнир", 2),
        ("cup.xml", XML.encode(), "Кубок Разметки", 1),
    ],
)
async def test_each_format_imports_and_answers_the_pack(
    client: Client, db: AsyncEngine, filename: str, content: bytes, title: str, questions: int
) -> None:
    before = await counts(db)
    created = await upload(client, content, filename)
    assert created["title"] == title
    assert (created["tours"], created["questions"], created["pictures"]) == (1, questions, 0)
    assert created["enabled"] is True
    summary = await (await client.get(f"/api/packs/{created['id']}")).json()
    assert {name: summary[name] for name in created} == created  # the same JSON as the pack's
    assert len(summary["items"]) == questions
    assert await counts(db) == (before[0] + 1, before[1] + questions, before[2])


async def test_txt_fields_reach_the_question_json(client: Client) -> None:
    created = await upload(client, TXT.encode("cp1251"), "cup.txt")
    items = (await (await client.get(f"/api/packs/{created['id']}")).json())["items"]
    question = await (await client.get(f"/api/questions/{items[0]['id']}")).json()
    assert question["pack_id"] == created["id"]
    assert (question["tour"], question["number"]) == (1, 1)
    assert question["alternatives"] == ["Paris"]
    assert (question["sources"], question["authors"]) == (["Энциклопедия"], ["Анна Авторова"])
    assert question["handout"] is None


async def test_the_format_field_forces_and_the_content_decides_without_an_extension(
    client: Client,
) -> None:
    forced = await upload(client, PACK_4S.encode(), "pack.dat", format="4s")
    assert forced["title"] == "Тестовый турнир"
    sniffed = await upload(client, XML.encode(), None)  # no file name at all: "upload"
    assert sniffed["title"] == "Кубок Разметки"
    empty_format = await upload(client, TXT.encode(), "cup.txt", format="")
    assert empty_format["title"] == "Кубок Текста"


# A zip with a picture, and the picture back ------------------------------------------------------


async def test_a_zip_with_a_picture_and_the_picture_back(client: Client, db: AsyncEngine) -> None:
    picture = png(1, 1)
    created = await upload(client, make_zip({"pack.4s": PACK_4S, "square.png": picture}), "cup.zip")
    assert (created["questions"], created["pictures"]) == (2, 1)
    items = (await (await client.get(f"/api/packs/{created['id']}")).json())["items"]
    plain, pictured = items
    assert pictured["handout"] == {"text": None, "image": True}
    question = await (await client.get(f"/api/questions/{pictured['id']}")).json()
    assert question["handout"] == {"text": None, "image": True}
    assert (question["pack_id"], question["tour"], question["number"]) == (created["id"], 1, 2)

    response = await client.get(f"/api/questions/{pictured['id']}/image")
    assert response.status == 200
    assert await response.read() == picture
    assert response.content_type == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == 'inline; filename="square.png"'
    assert "max-age" in response.headers["Cache-Control"]

    error = await error_of(await client.get(f"/api/questions/{plain['id']}/image"), 404)
    assert "no picture" in error["message"]
    error = await error_of(await client.get("/api/questions/999999/image"), 404)
    assert error["message"] == "Question not found"


async def test_the_picture_and_the_upload_need_a_session(client: Client, db: AsyncEngine) -> None:
    created = await upload(
        client, make_zip({"pack.4s": PACK_4S, "square.png": png(1, 1)}), "cup.zip"
    )
    items = (await (await client.get(f"/api/packs/{created['id']}")).json())["items"]
    client.session.cookie_jar.clear()  # logged out
    await error_of(await client.get(f"/api/questions/{items[1]['id']}/image"), 401)
    before = await counts(db)
    await error_of(await client.post(URL, data=form(TXT.encode(), "cup.txt")), 401)
    assert await counts(db) == before


# Refused: nothing written ------------------------------------------------------------------------


def bomb_zip() -> bytes:
    """51 MB of zeros behind a few kilobytes: over the zip's unpacked total."""
    return make_zip({"pack.4s": PACK_4S.encode(), "square.png": b"\x00" * (51 * 1024 * 1024)})


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("bad.4s", "### T\n\n? Вопрос без ответа\n\n? Второй\n! О\n".encode(), "bad.4s:3: "),
        ("bad.txt", "Чемпионат:\nT\n\nВопрос 1:\nЧто?\n".encode(), "bad.txt:4: "),
        ("notes.md", b"hello world", "unknown format"),
        ("bomb.xml", ENTITY_BOMB.encode(), "bomb.xml: XML refused"),
        ("evil.zip", make_zip({"../pack.4s": PACK_4S.encode()}), "unsafe member name"),
        ("lost.zip", make_zip({"pack.4s": PACK_4S.encode()}), "'square.png' is not in the zip"),
        ("bomb.zip", bomb_zip(), "over 50 MB"),
        ("empty.txt", b"", "the file is empty"),
    ],
)
async def test_a_pack_that_cannot_be_imported_is_422_with_its_problem(
    client: Client, db: AsyncEngine, filename: str, content: bytes, expected: str
) -> None:
    before = await counts(db)
    error = await error_of(await client.post(URL, data=form(content, filename)), 422)
    assert error["code"] == "invalid_pack"
    assert expected in error["message"]
    assert "\n" not in error["message"]
    assert error["fields"] == {"file": [error["message"]]}
    assert await counts(db) == before


async def test_the_same_file_twice_is_409_and_changes_nothing(
    client: Client, db: AsyncEngine
) -> None:
    created = await upload(client, PACK_4S.encode(), "cup.4s")
    before = await counts(db)
    response = await client.post(URL, data=form(PACK_4S.encode(), "renamed.4s"))
    error = await error_of(response, 409)
    assert error["code"] == "duplicate_pack"
    assert f"pack {created['id']}" in error["message"]
    assert response.headers["Location"] == f"/api/packs/{created['id']}"
    assert await counts(db) == before


async def test_a_failure_while_writing_leaves_nothing(
    client: Client, db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pack and its questions are written, then the import fails: all of it rolls back."""

    async def written_then_refused(session: Any, loaded: Any, digest: str) -> Any:
        imported = await import_pack(session, loaded, digest)
        raise DuplicatePack(imported.pack_id)

    monkeypatch.setattr(pack_views, "import_pack", written_then_refused)
    before = await counts(db)
    await error_of(await client.post(URL, data=form(PACK_4S.encode(), "cup.4s")), 409)
    assert await counts(db) == before


# The form itself ---------------------------------------------------------------------------------


async def test_a_file_over_the_cap_is_413(
    client: Client, db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pack_views, "MAX_UPLOAD_BYTES", 64 * 1024)
    before = await counts(db)
    padded = PACK_4S.encode() + b"\n" * (65 * 1024)
    error = await error_of(await client.post(URL, data=form(padded, "cup.4s")), 413)
    assert error["code"] == "payload_too_large"
    # Under the cap, the same route takes it.
    assert (await client.post(URL, data=form(PACK_4S.encode(), "cup.4s"))).status == 201
    assert (await counts(db))[0] == before[0] + 1


async def test_a_chunked_body_is_cut_off_at_the_cap(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Content-Length to refuse up front: the file part is read until it passes the cap."""
    monkeypatch.setattr(pack_views, "MAX_UPLOAD_BYTES", 64 * 1024)
    boundary = "chunkedboundary"

    async def body() -> AsyncIterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="cup.4s"\r\n\r\n'
        ).encode()
        for _ in range(8):  # 128 KiB in all
            yield b"x" * 16 * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post(
        URL, data=body(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert "Content-Length" not in response.request_info.headers
    await error_of(response, 413)


@pytest.mark.parametrize(
    ("kwargs", "status", "code", "field"),
    [
        ({"json": {"file": "x"}}, 415, "unsupported_media_type", None),
        ({"data": b"", "headers": {"Content-Type": "text/plain"}}, 422, "body_required", None),
        ({}, 422, "body_required", None),
        (
            {"data": b"--x\r\nbroken", "headers": {"Content-Type": "multipart/form-data"}},
            400,
            "bad_request",
            None,
        ),
        (
            {
                "data": b"no boundary here",
                "headers": {"Content-Type": "multipart/form-data; boundary=zzz"},
            },
            400,
            "bad_request",
            None,
        ),
    ],
)
async def test_a_body_that_is_no_form_is_a_clear_client_error(
    client: Client, kwargs: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    error = await error_of(await client.post(URL, **kwargs), status)
    assert error["code"] == code


async def test_form_fields_are_checked(client: Client, db: AsyncEngine) -> None:
    before = await counts(db)
    no_file = FormData()
    no_file.add_field("format", "4s", filename="x")  # forces multipart
    error = await error_of(await client.post(URL, data=no_file), 422)
    assert set(error["fields"]) == {"file"}

    error = await error_of(
        await client.post(URL, data=form(PACK_4S.encode(), "cup.4s", format="docx")), 422
    )
    assert set(error["fields"]) == {"format"}
    error = await error_of(
        await client.post(URL, data=form(PACK_4S.encode(), "cup.4s", extra="1")), 422
    )
    assert set(error["fields"]) == {"extra"}
    twice = form(PACK_4S.encode(), "a.4s")
    twice.add_field("file", b"again", filename="b.4s")
    error = await error_of(await client.post(URL, data=twice), 422)
    assert error["fields"] == {"file": ["Sent twice."]}
    assert await counts(db) == before
