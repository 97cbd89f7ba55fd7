"""Internal updates (the admin's stop): built, parsed, refused when malformed; VK's still pass."""

from __future__ import annotations

import pytest

from app.internal_updates import AdminStop, admin_stop, parse_incoming
from app.vk.updates import MalformedUpdate, MessageNew


def test_an_admin_stop_round_trips() -> None:
    raw = admin_stop(peer_id=2000000001, game_id=7, admin_id=1, group_id=5)
    assert raw["event_id"].startswith("admin-stop-")
    assert parse_incoming(raw) == AdminStop(raw["event_id"], 2000000001, 7)


@pytest.mark.parametrize(
    "obj",
    [{"game_id": 7}, {"peer_id": "2000000001", "game_id": 7}, {"peer_id": 1, "game_id": True}],
)
def test_a_malformed_admin_stop_is_refused(obj: dict[str, object]) -> None:
    raw = {"type": "znatoki_admin_stop", "event_id": "admin-stop-1", "object": obj}
    with pytest.raises(MalformedUpdate):
        parse_incoming(raw)


def test_vk_updates_pass_through() -> None:
    raw = {
        "type": "message_new",
        "event_id": "e1",
        "object": {"message": {"peer_id": 5, "from_id": 1, "text": "/help"}},
    }
    update = parse_incoming(raw)
    assert isinstance(update, MessageNew)
    assert update.text == "/help"
