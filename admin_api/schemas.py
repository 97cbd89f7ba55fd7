"""Marshmallow schemas: what every route accepts and returns.

They are the single source of the OpenAPI spec (through aiohttp-apispec) and of request
validation (admin_api.validation), so what Swagger UI shows is what the server enforces.
Limits mirror the database columns: a value that passes here always fits the row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from app.game.config import BOUNDS, CHOICES
from app.game.judging.reasons import Reason
from app.game.model import Phase
from app.packs.limits import MAX_MESSAGE_CHARS
from app.repositories.games import STATUS_BY_PHASE
from app.repositories.leaderboard import STREAK_KINDS

MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1
MAX_LIMIT = 100
MAX_IMPORT = 1000
MAX_SOURCES = 50
MAX_AUTHORS = 20
# A question as the bot sends it, its text handout, a line break and its text, is one VK
# message; the two caps add up to it, so any text and handout the spec allows fit together.
MAX_HANDOUT = 999
MAX_TEXT = MAX_MESSAGE_CHARS - 1 - MAX_HANDOUT
# The game's own names (not restated): its phases, and the statuses the games mirror uses.
GAME_STATUSES = ("active", *STATUS_BY_PHASE.values())
GAME_PHASES = tuple(phase.value for phase in Phase)
VERDICTS = ("correct", "wrong", "no_answer")
# What each of the judge's reasons (a round's ``reason``) means, for the API's documentation.
REASONS: dict[Reason, str] = {
    Reason.EXACT: "the author's answer (case, ё, punctuation, word order, lead-ins aside)",
    Reason.ZACHET: "exactly one of the question's зачёт variants (alternatives)",
    Reason.NUMBER: "the same numbers written differently («девять» = «9», «II» = «второй»)",
    Reason.WORD_FORM: "the same words in other grammatical forms («с мечом» for «меч»)",
    Reason.FULLER: "extra words that are true detail (a first name, initials, «гора», «год»)",
    Reason.TYPO: "a misspelling that is not itself another word",
    Reason.EMPTY: "nothing to judge (no answer in time, or only punctuation)",
    Reason.NEZACHET: "matches a variant of the question's незачёт list (rejected)",
    Reason.NEGATION: "a denial («не Пушкин», «не знаю»)",
    Reason.HEDGE: "several candidates («X или Y», «то ли X, то ли Y», a list)",
    Reason.CONFLICT: "an extra word contradicts the answer (another name, number, qualifier)",
    Reason.OTHER_WORD: "close in spelling, but another known word («Ирландия» for «Исландия»)",
    Reason.EXTRA: "extra words not known to be true detail",
    Reason.INCOMPLETE: "a required part of the answer is missing",
    Reason.WRONG: "nothing in common with any accepted answer",
}

INT64 = {"format": "int64"}
_DIGITS = re.compile(r"-?[0-9]{1,20}")  # longer cannot be in range (and int() is slow)


# Fields -----------------------------------------------------------------------------------------


class Clean(validate.Regexp):
    r"""No NUL characters (Postgres text cannot hold them) and, for ``filled``, not blank.

    It is a Regexp so that the spec carries the rule as a ``pattern`` the fuzzer respects,
    but it explains a failure in words instead of quoting the pattern. Whitespace is spelled
    out beyond ``\s``: Python's ``\s`` also means \x1c-\x1f and \x85, a JSON Schema (ECMA)
    ``\s`` also means \ufeff; "blank" is either, so the spec and the server agree on it.
    """

    BLANK = r"\s\x1c-\x1f\x85\ufeff"

    def __init__(self, *, filled: bool) -> None:
        blank = self.BLANK
        pattern = rf"^[^\x00]*[^{blank}\x00][^\x00]*$" if filled else r"^[^\x00]*$"
        super().__init__(pattern)
        self.filled = filled

    def __call__(self, value: Any) -> Any:
        if "\x00" in value:
            raise ValidationError("Must not contain NUL characters.")
        if self.filled and self.regex.match(value) is None:
            raise ValidationError("Must not be empty or only whitespace.")
        return value


class Text(fields.String):
    """A string that must encode to UTF-8; surrounding whitespace is stripped after checks.

    Length and pattern are checked on the text as sent, which is what the spec describes.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("Must be valid Unicode text.") from None
        return text

    def deserialize(
        self,
        value: Any,
        attr: str | None = None,
        data: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        result = super().deserialize(value, attr, data, **kwargs)
        return result.strip() if isinstance(result, str) else result


class StrictInt(fields.Integer):
    """An integer from JSON, a path or a query string: ``"12"`` yes; ``"1.0"``, ``" 12"``,
    ``"١٢"``, ``"1_2"``, ``true`` and ``2.5`` no (``int()`` and marshmallow take some)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        # Strings only where everything is a string (path, query); a JSON body needs a number.
        if isinstance(value, str) and not self.strict and _DIGITS.fullmatch(value):
            return int(value)
        raise self.make_error("invalid")


def text_field(
    max_length: int,
    *,
    required: bool = False,
    nullable: bool = False,
    filled: bool = True,
    description: str = "",
    **kwargs: Any,
) -> Text:
    return Text(
        required=required,
        allow_none=nullable,
        validate=[validate.Length(min=1 if filled else 0, max=max_length), Clean(filled=filled)],
        metadata={"description": description} if description else {},
        **kwargs,
    )


def integer(low: int, high: int, *, description: str = "", **kwargs: Any) -> StrictInt:
    metadata: dict[str, Any] = dict(INT64) if high > MAX_INT32 else {}
    if description:
        metadata["description"] = description
    return StrictInt(validate=validate.Range(min=low, max=high), metadata=metadata, **kwargs)


def count() -> fields.Integer:
    return fields.Integer(required=True, metadata=INT64)


def timestamp(nullable: bool = False) -> fields.DateTime:
    return fields.DateTime(required=True, allow_none=nullable)


# Errors -----------------------------------------------------------------------------------------


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "machine-readable reason"})
    message = fields.String(required=True, metadata={"description": "for a person"})
    error_fields = fields.Dict(
        data_key="fields",
        metadata={"description": "per-field messages (422); for import, keyed by item index"},
    )


class Error(Schema):
    error = fields.Nested(ErrorDetail, required=True)


# Pagination -------------------------------------------------------------------------------------


class PageQuery(Schema):
    limit = integer(1, MAX_LIMIT, load_default=20, description=f"page size, 1-{MAX_LIMIT}")
    offset = integer(0, MAX_INT32, load_default=0, description="items to skip")


class Page(Schema):
    total = count()
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


# Auth -------------------------------------------------------------------------------------------


class Login(Schema):
    email = text_field(254, required=True)
    password = fields.String(
        required=True, validate=[validate.Length(min=1, max=1024), Clean(filled=False)]
    )


class LoggedOut(Schema):
    logged_out = fields.Boolean(required=True)


class Me(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    session_expires_at = timestamp()
    csrf_token = fields.String(
        required=True,
        metadata={
            "description": "send it as the X-CSRF-Token header with every POST, PUT, PATCH "
            "and DELETE of this session"
        },
    )


# Questions --------------------------------------------------------------------------------------


class HandoutFields(Schema):
    """A text handout as an admin types it (a picture: PUT /api/questions/{id}/image)."""

    text = text_field(
        MAX_HANDOUT,
        nullable=True,
        description="shown with the question; null removes it",
    )


def _strings(max_items: int, max_length: int, description: str) -> fields.List:
    return fields.List(
        text_field(max_length),
        validate=validate.Length(max=max_items),
        load_default=list,
        metadata={"description": f"{description} (at most {max_items}, each ≤ {max_length})"},
    )


class QuestionFields(Schema):
    """The editable fields; also the import and export format (a JSON array of these)."""

    text = text_field(
        MAX_TEXT,
        required=True,
        description=f"the question; with its text handout within {MAX_MESSAGE_CHARS} characters "
        "(one VK message)",
    )
    answer = text_field(200, required=True, description="the main accepted answer")
    alternatives = _strings(20, 200, "other accepted answers (зачёт)")
    rejected = _strings(
        20,
        200,
        "refused answers (незачёт): refused even where the judge's rules would accept them",
    )
    comment = text_field(2000, nullable=True, filled=False, description="shown after the verdict")
    author = text_field(200, nullable=True, filled=False, description="one line, searchable")
    source = text_field(500, nullable=True, filled=False, description="one line")
    sources = _strings(MAX_SOURCES, 1000, "sources the game shows after the answer")
    authors = _strings(MAX_AUTHORS, 200, "authors the game shows after the answer")
    handout = fields.Nested(
        HandoutFields,
        allow_none=True,
        metadata={"description": "a text handout; null removes it (a picture stays)"},
    )
    tags = fields.List(
        text_field(50),
        validate=validate.Length(max=10),
        load_default=list,
        metadata={"description": "at most 10"},
    )

    @pre_load(pass_many=True)
    def _capped(self, data: Any, many: bool, **kwargs: Any) -> Any:
        """An import is capped before any item is looked at."""
        if many and isinstance(data, list) and len(data) > MAX_IMPORT:
            raise ValidationError(f"At most {MAX_IMPORT} questions per import, got {len(data)}.")
        return data

    @post_load
    def _to_columns(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Blank optional lines are null; the handout is the ``handout_text`` column."""
        for name in ("comment", "author", "source"):
            if name in data and not data[name]:
                data[name] = None
        if "handout" in data:
            handout = data.pop("handout")
            data["handout_text"] = (handout or {}).get("text") or None
        return data


def check_message(text: str, handout_text: str | None) -> None:
    """The question as the bot sends it (the text handout, a line break, the text) fits VK's
    message; a ValidationError on ``handout`` otherwise. Within the field caps it always does;
    a pack's question may have a longer text, and then a handout added here must still fit."""
    size = len(text) + (len(handout_text) + 1 if handout_text else 0)
    if size > MAX_MESSAGE_CHARS:
        raise ValidationError(
            f"The text and its handout are {size} characters together; "
            f"one VK message holds {MAX_MESSAGE_CHARS}.",
            "handout",
        )


class ExportedHandout(HandoutFields):
    image = fields.Raw(
        allow_none=True, metadata={"description": "ignored: an import carries no pictures"}
    )


class QuestionImportItem(QuestionFields):
    """One item of an import: what an export lists, whose pack fields are accepted and ignored
    (an imported question belongs to no pack, and pictures are not in an export)."""

    pack_id = fields.Raw(allow_none=True, metadata={"description": "ignored"})
    tour = fields.Raw(allow_none=True, metadata={"description": "ignored"})
    number = fields.Raw(allow_none=True, metadata={"description": "ignored"})
    handout = fields.Nested(ExportedHandout, allow_none=True)

    @post_load
    def _no_pack(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for name in ("pack_id", "tour", "number"):
            data.pop(name, None)
        return data


class QuestionPath(Schema):
    id = integer(1, MAX_INT32, required=True, description="question id")


class QuestionQuery(PageQuery):
    q = text_field(200, filled=False, description="search text and answer (case-insensitive)")
    tag = text_field(50, filled=False, description="only questions with this tag")
    author = text_field(200, filled=False, description="only questions by this author (any case)")


class Handout(Schema):
    text = fields.String(required=True, allow_none=True)
    image = fields.Boolean(
        required=True,
        metadata={"description": "a picture comes with it: GET /api/questions/{id}/image"},
    )


class QuestionExport(Schema):
    """A stored question in the import format (what ``GET /api/questions/export`` lists)."""

    text = fields.String(required=True)
    answer = fields.String(required=True)
    alternatives = fields.List(fields.String(), required=True, metadata={"description": "зачёт"})
    rejected = fields.List(fields.String(), required=True, metadata={"description": "незачёт"})
    comment = fields.String(required=True, allow_none=True)
    author = fields.String(required=True, allow_none=True)
    source = fields.String(required=True, allow_none=True)
    sources = fields.List(fields.String(), required=True)
    authors = fields.List(fields.String(), required=True)
    handout = fields.Nested(
        Handout,
        required=True,
        allow_none=True,
        metadata={"description": "null when the question has none"},
    )
    pack_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "its pack; null if typed in"}
    )
    tour = fields.Integer(required=True, allow_none=True, metadata={"description": "in its pack"})
    number = fields.Integer(required=True, allow_none=True, metadata={"description": "in its pack"})
    tags = fields.List(fields.String(), required=True)


