"""Open-loop load over many chats, with the reply latency read from the emulator's feed.

Each chat has at most one stimulus in flight: a player's message or button press the driver
posts through the control API. Its latency runs from the feed entry of that stimulus
(``user_message`` / ``button_press``: the moment the emulator made it visible to the bot) to
the chat's next ``bot_message`` / ``bot_edit`` / ``event_answer`` entry (the moment the
emulator received the bot's first resulting VK call). The chat is busy until the last reply
the stimulus causes has arrived (recognised by its text), so replies are never attributed to
the wrong stimulus.

A script says what to do next in a chat. :class:`GameScript` plays solo games for real:
«Досрочный ответ» (press) → answer (message) → next round …, and after the results ``/start``
→ «Играю» → «Начать игру». :class:`FloorScript` sends plain messages (the floor replies to
each with one ``messages.send``); :class:`HelpScript` asks the product for ``/help``.

The rate is paced by the driver's clock (that is its job); a tick that finds no idle chat is
counted as ``starved`` and not sent, so an overloaded step shows up as a shortfall of the
achieved rate.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from bench.feed import BOT_KINDS, USER_KINDS, Entry
from bench.stats import summary_ms


@dataclass
class Stimulus:
    """What to post, and how to recognise the last reply it causes."""

    kind: str  # a label for the results: early, answer, start, join, begin, floor
    path: str  # control API path under /control
    body: dict[str, Any]
    done: Callable[[Entry], bool]


@dataclass
class ChatState:
    peer_id: int
    user_id: int
    phase: str
    cmid: int | None = None
    busy: bool = False
    step: int = -1
    kind: str = ""
    posted: float = 0.0  # driver monotonic time, for the stuck check only
    stimulus_at: float | None = None  # emulator time of the stimulus entry
    replied: bool = False
    stuck: bool = False


class Script(Protocol):
    def next(self, chat: ChatState) -> Stimulus: ...

    def advance(self, chat: ChatState, entry: Entry) -> None: ...


def _is_question(entry: Entry) -> bool:
    if entry["kind"] != "bot_message":  # an event answer has no message
        return False
    text = str(entry["message"]["text"])
    return text.startswith("Раунд ") and "Вопрос:" in text


def _bot_message_with(fragment: str) -> Callable[[Entry], bool]:
    def done(entry: Entry) -> bool:
        return entry["kind"] == "bot_message" and fragment in str(entry["message"]["text"])

    return done


def _press(chat: ChatState, cmd: str) -> tuple[str, dict[str, Any]]:
    body = {"user_id": chat.user_id, "conversation_message_id": chat.cmid, "payload": {"cmd": cmd}}
    return f"/chats/{chat.peer_id}/press", body


def _message(chat: ChatState, text: str) -> tuple[str, dict[str, Any]]:
    return f"/chats/{chat.peer_id}/messages", {"from_id": chat.user_id, "text": text}


def _answer_done(entry: Entry) -> bool:
    return _is_question(entry) or _bot_message_with("Игра окончена")(entry)


class GameScript:
    """Solo games played through: press early, answer, next round; at the end start again."""

    ANSWERS = ("не знаю", "Пушкин", "42", "вода", "Москва")

    def __init__(self, seed: int = 1) -> None:
        self._rng = random.Random(seed)

    def next(self, chat: ChatState) -> Stimulus:
        if chat.phase == "early":
            return Stimulus("early", *_press(chat, "early"), _bot_message_with("Отвечает"))
        if chat.phase == "answer":
            text = self._rng.choice(self.ANSWERS)
            return Stimulus("answer", *_message(chat, text), _answer_done)
        if chat.phase == "start":
            return Stimulus("start", *_message(chat, "/start"), _bot_message_with("Собираем"))
        if chat.phase == "join":
            return Stimulus("join", *_press(chat, "join"), lambda e: e["kind"] == "bot_edit")
        if chat.phase == "begin":
            return Stimulus("begin", *_press(chat, "begin"), _is_question)
        raise ValueError(f"unknown phase {chat.phase}")

    def advance(self, chat: ChatState, entry: Entry) -> None:
        """The stimulus's last reply arrived: move the chat on."""
        if chat.phase == "early":
            chat.phase = "answer"
        elif chat.phase == "answer":
            if _is_question(entry):
                chat.phase, chat.cmid = "early", entry["message"]["conversation_message_id"]
            else:
                chat.phase, chat.cmid = "start", None
        elif chat.phase == "start":
            chat.phase, chat.cmid = "join", entry["message"]["conversation_message_id"]
        elif chat.phase == "join":
            chat.phase = "begin"
        elif chat.phase == "begin":
            chat.phase, chat.cmid = "early", entry["message"]["conversation_message_id"]


