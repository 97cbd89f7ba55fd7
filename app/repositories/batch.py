"""The bot's hot path as a few set-based statements, for a whole batch of chats at once.

A batch of events (updates and timer firings of many chats) costs the same handful of round
trips as a single event: ``BEGIN``, claim the batch's timers, lock and load every chat with its
game (recording the updates' event ids on the way), write everything, ``COMMIT``. Each
statement has a fixed shape (arrays in, ``unnest`` inside), so asyncpg prepares it once per
connection. Rare steps (a new game, /info between games, a chat's status) run their own small
statement inside the same transaction.

Locks: the chats are locked in ``peer_id`` order by one statement, so two batches that share
chats wait for each other instead of deadlocking; a batch that still fails is retried chat
by chat by the caller (:mod:`app.bot.batcher`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.actions import LASTING_TIMERS, MessageAction, SetTimer
from app.game.model import Game, deck_json, from_json, state_json
from app.repositories.games import status_of
from app.repositories.outbox import OutboxRow, row_values
from app.repositories.timers import DueTimer

Connection = Any  # asyncpg.Connection (asyncpg ships no type information)


@dataclass(frozen=True)
class LockedChat:
    peer_id: int
    active_game_id: int | None
    settings: dict[str, Any]
    status: str
    game: Game | None
    deck_stored: bool = True  # False: the game's questions are still inside its state


@dataclass
class ChatWrites:
    """Everything a batch changes for one chat, written by :func:`persist` in one statement."""

    peer_id: int
    # Game states to save by game id, each with the state it was loaded with (None: created
    # in this batch), which tells whether the players/rounds mirror changed.
    games: dict[int, tuple[Game, Game | None]] = field(default_factory=dict)
    decks: set[int] = field(default_factory=set)  # games whose deck is written (new ones)
    active_game: tuple[int | None] | None = None  # (new active_game_id,) when it changed
    status: str | None = None
    cancel_timers: bool = False
    timers: list[SetTimer] = field(default_factory=list)
    messages: list[MessageAction] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return (
            not self.games
            and self.active_game is None
            and self.status is None
            and not self.cancel_timers
            and not self.timers
            and not self.messages
        )


@dataclass(frozen=True)
class Persisted:
    outbox: list[OutboxRow]
    timers: list[DueTimer]


# Claim and lock ---------------------------------------------------------------------------------

_CLAIM_TIMERS = """
DELETE FROM timers WHERE id IN (
    SELECT id FROM timers WHERE id = ANY($1::bigint[]) FOR UPDATE SKIP LOCKED
)
RETURNING id, peer_id, name, token, due_at
"""


async def claim_timers(conn: Connection, timer_ids: Sequence[int]) -> list[DueTimer]:
    """Delete the timers this batch fires; a timer another process holds or fired is skipped.

    The delete commits with the batch's effects, so a timer fires exactly once in effect.
    """
    rows = await conn.fetch(_CLAIM_TIMERS, list(timer_ids))
    return [DueTimer(*row) for row in rows]


_LOCK_AND_LOAD = """
WITH fresh AS (
    INSERT INTO processed_events (event_id, peer_id)
    SELECT e, p FROM unnest($1::text[], $2::bigint[]) AS u(e, p)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
), locked AS (
    INSERT INTO chats (peer_id)
    SELECT p FROM unnest($3::bigint[]) AS u(p) ORDER BY p
    ON CONFLICT (peer_id) DO UPDATE SET last_activity_at = now()
    RETURNING peer_id, active_game_id, settings, status
)
SELECT l.peer_id, l.active_game_id, l.settings, l.status, g.state, g.deck,
       NULL::text AS event_id
