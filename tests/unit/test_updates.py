import pytest

from app.vk.updates import (
    MAX_TEXT_LENGTH,
    MalformedUpdate,
    MessageEvent,
    MessageNew,
    OtherUpdate,
    parse_update,
    peer_id_of,
)


def message_new(**message: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 0,
        "date": 1700000000,
        "peer_id": 2000000001,
        "from_id": 7,
        "text": "/help",
        "conversation_message_id": 3,
    }
    return {
        "type": "message_new",
        "event_id": "e1",
        "v": "5.199",
        "group_id": 1,
        "object": {"message": base | message, "client_info": {}},
    }


def test_message_new() -> None:
    update = parse_update(message_new())
    assert update == MessageNew("e1", 2000000001, 7, "/help", 3)


def test_bot_invite_action() -> None:
    update = parse_update(message_new(action={"type": "chat_invite_user", "member_id": -1}))
    assert isinstance(update, MessageNew)
    assert (update.action_type, update.action_member_id) == ("chat_invite_user", -1)


def test_huge_text_is_cut_to_vk_limit() -> None:
    update = parse_update(message_new(text="я" * 1_000_000))
    assert isinstance(update, MessageNew)
    assert len(update.text) == MAX_TEXT_LENGTH


@pytest.mark.parametrize("payload", [{"cmd": "join"}, '{"cmd":"join"}'])
def test_message_event_payload_object_or_string(payload: object) -> None:
    update = parse_update(
        {
            "type": "message_event",
            "event_id": "e2",
            "object": {
                "user_id": 5,
                "peer_id": 2000000001,
                "event_id": "cb1",
                "payload": payload,
                "conversation_message_id": 9,
            },
        }
    )
    assert update == MessageEvent("e2", 2000000001, 5, "cb1", {"cmd": "join"}, 9)


@pytest.mark.parametrize("payload", ["not json", "[1,2]", 17, None])
def test_garbage_payload_becomes_none(payload: object) -> None:
    update = parse_update(
        {
            "type": "message_event",
            "event_id": "e2",
            "object": {"user_id": 5, "peer_id": 3, "event_id": "cb", "payload": payload},
        }
    )
    assert isinstance(update, MessageEvent)
    assert update.payload is None


def test_unknown_type_is_other() -> None:
    update = parse_update({"type": "wall_post_new", "event_id": "x", "object": {}})
    assert update == OtherUpdate("x", "wall_post_new", 0)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "text",
        {},
        {"type": "message_new", "object": {}},
        {"type": "message_new", "event_id": "", "object": {}},
        {"type": "message_new", "event_id": "e" * 500, "object": {}},
        {"type": "message_new", "event_id": "e", "object": []},
        {"type": "message_new", "event_id": "e", "object": {}},
        {"type": "message_new", "event_id": "e", "object": {"message": {"peer_id": "x"}}},
        {"type": 5, "event_id": "e", "object": {}},
        {"type": "message_event", "event_id": "e", "object": {"user_id": 1, "peer_id": 1}},
        {
            "type": "message_event",
            "event_id": "e",
            "object": {"user_id": True, "peer_id": 1, "event_id": "cb"},
        },
    ],
)
def test_malformed_updates_are_rejected(raw: object) -> None:
    with pytest.raises(MalformedUpdate):
        parse_update(raw)


def test_peer_id_of_is_total() -> None:
    assert peer_id_of(message_new()) == 2000000001
    assert peer_id_of({"object": {"peer_id": 5}}) == 5
    for junk in (None, 1, {"object": 1}, {"object": {"peer_id": "5"}}):
        assert peer_id_of(junk) == 0
