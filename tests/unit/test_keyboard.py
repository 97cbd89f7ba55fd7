import json

import pytest

from app.actions import Button
from app.vk.keyboard import EMPTY_KEYBOARD, CallbackButton, grid, inline_keyboard, render


def test_callback_button_wire_format() -> None:
    keyboard = inline_keyboard([CallbackButton("Играю", {"cmd": "join"}, "positive")])
    button = keyboard["buttons"][0][0]
    assert keyboard["inline"] is True
    assert button["action"]["type"] == "callback"
    assert json.loads(button["action"]["payload"]) == {"cmd": "join"}
    assert button["color"] == "positive"


def test_long_label_is_shortened_to_40() -> None:
    label = CallbackButton("Ж" * 60, {}).to_vk()["action"]["label"]
    assert len(label) == 40
    assert label.endswith("…")


def test_limits_are_enforced() -> None:
    buttons = [CallbackButton(str(i), {"i": i}) for i in range(11)]
    with pytest.raises(ValueError, match="at most 10"):
        grid(buttons, per_row=5)
    with pytest.raises(ValueError, match="row"):
        inline_keyboard(buttons[:6])
    with pytest.raises(ValueError, match="payload"):
        CallbackButton("x", {"k": "v" * 300}).to_vk()


def test_grid_rows() -> None:
    keyboard = grid([CallbackButton(str(i), {"i": i}) for i in range(5)], per_row=2)
    assert [len(row) for row in keyboard["buttons"]] == [2, 2, 1]


def test_render_turns_the_games_rows_into_vk_json() -> None:
    rows = ((Button("Играю", {"cmd": "join"}, "positive"), Button("Начать", {"cmd": "begin"})),)
    keyboard = render(rows)
    assert keyboard == inline_keyboard(
        [
            CallbackButton("Играю", {"cmd": "join"}, "positive"),
            CallbackButton("Начать", {"cmd": "begin"}),
        ]
    )
    assert render(()) == EMPTY_KEYBOARD  # the buttons taken away
    assert render(None) is None  # no keyboard parameter at all


def test_render_refuses_what_vk_would_refuse() -> None:
    too_many = tuple((Button(str(n), {"n": n}),) for n in range(11))
    with pytest.raises(ValueError, match="at most 10"):
        render(too_many)
