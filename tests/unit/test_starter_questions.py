"""Sanity checks for the starter question pack shipped with the migrations."""

import json
import pathlib
import re
from collections import Counter
from typing import Any

import pytest

DATA_PATH = (
    pathlib.Path(__file__).resolve().parents[2] / "alembic/versions/data/starter_questions_v1.json"
)

ALLOWED_TAGS = frozenset(
    {
        "история",
        "наука",
        "литература",
        "язык",
        "логика",
        "география",
        "быт",
        "искусство",
        "природа",
        "спорт",
    }
)

FIELDS = {
    "text": str,
    "answer": str,
    "alternatives": list,
    "comment": str,
    "author": str,
    "source": str,
    "tags": list,
}

MIN_ITEMS = 150

# A sentence boundary: terminal punctuation, whitespace, then a capital letter or digit.
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+(?=[A-ZА-ЯЁ0-9«])")


def _norm(value: str) -> str:
    return " ".join(value.casefold().split())


@pytest.fixture(scope="module")
def questions() -> list[dict[str, Any]]:
    raw = DATA_PATH.read_text(encoding="utf-8")
    data = json.loads(raw)
    assert isinstance(data, list)
    return data


def test_file_is_pretty_printed_utf8(questions: list[dict[str, Any]]) -> None:
    raw = DATA_PATH.read_text(encoding="utf-8")
    assert raw == json.dumps(questions, ensure_ascii=False, indent=2) + "\n"


def test_enough_items(questions: list[dict[str, Any]]) -> None:
    assert len(questions) >= MIN_ITEMS


def test_fields_present_with_right_types(questions: list[dict[str, Any]]) -> None:
    for i, item in enumerate(questions):
        assert isinstance(item, dict), i
        assert set(item) == set(FIELDS), (i, sorted(item))
        for name, kind in FIELDS.items():
            assert isinstance(item[name], kind), (i, name)
        assert all(isinstance(a, str) and a.strip() for a in item["alternatives"]), i
        assert all(isinstance(t, str) for t in item["tags"]), i
        assert item["author"].strip(), i
        assert item["source"].strip(), i


def test_text_rules(questions: list[dict[str, Any]]) -> None:
    for i, item in enumerate(questions):
        text = item["text"]
        assert text == text.strip(), i
        assert 40 <= len(text) <= 600, (i, len(text))
        assert text.endswith(("?", ".")), (i, text[-10:])


def test_answer_rules(questions: list[dict[str, Any]]) -> None:
    for i, item in enumerate(questions):
        answer = item["answer"]
        assert answer, i
        assert answer == answer.strip(), i
        assert len(answer) <= 60, (i, answer)
        assert 1 <= len(answer.split()) <= 4, (i, answer)


def test_comment_rules(questions: list[dict[str, Any]]) -> None:
    for i, item in enumerate(questions):
        comment = item["comment"].strip()
        assert comment, i
        assert len(comment) <= 300, (i, len(comment))
        assert comment.endswith((".", "!", "?", "»")), (i, comment)
        sentences = SENTENCE_BREAK.split(comment)
        assert 1 <= len(sentences) <= 2, (i, comment)


def test_tags_rules(questions: list[dict[str, Any]]) -> None:
    for i, item in enumerate(questions):
        tags = item["tags"]
        assert 1 <= len(tags) <= 3, (i, tags)
        assert len(set(tags)) == len(tags), (i, tags)
        for tag in tags:
            assert tag == tag.lower(), (i, tag)
            assert tag in ALLOWED_TAGS, (i, tag)


def test_alternatives_do_not_repeat_answer(questions: list[dict[str, Any]]) -> None:
    for i, item in enumerate(questions):
        answer = _norm(item["answer"])
        alternatives = [_norm(a) for a in item["alternatives"]]
        assert answer not in alternatives, (i, item["answer"])
        assert len(set(alternatives)) == len(alternatives), (i, item["alternatives"])


@pytest.mark.parametrize("field", ["text", "answer"])
def test_no_duplicates(questions: list[dict[str, Any]], field: str) -> None:
    counts = Counter(_norm(item[field]) for item in questions)
    duplicates = sorted(value for value, count in counts.items() if count > 1)
    assert duplicates == []
