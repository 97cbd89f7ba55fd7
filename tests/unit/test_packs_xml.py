"""The question database's XML (app/packs/xmlpack.py)."""

from __future__ import annotations

import pathlib

import pytest

from app.packs import Handout, Pack, PackError, load
from app.packs.limits import MAX_MESSAGE_CHARS

SAMPLES = pathlib.Path(__file__).parent / "packs_samples"

Q = "<question><Number>{n}</Number><Question>{q}</Question><Answer>{a}</Answer></question>"


def parse(text: str, name: str = "pack.xml", encoding: str = "utf-8") -> Pack:
    return load(text.encode(encoding), name).pack


def error(text: str) -> PackError:
    with pytest.raises(PackError) as info:
        parse(text)
    assert info.value.file == "pack.xml"
    return info.value


def test_full_sample() -> None:
    pack = load((SAMPLES / "full.xml").read_bytes(), "full.xml").pack
    assert (pack.title, pack.date, pack.info) == (
        "Кубок Образцов — 2026",
        "2026-11-15",
        "Тестовый пакет.",
    )
    assert pack.editors == ("Иван Иванов (Москва)", "Пётр Петров")
    assert [(t.number, t.title, len(t.questions)) for t in pack.tours] == [
        (1, "Первый тур", 2),
        (2, "Второй тур", 1),
    ]
    q1, q2, q3 = pack.questions
    assert q1.text == "Перед вами надпись. Что за сказка здесь зашифрована?"
    assert q1.handout == Handout(text="Кот в сапогах")
    assert (q1.answer, q1.accepted, q1.rejected) == (
        "«Кот в сапогах»",
        ("Кот в сапогах", "Puss in Boots"),
        ("Кот",),
    )
    assert (q1.comment, q1.sources, q1.authors) == (
        "Это просто.",
        ("Ш. Перро. Сказки.", "http://example.com/puss"),
        ("Сидор Сидоров",),
    )
    assert (q2.number, q2.handout, q2.text) == (
        2,
        Handout(image="20260002.jpg"),
        "Что изображено на картинке?",
    )
    assert (q3.tour, q3.text) == (2, "Третий вопрос & точка.")
    assert pack.images == ("20260002.jpg",)


def test_questions_nested_in_tours() -> None:
    pack = parse(
        "<tournament><Title>T</Title>"
        f"<tour><Title>A</Title>{Q.format(n=1, q='q1', a='a1')}"
        f"{Q.format(n=2, q='q2', a='a2')}</tour>"
        f"<tour><Title>B</Title>{Q.format(n=1, q='q3', a='a3')}</tour>"
        "</tournament>"
    )
    assert [(t.title, [q.number for q in t.questions]) for t in pack.tours] == [
        ("A", [1, 2]),
        ("B", [1]),
    ]


def test_nested_tournament_is_a_tour() -> None:
    pack = parse(
        "<tournament><Title>Outer</Title><tournament><Title>Inner</Title>"
        f"{Q.format(n=1, q='q', a='a')}</tournament></tournament>"
    )
    assert (pack.title, pack.tours[0].title) == ("Outer", "Inner")


def test_database_tour_export() -> None:
    question = (
        "<question><Number>1</Number><Question>q</Question><Answer>a</Answer>"
        "<tournamentTitle>Кубок</tournamentTitle><tourTitle>1 тур</tourTitle></question>"
    )
    pack = parse(f"<tournament><Title>1 тур</Title>{question}</tournament>")
    assert (pack.title, [t.title for t in pack.tours]) == ("Кубок", ["1 тур"])


def test_tours_by_tour_title_and_missing_number() -> None:
    def question(tour: str, number: str) -> str:
        return (
            f"<question><Number>{number}</Number><Question>q</Question><Answer>a</Answer>"
            f"<tourTitle>{tour}</tourTitle></question>"
        )

    pack = parse(
        f"<tournament><Title>T</Title>{question('X', '1')}{question('Y', '')}"
        f"{question('X', 'пять')}</tournament>"
    )
    assert [(t.title, [q.number for q in t.questions]) for t in pack.tours] == [
        ("X", [1, 3]),
        ("Y", [2]),
    ]


def test_cp1251_declared_encoding() -> None:
    text = (
        '<?xml version="1.0" encoding="windows-1251"?>'
        f"<tournament><Title>Кубок</Title>{Q.format(n=1, q='Вопрос', a='Ответ')}</tournament>"
    )
    pack = parse(text, encoding="cp1251")
    assert (pack.title, pack.questions[0].answer) == ("Кубок", "Ответ")


def test_entity_bomb_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
        "<tournament><Title>&lol3;</Title></tournament>"
    )
    exc = error(bomb)
    assert "XML refused" in exc.problem


def test_external_entity_is_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<tournament><Title>&x;</Title></tournament>"
    )
    assert "XML refused" in error(xxe).problem


BAD = [
    ("malformed", "<tournament>\n<Title>T</Title>\n<question>\n</tournament>", 4, "malformed XML"),
    (
        "truncated",
        f"<tournament>\n<Title>T</Title>\n{Q.format(n=1, q='q', a='a')[:30]}",
        3,
        "malformed",
    ),
    ("not xml at all", "", None, "empty"),
    ("wrong root", "<search><question/></search>", 1, "expected <tournament>"),
    (
        "no questions",
        "<tournament><Title>T</Title><tour><Id>1</Id></tour></tournament>",
        None,
        "no questions",
    ),
    (
        "no answer",
        "<tournament>\n<question>\n<Number>4</Number><Question>q</Question></question></tournament>",
        2,
        "question 4: no answer",
    ),
    (
        "empty question",
        "<tournament><question><Question/><Answer>a</Answer></question></tournament>",
        1,
        "no text",
    ),
]


@pytest.mark.parametrize(("case", "text", "line", "problem"), BAD, ids=[b[0] for b in BAD])
def test_bad_xml(case: str, text: str, line: int | None, problem: str) -> None:
    exc = error(text)
    assert exc.line == line
    assert problem in exc.problem


def test_question_over_vk_limit() -> None:
    long = "ю" * (MAX_MESSAGE_CHARS + 1)
    exc = error(f"<tournament>{Q.format(n=9, q=long, a='a')}</tournament>")
    assert "question 9: the text is" in exc.problem
