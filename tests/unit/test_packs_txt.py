"""The question database's text export (app/packs/txt.py) and the rules all formats share."""

from __future__ import annotations

import pathlib

import pytest

from app.packs import FORMATS, Handout, Pack, PackError, load
from app.packs.common import decode, join_lines, split_names, split_sources, split_variants
from app.packs.limits import MAX_MESSAGE_CHARS, MAX_PACK_FILE_BYTES

SAMPLES = pathlib.Path(__file__).parent / "packs_samples"


def parse(text: str, name: str = "pack.txt", encoding: str = "utf-8") -> Pack:
    return load(text.encode(encoding), name).pack


def error(text: str, name: str = "pack.txt") -> PackError:
    with pytest.raises(PackError) as info:
        load(text.encode(), name)
    return info.value


def test_full_sample() -> None:
    pack = load((SAMPLES / "full.txt").read_bytes(), "full.txt").pack
    assert pack.title == "Кубок Образцов — 2026"
    assert pack.date == "15-Nov-2026"
    assert pack.editors == ("Иван Иванов (Москва)", "Пётр Петров (Казань)", "Анна Смирнова")
    assert pack.info == "Тестовый пакет."
    assert [(t.number, t.title, len(t.questions)) for t in pack.tours] == [
        (1, "Первый тур", 2),
        (2, "Второй тур", 1),
    ]
    q1, q2, q3 = pack.questions
    assert (q1.tour, q1.number) == (1, 1)
    assert q1.text == "Перед вами надпись. Что за сказка здесь зашифрована?"
    assert q1.handout == Handout(text="Кот\nв сапогах")
    assert q1.answer == "«Кот в сапогах»"
    assert q1.accepted == ("Кот в сапогах", "Puss in Boots")
    assert q1.rejected == ("Кот",)
    assert q1.comment == "Это просто."
    assert q1.sources == ("Ш. Перро. Сказки.", "http://example.com/puss в продолжении")
    assert q1.authors == ("Сидор Сидоров (Санкт-Петербург)",)
    assert q2.handout == Handout(image="20260002.jpg")
    assert q2.text == "Что изображено на картинке?"
    assert q2.accepted == ("мостик", "переправа")
    assert q2.rejected == ("дорога",)
    assert (q3.tour, q3.number, q3.answer, q3.sources) == (2, 3, "Три", ("Википедия",))
    assert pack.images == ("20260002.jpg",)


def test_format_constant() -> None:
    assert FORMATS == ("txt", "4s", "xml")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "koi8-r", "utf-16"], ids=str)
def test_encodings(encoding: str) -> None:
    # KOI8-R has no dashes or guillemets
    text = (SAMPLES / "full.txt").read_text(encoding="utf-8")
    text = text.replace("—", "-").replace("«", '"').replace("»", '"')
    pack = parse(text, encoding=encoding)
    assert pack.title == "Кубок Образцов - 2026"
    assert pack.editors[1] == "Пётр Петров (Казань)"
    assert pack.questions[0].answer == '"Кот в сапогах"'


def test_decode_short_8bit_text() -> None:
    assert decode("Вопрос: что это такое?".encode("koi8-r")) == "Вопрос: что это такое?"
    assert decode("Вопрос: что это такое?".encode("cp1251")) == "Вопрос: что это такое?"


def test_value_on_the_label_line_and_no_number() -> None:
    pack = parse("Вопрос:\nПервый?\n\nОтвет: да\n\nВопрос:\nВторой?\nОтвет: нет\n")
    assert [(q.number, q.text, q.answer) for q in pack.questions] == [
        (1, "Первый?", "да"),
        (2, "Второй?", "нет"),
    ]
    assert pack.title == "pack"  # no Чемпионат: the file's name
    assert [t.title for t in pack.tours] == [None]


def test_labels_with_yo_and_plural_forms() -> None:
    pack = parse(
        "Турнир:\nT\n\nРедакторы:\nА; Б\n\nВопрос 5:\nВ?\n\nОтвет:\nО\n\nЗачёт:\nО1\n\n"
        "Незачёт:\nН1\n\nИсточники:\nИ\n\nАвторы:\nX, Y\n"
    )
    q = pack.questions[0]
    assert (pack.title, pack.editors) == ("T", ("А", "Б"))
    assert (q.number, q.accepted, q.rejected, q.sources, q.authors) == (
        5,
        ("О1",),
        ("Н1",),
        ("И",),
        ("X", "Y"),
    )


