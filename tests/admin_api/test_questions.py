"""The question base through the API. The table keeps its rows between tests (the seeded
starter questions): these tests touch only questions they create, and remove them again."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game.model import Question
from tests.admin_api.conftest import Client, error_of
from tests.admin_api.seed import play


@pytest.fixture
async def mine(db: AsyncEngine) -> AsyncIterator[str]:
    """A unique marker; every question whose text contains it is deleted after the test."""
    marker = f"t{uuid.uuid4().hex[:12]}"
    yield marker
    async with db.begin() as conn:
        await conn.execute(text("DELETE FROM questions WHERE text LIKE :m"), {"m": f"%{marker}%"})


def question(marker: str, **fields: Any) -> dict[str, Any]:
    return {"text": f"Вопрос {marker}: сколько будет два плюс два?", "answer": "4", **fields}


async def create(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/questions", json=body)
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def count_questions(db: AsyncEngine) -> int:
    async with db.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM questions")) or 0)


# Create, read, update, delete -------------------------------------------------------------------


async def test_create_read_update_delete(client: Client, mine: str, db: AsyncEngine) -> None:
    before = await count_questions(db)
    created = await create(
        client,
        question(
            mine,
            answer="  четыре ",
            alternatives=["4", "4.0"],
            rejected=["  22 ", "пять"],
            comment="Арифметика",
            author="Тестов",
            source="tests",
            tags=["математика", "лёгкий"],
        ),
    )
    assert created["answer"] == "четыре"  # surrounding spaces are trimmed
    assert created["alternatives"] == ["4", "4.0"]
    assert created["rejected"] == ["22", "пять"]  # each trimmed too
    assert created["tags"] == ["математика", "лёгкий"]
    assert created["created_at"]
    assert created["updated_at"]
    assert await count_questions(db) == before + 1

    url = f"/api/questions/{created['id']}"
    assert await (await client.get(url)).json() == created

    patched = await client.patch(url, json={"answer": "4", "comment": None, "tags": []})
    assert patched.status == 200
    body = await patched.json()
    assert body["answer"] == "4"
    assert body["comment"] is None
    assert body["tags"] == []
    assert body["text"] == created["text"]  # not sent, not changed
    assert body["rejected"] == ["22", "пять"]
    assert body["author"] == "Тестов"
    assert body["updated_at"] >= created["updated_at"]

    unchanged = await client.patch(url, json={})
    assert (await unchanged.json())["answer"] == "4"

    nezachet = await client.patch(url, json={"rejected": ["три"]})
    assert nezachet.status == 200
    assert (await nezachet.json())["rejected"] == ["три"]
    assert (await (await client.get(url)).json())["alternatives"] == ["4", "4.0"]
    cleared = await client.patch(url, json={"rejected": []})
    assert (await cleared.json())["rejected"] == []

    deleted = await client.delete(url)
    assert deleted.status == 200
    assert await deleted.json() == {"id": created["id"], "deleted": True}
    await error_of(await client.get(url), 404)
    await error_of(await client.delete(url), 404)
    await error_of(await client.patch(url, json={"answer": "x"}), 404)
    assert await count_questions(db) == before


async def test_optional_fields_default_and_blank_means_none(client: Client, mine: str) -> None:
    created = await create(client, question(mine, comment="   ", author=""))
    assert created["alternatives"] == []
    assert created["rejected"] == []
    assert created["tags"] == []
    assert created["comment"] is None
    assert created["author"] is None
    assert created["source"] is None


@pytest.mark.parametrize("path", ["/api/questions/999999999", "/api/questions/2147483647"])
async def test_unknown_question_is_404(client: Client, path: str) -> None:
    error = await error_of(await client.get(path), 404)
    assert error["code"] == "not_found"


@pytest.mark.parametrize("bad_id", ["0", "2147483648", "99999999999999999999999"])
async def test_out_of_range_question_id_is_422(client: Client, bad_id: str) -> None:
    error = await error_of(await client.get(f"/api/questions/{bad_id}"), 422)
    assert "id" in error["fields"]


@pytest.mark.parametrize("bad_id", ["abc", "-1", "1.5", "export"])
async def test_a_non_number_is_no_question_path(client: Client, bad_id: str) -> None:
    await error_of(
        await client.patch(f"/api/questions/{bad_id}", json={}), 405 if bad_id == "export" else 404
    )


# Validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answer": "4"}, "text"),
        ({"text": "Вопрос?"}, "answer"),
        ({"text": "   ", "answer": "4"}, "text"),
        ({"text": "Вопрос?", "answer": "\t\n"}, "answer"),
        ({"text": "x" * 8001, "answer": "4"}, "text"),
        ({"text": "Вопрос?", "answer": "x" * 201}, "answer"),
        ({"text": "Вопрос?", "answer": "4", "alternatives": ["a"] * 21}, "alternatives"),
        ({"text": "Вопрос?", "answer": "4", "alternatives": ["x" * 201]}, "alternatives"),
        ({"text": "Вопрос?", "answer": "4", "alternatives": [""]}, "alternatives"),
        ({"text": "Вопрос?", "answer": "4", "alternatives": "4"}, "alternatives"),
        ({"text": "Вопрос?", "answer": "4", "rejected": ["a"] * 21}, "rejected"),
        ({"text": "Вопрос?", "answer": "4", "rejected": ["x" * 201]}, "rejected"),
        ({"text": "Вопрос?", "answer": "4", "rejected": [" "]}, "rejected"),
        ({"text": "Вопрос?", "answer": "4", "rejected": ["5\x00"]}, "rejected"),
        ({"text": "Вопрос?", "answer": "4", "rejected": [5]}, "rejected"),
        ({"text": "Вопрос?", "answer": "4", "rejected": "5"}, "rejected"),
        ({"text": "Вопрос?", "answer": "4", "rejected": None}, "rejected"),
        ({"text": "Вопрос?", "answer": "4", "comment": "x" * 2001}, "comment"),
        ({"text": "Вопрос?", "answer": "4", "author": "x" * 201}, "author"),
        ({"text": "Вопрос?", "answer": "4", "source": "x" * 501}, "source"),
        ({"text": "Вопрос?", "answer": "4", "tags": ["t"] * 11}, "tags"),
        ({"text": "Вопрос?", "answer": "4", "tags": ["x" * 51]}, "tags"),
        ({"text": "Вопрос?", "answer": "4", "tags": [1]}, "tags"),
        # Blank by Python's and by JSON Schema's idea of whitespace alike (the spec's pattern)
        ({"text": "Вопрос?", "answer": "4", "tags": ["\x85"]}, "tags"),
        ({"text": "Вопрос?", "answer": "\ufeff "}, "answer"),
        ({"text": "\x1c\x1f", "answer": "4"}, "text"),
        ({"text": 42, "answer": "4"}, "text"),
        ({"text": None, "answer": "4"}, "text"),
        ({"text": "Во\x00прос?", "answer": "4"}, "text"),
        ({"text": "Вопрос?", "answer": "\ud800"}, "answer"),
        ({"text": "Вопрос?", "answer": "4", "id": 5}, "id"),
    ],
)
async def test_invalid_question_is_422_with_the_field(
    client: Client, db: AsyncEngine, body: dict[str, Any], field: str
) -> None:
    before = await count_questions(db)
    error = await error_of(await client.post("/api/questions", json=body), 422)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert await count_questions(db) == before


async def test_patch_validates_only_what_is_sent(client: Client, mine: str) -> None:
    created = await create(client, question(mine))
    url = f"/api/questions/{created['id']}"
    for body, field in (
        ({"text": ""}, "text"),
        ({"answer": None}, "answer"),
        ({"tags": None}, "tags"),
        ({"rejected": ["x" * 201]}, "rejected"),
        ({"rejected": None}, "rejected"),
        ({"unknown": 1}, "unknown"),
    ):
        error = await error_of(await client.patch(url, json=body), 422)
        assert field in error["fields"]
    assert (await (await client.get(url)).json()) == created


@pytest.mark.parametrize(
    ("data", "headers", "status", "code"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b'{"text": NaN}', {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b"\xff\xfe", {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b"[" * 100_000, {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b"", {"Content-Type": "application/json"}, 422, "body_required"),
        (b"text=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415, None),
        (b"[]", {"Content-Type": "application/json"}, 422, "validation_error"),
        (b'"text"', {"Content-Type": "application/json"}, 422, "validation_error"),
        (b"null", {"Content-Type": "application/json"}, 422, "validation_error"),
    ],
)
async def test_malformed_bodies_are_clear_client_errors(
    client: Client, data: bytes, headers: dict[str, str], status: int, code: str | None
) -> None:
    error = await error_of(await client.post("/api/questions", data=data, headers=headers), status)
    if code:
        assert error["code"] == code


async def test_body_over_the_size_limit_is_413(client: Client) -> None:
    huge = b'{"text": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/api/questions", data=huge, headers={"Content-Type": "application/json"}
    )
    await error_of(response, 413)


# Search and pagination --------------------------------------------------------------------------


async def test_search_filters_and_pagination(client: Client, mine: str) -> None:
    author = f"Автор {mine}"
    ids = []
    for n, tags in enumerate((["alpha"], ["beta"], ["alpha", "beta"])):
        body = question(mine, answer=f"Ответ_{n}%", tags=[f"{t}-{mine}" for t in tags])
        body["author"] = author
        ids.append((await create(client, body))["id"])

    async def search(**params: Any) -> dict[str, Any]:
        response = await client.get("/api/questions", params=params)
        assert response.status == 200, await response.text()
        page: dict[str, Any] = await response.json()
        return page

    found = await search(q=mine.upper())  # case-insensitive, in the text
    assert [item["id"] for item in found["items"]] == ids
    assert found["total"] == 3
    assert (found["limit"], found["offset"]) == (20, 0)
    assert [i["id"] for i in (await search(q="ответ_1%"))["items"]] == [ids[1]]  # in the answer
    # LIKE wildcards in q are plain characters: "%" does not stand for "_0".
    assert (await search(q="ответ%", author=author))["total"] == 0
    assert [i["id"] for i in (await search(q="ответ_0%", author=author))["items"]] == [ids[0]]
    assert (await search(q=f"{mine} никогда"))["total"] == 0
    alpha = await search(tag=f"alpha-{mine}")
    assert [i["id"] for i in alpha["items"]] == [ids[0], ids[2]]
    assert (await search(tag=f"alpha-{mine}".upper()))["total"] == 0  # tags are exact
    by_author = await search(author=author.upper())
    assert [i["id"] for i in by_author["items"]] == ids

    page = await search(q=mine, limit=2, offset=1)
    assert [i["id"] for i in page["items"]] == ids[1:]
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)
    assert (await search(q=mine, offset=3))["items"] == []
    # Unknown query parameters (cache busters) are ignored.
    assert (await search(q=mine, _="123"))["total"] == 3


async def test_default_page_of_the_whole_base(client: Client, db: AsyncEngine) -> None:
    response = await client.get("/api/questions")
    page = await response.json()
    assert len(page["items"]) == 20
    assert page["total"] == await count_questions(db)
    full = await (await client.get("/api/questions", params={"limit": "100"})).json()
    assert len(full["items"]) == 100


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "2147483648"}, "offset"),
        ({"q": "x" * 201}, "q"),
        ({"q": "\x00"}, "q"),
        ({"tag": "x" * 51}, "tag"),
    ],
)
async def test_bad_query_parameters_are_422(
    client: Client, params: dict[str, str], field: str
) -> None:
    error = await error_of(await client.get("/api/questions", params=params), 422)
    assert field in error["fields"]


# Import and export ------------------------------------------------------------------------------


async def test_import_inserts_all_and_export_returns_the_import_format(
    client: Client, mine: str, db: AsyncEngine
) -> None:
    before = await count_questions(db)
    items = [
        question(mine, answer=f"a{n}", tags=["импорт"], alternatives=[f"alt{n}"], rejected=[])
        for n in range(3)
    ]
    items[1]["rejected"] = ["не a1", "b1"]
    response = await client.post("/api/questions/import", json=items)
    assert response.status == 201, await response.text()
    result = await response.json()
    assert result["imported"] == 3
    assert len(result["ids"]) == 3
    assert await count_questions(db) == before + 3
    stored = [await (await client.get(f"/api/questions/{i}")).json() for i in result["ids"]]
    assert [q["answer"] for q in stored] == ["a0", "a1", "a2"]  # ids in input order
    assert [q["rejected"] for q in stored] == [[], ["не a1", "b1"], []]

    exported = await (await client.get("/api/questions/export")).json()
    assert len(exported) == before + 3
    fields = {"text", "answer", "alternatives", "rejected", "comment", "author", "source", "tags"}
    fields |= {"sources", "authors", "handout", "pack_id", "tour", "number"}
    assert all(set(item) == fields for item in exported)
    mine_exported = [item for item in exported if mine in item["text"]]
    typed_in = {"pack_id": None, "tour": None, "number": None, "handout": None}
    assert mine_exported == [
        {**item, "comment": None, "author": None, "source": None, "sources": [], "authors": []}
        | typed_in
        for item in items
    ]


async def test_import_without_rejected_defaults_to_none_refused(client: Client, mine: str) -> None:
    """An export made before questions had a незачёт list still imports."""
    old_format = {**question(mine), "alternatives": [], "comment": None, "tags": []}
    response = await client.post("/api/questions/import", json=[old_format])
    assert response.status == 201, await response.text()
    (question_id,) = (await response.json())["ids"]
    assert (await (await client.get(f"/api/questions/{question_id}")).json())["rejected"] == []


async def test_import_is_all_or_nothing_with_errors_per_item(
    client: Client, mine: str, db: AsyncEngine
) -> None:
    before = await count_questions(db)
    items = [question(mine, answer=f"a{n}") for n in range(5)]
    items[3]["answer"] = " "
    items[4]["tags"] = ["x" * 51]
    items[1]["rejected"] = ["ok", ""]
    error = await error_of(await client.post("/api/questions/import", json=items), 422)
    assert set(error["fields"]) == {"1", "3", "4"}
    assert "rejected" in error["fields"]["1"]
    assert "answer" in error["fields"]["3"]
    assert "tags" in error["fields"]["4"]
    assert await count_questions(db) == before


async def test_import_size_is_capped(client: Client, mine: str, db: AsyncEngine) -> None:
    before = await count_questions(db)
    items = [question(mine, answer=str(n)) for n in range(1001)]
    error = await error_of(await client.post("/api/questions/import", json=items), 422)
    assert "1000" in str(error["fields"])
    await error_of(await client.post("/api/questions/import", json={"text": "x"}), 422)
    assert await count_questions(db) == before


async def test_export_then_import_round_trips(client: Client, mine: str) -> None:
    await create(
        client,
        question(mine, tags=["круг"], comment="c", source="s", author="a", rejected=["пять"]),
    )
    exported = await (await client.get("/api/questions/export")).json()
    again = [item for item in exported if mine in item["text"]]
    response = await client.post("/api/questions/import", json=again)
    assert response.status == 201
    found = await (await client.get("/api/questions", params={"q": mine})).json()
    assert found["total"] == 2
    first, second = found["items"]
    assert first["rejected"] == second["rejected"] == ["пять"]
    assert {**first, "id": 0, "created_at": 0, "updated_at": 0} == {
        **second,
        "id": 0,
        "created_at": 0,
        "updated_at": 0,
    }


# History survives deletion ----------------------------------------------------------------------


async def test_deleting_a_played_question_keeps_the_games_history(
    client: Client, mine: str, db: AsyncEngine
) -> None:
    created = await create(client, question(mine, answer="четыре"))
    deck = (Question(id=created["id"], text=created["text"], answer="четыре"),)
    game = await play(db, 2000000501, [(11, "Аня")], [(11, "right")], rounds=1, deck=deck)

    assert (await client.delete(f"/api/questions/{created['id']}")).status == 200

    detail = await (await client.get(f"/api/games/{game.id}")).json()
    (played,) = detail["rounds"]
    assert played["question_id"] is None
    assert played["question_text"] == created["text"]
    assert played["correct_answer"] == "четыре"
    assert played["answer_text"] == "четыре"
    assert played["verdict"] == "correct"
    assert detail["score"] == {"team": 1, "bot": 0}
