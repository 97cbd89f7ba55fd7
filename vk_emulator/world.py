"""In-memory state of the emulated VK community: users, chats, messages and the event feeds.

Kept free of aiohttp so that the HTTP layers (VK methods, long poll, control API) stay thin
and every state change goes through one place that also records it in the activity feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any, TypeVar

from vk_emulator.photos import PhotoStore

JSON = dict[str, Any]
T = TypeVar("T")

API_VERSION = "5.199"
CHAT_PEER_OFFSET = 2_000_000_000

# What a modern desktop client advertises; bots use it to decide whether inline keyboards work.
CLIENT_INFO: JSON = {
    "button_actions": [
        "text",
        "vkpay",
        "open_app",
        "location",
        "open_link",
        "callback",
        "intent_subscribe",
        "intent_unsubscribe",
    ],
    "keyboard": True,
    "inline_keyboard": True,
    "carousel": True,
    "lang_id": 0,
}


class Notifier:
    """Wakes all waiters on every change; each waiter re-checks its own condition.

    `observer` is notified whenever the number of blocked waiters changes, which lets tests
    know that a long poll is really being held before they trigger an event (no sleeps).
    """

    def __init__(self, observer: Notifier | None = None) -> None:
        self._event: asyncio.Event | None = None
        self._observer = observer
        self.waiting = 0

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait_until(
        self, check: Callable[[], T], wait: float, ready: Callable[[T], bool] = bool
    ) -> T:
        """Returns check()'s result once ready() accepts it, or the last result after `wait`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            result = check()
            remaining = deadline - loop.time()
            if ready(result) or remaining <= 0:
                return result
            if self._event is None:
                # Created lazily so that it binds to the loop that actually waits.
                self._event = asyncio.Event()
            event = self._event
            self._set_waiting(+1)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                self._set_waiting(-1)

    def _set_waiting(self, delta: int) -> None:
        self.waiting += delta
        if self._observer is not None:
            self._observer.notify()


@dataclass
class User:
    id: int
    first_name: str
    last_name: str

    def to_vk(self, fields: Collection[str] = ()) -> JSON:
        obj: JSON = {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "can_access_closed": True,
            "is_closed": False,
        }
        if "screen_name" in fields:
            obj["screen_name"] = f"id{self.id}"
        if "sex" in fields:
            obj["sex"] = 0
        for size in (50, 100, 200):
            if f"photo_{size}" in fields:
                obj[f"photo_{size}"] = f"https://vk.com/images/camera_{size}.png"
        return obj


@dataclass
class ChatMember:
    member_id: int
    invited_by: int
    join_date: int


@dataclass
class Message:
    id: int
    peer_id: int
    conversation_message_id: int
    from_id: int
    text: str
    date: int
    version: int
    random_id: int = 0
    keyboard: JSON | None = None
    payload: str | None = None
    action: JSON | None = None
    edits: int = 0
    update_time: int | None = None
    # VK's attachment objects ({"type": "photo", "photo": {...}}), fixed when sent.
    attachments: list[JSON] = field(default_factory=list)

    def to_vk(self) -> JSON:
        """The messages_base_message shape found in message_new events."""
        obj: JSON = {
            "date": self.date,
            "from_id": self.from_id,
            "id": self.id,
            "out": 1 if self.from_id < 0 else 0,
            "version": self.version,
            "attachments": self.attachments,
            "conversation_message_id": self.conversation_message_id,
            "fwd_messages": [],
            "important": False,
            "is_hidden": False,
            "peer_id": self.peer_id,
            "random_id": self.random_id,
            "text": self.text,
        }
        if self.keyboard is not None:
            obj["keyboard"] = self.keyboard
        if self.payload is not None:
            obj["payload"] = self.payload
        if self.action is not None:
            obj["action"] = self.action
        if self.update_time is not None:
            obj["update_time"] = self.update_time
        return obj

    def to_control(self) -> JSON:
        return {
            "id": self.id,
            "conversation_message_id": self.conversation_message_id,
            "peer_id": self.peer_id,
            "from_id": self.from_id,
            "text": self.text,
            "keyboard": self.keyboard,
            "payload": self.payload,
            "action": self.action,
            "random_id": self.random_id,
            "date": self.date,
            "edits": self.edits,
            "update_time": self.update_time,
            "attachments": self.attachments,
        }


