"""The embedded Postgres of `make run`: a real server from the ``pgserver`` wheel, no TCP.

Used by ``scripts/run_local.py`` when no ``DATABASE_URL`` is configured (and by its test).
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
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg


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
            print(
                f"[make run] running as root: created the system account {name} to run Postgres as",
                flush=True,
            )
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
            print(f"[make run] created database {name}", flush=True)
    finally:
        await conn.close()