class Question(QuestionExport):
    id = fields.Integer(required=True)
    created_at = timestamp()
    updated_at = timestamp()


class QuestionPage(Page):
    items = fields.List(fields.Nested(Question), required=True)


class Deleted(Schema):
    id = fields.Integer(required=True)
    deleted = fields.Boolean(required=True)


class ImportResult(Schema):
    imported = fields.Integer(required=True)
    ids = fields.List(fields.Integer(), required=True)


# Chats ------------------------------------------------------------------------------------------


def _patch_field(low: int, high: int) -> fields.Field:
    return StrictInt(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=low, max=high),
        metadata={"description": f"{low}-{high}; null removes the override"},
    )


def _patch_choice(choices: tuple[str, ...]) -> fields.Field:
    return fields.String(
        allow_none=True,
        validate=validate.OneOf(choices),
        metadata={"description": f"one of {', '.join(choices)}; null removes the override"},
    )


def _choice(choices: tuple[str, ...], **kwargs: Any) -> fields.Field:
    return fields.String(validate=validate.OneOf(choices), **kwargs)


# One field per game setting, straight from the bounds and choices the bot applies
# (app.game.config), and the pack the chat plays (the bot reads ``settings["pack_id"]``).
SettingsPatch = Schema.from_dict(
    {
        **{name: _patch_field(low, high) for name, (low, high) in BOUNDS.items()},
        **{name: _patch_choice(choices) for name, choices in CHOICES.items()},
        "pack_id": StrictInt(
            allow_none=True,
            strict=True,
            validate=validate.Range(min=1, max=MAX_INT32),
            metadata={
                "description": "play this enabled pack's questions; null: random questions "
                "from the whole base, as without it"
            },
        ),
    },
    name="SettingsPatch",
)
GameSettings = Schema.from_dict(
    {
        **{name: fields.Integer(required=True) for name in BOUNDS},
        **{name: _choice(choices, required=True) for name, choices in CHOICES.items()},
    },
    name="GameSettings",
)
SettingsOverrides = Schema.from_dict(
    {
        **{name: fields.Integer() for name in BOUNDS},
        **{name: _choice(choices) for name, choices in CHOICES.items()},
    },
    name="SettingsOverrides",
)


