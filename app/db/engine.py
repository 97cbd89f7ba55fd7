"""One async engine per process and the session factory every repository call goes through."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # No pool_pre_ping: it costs a round trip per transaction. After a Postgres restart the
    # first use of a dead connection fails as an outage, SQLAlchemy invalidates the pool's
    # older connections, and the caller's retry (every loop and handler has one) gets a new one.
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
