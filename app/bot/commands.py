"""Recognise chat commands, with or without the mention VK puts in front in group chats."""

from __future__ import annotations

import re
from enum import Enum


class Command(Enum):
    HELP = "help"
    RULES = "rules"
    START = "start"
    STOP = "stop"
    INFO = "info"
    PACK = "pack"
    TOP = "top"
    ME = "me"


# In chats VK prefixes a message addressed to the bot with "[club123|@name]" or "[club123|Name],".
_MENTION = re.compile(r"^\s*\[(?:club|public)\d+\|[^\]]*\]\s*[,:]?\s*", re.IGNORECASE)

_ALIASES: dict[str, Command] = {
    "/help": Command.HELP,
    "help": Command.HELP,
    "/помощь": Command.HELP,
    "помощь": Command.HELP,
    "/rules": Command.RULES,
    "/правила": Command.RULES,
    "правила": Command.RULES,
    "/start": Command.START,
    "start": Command.START,
    "старт": Command.START,
    "/старт": Command.START,
    "/начать": Command.START,
    "начать": Command.START,
    "/stop": Command.STOP,
    "стоп": Command.STOP,
    "/стоп": Command.STOP,
    "/info": Command.INFO,
    "/инфо": Command.INFO,
    "инфо": Command.INFO,
    "/pack": Command.PACK,
    "/пакет": Command.PACK,
    "пакет": Command.PACK,
    "/top": Command.TOP,
    "/топ": Command.TOP,
    "/рейтинг": Command.TOP,
    "рейтинг": Command.TOP,
    "/me": Command.ME,
    "/я": Command.ME,
}
# A plain word (no slash) is a command only as the whole message: "рейтинг у нас так себе" or
# the answer "пакет молока" is chat (or an answer), not a request for the leaderboard or packs.


def strip_mention(text: str) -> str:
    return _MENTION.sub("", text, count=1).strip()


def command_argument(text: str) -> str:
    """What follows the command word ("random" in "/pack random"), lowercased and trimmed."""
    words = strip_mention(text).split(maxsplit=1)
    return words[1].strip().lower() if len(words) > 1 else ""


def parse_command(text: str) -> Command | None:
    """The command a message asks for, or None for ordinary chat text."""
    words = strip_mention(text).split(maxsplit=1)
    if not words:
        return None
    # "/start@club123" is how some clients address a command to one bot.
    head = words[0].split("@", 1)[0].lower().rstrip("!.")
    if not head.startswith("/") and len(words) > 1:
        return None
    return _ALIASES.get(head)
