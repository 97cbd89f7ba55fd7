"""`make run`: the whole product on this machine, with nothing else to install.

What runs depends on what is configured (in the environment or in ``.env``):

* **Postgres.** Without ``DATABASE_URL``: an embedded real Postgres (the binaries of the
  ``pgserver`` wheel) whose data lives in ``var/postgres``; it listens only on a unix socket
  in that folder (no TCP at all), is stopped when ``make run`` stops and reused by the next
  one. With ``DATABASE_URL``: that server (the database is created if missing).
* **Updates.** Without ``AMQP_URL``: the poller and the bot in one process,
  ``python -m standalone``, over an in-process queue. With ``AMQP_URL``: the production
  split over RabbitMQ, ``python -m poller`` and ``python -m app``.
* **VK.** With ``VK_TOKEN`` and ``VK_GROUP_ID`` but no ``VK_API_URL``: the real VK. Otherwise
  the VK emulator with its web chat, its world kept in ``var/emulator.json``.

Then: migrations, the admin API, a demo chat in an empty emulator, and the addresses to open.
Ctrl-C stops the services in order (updates first, the emulator last) and then Postgres;
everything in ``var/`` is kept, so a game interrupted by Ctrl-C goes on at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from standalone.embedded_postgres import (
    EmbeddedPostgres,
    EmbeddedPostgresError,
    ensure_database,
)
from standalone.processes import Service

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"

LOCAL_ADMIN = {"ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": "admin"}
REAL_VK_API = "https://api.vk.com/method"
EMULATOR_TOKEN = "emulator-token"  # noqa: S105 - the emulator's well-known local token
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def say(text: str, *, error: bool = False) -> None:
    """Print a line; a closed terminal or pipe (``make run | tee`` hit by Ctrl-C) must not stop
    the shutdown, so the stream is then sent to /dev/null instead."""
    stream = sys.stderr if error else sys.stdout
    try:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()
    except OSError:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())


# --- configuration and checks --------------------------------------------------------------


def load_dotenv() -> None:
    env_file = ROOT / ".env"
    if not env_file.exists():
        return
    for line in env_file.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            os.environ.setdefault(key.strip(), value.strip())


def configured(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@dataclass
class Plan:
    real_vk: bool
    embedded_db: bool
    local_broker: bool
    services: list[Service] = field(default_factory=list)
    ctrl_c: bool = False  # stopped by Ctrl-C in a terminal: the services got it as well


def make_plan() -> Plan:
    """Decide what runs from the environment, and fill in the local defaults."""
    api_url = configured("VK_API_URL")
    vk_api = api_url is None or api_url.rstrip("/") == REAL_VK_API  # .env.example names it
    real_vk = bool(configured("VK_TOKEN") and configured("VK_GROUP_ID")) and vk_api
    plan = Plan(
        real_vk=real_vk,
        embedded_db=not configured("DATABASE_URL"),
        local_broker=not configured("AMQP_URL"),
    )
    for name in ("DATABASE_URL", "AMQP_URL"):  # an empty line in .env means "not set"
        if not configured(name):
            os.environ.pop(name, None)
    defaults = {**LOCAL_ADMIN, "ADMIN_PORT": "8080"}
    if os.environ.get("LOG_FORMAT", "auto") == "auto":  # the services write into a pipe
        os.environ["LOG_FORMAT"] = "text"
    if not real_vk:
        port = configured("EMULATOR_PORT") or "8081"
        token = configured("VK_TOKEN") or configured("EMULATOR_TOKEN") or EMULATOR_TOKEN
        group = configured("VK_GROUP_ID") or configured("EMULATOR_GROUP_ID") or "1"
        defaults |= {
            "EMULATOR_PORT": port,
            "VK_TOKEN": token,
            "EMULATOR_TOKEN": token,
            "VK_GROUP_ID": group,
            "EMULATOR_GROUP_ID": group,
            # The emulator keeps its users, chats and messages here, so a game survives Ctrl-C.
            "EMULATOR_STATE_FILE": str(VAR / "emulator.json"),
        }
        if vk_api:  # not VK then, but the emulator
            os.environ["VK_API_URL"] = f"http://127.0.0.1:{port}/method"
    for key, value in defaults.items():
        if not configured(key):
            os.environ[key] = value
    if not real_vk:
        plan.services.append(service("emulator", "vk_emulator", "web chat: http"))
    plan.services.append(service("admin_api", "admin_api", "admin API listening"))
    if plan.local_broker:
        plan.services.append(service("bot+poller", "standalone", "consuming", "long polling from"))
    else:
        plan.services.append(service("bot", "app", "consuming"))
        plan.services.append(service("poller", "poller", "long polling from"))
    return plan


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def host_port(url: str, default_port: int) -> tuple[str | None, int]:
    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://"))
    return parts.hostname, parts.port or default_port


async def reachable(host: str, port: int, seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 3)
        except (OSError, TimeoutError):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(1)
            continue
        writer.close()
        return True


async def try_start_local(command: Sequence[str]) -> None:
    with contextlib.suppress(OSError):
        proc = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        await proc.wait()


def local_cluster() -> str | None:
    """The newest Debian Postgres cluster version installed here, if any."""
    root = Path("/etc/postgresql")
    versions = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    return versions[-1] if versions else None


async def check_configured_services(plan: Plan) -> str | None:
    """Like scripts/ensure-services.sh, for the servers given by URL only; None when all up."""
    if not plan.embedded_db:
        host, port = host_port(os.environ["DATABASE_URL"], 5432)
        if host and not await reachable(host, port, 1):
            cluster = local_cluster()
            if host in ("127.0.0.1", "localhost") and cluster:
                say("Postgres is down: starting the local cluster")
                await try_start_local(
                    ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"]
                )
            if not await reachable(host, port, 30):
                return (
                    f"Postgres is not reachable at {host}:{port} (DATABASE_URL). Start it, or "
                    "remove DATABASE_URL to use the embedded Postgres in var/postgres."
                )
    if not plan.local_broker:
        host, port = host_port(os.environ["AMQP_URL"], 5672)
        if host and not await reachable(host, port, 1):
            if host in ("127.0.0.1", "localhost"):
                say("RabbitMQ is down: starting it")
                await try_start_local(["rabbitmq-server", "-detached"])
            if not await reachable(host, port, 60):
                return (
                    f"RabbitMQ is not reachable at {host}:{port} (AMQP_URL). Start it, or "
                    "remove AMQP_URL to run the poller and the bot in one process."
                )
    ports = [(os.environ.get("ADMIN_HOST", "127.0.0.1"), int(os.environ["ADMIN_PORT"]))]
    if not plan.real_vk:
        ports.append(
            (os.environ.get("EMULATOR_HOST", "127.0.0.1"), int(os.environ["EMULATOR_PORT"]))
        )
    for host, port in ports:
        if port_in_use(host, port):
            return f"port {port} on {host} is in use (is another make run still running?)"
    return None


# --- the services --------------------------------------------------------------------------


def service(label: str, module: str, *markers: str) -> Service:
    """A service as `make run` shows it: its output prefixed with its name, ready once it
    logged every marker."""
    return Service(
        label,
        module,
        {"LOG_FORMAT": os.environ.get("LOG_FORMAT", "text")},
        markers=markers,
        echo=lambda line: say(f"{label:>10} | {line}\n"),
    )


async def migrate() -> bool:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "alembic", "upgrade", "head", cwd=ROOT
    )
    return await proc.wait() == 0


async def seed_emulator(base: str) -> str:
    """A demo chat with three members in an empty emulator, so there is something to play."""
    from vk_emulator.control_client import ControlClient

    async with ControlClient(base) as control:
        for _ in range(100):  # until the emulator listens
            try:
                chats = await control.chats()
                break
            except OSError:
                await asyncio.sleep(0.1)
        else:
            return "(the emulator did not answer)"
        if chats:
            return f"{len(chats)} chat(s) kept from the last run"
        ids = [
            (await control.create_user(name, "Демо"))["id"] for name in ("Анна", "Борис", "Вера")
        ]
        chat = await control.create_chat("Знатоки (демо)", ids)
        return f"«Знатоки (демо)», peer_id {chat['peer_id']}: Анна, Борис, Вера"


def admin_url() -> str:
    """Where a browser reaches the admin API (a wildcard ADMIN_HOST is reached on loopback)."""
    host = os.environ.get("ADMIN_HOST", "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{os.environ['ADMIN_PORT']}"


def banner(plan: Plan, demo: str | None) -> str:
    lines = [""]
    if plan.real_vk:
        lines.append(
            f"  VK:            the real VK, community {os.environ['VK_GROUP_ID']} "
            "(the emulator is not started: write /start in a chat with the bot)"
        )
    else:
        base = f"http://127.0.0.1:{os.environ['EMULATOR_PORT']}"
        lines.append(f"  Web chat:      {base}/   (pick the member in «От имени», type /start)")
        lines.append(f"  Demo chat:     {demo}")
    admin = admin_url()
    # Only make run's own default password is printed; one from the environment is a secret.
    password = os.environ.get("ADMIN_PASSWORD", "")
    shown = password if password == LOCAL_ADMIN["ADMIN_PASSWORD"] else "<ADMIN_PASSWORD>"
    lines.append(f"  Web admin:     {admin}/admin/   login {os.environ['ADMIN_EMAIL']} / {shown}")
    lines.append(f"  Admin API:     {admin}/api/docs   (Swagger UI, the same login)")
    lines.append(
        '  TV format:     PATCH /api/chats/{peer_id}/settings {"mode": "tv"} there '
        "(or GAME_MODE=tv): to 6 points, the spinning top, the blitz"
    )
    if plan.embedded_db:
        lines.append(f"  Postgres:      embedded, data in {VAR / 'postgres'} (unix socket only)")
    else:
        lines.append("  Postgres:      DATABASE_URL")
    if plan.local_broker:
        lines.append("  Updates:       in-process queue (python -m standalone)")
    else:
        lines.append("  Updates:       RabbitMQ (AMQP_URL): python -m poller, python -m app")
    lines.append("  Ctrl-C stops everything; var/ keeps the data for the next make run.")
    return "\n".join(lines) + "\n"


async def main() -> int:
    load_dotenv()
    plan = make_plan()
    if plan.real_vk:
        say("VK_TOKEN and VK_GROUP_ID are set: playing in the real VK (no emulator)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stopped_by(sig: signal.Signals) -> None:
        # Ctrl-C in a terminal reaches every process of the foreground group, the services too.
        plan.ctrl_c = sig == signal.SIGINT and sys.stdin.isatty()
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stopped_by, sig)

    problem = await check_configured_services(plan)
    if problem:
        say(problem, error=True)
        return 1
    VAR.mkdir(exist_ok=True)
    postgres: EmbeddedPostgres | None = None
    if plan.embedded_db:
        try:
            postgres = EmbeddedPostgres(VAR / "postgres")
            os.environ["DATABASE_URL"] = await postgres.start()
        except EmbeddedPostgresError as exc:
            say(f"embedded Postgres: {exc}", error=True)
            return 1
        say(f"embedded Postgres {'initialised and ' if postgres.created else ''}running")
    else:
        await ensure_database(os.environ["DATABASE_URL"])
    try:
        return 1 if stop.is_set() else await run_services(plan, stop)
    finally:
        if postgres is not None:
            try:
                await postgres.stop()
                say("embedded Postgres stopped")
            except EmbeddedPostgresError as exc:
                say(f"embedded Postgres: {exc}", error=True)


async def run_services(plan: Plan, stop: asyncio.Event) -> int:
    if not await migrate():
        return 1
    started: list[Service] = []
    failed = False
    try:
        for service in plan.services:
            await service.start()
            started.append(service)
        exits: dict[asyncio.Future[Any], Service] = {
            asyncio.ensure_future(s.wait()): s for s in started
        }
        stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        demo = None
        if not plan.real_vk:
            demo = await seed_emulator(f"http://127.0.0.1:{os.environ['EMULATOR_PORT']}")
        # Messages typed before the poller connects are not delivered (as with real VK).
        readiness: asyncio.Future[Any] = asyncio.ensure_future(
            asyncio.gather(*(s.ready.wait() for s in started))
        )
        await asyncio.wait(
            [readiness, stopping, *exits],
            timeout=READY_TIMEOUT,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if readiness.done():
            say(banner(plan, demo))
        elif not stop.is_set() and not any(e.done() for e in exits):
            late = ", ".join(s.name for s in started if not s.ready.is_set())
            say(f"\n  not ready after {READY_TIMEOUT:.0f}s: {late} (see the log above)\n")
        done, _ = await asyncio.wait([stopping, *exits], return_when=asyncio.FIRST_COMPLETED)
        for waiter in (readiness, stopping, *exits):
            waiter.cancel()
        await asyncio.gather(readiness, stopping, *exits, return_exceptions=True)
        died = [exits[w].name for w in done if w in exits]
        if died:
            say(f"{', '.join(died)} exited: stopping everything", error=True)
            failed = True
    finally:
        # In order: updates first, the emulator last.
        codes = []
        for service in reversed(started):
            try:
                code = await service.stop(STOP_TIMEOUT, signalled=plan.ctrl_c)
            except Exception as exc:  # never leave the others running
                say(f"stopping {service.name} failed: {exc!r}", error=True)
                code = 1
            if code:
                say(f"{service.name} exited with code {code}", error=True)
            codes.append(code)
    return 1 if failed or any(codes) else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
