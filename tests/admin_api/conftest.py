"""The admin API in-process (pytest-aiohttp) on the run's test database and RabbitMQ prefix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api import auth
from admin_api.app import create_app
from app.broker import topology
from app.settings import Settings

# The e2e fixtures, for the admin stop that has to reach a real chat.
from tests.e2e.conftest import stack_factory  # noqa: F401

EMAIL = "admin@example.com"
PASSWORD = "correct horse battery staple"

Client = TestClient[Any, Any]
AppFactory = Callable[..., Awaitable[Client]]


def admin_settings(database_url: str, **env: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "ADMIN_EMAIL": EMAIL,
        "ADMIN_PASSWORD": PASSWORD,
        **env,
    }
    return Settings(**values)


REAL_SCRYPT_N = auth.SCRYPT_N


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lower scrypt cost keeps the many logins fast; only the hashing tests use the real one
    (``real_password_cost``). Everything else about hashing and verifying is the same."""
    monkeypatch.setattr(auth, "SCRYPT_N", 2**10)


@pytest.fixture
def real_password_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "SCRYPT_N", REAL_SCRYPT_N)


@pytest.fixture
def app_factory(
    aiohttp_client: Any,
    db: AsyncEngine,
    database_url: str,
    amqp_url: str,
    amqp_names: topology.Names,
) -> AppFactory:
    """Start an admin app (its startup creates the admin); ``env`` overrides settings."""

    async def make(**env: Any) -> Client:
        env = {"AMQP_URL": amqp_url, "AMQP_PREFIX": amqp_names.prefix, **env}
        client: Client = await aiohttp_client(create_app(admin_settings(database_url, **env)))
        return client

    return make


async def login(
    client: Client, email: str = EMAIL, password: str = PASSWORD, **headers: str
) -> ClientResponse:
    """Log in; on success the client sends the session's CSRF token with every later request,
    as the web admin does (tests of the CSRF check remove or change it)."""
    response = await client.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=headers
    )
    if response.status == 200:
        client.session.headers[auth.CSRF_HEADER] = (await response.json())["csrf_token"]
    return response


@pytest.fixture
async def anon(app_factory: AppFactory) -> Client:
    """A client of a fresh app, not logged in."""
    return await app_factory()


@pytest.fixture
async def client(anon: Client) -> Client:
    """A logged-in client (the session cookie is in its jar)."""
    response = await login(anon)
    assert response.status == 200, await response.text()
    return anon


async def error_of(response: ClientResponse, status: int) -> dict[str, Any]:
    """Assert the status and the error shape; returns the ``error`` object."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert isinstance(error["code"], str)
    assert error["message"]
    return error
