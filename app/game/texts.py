"""Every game text the players read (Russian), rendered from the state; pure functions."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from app.game.model import (
    BLITZ_QUESTIONS,
    BLITZ_SECTOR,
    MAX_PLAYERS,
    TV_MAX_ROUNDS,
    TV_TARGET,
    Game,
    Phase,
)

WARNING_SECONDS = 10

PHASE_NAMES = {
    Phase.LOBBY: "набор команды",
    Phase.DISCUSSION: "обсуждение вопроса",
    Phase.PICK: "капитан выбирает отвечающего",
    Phase.ANSWER: "ожидаем ответ",
    Phase.PAUSE: "перерыв между раундами",
    Phase.SPIN: "крутится волчок",
    Phase.FINISHED: "игра окончена",
    Phase.STOPPED: "игра остановлена",
    Phase.CLOSED: "набор закрыт",
}

# Snackbars (VK shows at most 90 characters).
JOINED = "Вы в команде! Ждём начала игры."
ALREADY_JOINED = "Вы уже в команде."
TEAM_FULL = f"Команда уже полная ({MAX_PLAYERS} игроков)."
LOBBY_OVER = "Набор уже закончен."
JOIN_FIRST = "Сначала нажмите «Играю»."
ALREADY_STARTED = "Игра уже идёт."
CAPTAIN_ONLY_EARLY = "Досрочный ответ может дать только капитан."
CAPTAIN_ONLY_PICK = "Отвечающего выбирает только капитан."
NOT_A_PLAYER = "Этот игрок не в команде."
TOO_LATE = "Эта кнопка уже не действует."
GAME_OVER = "Эта игра уже закончилась."
PICKED = "Выбор сделан."
EARLY_OK = "Досрочный ответ!"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian noun agreement: 1 вопрос, 2 вопроса, 5 вопросов, 21 вопрос, 11 вопросов."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def seconds_left(deadline: datetime | None, now: datetime) -> int:
    if deadline is None:
        return 0
    return max(0, round((deadline - now).total_seconds()))


def player_list(game: Game) -> str:
    if not game.players:
        return "пока никого"
    return ", ".join(player.name for player in game.players)


def lobby(game: Game) -> str:
    pack = f"Пакет: «{game.pack_title}».\n" if game.pack_title else ""
    return (
        "Собираем команду знатоков!\n"
        f"Нажмите «Играю», чтобы присоединиться. {game_length(game)}\n"
        f"{pack}"
        f"Любой игрок может нажать «Начать игру»; через {game.settings.lobby_seconds} с "
        "игра начнётся сама.\n\n"
        f"В команде ({len(game.players)}): {player_list(game)}"
    )


def lobby_closed(game: Game) -> str:
    return lobby(game) + "\n\nНабор закрыт."


def nobody_joined() -> str:
    return "Никто не присоединился, игра не началась. Наберите /start, чтобы попробовать снова."


def captain(game: Game) -> str:
    return (
        f"Игра начинается! В команде: {player_list(game)}.\n"
        f"Капитан — {game.name_of(game.captain_id)}. Капитан может ответить досрочно "
        "и выбирает, кто отвечает."
    )


def question(game: Game, *, warned: bool = False, closed: bool = False) -> str:
    q = game.question
    handout = f"Раздаточный материал:\n{q.handout}\n\n" if q.handout else ""
    text = (
        f"{round_title(game)}\n\n"
        f"{handout}"
        f"Вопрос: {q.text}\n\n"
        f"На обсуждение {game.discussion_seconds} с. Капитан "
        f"({game.name_of(game.captain_id)}) может нажать «Досрочный ответ»."
    )
    if closed:
        return text + "\n\nОбсуждение окончено."
    if warned:
        return text + f"\n\n⏳ Осталось {WARNING_SECONDS} секунд!"
    return text


def pick(game: Game, *, chosen: int | None = None) -> str:
    text = (
        f"Время! Капитан {game.name_of(game.captain_id)}, выберите, кто отвечает. "
        f"На выбор {game.settings.pick_seconds} с, иначе отвечает капитан."
    )
    if chosen is not None:
        return text + f"\n\nОтвечает {game.name_of(chosen)}."
    return text


def answer_prompt(game: Game) -> str:
    return (
        f"Раунд {game.round}. Отвечает {game.name_of(game.answerer_id)}! "
        "Напишите ответ одним сообщением, "
        f"у вас {game.settings.answer_seconds} с."
    )


def score(game: Game) -> str:
    return f"Знатоки {game.score_team} : {game.score_bot} Бот"


def verdict(game: Game, correct: bool, given: str | None) -> str:
    q = game.question
    if given is None:
        head = "Время вышло, ответа нет. Очко боту."
    elif correct:
        head = f"Верно! «{given}» — очко знатокам."
    else:
        head = f"Неверно: «{given}». Очко боту."
    lines = [head, f"Правильный ответ: {q.answer}."]
    if q.comment:
        lines.append(f"Комментарий: {q.comment}")
    lines.extend(credits(game))
    lines.append(f"Счёт: {score(game)}.")
    if game.has_next_round and game.settings.pause_seconds > 0:
        lines.append(f"Следующий вопрос через {game.settings.pause_seconds} с.")
    return "\n".join(lines)


def appeal_hint(game: Game) -> str:
    """The line under a verdict that can be appealed."""
    return (
        f"Не согласны? Капитан может подать апелляцию в течение {game.settings.appeal_seconds} с."
    )


APPEAL_MARKS = {
    "pending": "апелляция на рассмотрении",
    "accepted": "апелляция принята",
    "rejected": "апелляция отклонена",
}


def appeal_filed(game: Game, number: int, given: str, author_answer: str) -> str:
    return (
        f"Капитан {game.name_of(game.captain_id)} подал апелляцию на раунд {number}.\n"
        f"Ответ команды: «{given}».\nАвторский ответ: {author_answer}.\n"
        "Принять или отклонить её может администратор беседы."
    )


def appeal_decision_note(accepted: bool, who: str) -> str:
    return f"Решение: {'принята' if accepted else 'отклонена'} ({who})."


def appeal_decided(game: Game, number: int, given: str, accepted: bool) -> str:
    if accepted:
        return (
            f"Апелляция принята: ответ «{given}» в раунде {number} засчитан, очко знатокам.\n"
            f"Счёт: {score(game)}."
        )
    return f"Апелляция по раунду {number} отклонена. Счёт не меняется: {score(game)}."


# Sources can be long lists of links: the verdict names the first few.
MAX_SOURCES_SHOWN = 3


def credits(game: Game) -> list[str]:
    """The question's author(s) and, when the pack gives them, its sources."""
    q = game.question
    lines = []
    if q.authors:
        label = "Автор" if len(q.authors) == 1 else "Авторы"
        lines.append(f"{label}: {', '.join(q.authors)}.")
    if q.sources:
        shown = q.sources[:MAX_SOURCES_SHOWN]
        more = len(q.sources) - len(shown)
        tail = f" (и ещё {more})" if more else ""
        label = "Источник" if len(q.sources) == 1 else "Источники"
        lines.append(f"{label}: {'; '.join(shown)}{tail}")
    return lines


