"""The IO shell around the game's state machine.

For each event: take the chat's game (locked and loaded by the batch), run the pure
transition, record the new state; the batch then persists states, actions and timers of all
its chats in one statement and commits.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from datetime import datetime

from app.actions import Action, AnswerCallback, CancelTimers, SendMessage
from app.bot import appeal_router
from app.bot.chat_tx import ChatTx
from app.bot.commands import Command, parse_command
from app.bot.names import NameResolver
from app.game import appeals, config, machine, texts, tv
from app.game import events as ev
from app.game.model import GameSettings
from app.internal_updates import AdminStop, Incoming
from app.vk.updates import MessageEvent, MessageNew

log = logging.getLogger(__name__)


def joining(update: Incoming) -> int | None:
    """The user pressing «Играю» (whose name the game needs), if this update is that press."""
    if isinstance(update, MessageEvent) and (update.payload or {}).get("cmd") == "join":
        return update.user_id
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def press_event(update: MessageEvent, name_of: Callable[[int], str]) -> ev.Press:
    """Translate a callback payload; anything unexpected becomes an UnknownPress.

    The game ("g") and round ("r") a button belongs to go along, so the machine can tell a
    stale press, and so does a blitz question's «Досрочный ответ» its question ("b"); present
    but not a number, they make the press unknown (garbage)."""
    payload = update.payload or {}
    cmd = payload.get("cmd")
    user, callback = update.user_id, update.callback_id
    game_id, round_, blitz = _int(payload.get("g")), _int(payload.get("r")), _int(payload.get("b"))
    if any(
        key in payload and value is None
        for key, value in (("g", game_id), ("r", round_), ("b", blitz))
    ):
        return ev.UnknownPress(user, callback)
    if cmd == "join":
        return ev.Join(user, name_of(user), callback, game_id)
    if cmd == "begin":
        return ev.Begin(user, callback, game_id)
    if cmd == "early":
        return ev.Early(user, callback, game_id, round_, blitz)
    if cmd == "pick":
        return ev.Pick(user, callback, _int(payload.get("user_id")), game_id, round_)
    return ev.UnknownPress(user, callback)


class GameRouter:
    def __init__(self, defaults: GameSettings, names: NameResolver) -> None:
        self._defaults = defaults
        self._names = names

    async def prepare(self, update: Incoming) -> None:
        """Before the transaction: fetch what needs VK (a joining player's name)."""
        user_id = joining(update)
        if user_id is not None:
            await self._names.ensure(user_id)

    async def route(self, chat: ChatTx, update: Incoming, now: datetime) -> Sequence[Action] | None:
        if isinstance(update, MessageEvent):
            event = press_event(update, self._names.first_name)
            idle = [AnswerCallback(update.callback_id, update.user_id, texts.GAME_OVER)]
            return await self.apply(chat, event, now, idle)
        if isinstance(update, AdminStop):
            # Like /stop, but only for the game the admin saw: if it ended meanwhile (and maybe
            # a new one started), there is nothing to stop.
            if chat.active_game_id != update.game_id:
                return []
            return await self.apply(chat, ev.StopRequested(0), now, [])
        if not isinstance(update, MessageNew) or update.from_id <= 0:
            return None
        command = parse_command(update.text)
        if command is Command.START:
            return await self._start(chat, update.from_id, now)
        if command is Command.STOP:
            stop = ev.StopRequested(update.from_id)
            return await self.apply(chat, stop, now, [SendMessage(texts.no_game())])
        if command is Command.INFO:
            return await self.apply(chat, ev.InfoRequested(update.from_id), now, None)
        if command is None and update.action_type is None:
            message = ev.ChatMessage(update.from_id, update.text)
            return await self.apply(chat, message, now, [])
        return None

    async def apply(
        self,
        chat: ChatTx,
        event: ev.GameEvent,
        now: datetime,
        idle: Sequence[Action] | None,
    ) -> Sequence[Action]:
        """Run one event through the chat's active game; ``idle`` answers when there is none."""
        before = chat.game
        if before is None:
            if idle is None:  # /info between games shows the last results
                last = await chat.last_over()
                return [SendMessage(texts.last_results(last) if last else texts.no_game())]
            return idle
        game, actions = machine.step(before, event, now)
        if game == before and not actions:
            return []  # e.g. a chat message outside the answer phase: nothing to write
        for result in game.results[len(before.results) :]:
            log.info(
                "round %d judged %s (%s)",
                result.number,
                "correct" if result.correct else "wrong",
                result.reason,
                extra={"peer_id": chat.peer_id, "game_id": game.id},
            )
        chat.save(game)
        if game.phase.over:
            chat.set_active_game(None)
        return actions

    async def apply_timer(
        self, chat: ChatTx, fired: ev.TimerFired, now: datetime
    ) -> Sequence[Action]:
        if fired.name == appeals.APPEAL_END:  # a lasting timer: not the running game's phase
            return await appeal_router.window_closed(chat, fired)
        return await self.apply(chat, fired, now, [])

    async def shown(self, chat: ChatTx, event: ev.MessageShown, now: datetime) -> Sequence[Action]:
        return await self.apply(chat, event, now, [])

    async def abandon(self, chat: ChatTx, now: datetime) -> Sequence[Action]:
        """The bot lost the chat (removed, no access): end its game quietly, stop its timers.

        Nothing is sent: VK would refuse it. The game is recorded as stopped, so its history
        and statistics stay consistent.
        """
        chat.set_status("unavailable")
        if chat.game is not None:
            game, _ = machine.step(chat.game, ev.StopRequested(0), now)
            chat.save(game)
            chat.set_active_game(None)
        return [CancelTimers()]

    async def _start(self, chat: ChatTx, user_id: int, now: datetime) -> Sequence[Action]:
        if chat.game is not None:
            return await self.apply(chat, ev.StartRequested(user_id), now, [])
        settings = config.effective(self._defaults, chat.settings)
        deck = await chat.pick_deck(tv.deck_size(settings))
        if not deck.questions:
            return [SendMessage(texts.no_questions())]
        game_id = await chat.create_game()
        seed = random.getrandbits(32)
        game, actions = machine.open_lobby(
            game_id, settings, deck.questions, seed, now, pack_title=deck.pack_title
        )
        chat.set_active_game(game)
        chat.save(game)
        return actions
