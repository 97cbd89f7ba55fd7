"""Imported packs in the admin API: list, one in order, enable/disable and rename, delete."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_sessionmaker
from app.packs import load
from app.packs.store import digest_of, import_pack
from tests.admin_api.conftest import Client, error_of

PACK = """### Кубок Образцов
#EDITOR Иван Редакторов, Пётр Петров
#DATE 30 ноября 2026

## Тур 1

№ 1
? Какой город — столица Франции?
! Париж
= Paris
!= Лион
/ Город на Сене.
^ Энциклопедия
@ Анна Авторова

## Тур 2

> Лист бумаги с текстом
№ 1
? Что написано на листе?
! Текст
"""


async def imported(db: AsyncEngine, text: str = PACK) -> int:
    data = text.encode()
    async with create_sessionmaker(db).begin() as session:
        result = await import_pack(session, load(data, "cup.4s"), digest_of(data))
    return result.pack_id


async def test_a_pack_is_listed_and_shown_with_its_questions_in_order(
    client: Client, db: AsyncEngine
) -> None:
    pack_id = await imported(db)
    listing = await (await client.get("/api/packs")).json()
    assert listing["total"] == 1
    assert listing["items"] == [
        {
            "id": pack_id,
            "title": "Кубок Образцов",
            "editors": ["Иван Редакторов", "Пётр Петров"],
            "date": "30 ноября 2026",
            "tours": 2,
            "questions": 2,
            "pictures": 0,
            "enabled": True,
        }
    ]
    detail = await (await client.get(f"/api/packs/{pack_id}")).json()
    first, second = detail["items"]
    assert (first["tour"], first["number"], second["tour"], second["number"]) == (1, 1, 2, 1)
    assert first["answer"] == "Париж"
    assert (first["alternatives"], first["rejected"]) == (["Paris"], ["Лион"])
    assert (first["sources"], first["authors"]) == (["Энциклопедия"], ["Анна Авторова"])
    assert first["handout"] is None
    assert second["handout"] == {"text": "Лист бумаги с текстом", "image": False}


async def test_a_pack_is_disabled_renamed_and_deleted(client: Client, db: AsyncEngine) -> None:
    pack_id = await imported(db)
    response = await client.patch(f"/api/packs/{pack_id}", json={"enabled": False})
    assert response.status == 200
    assert (await response.json())["enabled"] is False
    renamed = await client.patch(f"/api/packs/{pack_id}", json={"title": "Новый кубок"})
    assert (await renamed.json())["title"] == "Новый кубок"
    deleted = await client.delete(f"/api/packs/{pack_id}")
    assert (await deleted.json()) == {"id": pack_id, "deleted": True}
    await error_of(await client.get(f"/api/packs/{pack_id}"), 404)
    assert (await (await client.get("/api/packs")).json())["total"] == 0


async def test_unknown_packs_and_bad_edits_are_refused(client: Client, db: AsyncEngine) -> None:
    await error_of(await client.get("/api/packs/4242"), 404)
    await error_of(await client.patch("/api/packs/4242", json={"enabled": True}), 404)
    await error_of(await client.delete("/api/packs/4242"), 404)
    pack_id = await imported(db)
    error = await error_of(await client.patch(f"/api/packs/{pack_id}", json={"title": ""}), 422)
    assert "title" in error["fields"]
    error = await error_of(
        await client.patch(f"/api/packs/{pack_id}", json={"title": "x" * 501}), 422
    )
    assert "title" in error["fields"]