def winner(game: Game) -> str:
    if game.score_team > game.score_bot:
        return "Победили знатоки!"
    if game.score_team < game.score_bot:
        return "Победил бот."
    return "Ничья."


def results(game: Game) -> str:
    head = "Игра остановлена досрочно." if game.phase is Phase.STOPPED else "Игра окончена!"
    verdict = winner(game) if game.results else "Победителя нет."
    lines = [head, f"Счёт: {score(game)}. {verdict}"]
    if game.results:
        lines.append("\nРаунды:")
        for result in game.results:
            who = game.name_of(result.answerer_id) if result.answerer_id else "никто"
            mark = "верно ✅" if result.correct else "неверно ❌"
            given = f"«{result.answer_text}»" if result.answer_text else "без ответа"
            appeal = f" ({APPEAL_MARKS[result.appeal]})" if result.appeal in APPEAL_MARKS else ""
            lines.append(f"{result.number}. Отвечал(а) {who}: {given} — {mark}{appeal}")
        answers = Counter(r.answerer_id for r in game.results if r.answerer_id)
        correct = Counter(r.answerer_id for r in game.results if r.answerer_id and r.correct)
        lines.append("\nИгроки:")
        for player in game.players:
            lines.append(
                f"{player.name}: ответов {answers[player.user_id]}, "
                f"верных {correct[player.user_id]}"
            )
    else:
        lines.append("Ни один раунд не был сыгран.")
    lines.extend(sectors_played(game))
    return "\n".join(lines)


def info(game: Game, now: datetime) -> str:
    lines = [f"Идёт игра: {PHASE_NAMES[game.phase]}."]
    if game.phase is not Phase.LOBBY:
        lines.append(f"{round_title(game)} Счёт: {score(game)}.")
        lines.append(f"Капитан: {game.name_of(game.captain_id)}.")
        lines.extend(sectors_line(game))
    lines.append(f"Игроки: {player_list(game)}.")
    if game.phase is Phase.ANSWER:
        lines.append(f"Отвечает: {game.name_of(game.answerer_id)}.")
    if game.deadline is not None:
        lines.append(f"Осталось секунд: {seconds_left(game.deadline, now)}.")
    appeals = [f"раунд {r.number} — {APPEAL_MARKS[r.appeal]}" for r in game.results if r.appeal]
    if appeals:
        lines.append(f"Апелляции: {'; '.join(appeals)}.")
    lines.append("Остановить игру: /stop.")
    return "\n".join(lines)


