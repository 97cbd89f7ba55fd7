"""The leaderboard's texts (app/bot/texts.py): Russian agreement, the team's record and
streak in each case, and a full list of the longest names within one VK message."""

from __future__ import annotations

import pytest

from app.bot import texts
from app.repositories.leaderboard import PlayerLine, Streak, StreakKind, TeamRecord
from app.vk.limits import MAX_MESSAGE_CHARS


def team(won: int, lost: int, drawn: int, streak: Streak | None, games: int = 0) -> TeamRecord:
    return TeamRecord(games or won + lost + drawn, won, lost, drawn, streak)


@pytest.mark.parametrize(
    ("record", "lines"),
    [
        (
            team(1, 2, 5, Streak("lost", 2)),
            ["Знатоки против бота: 1 победа, 2 поражения, 5 ничьих.", "Серия: 2 поражения подряд."],
        ),
        (
            team(21, 0, 2, Streak("won", 21)),
            ["Знатоки против бота: 21 победа, 0 поражений, 2 ничьи.", "Серия: 21 победа подряд."],
        ),
        (
            team(12, 11, 1, Streak("drawn", 1), games=30),
            [
                "Знатоки против бота: 12 побед, 11 поражений, 1 ничья.",
                "Последняя игра — ничья.",
                "Сыграно игр: 30, до конца доиграно: 24.",
            ],
        ),
        (
            team(0, 0, 0, None, games=2),
            ["Знатоки против бота: пока ни одной игры, доигранной до конца (сыграно игр: 2)."],
        ),
    ],
)
def test_the_team_record_and_its_streak(record: TeamRecord, lines: list[str]) -> None:
    text = texts.leaderboard([PlayerLine(1, "Аня", 1, 0, 0, 1)], 1, record)
    assert text.split("\n\n")[1].splitlines() == lines


@pytest.mark.parametrize(
    ("kind", "length", "line"),
    [("won", 3, "Серия: 3 победы подряд."), ("drawn", 4, "Серия: 4 ничьи подряд.")],
)
def test_streak_words(kind: StreakKind, length: int, line: str) -> None:
    text = texts.leaderboard([], 0, team(length, 0, 0, Streak(kind, length)))
    assert text.endswith(line)


def test_player_lines_agree_in_number() -> None:
    lines = [
        PlayerLine(1, "Аня", 1, 5, 7, 21),
        PlayerLine(2, "Боря", 2, 1, 2, 2),
        PlayerLine(3, "Вера", 2, 1, 1, 11),
        PlayerLine(4, "Глеб", 4, 0, 0, 1),
    ]
    text = texts.leaderboard(lines, 25, team(1, 0, 0, Streak("won", 1)))
    assert text.splitlines()[1:6] == [
        "1. Аня — 5 из 7 верно, 21 игра",
        "2. Боря — 1 из 2 верно, 2 игры",
        "2. Вера — 1 из 1 верно, 11 игр",
        "4. Глеб — без ответов, 1 игра",
        "…и ещё 21 игрок. Своё место: /me",
    ]
    assert texts.my_rank(lines[3], 21) == "Глеб: 4-е место из 21 игрока — без ответов, 1 игра."
    assert texts.my_rank(lines[0], 11).startswith("Аня: 1-е место из 11 игроков —")


def test_the_longest_names_keep_a_full_list_within_one_message() -> None:
    longest = "Щ" * 200 + " " + "Щ" * 200  # VK's first and last name, 200 characters each
    lines = [PlayerLine(n, longest, n, 10**6, 10**6, 10**5) for n in range(1, 16)]
    text = texts.leaderboard(lines, 10**6, team(10**5, 10**5, 10**5, Streak("drawn", 10**5)))
    assert len(text) <= MAX_MESSAGE_CHARS
    assert f"{'Щ' * (texts.NAME_CHARS - 1)}…" in text
