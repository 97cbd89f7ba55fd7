"""Appeals in the chat (the shell around :mod:`app.game.appeals`).

- «Апелляция» under a wrong verdict: the captain files an appeal for that round (of the game
  the button names, running or over); the verdict loses its button and a message asks the
  conversation's admins to decide with «Принять» / «Отклонить».
- A decision press counts only from a conversation admin: VK says who is one
  (``messages.getConversationMembers``' ``is_admin``, asked before the transaction and kept a
  short while). The decision is one atomic update, so a press racing an admin's API call (or
  another press) either wins or finds the appeal decided.
- :class:`~app.internal_updates.AppealDecided`: an admin decided through the API; the bot
  applies it (once: the appeal row is marked applied in the same transaction).
- The appeal window's lasting timer takes the button off when the time is up.

Applying a decision changes the stored game (running or finished) and its mirror, adds an
accepted answer to the question's зачёт list, and tells the chat the new score.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.actions import NO_BUTTONS, Action, AnswerCallback, EditMessage, SendMessage
from app.bot.chat_tx import ChatTx
from app.game import appeals, texts
from app.game.events import TimerFired
from app.game.model import Game
from app.internal_updates import AppealDecided, Incoming
from app.repositories import appeals as appeal_rows
from app.repositories.appeals import AppealRow
from app.vk.client import VKClient
from app.vk.errors import VKError
from app.vk.updates import MessageEvent

log = logging.getLogger(__name__)

ADMINS_TTL = 30.0  # seconds a chat's admin list is trusted (a demoted admin loses it soon)
ADMINS_UNKNOWN = (
    "Не удалось узнать, кто администратор беседы: боту нужны права администратора в ней."
)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class ConversationAdmins:
    """Who may decide appeals in each chat, as VK said a moment ago."""

    def __init__(self, vk: VKClient, ttl: float = ADMINS_TTL) -> None:
        self._vk = vk
        self._ttl = ttl
        self._known: dict[int, tuple[float, frozenset[int] | None]] = {}

    async def refresh(self, peer_id: int) -> None:
        seen = self._known.get(peer_id)
        if seen is not None and time.monotonic() - seen[0] < self._ttl and seen[1] is not None:
            return
        try:
            admins: frozenset[int] | None = frozenset(await self._vk.conversation_admins(peer_id))
        except VKError as exc:
            log.warning("conversation admins unknown: %s", exc, extra={"peer_id": peer_id})
            admins = None
        self._known[peer_id] = (time.monotonic(), admins)
        if len(self._known) > 10_000:
            self._known.pop(next(iter(self._known)))

    def of(self, peer_id: int) -> frozenset[int] | None:
        """The chat's admins (None: VK would not say)."""
        seen = self._known.get(peer_id)
        return seen[1] if seen is not None else None


def _decision_press(update: Incoming) -> bool:
    return isinstance(update, MessageEvent) and (update.payload or {}).get("cmd") == "decide"