class FloorScript:
    """One plain message per stimulus; the floor answers each with one messages.send."""

    def __init__(self) -> None:
        self._n = 0

    def next(self, chat: ChatState) -> Stimulus:
        self._n += 1
        return Stimulus(
            "floor", *_message(chat, f"ping {self._n}"), lambda e: e["kind"] == "bot_message"
        )

    def advance(self, chat: ChatState, entry: Entry) -> None:
        return None


class HelpScript:
    """`/help` per stimulus: the product's plain one-call reply (scenario 6, VK's budget)."""

    def next(self, chat: ChatState) -> Stimulus:
        return Stimulus("help", *_message(chat, "/help"), lambda e: e["kind"] == "bot_message")

    def advance(self, chat: ChatState, entry: Entry) -> None:
        return None


@dataclass
class StepResult:
    rate: float
    seconds: float
    sent: int = 0
    starved: int = 0
    errors: int = 0
    timeouts: int = 0
    post_failures: int = 0
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def summary(self, limit_ms: float) -> dict[str, Any]:
        lat = summary_ms(self.latencies)
        achieved = self.sent / self.seconds if self.seconds else 0.0
        # An unanswered stimulus has no latency but counts against p99: more than 1 % of them
        # and the step's p99 is unbounded.
        missing = self.timeouts / self.sent if self.sent else 0.0
        p99 = lat["p99"]
        ok = (
            p99 is not None
            and p99 <= limit_ms
            and missing <= 0.01
            and achieved >= 0.95 * self.rate
            and self.errors == 0
        )
        return {
            "offered_rate": self.rate,
            "achieved_rate": round(achieved, 1),
            "seconds": round(self.seconds, 2),
            "sent": self.sent,
            "starved": self.starved,
            "timeouts": self.timeouts,
            "vk_errors": self.errors,
            "post_failures": self.post_failures,
            "latency_ms": lat,
            "latency_ms_by_kind": {
                kind: summary_ms(values) for kind, values in sorted(self.by_kind.items())
            },
            "within_limit": ok,
        }


