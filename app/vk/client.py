"""The VK API client: the one place that speaks VK's HTTP wire format.

Calls are form-encoded POSTs to ``{api_url}/{method}`` carrying ``v`` and the token;
JSON-valued parameters (keyboard, event_data) travel as JSON strings. Every request, retries
included, first takes a slot from the optional rate limiter. Only transport errors,
HTTP 5xx and VK errors 6 and 10 are retried, with jittered exponential backoff; everything
else surfaces at once as a typed :class:`~app.vk.errors.VKAPIError`.

Photos for messages take VK's three steps (:meth:`VKClient.upload_message_photo`): the two
methods go through :meth:`VKClient.call` like any other; the file itself is one multipart POST
to the upload server, which is not an API method and so takes no rate-limiter slot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from app import metrics
from app.retry import RetryPolicy
from app.vk.errors import VKAPIError, VKError, VKTransportError, VKUploadError, error_for
from app.vk.ratelimit import RateLimiter

log = logging.getLogger(__name__)

ParamValue = str | int | float | bool | None | Mapping[str, Any] | Sequence[Any]


NO_RETRY = RetryPolicy(attempts=1)
DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class LongPollServer:
    key: str
    server: str
    ts: str


@dataclass(frozen=True)
class LongPollResult:
    """One long-poll answer: either new updates and ts, or a ``failed`` code (1, 2, 3, 4)."""

    ts: str | None
    updates: list[dict[str, Any]] = field(default_factory=list)
    failed: int | None = None


@dataclass(frozen=True)
class SentMessage:
    peer_id: int
    message_id: int
    conversation_message_id: int | None


@dataclass(frozen=True)
class VKUser:
    id: int
    first_name: str
    last_name: str


@dataclass(frozen=True)
class ExecuteResult:
    """The slots of an ``execute`` batch; a failed call is ``False`` plus an entry in errors."""

    response: list[Any]
    errors: list[dict[str, Any]]


def encode_params(params: Mapping[str, ParamValue]) -> dict[str, str]:
    """VK takes form fields: JSON objects as JSON strings, lists comma-joined, no Nones."""
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded[key] = "1" if value else "0"
        elif isinstance(value, Mapping):
            encoded[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif isinstance(value, list | tuple):
            encoded[key] = ",".join(str(item) for item in value)
        else:
            encoded[key] = str(value)
    return encoded


class VKClient:
    """Typed calls to the VK API over one shared :class:`aiohttp.ClientSession`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str,
        *,
        api_url: str = "https://api.vk.com/method",
        version: str = "5.199",
        retry: RetryPolicy = DEFAULT_RETRY,
        timeout: float = 10.0,
        upload_timeout: float = 60.0,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._session = session
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._version = version
        self._retry = retry
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # Photos may be up to 50 MB: the upload POST gets a longer budget than API calls.
        self._upload_timeout = aiohttp.ClientTimeout(total=upload_timeout)
        self._limiter = limiter

    async def call_raw(
        self, method: str, params: Mapping[str, ParamValue], *, slot_taken: bool = False
    ) -> dict[str, Any]:
        """POST one method and return VK's whole JSON body, retrying what is safe to retry.

        ``slot_taken``: the caller already took the rate limiter's slot for the first attempt
        (the outbox sender does, so that its batch gathers what became ready while it waited).
        """
        form = encode_params(params) | {"v": self._version}
        headers = {"Authorization": f"Bearer {self._token}"}
        for attempt in range(self._retry.attempts):
            try:
                if self._limiter is not None and not (slot_taken and attempt == 0):
                    await self._limiter.acquire()
                body = await self._post(method, form, headers)
                error = body.get("error")
                if isinstance(error, dict):
                    raise error_for(
                        int(error.get("error_code", 0)), str(error.get("error_msg", ""))
                    )
                metrics.VK_REQUESTS.labels(method, "ok").inc()
                return body
            except (VKTransportError, VKAPIError) as exc:
                result = str(exc.code) if isinstance(exc, VKAPIError) else "transport"
                metrics.VK_REQUESTS.labels(method, result).inc()
                retryable = isinstance(exc, VKTransportError) or exc.retryable
                if not retryable or attempt + 1 >= self._retry.attempts:
                    raise
                delay = self._retry.delay(attempt)
                log.warning("%s failed (%s), retry %d in %.2fs", method, exc, attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the retry loop returns or raises")

    async def call(self, method: str, **params: ParamValue) -> Any:
        """Call a method and return the ``response`` field."""
        return (await self.call_raw(method, params)).get("response")

    async def _post(
        self, method: str, form: dict[str, str], headers: dict[str, str]
    ) -> dict[str, Any]:
        url = f"{self._api_url}/{method}"
        try:
            async with self._session.post(
                url, data=form, headers=headers, timeout=self._timeout
            ) as response:
                if response.status >= 500:
                    raise VKTransportError(f"{method}: HTTP {response.status}")
                if response.status != 200:
                    raise VKTransportError(f"{method}: unexpected HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise VKTransportError(f"{method}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(body, dict):
            raise VKTransportError(f"{method}: body is not a JSON object")
        return body

    # Typed methods --------------------------------------------------------------------------

    async def get_long_poll_server(self, group_id: int) -> LongPollServer:
        response = await self.call("groups.getLongPollServer", group_id=group_id)
        return LongPollServer(
            key=str(response["key"]), server=str(response["server"]), ts=str(response["ts"])
        )

    async def long_poll(self, server: LongPollServer, ts: str, wait: int) -> LongPollResult:
        """One Bots Long Poll request; transport errors raise VKTransportError, unretried."""
        params = {"act": "a_check", "key": server.key, "ts": ts, "wait": str(wait)}
        timeout = aiohttp.ClientTimeout(total=wait + 10)
        try:
            async with self._session.get(server.server, params=params, timeout=timeout) as resp:
                if resp.status != 200:
                    raise VKTransportError(f"long poll: HTTP {resp.status}")
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise VKTransportError(f"long poll: {type(exc).__name__}: {exc}") from exc
        return parse_long_poll(body)

    async def send_message(
        self,
        peer_id: int,
        text: str,
        *,
        random_id: int,
        keyboard: Mapping[str, Any] | None = None,
        attachment: str | None = None,
    ) -> SentMessage:
        """``messages.send`` in the ``peer_ids`` form, which also returns the message's cmid."""
        call = send_message_call(
            peer_id, text, random_id=random_id, keyboard=keyboard, attachment=attachment
        )
        return parse_sent_message(await self.call(call.method, **call.params), peer_id)

    async def upload_message_photo(
        self, data: bytes, filename: str, content_type: str, *, peer_id: int = 0
    ) -> str:
        """Upload a JPG, PNG or GIF for messages; returns ``photo{owner_id}_{id}_{access_key}``
        for ``attachment``. The string stays usable until VK refuses it (error 100 on send);
        then upload again. Raises VKUploadError when the upload server does not take the file."""
        server = await self.call("photos.getMessagesUploadServer", peer_id=peer_id or None)
        uploaded = await self._upload(str(server["upload_url"]), data, filename, content_type)
        saved = await self.call("photos.saveMessagesPhoto", **uploaded)
        photo = saved[0]
        return f"photo{photo['owner_id']}_{photo['id']}_{photo['access_key']}"

    async def _upload(
        self, url: str, data: bytes, filename: str, content_type: str
    ) -> dict[str, ParamValue]:
        """The multipart POST to the upload server; its ``server``, ``photo`` and ``hash``."""
        form = aiohttp.FormData()
        form.add_field("photo", data, filename=filename, content_type=content_type)
        try:
            async with self._session.post(url, data=form, timeout=self._upload_timeout) as resp:
                status = resp.status
                text = await resp.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise VKTransportError(f"photo upload: {type(exc).__name__}: {exc}") from exc
        if status != 200:
            raise VKUploadError(f"photo upload: HTTP {status}")
        try:
            body = json.loads(text)
        except ValueError:
            raise VKUploadError(f"photo upload: not JSON: {text[:200]!r}") from None
        photo = body.get("photo") if isinstance(body, dict) else None
        if not isinstance(photo, str) or photo in ("", "[]") or not {"server", "hash"} <= set(body):
            raise VKUploadError(f"photo upload refused: {text[:200]}")
        return {"photo": photo, "server": body["server"], "hash": body["hash"]}

    async def edit_message(
        self,
        peer_id: int,
        conversation_message_id: int,
        text: str,
        *,
        keyboard: Mapping[str, Any] | None = None,
        attachment: str | None = None,
    ) -> None:
        call = edit_message_call(
            peer_id, conversation_message_id, text, keyboard=keyboard, attachment=attachment
        )
        await self.call(call.method, **call.params)

    async def send_event_answer(
        self, event_id: str, user_id: int, peer_id: int, snackbar: str | None = None
    ) -> None:
        call = event_answer_call(event_id, user_id, peer_id, snackbar)
        await self.call(call.method, **call.params)

    async def get_conversation_members(self, peer_id: int) -> list[VKUser]:
        response = await self.call("messages.getConversationMembers", peer_id=peer_id)
        return [_user(profile) for profile in response.get("profiles", [])]

    async def conversation_admins(self, peer_id: int) -> set[int]:
        """The ids of the conversation's admins (owner included), from getConversationMembers'
        ``is_admin``; VK answers only when the bot itself is an admin there."""
        response = await self.call("messages.getConversationMembers", peer_id=peer_id)
        return {
            int(item["member_id"])
            for item in response.get("items", [])
            if isinstance(item, dict) and item.get("is_admin") and "member_id" in item
        }

    async def get_users(self, user_ids: Sequence[int]) -> list[VKUser]:
        if not user_ids:
            return []
        response = await self.call("users.get", user_ids=list(user_ids))
        return [_user(item) for item in response]

    async def execute(self, code: str, *, slot_taken: bool = False) -> ExecuteResult:
        body = await self.call_raw("execute", {"code": code}, slot_taken=slot_taken)
        response = body.get("response")
        slots = response if isinstance(response, list) else [response]
        return ExecuteResult(response=slots, errors=list(body.get("execute_errors") or []))

    async def execute_calls(
        self, calls: Sequence[Call], *, slot_taken: bool = False
    ) -> list[Any | VKAPIError]:
        """Run up to 25 calls as ONE request; each slot is a result or that call's error."""
        if not 0 < len(calls) <= MAX_EXECUTE_CALLS:
            raise ValueError(f"execute takes 1..{MAX_EXECUTE_CALLS} calls")
        result = await self.execute(vkscript(calls), slot_taken=slot_taken)
        return execute_slots(result, len(calls))

    async def perform(self, call: Call, *, slot_taken: bool = False) -> Any:
        """Run one prepared call on its own."""
        body = await self.call_raw(call.method, call.params, slot_taken=slot_taken)
        return body.get("response")

    async def wait_for_slot(self) -> None:
        """Wait until the rate limiter would let a request go (without taking the slot)."""
        if self._limiter is not None:
            await self._limiter.ready()

    async def take_slot(self) -> None:
        """Wait for (and take) a request slot of the rate limiter, if there is one."""
        if self._limiter is not None:
            await self._limiter.acquire()


MAX_EXECUTE_CALLS = 25


@dataclass(frozen=True)
class Call:
    """One prepared API call: method name and VK-encoded parameters."""

    method: str
    params: dict[str, Any]


def send_message_call(
    peer_id: int,
    text: str,
    *,
    random_id: int,
    keyboard: Mapping[str, Any] | None = None,
    attachment: str | None = None,
) -> Call:
    """``attachment``: comma-separated ``photo{owner_id}_{id}_{access_key}`` strings (≤ 10)."""
    return Call(
        "messages.send",
        _strings(
            peer_ids=str(peer_id),
            random_id=random_id,
            message=text,
            keyboard=keyboard,
            attachment=attachment,
            disable_mentions=1,
            dont_parse_links=1,
        ),
    )


def edit_message_call(
    peer_id: int,
    cmid: int,
    text: str,
    *,
    keyboard: Mapping[str, Any] | None = None,
    attachment: str | None = None,
) -> Call:
    """Like a send, an edit keeps only the keyboard and attachments it passes again."""
    return Call(
        "messages.edit",
        _strings(
            peer_id=peer_id,
            conversation_message_id=cmid,
            message=text,
            keyboard=keyboard,
            attachment=attachment,
            disable_mentions=1,
            dont_parse_links=1,
        ),
    )


def event_answer_call(event_id: str, user_id: int, peer_id: int, snackbar: str | None) -> Call:
    event_data = {"type": "show_snackbar", "text": snackbar[:90]} if snackbar else None
    return Call(
        "messages.sendMessageEventAnswer",
        _strings(event_id=event_id, user_id=user_id, peer_id=peer_id, event_data=event_data),
    )


def _strings(**params: ParamValue) -> dict[str, Any]:
    return dict(encode_params(params))


def vkscript(calls: Sequence[Call]) -> str:
    """``return [API.a.b({...}), ...];`` with the arguments as JSON object literals."""
    parts = [
        f"API.{call.method}({json.dumps(call.params, ensure_ascii=False, separators=(',', ':'))})"
        for call in calls
    ]
    return "return [" + ",".join(parts) + "];"


def execute_slots(result: ExecuteResult, expected: int) -> list[Any | VKAPIError]:
    """Pair each ``false`` slot with its entry of ``execute_errors`` (they come in order)."""
    errors = iter(result.errors)
    slots: list[Any | VKAPIError] = []
    for index in range(expected):
        value = result.response[index] if index < len(result.response) else False
        if value is False:
            error = next(errors, {})
            slots.append(
                error_for(int(error.get("error_code", 0)), str(error.get("error_msg", "failed")))
            )
        else:
            slots.append(value)
    return slots


def _user(item: Mapping[str, Any]) -> VKUser:
    return VKUser(
        id=int(item["id"]),
        first_name=str(item.get("first_name", "")),
        last_name=str(item.get("last_name", "")),
    )


def parse_sent_message(response: Any, peer_id: int) -> SentMessage:
    """Read either form of the messages.send response."""
    if isinstance(response, int):
        return SentMessage(peer_id=peer_id, message_id=response, conversation_message_id=None)
    if isinstance(response, list) and response and isinstance(response[0], dict):
        item = response[0]
        if isinstance(item.get("error"), dict):
            error = item["error"]
            raise error_for(int(error.get("code", 0)), str(error.get("description", "")))
        cmid = item.get("conversation_message_id")
        return SentMessage(
            peer_id=int(item.get("peer_id", peer_id)),
            message_id=int(item.get("message_id", 0)),
            conversation_message_id=int(cmid) if cmid is not None else None,
        )
    raise VKError(f"unexpected messages.send response: {response!r}")


def parse_long_poll(body: Any) -> LongPollResult:
    if not isinstance(body, dict):
        raise VKTransportError("long poll: body is not a JSON object")
    if "failed" in body:
        ts = body.get("ts")
        return LongPollResult(ts=str(ts) if ts is not None else None, failed=int(body["failed"]))
    updates = body.get("updates")
    if "ts" not in body or not isinstance(updates, list):
        raise VKTransportError(f"long poll: unexpected body {str(body)[:200]}")
    return LongPollResult(ts=str(body["ts"]), updates=updates)
