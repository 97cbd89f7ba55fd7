"""The bot's asyncpg pool: the hot path talks to Postgres without an ORM in between.

SQLAlchemy keeps the models, the migrations, the admin API and the rarely run queries; the
statements that run for every event (``app.repositories.batch``) go through asyncpg directly,
where a prepared statement costs a fraction of the Python per round trip (the profile of the
first version spent 37 % of the bot's samples inside SQLAlchemy). asyncpg prepares each
statement once per connection and caches it.
"""

from __future__ import annotations

import json
from typing import Any, TypeAlias

import asyncpg

Pool: TypeAlias = Any  # asyncpg.Pool (asyncpg ships no type information)


def asyncpg_dsn(url: str) -> str:
    """``postgresql+asyncpg://…`` (the SQLAlchemy form in DATABASE_URL) as asyncpg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _init(conn: Any) -> None:
    # jsonb in and out as Python values, encoded like SQLAlchemy's JSONB columns (plain JSON).
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        decoder=json.loads,
        schema="pg_catalog",
    )


async def _keep_session(conn: Any) -> None:
    """Release without asyncpg's reset query (a round trip on every release).

    Our code leaves no session state behind: no SET, no LISTEN, no cursors, and the only
    session-level advisory locks (the sender's) live on a connection that is closed, not
    released, when it is given up. An open transaction is still rolled back by asyncpg.
    """


async def create_pool(url: str, *, size: int = 8, durable: bool = True) -> Pool:
    """A pool that holds its connections (no connect per transaction); it connects lazily.

    ``durable=False``: commits do not wait for the disk (``synchronous_commit=off``), for
    writes whose loss in a Postgres crash costs nothing but a little repeated work.
    """
    settings = {} if durable else {"synchronous_commit": "off"}
    return await asyncpg.create_pool(
        asyncpg_dsn(url),
        min_size=0,
        max_size=size,
        init=_init,
        reset=_keep_session,
        command_timeout=60,
        server_settings=settings,
    )
