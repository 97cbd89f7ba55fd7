"""Tell an outage (retry the same message later) from a bug or bad input (park it)."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError

_OUTAGE_TYPES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
)


def is_outage(exc: BaseException) -> bool:
    """True when a dependency (Postgres, the network) was unreachable, not when the work is bad.

    An update that fails because Postgres is restarting must wait for Postgres, not burn its
    retries and land in the dead-letter queue.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _OUTAGE_TYPES):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False