FROM locked l LEFT JOIN games g ON g.id = l.active_game_id
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, event_id FROM fresh
"""


async def lock_and_load(
    conn: Connection, events: Sequence[tuple[str, int]], peer_ids: Sequence[int]
) -> tuple[dict[int, LockedChat], set[str]]:
    """Record the updates' event ids, lock the chats (creating new ones), load their games.

    Returns the locked chats and the event ids that were new (the others were applied before).
    ``peer_ids`` must be distinct; an upsert may not touch one row twice.
    """
    rows = await conn.fetch(
        _LOCK_AND_LOAD,
        [event_id for event_id, _ in events],
        [peer_id for _, peer_id in events],
        sorted(peer_ids),
    )
    chats: dict[int, LockedChat] = {}
    fresh: set[str] = set()
    for peer_id, game_id, settings, status, state, deck, event_id in rows:
        if event_id is not None:
            fresh.add(event_id)
        else:
            game = from_json(state, deck) if state is not None else None
            stored = deck is not None or game is None
            chats[peer_id] = LockedChat(peer_id, game_id, settings or {}, status, game, stored)
    return chats, fresh


# Rare steps inside the batch's transaction ------------------------------------------------------


async def create_game(conn: Connection, peer_id: int) -> int:
    """Reserve a game id; its state is written by :func:`persist` with the rest."""
    return int(await conn.fetchval("INSERT INTO games (peer_id) VALUES ($1) RETURNING id", peer_id))


async def last_over(conn: Connection, peer_id: int) -> Game | None:
    """The chat's most recent finished or stopped game (for /info between games)."""
    row = await conn.fetchrow(
        "SELECT state, deck FROM games WHERE peer_id = $1 AND status IN ('finished', 'stopped') "
        "ORDER BY id DESC LIMIT 1",
        peer_id,
    )
    return from_json(row[0], row[1]) if row is not None else None


# Writing a batch --------------------------------------------------------------------------------

_PERSIST = """
WITH saved AS (
    UPDATE games SET status = u.status, phase = u.phase, round = u.round,
        rounds_total = u.rounds_total, score_team = u.score_team, score_bot = u.score_bot,
        captain_id = u.captain_id, state = u.state, deck = coalesce(u.deck::jsonb, games.deck),
        started_at = u.started_at, finished_at = u.finished_at, updated_at = now()
    FROM unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[],
                $8::bigint[], $9::jsonb[], $10::text[], $11::timestamptz[], $12::timestamptz[])
        AS u(id, status, phase, round, rounds_total, score_team, score_bot, captain_id, state,
             deck, started_at, finished_at)
    WHERE games.id = u.id
), chat AS (
    UPDATE chats SET
        active_game_id = CASE WHEN u.set_game THEN u.game_id ELSE chats.active_game_id END,
        status = coalesce(u.status, chats.status),
        last_activity_at = now()
    FROM unnest($13::bigint[], $14::bool[], $15::int[], $16::text[])
        AS u(peer_id, set_game, game_id, status)
    WHERE chats.peer_id = u.peer_id
), players AS (
    INSERT INTO game_players (game_id, user_id, name, position, is_captain)
    SELECT * FROM unnest($17::int[], $18::bigint[], $19::text[], $20::int[], $21::bool[])
    ON CONFLICT (game_id, user_id) DO UPDATE SET is_captain = excluded.is_captain
), rounds AS (
    INSERT INTO game_rounds (game_id, number, question_id, question_text, correct_answer,
                             answerer_id, answer_text, correct, started_at, answered_at, reason)
    SELECT u.game_id, u.number, q.id, u.question_text, u.correct_answer, u.answerer_id,
           u.answer_text, u.correct, u.started_at, u.answered_at, u.reason
    FROM unnest($22::int[], $23::int[], $24::int[], $25::text[], $26::text[], $27::bigint[],
                $28::text[], $29::bool[], $30::timestamptz[], $31::timestamptz[], $32::text[])
        AS u(game_id, number, question_id, question_text, correct_answer, answerer_id,
             answer_text, correct, started_at, answered_at, reason)
    LEFT JOIN questions q ON q.id = u.question_id  -- a question deleted mid-game: NULL
    ON CONFLICT (game_id, number) DO UPDATE SET correct = excluded.correct  -- an appeal
), cancelled AS (
    DELETE FROM timers WHERE peer_id = ANY($33::bigint[]) AND name <> ALL($42::text[])
), timer AS (
    INSERT INTO timers (peer_id, name, token, due_at)
    SELECT * FROM unnest($34::bigint[], $35::text[], $36::text[], $37::timestamptz[])
    RETURNING id, peer_id, name, token, due_at
), queued AS (
    INSERT INTO outbox (peer_id, method, params, ref)
    SELECT u.peer_id, u.method, u.params, u.ref
    FROM unnest($38::bigint[], $39::text[], $40::jsonb[], $41::text[]) WITH ORDINALITY
        AS u(peer_id, method, params, ref, n)
    ORDER BY u.n
    RETURNING id, peer_id, method, params, ref, next_attempt_at
)
SELECT 't' AS kind, id, peer_id, name, token, due_at, NULL::jsonb AS params, NULL::text AS ref
FROM timer
UNION ALL
SELECT 'o', id, peer_id, method, NULL, next_attempt_at, params, ref FROM queued
"""


