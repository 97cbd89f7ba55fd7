"""The product's outbox sender on its own, draining a pre-filled outbox through one token.

``python -m bench.outbound --batch-size 25`` (execute batching on, the product's default) or
``--batch-size 1`` (off: one ``messages.send`` per request). It builds the sender exactly as
the bot does (``OutboxSender`` with the bot's VK client and the shared, Postgres-kept request
budget of ``VK_RATE_LIMIT`` per second), wakes every chat with pending rows, waits until none
is left and prints one JSON line: rows sent, seconds, requests and calls made.

Configuration: the bot's environment (DATABASE_URL, VK_TOKEN, VK_GROUP_ID, VK_API_URL,
VK_RATE_LIMIT, VK_RATE_LIMIT_SCOPE).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import time

import aiohttp
from sqlalchemy import func, select

from app.bot.sender import OutboxSender
from app.db.engine import create_engine
from app.db.models import Outbox
from app.db.pool import create_pool
from app.repositories import outbox
from app.settings import Settings
from app.vk.factory import make_vk_client


async def drain(batch_size: int, limit_s: float) -> dict[str, object]:
    settings = Settings.load("DATABASE_URL", "VK_TOKEN", "VK_GROUP_ID")
    engine = create_engine(settings.dsn)
    pool = await create_pool(settings.dsn, size=8)
    budget_pool = await create_pool(settings.dsn, size=2)
    pending = select(func.count()).select_from(Outbox).where(Outbox.status == "pending")
    try:
        async with aiohttp.ClientSession() as http:
            sender = OutboxSender(
                pool, make_vk_client(settings, http, budget_pool), batch_size=batch_size
            )
            async with engine.connect() as conn:
                total = int(await conn.scalar(pending) or 0)
                peers = await outbox.pending_peers(conn, limit=1_000_000)
            stop = asyncio.Event()
            started = time.time()
            for peer in peers:
                sender.wake(peer)
            task = asyncio.create_task(sender.run(stop))
            left = total
            loop = asyncio.get_running_loop()
            deadline = loop.time() + limit_s
            while left and loop.time() < deadline:
                await asyncio.sleep(0.05)  # polls the outbox: the sender has no "done" signal
                async with engine.connect() as conn:
                    left = int(await conn.scalar(pending) or 0)
            finished = time.time()
            stop.set()
            await task
        return {
            "batch_size": batch_size,
            "rows": total,
            "sent": total - left,
            "seconds": round(finished - started, 3),
            "requests": sender.requests,
            "calls": sender.calls,
            "cpu_seconds": round(_cpu_seconds(), 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    finally:
        await engine.dispose()
        await pool.close()
        await budget_pool.close()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(drain(args.batch_size, args.timeout))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