class LoadRunner:
    """Drives the chats of one scenario; ``on_entry`` must receive every feed entry."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        control_url: str,
        chats: list[ChatState],
        script: Script,
        *,
        seed: int = 1,
        stuck_after: float = 15.0,
    ) -> None:
        self._http = http
        self._url = control_url.rstrip("/") + "/control"
        self.chats = {chat.peer_id: chat for chat in chats}
        self._script = script
        self._rng = random.Random(seed)
        self._idle: list[int] = [chat.peer_id for chat in chats]
        self._stimuli: dict[int, Stimulus] = {}
        self._step: StepResult | None = None
        self._steps: list[StepResult] = []
        self._stuck_after = stuck_after
        self._posts: set[asyncio.Task[None]] = set()
        self._idle_changed = asyncio.Event()

    # Feed side ----------------------------------------------------------------------------

    def on_entry(self, entry: Entry) -> None:
        chat = self.chats.get(entry.get("peer_id") or 0)
        if chat is None or not chat.busy:
            return
        kind = entry["kind"]
        if kind in USER_KINDS:
            if chat.stimulus_at is None:
                chat.stimulus_at = float(entry["at"])
            return
        step = self._steps[chat.step] if 0 <= chat.step < len(self._steps) else None
        if kind == "api_error":
            if step is not None:
                step.errors += 1
            return
        if kind not in BOT_KINDS or chat.stimulus_at is None:
            return
        if not chat.replied:
            chat.replied = True
            latency = float(entry["at"]) - chat.stimulus_at
            if step is not None:
                step.latencies.append(latency)
                step.by_kind.setdefault(chat.kind, []).append(latency)
        if self._stimuli[chat.peer_id].done(entry):
            self._script.advance(chat, entry)
            self._release(chat)

    def _release(self, chat: ChatState) -> None:
        chat.busy = False
        chat.stimulus_at = None
        self._stimuli.pop(chat.peer_id, None)
        self._idle.append(chat.peer_id)
        self._idle_changed.set()

    # Driver side --------------------------------------------------------------------------

    def _fire(self, step_index: int) -> bool:
        step = self._steps[step_index]
        while self._idle:
            index = self._rng.randrange(len(self._idle))
            self._idle[index], self._idle[-1] = self._idle[-1], self._idle[index]
            chat = self.chats[self._idle.pop()]
            if chat.stuck:
                continue
            stimulus = self._script.next(chat)
            chat.busy, chat.replied, chat.stimulus_at = True, False, None
            chat.step, chat.kind, chat.posted = step_index, stimulus.kind, time.monotonic()
            self._stimuli[chat.peer_id] = stimulus
            step.sent += 1
            task = asyncio.create_task(self._post(chat, stimulus, step))
            self._posts.add(task)
            task.add_done_callback(self._posts.discard)
            return True
        step.starved += 1
        return False

    async def _post(self, chat: ChatState, stimulus: Stimulus, step: StepResult) -> None:
        try:
            async with self._http.post(self._url + stimulus.path, json=stimulus.body) as resp:
                await resp.read()
                if resp.status >= 400:
                    raise RuntimeError(f"HTTP {resp.status}")
        except Exception:
            step.post_failures += 1
            chat.stuck = True
            chat.busy = False

    async def run_step(
        self, rate: float, seconds: float, *, limit_ms: float, drain: float = 10.0
    ) -> dict[str, Any]:
        """Offer ``rate`` stimuli per second for ``seconds``, wait for their replies (at most
        ``drain`` seconds) and summarise the step; replies that come later are not counted."""
        step = StepResult(rate=rate, seconds=seconds)
        self._steps.append(step)
        index = len(self._steps) - 1
        loop = asyncio.get_running_loop()
        start = loop.time()
        count = max(1, round(rate * seconds))
        for k in range(count):
            due = start + k / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._fire(index)
        step.seconds = max(seconds, loop.time() - start)
        await self.drain(drain)
        for chat in self.chats.values():
            if chat.busy and chat.step == index:
                step.timeouts += 1
        summary = step.summary(limit_ms)
        self._steps[index] = StepResult(rate=rate, seconds=step.seconds)  # late replies: dropped
        return summary

    def busy_chats(self) -> int:
        return sum(1 for chat in self.chats.values() if chat.busy and not chat.stuck)

    async def drain(self, within: float) -> None:
        """Wait until no chat awaits a reply (at most ``within`` s); stale ones become stuck."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.busy_chats() and loop.time() < deadline:
            self._idle_changed.clear()
            try:
                await asyncio.wait_for(self._idle_changed.wait(), deadline - loop.time())
            except TimeoutError:
                break
        now = time.monotonic()
        for chat in self.chats.values():
            if chat.busy and now - chat.posted > self._stuck_after:
                chat.stuck = True

    async def close(self) -> None:
        await asyncio.gather(*self._posts, return_exceptions=True)
