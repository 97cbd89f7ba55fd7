"""Turn raw Bots Long Poll / Callback API updates into small typed events.

Everything VK sends passes through :func:`parse_update` before any handler sees it, so
malformed input is rejected here with :class:`MalformedUpdate` and never reaches a game.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_TEXT_LENGTH = 4096  # VK's own limit for a message; anything longer is not a real message.
MAX_EVENT_ID_LENGTH = 128


class MalformedUpdate(ValueError):
    """The update cannot be understood; it is logged and dead-lettered, never retried."""


@dataclass(frozen=True)
class MessageNew:
    event_id: str
    peer_id: int
    from_id: int
    text: str
    conversation_message_id: int | None
    action_type: str | None = None
    action_member_id: int | None = None


@dataclass(frozen=True)
class MessageEvent:
    """A callback-button press. ``callback_id`` is what sendMessageEventAnswer needs."""

    event_id: str
    peer_id: int
    user_id: int
    callback_id: str
    payload: dict[str, Any] | None
    conversation_message_id: int | None


@dataclass(frozen=True)
class OtherUpdate:
    """An update type the bot does not handle; acknowledged and ignored."""

    event_id: str
    type: str
    peer_id: int


Update = MessageNew | MessageEvent | OtherUpdate


def envelope_event_id(update: Any) -> str | None:
    event_id = update.get("event_id") if isinstance(update, dict) else None
    if isinstance(event_id, str) and 0 < len(event_id) <= MAX_EVENT_ID_LENGTH:
        return event_id
    return None


def peer_id_of(update: Any) -> int:
    """The chat an update belongs to (0 when it has none); used for routing before parsing."""
    if not isinstance(update, dict):
        return 0
    obj = update.get("object")
    if not isinstance(obj, dict):
        return 0
    message = obj.get("message")
    source = message if isinstance(message, dict) else obj
    peer_id = source.get("peer_id")
    return peer_id if isinstance(peer_id, int) and not isinstance(peer_id, bool) else 0


def parse_update(update: Any) -> Update:
    if not isinstance(update, dict):
        raise MalformedUpdate("update is not a JSON object")
    event_id = envelope_event_id(update)
    if event_id is None:
        raise MalformedUpdate("update has no valid event_id")
    kind = update.get("type")
    obj = update.get("object")
    if not isinstance(kind, str):
        raise MalformedUpdate("update has no type")
    if not isinstance(obj, dict):
        raise MalformedUpdate(f"{kind}: object is not a JSON object")
    if kind == "message_new":
        return _message_new(event_id, obj)
    if kind == "message_event":
        return _message_event(event_id, obj)
    return OtherUpdate(event_id=event_id, type=kind[:64], peer_id=peer_id_of(update))


def _int(obj: dict[str, Any], key: str, *, required: bool = True) -> int | None:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value is None and not required:
        return None
    raise MalformedUpdate(f"field {key!r} must be an integer")


def _message_new(event_id: str, obj: dict[str, Any]) -> MessageNew:
    message = obj.get("message")
    if not isinstance(message, dict):
        raise MalformedUpdate("message_new: object.message is missing")
    text = message.get("text", "")
    if not isinstance(text, str):
        raise MalformedUpdate("message_new: text is not a string")
    action = message.get("action")
    action_type = action_member = None
    if isinstance(action, dict):
        action_type = str(action.get("type", ""))[:64] or None
        action_member = _int(action, "member_id", required=False)
    return MessageNew(
        event_id=event_id,
        peer_id=_int(message, "peer_id") or 0,
        from_id=_int(message, "from_id") or 0,
        # Longer texts cannot come from VK; keep the head so a judge never chews megabytes.
        text=text[:MAX_TEXT_LENGTH],
        conversation_message_id=_int(message, "conversation_message_id", required=False),
        action_type=action_type,
        action_member_id=action_member,
    )


def _message_event(event_id: str, obj: dict[str, Any]) -> MessageEvent:
    callback_id = obj.get("event_id")
    if not isinstance(callback_id, str) or not callback_id:
        raise MalformedUpdate("message_event: object.event_id is missing")
    return MessageEvent(
        event_id=event_id,
        peer_id=_int(obj, "peer_id") or 0,
        user_id=_int(obj, "user_id") or 0,
        callback_id=callback_id[:MAX_EVENT_ID_LENGTH],
        payload=_payload(obj.get("payload")),
        conversation_message_id=_int(obj, "conversation_message_id", required=False),
    )


def _payload(raw: Any) -> dict[str, Any] | None:
    """VK sends the payload as an object; older clients and the schema say a JSON string."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    return raw if isinstance(raw, dict) else None
