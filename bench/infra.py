"""The harness shared by the benchmarks and the tests: a fresh database, a private AMQP prefix
and its clean-up; service processes come from :mod:`standalone.processes` (which `make run`
uses too).

Services are started as real processes (``python -m <module>``) and watched through their
stderr log, like the end-to-end tests do (tests/helpers.py); the driver synchronises with a
service by waiting for the line it logs when it reached a state. Resource use is read from
/proc through psutil: CPU time per measurement window and the kernel's peak RSS (VmHWM).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import psutil

from app.broker import topology
from standalone.processes import REPO_ROOT

RETRY_DELAYS = (1.0, 5.0)  # the bench runs set UPDATE_RETRY_DELAYS to these, to clean them up
SHARDS = 4


# --- database and broker ---------------------------------------------------------------------


async def wait_for_servers(dsn: str, amqp_url: str, within: float = 60.0) -> None:
    """Wait until Postgres and RabbitMQ accept connections (on a shared machine another test
    run may be restarting them), failing after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            conn = await asyncpg.connect(dsn)
            await conn.close()
            connection = await aio_pika.connect(amqp_url)
            await connection.close()
            return
        except (OSError, asyncpg.PostgresError, aio_pika.exceptions.AMQPError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.5)  # a restart has no event to wait on from here


def asyncpg_url(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


@dataclass
class Database:
    """A database created for one run (a bench run, a test session), dropped at the end."""

    admin_dsn: str
    name: str = field(default_factory=lambda: f"znatoki_bench_{uuid.uuid4().hex[:10]}")

    @classmethod
    def fresh(cls, admin_dsn: str, prefix: str) -> Database:
        return cls(admin_dsn, f"{prefix}_{uuid.uuid4().hex[:10]}")

    @property
    def dsn(self) -> str:
        return f"{self.admin_dsn.rsplit('/', 1)[0]}/{self.name}"

    @property
    def url(self) -> str:
        """The SQLAlchemy/asyncpg URL the services read from DATABASE_URL."""
        return asyncpg_url(self.dsn)

    async def create(self, *, migrate: bool = True) -> None:
        """Create it and, unless told not to, build the schema with ``alembic upgrade head``."""
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await conn.close()
        if not migrate:
            return
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "alembic",
            "upgrade",
            "head",
            cwd=REPO_ROOT,
            env={**os.environ, "DATABASE_URL": self.url},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            await self.drop()
            raise RuntimeError(f"alembic upgrade head failed:\n{out.decode(errors='replace')}")

    async def drop(self) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def truncate(self) -> None:
        """Empty every table but the reference data (the starter questions), as between
        scenarios and tests. Packs are deleted, not truncated: a TRUNCATE of ``packs`` would
        cascade to every question, while deleting a pack deletes only its own."""
        conn = await asyncpg.connect(self.dsn)
        try:
            rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            keep = {"alembic_version", "questions", "packs"}
            tables = [r["tablename"] for r in rows if r["tablename"] not in keep]
            if tables:
                joined = ", ".join(f'"{t}"' for t in tables)
                await conn.execute(f"TRUNCATE {joined} RESTART IDENTITY CASCADE")
            await conn.execute("DELETE FROM packs")
        finally:
            await conn.close()


def new_prefix() -> str:
    return f"znatoki_bench_{uuid.uuid4().hex[:10]}"


async def delete_amqp(
    url: str,
    prefix: str,
    extra_queues: tuple[str, ...] = (),
    *,
    shards: int = SHARDS,
    retry_delays: tuple[float, ...] = RETRY_DELAYS,
) -> None:
    """Remove every exchange and queue declared under a run's private prefix: the shard
    queues, the retry tiers of ``retry_delays``, the dead letters and ``extra_queues``."""
    names = topology.Names(prefix)
    queues = [names.shard_queue(n) for n in range(shards)] + [names.dead_letter_queue]
    exchanges = [names.updates_exchange, names.dead_letter_exchange]
    for delay in retry_delays:
        queues.append(names.retry_queue(round(delay * 1000)))
        exchanges.append(names.retry_exchange(round(delay * 1000)))
    queues += list(extra_queues)
    exchanges += [f"{prefix}.floor"]
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()


# --- resource use ----------------------------------------------------------------------------


def _peak_rss(proc: psutil.Process) -> int:
    """The kernel's high-water mark of the resident set (VmHWM), else the current RSS."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return int(proc.memory_info().rss)


def _matching(names: tuple[str, ...]) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] in names:
            found.append(proc)
    return found


class Usage:
    """CPU (percent of one core) and peak RSS of services over a measurement window.

    ``track(name, pid)`` follows one process; ``track_external`` sums every process with a
    given executable name (Postgres, RabbitMQ), which on a shared machine also counts their
    other clients.
    """

    def __init__(self) -> None:
        self._procs: dict[str, list[psutil.Process]] = {}
        self._cpu0: dict[str, float] = {}
        self._t0 = 0.0
        self._peak: dict[str, int] = {}
        self._external: set[str] = set()
        self._machine0 = psutil.cpu_times()

    def track(self, name: str, pid: int) -> None:
        with contextlib.suppress(psutil.Error):
            self._procs.setdefault(name, []).append(psutil.Process(pid))

    def track_external(self, name: str, exe_names: tuple[str, ...]) -> None:
        procs = _matching(exe_names)
        if procs:
            self._procs[name] = procs
            self._external.add(name)

    def _cpu(self, name: str) -> float:
        total = 0.0
        for proc in self._procs.get(name, []):
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._cpu0 = {name: self._cpu(name) for name in self._procs}
        self._machine0 = psutil.cpu_times()
        self.sample()

    def _machine_busy(self) -> float:
        """Percent of all cores busy over the window, whoever used them."""
        now = psutil.cpu_times()
        idle = (now.idle + getattr(now, "iowait", 0.0)) - (
            self._machine0.idle + getattr(self._machine0, "iowait", 0.0)
        )
        total = sum(now) - sum(self._machine0)
        return round(100.0 * (1.0 - idle / total), 1) if total > 0 else 0.0

    def sample(self) -> None:
        for name, procs in self._procs.items():
            if name in self._external:
                continue
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    self._peak[name] = max(self._peak.get(name, 0), _peak_rss(proc))

    def result(self) -> dict[str, dict[str, Any]]:
        """Per service: cpu_percent (of one core) over the window and peak_rss_mb."""
        self.sample()
        elapsed = max(1e-6, time.monotonic() - self._t0)
        out: dict[str, dict[str, Any]] = {}
        for name in self._procs:
            used = self._cpu(name) - self._cpu0.get(name, 0.0)
            entry: dict[str, Any] = {"cpu_percent": round(100.0 * used / elapsed, 1)}
            if name in self._external:
                entry["shared"] = True
            else:
                entry["peak_rss_mb"] = round(self._peak.get(name, 0) / 2**20, 1)
            out[name] = entry
        out["machine"] = {
            "cpu_percent_of_all_cores": self._machine_busy(),
            "window_s": round(elapsed, 2),
        }
        return out


def external_services(usage: Usage) -> None:
    usage.track_external("postgres", ("postgres",))
    usage.track_external("rabbitmq", ("beam.smp",))
