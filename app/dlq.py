"""Inspect and replay the dead-letter queue: ``python -m app.dlq list|replay|purge``.

Parked updates keep their body, their original shard routing key and the error that parked
them. ``replay`` publishes them back to the updates exchange (with publisher confirms, the
retry counter reset) and only then removes them from the dead-letter queue; the bot's
event_id log makes a replay of an update that did get applied harmless.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from app.broker import topology
from app.broker.topology import ATTEMPT_HEADER, ERROR_HEADER, FAILED_AT_HEADER, ROUTING_KEY_HEADER
from app.settings import ConfigError, Settings, fail


def describe(message: AbstractIncomingMessage) -> dict[str, Any]:
    headers = message.headers or {}
    try:
        body: Any = json.loads(message.body)
    except ValueError:
        body = message.body[:500].decode(errors="replace")
    return {
        "event_id": message.message_id,
        "routing_key": headers.get(ROUTING_KEY_HEADER) or message.routing_key,
        "attempts": headers.get(ATTEMPT_HEADER),
        "error": headers.get(ERROR_HEADER),
        "failed_at": headers.get(FAILED_AT_HEADER),
        "update": body,
    }


async def run(settings: Settings, command: str, limit: int) -> int:
    connection = await aio_pika.connect(settings.broker_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        declared = await topology.declare(
            channel,
            settings.update_shards,
            topology.Names(settings.amqp_prefix),
            settings.retry_delays,
        )
        dead = declared.dead_letter_queue
        if command == "purge":
            result = await dead.purge()
            print(json.dumps({"purged": result.message_count}))
            return 0
        taken: list[AbstractIncomingMessage] = []
        while len(taken) < limit:
            message = await dead.get(no_ack=False, fail=False)
            if message is None:
                break
            taken.append(message)
        for message in taken:
            if command == "list":
                print(json.dumps(describe(message), ensure_ascii=False, default=str))
                continue
            headers = dict(message.headers or {})
            key = str(headers.pop(ROUTING_KEY_HEADER, "") or message.routing_key or "")
            for name in (ATTEMPT_HEADER, ERROR_HEADER, FAILED_AT_HEADER):
                headers.pop(name, None)
            await declared.exchange.publish(
                aio_pika.Message(
                    body=message.body,
                    content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=message.message_id,
                    headers=headers,
                ),
                routing_key=key,
                mandatory=True,
            )
            await message.ack()
            print(json.dumps({"replayed": message.message_id, "routing_key": key}))
        if command == "list":
            for message in reversed(taken):  # back where they were, in their order
                await message.nack(requeue=True)
        print(json.dumps({command: len(taken)}), file=sys.stderr)
        return 0
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.dlq", description=__doc__)
    parser.add_argument("command", choices=("list", "replay", "purge"))
    parser.add_argument("--limit", type=int, default=1000, help="at most this many messages")
    args = parser.parse_args(argv)
    try:
        settings = Settings.load("AMQP_URL")
    except ConfigError as error:
        fail(error)
        return 2
    return asyncio.run(run(settings, args.command, args.limit))


if __name__ == "__main__":
    raise SystemExit(main())
