"""Restart the real Postgres and RabbitMQ under a running product (fault tests).

Only possible where the test can control the servers (this machine and CI run them locally
and as root); elsewhere the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest


def _pg_version() -> str | None:
    root = Path("/etc/postgresql")
    versions = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    return versions[-1] if versions else None


def require_service_control() -> None:
    if os.geteuid() != 0:
        pytest.skip("restarting Postgres/RabbitMQ needs root on the machine that runs them")
    if not shutil.which("rabbitmqctl"):
        pytest.skip("rabbitmqctl is not installed: RabbitMQ is not a local server here")
    if not shutil.which("pg_ctlcluster") or _pg_version() is None:
        pytest.skip("pg_ctlcluster is not installed: Postgres is not a local cluster here")


async def _run(*command: str, timeout: float = 120.0) -> None:
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed: {out.decode(errors='replace')}")


async def stop_rabbitmq() -> None:
    await _run("rabbitmqctl", "stop_app")


async def start_rabbitmq() -> None:
    await _run("rabbitmqctl", "start_app")
    await _run("rabbitmqctl", "await_startup")


async def restart_postgres() -> None:
    version = _pg_version()
    assert version is not None
    await _run(
        "pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"
    )