class ChatPath(Schema):
    peer_id = integer(-MAX_INT64 - 1, MAX_INT64, required=True, description="VK peer id")


class Chat(Schema):
    peer_id = fields.Integer(required=True, metadata=INT64)
    title = fields.String(required=True, allow_none=True)
    status = fields.String(required=True)
    games_played = fields.Integer(required=True, metadata={"description": "games that began"})
    active_game_id = fields.Integer(required=True, allow_none=True)
    created_at = timestamp()
    last_activity_at = timestamp()


# What a form needs to offer: each number setting's [low, high], each choice setting's values.
SettingsBounds = Schema.from_dict(
    {
        name: fields.List(
            fields.Integer(),
            required=True,
            validate=validate.Length(equal=2),
            metadata={"description": f"[low, high] ({low}-{high})"},
        )
        for name, (low, high) in BOUNDS.items()
    },
    name="SettingsBounds",
)
SettingsChoices = Schema.from_dict(
    {name: fields.List(fields.String(), required=True) for name in CHOICES},
    name="SettingsChoices",
)


class ChatSettings(Schema):
    defaults = fields.Nested(GameSettings, required=True)
    overrides = fields.Nested(SettingsOverrides, required=True)
    effective = fields.Nested(GameSettings, required=True)
    bounds = fields.Nested(
        SettingsBounds,
        required=True,
        metadata={"description": "each number setting's allowed [low, high], both included"},
    )
    choices = fields.Nested(
        SettingsChoices,
        required=True,
        metadata={"description": "each choice setting's allowed values"},
    )
    pack_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "the pack the chat plays; null: random questions"},
    )


