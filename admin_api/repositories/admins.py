"""Admins, their server-side sessions and the failed-login log (the admin API's auth state).

Sessions are rows keyed by the SHA-256 of the cookie token: deleting the row revokes the
login at once, and the table never holds a usable token. Failed logins are rows with a time,
so throttling is a sliding window that every admin API process shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Admin, AdminSession, LoginFailure


@dataclass(frozen=True)
class AdminRecord:
    id: int
    email: str
    password_hash: str


@dataclass(frozen=True)
class SessionRecord:
    admin_id: int
    email: str
    expires_at: datetime


async def by_email(session: AsyncSession, email: str) -> AdminRecord | None:
    row = (
        await session.execute(
            select(Admin.id, Admin.email, Admin.password_hash).where(Admin.email == email)
        )
    ).one_or_none()
    return AdminRecord(*row) if row else None


async def create(session: AsyncSession, email: str, password_hash: str) -> int:
    """Insert an admin (or, if the email exists, replace its password); returns the id."""
    stmt = insert(Admin).values(email=email, password_hash=password_hash)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Admin.email],
        set_={"password_hash": stmt.excluded.password_hash, "updated_at": func.now()},
    )
    return int((await session.execute(stmt.returning(Admin.id))).scalar_one())


async def set_password(session: AsyncSession, admin_id: int, password_hash: str) -> None:
    await session.execute(
        update(Admin)
        .where(Admin.id == admin_id)
        .values(password_hash=password_hash, updated_at=func.now())
    )


async def add_session(
    session: AsyncSession, admin_id: int, token_hash: str, expires_at: datetime
) -> None:
    await session.execute(
        insert(AdminSession).values(token_hash=token_hash, admin_id=admin_id, expires_at=expires_at)
    )


async def live_session(
    session: AsyncSession, token_hash: str, now: datetime
) -> SessionRecord | None:
    row = (
        await session.execute(
            select(AdminSession.admin_id, Admin.email, AdminSession.expires_at)
            .join(Admin, Admin.id == AdminSession.admin_id)
            .where(AdminSession.token_hash == token_hash, AdminSession.expires_at > now)
        )
    ).one_or_none()
    return SessionRecord(*row) if row else None


async def extend_session(session: AsyncSession, token_hash: str, expires_at: datetime) -> None:
    await session.execute(
        update(AdminSession)
        .where(AdminSession.token_hash == token_hash)
        .values(expires_at=expires_at)
    )


async def drop_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash))


async def drop_sessions_of(session: AsyncSession, admin_id: int) -> int:
    """Revoke every login of an admin (its password changed)."""
    result = await session.execute(delete(AdminSession).where(AdminSession.admin_id == admin_id))
    return int(getattr(result, "rowcount", 0) or 0)


async def drop_expired_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(AdminSession).where(AdminSession.expires_at <= now))


# Failed logins ----------------------------------------------------------------------------------


async def record_failure(session: AsyncSession, email: str, address: str, now: datetime) -> None:
    await session.execute(insert(LoginFailure).values(email=email, address=address, failed_at=now))


async def clear_failures(session: AsyncSession, email: str) -> None:
    """A successful login forgives the email's earlier typos."""
    await session.execute(delete(LoginFailure).where(LoginFailure.email == email))


async def forget_failures_before(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.failed_at < cutoff))


async def blocked_until(
    session: AsyncSession,
    *,
    email: str,
    address: str,
    now: datetime,
    window: timedelta,
    per_email: int,
    per_address: int,
) -> datetime | None:
    """When the sliding window lets this email and address try again, or None if it does now.

    With ``limit`` failures allowed per window, a key is blocked while its ``limit``-th most
    recent failure is still inside the window; it is free once that failure leaves it.
    """
    since = now - window
    ends: list[datetime] = []
    for column, value, limit in (
        (LoginFailure.email, email, per_email),
        (LoginFailure.address, address, per_address),
    ):
        nth_latest = await session.scalar(
            select(LoginFailure.failed_at)
            .where(column == value, LoginFailure.failed_at > since)
            .order_by(LoginFailure.failed_at.desc())
            .offset(limit - 1)
            .limit(1)
        )
        if nth_latest is not None:
            ends.append(nth_latest + window)
    return max(ends) if ends else None
