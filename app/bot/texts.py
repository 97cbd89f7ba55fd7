"""Every text the bot shows to players (Russian), in one place."""

from __future__ import annotations

from collections.abc import Sequence

from app.game.texts import plural
from app.repositories.leaderboard import PlayerLine, StreakKind, TeamRecord

HELP = (
    "Привет! Я веду командную игру «Что? Где? Когда?» прямо в этой беседе.\n\n"
    "Команды:\n"
    "/start — собрать команду и начать игру\n"
    "/stop — закончить игру досрочно\n"
    "/info — что происходит в игре сейчас (или итоги прошлой)\n"
    "/pack — выбрать пакет вопросов (/pack random — снова случайные вопросы)\n"
    "/top — рейтинг игроков беседы и счёт команды против бота\n"
    "/me — ваше место в рейтинге\n"
    "/rules — правила\n"
    "/help — эта подсказка\n\n"
    "Если я не отвечаю, упомяните меня: @… /start"
)

RULES = (
    "Правила «Что? Где? Когда?»:\n"
    "1. /start открывает набор: нажмите «Играю», затем «Начать игру».\n"
    "2. Я выбираю капитана случайно среди игроков.\n"
    "3. Каждый раунд я задаю вопрос, и команда обсуждает его в беседе. "
    "Капитан может нажать «Досрочный ответ», чтобы закончить обсуждение раньше.\n"
    "4. После обсуждения капитан выбирает, кто отвечает. Не выбрал вовремя — отвечает сам.\n"
    "5. Отвечающий пишет ответ одним сообщением. Небольшие опечатки прощаются.\n"
    "6. Верный ответ — очко знатокам, неверный или молчание — очко боту.\n"
    "7. После последнего раунда я подвожу итоги. /stop заканчивает игру досрочно.\n"
    "8. Не согласны с вердиктом? Капитан может нажать «Апелляция» под ним; решает "
    "администратор беседы.\n"
    "9. В режиме «как на ТВ» игра идёт до 6 очков: раунд начинается с волчка, "
    "13-й сектор — блиц из трёх вопросов подряд."
)

GREETING = (
    "Всем привет! Я бот-ведущий «Что? Где? Когда?». Наберите /help, чтобы узнать, как играть."
)


# The pack chooser (/pack) ---------------------------------------------------------------------

# The line the sender adds to a question whose picture could not be uploaded to VK.
PICTURE_MISSING = "(Картинку к этому вопросу показать не удалось.)"

PACKS_DURING_GAME = "Пакет можно выбрать между играми. Остановить игру: /stop."
PACKS_NONE = "Пакетов пока нет: игра идёт на случайных вопросах из базы."
PACK_GONE = "Этот пакет больше недоступен."
PACK_PINNED_SNACKBAR = "Пакет выбран."
PACK_RANDOM_SNACKBAR = "Будут случайные вопросы."


def packs_page(page: int, pages: int, current: str | None) -> str:
    now = f"Сейчас выбран пакет «{current}»." if current else "Сейчас вопросы случайные."
    where = f" (страница {page + 1} из {pages})" if pages > 1 else ""
    return (
        f"Пакеты вопросов{where}. {now}\n"
        "Выбранный пакет играется по порядку, следующая игра продолжит с того места, "
        "где остановилась прошлая. Кнопка «Случайные вопросы» или /pack random — "
        "вернуться к случайным вопросам."
    )


def pack_pinned(title: str) -> str:
    return f"Выбран пакет «{title}». Начать игру: /start."


def pack_unpinned() -> str:
    return "Пакет не выбран: вопросы будут случайными из всей базы. Начать игру: /start."


# Leaderboards (/top, /me) ---------------------------------------------------------------------

TOP_NO_GAMES = "В этой беседе ещё не сыграно ни одной игры. Собрать команду: /start."
NEVER_PLAYED = (
    "Вы ещё не играли в этой беседе, поэтому в рейтинге вас нет. Собрать команду: /start."
)
NAME_CHARS = 60  # a VK name can be 400 characters; the list stays readable and within a message

# (one, few, many) forms of each result, and of the same word in a streak.
RESULTS: dict[StreakKind, tuple[str, str, str]] = {
    "won": ("победа", "победы", "побед"),
    "lost": ("поражение", "поражения", "поражений"),
    "drawn": ("ничья", "ничьи", "ничьих"),
}


def _count(n: int, kind: StreakKind) -> str:
    return f"{n} {plural(n, *RESULTS[kind])}"


def _name(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _figures(line: PlayerLine) -> str:
    answered = f"{line.correct} из {line.answers} верно" if line.answers else "без ответов"
    return f"{answered}, {line.games} {plural(line.games, 'игра', 'игры', 'игр')}"


def _team(team: TeamRecord) -> list[str]:
    if team.streak is None:
        return [
            "Знатоки против бота: пока ни одной игры, доигранной до конца "
            f"(сыграно игр: {team.games})."
        ]
    results = ", ".join(_count(getattr(team, kind), kind) for kind in RESULTS)
    finished = team.won + team.lost + team.drawn
    kind, length = team.streak.kind, team.streak.length
    lines = [f"Знатоки против бота: {results}."]
    if length > 1:
        lines.append(f"Серия: {_count(length, kind)} подряд.")
    else:
        lines.append(f"Последняя игра — {RESULTS[kind][0]}.")
    if finished != team.games:
        lines.append(f"Сыграно игр: {team.games}, до конца доиграно: {finished}.")
    return lines


def leaderboard(lines: Sequence[PlayerLine], total: int, team: TeamRecord) -> str:
    """The chat's top players (ties share a place) and the team's record against the bot."""
    rows = ["Рейтинг беседы по верным ответам:"]
    rows += [f"{line.rank}. {_name(line.name)} — {_figures(line)}" for line in lines]
    more = total - len(lines)
    if more > 0:
        rows.append(f"…и ещё {more} {plural(more, 'игрок', 'игрока', 'игроков')}. Своё место: /me")
    return "\n".join([*rows, "", *_team(team)])


def my_rank(line: PlayerLine, total: int) -> str:
    among = plural(total, "игрока", "игроков", "игроков")  # "из 21 игрока", "из 5 игроков"
    return f"{_name(line.name)}: {line.rank}-е место из {total} {among} — {_figures(line)}."