class ChatDetail(Chat):
    settings = fields.Nested(ChatSettings, required=True)


class ChatPage(Page):
    items = fields.List(fields.Nested(Chat), required=True)


class LeaderboardPlayer(Schema):
    user_id = fields.Integer(required=True, metadata=INT64)
    name = fields.String(
        required=True, metadata={"description": "VK name, else the one of their latest game"}
    )
    rank = fields.Integer(
        required=True,
        metadata={"description": "by correct answers alone; ties share it (1, 2, 2, 4)"},
    )
    correct = fields.Integer(required=True, metadata={"description": "rounds answered right"})
    answers = fields.Integer(required=True, metadata={"description": "rounds answered"})
    games = fields.Integer(
        required=True, metadata={"description": "the chat's games they played (began)"}
    )


class Streak(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(STREAK_KINDS))
    length = fields.Integer(required=True, validate=validate.Range(min=1))


class TeamRecord(Schema):
    games = fields.Integer(required=True, metadata={"description": "games that began"})
    won = fields.Integer(required=True, metadata={"description": "finished games the team won"})
    lost = fields.Integer(required=True, metadata={"description": "finished games the bot won"})
    drawn = fields.Integer(required=True, metadata={"description": "finished games drawn"})
    streak = fields.Nested(
        Streak,
        required=True,
        allow_none=True,
        metadata={
            "description": "equal results of the latest finished games (stopped ones skipped); "
            "null before the first finished game"
        },
    )


