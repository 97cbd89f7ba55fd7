"""Shared fixtures: a real Postgres database migrated with Alembic, a real RabbitMQ.

The database is created once per test run under a unique name and built with
``alembic upgrade head``, so every run also tests the migrations. Tests that need a clean
slate use the ``db`` fixture, which truncates the tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import aio_pika
import pytest
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.broker import topology
from app.broker.topology import DEFAULT_RETRY_DELAYS
from app.db.engine import create_engine, create_sessionmaker
from app.db.pool import Pool, create_pool
from bench.infra import Database, delete_amqp
from tests.helpers import REPO_ROOT

# The bot's wiring in-process (tests/bot_harness.py): the ``bot_harness`` fixture.
pytest_plugins = ["tests.bot_harness"]

ADMIN_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def alembic_config(database_url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["configure_logger"] = False
    return config


@contextlib.contextmanager
def fresh_database(prefix: str, *, migrate: bool = True) -> Iterator[str]:
    """A new database on the test server (built with ``alembic upgrade head``), then dropped."""
    database = Database.fresh(ADMIN_DSN, prefix)
    asyncio.run(database.create(migrate=migrate))
    try:
        yield database.url
    finally:
        asyncio.run(database.drop())


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with fresh_database("znatoki_test") as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def db(engine: AsyncEngine, database_url: str) -> AsyncEngine:
    """A database with every non-reference table emptied (as the benchmarks empty theirs)."""
    await Database(ADMIN_DSN, make_url(database_url).database or "").truncate()
    return engine


@pytest.fixture
async def pool(db: AsyncEngine, database_url: str) -> AsyncIterator[Pool]:
    """The bot's asyncpg pool on the emptied database."""
    pool = await create_pool(database_url, size=6)
    yield pool
    await pool.close()


@pytest.fixture
def amqp_url() -> str:
    return AMQP_URL


@pytest.fixture(scope="session")
def amqp_names() -> Iterator[topology.Names]:
    """Queue names private to this test run (AMQP_PREFIX), removed at the end."""
    names = topology.Names(f"znatoki_test_{uuid.uuid4().hex[:10]}")
    yield names
    asyncio.run(_delete_topology(names))


# Every retry tier a test may declare: the default ones and those the tests set.
TEST_RETRY_DELAYS = (*DEFAULT_RETRY_DELAYS, 0.05, 0.1, 0.2, 0.5, 2.0, 4.0)


async def _delete_topology(names: topology.Names) -> None:
    await delete_amqp(
        AMQP_URL, names.prefix, shards=MAX_TEST_SHARDS, retry_delays=TEST_RETRY_DELAYS
    )


MAX_TEST_SHARDS = 16


@pytest.fixture
async def broker(
    amqp_url: str, amqp_names: topology.Names
) -> AsyncIterator[aio_pika.abc.AbstractRobustConnection]:
    """A RabbitMQ connection with this run's queues deleted first, so each test starts empty."""
    await _delete_topology(amqp_names)
    connection = await aio_pika.connect_robust(amqp_url)
    yield connection
    await connection.close()
