"""The floor: the least this architecture can do per update, as a bare pipeline.

``python -m bench.floor poll`` long-polls the VK emulator and publishes each update to
RabbitMQ (persistent, publisher confirms, the batch confirmed before the next poll);
``python -m bench.floor work`` consumes them (manual ack, prefetch 64), commits one row to
Postgres per update and calls ``messages.send`` once per update, then acks. No game, no
outbox, no lanes, no rate limiter, no execute batching: the same hops as the product
(long poll → broker → consumer → Postgres commit → VK call) and nothing else. The driver runs
the two roles as two processes, like the product's poller and bot, on the same emulator,
Postgres and RabbitMQ, so the product's figures can be read as a fraction of this one.

Configuration comes from the environment the driver sets: DATABASE_URL, AMQP_URL,
AMQP_PREFIX, VK_API_URL, VK_TOKEN, VK_GROUP_ID, BOT_PREFETCH.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from typing import Any

import aio_pika
import aiohttp
import asyncpg
from aio_pika.abc import AbstractIncomingMessage

log = logging.getLogger("bench.floor")

ROUTING_KEY = "floor"


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"bench.floor: set {name}")
    return value


async def _topology(
    url: str, prefix: str, prefetch: int | None = None
) -> tuple[aio_pika.abc.AbstractConnection, aio_pika.abc.AbstractExchange, Any]:
    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=True)
    if prefetch is not None:
        await channel.set_qos(prefetch_count=prefetch)
    exchange = await channel.declare_exchange(
        f"{prefix}.floor", aio_pika.ExchangeType.DIRECT, durable=True
    )
    queue = await channel.declare_queue(f"{prefix}.floor", durable=True)
    await queue.bind(exchange, routing_key=ROUTING_KEY)
    return connection, exchange, queue


async def _vk(
    http: aiohttp.ClientSession, api_url: str, token: str, method: str, **params: str
) -> Any:
    form = {**params, "v": "5.199", "access_token": token}
    async with http.post(f"{api_url}/{method}", data=form) as resp:
        body = await resp.json(content_type=None)
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["response"]


async def poll(stop: asyncio.Event) -> None:
    api_url, token = _env("VK_API_URL").rstrip("/"), _env("VK_TOKEN")
    connection, exchange, _ = await _topology(_env("AMQP_URL"), _env("AMQP_PREFIX"))
    published = 0
    async with aiohttp.ClientSession() as http:
        server = await _vk(
            http, api_url, token, "groups.getLongPollServer", group_id=_env("VK_GROUP_ID")
        )
        key, ts = server["key"], str(server["ts"])
        log.info("floor polling from ts=%s", ts)
        while not stop.is_set():
            params = {"act": "a_check", "key": key, "ts": ts, "wait": "5"}
            request = asyncio.ensure_future(_get_json(http, server["server"], params))
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait([request, stopped], return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not request.done():
                request.cancel()
                break
            body = request.result()
            if "failed" in body:
                raise RuntimeError(f"long poll failed: {body}")
            updates = body["updates"]
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            json.dumps(update, ensure_ascii=False).encode(),
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                            message_id=update.get("event_id"),
                        ),
                        routing_key=ROUTING_KEY,
                    )
                    for update in updates
                )
            )
            published += len(updates)
            ts = str(body["ts"])
    await connection.close()
    log.info("floor published %d updates", published)


async def _get_json(http: aiohttp.ClientSession, url: str, params: dict[str, str]) -> Any:
    async with http.get(url, params=params) as resp:
        return await resp.json(content_type=None)


async def work(stop: asyncio.Event) -> None:
    api_url, token = _env("VK_API_URL").rstrip("/"), _env("VK_TOKEN")
    dsn = _env("DATABASE_URL").replace("postgresql+asyncpg://", "postgresql://", 1)
    prefetch = int(_env("BOT_PREFETCH", "64"))
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS bench_floor ("
        " event_id text PRIMARY KEY, peer_id bigint NOT NULL,"
        " at timestamptz NOT NULL DEFAULT now())"
    )
    connection, _, queue = await _topology(_env("AMQP_URL"), _env("AMQP_PREFIX"), prefetch)
    tasks: set[asyncio.Task[None]] = set()
    handled = 0

    async with aiohttp.ClientSession() as http:

        async def handle(message: AbstractIncomingMessage) -> None:
            nonlocal handled
            try:
                update = json.loads(message.body)
                event_id = str(update["event_id"])
                obj = update["object"]
                peer_id = int(obj["message"]["peer_id"] if "message" in obj else obj["peer_id"])
                await pool.execute(
                    "INSERT INTO bench_floor (event_id, peer_id) VALUES ($1, $2)"
                    " ON CONFLICT DO NOTHING",
                    event_id,
                    peer_id,
                )
                await _vk(
                    http,
                    api_url,
                    token,
                    "messages.send",
                    peer_id=str(peer_id),
                    random_id=str(int(event_id[:7], 16)),  # a 32-bit VK random_id
                    message=f"floor {event_id[:8]}",
                )
                handled += 1
                await message.ack()
            except Exception:
                log.exception("floor: update failed")
                await message.nack(requeue=False)

        def on_message(message: AbstractIncomingMessage) -> None:
            task = asyncio.create_task(handle(message))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        async def consume(message: AbstractIncomingMessage) -> None:
            on_message(message)

        tag = await queue.consume(consume, no_ack=False)
        log.info("floor consuming (prefetch %d)", prefetch)
        await stop.wait()
        await queue.cancel(tag)
        await asyncio.gather(*tasks, return_exceptions=True)
    await connection.close()
    await pool.close()
    log.info("floor handled %d updates", handled)


def main() -> None:
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role not in ("poll", "work"):
        raise SystemExit("usage: python -m bench.floor poll|work")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await (poll(stop) if role == "poll" else work(stop))

    asyncio.run(run())


if __name__ == "__main__":
    main()
