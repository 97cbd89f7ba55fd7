"""Callback payloads to game events (app/bot/game_router.py ``press_event``)."""

from __future__ import annotations

from typing import Any

import pytest

from app.bot.game_router import press_event
from app.game import events as ev
from app.vk.updates import MessageEvent


def press(payload: dict[str, Any] | None) -> ev.Press:
    update = MessageEvent("e1", 2000000001, 5, "cb", payload, 9)
    return press_event(update, lambda user_id: f"user{user_id}")


def test_buttons_carry_their_game_and_round_into_the_event() -> None:
    assert press({"cmd": "join", "g": 3}) == ev.Join(5, "user5", "cb", 3)
    assert press({"cmd": "begin", "g": 3}) == ev.Begin(5, "cb", 3)
    assert press({"cmd": "early", "g": 3, "r": 2}) == ev.Early(5, "cb", 3, 2)
    assert press({"cmd": "early", "g": 3, "r": 2, "b": 1}) == ev.Early(5, "cb", 3, 2, 1)
    assert press({"cmd": "pick", "user_id": 8, "g": 3, "r": 2}) == ev.Pick(5, "cb", 8, 3, 2)


def test_old_keyboards_without_game_or_round_still_parse() -> None:
    assert press({"cmd": "early"}) == ev.Early(5, "cb")
    assert press({"cmd": "pick", "user_id": 8}) == ev.Pick(5, "cb", 8)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"cmd": "nope"},
        {"cmd": "early", "g": "3"},
        {"cmd": "early", "g": 3, "r": None},
        {"cmd": "early", "g": 3, "r": 2, "b": "1"},
        {"cmd": "pick", "user_id": 8, "g": True, "r": 1},
        {"cmd": "join", "g": [1]},
    ],
)
def test_garbage_is_an_unknown_press(payload: dict[str, Any] | None) -> None:
    assert press(payload) == ev.UnknownPress(5, "cb")


def test_a_pick_naming_nobody_valid_has_no_target() -> None:
    assert press({"cmd": "pick", "user_id": "8", "g": 3, "r": 1}) == ev.Pick(5, "cb", None, 3, 1)
