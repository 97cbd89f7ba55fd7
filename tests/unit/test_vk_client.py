"""The VK client against a real HTTP server that answers from a script."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app.retry import RetryPolicy
from app.vk.client import VKClient
from app.vk.errors import (
    VKAuthError,
    VKInvalidRequestError,
    VKPeerUnavailableError,
    VKRateLimitError,
    VKTransportError,
)

FAST = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.002)
Reply = dict[str, Any] | int  # a JSON body, or an HTTP status to answer with


class ScriptedVK:
    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.requests: list[tuple[str, dict[str, str], str | None]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        form = dict(await request.post())
        self.requests.append(
            (
                request.match_info["method"],
                {k: str(v) for k, v in form.items()},
                request.headers.get("Authorization"),
            )
        )
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, int):
            return web.Response(status=reply, text="oops")
        return web.json_response(reply)


MakeClient = Callable[[list[Reply]], Awaitable[tuple[VKClient, ScriptedVK]]]


@pytest.fixture
async def make_client(aiohttp_server: Any) -> Any:
    sessions: list[aiohttp.ClientSession] = []

    async def make(replies: list[Reply]) -> tuple[VKClient, ScriptedVK]:
        script = ScriptedVK(replies)
        app = web.Application()
        app.router.add_post("/method/{method}", script.handle)
        server: TestServer = await aiohttp_server(app)
        session = aiohttp.ClientSession()
        sessions.append(session)
        client = VKClient(session, "tok", api_url=str(server.make_url("/method")), retry=FAST)
        return client, script

    yield make
    for session in sessions:
        await session.close()


def error(code: int) -> dict[str, Any]:
    return {"error": {"error_code": code, "error_msg": f"error {code}", "request_params": []}}


async def test_wire_format(make_client: MakeClient) -> None:
    client, script = await make_client(
        [{"response": [{"peer_id": 2000000001, "message_id": 0, "conversation_message_id": 7}]}]
    )
    keyboard = {"inline": True, "buttons": []}
    sent = await client.send_message(2000000001, "Привет", random_id=42, keyboard=keyboard)
    assert sent.conversation_message_id == 7
    method, form, auth = script.requests[0]
    assert method == "messages.send"
    assert auth == "Bearer tok"
    assert form["v"] == "5.199"
    assert form["peer_ids"] == "2000000001"
    assert form["random_id"] == "42"
    assert form["message"] == "Привет"
    assert json.loads(form["keyboard"]) == keyboard


async def test_event_answer_serialises_event_data(make_client: MakeClient) -> None:
    client, script = await make_client([{"response": 1}])
    await client.send_event_answer("cb", 5, 2000000001, "Только капитан выбирает")
    form = script.requests[0][1]
    assert json.loads(form["event_data"]) == {
        "type": "show_snackbar",
        "text": "Только капитан выбирает",
    }
    await client.send_event_answer("cb", 5, 2000000001, None)
    assert "event_data" not in script.requests[1][1]


@pytest.mark.parametrize("transient", [error(6), error(10), 500, 503])
async def test_transient_failures_are_retried(make_client: MakeClient, transient: Reply) -> None:
    client, script = await make_client(
        [transient, transient, {"response": [{"id": 1, "first_name": "A", "last_name": "B"}]}]
    )
    users = await client.get_users([1])
    assert users[0].first_name == "A"
    assert len(script.requests) == 3


async def test_retries_are_capped(make_client: MakeClient) -> None:
    client, script = await make_client([error(6)])
    with pytest.raises(VKRateLimitError):
        await client.call("users.get", user_ids="1")
    assert len(script.requests) == FAST.attempts


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (100, VKInvalidRequestError),
        (911, VKInvalidRequestError),
        (917, VKPeerUnavailableError),
        (901, VKPeerUnavailableError),
        (5, VKAuthError),
    ],
)
async def test_permanent_errors_are_not_retried(
    make_client: MakeClient, code: int, kind: type[Exception]
) -> None:
    client, script = await make_client([error(code)])
    with pytest.raises(kind) as raised:
        await client.call("messages.send", peer_id=1)
    assert getattr(raised.value, "code", None) == code
    assert len(script.requests) == 1


async def test_garbage_body_is_a_transport_error(make_client: MakeClient) -> None:
    client, _ = await make_client([404])
    with pytest.raises(VKTransportError):
        await client.call("users.get")


async def test_unreachable_server_is_a_transport_error() -> None:
    async with aiohttp.ClientSession() as session:
        client = VKClient(session, "t", api_url="http://127.0.0.1:9/method", retry=FAST)
        with pytest.raises(VKTransportError):
            await client.call("users.get")


async def test_execute_keeps_partial_errors(make_client: MakeClient) -> None:
    client, _ = await make_client(
        [
            {
                "response": [5, False],
                "execute_errors": [
                    {"method": "messages.send", "error_code": 917, "error_msg": "no"}
                ],
            }
        ]
    )
    result = await client.execute("return [API.messages.send({}), API.messages.send({})];")
    assert result.response == [5, False]
    assert result.errors[0]["error_code"] == 917
