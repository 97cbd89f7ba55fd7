"""Control API: button presses, the activity log, fault injection, validation and the client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.emulator.conftest import GROUP_ID
from vk_emulator.control_client import ControlClient, ControlError
from vk_emulator.world import World

QUESTION_KB = json.dumps(
    {
        "inline": True,
        "buttons": [
            [
                {
                    "action": {
                        "type": "callback",
                        "label": "Ответ А",
                        "payload": '{"q":1,"a":"А"}',
                    },
                    "color": "primary",
                },
                {"action": {"type": "text", "label": "Сдаюсь", "payload": '{"give_up":1}'}},
            ]
        ],
    }
)


async def send_question(vk: Any, peer_id: int, random_id: int = 1) -> int:
    body = await vk(
        "messages.send",
        peer_ids=str(peer_id),
        random_id=random_id,
        message="Вопрос",
        keyboard=QUESTION_KB,
    )
    cmid: int = body["response"][0]["conversation_message_id"]
    return cmid


async def test_press_emits_message_event_with_parsed_payload(
    client: Any, vk: Any, ctl: ControlClient, chat: Any
) -> None:
    peer, user = chat["peer_id"], chat["user_ids"][2]
    cmid = await send_question(vk, peer)
    server = (await vk("groups.getLongPollServer", group_id=GROUP_ID))["response"]
    event_id = await ctl.press(peer, user, cmid, label="Ответ А")
    params = {"act": "a_check", "key": server["key"], "ts": server["ts"], "wait": "0"}
    body = await (await client.session.get(server["server"], params=params)).json()
    [update] = body["updates"]
    assert update["type"] == "message_event"
    assert update["object"] == {
        "user_id": user,
        "peer_id": peer,
        "event_id": event_id,
        "payload": {"q": 1, "a": "А"},
        "conversation_message_id": cmid,
    }
    entry = await ctl.wait_for(lambda e: e["kind"] == "button_press", after_seq=0)
    assert entry["payload"] == {"q": 1, "a": "А"}


async def test_press_with_explicit_payload_and_text_button(
    vk: Any, ctl: ControlClient, chat: Any
) -> None:
    peer, user = chat["peer_id"], chat["user_ids"][0]
    cmid = await send_question(vk, peer)
    await ctl.press(peer, user, cmid, payload={"q": 1, "a": "forged"})
    press = await ctl.wait_for(lambda e: e["kind"] == "button_press", after_seq=0)
    assert press["payload"] == {"q": 1, "a": "forged"}
    await ctl.press(peer, user, cmid, label="Сдаюсь")
    messages = await ctl.messages(peer)
    assert messages[-1]["from_id"] == user
    assert messages[-1]["text"] == "Сдаюсь"
    assert json.loads(messages[-1]["payload"]) == {"give_up": 1}


async def test_press_uses_the_current_keyboard(vk: Any, ctl: ControlClient, chat: Any) -> None:
    peer, user = chat["peer_id"], chat["user_ids"][0]
    cmid = await send_question(vk, peer)
    await vk("messages.edit", peer_id=peer, conversation_message_id=cmid, message="Закрыт")
    with pytest.raises(ControlError) as info:
        await ctl.press(peer, user, cmid, label="Ответ А")
    assert info.value.status == 404
    with pytest.raises(ControlError) as info:
        await ctl.press(peer, user, 99, label="Ответ А")
    assert info.value.status == 404


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/control/users", {"last_name": "x"}, 400),
        ("/control/users", {"first_name": 5}, 400),
        ("/control/users", {"first_name": "A", "id": "7"}, 400),
        ("/control/users", [1, 2], 400),
        ("/control/chats", {"title": "t", "member_ids": "1,2"}, 400),
        ("/control/chats", {"title": "t", "member_ids": [999]}, 400),
        ("/control/chats", {"title": "t", "bot_member": "yes"}, 400),
        ("/control/chats/{peer}/messages", {"from_id": 999, "text": "x"}, 400),
        ("/control/chats/{peer}/messages", {"from_id": "{user}", "text": "x"}, 400),
        ("/control/chats/{peer}/messages", {"from_id": "USER"}, 400),
        ("/control/chats/2000000999/messages", {"from_id": 1, "text": "x"}, 404),
        ("/control/chats/abc/messages", {"from_id": 1, "text": "x"}, 400),
        ("/control/chats/{peer}/press", {"user_id": "USER", "conversation_message_id": 1}, 400),
        ("/control/chats/{peer}/members", {"user_id": "USER"}, 400),
        ("/control/chats/{peer}/invite_bot", {}, 409),
        ("/control/faults", {"error_rates": {"10": 2}}, 400),
        ("/control/faults", {"error_rates": {"x": 0.5}}, 400),
        ("/control/faults", {"http_500_rate": -1}, 400),
        ("/control/faults", {"methods": "messages.send"}, 400),
        ("/control/faults", {"failed_uploads": -1}, 400),
        ("/control/faults/uploads", {"count": "2"}, 400),
        ("/control/faults/uploads", {}, 400),
        ("/control/longpoll/fail", {"code": 4}, 400),
    ],
)
async def test_control_validation(
    client: Any, chat: Any, path: str, body: Any, status: int
) -> None:
    peer, user = chat["peer_id"], chat["user_ids"][0]
    raw = json.dumps(body).replace('"USER"', str(user))
    resp = await client.post(path.format(peer=peer, user=user), data=raw)
    assert resp.status == status
    assert "error" in await resp.json()


async def test_control_rejects_invalid_json(client: Any) -> None:
    resp = await client.post("/control/users", data="{oops")
    assert resp.status == 400
    assert (await resp.json())["error"] == "body is not valid JSON"


async def test_log_wait_is_released_by_new_activity(
    client: Any, ctl: ControlClient, world: World, chat: Any
) -> None:
    seq = await ctl.checkpoint()
    task = asyncio.create_task(ctl.log(after=seq, wait=30, peer_id=chat["peer_id"]))
    await world.waiters.wait_until(lambda: world.feed_changed.waiting > 0, 5)
    assert not task.done()
    await ctl.send_message(chat["peer_id"], chat["user_ids"][0], "ход")
    page = await asyncio.wait_for(task, 5)
    [entry] = page["entries"]
    assert entry["kind"] == "user_message"
    assert entry["message"]["text"] == "ход"
    assert page["seq"] == entry["seq"] == seq + 1


async def test_log_without_wait_and_peer_filter(vk: Any, ctl: ControlClient, chat: Any) -> None:
    other = await ctl.create_chat("Вторая", chat["user_ids"])
    await vk("messages.send", peer_id=chat["peer_id"], random_id=1, message="a")
    await vk("messages.send", peer_id=other["peer_id"], random_id=1, message="b")
    await vk("messages.send", peer_id=other["peer_id"] + 5, random_id=1, message="c")
    everything = await ctl.log()
    assert [e["kind"] for e in everything["entries"]] == ["bot_message", "bot_message", "api_error"]
    assert [e["seq"] for e in everything["entries"]] == [1, 2, 3]
    assert everything["entries"][2]["error_code"] == 917
    filtered = await ctl.log(peer_id=other["peer_id"])
    assert [e["message"]["text"] for e in filtered["entries"]] == ["b"]
    assert filtered["seq"] == 3
    page = await ctl.log(after=0, limit=1)
    assert page["seq"] == 1
    assert (await ctl.log(after=3, wait=0.01))["entries"] == []


async def test_wait_for_bot_message_and_timeout_message(
    vk: Any, ctl: ControlClient, chat: Any
) -> None:
    peer = chat["peer_id"]
    await ctl.send_message(peer, chat["user_ids"][0], "/start")

    async def bot() -> None:
        await vk("messages.send", peer_id=peer, random_id=1, message="Игра начинается")
        await vk("messages.send", peer_id=peer, random_id=2, message="Вопрос 1")

    task = asyncio.create_task(bot())
    entry = await ctl.wait_for_bot_message(peer, contains="Вопрос")
    await task
    assert entry["message"]["text"] == "Вопрос 1"
    assert ctl.mark == entry["seq"]
    with pytest.raises(TimeoutError) as info:
        await ctl.wait_for_bot_message(peer, contains="Вопрос 2", timeout=0.05)
    assert "bot message containing 'Вопрос 2'" in str(info.value)
    earlier = await ctl.wait_for_bot_message(peer, contains="Игра", after_seq=0)
    assert earlier["seq"] < entry["seq"]


async def test_wait_for_event_answer(vk: Any, ctl: ControlClient, chat: Any) -> None:
    peer, user = chat["peer_id"], chat["user_ids"][0]
    cmid = await send_question(vk, peer)
    event_id = await ctl.press(peer, user, cmid, label="Ответ А")
    await vk("messages.sendMessageEventAnswer", event_id=event_id, user_id=user, peer_id=peer)
    entry = await ctl.wait_for_event_answer(peer, event_id)
    assert entry["answer"]["event_data"] is None


async def test_error_rate_fault(vk: Any, ctl: ControlClient, chat: Any) -> None:
    faults = await ctl.set_faults(error_rates={10: 1.0}, methods=["messages.send"])
    assert faults["error_rates"] == {"10": 1.0}
    body = await vk("messages.send", peer_id=chat["peer_id"], random_id=1, message="x")
    assert body["error"]["error_code"] == 10
    assert body["error"]["error_msg"].startswith("Internal server error")
    assert "response" in await vk("users.get", user_ids="1")  # filtered out
    await ctl.clear_faults()
    assert "response" in await vk(
        "messages.send", peer_id=chat["peer_id"], random_id=1, message="x"
    )
    assert (await ctl.counters())["errors_by_code"] == {"10": 1}


async def test_http_500_and_latency_faults(client: Any, vk: Any, ctl: ControlClient) -> None:
    await ctl.set_faults(http_500_rate=1.0)
    resp = await client.post("/method/users.get", data={"v": "5.199", "user_ids": "1"})
    assert resp.status == 500
    await ctl.set_faults(latency_ms=20, seed=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert "response" in await vk("users.get", user_ids="1")
    assert loop.time() - started >= 0.015


async def test_counters_and_reset(vk: Any, ctl: ControlClient, chat: Any) -> None:
    await vk("messages.send", peer_id=chat["peer_id"], random_id=1, message="x")
    counters = await ctl.counters()
    assert set(counters) == {
        "requests",
        "requests_by_method",
        "rate_limited",
        "duplicate_random_ids",
        "messages_sent",
        "edits",
        "event_answers",
        "errors_by_code",
        "execute_requests",
        "longpoll_requests",
        "photo_uploads",
        "photo_uploads_failed",
        "photo_saves",
    }
    assert counters["requests"] == 1
    assert counters["requests_by_method"] == {"messages.send": 1}
    await ctl.set_faults(error_rates={6: 0.5})
    await ctl.reset()
    assert (await ctl.counters())["requests"] == 0
    assert (await vk("users.get", user_ids="1"))["response"] == []
    user = await ctl.create_user("Новый")
    assert user["id"] == 1
    with pytest.raises(ControlError):
        await ctl.messages(chat["peer_id"])
    assert ctl.mark == (await ctl.log(limit=0))["seq"]