class Leaderboard(Page):
    items = fields.List(fields.Nested(LeaderboardPlayer), required=True)
    team = fields.Nested(TeamRecord, required=True)


# Games ------------------------------------------------------------------------------------------


class GamePath(Schema):
    id = integer(1, MAX_INT32, required=True, description="game id")


class GameQuery(PageQuery):
    peer_id = integer(-MAX_INT64 - 1, MAX_INT64, description="only this chat's games")
    status = fields.String(validate=validate.OneOf(GAME_STATUSES))


class Score(Schema):
    team = fields.Integer(required=True)
    bot = fields.Integer(required=True)


class Game(Schema):
    id = fields.Integer(required=True)
    peer_id = fields.Integer(required=True, metadata=INT64)
    status = fields.String(required=True, validate=validate.OneOf(GAME_STATUSES))
    phase = fields.String(required=True, validate=validate.OneOf(GAME_PHASES))
    round = fields.Integer(required=True)
    rounds_total = fields.Integer(required=True)
    score = fields.Nested(Score, required=True)
    captain_id = fields.Integer(required=True, allow_none=True, metadata=INT64)
    players_count = fields.Integer(required=True)
    created_at = timestamp()
    started_at = timestamp(nullable=True)
    finished_at = timestamp(nullable=True)
    updated_at = timestamp()
    deadline = fields.DateTime(
        required=True,
        allow_none=True,
        metadata={
            "description": "when the running phase (lobby, discussion, answer, ...) ends unless "
            "something happens first: the time left is deadline - now; null when the game is "
            "not active or the phase waits without a timer"
        },
    )


class Player(Schema):
    user_id = fields.Integer(required=True, metadata=INT64)
    name = fields.String(required=True, metadata={"description": "as shown in the game"})
    full_name = fields.String(required=True, allow_none=True)
    is_captain = fields.Boolean(required=True)
    answers = fields.Integer(required=True)
    correct = fields.Integer(required=True)


class Round(Schema):
    number = fields.Integer(required=True)
    question_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null once deleted"}
    )
    question_text = fields.String(required=True)
    correct_answer = fields.String(required=True)
    answerer_id = fields.Integer(required=True, allow_none=True, metadata=INT64)
    answerer_name = fields.String(required=True, allow_none=True)
    answer_text = fields.String(required=True, allow_none=True)
    correct = fields.Boolean(required=True)
    verdict = fields.String(required=True, validate=validate.OneOf(VERDICTS))
    reason = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf([reason.value for reason in Reason]),
        metadata={
            "description": "the judge's rule that decided (GET /api/games/{id} lists them); "
            "null for rounds judged before reasons were recorded"
        },
    )
    started_at = timestamp()
    answered_at = timestamp(nullable=True)
    appeal_id = fields.Integer(required=True, allow_none=True)
    appeal = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(["pending", "accepted", "rejected"]),
        metadata={"description": "the round's appeal (GET /api/appeals), null when none"},
    )


class GameDetail(Game):
    players = fields.List(fields.Nested(Player), required=True)
    rounds = fields.List(fields.Nested(Round), required=True)


class GamePage(Page):
    items = fields.List(fields.Nested(Game), required=True)


# Statistics -------------------------------------------------------------------------------------


class PlayerStats(Schema):
    user_id = fields.Integer(required=True, metadata=INT64)
    name = fields.String(required=True)
    games = fields.Integer(required=True, metadata={"description": "games played (began)"})
    finished_games = fields.Integer(required=True)
    wins = fields.Integer(required=True, metadata={"description": "finished games team won"})
    win_rate = fields.Float(
        required=True, allow_none=True, metadata={"description": "wins / finished_games"}
    )
    answers = fields.Integer(required=True)
    correct = fields.Integer(required=True)


class PlayerStatsPage(Page):
    items = fields.List(fields.Nested(PlayerStats), required=True)


class StatusCounts(Schema):
    active = fields.Integer(required=True)
    finished = fields.Integer(required=True)
    stopped = fields.Integer(required=True)
    closed = fields.Integer(required=True)


class Overview(Schema):
    chats = count()
    games = fields.Integer(required=True, metadata={"description": "games that began"})
    active_games = count()
    games_by_status = fields.Nested(StatusCounts, required=True)
    questions = count()
    players = count()
    team_wins = count()
    bot_wins = count()
    draws = count()


class DailyQuery(Schema):
    days = integer(1, 366, load_default=30, description="the last N UTC days, today included")