class AppealRouter:
    def __init__(self, vk: VKClient) -> None:
        self.admins = ConversationAdmins(vk)

    async def prepare(self, update: Incoming) -> None:
        if _decision_press(update):
            await self.admins.refresh(update.peer_id)

    async def route(self, chat: ChatTx, update: Incoming, now: datetime) -> Sequence[Action] | None:
        if isinstance(update, AppealDecided):
            row = await appeal_rows.claim_decided(chat.conn, update.appeal_id, chat.peer_id)
            return await self._apply(chat, row, "администратор бота") if row else []
        if not isinstance(update, MessageEvent):
            return None
        payload: dict[str, Any] = update.payload or {}
        if payload.get("cmd") == "appeal":
            return await self._file(chat, update, payload, now)
        if payload.get("cmd") == "decide":
            return await self._decide(chat, update, payload)
        return None

    async def _file(
        self, chat: ChatTx, update: MessageEvent, payload: dict[str, Any], now: datetime
    ) -> list[Action]:
        def answer(text: str | None) -> AnswerCallback:
            return AnswerCallback(update.callback_id, update.user_id, text)

        game_id, number = _int(payload.get("g")), _int(payload.get("r"))
        game = await chat.load_game(game_id) if game_id is not None else None
        if game is None or number is None:
            return [answer(texts.TOO_LATE)]
        refusal = appeals.refusal(game, number, update.user_id, now)
        if refusal is not None:
            return [answer(refusal)]
        result = appeals.result_of(game, number)
        assert result is not None
        assert result.answer_text is not None
        appeal_id = await appeal_rows.file(
            chat.conn,
            game_id=game.id,
            peer_id=chat.peer_id,
            number=number,
            question_id=result.question_id,
            answer=result.answer_text,
            filed_by=update.user_id,
        )
        if appeal_id is None:
            return [answer(appeals.ALREADY_FILED)]
        game = appeals.file(game, number)
        chat.save(game)
        actions: list[Action] = [answer(appeals.FILED)]
        edit = appeals.verdict_without_button(game, number)
        if edit is not None:
            actions.append(edit)
        actions.append(
            SendMessage(
                _filed_text(game, number, result.answer_text),
                appeals.decision_keyboard(appeal_id),
                ref=appeals.appeal_ref(appeal_id),
            )
        )
        return actions

    async def _decide(
        self, chat: ChatTx, update: MessageEvent, payload: dict[str, Any]
    ) -> list[Action]:
        def answer(text: str | None) -> AnswerCallback:
            return AnswerCallback(update.callback_id, update.user_id, text)

        appeal_id, accepted = _int(payload.get("a")), payload.get("ok")
        if appeal_id is None or not isinstance(accepted, bool):
            return [answer(texts.TOO_LATE)]
        admins = self.admins.of(chat.peer_id)
        if admins is None:
            return [answer(ADMINS_UNKNOWN[:90])]
        if update.user_id not in admins:
            return [answer(appeals.ADMINS_ONLY)]
        row = await appeal_rows.decide_in_chat(
            chat.conn, appeal_id, chat.peer_id, accepted, update.user_id
        )
        if row is None:
            return [answer(appeals.ALREADY_DECIDED)]
        return [answer(appeals.DECIDED), *await self._apply(chat, row, "администратор беседы")]

    async def _apply(self, chat: ChatTx, row: AppealRow, who: str) -> list[Action]:
        """The decision in the stored game, the question's answers and the chat."""
        accepted = row.status == appeals.ACCEPTED
        game = await chat.load_game(row.game_id)
        if game is None or appeals.result_of(game, row.round) is None:
            return []  # the game is gone (deleted with its chat): nothing to tell
        game = appeals.decide(game, row.round, accepted)
        chat.save(game)
        if accepted and row.question_id is not None:
            await appeal_rows.accept_answer(chat.conn, row.question_id, row.answer_text)
        note = texts.appeal_decision_note(accepted, who)
        filed = _filed_text(game, row.round, row.answer_text)
        return [
            EditMessage(appeals.appeal_ref(row.id), f"{filed}\n\n{note}", NO_BUTTONS),
            SendMessage(texts.appeal_decided(game, row.round, row.answer_text, accepted)),
        ]


def _filed_text(game: Game, number: int, given: str) -> str:
    result = appeals.result_of(game, number)
    question = next((q for q in game.questions if result and q.id == result.question_id), None)
    return texts.appeal_filed(game, number, given, question.answer if question else "—")


async def window_closed(chat: ChatTx, fired: TimerFired) -> list[Action]:
    """An appeal window's lasting timer: the verdict's button comes off unless it was used."""
    parsed = appeals.parse_timer_token(fired.token)
    game = await chat.load_game(parsed[0]) if parsed is not None else None
    if parsed is None or game is None:
        return []
    return list(appeals.window_closed(game, parsed[1]))
