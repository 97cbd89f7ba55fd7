"""Route a parsed update to the feature that handles it.

A router gets the chat inside the batch's transaction (:class:`~app.bot.chat_tx.ChatTx`: the
locked chat row and its game), the update and the current time, and returns the actions
(messages to send, timers to set) that the batch persists in the same transaction. Each
feature is one router and the applier asks them in turn, like aiogram's routers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from app.actions import Action, AnswerCallback, SendMessage
from app.bot import texts
from app.bot.chat_tx import ChatTx
from app.bot.commands import Command, parse_command
from app.internal_updates import Incoming
from app.vk.updates import MessageEvent, MessageNew


class Router(Protocol):
    async def prepare(self, update: Incoming) -> None:
        """Before the transaction opens: fetch what the update needs from outside (VK)."""

    async def route(self, chat: ChatTx, update: Incoming, now: datetime) -> Sequence[Action] | None:
        """Handle the update and return actions, or None to let the next router try."""


class PlainRouter:
    """A router that needs nothing fetched before the transaction."""

    async def prepare(self, update: Incoming) -> None:
        return None


class HelpRouter(PlainRouter):
    """`/help`, `/rules` and the greeting when the bot is added to a chat."""

    def __init__(self, group_id: int) -> None:
        self._group_id = group_id

    async def route(self, chat: ChatTx, update: Incoming, now: datetime) -> Sequence[Action] | None:
        if not isinstance(update, MessageNew):
            return None
        if update.action_type == "chat_invite_user" and update.action_member_id == -self._group_id:
            chat.set_status("active")  # back after a removal
            return [SendMessage(texts.GREETING)]
        command = parse_command(update.text)
        if command is Command.HELP:
            return [SendMessage(texts.HELP)]
        if command is Command.RULES:
            return [SendMessage(texts.RULES)]
        return None


class FallbackRouter(PlainRouter):
    """Last in line: every callback press gets an answer, so no client spinner hangs."""

    async def route(self, chat: ChatTx, update: Incoming, now: datetime) -> Sequence[Action] | None:
        if isinstance(update, MessageEvent):
            return [AnswerCallback(update.callback_id, update.user_id, None)]
        return []
