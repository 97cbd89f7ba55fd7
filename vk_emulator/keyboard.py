"""Keyboard validation with VK's documented limits, so that layout bugs fail in tests (error 911)
instead of in production."""

from __future__ import annotations

import json
from typing import Any

from vk_emulator.errors import ApiError

BUTTON_TYPES = frozenset({"text", "callback", "open_link", "location", "vkpay", "open_app"})
LABELLED_TYPES = frozenset({"text", "callback", "open_link", "open_app"})
COLORS = frozenset({"primary", "secondary", "positive", "negative", "default"})
MAX_LABEL = 40
MAX_PAYLOAD = 255
INLINE_LIMITS = (6, 5, 10)  # rows, buttons per row, buttons total
STANDARD_LIMITS = (10, 5, 40)


def _fail(detail: str) -> ApiError:
    return ApiError(911, detail)


def parse_keyboard(raw: str) -> dict[str, Any]:
    """Returns the parsed keyboard or raises ApiError(911)."""
    try:
        keyboard = json.loads(raw)
    except ValueError:
        raise _fail("keyboard is not valid JSON") from None
    if not isinstance(keyboard, dict):
        raise _fail("keyboard must be a JSON object")
    inline = keyboard.get("inline", False)
    one_time = keyboard.get("one_time", False)
    if not isinstance(inline, bool) or not isinstance(one_time, bool):
        raise _fail("inline and one_time must be booleans")
    if inline and one_time:
        raise _fail("one_time is not supported by inline keyboards")
    rows = keyboard.get("buttons")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _fail("buttons must be a list of rows")
    max_rows, max_per_row, max_total = INLINE_LIMITS if inline else STANDARD_LIMITS
    kind = "inline" if inline else "standard"
    if len(rows) > max_rows:
        raise _fail(f"{kind} keyboard allows at most {max_rows} rows")
    total = 0
    for row in rows:
        if len(row) > max_per_row:
            raise _fail(f"{kind} keyboard allows at most {max_per_row} buttons per row")
        total += len(row)
        for button in row:
            _check_button(button)
    if total > max_total:
        raise _fail(f"{kind} keyboard allows at most {max_total} buttons")
    return keyboard


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("action"), dict):
        raise _fail("each button must be an object with an action object")
    action: dict[str, Any] = button["action"]
    kind = action.get("type")
    if kind not in BUTTON_TYPES:
        raise _fail(f"unsupported button type {kind!r}")
    if kind in LABELLED_TYPES:
        label = action.get("label")
        if not isinstance(label, str) or not label:
            raise _fail(f"{kind} button needs a label")
        if len(label) > MAX_LABEL:
            raise _fail(f"button label is longer than {MAX_LABEL} characters")
    if kind == "open_link" and not isinstance(action.get("link"), str):
        raise _fail("open_link button needs a link")
    if kind == "open_app" and not isinstance(action.get("app_id"), int):
        raise _fail("open_app button needs an app_id")
    if kind == "vkpay" and not isinstance(action.get("hash"), str):
        raise _fail("vkpay button needs a hash")
    if "payload" in action:
        _check_payload(action["payload"])
    color = button.get("color")
    if color is not None and color not in COLORS:
        raise _fail(f"unsupported button color {color!r}")


def _check_payload(payload: Any) -> None:
    if not isinstance(payload, str):
        raise _fail("button payload must be a JSON-encoded string")
    if len(payload) > MAX_PAYLOAD:
        raise _fail(f"button payload is longer than {MAX_PAYLOAD} characters")
    try:
        json.loads(payload)
    except ValueError:
        raise _fail("button payload is not valid JSON") from None
