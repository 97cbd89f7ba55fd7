"""VK's message cap (app/vk/limits.py): long texts are clipped, marked, never refused."""

from __future__ import annotations

from app.actions import EditMessage, SendMessage
from app.repositories.outbox import row_values
from app.vk.limits import MAX_MESSAGE_CHARS, clip_message


def test_texts_up_to_the_cap_pass_unchanged_and_longer_ones_are_clipped_and_marked() -> None:
    exact = "я" * MAX_MESSAGE_CHARS
    assert clip_message(exact) is exact
    clipped = clip_message(exact + "!")
    assert len(clipped) == MAX_MESSAGE_CHARS
    assert clipped.endswith("…")


def test_every_outbox_text_is_within_the_cap() -> None:
    long = "x" * (MAX_MESSAGE_CHARS * 2)
    _, _, send, _ = row_values(1, SendMessage(long))
    _, _, edit, _ = row_values(1, EditMessage("ref", long))
    assert len(send["text"]) == len(edit["text"]) == MAX_MESSAGE_CHARS
