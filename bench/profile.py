"""Sampling profiles of service processes with py-spy, summarised from its raw stacks.

``py-spy record --format raw`` writes collapsed stacks (``frame;frame;... count``); idle
threads (the event loop waiting in epoll) are left out, so the samples are where the process
spends CPU. The summary lists the functions with the most samples inside them (inclusive) and
at the top of the stack (self), and splits the samples by the package the leaf frame is in.
py-spy needs ptrace (root, or CAP_SYS_PTRACE); when it cannot attach the profile is skipped
with the reason.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")

# Leaf frames are attributed to the first of these that their file path contains.
PACKAGES = (
    ("asyncpg", "asyncpg (Postgres driver)"),
    ("sqlalchemy", "SQLAlchemy"),
    ("aiormq", "AMQP client (aiormq/aio-pika/pamqp)"),
    ("aio_pika", "AMQP client (aiormq/aio-pika/pamqp)"),
    ("pamqp", "AMQP client (aiormq/aio-pika/pamqp)"),
    ("aiohttp", "aiohttp (HTTP)"),
    ("yarl", "aiohttp (HTTP)"),
    ("multidict", "aiohttp (HTTP)"),
    ("prometheus_client", "prometheus_client"),
    ("/json/", "json"),
    ("logging", "logging"),
    ("asyncio", "asyncio event loop"),
    ("rapidfuzz", "game (judge, rapidfuzz)"),
    ("app/game", "game logic (app/game)"),
    ("app/", "bot shell (app/)"),
    ("poller/", "poller"),
    ("vk_emulator", "vk_emulator"),
)


def py_spy() -> str | None:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    return found


async def record(pid: int, seconds: float, out: Path, rate: int = 200) -> str | None:
    """Record ``pid`` for ``seconds`` into ``out`` (raw stacks); returns an error or None."""
    exe = py_spy()
    if exe is None:
        return "py-spy is not installed (pip install '.[bench]')"
    proc = await asyncio.create_subprocess_exec(
        exe,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(seconds))),
        "--rate",
        str(rate),
        "--format",
        "raw",
        "--nonblocking",
        "--output",
        str(out),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    if proc.returncode != 0 or not await asyncio.to_thread(out.exists):
        return f"py-spy failed ({proc.returncode}): {output.decode(errors='replace')[-500:]}"
    return None


def _parse(frame: str) -> tuple[str, str]:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip(), ""
    return match["func"], match["file"]


def _short(file: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _package(func: str, file: str) -> str:
    if "selector_events.py" in file and func.endswith(".write"):
        # The send() syscall: on loopback it also runs the receiver's TCP stack and wakes it
        # (Postgres, RabbitMQ, the emulator), so under CPU contention it includes waiting for a
        # core; in these profiles almost all of it is asyncpg sending statements.
        return "socket send() (asyncio transport write)"
    if func.endswith("select") and "selectors.py" in file:
        return "idle (epoll wait)"
    for key, name in PACKAGES:
        if key in file:
            return name
    return "other"


def summarise(raw: Path, top: int = 20) -> dict[str, Any]:
    """Totals, top inclusive and self functions, and the leaf samples by package."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_parse(f) for f in stack.split(";") if f.strip()]
        # The first frame is the thread name ("process 123:..."/"thread (0x..)") in raw output.
        frames = [f for f in frames if f[1]]
        if not frames:
            continue
        total += count
        seen = set()
        for func, file in frames:
            name = f"{func} ({_short(file)})"
            if name not in seen:
                seen.add(name)
                inclusive[name] += count
        leaf_func, leaf_file = frames[-1]
        own[f"{leaf_func} ({_short(leaf_file)})"] += count
        packages[_package(leaf_func, leaf_file)] += count

    def share(counter: Counter[str], n: int) -> list[dict[str, Any]]:
        return [
            {"function": name, "samples": c, "percent": round(100.0 * c / total, 1)}
            for name, c in counter.most_common(n)
        ]

    app_inclusive = Counter(
        {name: c for name, c in inclusive.items() if "(app/" in name or "(poller/" in name}
    )
    return {
        "samples": total,
        "by_package": share(packages, len(packages)),
        "top_self": share(own, top),
        "top_inclusive_app": share(app_inclusive, top),
    }
