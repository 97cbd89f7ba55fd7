"""Admin authentication: password hashes, server-side sessions, login throttling.

- Passwords are kept only as scrypt hashes (stdlib ``hashlib.scrypt``, random salt) in a
  self-describing format ``scrypt$n=32768,r=8,p=1$<salt>$<key>``, so the cost can be raised
  later and old hashes still verify (and are upgraded at the next login).
- A session is a random token in an HttpOnly, SameSite=Lax cookie; Postgres stores only its
  SHA-256, so the sessions table cannot be replayed, and deleting the row revokes the login.
  Sessions last ``SESSION_TTL`` and are extended (at most once a day) while in use.
- Every state change made with the session cookie (POST, PUT, PATCH, DELETE) must also carry
  ``X-CSRF-Token``: an HMAC of the session token, so nothing more is stored, and another site,
  which cannot read the HttpOnly cookie, cannot compute it. SameSite=Lax alone leaves a
  multipart form post from a same-site page (or an older browser) able to act as the admin.
- Failed logins are throttled per email and per client address over a sliding window kept in
  Postgres (shared by every process); unknown emails cost the same scrypt as known ones and
  get the same answer, so a failed login does not reveal whether the email exists.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import logging
import math
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import cache

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin_api.errors import ApiError
from admin_api.keys import ADMIN, SESSIONMAKER, SETTINGS, CurrentAdmin
from admin_api.repositories import admins
from app.settings import ConfigError

log = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # ~0.1 s and 32 MiB per hash
SCRYPT_MAXMEM = 256 * 1024 * 1024  # room for hashes made with a higher cost later
SALT_BYTES, KEY_BYTES = 16, 32

COOKIE = "znatoki_session"
SESSION_TTL = timedelta(days=7)
REFRESH_EVERY = timedelta(days=1)
MAX_TOKEN_LENGTH = 128
LOGIN_ROUTE = "auth.login"
MAX_LOGIN_BODY = 8 * 1024  # an email and a password (each capped far below this by the schema)

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20

CSRF_HEADER = "X-CSRF-Token"
_CSRF_CONTEXT = b"znatoki admin api: csrf token v1"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Routes anyone may call (by resource name, see routes.py); everything else needs a session.
PUBLIC = frozenset({"auth.login", "health", "swagger.spec", "swagger.docs", "swagger.static"})
# The web admin's page and files (admin_api.webui): the login form loads without a session.
PUBLIC_PREFIX = "webui."


# Passwords --------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=length
    )


def hash_password(password: str) -> str:
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES)
    return f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(key)}"


def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    try:
        scheme, params, salt, key = encoded.split("$")
        values = dict(part.split("=", 1) for part in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        parsed = (n, r, p, base64.b64decode(salt, validate=True), base64.b64decode(key))
    except (ValueError, KeyError):
        return None
    return parsed if scheme == "scrypt" else None


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time check of a password against a stored hash (False if it is malformed)."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    n, r, p, salt, key = parsed
    try:
        candidate = _scrypt(password, salt, n, r, p, len(key))
    except (ValueError, MemoryError):  # parameters this build cannot compute
        return False
    return hmac.compare_digest(candidate, key)


def needs_rehash(encoded: str) -> bool:
    parsed = _parse(encoded)
    return parsed is None or parsed[:3] != (SCRYPT_N, SCRYPT_R, SCRYPT_P)


@cache
def _decoy_hash() -> str:
    """Verified against when the email is unknown, so both failures take the same time."""
    return hash_password(secrets.token_urlsafe(16))


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password: str, encoded: str | None) -> bool:
    """Off the event loop (scrypt is deliberately slow); ``None`` burns the same time."""
    if encoded is None:
        await asyncio.to_thread(verify_password, password, _decoy_hash())
        return False
    return await asyncio.to_thread(verify_password, password, encoded)


def normalize_email(email: str) -> str:
    return email.strip().lower()


# Sessions and cookies ---------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(session_token: str) -> str:
    """The session's CSRF token: derived, not stored, and useless once the session is gone."""
    key = session_token.encode("utf-8", "replace")
    return hmac.new(key, _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def check_csrf(request: web.Request, admin: CurrentAdmin) -> None:
    """A 403 for an unsafe request whose X-CSRF-Token is not the session's."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "").encode("utf-8", "replace")
    if not hmac.compare_digest(sent, admin.csrf_token.encode("ascii")):
        problem = "is missing" if not sent else "does not match this session"
        raise ApiError(
            403,
            "csrf",
            f"The {CSRF_HEADER} header {problem}: send the csrf_token that POST /api/auth/login "
            "and GET /api/auth/me answer with every POST, PUT, PATCH and DELETE",
        )


def is_https(request: web.Request) -> bool:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def set_session_cookie(
    response: web.StreamResponse, request: web.Request, token: str, expires_at: datetime
) -> None:
    max_age = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=is_https(request),
    )


def clear_session_cookie(response: web.StreamResponse, request: web.Request) -> None:
    response.del_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=is_https(request))


def client_address(request: web.Request, trust_proxy: bool) -> str:
    """Who is logging in, for throttling: the peer, or behind a trusted proxy the hop it saw."""
    if trust_proxy:
        hops = [
            hop.strip()
            for header in request.headers.getall("X-Forwarded-For", [])
            for hop in header.split(",")
        ]
        try:
            return str(ipaddress.ip_address(hops[-1]))
        except (IndexError, ValueError):
            pass
    return (request.remote or "unknown")[:64]


def is_public(route_name: str | None) -> bool:
    return route_name is not None and (route_name in PUBLIC or route_name.startswith(PUBLIC_PREFIX))


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "Log in first (POST /api/auth/login); no valid session")


async def _session_admin(
    sessionmaker: async_sessionmaker[AsyncSession], token: str
) -> tuple[CurrentAdmin, bool]:
    """The session's admin and whether its expiry was just extended."""
    now = datetime.now(UTC)
    hashed = token_hash(token)
    async with sessionmaker.begin() as session:
        found = await admins.live_session(session, hashed, now)
        if found is None:
            raise unauthorized()
        expires_at = found.expires_at
        extend = expires_at - now < SESSION_TTL - REFRESH_EVERY
        if extend:
            expires_at = now + SESSION_TTL
            await admins.extend_session(session, hashed, expires_at)
    admin = CurrentAdmin(found.admin_id, found.email, expires_at, hashed, csrf_token(token))
    return admin, extend


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route but the PUBLIC ones needs a live session (401 before any validation), and
    an unsafe method also the session's CSRF token (403, checked after the session)."""
    match = request.match_info
    if match.http_exception is not None or match.route.resource is None:
        return await handler(request)  # unknown path or method: the 404/405 says enough
    if match.route.resource.name == LOGIN_ROUTE and (request.content_length or 0) > MAX_LOGIN_BODY:
        # Anyone may call it: no reading megabytes of JSON for an email and a password.
        raise ApiError(413, "payload_too_large", f"A login is at most {MAX_LOGIN_BODY} bytes")
    if is_public(match.route.resource.name):
        return await handler(request)
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise unauthorized()
    admin, extended = await _session_admin(request.app[SESSIONMAKER], token)
    check_csrf(request, admin)
    request[ADMIN] = admin
    response = await handler(request)
    if extended and not response.prepared and response.cookies.get(COOKIE) is None:
        set_session_cookie(response, request, token, admin.session_expires_at)
    return response


# Login ------------------------------------------------------------------------------------------


async def login(request: web.Request, email: str, password: str) -> tuple[CurrentAdmin, str]:
    """Check the credentials under the throttle; a new session and its token on success."""
    sessionmaker = request.app[SESSIONMAKER]
    email = normalize_email(email)
    address = client_address(request, request.app[SETTINGS].admin_trust_proxy)
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        until = await admins.blocked_until(
            session,
            email=email,
            address=address,
            now=now,
            window=THROTTLE_WINDOW,
            per_email=MAX_FAILURES_PER_EMAIL,
            per_address=MAX_FAILURES_PER_ADDRESS,
        )
        admin = None if until else await admins.by_email(session, email)
    if until is not None:
        seconds = max(1, math.ceil((until - now).total_seconds()))
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many failed logins; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
    if not await verify_password_async(password, admin.password_hash if admin else None):
        async with sessionmaker.begin() as session:
            await admins.record_failure(session, email, address, now)
            await admins.forget_failures_before(session, now - THROTTLE_WINDOW)
        log.info("failed admin login from %s", address)
        raise ApiError(401, "invalid_credentials", "Wrong email or password")
    assert admin is not None
    upgraded = await hash_password_async(password) if needs_rehash(admin.password_hash) else None
    token = new_token()
    expires_at = now + SESSION_TTL
    async with sessionmaker.begin() as session:
        await admins.clear_failures(session, email)
        await admins.drop_expired_sessions(session, now)
        await admins.add_session(session, admin.id, token_hash(token), expires_at)
        if upgraded:
            await admins.set_password(session, admin.id, upgraded)
    log.info("admin %d logged in", admin.id)
    current = CurrentAdmin(admin.id, admin.email, expires_at, token_hash(token), csrf_token(token))
    return current, token


async def logout(request: web.Request) -> None:
    async with request.app[SESSIONMAKER].begin() as session:
        await admins.drop_session(session, request[ADMIN].token_hash)


# The first admin --------------------------------------------------------------------------------


def admin_from_env(email: str | None, password: str | None) -> tuple[str, str] | None:
    """ADMIN_EMAIL and ADMIN_PASSWORD, checked; both or neither must be set."""
    if not email and not password:
        return None
    if not email or not password:
        raise ConfigError("Set both ADMIN_EMAIL and ADMIN_PASSWORD (or neither)")
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise ConfigError("Invalid configuration: ADMIN_EMAIL: must be an email address")
    return email, password


async def ensure_admin(
    sessionmaker: async_sessionmaker[AsyncSession], email: str, password: str
) -> None:
    """Create the admin, or set its password; a changed password revokes its sessions."""
    async with sessionmaker.begin() as session:
        existing = await admins.by_email(session, email)
    if existing is None:
        hashed = await hash_password_async(password)
        async with sessionmaker.begin() as session:
            await admins.create(session, email, hashed)
        log.info("admin %s created from ADMIN_EMAIL", email)
        return
    same = await verify_password_async(password, existing.password_hash)
    if same and not needs_rehash(existing.password_hash):
        log.info("admin %s ready", email)
        return
    hashed = await hash_password_async(password)
    async with sessionmaker.begin() as session:
        await admins.set_password(session, existing.id, hashed)
        revoked = 0 if same else await admins.drop_sessions_of(session, existing.id)
    log.info("admin %s: password set from ADMIN_PASSWORD, %d session(s) revoked", email, revoked)


async def bootstrap_admin(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: make sure the admin named by the environment can log in."""
    settings = app[SETTINGS]
    secret = settings.admin_password.get_secret_value() if settings.admin_password else None
    first = admin_from_env(settings.admin_email, secret)
    if first is None:
        log.warning("ADMIN_EMAIL/ADMIN_PASSWORD not set: no admin created or updated")
    else:
        await ensure_admin(app[SESSIONMAKER], *first)
    yield
