"""Inline keyboards with callback buttons, built within VK's limits.

The game speaks of :class:`~app.actions.Button` rows; :func:`render` turns them into VK's
keyboard JSON (and refuses what VK would refuse with error 911).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.actions import Button, Color, Keyboard

MAX_INLINE_BUTTONS = 10
MAX_ROW_BUTTONS = 5
MAX_LABEL = 40
MAX_PAYLOAD = 255


@dataclass(frozen=True)
class CallbackButton:
    label: str
    payload: dict[str, Any]
    color: Color = "secondary"

    def to_vk(self) -> dict[str, Any]:
        payload = json.dumps(self.payload, ensure_ascii=False, separators=(",", ":"))
        if len(payload) > MAX_PAYLOAD:
            raise ValueError(f"button payload longer than {MAX_PAYLOAD} characters")
        label = self.label if len(self.label) <= MAX_LABEL else self.label[: MAX_LABEL - 1] + "…"
        return {
            "action": {"type": "callback", "label": label, "payload": payload},
            "color": self.color,
        }


def inline_keyboard(*rows: list[CallbackButton]) -> dict[str, Any]:
    """An inline keyboard; raises if it would break VK's limits (error 911 otherwise)."""
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise ValueError(f"an inline keyboard has at most {MAX_INLINE_BUTTONS} buttons")
    if any(len(row) > MAX_ROW_BUTTONS for row in rows):
        raise ValueError(f"a keyboard row has at most {MAX_ROW_BUTTONS} buttons")
    return {"inline": True, "buttons": [[button.to_vk() for button in row] for row in rows if row]}


def grid(buttons: list[CallbackButton], per_row: int = 2) -> dict[str, Any]:
    """Lay buttons out ``per_row`` to a row."""
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return inline_keyboard(*rows)


EMPTY_KEYBOARD: dict[str, Any] = {"inline": True, "buttons": []}


def render(keyboard: Keyboard | None) -> dict[str, Any] | None:
    """VK's JSON for the game's button rows (``()``: the empty keyboard; ``None``: none)."""
    if keyboard is None:
        return None
    return inline_keyboard(
        *[[CallbackButton(b.label, b.payload, b.color) for b in row] for row in keyboard]
    )


__all__ = [
    "EMPTY_KEYBOARD",
    "MAX_INLINE_BUTTONS",
    "Button",
    "CallbackButton",
    "Color",
    "grid",
    "inline_keyboard",
    "render",
]
