"""The TV format of «Что? Где? Когда?»: the spinning top (волчок) and the blitz.

A TV game (``settings.mode == "tv"``) runs until one side has ``TV_TARGET`` points; every round
gives exactly one point, so it lasts at most ``TV_MAX_ROUNDS`` rounds. Each round begins in the
SPIN phase: one message, edited as the arrow passes sectors (``SPIN_PASSES`` steps,
``spin_step_seconds`` apart, each a timer), stops on one of ``SECTORS`` sectors. Where it
stops is a pure function of the game's seed, the round and the sectors already played
(:func:`spin`), so a restart in the middle of a spin shows the same spin.

The sector decides the round. Sectors 1–12 play the deck's next question as a classic round
(discussion, pick, answer, verdict: the machine's own code). Sector 13 is the blitz
(``BLITZ_SECTOR``): ``BLITZ_QUESTIONS`` questions in a row with ``blitz_seconds`` of discussion
each; after the first discussion the captain names the answerer (as in a classic pick), who
answers all three, without another pick. As on the show, the blitz stops at the first wrong (or
missing) answer: the point goes to the bot; only three right answers give the team the point.

As on the show, a played sector is never played again: when the arrow stops on one, the next
unplayed sector clockwise is played. The blitz sector is skipped the same way when the deck has
fewer than three questions left for it. The machine (app/game/machine.py) dispatches here
only where the formats differ: starting a round, the spin's timer and a blitz answer's verdict.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from app.actions import NO_BUTTONS, Action, CancelTimers, EditMessage, SendMessage, SetTimer
from app.game import events as ev
from app.game import machine, texts
from app.game.model import (
    BLITZ_QUESTIONS,
    BLITZ_SECTOR,
    SECTORS,
    TV_MAX_ROUNDS,
    Game,
    GameSettings,
    Phase,
)

# The sectors the arrow visibly passes before it stops: the message is sent showing the first,
# edited for each next one, then edited once more with the stop.
SPIN_PASSES = 3
# How far before the stop each pass shows the arrow (it slows down, as a real top does).
_PASS_OFFSETS = (9, 4, 1)

Decision = tuple[Game, list[Action]]


@dataclass(frozen=True)
class Spin:
    """One round's spin: the sectors the arrow passes, where it stops and what is played."""

    passes: tuple[int, ...]
    landed: int  # where the arrow stopped
    sector: int  # the sector played: ``landed``, or the next playable one after it


def deck_size(settings: GameSettings) -> int:
    """The questions a game asks the deck for: a TV game may play TV_MAX_ROUNDS rounds, one
    of them a blitz of three. A smaller deck is fine: the game ends when it runs out."""
    if settings.mode == "tv":
        return TV_MAX_ROUNDS + BLITZ_QUESTIONS - 1
    return settings.rounds


def _wrap(n: int) -> int:
    return (n - 1) % SECTORS + 1


def spin(seed: int, round_: int, unavailable: frozenset[int] = frozenset()) -> Spin:
    """Where the top stops in ``round_`` of the game seeded ``seed``: pure and reproducible.

    The landing sector comes from a generator seeded with the game's seed and the round (a
    string seed is hashed the same way in every process), never from global randomness. From
    there the first sector not in ``unavailable`` (played, or a blitz the deck cannot hold) is
    the one played, going round the sectors in order.
    """
    rng = random.Random(f"znatoki-spin:{seed}:{round_}")
    landed = rng.randrange(SECTORS) + 1
    passes = tuple(_wrap(landed - offset) for offset in _PASS_OFFSETS)
    for offset in range(SECTORS):
        sector = _wrap(landed + offset)
        if sector not in unavailable:
            return Spin(passes, landed, sector)
    raise ValueError("no sector left to play")  # TV_MAX_ROUNDS < SECTORS: never


def questions_left(game: Game) -> int:
    """Deck questions still unplayed at the start of the current round."""
    return len(game.questions) - (game.round - 1 + game.extra)


def current_spin(game: Game) -> Spin:
    """The spin of the game's current round, from its state (played sectors exclude this one)."""
    unavailable = set(game.sectors[: game.round - 1])
    if questions_left(game) < BLITZ_QUESTIONS:
        unavailable.add(BLITZ_SECTOR)
    return spin(game.seed, game.round, frozenset(unavailable))


def spin_ref(game: Game) -> str:
    return f"g{game.id}.r{game.round}.spin"


def is_blitz_round(game: Game, number: int) -> bool:
    return len(game.sectors) >= number and game.sectors[number - 1] == BLITZ_SECTOR


def _step_timer(game: Game, now: datetime) -> tuple[Game, SetTimer]:
    due = now + timedelta(seconds=game.settings.spin_step_seconds)
    game = replace(game, deadline=due)
    return game, SetTimer(ev.SPIN_STEP, due, game.timer_token)


def start_round(game: Game, number: int, now: datetime) -> Decision:
    """Round ``number`` begins with the top spinning: its message and the first step's timer."""
    game = game.moved(
        Phase.SPIN,
        round=number,
        spin_step=1,
        shown_at=None,
        answerer_id=None,
        warned=False,
        blitz=0,
        blitz_answerer_id=None,
    )
    game, timer = _step_timer(game, now)
    message = SendMessage(texts.spin(game, current_spin(game).passes[0]), ref=spin_ref(game))
    return game, [CancelTimers(), message, timer]


def spin_step(game: Game, now: datetime) -> Decision:
    """The arrow moves on to its next pass or stops; a stop opens the round's question."""
    result = current_spin(game)
    if game.spin_step < SPIN_PASSES:
        game = game.moved(Phase.SPIN, spin_step=game.spin_step + 1)
        game, timer = _step_timer(game, now)
        text = texts.spin(game, result.passes[game.spin_step - 1])
        return game, [EditMessage(spin_ref(game), text, NO_BUTTONS), CancelTimers(), timer]
    game = replace(game, sectors=(*game.sectors[: game.round - 1], result.sector))
    stop = EditMessage(spin_ref(game), texts.spin_stopped(game, result.landed), NO_BUTTONS)
    blitz = 1 if result.sector == BLITZ_SECTOR else 0
    game, actions = machine.open_discussion(game, now, blitz=blitz)
    return game, [stop, *actions]


def blitz_verdict(game: Game, given: str | None, now: datetime) -> Decision:
    """A blitz answer: right before the last question goes on to the next one, without a
    pick; wrong or missing ends the round for the bot; the third right one wins it."""
    correct, reason = machine.judged(game, given)
    right = game.blitz_right + int(correct)
    if correct and game.blitz < BLITZ_QUESTIONS:
        message = SendMessage(texts.blitz_next(game, given or ""))
        game = replace(game, blitz_right=right, blitz_answerer_id=game.answerer_id)
        following = {"blitz": game.blitz + 1, "extra": game.extra + 1}
        game, actions = machine.open_discussion(game, now, **following)
        return game, [message, *actions]
    game = replace(game, blitz_right=right)
    return machine.end_round(game, given, correct, reason, now, texts.blitz_verdict)
