"""Wire format of the VK methods: successes and each documented error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.emulator.conftest import GROUP_ID, TOKEN
from vk_emulator.server import EmulatorConfig, create_app
from vk_emulator.world import RateLimiter

INLINE_KB = json.dumps(
    {
        "inline": True,
        "buttons": [
            [{"action": {"type": "callback", "label": "A", "payload": '{"a":1}'}}],
        ],
    }
)


def error_code(body: dict[str, Any]) -> int:
    assert "response" not in body, body
    code: int = body["error"]["error_code"]
    return code


async def test_missing_and_wrong_token_give_error_5(client: Any) -> None:
    resp = await client.post("/method/users.get", data={"v": "5.199", "user_ids": "1"})
    body = await resp.json()
    assert resp.status == 200
    assert body["error"]["error_code"] == 5
    assert body["error"]["error_msg"].startswith("User authorization failed")
    params = {p["key"]: p["value"] for p in body["error"]["request_params"]}
    assert params["method"] == "users.get"
    assert params["user_ids"] == "1"

    resp = await client.post(
        "/method/users.get", data={"v": "5.199", "user_ids": "1", "access_token": "nope"}
    )
    body = await resp.json()
    assert body["error"]["error_code"] == 5
    assert all(p["key"] != "access_token" for p in body["error"]["request_params"])


async def test_bearer_token_and_query_string_are_accepted(client: Any, chat: Any) -> None:
    resp = await client.get(
        "/method/users.get",
        params={"v": "5.199", "user_ids": str(chat["user_ids"][0])},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    body = await resp.json()
    assert body == {
        "response": [
            {
                "id": chat["user_ids"][0],
                "first_name": "Анна",
                "last_name": "Тестов",
                "can_access_closed": True,
                "is_closed": False,
            }
        ]
    }


async def test_missing_version_gives_error_8(client: Any) -> None:
    resp = await client.post("/method/users.get", data={"access_token": TOKEN, "user_ids": "1"})
    assert error_code(await resp.json()) == 8


async def test_unknown_method_gives_error_3(vk: Any) -> None:
    assert error_code(await vk("messages.fly")) == 3


async def test_get_long_poll_server(vk: Any, client: Any) -> None:
    body = await vk("groups.getLongPollServer", group_id=GROUP_ID)
    server = body["response"]
    assert set(server) == {"key", "server", "ts"}
    assert isinstance(server["ts"], str)
    assert server["server"] == str(client.make_url(f"/lp/{GROUP_ID}"))
    assert error_code(await vk("groups.getLongPollServer", group_id=GROUP_ID + 1)) == 15
    assert error_code(await vk("groups.getLongPollServer")) == 100


async def test_send_with_peer_id_returns_message_id(vk: Any, ctl: Any, chat: Any) -> None:
    peer = chat["peer_id"]
    body = await vk(
        "messages.send",
        peer_id=peer,
        random_id=11,
        message="Вопрос 1",
        keyboard=INLINE_KB,
        disable_mentions=1,
        dont_parse_links=1,
        forward=json.dumps({"peer_id": peer, "conversation_message_ids": [1], "is_reply": True}),
    )
    assert isinstance(body["response"], int)
    [stored] = await ctl.messages(peer)
    assert stored["id"] == body["response"]
    assert stored["from_id"] == -GROUP_ID
    assert stored["text"] == "Вопрос 1"
    assert stored["keyboard"] == json.loads(INLINE_KB)
    assert stored["random_id"] == 11
    assert stored["conversation_message_id"] == 1
    assert stored["edits"] == 0


async def test_send_with_peer_ids_returns_entries_and_per_peer_errors(
    vk: Any, ctl: Any, chat: Any
) -> None:
    other = await ctl.create_chat("Без бота", chat["user_ids"], bot_member=False)
    body = await vk(
        "messages.send",
        peer_ids=f"{chat['peer_id']},{other['peer_id']}",
        random_id=5,
        message="hi",
    )
    ok, failed = body["response"]
    assert ok["peer_id"] == chat["peer_id"]
    assert ok["conversation_message_id"] == 1
    assert isinstance(ok["message_id"], int)
    assert "error" not in ok
    assert failed["peer_id"] == other["peer_id"]
    assert failed["error"]["code"] == 917
    assert failed["error"]["description"] == "You don't have access to this chat"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"message": "x"}, 100),  # no random_id
        ({"random_id": 2**31, "message": "x"}, 100),  # not int32
        ({"random_id": 1, "message": ""}, 100),  # empty text, no attachment
        ({"random_id": 1, "message": "x" * 9001}, 914),
        ({"random_id": 1, "message": "x", "keyboard": "{not json"}, 911),
        ({"random_id": 1}, 100),
    ],
)
async def test_send_parameter_errors(vk: Any, chat: Any, params: dict[str, Any], code: int) -> None:
    assert error_code(await vk("messages.send", peer_id=chat["peer_id"], **params)) == code


async def test_send_accepts_exactly_9000_chars(vk: Any, chat: Any) -> None:
    body = await vk("messages.send", peer_id=chat["peer_id"], random_id=1, message="я" * 9000)
    assert isinstance(body["response"], int)


async def test_send_peer_access_errors(vk: Any, ctl: Any, chat: Any) -> None:
    peer = chat["peer_id"]
    assert error_code(await vk("messages.send", peer_id=peer + 50, random_id=1, message="x")) == 917
    user = chat["user_ids"][0]
    assert error_code(await vk("messages.send", peer_id=user, random_id=1, message="x")) == 917
    await ctl.kick_bot(peer)
    assert error_code(await vk("messages.send", peer_id=peer, random_id=1, message="x")) == 917
    counters = await ctl.counters()
    assert counters["errors_by_code"]["917"] == 3


async def test_random_id_deduplication(vk: Any, ctl: Any, chat: Any) -> None:
    peer = chat["peer_id"]
    first = await vk("messages.send", peer_id=peer, random_id=42, message="один")
    again = await vk("messages.send", peer_id=peer, random_id=42, message="один")
    assert again["response"] == first["response"]
    listed = await vk("messages.send", peer_ids=str(peer), random_id=42, message="один")
    assert listed["response"][0]["message_id"] == first["response"]
    assert listed["response"][0]["conversation_message_id"] == 1
    # random_id 0 disables the check.
    await vk("messages.send", peer_id=peer, random_id=0, message="a")
    await vk("messages.send", peer_id=peer, random_id=0, message="a")
    assert len(await ctl.messages(peer)) == 3
    counters = await ctl.counters()
    assert counters["duplicate_random_ids"] == 2
    assert counters["messages_sent"] == 3
    log = await ctl.log()
    kinds = [entry["kind"] for entry in log["entries"]]
    assert kinds.count("duplicate_random_id") == 2


async def test_random_id_is_per_peer(vk: Any, ctl: Any, chat: Any) -> None:
    other = await ctl.create_chat("Вторая", chat["user_ids"])
    a = await vk("messages.send", peer_id=chat["peer_id"], random_id=7, message="x")
    b = await vk("messages.send", peer_id=other["peer_id"], random_id=7, message="x")
    assert a["response"] != b["response"]


async def test_edit_by_cmid_records_the_edit(vk: Any, ctl: Any, chat: Any) -> None:
    peer = chat["peer_id"]
    await vk("messages.send", peer_id=peer, random_id=1, message="Вопрос", keyboard=INLINE_KB)
    body = await vk("messages.edit", peer_id=peer, conversation_message_id=1, message="Время вышло")
    assert body == {"response": 1}
    [msg] = await ctl.messages(peer)
    assert msg["text"] == "Время вышло"
    assert msg["edits"] == 1
    assert msg["keyboard"] is None  # not passed again, so not kept
    await vk("messages.edit", peer_id=peer, cmid=1, message="v3", keyboard=INLINE_KB)
    await vk("messages.edit", peer_id=peer, message_id=msg["id"], keyboard=INLINE_KB)
    [msg] = await ctl.messages(peer)
    assert (msg["text"], msg["edits"]) == ("v3", 3)
    assert msg["keyboard"] == json.loads(INLINE_KB)
    assert (await ctl.counters())["edits"] == 3
    assert (await ctl.log())["entries"][-1]["kind"] == "bot_edit"


async def test_edit_errors(vk: Any, ctl: Any, chat: Any) -> None:
    peer = chat["peer_id"]
    await ctl.send_message(peer, chat["user_ids"][0], "user text")
    await vk("messages.send", peer_id=peer, random_id=1, message="bot text")
    edit = "messages.edit"
    assert error_code(await vk(edit, peer_id=peer, conversation_message_id=99, message="x")) == 100
    assert error_code(await vk(edit, peer_id=peer, message="x")) == 100
    assert error_code(await vk(edit, peer_id=peer, conversation_message_id=1, message="x")) == 920
    too_long = "x" * 9001
    assert error_code(await vk(edit, peer_id=peer, cmid=2, message=too_long)) == 914
    assert error_code(await vk(edit, peer_id=peer, cmid=2, message="x", keyboard="[]")) == 911
    assert error_code(await vk(edit, peer_id=peer + 1, cmid=2, message="x")) == 917


async def test_send_message_event_answer(vk: Any, ctl: Any, chat: Any) -> None:
    peer, user = chat["peer_id"], chat["user_ids"][1]
    await vk("messages.send", peer_id=peer, random_id=1, message="Q", keyboard=INLINE_KB)
    event_id = await ctl.press(peer, user, 1, label="A")
    answer = "messages.sendMessageEventAnswer"
    snackbar = json.dumps({"type": "show_snackbar", "text": "Ответ принят ✅"})
    body = await vk(answer, event_id=event_id, user_id=user, peer_id=peer, event_data=snackbar)
    assert body == {"response": 1}
    assert (await vk(answer, event_id=event_id, user_id=user, peer_id=peer))["response"] == 1
    records = await ctl.event_answers(peer)
    assert [r["event_data"] for r in records] == [json.loads(snackbar), None]
    assert records[0]["event_id"] == event_id
    assert records[0]["user_id"] == user
    assert (await ctl.counters())["event_answers"] == 2

    bad_data = [
        "not json",
        json.dumps({"type": "show_snackbar", "text": "x" * 91}),
        json.dumps({"type": "vibrate"}),
        json.dumps({"type": "open_link", "link": "https://vk.com", "pad": "x" * 1000}),
    ]
    for data in bad_data:
        body = await vk(answer, event_id=event_id, user_id=user, peer_id=peer, event_data=data)
        assert error_code(body) == 100, data
    assert error_code(await vk(answer, event_id="ffff", user_id=user, peer_id=peer)) == 100
    assert error_code(await vk(answer, event_id=event_id, user_id=user + 1, peer_id=peer)) == 100


async def test_get_conversation_members(vk: Any, ctl: Any, chat: Any) -> None:
    body = await vk("messages.getConversationMembers", peer_id=chat["peer_id"], fields="sex")
    result = body["response"]
    assert result["count"] == 4
    member_ids = [item["member_id"] for item in result["items"]]
    assert member_ids == [*chat["user_ids"], -GROUP_ID]
    owner = result["items"][0]
    assert owner["is_admin"] is True
    assert {"member_id", "invited_by", "join_date"} <= set(result["items"][1])
    assert "is_admin" not in result["items"][1]
    assert [p["id"] for p in result["profiles"]] == chat["user_ids"]
    assert result["profiles"][0]["sex"] == 0
    assert result["groups"][0]["id"] == GROUP_ID
    await ctl.kick_bot(chat["peer_id"])
    body = await vk("messages.getConversationMembers", peer_id=chat["peer_id"])
    assert error_code(body) == 917


async def test_users_get_skips_unknown_ids(vk: Any, chat: Any) -> None:
    a, b, _ = chat["user_ids"]
    body = await vk("users.get", user_ids=f"{a}, 999,{b}", name_case="gen")
    assert [u["id"] for u in body["response"]] == [a, b]
    assert error_code(await vk("users.get", user_ids="durov")) == 113
    assert error_code(await vk("users.get")) == 100


async def test_rate_limit_gives_error_6_and_counts(
    vk: Any, world: Any, ctl: Any, chat: Any
) -> None:
    now = [100.0]
    world.rate_limiter = RateLimiter(3, clock=lambda: now[0])
    codes = []
    for _ in range(5):
        body = await vk("users.get", user_ids=1)
        codes.append(body["error"]["error_code"] if "error" in body else 0)
    assert codes == [0, 0, 0, 6, 6]
    assert (await vk("users.get", user_ids=1))["error"]["error_msg"] == (
        "Too many requests per second"
    )
    now[0] += 0.999
    assert error_code(await vk("users.get", user_ids=1)) == 6
    now[0] += 0.002  # the first three requests have left the one-second window
    assert "response" in await vk("users.get", user_ids=1)
    counters = await ctl.counters()
    assert counters["rate_limited"] == 4
    assert counters["errors_by_code"]["6"] == 4


async def test_default_rate_limit_is_20_under_a_burst(aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app(EmulatorConfig(token=TOKEN)))
    form = {"access_token": TOKEN, "v": "5.199", "user_ids": "1"}

    async def call() -> dict[str, Any]:
        resp = await client.post("/method/users.get", data=form)
        body: dict[str, Any] = await resp.json()
        return body

    bodies = await asyncio.gather(*(call() for _ in range(25)))
    limited = [b for b in bodies if "error" in b]
    assert len(limited) >= 5
    assert {b["error"]["error_code"] for b in limited} == {6}
