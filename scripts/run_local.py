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
import hashlib
import importlib.util
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg

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


# --- embedded Postgres -------------------------------------------------------------------


class EmbeddedPostgresError(RuntimeError):
    """The embedded Postgres could not be set up or started (the message says why)."""


class EmbeddedPostgresUnavailable(EmbeddedPostgresError):
    """It cannot run on this machine at all (no binaries, no unprivileged account to use)."""


SYSTEM_ACCOUNT = "znatoki-pg"
# As root, where the server's account finds what it may not reach in a root-only checkout: a
# copy of the binaries and, if need be, the data folder (both kept for the next run).
RUNTIME_ROOT = Path("/var/lib/znatoki-pg")
MAX_SOCKET_PATH = 100  # sun_path holds 107 bytes on Linux, 103 on macOS
SAFE_PATH = re.compile(r"^[A-Za-z0-9_./-]+$")  # safe inside a URL and an alembic.ini value


@dataclass(frozen=True)
class Account:
    """The unprivileged user the server runs as when we are root (Postgres refuses root)."""

    name: str
    uid: int
    gid: int


def postgres_bin_dir() -> Path:
    """The Postgres binaries shipped inside the ``pgserver`` wheel (nothing is downloaded)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresUnavailable(
            "the pgserver package is not installed (pip install -e '.[local]'; make run does it)"
        )
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (bin_dir / "postgres").exists():
        raise EmbeddedPostgresUnavailable(f"pgserver ships no Postgres binaries here: {bin_dir}")
    return bin_dir


class EmbeddedPostgres:
    """A real Postgres kept in ``data_dir``, reachable only through a unix socket.

    ``start()`` runs ``initdb`` on first use (trust authentication, UTF-8), starts the server
    with ``listen_addresses=''`` (no TCP) and the socket in the data folder (or, when that path
    is too long or unusual, in a private 0700 folder under the temp dir), creates the database
    and returns its ``DATABASE_URL``. A server left running by a killed ``make run`` is adopted.
    ``stop()`` is a fast shutdown (clean: no recovery at the next start).

    As root, the server runs as an unprivileged account instead: the owner of the data folder
    or of the nearest existing folder above it when that is a normal user (``sudo make run``
    in your checkout), otherwise the system account ``znatoki-pg``, created with ``useradd``
    when missing. The data folder is given to that account; nothing else is chmod-ed. When the
    checkout lies in a folder that account may not enter (root's home, a ``mktemp -d``
    folder), the binaries are copied once to ``/var/lib/znatoki-pg/pginstall-…`` and the data
    folder is kept at ``/var/lib/znatoki-pg/data-…`` instead (one per checkout).
    """

    def __init__(
        self, data_dir: Path, database: str = "znatoki", *, bin_dir: Path | None = None
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.database = database
        self.bin_dir = bin_dir or postgres_bin_dir()
        self.account: Account | None = None
        self.socket_dir: Path | None = None
        self.created = False

    @property
    def url(self) -> str:
        if self.socket_dir is None:
            raise EmbeddedPostgresError("the embedded Postgres is not running")
        return f"postgresql+asyncpg://postgres@/{self.database}?host={self.socket_dir}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    async def start(self) -> str:
        self.account = server_account(self.data_dir)
        if self.account is not None:
            self._make_reachable(self.account)
        self._prepare_data_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            await self._initdb()
            self.created = True
        if await self._running():
            self.socket_dir = self._socket_dir_in_use()
        else:
            self.socket_dir = self._choose_socket_dir()
            options = f"-c listen_addresses='' -k {shlex.quote(str(self.socket_dir))}"
            await self._run(
                "pg_ctl", "start", "-D", str(self.data_dir), "-w", "-t", "60",
                "-l", str(self.log_file), "-o", options,
            )  # fmt: skip
        await ensure_database(self.url)
        return self.url

    async def stop(self) -> None:
        if await self._running():
            await self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")

    async def _running(self) -> bool:
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        code, _ = await self._exec("pg_ctl", "status", "-D", str(self.data_dir))
        return code == 0

    def _make_reachable(self, account: Account) -> None:
        """Move what the account cannot reach to where it can (see the class docstring)."""
        install = self.bin_dir.parent
        if any(untraversable(p, account.uid) for p in (self.bin_dir, install / "lib")):
            self.bin_dir = public_copy(install) / "bin"
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        blocked = untraversable(self.data_dir.parent, account.uid)
        if blocked is not None:
            digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
            moved = RUNTIME_ROOT / f"data-{digest}"
            print(
                f"[make run] {account.name} cannot enter {blocked}: "
                f"the embedded Postgres keeps its data in {moved}",
                flush=True,
            )
            RUNTIME_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
            self.data_dir = moved

    def _prepare_data_dir(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        if self.account is None:
            return
        info = self.data_dir.stat()
        if (info.st_uid, info.st_gid) != (self.account.uid, self.account.gid):
            os.chown(self.data_dir, self.account.uid, self.account.gid)
        self.data_dir.chmod(0o700)
        for path in (self.data_dir, self.bin_dir, self.bin_dir.parent / "lib"):
            blocked = untraversable(path, self.account.uid)
            if blocked is not None:
                raise EmbeddedPostgresUnavailable(
                    f"the Postgres account {self.account.name} cannot enter {blocked} "
                    f"(chmod o+x {blocked}, or set DATABASE_URL)"
                )

    async def _initdb(self) -> None:
        base = ("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust")
        code, output = await self._exec(*base, "--encoding=UTF8", "--locale=C.UTF-8")
        if code != 0 and "locale" in output:  # no C.UTF-8 on this system: plain C
            code, output = await self._exec(*base, "--encoding=UTF8", "--locale=C")
        if code != 0:
            raise EmbeddedPostgresError(f"initdb failed:\n{output}")

    def _choose_socket_dir(self) -> Path:
        socket_file = self.data_dir / ".s.PGSQL.5432"
        if len(str(socket_file)) <= MAX_SOCKET_PATH and SAFE_PATH.match(str(socket_file)):
            return self.data_dir
        # A private folder with a short, plain path, unique to this data folder.
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        private = Path(tempfile.gettempdir()) / f"znatoki-pg-{digest}"
        private.mkdir(mode=0o700, exist_ok=True)
        owner = self.account.uid if self.account else os.geteuid()
        if self.account is not None:
            os.chown(private, self.account.uid, self.account.gid)
        info = private.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != owner or info.st_mode & 0o077:
            raise EmbeddedPostgresError(f"{private} is not a private folder of the server")
        return private

    def _socket_dir_in_use(self) -> Path:
        # postmaster.pid: pid, data dir, start time, port, socket dir, listen address, ...
        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        if len(lines) < 5 or not lines[4].strip():
            raise EmbeddedPostgresError(f"the server running on {self.data_dir} has no socket")
        return Path(lines[4].strip())

    async def _run(self, *command: str) -> None:
        code, output = await self._exec(*command)
        if code != 0:
            log_tail = ""
            if self.log_file.exists():
                log_tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
            raise EmbeddedPostgresError(f"{' '.join(command[:2])} failed:\n{output}\n{log_tail}")

    async def _exec(self, program: str, *args: str) -> tuple[int, str]:
        """Run a Postgres program as the server's account; returns (exit code, output).

        The output goes through a file, not a pipe: ``pg_ctl start`` leaves the server running
        and a pipe it inherited would never reach end-of-file.
        """
        account = self.account
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        if account is not None:
            env["HOME"] = str(self.data_dir)
        with tempfile.TemporaryFile() as output:
            proc = await asyncio.create_subprocess_exec(
                str(self.bin_dir / program),
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                cwd=self.data_dir,
                env=env,
                user=account.uid if account else None,
                group=account.gid if account else None,
                extra_groups=[] if account else None,
            )
            code = await proc.wait()
            output.seek(0)
            return code, output.read().decode(errors="replace")


def server_account(data_dir: Path) -> Account | None:
    """None when we are not root; else the unprivileged account to run the server as."""
    if os.geteuid() != 0:
        return None
    for path in (data_dir, *data_dir.parents):
        if path.exists():
            info = path.stat()
            if info.st_uid != 0:
                try:
                    name = pwd.getpwuid(info.st_uid).pw_name
                except KeyError:
                    name = str(info.st_uid)
                return Account(name, info.st_uid, info.st_gid)
            break
    return system_account(SYSTEM_ACCOUNT)


def system_account(name: str) -> Account:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is None:
        command = [
            "useradd", "--system", "--user-group", "--no-create-home",
            "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name,
        ]  # fmt: skip
        try:
            subprocess.run(command, check=True, capture_output=True)  # noqa: S603
        except (OSError, subprocess.CalledProcessError) as exc:
            with contextlib.suppress(KeyError):
                entry = pwd.getpwnam(name)  # created meanwhile by another process
            if entry is None:
                raise EmbeddedPostgresUnavailable(
                    f"running as root, and the account {name} for Postgres could not be "
                    f"created ({exc}); run as a normal user or set DATABASE_URL"
                ) from exc
        else:
            say(f"running as root: created the system account {name} to run Postgres as")
            entry = pwd.getpwnam(name)
    return Account(name, entry.pw_uid, entry.pw_gid)


def public_copy(install: Path) -> Path:
    """A copy of the Postgres installation that any account may use, made once per install.

    The wheel's binaries find their shared libraries through a relative rpath
    (``$ORIGIN/../../../pgserver.libs``), so the copy keeps the layout: ``pgserver/pginstall``
    beside ``pgserver.libs``. Returns the copy's ``pginstall``.
    """
    package = install.parent
    digest = hashlib.sha256(str(install.resolve()).encode()).hexdigest()[:12]
    target = RUNTIME_ROOT / f"pginstall-{digest}"
    copied = target / package.name / install.name
    if (target / ".complete").exists():
        return copied
    RUNTIME_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
    RUNTIME_ROOT.chmod(0o755)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(install, partial / package.name / install.name, symlinks=True)
    libs = package.with_name(package.name + ".libs")
    if libs.is_dir():
        shutil.copytree(libs, partial / libs.name, symlinks=True)
    for folder, _, files in os.walk(partial):  # readable and, where it was, executable by all
        Path(folder).chmod(0o755)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    (target / ".complete").touch()
    return copied


def untraversable(path: Path, uid: int) -> Path | None:
    """The first folder on the way to ``path`` that ``uid`` (not root) may not enter."""
    for folder in [*reversed(path.parents), path]:
        info = folder.stat()
        allowed = stat.S_IXUSR if info.st_uid == uid else stat.S_IXOTH
        if not info.st_mode & allowed:
            return folder
    return None


# --- configuration and checks --------------------------------------------------------------


async def ensure_database(url: str) -> None:
    """Create the database named in ``url`` (SQLAlchemy form) if the server lacks it."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=10)
    try:
        name = target.database
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
            say(f"created database {name}")
    finally:
        await conn.close()


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
        plan.services.append(Service("emulator", "vk_emulator", ("web chat: http",)))
    plan.services.append(Service("admin_api", "admin_api", ("admin API listening",)))
    if plan.local_broker:
        plan.services.append(
            Service("bot+poller", "standalone", ("consuming", "long polling from"))
        )
    else:
        plan.services.append(Service("bot", "app", ("consuming",)))
        plan.services.append(Service("poller", "poller", ("long polling from",)))
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


