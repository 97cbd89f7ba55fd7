"""Typed async client for the emulator's control API, used by tests and benchmarks.

Synchronisation is built on `/control/log` long polling: `wait_for` returns as soon as a matching
activity entry exists, so callers never need to sleep. The client keeps a cursor (`mark`): the
seq of the last entry it caused (a user message, a press, an invite) or matched. By default
`wait_for` looks only at entries after that cursor, i.e. at what happened in reaction to the
caller's last step.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiohttp

JSON = dict[str, Any]
Predicate = Callable[[JSON], bool]

MAX_POLL_WAIT = 30.0


class ControlError(RuntimeError):
    """The control API rejected a request (4xx/5xx)."""

    def __init__(self, status: int, body: Any, what: str) -> None:
        self.status = status
        self.body = body
        super().__init__(f"{what} failed with HTTP {status}: {body}")


def describe(entry: JSON) -> str:
    """One readable line per log entry, for timeout messages."""
    parts = [f"#{entry.get('seq')} {entry.get('kind')} peer={entry.get('peer_id')}"]
    message = entry.get("message")
    if isinstance(message, dict):
        text = str(message.get("text", ""))
        parts.append(f"cmid={message.get('conversation_message_id')} text={text[:80]!r}")
    if entry.get("kind") == "api_error":
        parts.append(f"{entry.get('method')} error {entry.get('error_code')}")
    if entry.get("kind") == "button_press":
        parts.append(f"payload={entry.get('payload')}")
    return " ".join(parts)


class ControlClient:
    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None
        self.mark = 0

    async def __aenter__(self) -> ControlClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _request(
        self,
        method: str,
        path: str,
        body: JSON | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        url = f"{self.base_url}/control{path}"
        async with self._http().request(method, url, json=body, params=params) as resp:
            data = await resp.json(content_type=None)
            if resp.status >= 400:
                raise ControlError(resp.status, data, f"{method} {path}")
            return data

    def _advance(self, result: JSON) -> JSON:
        seq = result.get("seq")
        if isinstance(seq, int):
            self.mark = max(self.mark, seq)
        return result

    # --- world setup -----------------------------------------------------------------------

    async def create_user(
        self, first_name: str, last_name: str = "", user_id: int | None = None
    ) -> JSON:
        body: JSON = {"first_name": first_name, "last_name": last_name}
        if user_id is not None:
            body["id"] = user_id
        result: JSON = await self._request("POST", "/users", body)
        return result

    async def create_chat(
        self, title: str, member_ids: list[int], *, bot_member: bool = True
    ) -> JSON:
        body = {"title": title, "member_ids": member_ids, "bot_member": bot_member}
        result: JSON = await self._request("POST", "/chats", body)
        return result

    async def invite_bot(self, peer_id: int, by: int | None = None) -> JSON:
        body = {} if by is None else {"by": by}
        return self._advance(await self._request("POST", f"/chats/{peer_id}/invite_bot", body))

    async def kick_bot(self, peer_id: int) -> JSON:
        result: JSON = await self._request("POST", f"/chats/{peer_id}/kick_bot")
        return result

    async def add_member(self, peer_id: int, user_id: int) -> JSON:
        result: JSON = await self._request(
            "POST", f"/chats/{peer_id}/members", {"user_id": user_id}
        )
        return result

    # --- user activity ---------------------------------------------------------------------

    async def send_message(
        self, peer_id: int, from_id: int, text: str, payload: JSON | str | None = None
    ) -> str | None:
        """Posts a user's message; returns the long-poll event_id (None if the bot is not in the
        chat and so receives nothing)."""
        body: JSON = {"from_id": from_id, "text": text}
        if payload is not None:
            body["payload"] = payload
        result = self._advance(await self._request("POST", f"/chats/{peer_id}/messages", body))
        event_id: str | None = result["event_id"]
        return event_id

    async def press(
        self,
        peer_id: int,
        user_id: int,
        cmid: int,
        *,
        label: str | None = None,
        payload: JSON | None = None,
    ) -> str:
        """Presses a button by label (or sends a message_event with `payload`); returns the
        message_event's event_id to look up the bot's answer (for a text button: the
        long-poll event_id of the resulting message_new)."""
        body: JSON = {"user_id": user_id, "conversation_message_id": cmid}
        if label is not None:
            body["label"] = label
        if payload is not None:
            body["payload"] = payload
        result = self._advance(await self._request("POST", f"/chats/{peer_id}/press", body))
        event_id: str = result["event_id"]
        return event_id

    # --- inspection ------------------------------------------------------------------------

    async def users(self) -> list[JSON]:
        result: list[JSON] = await self._request("GET", "/users")
        return result

    async def chats(self) -> list[JSON]:
        result: list[JSON] = await self._request("GET", "/chats")
        return result

    async def world(self) -> JSON:
        """The snapshot the web chat starts from: world info, community, users and chats."""
        result: JSON = await self._request("GET", "/world")
        return result

    async def messages(self, peer_id: int) -> list[JSON]:
        result: list[JSON] = await self._request("GET", f"/chats/{peer_id}/messages")
        return result

    async def event_answers(self, peer_id: int) -> list[JSON]:
        result: list[JSON] = await self._request("GET", f"/chats/{peer_id}/event_answers")
        return result

    async def counters(self) -> JSON:
        result: JSON = await self._request("GET", "/counters")
        return result

    async def log(
        self, after: int = 0, wait: float = 0.0, peer_id: int | None = None, limit: int = 1000
    ) -> JSON:
        params = {"after": str(after), "wait": f"{wait:.3f}", "limit": str(limit)}
        if peer_id is not None:
            params["peer_id"] = str(peer_id)
        result: JSON = await self._request("GET", "/log", params=params)
        return result

    async def checkpoint(self) -> int:
        """Moves the cursor to the newest entry, so later waits ignore everything before now."""
        seq: int = (await self.log(limit=0))["seq"]
        self.mark = seq
        return seq

    # --- faults and long poll --------------------------------------------------------------

    async def set_faults(
        self,
        *,
        error_rates: dict[int, float] | None = None,
        http_500_rate: float = 0.0,
        latency_ms: int = 0,
        methods: list[str] | None = None,
        seed: int | None = None,
        failed_uploads: int = 0,
    ) -> JSON:
        body: JSON = {
            "error_rates": {str(code): rate for code, rate in (error_rates or {}).items()},
            "http_500_rate": http_500_rate,
            "latency_ms": latency_ms,
            "methods": methods,
            "failed_uploads": failed_uploads,
        }
        if seed is not None:
            body["seed"] = seed
        result: JSON = await self._request("POST", "/faults", body)
        return result

    async def clear_faults(self) -> None:
        await self._request("DELETE", "/faults")

    async def fail_uploads(self, count: int) -> JSON:
        """The next `count` photo uploads answer `"photo": "[]"`; other faults are kept."""
        result: JSON = await self._request("POST", "/faults/uploads", {"count": count})
        return result

    # --- photos ----------------------------------------------------------------------------

    async def photos(self) -> list[JSON]:
        """Saved photos: VK's photo objects plus their `attachment` strings."""
        result: list[JSON] = await self._request("GET", "/photos")
        return result

    async def forget_photos(self) -> int:
        """Makes every saved photo unknown: sending its attachment string gets error 100."""
        result: JSON = await self._request("POST", "/photos/forget")
        forgotten: int = result["forgotten"]
        return forgotten

    async def longpoll_fail(self, code: int) -> None:
        await self._request("POST", "/longpoll/fail", {"code": code})

    async def expire_key(self) -> None:
        await self._request("POST", "/longpoll/expire_key")

    async def reset(self) -> None:
        await self._request("POST", "/reset")
        await self.checkpoint()

    # --- waiting ---------------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Predicate,
        timeout: float = 5.0,  # noqa: ASYNC109 - bounds the server-side log hold too
        *,
        after_seq: int | None = None,
        peer_id: int | None = None,
        description: str = "a matching entry",
    ) -> JSON:
        """Returns the first log entry after `after_seq` (default: the cursor) that satisfies
        `predicate`, and moves the cursor to it. Raises TimeoutError listing recent entries."""
        start = self.mark if after_seq is None else after_seq
        cursor = start
        recent: deque[JSON] = deque(maxlen=15)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = "\n  ".join(describe(e) for e in recent) or "(no entries)"
                raise TimeoutError(
                    f"no {description} within {timeout}s after seq {start}"
                    f"{f' in peer {peer_id}' if peer_id is not None else ''}; "
                    f"last entries seen:\n  {seen}"
                )
            page = await self.log(cursor, min(remaining, MAX_POLL_WAIT), peer_id)
            entries: list[JSON] = page["entries"]
            for entry in entries:
                recent.append(entry)
                if predicate(entry):
                    self.mark = max(self.mark, entry["seq"])
                    return entry
            cursor = max(cursor, page["seq"])

    async def wait_for_bot_message(
        self,
        peer_id: int,
        contains: str | None = None,
        *,
        after_seq: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - bounds the server-side log hold too
    ) -> JSON:
        def matches(entry: JSON) -> bool:
            return entry["kind"] == "bot_message" and (
                contains is None or contains in entry["message"]["text"]
            )

        what = "bot message" + (f" containing {contains!r}" if contains is not None else "")
        return await self.wait_for(
            matches, timeout, after_seq=after_seq, peer_id=peer_id, description=what
        )

    async def wait_for_event_answer(
        self,
        peer_id: int,
        event_id: str | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        def matches(entry: JSON) -> bool:
            return entry["kind"] == "event_answer" and (
                event_id is None or entry["answer"]["event_id"] == event_id
            )

        return await self.wait_for(
            matches, timeout, peer_id=peer_id, description=f"event answer {event_id or ''}"
        )