def test_unknown_labels_are_ignored() -> None:
    pack = parse("Вопрос 1:\nВ?\n\nОтвет:\nО\n\nЗагадочное поле:\nчто-то\nещё\n\nАвтор:\nА\n")
    q = pack.questions[0]
    assert (q.answer, q.authors, q.comment) == ("О", ("А",), None)


def test_text_after_a_blank_line_continues_the_field() -> None:
    pack = parse("Вопрос 1:\nАбзац один.\n\nАбзац два.\n\nОтвет:\nО\n")
    assert pack.questions[0].text == "Абзац один.\nАбзац два."


def test_lines_are_kept_when_all_indented() -> None:
    assert join_lines(["   Жил-был", "   кот"]) == "Жил-был\nкот"
    assert join_lines(["   Жил-был", "кот", "   Второй", "абзац"]) == "Жил-был кот\nВторой абзац"
    assert join_lines(["Строка", "   отступ"]) == "Строка\nотступ"


def test_pack_level_comment_and_source_are_ignored() -> None:
    pack = parse("Источник:\nобщий\n\nВопрос 1:\nВ?\n\nОтвет:\nО\n")
    assert pack.questions[0].sources == ()


def test_handout_with_picture_inside() -> None:
    pack = parse("Вопрос 1:\n[Раздаточный материал: (pic: a.png)]\nЧто это?\n\nОтвет:\nО\n")
    assert pack.questions[0].handout == Handout(image="a.png")
    assert pack.questions[0].text == "Что это?"


def test_picture_in_answer_or_comment_is_dropped() -> None:
    pack = parse("Вопрос 1:\nВ?\n\nОтвет:\nО (pic: ans.jpg)\n\nКомментарий:\nК (pic: c.jpg)\n")
    q = pack.questions[0]
    assert (q.answer, q.comment, q.handout, pack.images) == ("О", "К", None, ())


def test_multi_tour_images_deduplicated() -> None:
    pack = parse(
        "Тур:\n1\n\nВопрос 1:\n(pic: a.jpg) В?\n\nОтвет:\nО\n\nТур:\nпустой\n\n"
        "Тур:\n3\n\nВопрос 2:\n(pic: b.jpg) В?\n\nОтвет:\nО\n\nВопрос 3:\n(pic: a.jpg) Ещё?\n\n"
        "Ответ:\nО\n"
    )
    assert [(t.number, t.title) for t in pack.tours] == [(1, "1"), (2, "3")]  # empty tour dropped
    assert [q.tour for q in pack.questions] == [1, 2, 2]
    assert pack.images == ("a.jpg", "b.jpg")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Пушкин", ("Пушкин",)),
        ("Пушкин; Лермонтов.", ("Пушкин", "Лермонтов")),
        ("тролль, троллиха.", ("тролль", "троллиха")),
        ("Москва, Кремль; Кремль", ("Москва, Кремль", "Кремль")),  # ";" wins over ","
        ("дом (жилой, кирпичный), изба", ("дом (жилой, кирпичный)", "изба")),
        ("«Война, мир», «Анна»", ("«Война, мир»", "«Анна»")),
        ("a\nb, c", ("a", "b", "c")),
        ("- первый\n- второй", ("первый", "второй")),
        ("многоточие...", ("многоточие...",)),
        ("x; x", ("x",)),
    ],
)
def test_split_variants(value: str, expected: tuple[str, ...]) -> None:
    assert split_variants(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1. a\n2. b", ("a", "b")),
        ("1) a\nпродолжение\n2) b", ("a продолжение", "b")),
        ("http://a\nhttp://b", ("http://a", "http://b")),
        ("- a\n- b", ("a", "b")),
    ],
)
def test_split_sources(value: str, expected: tuple[str, ...]) -> None:
    assert split_sources(value) == expected


