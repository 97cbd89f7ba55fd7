"""CSRF protection: every unsafe request made with the session cookie must echo the session's
CSRF token in X-CSRF-Token; without it, or with another, it is a 403 and nothing changes."""

from __future__ import annotations

import aio_pika
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api import auth
from app.broker import topology
from tests.admin_api.conftest import AppFactory, Client, error_of, login
from tests.admin_api.seed import add_chat, play
from tests.admin_api.test_stop import SHARDS, next_update

CHAT = 2000000901
QUESTION = {"text": "Проверка CSRF: сколько лап у кошки?", "answer": "Четыре"}


def session_token(client: Client) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))[auth.COOKIE].value


def forget_csrf(client: Client) -> str:
    """Stop sending the header (the login helper set it); the token it was."""
    return str(client.session.headers.pop(auth.CSRF_HEADER))


async def questions_count(db: AsyncEngine) -> int:
    async with db.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM questions")) or 0)


async def test_login_and_me_answer_the_sessions_token(anon: Client) -> None:
    logged_in = await (
        await anon.post("/api/auth/login", json={"email": "admin@example.com", "password": "x"})
    ).json()
    assert "csrf_token" not in logged_in  # a failed login has none
    response = await login(anon)  # without any X-CSRF-Token: the login is exempt
    assert response.status == 200
    token = (await response.json())["csrf_token"]
    assert token == auth.csrf_token(session_token(anon))
    assert len(token) == 64
    assert set(token) <= set("0123456789abcdef")
    forget_csrf(anon)
    me = await anon.get("/api/auth/me")  # a GET needs no header
    assert me.status == 200
    assert (await me.json())["csrf_token"] == token


async def test_tokens_differ_per_session(app_factory: AppFactory) -> None:
    first, second = await app_factory(), await app_factory()
    await login(first)
    await login(second)
    assert first.session.headers[auth.CSRF_HEADER] != second.session.headers[auth.CSRF_HEADER]


@pytest.mark.parametrize("sent", [None, "", "0" * 64, "not a token at all", "токен"])
async def test_creating_a_question_without_the_right_token_is_403(
    client: Client, db: AsyncEngine, sent: str | None
) -> None:
    right = forget_csrf(client)
    before = await questions_count(db)
    headers = {} if sent is None else {auth.CSRF_HEADER: sent}
    error = await error_of(await client.post("/api/questions", json=QUESTION, headers=headers), 403)
    assert error["code"] == "csrf"
    assert auth.CSRF_HEADER in error["message"]
    assert await questions_count(db) == before

    created = await client.post("/api/questions", json=QUESTION, headers={auth.CSRF_HEADER: right})
    assert created.status == 201, await created.text()
    assert await questions_count(db) == before + 1


async def test_another_sessions_token_is_refused(client: Client, app_factory: AppFactory) -> None:
    other = await app_factory()
    await login(other)
    foreign = other.session.headers[auth.CSRF_HEADER]
    forget_csrf(client)
    response = await client.post(
        "/api/questions", json=QUESTION, headers={auth.CSRF_HEADER: foreign}
    )
    assert (await error_of(response, 403))["code"] == "csrf"


async def test_a_chat_setting_is_unchanged_without_the_token(
    client: Client, db: AsyncEngine
) -> None:
    await add_chat(db, CHAT, "Знатоки")
    right = forget_csrf(client)
    path = f"/api/chats/{CHAT}/settings"
    error = await error_of(await client.patch(path, json={"rounds": 3}), 403)
    assert error["code"] == "csrf"
    chat = await (await client.get(f"/api/chats/{CHAT}")).json()
    assert chat["settings"]["overrides"] == {}

    response = await client.patch(path, json={"rounds": 3}, headers={auth.CSRF_HEADER: right})
    assert response.status == 200, await response.text()
    assert (await response.json())["settings"]["overrides"] == {"rounds": 3}


async def test_a_game_is_not_stopped_without_the_token(
    app_factory: AppFactory,
    db: AsyncEngine,
    broker: aio_pika.abc.AbstractRobustConnection,
    amqp_names: topology.Names,
) -> None:
    client = await app_factory(UPDATE_SHARDS=str(SHARDS))
    await login(client)
    game = await play(db, CHAT, [(1, "Аня")], end="running")
    right = forget_csrf(client)
    stop = f"/api/games/{game.id}/stop"
    await error_of(await client.post(stop), 403)
    await error_of(await client.post(stop, headers={auth.CSRF_HEADER: right[::-1]}), 403)

    assert (await client.post(stop, headers={auth.CSRF_HEADER: right})).status == 202
    # Only the accepted stop reached the chat's shard queue.
    await next_update(broker, amqp_names, CHAT)
    channel = await broker.channel()
    queue = await channel.get_queue(amqp_names.shard_queue(topology.shard_of(CHAT, SHARDS)))
    assert await queue.get(no_ack=True, fail=False) is None


async def test_no_session_is_401_before_the_csrf_check(anon: Client) -> None:
    error = await error_of(await anon.post("/api/questions", json=QUESTION), 401)
    assert error["code"] == "unauthorized"


async def test_after_logout_the_old_token_is_useless(client: Client, db: AsyncEngine) -> None:
    cookie = session_token(client)
    token = client.session.headers[auth.CSRF_HEADER]
    logout = await client.post("/api/auth/logout")
    assert logout.status == 200
    before = await questions_count(db)
    replay = await client.post(
        "/api/questions",
        json=QUESTION,
        cookies={auth.COOKIE: cookie},
        headers={auth.CSRF_HEADER: token},
    )
    assert (await error_of(replay, 401))["code"] == "unauthorized"
    assert await questions_count(db) == before
    # A new login is a new session with a new token; the old one does not fit it.
    await login(client)
    assert client.session.headers[auth.CSRF_HEADER] != token
    stale = await client.post("/api/questions", json=QUESTION, headers={auth.CSRF_HEADER: token})
    assert (await error_of(stale, 403))["code"] == "csrf"


async def test_logout_itself_needs_the_token(client: Client) -> None:
    forget_csrf(client)
    await error_of(await client.post("/api/auth/logout"), 403)
    assert (await client.get("/api/auth/me")).status == 200  # still logged in


def test_only_the_named_routes_and_the_web_admins_are_public() -> None:
    assert auth.is_public("auth.login")
    assert auth.is_public("webui.index")
    assert not auth.is_public("webuix")
    assert not auth.is_public(None)
