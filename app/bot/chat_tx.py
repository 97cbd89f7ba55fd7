"""One chat inside a batch's transaction: its locked row, its game, and what to write.

Routers read the chat and its game from here and record what changes; nothing is written
until the batch persists every chat's :class:`ChatWrites` in one statement. Several events
of one chat in a batch see each other's changes, in order, as if each had its own
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.actions import LASTING_TIMERS, Action, CancelTimers, SetTimer
from app.game.model import Game
from app.repositories import appeals, batch, decks
from app.repositories.batch import ChatWrites, Connection, LockedChat


class ChatTx:
    def __init__(self, conn: Connection, chat: LockedChat) -> None:
        self._conn = conn
        self.peer_id = chat.peer_id
        self.active_game_id = chat.active_game_id
        self.settings: dict[str, Any] = chat.settings
        self.status = chat.status
        self.game = chat.game  # the active game as of the events applied so far
        self._loaded: dict[int, Game | None] = {}
        self.writes = ChatWrites(chat.peer_id)
        if chat.game is not None:
            self._loaded[chat.game.id] = chat.game
            if not chat.deck_stored:  # saved before decks had their column: move it there
                self.writes.decks.add(chat.game.id)

    # Reads and rare writes that need the database now ----------------------------------------

    @property
    def pinned_pack(self) -> int | None:
        """The pack this chat plays in order (``/pack`` or the admin API), if any."""
        value = self.settings.get("pack_id")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    async def pick_deck(self, size: int) -> decks.Deck:
        return await decks.pick_deck(self._conn, self.peer_id, size, self.pinned_pack)

    async def pin_pack(self, pack_id: int | None) -> None:
        await decks.pin_pack(self._conn, self.peer_id, pack_id)
        if pack_id is None:
            self.settings = {k: v for k, v in self.settings.items() if k != "pack_id"}
        else:
            self.settings = {**self.settings, "pack_id": pack_id}

    @property
    def conn(self) -> Connection:
        """The batch's connection, for a router's rare reads inside the transaction."""
        return self._conn

    async def create_game(self) -> int:
        game_id = await batch.create_game(self._conn, self.peer_id)
        self._loaded[game_id] = None
        self.writes.decks.add(game_id)
        return game_id

    async def load_game(self, game_id: int) -> Game | None:
        """One of this chat's games, running or over, as this batch last left it (a game saved
        through :meth:`save` is written with the batch, its mirror diffed against this)."""
        if game_id in self._loaded:
            saved = self.writes.games.get(game_id)
            return saved[0] if saved is not None else self._loaded[game_id]
        game = await appeals.load_game(self._conn, self.peer_id, game_id)
        if game is not None:
            self._loaded[game_id] = game
        return game

    async def last_over(self) -> Game | None:
        return await batch.last_over(self._conn, self.peer_id)

    # Writes collected for the batch's persist ---------------------------------------------------

    def save(self, game: Game) -> None:
        self.writes.games[game.id] = (game, self._loaded.get(game.id))
        if game.id == self.active_game_id:
            self.game = game

    def set_active_game(self, game: Game | None) -> None:
        self.active_game_id = game.id if game is not None else None
        self.game = game
        self.writes.active_game = (self.active_game_id,)

    def set_status(self, status: str) -> None:
        self.status = self.writes.status = status

    def add(self, actions: Sequence[Action]) -> None:
        """Queue a transition's actions: messages to the outbox, timers to the timers table."""
        writes = self.writes
        for action in actions:
            if isinstance(action, CancelTimers):
                writes.cancel_timers = True
                # Set earlier in this batch: cancelled as well, but for the lasting ones.
                writes.timers = [t for t in writes.timers if t.name in LASTING_TIMERS]
            elif isinstance(action, SetTimer):
                writes.timers.append(action)
            else:
                writes.messages.append(action)


def detached(conn: Connection, peer_id: int) -> ChatTx:
    """A chat context for an update without a chat (peer 0): nothing is locked or loaded."""
    return ChatTx(conn, LockedChat(peer_id, None, {}, "active", None))
