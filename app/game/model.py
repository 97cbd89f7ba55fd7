"""The game's state: plain frozen values that serialise to and from JSON.

The whole state of one chat's game lives in one :class:`Game` value, stored as JSONB with
the game row. It carries a snapshot of its questions, so a game keeps working (and its
history stays readable) even if an admin edits or deletes a question mid-game.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

# One pick button per player, and VK shows at most 10 buttons under a message.
MAX_PLAYERS = 10


class Phase(StrEnum):
    LOBBY = "lobby"
    DISCUSSION = "discussion"
    PICK = "pick"
    ANSWER = "answer"
    PAUSE = "pause"
    FINISHED = "finished"
    STOPPED = "stopped"
    CLOSED = "closed"  # the lobby timed out with nobody joined: no game was played
    SPIN = "spin"  # the TV format's spinning top picks the round's sector (app/game/tv.py)

    @property
    def over(self) -> bool:
        return self in (Phase.FINISHED, Phase.STOPPED, Phase.CLOSED)


@dataclass(frozen=True)
class GameSettings:
    rounds: int = 6
    lobby_seconds: int = 60
    discussion_seconds: int = 60
    pick_seconds: int = 30
    answer_seconds: int = 60
    pause_seconds: int = 3
    appeal_seconds: int = 60  # how long a wrong verdict can be appealed (0: no appeals)
    # "classic": ``rounds`` questions; "tv": to TV_TARGET points with the spinning top.
    mode: str = "classic"
    spin_step_seconds: int = 1
    blitz_seconds: int = 20


# The TV format (app/game/tv.py): the first side to TV_TARGET points wins; every round gives
# exactly one point, so there are at most TV_MAX_ROUNDS rounds; a blitz plays BLITZ_QUESTIONS.
TV_TARGET = 6
TV_MAX_ROUNDS = 2 * TV_TARGET - 1
BLITZ_QUESTIONS = 3
# The spinning top's sectors; the last one is the blitz (sectors 1..12 play one question).
SECTORS = 13
BLITZ_SECTOR = 13


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    answer: str
    alternatives: tuple[str, ...] = ()
    comment: str | None = None
    # The незачёт list: answers the author refuses even where the judge's rules would accept.
    rejected: tuple[str, ...] = ()
    # A handout: a text shown with the question, and whether a picture goes with it (the shell
    # attaches the question's picture, which stays in the database: the state keeps a flag).
    handout: str | None = None
    image: bool = False
    # Credited in the verdict.
    authors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.answer, *self.alternatives)


@dataclass(frozen=True)
class Player:
    user_id: int
    name: str


@dataclass(frozen=True)
class RoundResult:
    number: int
    question_id: int
    answerer_id: int | None
    answer_text: str | None
    correct: bool
    started_at: datetime
    answered_at: datetime | None
    # Why the judge decided so (app.game.judging.reasons.Reason's value); None in old states.
    reason: str | None = None
    # The round's appeal (app.game.appeals): None, "pending", "accepted" or "rejected".
    appeal: str | None = None


@dataclass(frozen=True)
class Game:
    id: int
    phase: Phase
    settings: GameSettings
    questions: tuple[Question, ...]
    seed: int
    created_at: datetime
    players: tuple[Player, ...] = ()
    captain_id: int | None = None
    round: int = 0
    # Bumped on every phase change; timers carry it, so a timer of an old phase is stale.
    seq: int = 0
    deadline: datetime | None = None
    round_started_at: datetime | None = None
    # When VK took this round's question (None: not reported yet); the discussion runs from it.
    shown_at: datetime | None = None
    answerer_id: int | None = None
    warned: bool = False
    score_team: int = 0
    score_bot: int = 0
    results: tuple[RoundResult, ...] = ()
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # The pack the chat pinned (its title, for the lobby); None: questions drawn at random.
    pack_title: str | None = None
    # The TV format (all unused in classic games): the sector each round's spin stopped on,
    # the spin's step, the blitz question being played (1..3; 0: not a blitz), how many blitz
    # questions were answered right, who answers the blitz, and the deck questions used beyond
    # one per round (a blitz's second and third).
    sectors: tuple[int, ...] = ()
    spin_step: int = 0
    blitz: int = 0
    blitz_right: int = 0
    blitz_answerer_id: int | None = None
    extra: int = 0

    @property
    def rounds_total(self) -> int:
        return len(self.questions)

    @property
    def tv(self) -> bool:
        return self.settings.mode == "tv"

    @property
    def question(self) -> Question:
        return self.questions[self.round - 1 + self.extra]

    @property
    def discussion_seconds(self) -> int:
        """The current question's discussion: a blitz question has its own, shorter one."""
        return self.settings.blitz_seconds if self.blitz else self.settings.discussion_seconds

    @property
    def has_next_round(self) -> bool:
        """Whether another round follows the current one.

        Classic: while the deck lasts. TV: until a side has TV_TARGET points, at most
        TV_MAX_ROUNDS rounds, and while the deck has a question for the next round (a deck
        shorter than the game needs ends it early, the score as it stands).
        """
        if not self.tv:
            return self.round < self.rounds_total
        return (
            max(self.score_team, self.score_bot) < TV_TARGET
            and self.round < TV_MAX_ROUNDS
            and self.round + self.extra < len(self.questions)
        )

    @property
    def timer_token(self) -> str:
        return f"{self.id}:{self.seq}"

    def player(self, user_id: int | None) -> Player | None:
        return next((p for p in self.players if p.user_id == user_id), None)

    def name_of(self, user_id: int | None) -> str:
        player = self.player(user_id)
        return player.name if player else f"id{user_id}"

    def moved(self, phase: Phase, **changes: Any) -> Game:
        """The game in a new phase, with a fresh timer token."""
        return replace(self, phase=phase, seq=self.seq + 1, **changes)


