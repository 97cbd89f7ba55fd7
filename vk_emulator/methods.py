"""VK method implementations. They take already-decoded string parameters and know nothing of
HTTP, so `execute` runs its inner calls through exactly the same code as direct requests."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vk_emulator.errors import ApiError
from vk_emulator.keyboard import parse_keyboard
from vk_emulator.photos import MESSAGES_ALBUM_ID
from vk_emulator.world import CHAT_PEER_OFFSET, JSON, Chat, Message, World

Params = Mapping[str, str]

# VK's documented cap for messages.send/edit (the schema's maxLength; SDKs often split at
# 4096, which older clients showed whole). The bot clips to the same limit (app/vk/limits.py).
MAX_TEXT = 9000
MAX_MESSAGE_PAYLOAD = 1000
MAX_PEER_IDS = 100
MAX_EVENT_DATA = 1000
MAX_SNACKBAR = 90
INT32 = 2**31


@dataclass(frozen=True)
class Context:
    world: World
    # Where the request came in (`http://host:port`): long-poll, upload and photo URLs use it.
    base_url: str

    @property
    def longpoll_url(self) -> str:
        return f"{self.base_url}/lp/{self.world.group_id}"


Method = Callable[[Context, Params], Any]


def _int(params: Params, name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(100, f"{name} not integer") from None


def _required_int(params: Params, name: str) -> int:
    value = _int(params, name)
    if value is None:
        raise ApiError(100, f"{name} is a required parameter")
    return value


def _int_list(params: Params, name: str) -> list[int]:
    try:
        return [int(item) for item in params.get(name, "").split(",") if item.strip()]
    except ValueError:
        raise ApiError(100, f"{name} must be a comma-separated list of integers") from None


def _fields(params: Params) -> set[str]:
    return {item.strip() for item in params.get("fields", "").split(",") if item.strip()}


def _bot_chat(world: World, peer_id: int) -> Chat:
    """The chat the community can act in; VK answers 917 for anything else."""
    chat = world.chats.get(peer_id)
    if chat is None or not world.bot_in(chat):
        raise ApiError(917)
    return chat


def _text(params: Params, default: str = "") -> str:
    text = params.get("message", default)
    if len(text) > MAX_TEXT:
        raise ApiError(914)
    if not text.strip() and not params.get("attachment"):
        raise ApiError(100, "message is empty or invalid")
    return text


def _keyboard(params: Params) -> JSON | None:
    raw = params.get("keyboard")
    return parse_keyboard(raw) if raw else None


def _attachments(world: World, params: Params) -> list[JSON]:
    """`attachment`: saved photos only, each with its access key (else 100)."""
    return world.photos.attachments(params.get("attachment", ""))


def group_object(world: World) -> JSON:
    return {
        "id": world.group_id,
        "name": "Znatoki (VK emulator)",
        "screen_name": f"club{world.group_id}",
        "is_closed": 0,
        "type": "group",
        "photo_50": "https://vk.com/images/community_50.png",
        "photo_100": "https://vk.com/images/community_100.png",
        "photo_200": "https://vk.com/images/community_200.png",
    }


def groups_get_long_poll_server(ctx: Context, params: Params) -> Any:
    group_id = _required_int(params, "group_id")
    if group_id != ctx.world.group_id:
        raise ApiError(15, "the token does not belong to this group")
    return {"key": ctx.world.lp_key, "server": ctx.longpoll_url, "ts": str(ctx.world.lp_ts)}


def groups_get_by_id(ctx: Context, params: Params) -> Any:
    return {"groups": [group_object(ctx.world)], "profiles": []}


def messages_send(ctx: Context, params: Params) -> Any:
    world = ctx.world
    random_id = _int(params, "random_id")
    if random_id is None:
        raise ApiError(100, "random_id is a required parameter")
    if not -INT32 <= random_id < INT32:
        raise ApiError(100, "random_id must be a 32-bit integer")
    text = _text(params)
    keyboard = _keyboard(params)
    attachments = _attachments(world, params)
    payload = params.get("payload") or None
    if payload is not None and len(payload) > MAX_MESSAGE_PAYLOAD:
        raise ApiError(100, f"payload is longer than {MAX_MESSAGE_PAYLOAD} characters")

    def send(peer_id: int) -> Message:
        chat = _bot_chat(world, peer_id)
        msg, _duplicate = world.send_bot_message(
            chat,
            text,
            keyboard=keyboard,
            payload=payload,
            random_id=random_id,
            attachments=attachments,
        )
        return msg

    if params.get("peer_ids"):
        peer_ids = _int_list(params, "peer_ids")
        if len(peer_ids) > MAX_PEER_IDS:
            raise ApiError(100, f"peer_ids allows at most {MAX_PEER_IDS} peers")
        results: list[JSON] = []
        for peer_id in peer_ids:
            try:
                msg = send(peer_id)
            except ApiError as exc:
                world.record_api_error("messages.send", exc.code, exc.msg, {"peer_id": peer_id})
                error = {"code": exc.code, "description": exc.msg}
                results.append(
                    {
                        "peer_id": peer_id,
                        "message_id": 0,
                        "conversation_message_id": 0,
                        "error": error,
                    }
                )
                continue
            results.append(
                {
                    "peer_id": peer_id,
                    "message_id": msg.id,
                    "conversation_message_id": msg.conversation_message_id,
                }
            )
        return results
    # user_id and chat_id are the legacy ways of addressing a peer.
    target = _int(params, "peer_id") or _int(params, "user_id")
    chat_id = _int(params, "chat_id")
    if target is None and chat_id is not None:
        target = CHAT_PEER_OFFSET + chat_id
    if target is None:
        raise ApiError(100, "peer_id is a required parameter")
    return send(target).id


def messages_edit(ctx: Context, params: Params) -> Any:
    world = ctx.world
    chat = _bot_chat(world, _required_int(params, "peer_id"))
    cmid = _int(params, "conversation_message_id")
    if cmid is None:
        cmid = _int(params, "cmid")
    message_id = _int(params, "message_id")
    if cmid is not None:
        msg = chat.by_cmid.get(cmid)
    elif message_id is not None:
        found = world.messages_by_id.get(message_id)
        msg = found if found is not None and found.peer_id == chat.peer_id else None
    else:
        raise ApiError(100, "conversation_message_id or message_id is a required parameter")
    if msg is None:
        raise ApiError(100, "message not found")
    if msg.from_id != world.bot_id:
        raise ApiError(920)
    text = _text(params, default=msg.text)
    # Like a fresh send: a keyboard or attachment that is not passed again is not kept.
    world.edit_bot_message(msg, text, _keyboard(params), _attachments(world, params))
    return 1


def messages_send_message_event_answer(ctx: Context, params: Params) -> Any:
    world = ctx.world
    event_id = params.get("event_id", "")
    if not event_id:
        raise ApiError(100, "event_id is a required parameter")
    user_id = _required_int(params, "user_id")
    peer_id = _required_int(params, "peer_id")
    event = world.callback_events.get(event_id)
    if event is None or event.user_id != user_id or event.peer_id != peer_id:
        raise ApiError(100, "event_id is unknown for this user_id and peer_id")
    raw = params.get("event_data")
    data = _event_data(raw) if raw else None
    world.answer_event(event, data)
    return 1


def _event_data(raw: str) -> JSON:
    if len(raw) > MAX_EVENT_DATA:
        raise ApiError(100, f"event_data is longer than {MAX_EVENT_DATA} characters")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ApiError(100, "event_data is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(100, "event_data must be a JSON object")
    kind = data.get("type")
    if kind == "show_snackbar":
        text = data.get("text")
        if not isinstance(text, str) or not text or len(text) > MAX_SNACKBAR:
            raise ApiError(100, f"show_snackbar needs a text of 1..{MAX_SNACKBAR} characters")
    elif kind == "open_link":
        if not isinstance(data.get("link"), str):
            raise ApiError(100, "open_link needs a link")
    elif kind == "open_app":
        if not isinstance(data.get("app_id"), int):
            raise ApiError(100, "open_app needs an app_id")
    else:
        raise ApiError(100, "event_data.type must be show_snackbar, open_link or open_app")
    return data


def messages_get_conversation_members(ctx: Context, params: Params) -> Any:
    world = ctx.world
    chat = _bot_chat(world, _required_int(params, "peer_id"))
    offset = max(_int(params, "offset") or 0, 0)
    count = _int(params, "count")
    count = 1000 if count is None else max(0, min(count, 1000))
    fields = _fields(params)
    members = list(chat.members.values())
    items: list[JSON] = []
    for member in members[offset : offset + count]:
        item: JSON = {
            "member_id": member.member_id,
            "invited_by": member.invited_by,
            "join_date": member.join_date,
        }
        if member.member_id in (chat.owner_id, world.bot_id):
            item["is_admin"] = True
        if member.member_id == chat.owner_id:
            item["is_owner"] = True
        items.append(item)
    profiles = [world.users[m.member_id].to_vk(fields) for m in members if m.member_id > 0]
    groups = [group_object(world)] if world.bot_in(chat) else []
    return {"count": len(members), "items": items, "profiles": profiles, "groups": groups}


def users_get(ctx: Context, params: Params) -> Any:
    raw = params.get("user_ids", "")
    if not raw.strip():
        raise ApiError(100, "user_ids is a required parameter")
    fields = _fields(params)
    users: list[JSON] = []
    for item in raw.split(","):
        token = item.strip().removeprefix("id")
        if not token:
            continue
        if not token.isdigit():
            raise ApiError(113)
        user = ctx.world.users.get(int(token))
        if user is not None:
            users.append(user.to_vk(fields))
    return users


def photos_get_messages_upload_server(ctx: Context, params: Params) -> Any:
    world = ctx.world
    peer_id = _int(params, "peer_id") or 0
    if peer_id:
        _bot_chat(world, peer_id)
    token = world.photos.open_upload(peer_id)
    return {
        "upload_url": f"{ctx.base_url}/upload/photo/{token}",
        "album_id": MESSAGES_ALBUM_ID,
        "user_id": 0,
        "group_id": world.group_id,
    }


def photos_save_messages_photo(ctx: Context, params: Params) -> Any:
    world = ctx.world
    for name in ("photo", "server", "hash"):
        if not params.get(name):
            raise ApiError(100, f"{name} is a required parameter")
    photo = world.photos.save(
        params["photo"], params["server"], params["hash"], ctx.base_url, world.now()
    )
    world.counters.photo_saves += 1
    return [photo.to_vk()]


# VK refuses these inside `execute`: uploads need the answer of one call in the next request.
NOT_IN_EXECUTE = frozenset({"photos.getMessagesUploadServer", "photos.saveMessagesPhoto"})

METHODS: dict[str, Method] = {
    "groups.getLongPollServer": groups_get_long_poll_server,
    "groups.getById": groups_get_by_id,
    "messages.send": messages_send,
    "messages.edit": messages_edit,
    "messages.sendMessageEventAnswer": messages_send_message_event_answer,
    "messages.getConversationMembers": messages_get_conversation_members,
    "users.get": users_get,
    "photos.getMessagesUploadServer": photos_get_messages_upload_server,
    "photos.saveMessagesPhoto": photos_save_messages_photo,
}
