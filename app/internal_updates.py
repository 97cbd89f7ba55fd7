"""Updates that do not come from VK but travel a chat's ordered path like one.

The admin API stops a game by publishing such an update into the chat's shard queue
(``admin_api/broker.py``), so the bot applies it in order with the chat's VK updates, under the
same lock, exactly once (its ``event_id``). :func:`parse_incoming` is what the bot's consumer
parses with: these first, then VK's own (:func:`app.vk.updates.parse_update`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.vk.updates import MalformedUpdate, Update, envelope_event_id, parse_update

ADMIN_STOP = "znatoki_admin_stop"


@dataclass(frozen=True)
class AdminStop:
    """An admin stopped ``game_id`` from the admin API."""

    event_id: str
    peer_id: int
    game_id: int


Incoming = Update | AdminStop


def admin_stop(*, peer_id: int, game_id: int, admin_id: int, group_id: int) -> dict[str, Any]:
    """The wire form of an admin's stop; ``peer_id`` in ``object`` routes it like VK's."""
    return {
        "type": ADMIN_STOP,
        "event_id": f"admin-stop-{uuid.uuid4()}",
        "group_id": group_id,
        "object": {"peer_id": peer_id, "game_id": game_id, "admin_id": admin_id},
    }


def parse_incoming(raw: Any) -> Incoming:
    """An internal update, or else a VK update; :class:`MalformedUpdate` for neither."""
    if isinstance(raw, dict) and raw.get("type") == ADMIN_STOP:
        return _admin_stop(raw)
    return parse_update(raw)


def _admin_stop(raw: dict[str, Any]) -> AdminStop:
    event_id = envelope_event_id(raw)
    obj = raw.get("object")
    if event_id is None or not isinstance(obj, dict):
        raise MalformedUpdate(f"{ADMIN_STOP}: no event_id or object")
    return AdminStop(event_id, _integer(obj, "peer_id"), _integer(obj, "game_id"))


def _integer(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise MalformedUpdate(f"{ADMIN_STOP}: {key} must be an integer")
