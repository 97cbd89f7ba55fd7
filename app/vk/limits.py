"""VK's limits on what the bot sends, in one place (``../shared/vk`` notes, VK's docs)."""

from __future__ import annotations

# messages.send / messages.edit: the text of one message, in characters.
MAX_MESSAGE_CHARS = 9000


def clip_message(text: str) -> str:
    """The text cut to VK's message limit (VK refuses longer ones), marked as cut."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return text[: MAX_MESSAGE_CHARS - 1] + "…"