@dataclass
class Chat:
    chat_id: int
    title: str
    owner_id: int
    members: dict[int, ChatMember] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    by_cmid: dict[int, Message] = field(default_factory=dict)
    by_random_id: dict[int, Message] = field(default_factory=dict)

    @property
    def peer_id(self) -> int:
        return CHAT_PEER_OFFSET + self.chat_id

    def to_control(self, bot_id: int) -> JSON:
        return {
            "peer_id": self.peer_id,
            "chat_id": self.chat_id,
            "title": self.title,
            "owner_id": self.owner_id,
            "member_ids": [m for m in self.members if m != bot_id],
            "bot_member": bot_id in self.members,
            "messages_count": len(self.messages),
        }


@dataclass
class CallbackEvent:
    """A callback-button press the bot may answer with messages.sendMessageEventAnswer."""

    event_id: str
    user_id: int
    peer_id: int
    conversation_message_id: int
    payload: Any


@dataclass
class EventAnswer:
    event_id: str
    user_id: int
    peer_id: int
    event_data: JSON | None
    date: int

    def to_control(self) -> JSON:
        return asdict(self)


@dataclass
class Counters:
    requests: int = 0
    requests_by_method: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    duplicate_random_ids: int = 0
    messages_sent: int = 0
    edits: int = 0
    event_answers: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)
    execute_requests: int = 0
    longpoll_requests: int = 0
    photo_uploads: int = 0
    photo_uploads_failed: int = 0
    photo_saves: int = 0

    def to_dict(self) -> JSON:
        return asdict(self)


@dataclass
class Faults:
    """Failure injection for the VK method endpoints (not for long poll or control)."""

    error_rates: dict[int, float] = field(default_factory=dict)
    http_500_rate: float = 0.0
    latency_ms: int = 0
    methods: frozenset[str] | None = None
    # The next N uploads to an upload URL answer `"photo": "[]"` (not limited by `methods`).
    failed_uploads: int = 0

    def applies_to(self, method: str) -> bool:
        return self.methods is None or method in self.methods

    def to_dict(self) -> JSON:
        return {
            "error_rates": {str(code): rate for code, rate in self.error_rates.items()},
            "http_500_rate": self.http_500_rate,
            "latency_ms": self.latency_ms,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "failed_uploads": self.failed_uploads,
        }


