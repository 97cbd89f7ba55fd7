"""Property-based fuzzing of the whole API from its own OpenAPI spec (schemathesis).

Schemathesis reads ``/api/docs/swagger.json`` and, for every operation, sends generated
requests, valid and invalid, with a logged-in session cookie so they reach the real handlers.
Every answer must be a documented status (never a 5xx) with a body and headers that match the
spec. The API runs on a real socket (schemathesis speaks HTTP through ``requests``) against a
database of its own, so the fuzzer may create, edit and delete anything, seeded questions
included, without touching the shared test database.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from admin_api import auth
from admin_api.app import create_app
from admin_api.docs import spec_of
from admin_api.repositories import admins
from app.broker import topology
from app.db.engine import create_engine, create_sessionmaker
from tests.admin_api.conftest import EMAIL, admin_settings
from tests.admin_api.seed import How, add_chat, play
from tests.conftest import fresh_database
from tests.helpers import free_port

EXAMPLES_PER_OPERATION = 30
# Operations where a body the spec allows may still be refused (422) for what no schema can
# say: an uploaded file that is not a pack or a picture, a pack_id that names no enabled pack.
# For them the fuzzer does not demand that every schema-valid request be accepted; every other
# check stays.
CONTENT_CHECKED = {
    ("POST", "/api/packs/import"),
    ("PUT", "/api/questions/{id}/image"),
    ("PATCH", "/api/chats/{peer_id}/settings"),
}


@pytest.fixture(scope="module")
def fuzz_database() -> Iterator[str]:
    """A database of the fuzz run's own, migrated, with a few chats and games to find."""
    with fresh_database("znatoki_fuzz") as url:
        asyncio.run(_seed(url))
        yield url


async def _seed(url: str) -> None:
    """Chats and games under small ids too, which the fuzzer tries first."""
    engine = create_engine(url, pool_size=1)
    await add_chat(engine, 2000000001, "Знатоки")
    answers: list[tuple[int, How]] = [(1, "right"), (2, "wrong"), (1, "silent")]
    await play(engine, 2000000001, [(1, "Аня"), (2, "Боря")], answers)
    for peer_id in (0, 1, -1, 2000000002):
        await play(engine, peer_id, [(3, "Вера")], end="running")
    await engine.dispose()


class ServerThread:
    """The admin app on a real port, in a thread with its own event loop."""

    def __init__(self, app: web.Application) -> None:
        self.port = free_port()
        self._app = app
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fuzz-admin-api", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by start()
            self.error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        runner = web.AppRunner(self._app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def start(self) -> str:
        self._thread.start()
        assert self._ready.wait(30), "the admin API did not start"
        if self.error:
            raise self.error
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


@pytest.fixture(scope="module")
def fuzz_server(fuzz_database: str, amqp_names: topology.Names) -> Iterator[str]:
    from tests.conftest import AMQP_URL

    app = create_app(
        admin_settings(fuzz_database, AMQP_URL=AMQP_URL, AMQP_PREFIX=amqp_names.prefix)
    )
    server = ServerThread(app)
    base_url = server.start()
    yield base_url
    server.stop()


def new_session_cookie(database_url: str) -> str:
    """A logged-in session, made the way login makes one (without its throttle)."""

    async def make() -> str:
        engine = create_engine(database_url, pool_size=1)
        token = auth.new_token()
        async with create_sessionmaker(engine).begin() as session:
            admin = await admins.by_email(session, EMAIL)
            assert admin is not None
            expires = datetime.now(UTC) + timedelta(days=1)
            await admins.add_session(session, admin.id, auth.token_hash(token), expires)
        await engine.dispose()
        return token

    return asyncio.run(make())


class Admin:
    """The fuzzer's HTTP session: the session cookie in its jar, and the CSRF header to send."""

    def __init__(self, database_url: str) -> None:
        self.http = requests.Session()
        self.csrf: dict[str, str] = {}
        self._database_url = database_url
        self.log_in()

    def log_in(self) -> None:
        token = new_session_cookie(self._database_url)
        self.http.cookies.set(auth.COOKIE, token)
        self.csrf = {auth.CSRF_HEADER: auth.csrf_token(token)}


@pytest.fixture(scope="module")
def admin(fuzz_server: str, fuzz_database: str) -> Iterator[Admin]:
    logged_in = Admin(fuzz_database)
    yield logged_in
    logged_in.http.close()


# The spec is built with the app, no server needed: one test per operation at collection.
SPEC = spec_of(create_app(admin_settings("postgresql+asyncpg://spec-only/unused")))
schema = schemathesis.openapi.from_dict(SPEC)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_spec(case: Any, fuzz_server: str, admin: Admin) -> None:
    try:
        excluded = [positive_data_acceptance] if (case.method, case.path) in CONTENT_CHECKED else []
        # The CSRF header as explicit credentials: the unsafe requests reach the handlers, and
        # the ignored_auth check probes each of them without it and with a wrong one.
        case.call_and_validate(
            base_url=fuzz_server, session=admin.http, headers=admin.csrf, excluded_checks=excluded
        )
    finally:
        if case.path == "/api/auth/logout":  # the fuzzer logged itself out: log in again
            admin.log_in()
