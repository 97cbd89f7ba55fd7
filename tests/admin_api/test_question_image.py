"""A question's picture uploaded, replaced and removed through the API (PUT/DELETE
/api/questions/{id}/image), read back through GET."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api.views import images as image_views
from tests.admin_api.conftest import AppFactory, Client, error_of
from tests.emulator.images import gif, jpeg, png

QUESTION = {"text": "Что на картинке?", "answer": "Кот", "handout": {"text": "Смотрите"}}


def form(data: bytes, filename: str | None = "cat.png", **fields: str) -> FormData:
    body = FormData()
    body.add_field("file", data, filename=filename, content_type="application/octet-stream")
    for name, value in fields.items():
        body.add_field(name, value)
    return body


async def new_question(client: Client) -> int:
    response = await client.post("/api/questions", json=QUESTION)
    assert response.status == 201, await response.text()
    question_id: int = (await response.json())["id"]
    return question_id


async def stored(db: AsyncEngine, question_id: int) -> Any:
    """The picture's row (name, content_type, data, vk_attachment), None without one."""
    async with db.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT name, content_type, data, vk_attachment FROM question_images "
                    "WHERE question_id = :q"
                ),
                {"q": question_id},
            )
        ).one_or_none()


async def test_upload_replace_and_remove_round_trip(client: Client, db: AsyncEngine) -> None:
    question_id = await new_question(client)
    url = f"/api/questions/{question_id}/image"
    first = png()
    response = await client.put(url, data=form(first, "cat-1.png"))
    assert response.status == 200, await response.text()
    question = await response.json()
    assert question["id"] == question_id
    assert question["handout"] == {"text": "Смотрите", "image": True}

    shown = await client.get(url)
    assert shown.status == 200
    assert shown.content_type == "image/png"
    assert await shown.read() == first
    assert shown.headers["Content-Disposition"] == 'inline; filename="cat-1.png"'
    listed = await (await client.get(f"/api/questions/{question_id}")).json()
    assert listed["handout"]["image"] is True

    # The bot sent it to VK; a new picture must be uploaded anew, so its attachment goes.
    async with db.begin() as conn:
        await conn.execute(
            text("UPDATE question_images SET vk_attachment = 'photo-1_2' WHERE question_id = :q"),
            {"q": question_id},
        )
    second = jpeg()
    replaced = await client.put(url, data=form(second, "cat.jpg"))
    assert replaced.status == 200, await replaced.text()
    assert (await replaced.json())["updated_at"] > question["updated_at"]
    row = await stored(db, question_id)
    assert (row.name, row.content_type, bytes(row.data), row.vk_attachment) == (
        "cat.jpg",
        "image/jpeg",
        second,
        None,
    )
    assert await (await client.get(url)).read() == second

    removed = await client.delete(url)
    assert removed.status == 200, await removed.text()
    assert (await removed.json())["handout"] == {"text": "Смотрите", "image": False}
    assert await stored(db, question_id) is None
    await error_of(await client.get(url), 404)
    error = await error_of(await client.delete(url), 404)
    assert error["message"] == "The question has no picture"


async def test_the_type_comes_from_the_bytes_not_the_name(client: Client) -> None:
    question_id = await new_question(client)
    url = f"/api/questions/{question_id}/image"
    assert (await client.put(url, data=form(gif(), "picture.png"))).status == 200
    shown = await client.get(url)
    assert shown.content_type == "image/gif"
    without_name = await client.put(url, data=form(png(), None))
    assert without_name.status == 200, await without_name.text()
    disposition = (await client.get(url)).headers["Content-Disposition"]
    assert disposition == f'inline; filename="question-{question_id}.png"'


async def test_a_picture_only_loses_its_image_flag_the_text_handout_stays(
    client: Client,
) -> None:
    response = await client.post("/api/questions", json={"text": "Кто это?", "answer": "Кот"})
    question_id = (await response.json())["id"]
    url = f"/api/questions/{question_id}/image"
    assert (await (await client.put(url, data=form(png()))).json())["handout"] == {
        "text": None,
        "image": True,
    }
    assert (await (await client.delete(url)).json())["handout"] is None


