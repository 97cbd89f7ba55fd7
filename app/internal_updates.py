"""Updates that do not come from VK but travel a chat's ordered path like one.

The admin API stops a game, or hands over an appeal it decided, by publishing such an update
into the chat's shard queue (``admin_api/broker.py``), so the bot applies it in order with the
chat's VK updates, under the same lock, exactly once (its ``event_id``).
:func:`parse_incoming` is what the bot's consumer parses with: these first, then VK's own
(:func:`app.vk.updates.parse_update`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.vk.updates import MalformedUpdate, Update, envelope_event_id, parse_update

ADMIN_STOP = "znatoki_admin_stop"
APPEAL_DECIDED = "znatoki_appeal_decided"


@dataclass(frozen=True)
class AdminStop:
    """An admin stopped ``game_id`` from the admin API."""

    event_id: str
    peer_id: int
    game_id: int


@dataclass(frozen=True)
class AppealDecided:
    """An admin decided ``appeal_id`` through the API: apply it to the game, tell the chat."""

    event_id: str
    peer_id: int
    appeal_id: int


Incoming = Update | AdminStop | AppealDecided


def admin_stop(*, peer_id: int, game_id: int, admin_id: int, group_id: int) -> dict[str, Any]:
    """The wire form of an admin's stop; ``peer_id`` in ``object`` routes it like VK's."""
    return {
        "type": ADMIN_STOP,
        "event_id": f"admin-stop-{uuid.uuid4()}",
        "group_id": group_id,
        "object": {"peer_id": peer_id, "game_id": game_id, "admin_id": admin_id},
    }


def appeal_decided(*, peer_id: int, appeal_id: int, group_id: int) -> dict[str, Any]:
    """The wire form of an appeal decided through the API. The event id is the appeal's: a
    re-submission (the bot's sweep of unapplied decisions) is the same update."""
    return {
        "type": APPEAL_DECIDED,
        "event_id": f"appeal-decided-{appeal_id}",
        "group_id": group_id,
        "object": {"peer_id": peer_id, "appeal_id": appeal_id},
    }


def parse_incoming(raw: Any) -> Incoming:
    """An internal update, or else a VK update; :class:`MalformedUpdate` for neither."""
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind == ADMIN_STOP:
        event_id, obj = _envelope(raw, kind)
        return AdminStop(event_id, _integer(obj, "peer_id", kind), _integer(obj, "game_id", kind))
    if kind == APPEAL_DECIDED:
        event_id, obj = _envelope(raw, kind)
        peer_id, appeal_id = _integer(obj, "peer_id", kind), _integer(obj, "appeal_id", kind)
        return AppealDecided(event_id, peer_id, appeal_id)
    return parse_update(raw)


def _envelope(raw: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    event_id = envelope_event_id(raw)
    obj = raw.get("object")
    if event_id is None or not isinstance(obj, dict):
        raise MalformedUpdate(f"{kind}: no event_id or object")
    return event_id, obj


def _integer(obj: dict[str, Any], key: str, kind: str) -> int:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise MalformedUpdate(f"{kind}: {key} must be an integer")