def already_running(game: Game) -> str:
    return f"Игра уже идёт ({PHASE_NAMES[game.phase]}). Посмотреть: /info, остановить: /stop."


def no_game() -> str:
    return "Сейчас игра не идёт. Начать: /start."


def no_questions() -> str:
    return "В базе пока нет вопросов — попросите администратора добавить их."


def last_results(game: Game) -> str:
    return "Сейчас игра не идёт. Итоги прошлой игры:\n\n" + results(game)


# The TV format (app/game/tv.py) ---------------------------------------------------------------


def game_length(game: Game) -> str:
    if game.tv:
        return (
            f"Телеформат: игра до {TV_TARGET} очков (не больше {TV_MAX_ROUNDS} раундов), "
            "сектор раунда выбирает волчок."
        )
    n = game.rounds_total
    return f"Игра: {n} {plural(n, 'вопрос', 'вопроса', 'вопросов')}."


def round_title(game: Game) -> str:
    if game.blitz:
        return f"Раунд {game.round}. Блиц: вопрос {game.blitz} из {BLITZ_QUESTIONS}."
    if game.tv:
        spun = len(game.sectors) >= game.round
        where = f"сектор {game.sectors[game.round - 1]}" if spun else "крутится волчок"
        return f"Раунд {game.round} (игра до {TV_TARGET} очков), {where}."
    return f"Раунд {game.round} из {game.rounds_total}."


def spin(game: Game, passing: int) -> str:
    return (
        f"Раунд {game.round}. Волчок крутится… 🌀\n"
        f"Стрелка проходит сектор {passing}.{_played_note(game)}"
    )


def spin_stopped(game: Game, landed: int) -> str:
    """The stop; the current round's sector is already recorded in ``game.sectors``."""
    sector = game.sectors[game.round - 1]
    lines = [f"Раунд {game.round}. Волчок остановился: сектор {sector}."]
    if landed != sector:
        lines.append(
            f"Стрелка указала на сектор {landed}, но его сыграть нельзя"
            f" — играет следующий: сектор {sector}."
        )
    if sector == BLITZ_SECTOR:
        lines.append(
            f"Блиц! {BLITZ_QUESTIONS} вопроса подряд, по {game.settings.blitz_seconds} с на "
            "обсуждение. После первого капитан выберет отвечающего — он ответит на все три. "
            "Очко знатокам, только если все ответы верны; первый неверный отдаёт очко боту."
        )
    else:
        lines.append("Вопрос знатокам.")
    return "\n".join(lines)


def _played_note(game: Game) -> str:
    played = game.sectors[: game.round - 1]
    if not played:
        return ""
    return "\nУже сыграны: " + ", ".join(str(s) for s in sorted(played)) + "."


def blitz_next(game: Game, given: str) -> str:
    lines = [
        f"Верно! «{given}» — блиц: {game.blitz} из {BLITZ_QUESTIONS}.",
        f"Правильный ответ: {game.question.answer}.",
        *credits(game),
        "Следующий вопрос блица!",
    ]
    return "\n".join(lines)


def blitz_verdict(game: Game, correct: bool, given: str | None) -> str:
    """The verdict that ends a blitz (the classic verdict with the blitz's own first line)."""
    if correct:
        head = f"Верно! «{given}» — все {BLITZ_QUESTIONS} вопроса блица взяты, очко знатокам."
    elif given is None:
        head = "Время вышло, ответа нет. Блиц проигран — очко боту."
    else:
        head = f"Неверно: «{given}». Блиц проигран — очко боту."
    return "\n".join([head, *verdict(game, correct, given).split("\n")[1:]])


def _blitz_score(game: Game) -> str:
    return f"блиц, верных ответов {game.blitz_right} из {BLITZ_QUESTIONS}"


def sectors_line(game: Game) -> list[str]:
    """/info's one line of the TV game's sectors so far."""
    if not game.tv or not game.sectors:
        return []
    played = [
        f"{sector} ({_blitz_score(game)})" if sector == BLITZ_SECTOR else str(sector)
        for sector in game.sectors
    ]
    return [f"Сыгранные секторы: {', '.join(played)}."]


def sectors_played(game: Game) -> list[str]:
    """The TV game's spins for the results and /info: each round's sector, the blitz's score."""
    if not game.tv or not game.sectors:
        return []
    lines = ["\nВолчок:"]
    for number, sector in enumerate(game.sectors, start=1):
        line = f"{number}. сектор {sector}"
        if sector == BLITZ_SECTOR:
            line += f" — {_blitz_score(game)}"
        lines.append(line)
    # Eleven rounds always give a side six points: short of them, the deck ran out.
    if game.phase is Phase.FINISHED and max(game.score_team, game.score_bot) < TV_TARGET:
        lines.append("Вопросы в колоде закончились: игра окончена при этом счёте.")
    return lines
