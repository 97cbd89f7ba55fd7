"""Internal updates (the admin's stop, an appeal decided through the API): built, parsed,
refused when malformed; VK's still pass."""

from __future__ import annotations

import pytest

from app.internal_updates import (
    AdminStop,
    AppealDecided,
    admin_stop,
    appeal_decided,
    parse_incoming,
)
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


def test_an_appeal_decision_round_trips_with_a_stable_event_id() -> None:
    raw = appeal_decided(peer_id=2000000001, appeal_id=9, group_id=5)
    assert raw["event_id"] == "appeal-decided-9"  # a re-submission is the same update
    assert parse_incoming(raw) == AppealDecided("appeal-decided-9", 2000000001, 9)


@pytest.mark.parametrize(
    "obj", [{"appeal_id": 9}, {"peer_id": 1, "appeal_id": "9"}, {"peer_id": 1, "appeal_id": False}]
)
def test_a_malformed_appeal_decision_is_refused(obj: dict[str, object]) -> None:
    raw = {"type": "znatoki_appeal_decided", "event_id": "appeal-decided-9", "object": obj}
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