# JSON (de)serialisation -------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def state_json(game: Game) -> dict[str, Any]:
    """The game's changing state as JSON, without its deck (which never changes: see
    :func:`deck_json`). Written field by field: ``dataclasses.asdict`` deep-copies every value
    and was the costliest step of saving a game."""
    return {
        "id": game.id,
        "phase": game.phase.value,
        "settings": vars(game.settings).copy(),
        "seed": game.seed,
        "created_at": game.created_at.isoformat(),
        "players": [{"user_id": p.user_id, "name": p.name} for p in game.players],
        "captain_id": game.captain_id,
        "round": game.round,
        "seq": game.seq,
        "deadline": _iso(game.deadline),
        "round_started_at": _iso(game.round_started_at),
        "shown_at": _iso(game.shown_at),
        "answerer_id": game.answerer_id,
        "warned": game.warned,
        "score_team": game.score_team,
        "score_bot": game.score_bot,
        "results": [
            {
                "number": r.number,
                "question_id": r.question_id,
                "answerer_id": r.answerer_id,
                "answer_text": r.answer_text,
                "correct": r.correct,
                "started_at": r.started_at.isoformat(),
                "answered_at": _iso(r.answered_at),
                "reason": r.reason,
                "appeal": r.appeal,
            }
            for r in game.results
        ],
        "started_at": _iso(game.started_at),
        "finished_at": _iso(game.finished_at),
        "pack_title": game.pack_title,
        "sectors": list(game.sectors),
        "spin_step": game.spin_step,
        "blitz": game.blitz,
        "blitz_right": game.blitz_right,
        "blitz_answerer_id": game.blitz_answerer_id,
        "extra": game.extra,
    }


def question_json(q: Question) -> dict[str, Any]:
    """One question of a deck as JSON (the optional fields only when set: decks stay small)."""
    data: dict[str, Any] = {
        "id": q.id,
        "text": q.text,
        "answer": q.answer,
        "alternatives": list(q.alternatives),
        "comment": q.comment,
        "rejected": list(q.rejected),
    }
    if q.handout is not None:
        data["handout"] = q.handout
    if q.image:
        data["image"] = True
    if q.authors:
        data["authors"] = list(q.authors)
    if q.sources:
        data["sources"] = list(q.sources)
    return data


def question_from_json(q: dict[str, Any]) -> Question:
    return Question(
        id=q["id"],
        text=q["text"],
        answer=q["answer"],
        alternatives=tuple(q.get("alternatives") or ()),
        comment=q.get("comment"),
        rejected=tuple(q.get("rejected") or ()),
        handout=q.get("handout"),
        image=bool(q.get("image", False)),
        authors=tuple(q.get("authors") or ()),
        sources=tuple(q.get("sources") or ()),
    )


def deck_json(game: Game) -> list[dict[str, Any]]:
    """The game's questions as JSON: written once, when the game is created."""
    return [question_json(q) for q in game.questions]


def to_json(game: Game) -> dict[str, Any]:
    """The whole game as one JSON object (state and deck)."""
    return {**state_json(game), "questions": deck_json(game)}


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def from_json(data: dict[str, Any], deck: list[dict[str, Any]] | None = None) -> Game:
    """A game from :func:`to_json`'s object, or from :func:`state_json`'s with its ``deck``."""
    return Game(
        id=data["id"],
        phase=Phase(data["phase"]),
        settings=GameSettings(**data["settings"]),
        questions=tuple(
            question_from_json(q) for q in (deck if deck is not None else data["questions"])
        ),
        seed=data["seed"],
        created_at=datetime.fromisoformat(data["created_at"]),
        players=tuple(Player(**p) for p in data.get("players", ())),
        captain_id=data.get("captain_id"),
        round=data.get("round", 0),
        seq=data.get("seq", 0),
        deadline=_dt(data.get("deadline")),
        round_started_at=_dt(data.get("round_started_at")),
        shown_at=_dt(data.get("shown_at")),
        answerer_id=data.get("answerer_id"),
        warned=data.get("warned", False),
        score_team=data.get("score_team", 0),
        score_bot=data.get("score_bot", 0),
        results=tuple(
            RoundResult(
                number=r["number"],
                question_id=r["question_id"],
                answerer_id=r.get("answerer_id"),
                answer_text=r.get("answer_text"),
                correct=r["correct"],
                started_at=datetime.fromisoformat(r["started_at"]),
                answered_at=_dt(r.get("answered_at")),
                reason=r.get("reason"),
                appeal=r.get("appeal"),
            )
            for r in data.get("results", ())
        ),
        started_at=_dt(data.get("started_at")),
        finished_at=_dt(data.get("finished_at")),
        pack_title=data.get("pack_title"),
        sectors=tuple(data.get("sectors") or ()),
        spin_step=data.get("spin_step", 0),
        blitz=data.get("blitz", 0),
        blitz_right=data.get("blitz_right", 0),
        blitz_answerer_id=data.get("blitz_answerer_id"),
        extra=data.get("extra", 0),
    )


__all__ = [
    "BLITZ_QUESTIONS",
    "BLITZ_SECTOR",
    "MAX_PLAYERS",
    "SECTORS",
    "TV_MAX_ROUNDS",
    "TV_TARGET",
    "Game",
    "GameSettings",
    "Phase",
    "Player",
    "Question",
    "RoundResult",
    "deck_json",
    "from_json",
    "question_from_json",
    "question_json",
    "state_json",
    "to_json",
]
