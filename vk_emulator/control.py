"""JSON control API under /control: drives the emulated users and chats and exposes what the bot
did. Every bad request gets a 4xx JSON error, so a broken test setup never looks like a bot bug."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from aiohttp import web

from vk_emulator.appkeys import WORLD_KEY
from vk_emulator.methods import group_object
from vk_emulator.world import JSON, Chat, Faults, Message, World

MAX_LOG_WAIT = 60.0
DEFAULT_LOG_LIMIT = 1000
# An idle event stream sends a comment this often, so dead connections are noticed.
STREAM_HEARTBEAT = 15.0
STREAM_RETRY_MS = 1000
STREAM_BATCH = 500


_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
}


def _fail(status: int, message: str) -> NoReturn:
    raise _ERRORS[status](text=json.dumps({"error": message}), content_type="application/json")


def _world(request: web.Request) -> World:
    return request.app[WORLD_KEY]


async def _body(request: web.Request) -> JSON:
    text = await request.text()
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        _fail(400, "body is not valid JSON")
    if not isinstance(data, dict):
        _fail(400, "body must be a JSON object")
    return data


def _int(body: JSON, name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if value is None:
        _fail(400, f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(400, f"{name} must be an integer")
    return value


def _opt_int(body: JSON, name: str) -> int | None:
    return None if body.get(name) is None else _int(body, name)


def _str(body: JSON, name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        _fail(400, f"{name} is required and must be a string")
    return value


def _bool(body: JSON, name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        _fail(400, f"{name} must be a boolean")
    return value


def _rate(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        _fail(400, f"{name} must be a number between 0 and 1")
    return float(value)


def _query_number(request: web.Request, name: str, default: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        _fail(400, f"{name} must be a number")


def _query_int(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        _fail(400, f"{name} must be an integer")


def _chat(request: web.Request) -> Chat:
    try:
        peer_id = int(request.match_info["peer_id"])
    except ValueError:
        _fail(400, "peer_id must be an integer")
    chat = _world(request).chats.get(peer_id)
    if chat is None:
        _fail(404, f"no chat with peer_id {peer_id}")
    return chat


def _member(world: World, chat: Chat, body: JSON, name: str) -> int:
    user_id = _int(body, name)
    if user_id not in chat.members or user_id == world.bot_id:
        _fail(400, f"user {user_id} is not a member of chat {chat.peer_id}")
    return user_id


def _message(chat: Chat, cmid: int) -> Message:
    msg = chat.by_cmid.get(cmid)
    if msg is None:
        _fail(404, f"no message with conversation_message_id {cmid} in chat {chat.peer_id}")
    return msg


# --- users and chats -------------------------------------------------------------------------


async def create_user(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        user = _world(request).add_user(
            _str(body, "first_name"), _str(body, "last_name", ""), _opt_int(body, "id")
        )
    except ValueError as exc:
        _fail(400, str(exc))
    return web.json_response(user.to_vk())


async def list_users(request: web.Request) -> web.Response:
    return web.json_response([user.to_vk() for user in _world(request).users.values()])


async def create_chat(request: web.Request) -> web.Response:
    body = await _body(request)
    member_ids = body.get("member_ids", [])
    if not isinstance(member_ids, list) or not all(
        isinstance(m, int) and not isinstance(m, bool) for m in member_ids
    ):
        _fail(400, "member_ids must be a list of user ids")
    world = _world(request)
    try:
        chat = world.add_chat(
            _str(body, "title", "Chat"), member_ids, bot_member=_bool(body, "bot_member", True)
        )
    except ValueError as exc:
        _fail(400, str(exc))
    return web.json_response(chat.to_control(world.bot_id))


async def list_chats(request: web.Request) -> web.Response:
    world = _world(request)
    return web.json_response([chat.to_control(world.bot_id) for chat in world.chats.values()])


async def invite_bot(request: web.Request) -> web.Response:
    world = _world(request)
    chat = _chat(request)
    body = await _body(request)
    if world.bot_in(chat):
        _fail(409, f"the bot is already a member of chat {chat.peer_id}")
    if body.get("by") is None and not chat.owner_id:
        _fail(400, "the chat has no members who could invite the bot")
    by = _member(world, chat, body, "by") if body.get("by") is not None else chat.owner_id
    msg, envelope, entry = world.invite_bot(chat, by)
    result = chat.to_control(world.bot_id)
    result.update(message=msg.to_control(), event_id=envelope["event_id"], seq=entry["seq"])
    return web.json_response(result)


async def kick_bot(request: web.Request) -> web.Response:
    world = _world(request)
    chat = _chat(request)
    if not world.bot_in(chat):
        _fail(409, f"the bot is not a member of chat {chat.peer_id}")
    world.kick_bot(chat)
    return web.json_response(chat.to_control(world.bot_id))


async def add_member(request: web.Request) -> web.Response:
    world = _world(request)
    chat = _chat(request)
    body = await _body(request)
    try:
        world.add_member(chat, _int(body, "user_id"))
    except ValueError as exc:
        _fail(400, str(exc))
    return web.json_response(chat.to_control(world.bot_id))


# --- user activity ---------------------------------------------------------------------------


def _payload_string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    _fail(400, "payload must be a JSON object or a JSON-encoded string")


async def post_message(request: web.Request) -> web.Response:
    world = _world(request)
    chat = _chat(request)
    body = await _body(request)
    from_id = _member(world, chat, body, "from_id")
    text = _str(body, "text")
    msg, envelope, entry = world.post_user_message(
        chat, from_id, text, _payload_string(body.get("payload"))
    )
    event_id = envelope["event_id"] if envelope is not None else None
    return web.json_response(
        {"message": msg.to_control(), "event_id": event_id, "seq": entry["seq"]}
    )


def _find_button(msg: Message, label: str) -> JSON:
    rows = (msg.keyboard or {}).get("buttons", [])
    for row in rows:
        for button in row:
            action = button.get("action", {})
            if action.get("label") == label and action.get("type") in ("callback", "text"):
                result: JSON = action
                return result
    _fail(404, f"no callback or text button {label!r} on message {msg.conversation_message_id}")


async def press(request: web.Request) -> web.Response:
    world = _world(request)
    chat = _chat(request)
    body = await _body(request)
    user_id = _member(world, chat, body, "user_id")
    label = body.get("label")
    payload = body.get("payload")
    if (label is None) == (payload is None):
        _fail(400, "give exactly one of label or payload")
    msg = _message(chat, _int(body, "conversation_message_id"))
    if not world.bot_in(chat):
        _fail(409, f"the bot is not a member of chat {chat.peer_id}; nobody would get the press")
    if label is not None:
        action = _find_button(msg, _str(body, "label"))
        if action["type"] == "text":
            # A text button just makes the user send its label with the button's payload.
            sent, envelope, entry = world.post_user_message(
                chat, user_id, action["label"], action.get("payload")
            )
            result: JSON = {"type": "message_new", "message": sent.to_control()}
            result.update(event_id=envelope["event_id"] if envelope else None, seq=entry["seq"])
            return web.json_response(result)
        payload = json.loads(action["payload"]) if action.get("payload") else {}
    elif not isinstance(payload, dict):
        _fail(400, "payload must be a JSON object")
    event, envelope, entry = world.press_callback(
        chat, user_id, msg.conversation_message_id, payload
    )
    return web.json_response(
        {
            "type": "message_event",
            "event_id": event.event_id,
            "lp_event_id": envelope["event_id"],
            "payload": payload,
            "seq": entry["seq"],
        }
    )


# --- inspection ------------------------------------------------------------------------------


async def list_messages(request: web.Request) -> web.Response:
    return web.json_response([msg.to_control() for msg in _chat(request).messages])


async def list_event_answers(request: web.Request) -> web.Response:
    peer_id = _chat(request).peer_id
    answers = [a.to_control() for a in _world(request).answers if a.peer_id == peer_id]
    return web.json_response(answers)


async def get_log(request: web.Request) -> web.Response:
    world = _world(request)
    after = _query_int(request, "after") or 0
    wait = max(0.0, min(_query_number(request, "wait", 0), MAX_LOG_WAIT))
    limit = _query_int(request, "limit")
    limit = DEFAULT_LOG_LIMIT if limit is None else max(0, limit)
    peer_id = _query_int(request, "peer_id")

    def check() -> list[JSON]:
        return world.log_after(after, peer_id, limit) if limit else []

    entries = await world.feed_changed.wait_until(
        check, wait if limit else 0, ready=lambda found: bool(found) or world.closing
    )
    # When the page is full the client must continue right after its last entry.
    seq = entries[-1]["seq"] if limit and len(entries) >= limit else world.log_seq
    return web.json_response({"seq": seq, "entries": entries})


def _stream_start(request: web.Request, world: World) -> int:
    """Where an event stream starts: after `Last-Event-ID` (a reconnecting EventSource sends
    it), else after the `after` query parameter, else from the oldest kept entry."""
    raw = request.headers.get("Last-Event-ID", "").strip()
    if raw:
        try:
            after = int(raw)
        except ValueError:
            _fail(400, "Last-Event-ID must be an integer")
    else:
        after = _query_int(request, "after") or 0
    # A seq from the future belongs to another world (an emulator restarted without its
    # state file): start from the beginning of this one instead of waiting for it.
    return 0 if after > world.log_seq else max(after, 0)


def _sse(data: JSON, *, event: str | None = None, event_id: int | None = None) -> bytes:
    lines = []
    if event is not None:
        lines.append(f"event: {event}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


def world_info(world: World) -> JSON:
    """What a viewer needs to know whether its picture of the world is still current."""
    return {
        "world_id": world.world_id,
        "epoch": world.epoch,
        "version": world.version,
        "seq": world.log_seq,
    }


async def stream(request: web.Request) -> web.StreamResponse:
    """`GET /control/stream?after=N&peer_id=P`: the activity feed as Server-Sent Events.

    Each log entry is one default (`message`) event with `id: <seq>` and the entry as JSON
    `data`. A `world` event (`world_id`, `epoch`, `version`, `seq`) comes first and again
    whenever users, chats or memberships change or the world is reset. Event-driven: the
    handler sleeps on the world's notifier; idle streams get a comment every 15 s.
    """
    world = _world(request)
    cursor = _stream_start(request, world)
    peer_id = _query_int(request, "peer_id")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(f"retry: {STREAM_RETRY_MS}\n\n".encode())
    announced: tuple[str, int, int] | None = None

    def identity() -> tuple[str, int, int]:
        return world.world_id, world.epoch, world.version

    def pending() -> bool:
        return world.closing or world.log_seq > cursor or identity() != announced

    try:
        while not world.closing:
            if identity() != announced:
                announced = identity()
                await response.write(_sse(world_info(world), event="world"))
            # No await between reading the end and the entries: nothing can slip in between.
            end = world.log_seq
            entries = world.log_after(cursor, peer_id, STREAM_BATCH)
            for entry in entries:
                await response.write(_sse(entry, event_id=entry["seq"]))
                cursor = entry["seq"]
            if len(entries) >= STREAM_BATCH:
                continue
            # Everything up to `end` was sent (entries of other peers are skipped over).
            cursor = max(cursor, end)
            if entries:
                continue
            if not await world.stream_changed.wait_until(pending, STREAM_HEARTBEAT):
                await response.write(b": keep-alive\n\n")
    except ConnectionResetError:
        pass  # the viewer went away
    return response


async def get_world(request: web.Request) -> web.Response:
    """`GET /control/world`: one consistent snapshot for a viewer: the world info (with the
    log `seq` to stream after), the community, all users and chats (with the last message)."""
    world = _world(request)
    chats = []
    for chat in world.chats.values():
        item = chat.to_control(world.bot_id)
        item["last_message"] = chat.messages[-1].to_control() if chat.messages else None
        chats.append(item)
    body = world_info(world)
    body.update(
        group=group_object(world),
        bot_id=world.bot_id,
        users=[user.to_vk() for user in world.users.values()],
        chats=chats,
    )
    return web.json_response(body)


async def get_counters(request: web.Request) -> web.Response:
    return web.json_response(_world(request).counters.to_dict())


# --- faults and long poll --------------------------------------------------------------------


async def set_faults(request: web.Request) -> web.Response:
    world = _world(request)
    body = await _body(request)
    rates = body.get("error_rates", {})
    if not isinstance(rates, dict):
        _fail(400, "error_rates must be an object of error code -> rate")
    error_rates: dict[int, float] = {}
    for code, rate in rates.items():
        if not str(code).isdigit() or int(code) <= 0:
            _fail(400, f"error code {code!r} must be a positive integer")
        error_rates[int(code)] = _rate(rate, f"error_rates[{code}]")
    methods = body.get("methods")
    if methods is not None and (
        not isinstance(methods, list) or not all(isinstance(m, str) for m in methods)
    ):
        _fail(400, "methods must be a list of method names")
    latency = _int(body, "latency_ms", 0)
    if not 0 <= latency <= 60_000:
        _fail(400, "latency_ms must be between 0 and 60000")
    seed = _opt_int(body, "seed")
    failed_uploads = _count(body, "failed_uploads", 0)
    if seed is not None:
        world.rng.seed(seed)
    world.faults = Faults(
        error_rates=error_rates,
        http_500_rate=_rate(body.get("http_500_rate", 0.0), "http_500_rate"),
        latency_ms=latency,
        methods=frozenset(methods) if methods is not None else None,
        failed_uploads=failed_uploads,
    )
    return web.json_response(world.faults.to_dict())


def _count(body: JSON, name: str, default: int | None = None) -> int:
    value = _int(body, name, default)
    if value < 0:
        _fail(400, f"{name} must not be negative")
    return value


async def fail_uploads(request: web.Request) -> web.Response:
    """`POST /control/faults/uploads {"count": N}`: the next N uploads answer `"photo": "[]"`;
    the other faults stay as they are."""
    world = _world(request)
    world.faults.failed_uploads = _count(await _body(request), "count")
    return web.json_response(world.faults.to_dict())


# --- photos ----------------------------------------------------------------------------------


async def list_photos(request: web.Request) -> web.Response:
    return web.json_response(_world(request).photos.to_control())


async def forget_photos(request: web.Request) -> web.Response:
    """Every saved photo's attachment string stops working, as when VK no longer accepts an
    old attachment; the files stay, so messages already sent keep their pictures."""
    return web.json_response({"forgotten": _world(request).photos.forget()})


async def get_faults(request: web.Request) -> web.Response:
    return web.json_response(_world(request).faults.to_dict())


async def clear_faults(request: web.Request) -> web.Response:
    world = _world(request)
    world.faults = Faults()
    return web.json_response(world.faults.to_dict())


async def longpoll_fail(request: web.Request) -> web.Response:
    body = await _body(request)
    code = _int(body, "code")
    if code not in (1, 2, 3):
        _fail(400, "code must be 1, 2 or 3")
    _world(request).force_lp_failure(code)
    return web.json_response({"ok": True, "code": code})


async def expire_key(request: web.Request) -> web.Response:
    _world(request).expire_lp_key()
    return web.json_response({"ok": True})


async def reset(request: web.Request) -> web.Response:
    _world(request).reset()
    return web.json_response({"ok": True})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post("/control/users", create_user)
    r.add_get("/control/users", list_users)
    r.add_post("/control/chats", create_chat)
    r.add_get("/control/chats", list_chats)
    r.add_post("/control/chats/{peer_id}/invite_bot", invite_bot)
    r.add_post("/control/chats/{peer_id}/kick_bot", kick_bot)
    r.add_post("/control/chats/{peer_id}/members", add_member)
    r.add_post("/control/chats/{peer_id}/messages", post_message)
    r.add_get("/control/chats/{peer_id}/messages", list_messages)
    r.add_post("/control/chats/{peer_id}/press", press)
    r.add_get("/control/chats/{peer_id}/event_answers", list_event_answers)
    r.add_get("/control/log", get_log)
    r.add_get("/control/stream", stream)
    r.add_get("/control/world", get_world)
    r.add_get("/control/counters", get_counters)
    r.add_post("/control/faults", set_faults)
    r.add_get("/control/faults", get_faults)
    r.add_delete("/control/faults", clear_faults)
    r.add_post("/control/faults/uploads", fail_uploads)
    r.add_get("/control/photos", list_photos)
    r.add_post("/control/photos/forget", forget_photos)
    r.add_post("/control/longpoll/fail", longpoll_fail)
    r.add_post("/control/longpoll/expire_key", expire_key)
    r.add_post("/control/reset", reset)
