"""`make run`: the whole product on this machine, talking to the VK emulator.

Starts the VK emulator, the poller, the bot and the admin API as separate processes against
the local Postgres and RabbitMQ, migrates the database first, creates a demo chat in the
emulator and prints how to play. Ctrl-C stops everything gracefully. Any variable already in
the environment (or in .env) wins over the local defaults below.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]

EMULATOR_PORT = os.environ.get("EMULATOR_PORT", "8081")
LOCAL_DEFAULTS = {
    "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/znatoki",
    "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/",
    "VK_TOKEN": "emulator-token",
    "VK_GROUP_ID": "1",
    "VK_API_URL": f"http://127.0.0.1:{EMULATOR_PORT}/method",
    "ADMIN_EMAIL": "admin@example.com",
    "ADMIN_PASSWORD": "admin",
    "ADMIN_PORT": "8080",
    "EMULATOR_PORT": EMULATOR_PORT,
    "EMULATOR_TOKEN": "emulator-token",
    "EMULATOR_GROUP_ID": "1",
    "LOG_FORMAT": "text",
    # The emulator keeps its chats and messages here, so a game survives Ctrl-C.
    "EMULATOR_STATE_FILE": str(ROOT / "var" / "emulator.json"),
}
SERVICES = ("vk_emulator", "admin_api", "app", "poller")


def load_dotenv() -> None:
    env_file = ROOT / ".env"
    if not env_file.exists():
        return
    for line in env_file.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            os.environ.setdefault(key.strip(), value.strip())


async def ensure_database(url: str) -> None:
    """Create the database named in DATABASE_URL if the server does not have it yet."""
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    base, _, name = plain.rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    finally:
        await conn.close()


READY_MARKERS = {"poller": "long polling from", "app": "consuming"}


async def pipe(prefix: str, stream: asyncio.StreamReader, ready: asyncio.Event) -> None:
    marker = READY_MARKERS.get(prefix)
    while line := await stream.readline():
        text = line.decode(errors="replace")
        sys.stdout.write(f"{prefix:>11} | {text}")
        if marker and marker in text:
            ready.set()


async def seed_emulator(base: str) -> int:
    """A demo chat with three members, so there is something to play in at once."""
    from vk_emulator.control_client import ControlClient

    async with ControlClient(base) as control:
        for _ in range(100):
            try:
                await control.counters()
                break
            except OSError:
                await asyncio.sleep(0.1)
        ids = [
            (await control.create_user(name, "Демо"))["id"] for name in ("Анна", "Борис", "Вера")
        ]
        chat = await control.create_chat("Знатоки (демо)", ids)
        return int(chat["peer_id"])


async def main() -> int:
    load_dotenv()
    for key, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(key, value)
    await ensure_database(os.environ["DATABASE_URL"])
    migrate = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "alembic", "upgrade", "head", cwd=ROOT
    )
    if await migrate.wait() != 0:
        return 1

    procs: list[asyncio.subprocess.Process] = []
    pipes = []
    ready = {module: asyncio.Event() for module in READY_MARKERS}
    for module in SERVICES:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert proc.stdout is not None
        procs.append(proc)
        pipes.append(
            asyncio.create_task(pipe(module, proc.stdout, ready.get(module, asyncio.Event())))
        )

    base = f"http://127.0.0.1:{EMULATOR_PORT}"
    peer_id = await seed_emulator(base)
    # Messages typed before the poller connects are not delivered (as with real VK).
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in ready.values())), 60)
    admin = f"http://127.0.0.1:{os.environ['ADMIN_PORT']}/api/docs"
    print(
        "\n"
        f"  VK emulator:   {base}  (control API: {base}/control, see vk_emulator/README.md)\n"
        f"  Demo chat:     peer_id {peer_id}, members 1 Анна, 2 Борис, 3 Вера\n"
        f"  Say /start:    curl -s -XPOST {base}/control/chats/{peer_id}/messages "
        '-H \'Content-Type: application/json\' -d \'{"from_id":1,"text":"/start"}\'\n'
        f"  Bot replies:   curl -s {base}/control/chats/{peer_id}/messages\n"
        f"  Admin API:     {admin}  (login {os.environ['ADMIN_EMAIL']})\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiters = [asyncio.ensure_future(p.wait()) for p in procs]
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait([stopper, *waiters], return_when=asyncio.FIRST_COMPLETED)
    for proc in reversed(procs):  # poller first, emulator last
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    codes = await asyncio.gather(*(p.wait() for p in procs))
    await asyncio.gather(*pipes)
    return 0 if stop.is_set() and all(code == 0 for code in codes) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