@dataclass
class Service:
    label: str
    module: str
    markers: tuple[str, ...]
    proc: asyncio.subprocess.Process | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    output: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.module,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self.output = asyncio.create_task(self._pipe())

    async def _pipe(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        pending = list(self.markers)
        while line := await self.proc.stdout.readline():
            text = line.decode(errors="replace")
            say(f"{self.label:>10} | {text}")
            pending = [marker for marker in pending if marker not in text]
            if not pending:
                self.ready.set()

    async def wait(self) -> int:
        assert self.proc is not None
        return await self.proc.wait()

    async def stop(self, signalled: bool) -> int:
        """SIGTERM and wait; ``signalled``: it got the terminal's Ctrl-C already, just wait
        (a second signal would cut its graceful shutdown short)."""
        if self.proc is None:
            return 0
        for action in ("wait", "terminate", "kill"):
            if self.proc.returncode is not None:
                break
            if action == "wait" and not signalled:
                continue
            if action == "terminate":
                self.proc.terminate()
            elif action == "kill":
                say(f"{self.label} did not stop in {STOP_TIMEOUT:.0f}s: killing it", error=True)
                self.proc.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        await self.proc.wait()
        if self.output is not None:
            await self.output
        code = self.proc.returncode or 0
        if code:
            say(f"{self.label} exited with code {code}", error=True)
        return code


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
    admin = f"http://127.0.0.1:{os.environ['ADMIN_PORT']}/api/docs"
    password = os.environ.get("ADMIN_PASSWORD", "")
    shown = password if password == LOCAL_ADMIN["ADMIN_PASSWORD"] else "<ADMIN_PASSWORD>"
    lines.append(f"  Admin API:     {admin}   login {os.environ['ADMIN_EMAIL']} / {shown}")
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
            late = ", ".join(s.label for s in started if not s.ready.is_set())
            say(f"\n  not ready after {READY_TIMEOUT:.0f}s: {late} (see the log above)\n")
        done, _ = await asyncio.wait([stopping, *exits], return_when=asyncio.FIRST_COMPLETED)
        for waiter in (readiness, stopping, *exits):
            waiter.cancel()
        died = [exits[w].label for w in done if w in exits]
        if died:
            say(f"{', '.join(died)} exited: stopping everything", error=True)
            failed = True
    finally:
        # In order: updates first, the emulator last.
        codes = []
        for service in reversed(started):
            try:
                codes.append(await service.stop(signalled=plan.ctrl_c))
            except Exception as exc:  # never leave the others running
                say(f"stopping {service.label} failed: {exc!r}", error=True)
                codes.append(1)
    return 1 if failed or any(codes) else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