_LASTING = sorted(LASTING_TIMERS)  # timers a CancelTimers leaves in place


class _Columns:
    """Parallel arrays, one per column of one ``unnest``."""

    def __init__(self, width: int) -> None:
        self.columns: list[list[Any]] = [[] for _ in range(width)]

    def add(self, *values: Any) -> None:
        for column, value in zip(self.columns, values, strict=True):
            column.append(value)


async def persist(conn: Connection, writes: Sequence[ChatWrites]) -> Persisted:
    """Write a batch's states, mirrors, chats, timers and outbox rows in one statement.

    Outbox rows are inserted in the order of ``writes`` and of each chat's messages, so ids
    (the send order, and messages.send's random_id) follow the order the game asked for.
    """
    games, chats, players, rounds = _Columns(12), _Columns(4), _Columns(5), _Columns(11)
    cancel: list[int] = []
    timers, outbox = _Columns(4), _Columns(4)
    for w in writes:
        for game, loaded in w.games.values():
            _add_game(games, players, rounds, game, loaded, game.id in w.decks)
        if w.active_game is not None or w.status is not None:
            game_id = w.active_game[0] if w.active_game is not None else None
            chats.add(w.peer_id, w.active_game is not None, game_id, w.status)
        if w.cancel_timers:
            cancel.append(w.peer_id)
        for timer in w.timers:
            timers.add(w.peer_id, timer.name, timer.token, timer.due)
        for message in w.messages:
            outbox.add(*row_values(w.peer_id, message))
    args = [
        *games.columns,
        *chats.columns,
        *players.columns,
        *rounds.columns,
        cancel,
        *timers.columns,
        *outbox.columns,
        _LASTING,
    ]
    queued: list[OutboxRow] = []
    set_timers: list[DueTimer] = []
    for kind, row_id, peer_id, name, token, at, params, ref in await conn.fetch(_PERSIST, *args):
        if kind == "t":
            set_timers.append(DueTimer(row_id, peer_id, name, token, at))
        else:
            queued.append(OutboxRow(row_id, peer_id, name, params, ref, 0, at))
    queued.sort(key=lambda row: row.id)
    return Persisted(queued, set_timers)


def _add_game(
    games: _Columns,
    players: _Columns,
    rounds: _Columns,
    game: Game,
    loaded: Game | None,
    with_deck: bool,
) -> None:
    games.add(
        game.id,
        status_of(game),
        game.phase.value,
        game.round,
        game.rounds_total,
        game.score_team,
        game.score_bot,
        game.captain_id,
        state_json(game),
        # Written once, with a new game; as text, since asyncpg reads a list inside an array
        # parameter as a nested array, not as one JSON value.
        json.dumps(deck_json(game), ensure_ascii=False) if with_deck else None,
        game.started_at,
        game.finished_at,
    )
    # The mirror tables change only on a join, a new captain or a finished round.
    if game.players and (
        loaded is None or (loaded.players, loaded.captain_id) != (game.players, game.captain_id)
    ):
        for position, player in enumerate(game.players):
            is_captain = player.user_id == game.captain_id
            players.add(game.id, player.user_id, player.name, position, is_captain)
    known = len(loaded.results) if loaded is not None else 0
    changed = (
        [  # rounds already mirrored whose verdict an appeal changed
            new
            for old, new in zip(loaded.results, game.results, strict=False)
            if old.correct != new.correct
        ]
        if loaded is not None and loaded.results is not game.results
        else []
    )
    if len(game.results) > known or changed:
        by_id = {question.id: question for question in game.questions}
        for result in [*changed, *game.results[known:]]:
            question = by_id[result.question_id]
            rounds.add(
                game.id,
                result.number,
                result.question_id,
                question.text,
                question.answer,
                result.answerer_id,
                result.answer_text,
                result.correct,
                result.started_at,
                result.answered_at,
                result.reason,
            )
