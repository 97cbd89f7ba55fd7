"""A question's pack-era fields through the API: sources, authors, the handout, its pack and
place in it; the one-message limit; import and export carrying them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api.schemas import MAX_HANDOUT, MAX_TEXT
from app.db.engine import create_sessionmaker
from app.packs import load
from app.packs.limits import MAX_MESSAGE_CHARS
from app.packs.store import digest_of, import_pack
from tests.admin_api.conftest import Client, error_of
from tests.emulator.images import png
from tests.integration.test_packs_import import PACK_4S
from tests.pack_files import make_zip

BASE = {"text": "Столица Франции?", "answer": "Париж"}


async def create(client: Client, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/questions", json={**BASE, **fields})
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def patch(client: Client, question_id: int, **fields: Any) -> dict[str, Any]:
    response = await client.patch(f"/api/questions/{question_id}", json=fields)
    assert response.status == 200, await response.text()
    patched: dict[str, Any] = await response.json()
    return patched


async def test_new_fields_round_trip_beside_the_old_ones(client: Client) -> None:
    created = await create(
        client,
        sources=[" https://example.com/paris ", "Энциклопедия"],
        authors=["Анна Авторова"],
        handout={"text": "  Карта Франции "},
        rejected=["Лион"],
        author="Старое поле",
        source="старый источник",
    )
    assert created["sources"] == ["https://example.com/paris", "Энциклопедия"]
    assert created["authors"] == ["Анна Авторова"]
    assert created["handout"] == {"text": "Карта Франции", "image": False}
    assert created["rejected"] == ["Лион"]
    assert (created["author"], created["source"]) == ("Старое поле", "старый источник")
    assert (created["pack_id"], created["tour"], created["number"]) == (None, None, None)
    url = f"/api/questions/{created['id']}"
    assert await (await client.get(url)).json() == created
    listed = await (await client.get("/api/questions", params={"q": "Франции"})).json()
    assert listed["items"] == [created]

    edited = await patch(client, created["id"], authors=["Б. Борисов", "В. Вернов"], sources=[])
    assert (edited["authors"], edited["sources"]) == (["Б. Борисов", "В. Вернов"], [])
    assert edited["handout"] == created["handout"]  # not sent, not changed
    assert (await patch(client, created["id"], handout=None))["handout"] is None
    again = await patch(client, created["id"], handout={"text": "Другой текст"})
    assert again["handout"] == {"text": "Другой текст", "image": False}
    assert (await patch(client, created["id"], handout={"text": None}))["handout"] is None
    assert (await create(client))["handout"] is None  # none unless sent


async def test_the_text_and_its_handout_fit_one_vk_message(client: Client, db: AsyncEngine) -> None:
    """The caps add up to VK's message; a pack's longer question takes only a handout that
    still fits with it."""
    most = await create(client, text="x" * MAX_TEXT, handout={"text": "h" * MAX_HANDOUT})
    assert len(most["text"]) + 1 + len(most["handout"]["text"]) == MAX_MESSAGE_CHARS

    long_text = "Д" * (MAX_MESSAGE_CHARS - 10)
    data = f"### Длинный\n? {long_text}\n! Ответ\n".encode()
    async with create_sessionmaker(db).begin() as session:
        pack = await import_pack(session, load(data, "long.4s"), digest_of(data))
    (item,) = (await (await client.get(f"/api/packs/{pack.pack_id}")).json())["items"]
    url = f"/api/questions/{item['id']}"
    stored = await (await client.get(url)).json()
    assert len(stored["text"]) == MAX_MESSAGE_CHARS - 10
    error = await error_of(await client.patch(url, json={"handout": {"text": "h" * 10}}), 422)
    assert str(MAX_MESSAGE_CHARS) in error["fields"]["handout"][0]
    assert await (await client.get(url)).json() == stored  # rolled back
    fits = await patch(client, item["id"], handout={"text": "h" * 9})
    assert fits["handout"] == {"text": "h" * 9, "image": False}
    # Its text edited down to the cap, any handout fits again.
    shorter = await patch(client, item["id"], text="y" * MAX_TEXT, handout={"text": "h" * 999})
    assert len(shorter["text"]) == MAX_TEXT


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"sources": [""]}, "sources"),
        ({"sources": ["x" * 1001]}, "sources"),
        ({"sources": ["s"] * 51}, "sources"),
        ({"sources": "одна строка"}, "sources"),
        ({"authors": ["x" * 201]}, "authors"),
        ({"authors": ["a"] * 21}, "authors"),
        ({"authors": [None]}, "authors"),
        ({"handout": {"text": ""}}, "handout"),
        ({"handout": {"text": "x" * (MAX_HANDOUT + 1)}}, "handout"),
        ({"handout": {"image": True}}, "handout"),  # pictures come only with packs
        ({"handout": "текст"}, "handout"),
        ({"pack_id": 1}, "pack_id"),  # a question joins no pack through the API
        ({"tour": 1}, "tour"),
        ({"text": "x" * (MAX_TEXT + 1)}, "text"),
    ],
)
async def test_bad_new_fields_are_422(client: Client, extra: dict[str, Any], field: str) -> None:
    error = await error_of(await client.post("/api/questions", json={**BASE, **extra}), 422)
    assert field in error["fields"], error
    created = await create(client)
    url = f"/api/questions/{created['id']}"
    error = await error_of(await client.patch(url, json=extra), 422)
    assert field in error["fields"], error


async def test_export_carries_the_pack_fields_and_import_takes_them_back_as_loose(
    client: Client, db: AsyncEngine
) -> None:
    data = make_zip({"pack.4s": PACK_4S, "square.png": png(1, 1)})
    async with create_sessionmaker(db).begin() as session:
        pack = await import_pack(session, load(data, "cup.zip"), digest_of(data))
    exported = await (await client.get("/api/questions/export")).json()
    from_pack = [item for item in exported if item["pack_id"] == pack.pack_id]
    first, second = from_pack
    assert (first["tour"], first["number"], second["number"]) == (1, 1, 2)
    assert (first["sources"], first["authors"]) == (["Энциклопедия"], ["Анна Авторова"])
    assert second["handout"] == {"text": None, "image": True}

    response = await client.post("/api/questions/import", json=from_pack)
    assert response.status == 201, await response.text()
    copies = [
        await (await client.get(f"/api/questions/{i}")).json()
        for i in (await response.json())["ids"]
    ]
    assert [copy["pack_id"] for copy in copies] == [None, None]  # loose questions now
    assert [copy["tour"] for copy in copies] == [None, None]
    assert copies[0]["sources"] == ["Энциклопедия"]
    assert copies[1]["handout"] is None  # the picture stays with the pack's question


async def test_editing_a_pack_question_keeps_its_place_in_the_pack(
    client: Client, db: AsyncEngine
) -> None:
    data = PACK_4S.encode()
    async with create_sessionmaker(db).begin() as session:
        pack = await import_pack(session, load(data, "cup.4s"), digest_of(data))
    detail = await (await client.get(f"/api/packs/{pack.pack_id}")).json()
    first = detail["items"][0]
    edited = await patch(client, first["id"], comment="Новый комментарий")
    assert (edited["pack_id"], edited["tour"], edited["number"]) == (pack.pack_id, 1, 1)
    assert edited["comment"] == "Новый комментарий"
    assert edited["alternatives"] == ["Paris"]
