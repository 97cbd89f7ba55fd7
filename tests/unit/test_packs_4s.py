"""The 4s format (app/packs/fours.py)."""

from __future__ import annotations

import pathlib

import pytest

from app.packs import Handout, Pack, PackError, load
from app.packs.fours import strip_markup
from app.packs.limits import MAX_MESSAGE_CHARS

SAMPLES = pathlib.Path(__file__).parent / "packs_samples"


def parse(text: str, name: str = "pack.4s") -> Pack:
    return load(text.encode(), name).pack


def test_full_sample() -> None:
    pack = load((SAMPLES / "full.4s").read_bytes(), "full.4s").pack
    assert pack.title == "Кубок Образцов — 2026"
    assert pack.date == "15 ноября 2026"
    assert pack.editors == ("Иван Иванов (Москва)", "Пётр Петров")
    assert pack.info == "Тестовый пакет."
    assert [(t.number, t.title) for t in pack.tours] == [(1, "Первый тур"), (2, "Второй тур")]
    q1, q2, q3 = pack.questions
    assert q1.number == 1
    assert q1.text == "Перед вами надпись. Что за сказка здесь зашифрована?"
    assert q1.handout == Handout(text="Кот\nв сапогах")
    assert (q1.answer, q1.accepted, q1.rejected) == (
        "«Кот в сапогах»",
        ("Кот в сапогах", "Puss in Boots"),
        ("Кот",),
    )
    assert q1.comment == "Это просто."
    assert q1.sources == ("Ш. Перро. Сказки.", "http://example.com/puss")
    assert q1.authors == ("Сидор Сидоров",)
    assert (q2.number, q2.text, q2.handout) == (
        7,
        "Что на картинке?",
        Handout(image="bridge_1.png"),
    )
    assert (q2.accepted, q2.rejected) == (("мостик", "переправа"), ("дорога",))
    assert q3.number == 2  # "№ 7" numbered one question only
    assert q3.tour == 2
    assert q3.handout == Handout(text="Лист бумаги с текстом")
    assert q3.text == "Вопрос с за\u0301мком и для экрана."
    assert q3.authors == ("Анна Смирнова", "Борис Борисов")
    assert pack.images == ("bridge_1.png",)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("_курсив_", "курсив"),
        ("__жирный__", "жирный"),
        ("___подчёркнутый___", "подчёркнутый"),
        ("~зачёркнутый~", "зачёркнутый"),
        ("два _слова тут_ и", "два слова тут и"),
        ("snake_case_name", "snake_case_name"),
        ("a _ b _ c", "a _ b _ c"),
        (r"\_не курсив\_", "_не курсив_"),
        ("з`амок", "за\u0301мок"),
        ("до(PAGEBREAK)после", "допосле"),
        ("x (hidden-comment тайна) y", "x  y"),
        ("(screen печать|экран)", "экран"),
        ("Вопрос 4SCOUNTER", "Вопрос "),
    ],
)
def test_strip_markup(source: str, expected: str) -> None:
    assert strip_markup(source) == expected


def test_markers_need_a_space_and_lines_continue() -> None:
    pack = parse("? Строка один\n#не маркер\n?тоже нет\n! Ответ\n")
    assert pack.questions[0].text == "Строка один\n#не маркер\n?тоже нет"


def test_numbering_counter_and_reset() -> None:
    pack = parse(
        "№ 0\n? Разминка\n! О\n\n? Первый\n! О\n\n№№ 10\n? Десятый\n! О\n\n? Одиннадцатый\n! О\n"
        "№ Особый\n? Двенадцатый\n! О\n"
    )
    assert [q.number for q in pack.questions] == [0, 1, 10, 11, 12]


def test_handout_marker_and_inline_handout_add_up() -> None:
    # ">" fields first, then the inline blocks
    pack = parse("? [Раздаточный материал: два] Вопрос\n> один\n! О\n")
    assert pack.questions[0].handout == Handout(text="один\nдва")


def test_picture_with_only_a_name() -> None:
    pack = parse("? (img pic.jpg) Что это?\n! О\n")
    assert pack.questions[0].handout == Handout(image="pic.jpg")


def test_list_items_in_a_question_and_several_fields() -> None:
    pack = parse("? Блиц:\n- первый\n- второй\n! а\n= б\n= в, г\n^ один\n^ два\n@ X\n@ Y\n")
    q = pack.questions[0]
    assert q.text == "Блиц:\n- первый\n- второй"
    assert (q.accepted, q.sources, q.authors) == (("б", "в", "г"), ("один", "два"), ("X", "Y"))


def test_no_title_falls_back_to_file_name() -> None:
    assert parse("? В\n! О\n", "Кубок.4s").title == "Кубок"


BAD = [
    ("text before markers", "просто текст\n? В\n! О\n", 1, "before the first marker"),
    ("answer outside question", "### T\n! О\n", 2, "outside a question"),
    ("after a tour", "? В\n! О\n## Тур\n= зачёт\n", 4, "outside a question"),
    ("no answer", "### T\n? Вопрос\n/ коммент\n", 2, "no answer"),
    ("truncated", "### T\n? Вопрос один\n! О\n? Вопрос д", 4, "no answer"),
    ("two answers", "? В\n! О\n! П\n", 3, "second '!'"),
    ("open handout", "? [Раздаточный материал: кот\n! О\n", 1, "never closed"),
    ("empty question", "?\n! О\n", 1, "no text"),
    ("dangling handout", "? В\n! О\n№ 2\n> лист\n", None, "no question after"),
    ("no questions", "### Пусто\n## Тур\n", None, "no questions"),
]


@pytest.mark.parametrize(("case", "text", "line", "problem"), BAD, ids=[b[0] for b in BAD])
def test_bad_4s(case: str, text: str, line: int | None, problem: str) -> None:
    with pytest.raises(PackError) as info:
        parse(text)
    assert (info.value.file, info.value.line) == ("pack.4s", line)
    assert problem in info.value.problem


def test_answer_over_vk_limit() -> None:
    with pytest.raises(PackError, match=r"pack.4s:2: question 3: the answer is \d+ char"):
        parse(f"№ 3\n? В\n! {'о' * (MAX_MESSAGE_CHARS + 1)}\n")
