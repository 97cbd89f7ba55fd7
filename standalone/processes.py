"""Service processes (``python -m <module>``) as the tests, the benchmarks and `make run` start
them: one runner for all three.

A process is watched through its output: callers synchronise with it by waiting for the line
it logs when it reached a state (``wait_for_log``, or ``ready`` once every marker was seen),
never for a fixed time. ``echo`` shows the output as it comes (`make run` prefixes it with
the service's name); the lines are kept in memory for the tests and the benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Self

REPO_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """One service process (``python -m <module> [args]``), its log kept in memory."""

    def __init__(
        self,
        name: str,
        module: str,
        env: Mapping[str, str] | None = None,
        args: tuple[str, ...] = (),
        *,
        markers: tuple[str, ...] = (),
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.name = name
        self.module = module
        self.args = args
        self.env_overrides = dict(env or {})
        self.markers = markers
        self.echo = echo
        self.ready = asyncio.Event()  # set once every marker was logged
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self.stdout: list[str] = []
        self.started_at = 0.0
        self._changed = asyncio.Condition()
        self._readers: list[asyncio.Task[None]] = []
        self._pending: list[str] = []

    @property
    def env(self) -> dict[str, str]:
        """The environment it starts with: this process's, as it is at the start, plus the
        overrides (`make run` sets DATABASE_URL once its embedded Postgres is up)."""
        return {
            **os.environ,
            "LOG_FORMAT": "text",
            "PYTHONUNBUFFERED": "1",
            **self.env_overrides,
        }

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} was not started"
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> Self:
        self.lines = []
        self.stdout = []
        self.started_at = time.time()
        self.ready.clear()
        self._pending = list(self.markers)
        if not self._pending:
            self.ready.set()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            *self.args,
            cwd=REPO_ROOT,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.proc.stderr is not None
        assert self.proc.stdout is not None
        self._readers = [
            asyncio.create_task(self._read(self.proc.stderr, self.lines)),
            asyncio.create_task(self._read(self.proc.stdout, self.stdout)),
        ]
        return self

    async def _read(self, stream: asyncio.StreamReader, into: list[str]) -> None:
        while line := await stream.readline():
            text = line.decode(errors="replace").rstrip()
            if self.echo is not None:
                self.echo(text)
            async with self._changed:
                into.append(text)
                self._pending = [marker for marker in self._pending if marker not in text]
                if not self._pending:
                    self.ready.set()
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_log(self, marker: str, within: float = 30.0, start: int = 0) -> float:
        """Wait for a log line containing ``marker``; returns when it was seen (unix time)."""

        async def find() -> float:
            async with self._changed:
                while True:
                    if any(marker in line for line in self.lines[start:]):
                        return time.time()
                    if all(reader.done() for reader in self._readers):
                        raise RuntimeError(f"{self.name} exited before logging {marker!r}")
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(find(), within)
        except (TimeoutError, RuntimeError) as exc:
            raise RuntimeError(
                f"{self.name}: no {marker!r} ({exc!r}); log:\n{self.tail()}"
            ) from exc

    def tail(self, n: int = 30) -> str:
        return "\n".join(self.lines[-n:])

    async def wait(self) -> int:
        """Wait for the process to exit, however long; its exit code."""
        assert self.proc is not None
        code = await self.proc.wait()
        await asyncio.gather(*self._readers, return_exceptions=True)
        return code

    async def wait_exit(self, within: float = 30.0) -> int:
        return await asyncio.wait_for(self.wait(), within)

    async def kill(self) -> None:
        """SIGKILL (what a crash looks like); no-op if it is not running."""
        if self.running:
            assert self.proc is not None
            self.proc.kill()
            await self.wait_exit()

    async def stop(self, within: float = 20.0, *, signalled: bool = False) -> int:
        """SIGTERM and wait for the graceful exit, SIGKILL if it does not come; the exit code.

        ``signalled``: the process already got a stop signal (Ctrl-C in a terminal reaches the
        whole foreground group), so it is given ``within`` seconds first: a second signal would
        cut its graceful shutdown short.
        """
        if self.proc is None:
            return 0
        if signalled and self.running:
            with contextlib.suppress(TimeoutError):
                await self.wait_exit(within)
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await self.wait_exit(within)
            except TimeoutError:
                if self.echo is not None:
                    self.echo(f"did not stop in {within:.0f}s: killing it")
                await self.kill()
        return self.proc.returncode or 0
