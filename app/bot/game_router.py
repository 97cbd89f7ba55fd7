"""The IO shell around the game's state machine.

For each event: lock the chat row, load the game, run the pure transition, save the new
state; the handler then persists the actions and commits, all in one transaction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import Action, AnswerCallback, SendMessage
from app.bot.commands import Command, parse_command
from app.bot.names import NameResolver
from app.game import config, machine, texts
from app.game import events as ev
from app.game.model import GameSettings
from app.repositories import chats, games, questions, timers
from app.vk.updates import AdminStop, MessageEvent, MessageNew, Update

# The synthetic update the admin API publishes into a chat's shard queue to stop its game
# (admin_api/broker.py builds it): it takes the chat's ordered path like a VK update.


def press_event(update: MessageEvent, name: str | None) -> ev.Press:
    """Translate a callback payload; anything unexpected becomes an UnknownPress."""
    payload = update.payload or {}
    cmd = payload.get("cmd")
    user, callback = update.user_id, update.callback_id
    if cmd == "join":
        return ev.Join(user, name or f"id{user}", callback)
    if cmd == "begin":
        return ev.Begin(user, callback)
    if cmd == "early":
        return ev.Early(user, callback)
    if cmd == "pick":
        target = payload.get("user_id")
        valid = isinstance(target, int) and not isinstance(target, bool)
        return ev.Pick(user, callback, target if valid else None)
    return ev.UnknownPress(user, callback)


class GameRouter:
    def __init__(self, defaults: GameSettings, names: NameResolver) -> None:
        self._defaults = defaults
        self._names = names

    async def prepare(self, update: Update) -> None:
        """Outside the transaction: fetch what needs VK (a joining player's name)."""
        if isinstance(update, MessageEvent) and (update.payload or {}).get("cmd") == "join":
            await self._names.ensure(update.user_id)

    async def route(
        self, session: AsyncSession, update: Update, now: datetime
    ) -> Sequence[Action] | None:
        if isinstance(update, MessageEvent):
            name = None
            if (update.payload or {}).get("cmd") == "join":
                name = await self._names.first_name(session, update.user_id)
            event = press_event(update, name)
            idle = [AnswerCallback(update.callback_id, update.user_id, texts.GAME_OVER)]
            return await self.apply(session, update.peer_id, event, now, idle)
        if isinstance(update, AdminStop):
            # Like /stop, but only for the game the admin saw: if it ended meanwhile (and maybe
            # a new one started), there is nothing to stop.
            chat = await chats.lock(session, update.peer_id)
            if chat.active_game_id != update.game_id:
                return []
            return await self.apply(session, update.peer_id, ev.StopRequested(0), now, [])
        if not isinstance(update, MessageNew) or update.from_id <= 0:
            return None
        command = parse_command(update.text)
        if command is Command.START:
            return await self._start(session, update.peer_id, update.from_id, now)
        if command is Command.STOP:
            stop = ev.StopRequested(update.from_id)
            return await self.apply(
                session, update.peer_id, stop, now, [SendMessage(texts.no_game())]
            )
        if command is Command.INFO:
            info = ev.InfoRequested(update.from_id)
            return await self.apply(session, update.peer_id, info, now, None)
        if command is None and update.action_type is None:
            message = ev.ChatMessage(update.from_id, update.text)
            return await self.apply(session, update.peer_id, message, now, [])
        return None

    async def apply(
        self,
        session: AsyncSession,
        peer_id: int,
        event: ev.GameEvent,
        now: datetime,
        idle: Sequence[Action] | None,
    ) -> Sequence[Action]:
        """Run one event through the chat's active game; ``idle`` answers when there is none."""
        chat = await chats.lock(session, peer_id)
        if chat.active_game_id is None:
            if idle is None:  # /info between games shows the last results
                last = await games.last_over(session, peer_id)
                text = texts.last_results(last) if last else texts.no_game()
                return [SendMessage(text)]
            return idle
        before = await games.load(session, chat.active_game_id)
        game, actions = machine.step(before, event, now)
        if game == before and not actions:
            return []  # e.g. a chat message outside the answer phase: nothing to write
        await games.save(session, game, before)
        if game.phase.over:
            await chats.set_active_game(session, peer_id, None)
        return actions

    async def apply_timer(
        self, session: AsyncSession, peer_id: int, fired: ev.TimerFired, now: datetime
    ) -> Sequence[Action]:
        return await self.apply(session, peer_id, fired, now, [])

    async def abandon(self, session: AsyncSession, peer_id: int, now: datetime) -> None:
        """The bot lost the chat (removed, no access): end its game quietly, stop its timers.

        Nothing is sent: VK would refuse it. The game is recorded as stopped, so its history
        and statistics stay consistent.
        """
        chat = await chats.lock(session, peer_id)
        await chats.set_status(session, peer_id, "unavailable")
        await timers.cancel_all(session, peer_id)
        if chat.active_game_id is None:
            return
        game = await games.load(session, chat.active_game_id)
        game, _ = machine.step(game, ev.StopRequested(0), now)
        await games.save(session, game)
        await chats.set_active_game(session, peer_id, None)

    async def _start(
        self, session: AsyncSession, peer_id: int, user_id: int, now: datetime
    ) -> Sequence[Action]:
        chat = await chats.lock(session, peer_id)
        if chat.active_game_id is not None:
            return await self.apply(session, peer_id, ev.StartRequested(user_id), now, [])
        settings = config.effective(self._defaults, chat.settings)
        deck = await questions.pick_deck(session, peer_id, settings.rounds)
        if not deck:
            return [SendMessage(texts.no_questions())]
        game_id = await games.create(session, peer_id)
        game, actions = machine.open_lobby(game_id, settings, deck, random.getrandbits(32), now)
        await games.save(session, game)
        await chats.set_active_game(session, peer_id, game_id)
        return actions
