"""Migrations build the schema the models describe, and unwind cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import inspect
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