def test_split_names() -> None:
    assert split_names("Иван (Москва, Россия), Пётр; Анна.") == (
        "Иван (Москва, Россия)",
        "Пётр",
        "Анна",
    )


BAD = [
    ("text before fields", "Просто текст\n", 1, "outside any field"),
    ("answer first", "Ответ:\nО\n", 1, "before any question"),
    ("zachet first", "Чемпионат:\nT\n\nЗачет:\nО\n", 4, "before any question"),
    ("no answer", "Вопрос 1:\nВ?\n\nВопрос 2:\nВ?\n\nОтвет:\nО\n", 1, "no answer"),
    ("truncated", "Чемпионат:\nT\n\nВопрос 1:\nНачало вопро", 4, "no answer"),
    ("two answers", "Вопрос 1:\nВ?\nОтвет:\nО\nОтвет:\nП\n", 5, "second 'Ответ:'"),
    ("bad number", "Вопрос 1а:\nВ?\nОтвет:\nО\n", 1, "not a number"),
    ("empty answer", "Вопрос 1:\nВ?\n\nОтвет:\n\nАвтор:\nА\n", 1, "answer is empty"),
    ("empty question", "Вопрос 1:\n\nОтвет:\nО\n", 1, "no text"),
    ("open handout", "Вопрос 1:\n[Раздаточный материал: кот\n\nОтвет:\nО\n", 1, "never closed"),
    ("two pictures", "Вопрос 1:\n(pic: a.jpg) (pic: b.jpg)\nОтвет:\nО\n", 1, "more than one"),
    ("bad picture name", "Вопрос 1:\n(pic: ../x.jpg) В?\nОтвет:\nО\n", 1, "bad picture name"),
    ("no questions", "Чемпионат:\nПустой\n\nТур:\n1\n", None, "no questions"),
]


@pytest.mark.parametrize(("case", "text", "line", "problem"), BAD, ids=[b[0] for b in BAD])
def test_bad_txt(case: str, text: str, line: int | None, problem: str) -> None:
    exc = error(text)
    assert exc.file == "pack.txt"
    assert exc.line == line
    assert problem in exc.problem
    expected_where = "pack.txt" if line is None else f"pack.txt:{line}"
    assert str(exc) == f"{expected_where}: {exc.problem}"
    assert "\n" not in str(exc)


@pytest.mark.parametrize("field", ["Вопрос 7", "Ответ"])
def test_over_vk_message_limit(field: str) -> None:
    long = "слово " * (MAX_MESSAGE_CHARS // 6 + 10)
    values = {"Вопрос 7": "В?", "Ответ": "О"}
    values[field] = long
    exc = error(f"Вопрос 7:\n{values['Вопрос 7']}\n\nОтвет:\n{values['Ответ']}\n")
    assert "question 7" in exc.problem
    assert str(MAX_MESSAGE_CHARS) in exc.problem


def test_text_with_handout_counts_toward_the_limit() -> None:
    half = "а" * (MAX_MESSAGE_CHARS // 2 + 10)
    exc = error(f"Вопрос 1:\n[Раздаточный материал: {half}]\n{half}\n\nОтвет:\nО\n")
    assert "the text is" in exc.problem


def test_exactly_at_the_limit_is_fine() -> None:
    text = "а" * MAX_MESSAGE_CHARS
    assert parse(f"Вопрос 1:\n{text}\n\nОтвет:\n{text}\n").questions[0].text == text


def test_file_over_size_limit() -> None:
    data = b"\xd0\x90" * (MAX_PACK_FILE_BYTES // 2 + 1)
    with pytest.raises(PackError, match="over the 10 MB limit"):
        load(data, "big.txt")


def test_empty_file() -> None:
    with pytest.raises(PackError, match="empty"):
        load(b"  \n", "e.txt")


def test_pack_error_format() -> None:
    assert str(PackError("a.txt", "bad\nthing", 3)) == "a.txt:3: bad thing"
    assert str(PackError("a.txt", "bad")) == "a.txt: bad"
    exc = PackError("f", "p", 2)
    assert (exc.file, exc.line, exc.problem) == ("f", 2, "p")
    assert isinstance(exc, ValueError)