class DayStats(Schema):
    date = fields.Date(required=True, metadata={"description": "a UTC day"})
    games = fields.Integer(required=True, metadata={"description": "games that began that day"})
    team_wins = fields.Integer(required=True, metadata={"description": "of them, finished won"})
    bot_wins = fields.Integer(required=True, metadata={"description": "of them, finished lost"})
    draws = fields.Integer(required=True, metadata={"description": "of them, finished drawn"})


class DailyStats(Schema):
    items = fields.List(
        fields.Nested(DayStats),
        required=True,
        metadata={"description": "one per day, oldest first, days without games included"},
    )


class HardestQuery(Schema):
    limit = integer(1, MAX_LIMIT, load_default=10, description=f"how many, 1-{MAX_LIMIT}")
    min_played = integer(
        1, MAX_INT32, load_default=1, description="only questions played at least this often"
    )


class HardQuestion(Schema):
    question_id = fields.Integer(required=True)
    text = fields.String(required=True)
    answer = fields.String(required=True)
    played = fields.Integer(required=True, metadata={"description": "rounds played with it"})
    wrong = fields.Integer(
        required=True, metadata={"description": "of them, not answered right (silence included)"}
    )
    wrong_rate = fields.Float(required=True, metadata={"description": "wrong / played"})


class HardestQuestions(Schema):
    items = fields.List(
        fields.Nested(HardQuestion),
        required=True,
        metadata={"description": "by wrong_rate, then played, both descending"},
    )


# Health -----------------------------------------------------------------------------------------


class Health(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("ok", "degraded")))
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


# Packs ------------------------------------------------------------------------------------------


class PackPath(Schema):
    id = integer(1, MAX_INT32, required=True, description="pack id")


class PackPatch(Schema):
    """What an admin may change of an imported pack (only the fields sent)."""

    enabled = fields.Boolean(metadata={"description": "whether games draw from it"})
    title = text_field(500, description="its title")


class Pack(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    editors = fields.List(fields.String(), required=True)
    date = fields.String(required=True, allow_none=True, metadata={"description": "as written"})
    tours = count()
    questions = count()
    pictures = fields.Integer(
        required=True, metadata={"format": "int64", "description": "questions with a picture"}
    )
    enabled = fields.Boolean(required=True)


class PackPage(Page):
    items = fields.List(fields.Nested(Pack), required=True)


class PackQuestion(Schema):
    id = fields.Integer(required=True)
    tour = fields.Integer(required=True)
    number = fields.Integer(required=True)
    text = fields.String(required=True)
    answer = fields.String(required=True)
    alternatives = fields.List(fields.String(), required=True, metadata={"description": "зачёт"})
    rejected = fields.List(fields.String(), required=True, metadata={"description": "незачёт"})
    comment = fields.String(required=True, allow_none=True)
    sources = fields.List(fields.String(), required=True)
    authors = fields.List(fields.String(), required=True)
    handout = fields.Nested(Handout, required=True, allow_none=True)


class PackDetail(Pack):
    items = fields.List(
        fields.Nested(PackQuestion),
        required=True,
        metadata={"description": "the pack's questions in their order (tour, number)"},
    )


# Appeals ----------------------------------------------------------------------------------------

APPEAL_STATUSES = ("pending", "accepted", "rejected")


class AppealQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(APPEAL_STATUSES))


class AppealPath(Schema):
    id = integer(1, MAX_INT32, required=True, description="appeal id")


class Appeal(Schema):
    id = fields.Integer(required=True)
    game_id = fields.Integer(required=True)
    peer_id = fields.Integer(required=True, metadata=INT64)
    round = fields.Integer(required=True)
    question_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null once deleted"}
    )
    question_text = fields.String(required=True, allow_none=True)
    correct_answer = fields.String(
        required=True, allow_none=True, metadata={"description": "the author's answer"}
    )
    answer_text = fields.String(required=True, metadata={"description": "the team's answer"})
    filed_by = fields.Integer(required=True, metadata={**INT64, "description": "the captain"})
    status = fields.String(required=True, validate=validate.OneOf(APPEAL_STATUSES))
    created_at = timestamp()
    decided_at = timestamp(nullable=True)
    decided_by = fields.Integer(
        required=True,
        allow_none=True,
        metadata={**INT64, "description": "a VK user (chat) or an admin id (api)"},
    )
    decided_via = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(["chat", "api"])
    )
    applied = fields.Boolean(
        required=True,
        metadata={"description": "the bot has corrected the game and told the chat"},
    )


class AppealPage(Page):
    items = fields.List(fields.Nested(Appeal), required=True)
