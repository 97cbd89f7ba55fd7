"""execute: the VKScript subset, batching, partial failures and rate-limit accounting."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vk_emulator import vkscript
from vk_emulator.world import RateLimiter, World


def send_call(peer_id: int, random_id: int, text: str, **extra: Any) -> str:
    args = {"peer_id": peer_id, "random_id": random_id, "message": text, **extra}
    return f"API.messages.send({json.dumps(args, ensure_ascii=False)})"


def script(*calls: str) -> str:
    return f"return [{', '.join(calls)}];"


async def test_batch_of_sends(vk: Any, ctl: Any, chat: Any) -> None:
    other = await ctl.create_chat("Вторая", chat["user_ids"])
    code = script(
        send_call(chat["peer_id"], 1111, 'Вопрос 1: «Кто, где, когда?» [a], {b}, "c"'),
        send_call(other["peer_id"], 2222, "Q1", keyboard=json.dumps({"buttons": []})),
    )
    body = await vk("execute", code=code)
    assert "execute_errors" not in body
    first, second = body["response"]
    assert isinstance(first, int)
    assert isinstance(second, int)
    [msg] = await ctl.messages(chat["peer_id"])
    assert msg["text"] == 'Вопрос 1: «Кто, где, когда?» [a], {b}, "c"'
    counters = await ctl.counters()
    assert counters["execute_requests"] == 1
    assert counters["messages_sent"] == 2
    assert counters["requests_by_method"] == {"execute": 1}


async def test_single_call_form_and_peer_ids(vk: Any, chat: Any) -> None:
    args = json.dumps({"peer_ids": [chat["peer_id"]], "random_id": 9, "message": "hi"})
    code = f"return API.messages.send({args});"
    body = await vk("execute", code=code)
    assert body["response"][0]["conversation_message_id"] == 1


async def test_partial_failure_gives_false_and_execute_errors(vk: Any, ctl: Any, chat: Any) -> None:
    code = script(
        send_call(chat["peer_id"], 1, "ok"),
        send_call(chat["peer_id"] + 1, 2, "nobody home"),
        send_call(chat["peer_id"], 3, "x" * 9001),
        'API.users.get({"user_ids": "1"})',
    )
    body = await vk("execute", code=code)
    assert body["response"][0] > 0
    assert body["response"][1:3] == [False, False]
    assert body["response"][3][0]["id"] == 1
    assert body["execute_errors"] == [
        {
            "method": "messages.send",
            "error_code": 917,
            "error_msg": "You don't have access to this chat",
        },
        {"method": "messages.send", "error_code": 914, "error_msg": "Message is too long"},
    ]
    assert len(await ctl.messages(chat["peer_id"])) == 1


async def test_more_than_25_calls_gives_error_13(vk: Any, ctl: Any, chat: Any) -> None:
    code = script(*(send_call(chat["peer_id"], i + 1, f"m{i}") for i in range(26)))
    body = await vk("execute", code=code)
    assert body["error"]["error_code"] == 13
    assert await ctl.messages(chat["peer_id"]) == []
    ok = await vk(
        "execute", code=script(*(send_call(chat["peer_id"], i + 1, "m") for i in range(25)))
    )
    assert len(ok["response"]) == 25


@pytest.mark.parametrize(
    "code",
    [
        "var x = 1; return x;",
        "return [API.messages.send({peer_id: 1})];",
        'return [API.messages.send({"a": 1}) API.users.get({})];',
        "return API.messages.send(",
        "return [1, 2];",
        "return API.users.get([1]);",
    ],
)
async def test_unparseable_code_gives_error_12(vk: Any, code: str) -> None:
    assert (await vk("execute", code=code))["error"]["error_code"] == 12


async def test_execute_counts_as_one_request_for_the_rate_limit(
    vk: Any, world: World, chat: Any
) -> None:
    world.rate_limiter = RateLimiter(2, clock=lambda: 0.0)
    code = script(*(send_call(chat["peer_id"], i + 1, "m") for i in range(10)))
    assert len((await vk("execute", code=code))["response"]) == 10
    assert "response" in await vk("users.get", user_ids="1")
    assert (await vk("execute", code=code))["error"]["error_code"] == 6


def test_parser_handles_tricky_strings_and_whitespace() -> None:
    code = """
      return [
        API.messages.send({"message": "a), API.x({", "peer_id": 2000000001}) ,
        API.messages.edit( {"message": "\\"]);"} )
      ]
    """
    parsed = vkscript.parse(code)
    assert parsed.returns_list
    assert [c.method for c in parsed.calls] == ["messages.send", "messages.edit"]
    assert parsed.calls[0].args["message"] == "a), API.x({"
    assert parsed.calls[1].args["message"] == '"]);'
    assert vkscript.parse("return API.users.get();").calls[0].args == {}
    assert vkscript.parse("return [];").calls == []


def test_to_param_encodes_like_http() -> None:
    assert vkscript.to_param(True) == "1"
    assert vkscript.to_param([1, 2]) == "1,2"
    assert vkscript.to_param({"a": "б"}) == '{"a": "б"}'
    assert vkscript.to_param(5) == "5"
