"""Keyboard validation: every documented rule gives error 911, and valid layouts pass."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vk_emulator.errors import ApiError
from vk_emulator.keyboard import parse_keyboard


def cb(label: str = "ok", payload: str | None = '{"q":1}') -> dict[str, Any]:
    action: dict[str, Any] = {"type": "callback", "label": label}
    if payload is not None:
        action["payload"] = payload
    return {"action": action, "color": "primary"}


def kb(rows: list[list[dict[str, Any]]], **flags: Any) -> str:
    return json.dumps({"buttons": rows, **flags})


VALID = [
    kb([[cb()]], inline=True),
    kb([], one_time=False),  # removes a standard keyboard
    kb([[cb()] * 5, [cb()] * 5], inline=True),  # exactly 10 inline buttons
    kb([[cb()] * 2] * 5, inline=True),
    kb([[cb()] * 5] * 8),  # exactly 40 standard buttons
    kb([[{"action": {"type": "text", "label": "Старт", "payload": '{"cmd":"start"}'}}]]),
    kb([[{"action": {"type": "open_link", "link": "https://vk.com", "label": "VK"}}]], inline=True),
    kb([[{"action": {"type": "location"}}]], one_time=True),
    kb([[cb(label="x" * 40, payload=json.dumps({"p": "y" * 240}))]], inline=True),
]

INVALID = {
    "not json": "{buttons",
    "not an object": "[]",
    "no buttons": json.dumps({"inline": True}),
    "rows are not lists": json.dumps({"buttons": [cb()]}),
    "one_time with inline": kb([[cb()]], inline=True, one_time=True),
    "inline over 10 buttons": kb([[cb()] * 4] * 3, inline=True),
    "inline over 5 per row": kb([[cb()] * 6], inline=True),
    "inline over 6 rows": kb([[cb()]] * 7, inline=True),
    "standard over 5 per row": kb([[cb()] * 6]),
    "standard over 10 rows": kb([[cb()]] * 11),
    "standard over 40 buttons": kb([[cb()] * 5] * 8 + [[cb()]]),
    "unknown action type": kb([[{"action": {"type": "teleport", "label": "x"}}]]),
    "missing action": kb([[{"label": "x"}]]),
    "label over 40": kb([[cb(label="x" * 41)]], inline=True),
    "missing label": kb([[{"action": {"type": "callback", "payload": "{}"}}]], inline=True),
    "payload over 255": kb([[cb(payload=json.dumps({"p": "y" * 250}))]], inline=True),
    "payload not a string": kb([[{"action": {"type": "text", "label": "x", "payload": {}}}]]),
    "payload not json": kb([[cb(payload="{oops")]], inline=True),
    "bad color": kb([[{"action": {"type": "text", "label": "x"}, "color": "pink"}]]),
    "inline not a bool": kb([[cb()]], inline="yes"),
}


@pytest.mark.parametrize("raw", VALID)
def test_valid_keyboards_pass(raw: str) -> None:
    assert parse_keyboard(raw) == json.loads(raw)


@pytest.mark.parametrize("raw", list(INVALID.values()), ids=list(INVALID))
def test_invalid_keyboards_give_911(raw: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_keyboard(raw)
    assert info.value.code == 911
    assert info.value.msg.startswith("Keyboard format is invalid")


@pytest.mark.parametrize("raw", list(INVALID.values()), ids=list(INVALID))
async def test_send_rejects_invalid_keyboards_with_911(
    vk: Any, ctl: Any, chat: Any, raw: str
) -> None:
    body = await vk(
        "messages.send", peer_id=chat["peer_id"], random_id=1, message="Q", keyboard=raw
    )
    assert body["error"]["error_code"] == 911
    assert await ctl.messages(chat["peer_id"]) == []
