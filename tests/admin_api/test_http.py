"""The HTTP surface: error shape for unknown paths and methods, unexpected errors, the docs."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy.exc import DBAPIError

from admin_api.repositories import questions as admin_questions
from admin_api.views import questions as question_views
from tests.admin_api.conftest import Client, error_of


class _PgError(Exception):
    """Stands for a driver error carrying a SQLSTATE, as asyncpg's do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


async def test_unknown_path_is_a_json_404(anon: Client) -> None:
    error = await error_of(await anon.get("/api/nothing-here"), 404)
    assert error == {"code": "not_found", "message": "No such path: /api/nothing-here"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/questions", {"GET", "POST"}),
        ("DELETE", "/api/games/1", {"GET"}),
        ("GET", "/api/auth/login", {"POST"}),
        ("POST", "/api/health", {"GET"}),
        ("HEAD", "/api/questions", {"GET", "POST"}),
    ],
)
async def test_wrong_method_is_a_json_405_with_allow(
    client: Client, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path)
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == allowed
    if method != "HEAD":
        error = await error_of(response, 405)
        assert error["code"] == "method_not_allowed"


async def test_an_unexpected_error_is_a_logged_generic_500(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(admin_questions, "get", broken)
    assert vars(question_views)["admin_questions"].get is broken
    with caplog.at_level(logging.ERROR, logger="admin_api.errors"):
        response = await client.get("/api/questions/1")
    error = await error_of(response, 500)
    assert error == {"code": "internal_error", "message": "Internal server error"}
    assert "secret internals" not in await response.text()
    logged = [r for r in caplog.records if r.exc_info and "secret" in str(r.exc_info[1])]
    assert logged, caplog.records  # the traceback is in the log, not in the answer


async def test_health_needs_no_session(anon: Client) -> None:
    response = await anon.get("/api/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


async def test_swagger_ui_and_spec_are_public_and_list_every_route(anon: Client) -> None:
    ui = await anon.get("/api/docs")
    assert ui.status == 200
    page = await ui.text()
    assert "swagger" in page.lower()
    assets = re.findall(r'(?:src|href)="(/static/swagger/[^"]+)"', page)
    assert assets
    for asset in assets:  # the UI's scripts and styles load without a session too
        assert (await anon.get(asset)).status == 200, asset

    spec = await (await anon.get("/api/docs/swagger.json")).json()
    assert spec["swagger"] == "2.0"
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    served = {
        (route.method, route.resource.canonical)
        for route in anon.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and not route.resource.canonical.startswith("/api/docs")
    }
    assert documented == served
    for method, path in documented:
        operation = spec["paths"][path][method.lower()]
        statuses = set(operation["responses"])
        assert any(s.startswith("2") for s in statuses), (method, path)
        # 401: no session, or (login) wrong credentials; health is for anyone.
        assert ("401" in statuses) == (path != "/api/health"), (method, path)


@pytest.mark.parametrize(
    "failure",
    [
        ConnectionRefusedError(111, "Connection refused"),
        DBAPIError("SELECT 1", None, _PgError("57P03"), connection_invalidated=False),
        DBAPIError("SELECT 1", None, Exception("gone"), connection_invalidated=True),
    ],
)
async def test_an_unreachable_database_is_a_503_with_retry_after(
    client: Client, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    async def down(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(admin_questions, "get", down)
    response = await client.get("/api/questions/1")
    error = await error_of(response, 503)
    assert error["code"] == "database_unavailable"
    assert int(response.headers["Retry-After"]) > 0


async def test_a_database_error_that_is_a_bug_stays_a_500(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise DBAPIError("SELECT x", None, _PgError("42703"))  # undefined column

    monkeypatch.setattr(admin_questions, "get", broken)
    await error_of(await client.get("/api/questions/1"), 500)


async def test_swagger_ui_takes_no_foreign_spec_and_fetches_only_from_here(anon: Client) -> None:
    """Its bundled Swagger UI obeys ?url= and ?configUrl= (CVE-2021-46708): the page is served
    only without a query, under a CSP that lets it fetch nothing from elsewhere."""
    for query in ("?url=https://evil.example/spec.json", "?configUrl=//evil.example/c.json"):
        response = await anon.get(f"/api/docs{query}", allow_redirects=False)
        assert response.status == 302
        assert response.headers["Location"] == "/api/docs"
    page = await anon.get("/api/docs")
    csp = page.headers["Content-Security-Policy"]
    assert "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
