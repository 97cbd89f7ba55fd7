"""Migrations build the schema the models describe, and unwind cleanly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from app.db.engine import create_engine
from app.db.models import Base
from tests.conftest import alembic_config, fresh_database


@pytest.fixture
def scratch_url() -> Iterator[str]:
    with fresh_database("znatoki_mig", migrate=False) as url:
        yield url


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url, pool_size=1)
        async with engine.connect() as conn:

            def names(sync: Connection) -> set[str]:
                return set(inspect(sync).get_table_names())

            tables = await conn.run_sync(names)
        await engine.dispose()
        return tables

    return asyncio.run(read())


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    assert set(Base.metadata.tables) <= _tables(scratch_url)
    command.downgrade(config, "base")
    assert _tables(scratch_url) == {"alembic_version"}
    command.upgrade(config, "head")
    assert set(Base.metadata.tables) <= _tables(scratch_url)


async def _sql(url: str, *statements: tuple[str, dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Run the statements in one transaction; the rows of the last one."""
    engine = create_engine(url, pool_size=1)
    rows: list[tuple[Any, ...]] = []
    async with engine.begin() as conn:
        for sql, params in statements:
            result = await conn.execute(text(sql), params)
            rows = [tuple(row) for row in result] if result.returns_rows else []
    await engine.dispose()
    return rows


def test_0007_fills_round_reasons_from_saved_states(scratch_url: str) -> None:
    """Rounds saved before ``game_rounds.reason`` existed get it from their game's state where
    the judge recorded one; older rounds (and states without results) stay NULL."""
    config = alembic_config(scratch_url)
    command.upgrade(config, "0006")
    states: dict[int, dict[str, Any]] = {
        1: {"results": [{"number": 1, "reason": "fuller"}, {"number": 2, "reason": "hedge"}]},
        2: {"results": [{"number": 1, "correct": True}]},  # judged before reasons existed
        3: {},
    }
    inserts: list[tuple[str, dict[str, Any]]] = [("INSERT INTO chats (peer_id) VALUES (1)", {})]
    for game_id, state in states.items():
        inserts.append(
            (
                "INSERT INTO games (id, peer_id, status, state) "
                "VALUES (:id, 1, 'finished', CAST(:state AS jsonb))",
                {"id": game_id, "state": json.dumps(state)},
            )
        )
        inserts.extend(
            (
                "INSERT INTO game_rounds (game_id, number, question_text, correct_answer, "
                "correct, started_at) VALUES (:g, :n, 'q', 'a', false, now())",
                {"g": game_id, "n": number},
            )
            for number in (1, 2)
        )
    asyncio.run(_sql(scratch_url, *inserts))

    command.upgrade(config, "head")
    query = "SELECT game_id, number, reason FROM game_rounds ORDER BY game_id, number"
    assert asyncio.run(_sql(scratch_url, (query, {}))) == [
        (1, 1, "fuller"),
        (1, 2, "hedge"),
        (2, 1, None),
        (2, 2, None),
        (3, 1, None),
        (3, 2, None),
    ]


def test_0008_moves_the_questions_of_games_in_progress_to_their_deck(scratch_url: str) -> None:
    """Active games get ``deck`` from their state (which loses ``questions``); finished ones
    keep theirs in the state, and a downgrade puts every deck back into its state."""
    config = alembic_config(scratch_url)
    command.upgrade(config, "0007")
    questions = [{"id": 1, "text": "q", "answer": "a"}]
    asyncio.run(
        _sql(
            scratch_url,
            ("INSERT INTO chats (peer_id) VALUES (1), (2)", {}),
            *(
                (
                    "INSERT INTO games (id, peer_id, status, state) "
                    "VALUES (:id, :peer, :status, CAST(:state AS jsonb))",
                    {"id": game_id, "peer": game_id, "status": status, "state": json.dumps(state)},
                )
                for game_id, status, state in (
                    (1, "active", {"round": 1, "questions": questions}),
                    (2, "finished", {"round": 6, "questions": questions}),
                )
            ),
        )
    )
    command.upgrade(config, "head")
    query = "SELECT id, state, deck FROM games ORDER BY id"
    assert asyncio.run(_sql(scratch_url, (query, {}))) == [
        (1, {"round": 1}, questions),
        (2, {"round": 6, "questions": questions}, None),
    ]
    command.downgrade(config, "0007")
    query = "SELECT id, state FROM games ORDER BY id"
    assert asyncio.run(_sql(scratch_url, (query, {}))) == [
        (1, {"round": 1, "questions": questions}),
        (2, {"round": 6, "questions": questions}),
    ]


def test_models_match_migrations(database_url: str) -> None:
    """Autogenerate finds nothing to change: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    async def diff() -> list[object]:
        engine = create_engine(database_url, pool_size=1)
        async with engine.connect() as conn:

            def compare(sync: Connection) -> list[object]:
                return list(compare_metadata(MigrationContext.configure(sync), Base.metadata))

            result = await conn.run_sync(compare)
        await engine.dispose()
        return result

    assert asyncio.run(diff()) == []
