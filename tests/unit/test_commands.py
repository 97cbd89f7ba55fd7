import pytest

from app.bot.commands import Command, parse_command, strip_mention


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/help", Command.HELP),
        ("  /HELP  ", Command.HELP),
        ("[club123|@znatoki] /help", Command.HELP),
        ("[club123|Знатоки], /help", Command.HELP),
        ("[public77|bot] помощь", Command.HELP),
        ("/help@club123", Command.HELP),
        ("/rules", Command.RULES),
        ("/start", Command.START),
        ("старт", Command.START),
        ("Старт!", Command.START),
        ("/начать", Command.START),
        ("[club1|@bot] /start", Command.START),
        ("/stop", Command.STOP),
        ("/info", Command.INFO),
        ("/top", Command.TOP),
        ("/рейтинг", Command.TOP),
        ("Рейтинг!", Command.TOP),
        ("[club1|@bot] рейтинг", Command.TOP),
        ("рейтинг у нас так себе", None),  # a bare word is a command only on its own
        ("/top please", Command.TOP),
        ("/me", Command.ME),
        ("/я", Command.ME),
        ("я", None),
        ("", None),
        ("   ", None),
        ("help me please", None),  # an answer may start with a command's word
        ("пакет молока", None),
        ("стоп-кран", None),
        ("стоп машина", None),
        ("[club1|@bot] пакет", Command.PACK),
        ("/pack random", Command.PACK),
        ("what is /help", None),
        ("Пушкин", None),
        ("[id5|Вася] /start", None),
    ],
)
def test_parse_command(text: str, command: Command | None) -> None:
    assert parse_command(text) is command


def test_strip_mention_only_strips_a_leading_community_mention() -> None:
    assert strip_mention("[club1|@bot] ответ") == "ответ"
    assert strip_mention("ответ [club1|@bot]") == "ответ [club1|@bot]"
