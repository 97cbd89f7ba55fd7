"""Login, sessions, logout, the first admin from the environment, throttling."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api import auth
from admin_api.app import create_app
from app.settings import ConfigError
from tests.admin_api.conftest import (
    EMAIL,
    AppFactory,
    Client,
    admin_settings,
    error_of,
    login,
)

# Every route that needs a session, with a valid-looking request for each.
PROTECTED = [
    ("POST", "/api/auth/logout"),
    ("GET", "/api/auth/me"),
    ("GET", "/api/questions"),
    ("POST", "/api/questions"),
    ("GET", "/api/questions/export"),
    ("POST", "/api/questions/import"),
    ("GET", "/api/questions/1"),
    ("PATCH", "/api/questions/1"),
    ("DELETE", "/api/questions/1"),
    ("GET", "/api/chats"),
    ("GET", "/api/chats/2000000001"),
    ("PATCH", "/api/chats/2000000001/settings"),
    ("GET", "/api/games"),
    ("GET", "/api/games/1"),
    ("POST", "/api/games/1/stop"),
    ("GET", "/api/stats/players"),
    ("GET", "/api/stats/overview"),
]


def session_cookie(response_cookies: SimpleCookie) -> str:
    return response_cookies[auth.COOKIE].value


# Passwords --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("real_password_cost")
def test_password_hash_is_salted_self_describing_scrypt() -> None:
    assert auth.SCRYPT_N >= 2**15  # the production cost
    first, second = auth.hash_password("секрет"), auth.hash_password("секрет")
    assert first != second  # a random salt each time
    assert first.startswith(f"scrypt$n={auth.SCRYPT_N},r={auth.SCRYPT_R},p={auth.SCRYPT_P}$")
    assert "секрет" not in first
    assert auth.verify_password("секрет", first)
    assert auth.verify_password("секрет", second)
    assert not auth.verify_password("секрет ", first)
    assert not auth.needs_rehash(first)


@pytest.mark.usefixtures("real_password_cost")
def test_older_cost_still_verifies_and_asks_for_a_rehash() -> None:
    salt = b"0123456789abcdef"
    key = auth._scrypt("pw", salt, 2**10, 8, 1, 32)
    old = f"scrypt$n=1024,r=8,p=1${auth._b64(salt)}${auth._b64(key)}"
    assert auth.verify_password("pw", old)
    assert not auth.verify_password("other", old)
    assert auth.needs_rehash(old)


@pytest.mark.parametrize(
    "stored", ["", "plain", "bcrypt$x$y$z", "scrypt$n=x,r=8,p=1$AAAA$AAAA", "scrypt$n=1024$!!$??"]
)
def test_malformed_stored_hash_never_verifies(stored: str) -> None:
    assert not auth.verify_password("anything", stored)


# Login, me, logout ------------------------------------------------------------------------------


async def test_login_sets_an_httponly_lax_session_cookie(anon: Client, db: AsyncEngine) -> None:
    response = await login(anon)
    assert response.status == 200
    body = await response.json()
    assert body["email"] == EMAIL
    cookie = response.cookies[auth.COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # served over plain http here
    assert int(cookie["max-age"]) > 6 * 24 * 3600
    async with db.connect() as conn:
        stored = await conn.scalar(text("SELECT token_hash FROM admin_sessions"))
    assert stored == auth.token_hash(cookie.value)  # only the hash is stored
    assert cookie.value not in stored

    me = await anon.get("/api/auth/me")
    assert me.status == 200
    assert (await me.json())["email"] == EMAIL


async def test_cookie_is_secure_behind_https(anon: Client) -> None:
    response = await login(anon, **{"X-Forwarded-Proto": "https"})
    assert response.status == 200
    assert response.cookies[auth.COOKIE]["secure"] is True


async def test_email_is_case_and_space_insensitive(anon: Client) -> None:
    response = await login(anon, email=f"  {EMAIL.upper()} ")
    assert response.status == 200


async def test_wrong_password_and_unknown_email_answer_alike(anon: Client) -> None:
    wrong = await error_of(await login(anon, password="nope"), 401)
    unknown = await error_of(await login(anon, email="ghost@example.com"), 401)
    assert wrong == unknown == {"code": "invalid_credentials", "message": "Wrong email or password"}
    assert auth.COOKIE not in anon.session.cookie_jar.filter_cookies(anon.make_url("/"))


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_every_protected_route_needs_a_session(anon: Client, method: str, path: str) -> None:
    error = await error_of(await anon.request(method, path, json={}), 401)
    assert error["code"] == "unauthorized"
    forged = {auth.COOKIE: "forged-token"}
    await error_of(await anon.request(method, path, json={}, cookies=forged), 401)


async def test_logout_revokes_the_session(client: Client) -> None:
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))[auth.COOKIE].value
    response = await client.post("/api/auth/logout")
    assert response.status == 200
    assert await response.json() == {"logged_out": True}
    assert response.cookies[auth.COOKIE].value == ""  # the browser drops it
    # Even a client that kept the cookie is out: the server forgot the session.
    replay = await client.get("/api/auth/me", cookies={auth.COOKIE: token})
    await error_of(replay, 401)
    await error_of(await client.post("/api/auth/logout", cookies={auth.COOKIE: token}), 401)


async def test_expired_session_is_refused(client: Client, db: AsyncEngine) -> None:
    async with db.begin() as conn:
        await conn.execute(text("UPDATE admin_sessions SET expires_at = now() - interval '1 s'"))
    await error_of(await client.get("/api/auth/me"), 401)


async def test_session_in_use_is_extended(client: Client, db: AsyncEngine) -> None:
    async with db.begin() as conn:
        await conn.execute(text("UPDATE admin_sessions SET expires_at = now() + interval '2 days'"))
    response = await client.get("/api/auth/me")
    assert response.status == 200
    assert int(response.cookies[auth.COOKIE]["max-age"]) > 6 * 24 * 3600
    async with db.connect() as conn:
        left = await conn.scalar(text("SELECT expires_at - now() FROM admin_sessions"))
    assert left.days >= 6
    # A fresh session is not rewritten on every request.
    again = await client.get("/api/auth/me")
    assert auth.COOKIE not in again.cookies


# The first admin from the environment -----------------------------------------------------------


async def test_admin_password_from_env_is_updated_at_start_and_revokes_sessions(
    app_factory: AppFactory,
) -> None:
    first = await app_factory()
    assert (await login(first)).status == 200
    old_token = first.session.cookie_jar.filter_cookies(first.make_url("/"))[auth.COOKIE].value

    # A restart with the same password keeps the sessions.
    same = await app_factory()
    assert (await same.get("/api/auth/me", cookies={auth.COOKIE: old_token})).status == 200

    changed = await app_factory(ADMIN_PASSWORD="a brand new password")
    await error_of(await changed.get("/api/auth/me", cookies={auth.COOKIE: old_token}), 401)
    await error_of(await login(changed), 401)
    assert (await login(changed, password="a brand new password")).status == 200


async def test_start_without_admin_variables_creates_nobody(
    app_factory: AppFactory, db: AsyncEngine
) -> None:
    client = await app_factory(ADMIN_EMAIL=None, ADMIN_PASSWORD=None)
    await error_of(await login(client), 401)
    async with db.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM admins")) == 0


@pytest.mark.parametrize(
    ("email", "password"), [("admin@example.com", None), (None, "secret"), ("not-an-email", "x")]
)
async def test_half_or_invalid_admin_configuration_stops_the_start(
    database_url: str, db: AsyncEngine, email: str | None, password: str | None
) -> None:
    app = create_app(admin_settings(database_url, ADMIN_EMAIL=email, ADMIN_PASSWORD=password))
    runner = web.AppRunner(app)
    with pytest.raises(ConfigError, match="ADMIN_"):
        await runner.setup()
    await runner.cleanup()


# Throttling -------------------------------------------------------------------------------------


async def test_failures_per_email_are_throttled_with_retry_after(anon: Client) -> None:
    for _ in range(auth.MAX_FAILURES_PER_EMAIL):
        await error_of(await login(anon, password="wrong"), 401)
    blocked = await login(anon, password="wrong")
    error = await error_of(blocked, 429)
    assert error["code"] == "too_many_attempts"
    retry_after = int(blocked.headers["Retry-After"])
    assert 0 < retry_after <= auth.THROTTLE_WINDOW.total_seconds()
    # Even the right password waits: the throttle is checked before the password.
    await error_of(await login(anon), 429)
    # Other emails are not blocked by this one.
    await error_of(await login(anon, email="other@example.com", password="wrong"), 401)


async def test_email_throttle_ends_when_failures_leave_the_window(
    anon: Client, db: AsyncEngine
) -> None:
    for _ in range(auth.MAX_FAILURES_PER_EMAIL):
        await login(anon, password="wrong")
    await error_of(await login(anon), 429)
    # Move the oldest failure out of the window: one slot frees up.
    async with db.begin() as conn:
        await conn.execute(
            text(
                "UPDATE login_failures SET failed_at = now() - interval '16 minutes' "
                "WHERE id = (SELECT min(id) FROM login_failures)"
            )
        )
    assert (await login(anon)).status == 200
    # A successful login forgives the email's failures.
    async with db.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM login_failures")) == 0


async def test_failures_per_address_are_throttled_behind_a_trusted_proxy(
    app_factory: AppFactory,
) -> None:
    client = await app_factory(ADMIN_TRUST_PROXY="true")
    attacker = {"X-Forwarded-For": "198.51.100.7"}
    for n in range(auth.MAX_FAILURES_PER_ADDRESS):
        response = await login(client, email=f"guess{n}@example.com", password="x", **attacker)
        await error_of(response, 401)
    blocked = await login(client, email="fresh@example.com", password="x", **attacker)
    await error_of(blocked, 429)
    assert int(blocked.headers["Retry-After"]) > 0
    # The real admin from another address is not locked out (the proxy appends the last hop).
    elsewhere = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    assert (await login(client, **elsewhere)).status == 200


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(
    anon: Client, db: AsyncEngine
) -> None:
    await login(anon, email="x@example.com", password="x", **{"X-Forwarded-For": "192.0.2.1"})
    async with db.connect() as conn:
        address = await conn.scalar(text("SELECT address FROM login_failures"))
    assert address == "127.0.0.1"


async def test_a_login_body_over_the_cap_is_refused_before_it_is_read(anon: Client) -> None:
    body = b'{"email": "a@b.c", "password": "' + b"x" * 9000 + b'"}'
    response = await anon.post(
        "/api/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    error = await error_of(response, 413)
    assert error["code"] == "payload_too_large"
