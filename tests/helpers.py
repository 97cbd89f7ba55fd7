"""Helpers shared by the tests: paths, service processes, waiting without sleeping.

The process runner is the benchmark suite's (bench/infra.py): one implementation for both.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import aiohttp

from app.retry import RetryPolicy
from app.vk.client import VKClient
from app.vk.ratelimit import SlidingWindowLimiter
from standalone.processes import Service, free_port

REPO_ROOT = Path(__file__).resolve().parents[1]


class ServiceProcess(Service):
    """A product service started as a real process (``python -m <module>``) for a test.

    ``wait_for_log`` is how tests synchronise with a process: they wait for the line the
    service logs when it reached a state, never for a fixed time.
    """

    def __init__(self, module: str, env: Mapping[str, str]) -> None:
        super().__init__(module, module, env)

    async def terminate(self, timeout: float = 20.0) -> int:
        """SIGTERM, then the exit code (a graceful stop is 0)."""
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


__all__ = ["REPO_ROOT", "ServiceProcess", "free_port", "wait_until"]


def emulator_vk(http: aiohttp.ClientSession, api_url: str, token: str) -> VKClient:
    """A VK client for a test's emulator: VK's 20 requests/s, quick retries."""
    return VKClient(
        http,
        token,
        api_url=api_url,
        retry=RetryPolicy(attempts=3, base_delay=0.01),
        limiter=SlidingWindowLimiter(20),
    )