class RateLimiter:
    """At most `limit` accepted requests per key in any sliding one-second window."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = self._clock()
        window = self._hits.setdefault(key, deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.limit:
            return False
        window.append(now)
        return True

    def clear(self) -> None:
        self._hits.clear()


def new_key() -> str:
    return secrets.token_hex(20)


STATE_FORMAT = 1
# How much of the activity log and of the callback bookkeeping a state file keeps: enough for a
# web page or a test cursor to resume across a restart, without growing without bound.
PERSISTED_LOG_ENTRIES = 1000
PERSISTED_CALLBACKS = 1000


def _fields_of(cls: type[Any], data: JSON) -> JSON:
    """The keys of `data` that are fields of dataclass `cls` (tolerates extra keys)."""
    names = set(cls.__dataclass_fields__)
    return {key: value for key, value in data.items() if key in names}


class World:
    """All emulator state. Counters that must stay monotonic (long-poll ts, log seq) survive
    `reset()`, so pollers and test cursors keep working across resets.

    Besides the activity log, three numbers describe the world to live viewers (the web chat's
    event stream): `world_id` (random, kept in a state file), `epoch` (bumped by `reset()`) and
    `version` (bumped when users, chats or memberships change). `on_change` callbacks run after
    every recorded change (the state file uses them to schedule a save).
    """

    def __init__(
        self,
        group_id: int,
        *,
        history_size: int = 10_000,
        log_size: int = 50_000,
        rate_limit: int = 20,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.group_id = group_id
        self.clock = clock
        self.waiters = Notifier()
        self.updates_changed = Notifier(self.waiters)
        self.feed_changed = Notifier(self.waiters)
        # Woken by log entries and by changes of users/chats; the web chat's stream waits here.
        self.stream_changed = Notifier(self.waiters)
        self.on_change: list[Callable[[], None]] = []
        self.world_id = secrets.token_hex(8)
        self.epoch = 0
        self.version = 0
        self.rate_limiter = RateLimiter(rate_limit)
        self.rng = random.Random()
        self.lp_ts = 0
        self.lp_key = new_key()
        self.lp_forced_failure: int | None = None
        self.closing = False
        self.log_seq = 0
        self._events: deque[tuple[int, JSON]] = deque(maxlen=history_size)
        self._log: deque[JSON] = deque(maxlen=log_size)
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages_by_id: dict[int, Message] = {}
        self.callback_events: dict[str, CallbackEvent] = {}
        self.answers: list[EventAnswer] = []
        self.counters = Counters()
        self.faults = Faults()
        # Photos are not kept in the state file: after a restart old attachment strings are
        # refused, as VK may refuse them, and senders upload again.
        self.photos = PhotoStore(-group_id)
        self._next_user_id = 1
        self._next_chat_id = 1
        self._next_message_id = 1
        self._next_version = 1

    @property
    def bot_id(self) -> int:
        return -self.group_id

    def now(self) -> int:
        return int(self.clock())

    def reset(self) -> None:
        self._events.clear()
        self._log.clear()
        self.users.clear()
        self.chats.clear()
        self.messages_by_id.clear()
        self.callback_events.clear()
        self.answers.clear()
        self.counters = Counters()
        self.faults = Faults()
        self.photos = PhotoStore(self.bot_id)
        self.rate_limiter.clear()
        self.lp_forced_failure = None
        self._next_user_id = 1
        self._next_chat_id = 1
        self._next_message_id = 1
        self.epoch += 1
        self.updates_changed.notify()
        self.feed_changed.notify()
        self.changed(structure=True)

    def close(self) -> None:
        """Releases held long polls, log waits and event streams so that shutdown does not
        hang on them."""
        self.closing = True
        self.updates_changed.notify()
        self.feed_changed.notify()
        self.stream_changed.notify()

    def changed(self, *, structure: bool = False) -> None:
        """Records that the world changed: wakes event streams, runs `on_change` callbacks.
        `structure` marks a change of users, chats or memberships (bumps `version`)."""
        if structure:
            self.version += 1
        self.stream_changed.notify()
        for callback in self.on_change:
            callback()

    def force_lp_failure(self, code: int) -> None:
        self.lp_forced_failure = code
        self.updates_changed.notify()

    def expire_lp_key(self) -> None:
        self.lp_key = new_key()
        self.updates_changed.notify()
        self.changed()

    # --- users and chats -------------------------------------------------------------------

    def add_user(self, first_name: str, last_name: str, user_id: int | None = None) -> User:
        if user_id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            user_id = self._next_user_id
        elif user_id <= 0 or user_id >= CHAT_PEER_OFFSET:
            raise ValueError(f"user id must be in 1..{CHAT_PEER_OFFSET - 1}")
        elif user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = User(user_id, first_name, last_name)
        self.users[user_id] = user
        self.changed(structure=True)
        return user

    def add_chat(self, title: str, member_ids: Iterable[int], *, bot_member: bool) -> Chat:
        members = list(dict.fromkeys(member_ids))
        unknown = [m for m in members if m not in self.users]
        if unknown:
            raise ValueError(f"unknown user ids: {unknown}")
        owner = members[0] if members else 0
        chat = Chat(self._next_chat_id, title, owner)
        self._next_chat_id += 1
        now = self.now()
        for member_id in members:
            chat.members[member_id] = ChatMember(member_id, owner, now)
        if bot_member:
            chat.members[self.bot_id] = ChatMember(self.bot_id, owner, now)
        self.chats[chat.peer_id] = chat
        self.changed(structure=True)
        return chat

    def add_member(self, chat: Chat, user_id: int, invited_by: int | None = None) -> ChatMember:
        if user_id not in self.users:
            raise ValueError(f"unknown user id {user_id}")
        if user_id in chat.members:
            raise ValueError(f"user {user_id} is already a member")
        member = ChatMember(user_id, invited_by or chat.owner_id or user_id, self.now())
        chat.members[user_id] = member
        self.changed(structure=True)
        return member

    def bot_in(self, chat: Chat) -> bool:
        return self.bot_id in chat.members

    def invite_bot(self, chat: Chat, by: int) -> tuple[Message, JSON, JSON]:
        """Adds the bot and delivers the chat_invite_user service message, as VK does."""
        chat.members[self.bot_id] = ChatMember(self.bot_id, by, self.now())
        self.changed(structure=True)
        action = {"type": "chat_invite_user", "member_id": self.bot_id}
        return self._user_message(chat, by, "", payload=None, action=action)

    def kick_bot(self, chat: Chat) -> None:
        chat.members.pop(self.bot_id, None)
        self.changed(structure=True)

    # --- messages ---------------------------------------------------------------------------

    def store_message(
        self,
        chat: Chat,
        from_id: int,
        text: str,
        *,
        keyboard: JSON | None = None,
        payload: str | None = None,
        random_id: int = 0,
        action: JSON | None = None,
        attachments: list[JSON] | None = None,
    ) -> Message:
        msg = Message(
            id=self._next_message_id,
            peer_id=chat.peer_id,
            conversation_message_id=len(chat.messages) + 1,
            from_id=from_id,
            text=text,
            date=self.now(),
            version=self._bump_version(),
            random_id=random_id,
            keyboard=keyboard,
            payload=payload,
            action=action,
            attachments=attachments or [],
        )
        self._next_message_id += 1
        chat.messages.append(msg)
        chat.by_cmid[msg.conversation_message_id] = msg
        self.messages_by_id[msg.id] = msg
        if random_id and from_id == self.bot_id:
            chat.by_random_id[random_id] = msg
        return msg

    def post_user_message(
        self, chat: Chat, from_id: int, text: str, payload: str | None = None
    ) -> tuple[Message, JSON | None, JSON]:
        """Stores a user's message; it reaches the bot's long poll only if the bot is a member."""
        if self.bot_in(chat):
            return self._user_message(chat, from_id, text, payload=payload, action=None)
        msg = self.store_message(chat, from_id, text, payload=payload)
        entry = self.log("user_message", chat.peer_id, message=msg.to_control(), event_id=None)
        return msg, None, entry

    def _user_message(
        self, chat: Chat, from_id: int, text: str, *, payload: str | None, action: JSON | None
    ) -> tuple[Message, JSON, JSON]:
        msg = self.store_message(chat, from_id, text, payload=payload, action=action)
        envelope = self.emit("message_new", {"message": msg.to_vk(), "client_info": CLIENT_INFO})
        entry = self.log(
            "user_message", chat.peer_id, message=msg.to_control(), event_id=envelope["event_id"]
        )
        return msg, envelope, entry

    def send_bot_message(
        self,
        chat: Chat,
        text: str,
        *,
        keyboard: JSON | None,
        payload: str | None,
        random_id: int,
        attachments: list[JSON] | None = None,
    ) -> tuple[Message, bool]:
        """Returns (message, duplicate); a repeated non-zero random_id yields the original."""
        original = chat.by_random_id.get(random_id) if random_id else None
        if original is not None:
            self.counters.duplicate_random_ids += 1
            self.log(
                "duplicate_random_id",
                chat.peer_id,
                random_id=random_id,
                message=original.to_control(),
            )
            return original, True
        msg = self.store_message(
            chat,
            self.bot_id,
            text,
            keyboard=keyboard,
            payload=payload,
            random_id=random_id,
            attachments=attachments,
        )
        self.counters.messages_sent += 1
        self.log("bot_message", chat.peer_id, message=msg.to_control())
        return msg, False

    def edit_bot_message(
        self, msg: Message, text: str, keyboard: JSON | None, attachments: list[JSON] | None = None
    ) -> None:
        msg.text = text
        msg.keyboard = keyboard
        msg.attachments = attachments or []
        msg.edits += 1
        msg.update_time = self.now()
        msg.version = self._bump_version()
        self.counters.edits += 1
        self.log("bot_edit", msg.peer_id, message=msg.to_control())

    def _bump_version(self) -> int:
        self._next_version += 1
        return self._next_version

    # --- callback buttons -------------------------------------------------------------------

    def press_callback(
        self, chat: Chat, user_id: int, cmid: int, payload: Any
    ) -> tuple[CallbackEvent, JSON, JSON]:
        event = CallbackEvent(secrets.token_hex(6), user_id, chat.peer_id, cmid, payload)
        self.callback_events[event.event_id] = event
        envelope = self.emit("message_event", asdict(event))
        entry = self.log(
            "button_press",
            chat.peer_id,
            event_id=event.event_id,
            user_id=user_id,
            conversation_message_id=cmid,
            payload=payload,
            lp_event_id=envelope["event_id"],
        )
        return event, envelope, entry

    def answer_event(self, event: CallbackEvent, event_data: JSON | None) -> EventAnswer:
        answer = EventAnswer(event.event_id, event.user_id, event.peer_id, event_data, self.now())
        self.answers.append(answer)
        self.counters.event_answers += 1
        self.log("event_answer", event.peer_id, answer=answer.to_control())
        return answer

    # --- long-poll event history ------------------------------------------------------------

    def emit(self, event_type: str, obj: JSON) -> JSON:
        self.lp_ts += 1
        envelope: JSON = {
            "type": event_type,
            "object": obj,
            "group_id": self.group_id,
            "event_id": secrets.token_hex(20),
            "v": API_VERSION,
        }
        self._events.append((self.lp_ts, envelope))
        self.updates_changed.notify()
        return envelope

    def updates_since(self, ts: int, limit: int) -> list[tuple[int, JSON]] | None:
        """Events with ts > `ts`; None when some of them were already dropped from history."""
        oldest = self._events[0][0] if self._events else self.lp_ts + 1
        if ts < oldest - 1 or ts > self.lp_ts:
            return None
        start = ts - oldest + 1
        return list(islice(self._events, start, start + limit))

    # --- activity feed ----------------------------------------------------------------------

    def log(self, kind: str, peer_id: int | None, **fields: Any) -> JSON:
        self.log_seq += 1
        # "at" (unix time, float) lets tests check ordering against deadlines and lets
        # benchmarks measure latency from the emulator's own clock.
        entry: JSON = {
            "seq": self.log_seq,
            "kind": kind,
            "peer_id": peer_id,
            "at": time.time(),
            **fields,
        }
        self._log.append(entry)
        self.feed_changed.notify()
        self.changed()
        return entry

    def log_after(self, after: int, peer_id: int | None = None, limit: int = 1000) -> list[JSON]:
        if not self._log:
            return []
        # Sequence numbers are contiguous inside the deque, so the start index is direct.
        start = max(0, after - self._log[0]["seq"] + 1)
        found: list[JSON] = []
        for entry in islice(self._log, start, None):
            if peer_id is None or entry["peer_id"] == peer_id:
                found.append(entry)
                if len(found) >= limit:
                    break
        return found

    def record_api_error(self, method: str, code: int, msg: str, params: JSON) -> None:
        key = str(code)
        self.counters.errors_by_code[key] = self.counters.errors_by_code.get(key, 0) + 1
        peer_id: int | None = None
        with contextlib.suppress(KeyError, TypeError, ValueError):
            peer_id = int(params["peer_id"])
        self.log("api_error", peer_id, method=method, error_code=code, error_msg=msg, params=params)

    # --- state file -------------------------------------------------------------------------

    def dump_state(self) -> JSON:
        """Everything needed to continue after a restart, as plain JSON data: users, chats with
        their members and messages (keyboards, edits), the id counters, the long-poll key, ts
        and kept events, the activity-log seq (with the newest entries), answers and counters.
        Faults, rate-limit windows and photos are deliberately not kept (messages keep their
        `attachments`; their strings are refused after a restart, and senders upload again)."""
        callbacks = list(self.callback_events.values())[-PERSISTED_CALLBACKS:]
        return {
            "format": STATE_FORMAT,
            "saved_at": self.clock(),
            "world_id": self.world_id,
            "group_id": self.group_id,
            "epoch": self.epoch,
            "version": self.version,
            "lp_ts": self.lp_ts,
            "lp_key": self.lp_key,
            "log_seq": self.log_seq,
            "next_ids": {
                "user": self._next_user_id,
                "chat": self._next_chat_id,
                "message": self._next_message_id,
                "version": self._next_version,
            },
            "users": [asdict(user) for user in self.users.values()],
            "chats": [
                {
                    "chat_id": chat.chat_id,
                    "title": chat.title,
                    "owner_id": chat.owner_id,
                    "members": [asdict(member) for member in chat.members.values()],
                    "messages": [asdict(msg) for msg in chat.messages],
                }
                for chat in self.chats.values()
            ],
            "callback_events": [asdict(event) for event in callbacks],
            "answers": [answer.to_control() for answer in self.answers[-PERSISTED_CALLBACKS:]],
            "counters": self.counters.to_dict(),
            "events": [[ts, envelope] for ts, envelope in self._events],
            "log": list(self._log)[-PERSISTED_LOG_ENTRIES:],
        }

    def load_state(self, data: JSON) -> None:
        """Replaces this world's state with `dump_state()` output; raises ValueError (or
        KeyError/TypeError) on data that is not such a state."""
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported state format {data.get('format')!r}")
        if data["group_id"] != self.group_id:
            raise ValueError(
                f"the state belongs to group {data['group_id']}, not to group {self.group_id}"
            )
        users = {u["id"]: User(**_fields_of(User, u)) for u in data["users"]}
        chats: dict[int, Chat] = {}
        messages_by_id: dict[int, Message] = {}
        for raw in data["chats"]:
            chat = Chat(raw["chat_id"], raw["title"], raw["owner_id"])
            for member in raw["members"]:
                chat.members[member["member_id"]] = ChatMember(**_fields_of(ChatMember, member))
            for raw_msg in raw["messages"]:
                msg = Message(**_fields_of(Message, raw_msg))
                chat.messages.append(msg)
                chat.by_cmid[msg.conversation_message_id] = msg
                messages_by_id[msg.id] = msg
                if msg.random_id and msg.from_id == self.bot_id:
                    chat.by_random_id[msg.random_id] = msg
            chats[chat.peer_id] = chat
        callbacks = [CallbackEvent(**_fields_of(CallbackEvent, e)) for e in data["callback_events"]]
        answers = [EventAnswer(**_fields_of(EventAnswer, a)) for a in data["answers"]]
        counters = Counters(**_fields_of(Counters, data["counters"]))
        events = [(int(ts), envelope) for ts, envelope in data["events"]]
        log = list(data["log"])
        next_ids = data["next_ids"]
        # Everything parsed: only now replace the state, so a bad file changes nothing.
        self.world_id = str(data["world_id"])
        self.epoch = int(data["epoch"])
        self.version = int(data["version"])
        self.lp_ts = int(data["lp_ts"])
        self.lp_key = str(data["lp_key"])
        self.log_seq = int(data["log_seq"])
        self._next_user_id = int(next_ids["user"])
        self._next_chat_id = int(next_ids["chat"])
        self._next_message_id = int(next_ids["message"])
        self._next_version = int(next_ids["version"])
        self.users = users
        self.chats = chats
        self.messages_by_id = messages_by_id
        self.callback_events = {event.event_id: event for event in callbacks}
        self.answers = answers
        self.counters = counters
        self._events.clear()
        self._events.extend(events)
        self._log.clear()
        self._log.extend(log)
