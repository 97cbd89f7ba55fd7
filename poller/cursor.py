"""The poller's long-poll cursor: one autocommit statement per poll cycle (asyncpg)."""

from __future__ import annotations

from typing import Any

Connection = Any  # an asyncpg pool or connection (asyncpg ships no type information)


async def load(conn: Connection, group_id: int) -> str | None:
    value = await conn.fetchval("SELECT ts FROM poller_cursor WHERE group_id = $1", group_id)
    return str(value) if value is not None else None


async def save(conn: Connection, group_id: int, ts: str) -> None:
    await conn.execute(
        "INSERT INTO poller_cursor (group_id, ts) VALUES ($1, $2) "
        "ON CONFLICT (group_id) DO UPDATE SET ts = excluded.ts, updated_at = now()",
        group_id,
        ts,
    )