@pytest.mark.parametrize(
    "data",
    [b"", b"GIF8", b"not a picture at all", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"%PDF-1.4"],
)
async def test_anything_but_png_jpeg_or_gif_is_422_and_keeps_the_old_picture(
    client: Client, db: AsyncEngine, data: bytes
) -> None:
    question_id = await new_question(client)
    url = f"/api/questions/{question_id}/image"
    assert (await client.put(url, data=form(png()))).status == 200
    error = await error_of(await client.put(url, data=form(data, "cat.png")), 422)
    assert error["fields"] == {"file": ["Not a PNG, JPEG or GIF picture."]}
    assert bytes((await stored(db, question_id)).data) == png()


async def test_form_problems_are_clear_client_errors(client: Client, db: AsyncEngine) -> None:
    question_id = await new_question(client)
    url = f"/api/questions/{question_id}/image"
    no_file = FormData()
    no_file.add_field("title", "x", filename="x")  # forces multipart
    error = await error_of(await client.put(url, data=no_file), 422)
    assert set(error["fields"]) == {"title"}
    twice = FormData()
    twice.add_field("file", png(), filename="a.png")
    twice.add_field("file", png(), filename="b.png")
    error = await error_of(await client.put(url, data=twice), 422)
    assert error["fields"] == {"file": ["Sent twice."]}
    error = await error_of(await client.put(url, data=form(png(), format="png")), 422)
    assert set(error["fields"]) == {"format"}
    empty_form = {"Content-Type": "multipart/form-data; boundary=b"}
    error = await error_of(await client.put(url, data=b"--b--\r\n", headers=empty_form), 422)
    assert error["fields"] == {"file": ["Missing: the picture (PNG, JPEG or GIF)."]}
    error = await error_of(await client.put(url, json={"file": "x"}), 415)
    assert error["code"] == "unsupported_media_type"
    assert (await error_of(await client.put(url), 422))["code"] == "body_required"
    assert await stored(db, question_id) is None


async def test_a_picture_over_the_cap_is_413(
    client: Client, db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(image_views, "MAX_UPLOAD_BYTES", 64 * 1024)
    question_id = await new_question(client)
    url = f"/api/questions/{question_id}/image"
    big = png() + b"\x00" * (200 * 1024)  # declared over the cap: refused before reading
    assert (await error_of(await client.put(url, data=form(big)), 413))["code"] == (
        "payload_too_large"
    )
    # Just over the cap, within the form's allowance: read until it passes the cap.
    over = png() + b"\x00" * (64 * 1024)
    await error_of(await client.put(url, data=form(over)), 413)
    assert await stored(db, question_id) is None
    assert (await client.put(url, data=form(png() + b"\x00" * 1024))).status == 200


async def test_unknown_question_is_404_and_bad_ids_422(client: Client, db: AsyncEngine) -> None:
    error = await error_of(await client.put("/api/questions/999999/image", data=form(png())), 404)
    assert error["message"] == "Question not found"
    error = await error_of(await client.delete("/api/questions/999999/image"), 404)
    assert error["message"] == "Question not found"
    await error_of(await client.put("/api/questions/0/image", data=form(png())), 422)
    async with db.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM question_images")) == 0


async def test_needs_a_session_and_the_csrf_token(client: Client, app_factory: AppFactory) -> None:
    anon = await app_factory()
    question_id = await new_question(client)
    url = f"/api/questions/{question_id}/image"
    await error_of(await anon.put(url, data=form(png())), 401)
    await error_of(await anon.delete(url), 401)
    no_token = {"X-CSRF-Token": ""}
    await error_of(await client.put(url, data=form(png()), headers=no_token), 403)
    await error_of(await client.delete(url, headers=no_token), 403)
