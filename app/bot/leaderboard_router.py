"""``/top`` (``/рейтинг``, ``рейтинг``) and ``/me`` (``/я``): the chat's leaderboard.

``/top`` ranks the chat's players by correct answers over all its games and gives the team's
record against the bot; ``/me`` gives the caller's own line. Both answer between games and
during one (the game under way counts as far as it went), and change nothing, so they may
come before the game router. The figures are read from the mirror tables inside the batch's
transaction (:mod:`app.repositories.leaderboard`, two indexed statements for ``/top``, one
for ``/me``): a round judged earlier in the same batch shows from the next ``/top`` on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.actions import Action, SendMessage
from app.bot import texts
from app.bot.chat_tx import ChatTx
from app.bot.commands import Command, parse_command
from app.bot.router import PlainRouter
from app.internal_updates import Incoming
from app.repositories import leaderboard
from app.vk.updates import MessageNew

# Players listed by /top: a short read in a chat, and far within VK's 9,000 characters even
# with the longest names (texts.NAME_CHARS); the rest are counted, /me finds anyone's place.
TOP_SIZE = 15


class LeaderboardRouter(PlainRouter):
    async def route(self, chat: ChatTx, update: Incoming, now: datetime) -> Sequence[Action] | None:
        if not isinstance(update, MessageNew) or update.from_id <= 0:
            return None
        command = parse_command(update.text)
        if command is Command.TOP:
            return [SendMessage(await self._top(chat))]
        if command is Command.ME:
            line, total = await leaderboard.player(chat.conn, chat.peer_id, update.from_id)
            return [SendMessage(texts.my_rank(line, total) if line else texts.NEVER_PLAYED)]
        return None

    async def _top(self, chat: ChatTx) -> str:
        team = await leaderboard.team(chat.conn, chat.peer_id)
        if team.games == 0:
            return texts.TOP_NO_GAMES
        lines, total = await leaderboard.players(chat.conn, chat.peer_id, limit=TOP_SIZE)
        return texts.leaderboard(lines, total, team)
