"""Helpers shared by the tests: paths, service processes, waiting without sleeping."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


class ServiceProcess:
    """A service started as a real process (``python -m <module>``), watched through its log.

    ``wait_for_log`` is how tests synchronise with a process: they wait for the line the
    service logs when it reached a state, never for a fixed time.
    """

    def __init__(self, module: str, env: Mapping[str, str]) -> None:
        self.module = module
        self.env = {**os.environ, "LOG_FORMAT": "text", "PYTHONUNBUFFERED": "1", **env}
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._new_line = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> ServiceProcess:
        self.lines.clear()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            async with self._new_line:
                self.lines.append(line.decode(errors="replace").rstrip())
                self._new_line.notify_all()
        async with self._new_line:
            self._new_line.notify_all()

    async def wait_for_log(self, marker: str, timeout: float = 20.0, start: int = 0) -> str:
        async def find() -> str:
            async with self._new_line:
                while True:
                    for line in self.lines[start:]:
                        if marker in line:
                            return line
                    if self._reader is not None and self._reader.done():
                        raise RuntimeError(f"{self.module} exited before logging {marker!r}")
                    await self._new_line.wait()

        try:
            return await asyncio.wait_for(find(), timeout)
        except (TimeoutError, RuntimeError) as exc:
            tail = "\n".join(self.lines[-30:])
            raise AssertionError(f"{self.module}: no {marker!r} ({exc!r}); log:\n{tail}") from exc

    async def wait_exit(self, timeout: float = 20.0) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._reader is not None:
            await self._reader
        return code

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.wait_exit()

    async def terminate(self, timeout: float = 20.0) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await self.wait_exit(timeout)


async def wait_until(
    condition: Callable[[], Awaitable[bool]], timeout: float = 20.0, what: str = "condition"
) -> None:
    """Re-check a condition (e.g. a database query) until it holds; fail after ``timeout``.

    For state that has no event to wait on. It waits for the condition, not for a guessed time.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


def free_port() -> int:
    """A TCP port nothing listens on right now, for a service started as a process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
