"""Play the game through the emulator's control API, as chat members would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game import texts
from app.game.model import Game, from_json
from tests.e2e.conftest import GROUP_ID, Stack
from vk_emulator.control_client import ControlClient

TIMEOUT = 20.0


@dataclass
class Chat:
    control: ControlClient
    peer_id: int
    users: dict[str, int]  # first name -> user id

    async def say(self, name: str, message: str) -> None:
        await self.control.send_message(self.peer_id, self.users[name], message)

    async def bot_says(self, contains: str) -> dict[str, Any]:
        """The next bot message containing ``contains`` (after the cursor)."""
        entry = await self.control.wait_for_bot_message(self.peer_id, contains, timeout=TIMEOUT)
        message: dict[str, Any] = entry["message"]
        return message

    async def press(
        self,
        name: str,
        message: dict[str, Any],
        label: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> str | None:
        """Press a button as ``name``; returns the snackbar text the bot answered with.

        With ``payload`` instead of a label it is a press on a keyboard the client still shows
        although the bot has since removed it (a slow client, an old message).
        """
        cmid = message["conversation_message_id"]
        event_id = await self.control.press(
            self.peer_id, self.users[name], cmid, label=label, payload=payload
        )
        entry = await self.control.wait_for_event_answer(self.peer_id, event_id, timeout=TIMEOUT)
        data = entry["answer"].get("event_data") or {}
        snackbar: str | None = data.get("text")
        return snackbar

    async def bot_messages(self) -> list[str]:
        messages = await self.control.messages(self.peer_id)
        return [m["text"] for m in messages if m["from_id"] == -GROUP_ID]


async def make_chat(stack: Stack, *names: str, control: ControlClient | None = None) -> Chat:
    control = control or stack.control
    users = {}
    for name in names:
        users[name] = (await control.create_user(name, "Тестов"))["id"]
    chat = await control.create_chat("Знатоки", list(users.values()))
    return Chat(control, chat["peer_id"], users)


async def current_game(db: AsyncEngine, peer_id: int) -> Game:
    async with db.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT state, deck FROM games WHERE peer_id = :p ORDER BY id DESC LIMIT 1"),
                {"p": peer_id},
            )
        ).one_or_none()
    assert row is not None
    return from_json(row.state, row.deck)


async def begin_game(chat: Chat, *players: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """/start, everyone joins, the first player begins; returns (lobby, round-1 question)."""
    await chat.say(players[0], "/start")
    lobby = await chat.bot_says("Собираем команду")
    for name in players:
        assert await chat.press(name, lobby, "Играю") == texts.JOINED
    await chat.press(players[0], lobby, "Начать игру")
    await chat.bot_says("Капитан —")
    question = await chat.bot_says("Раунд 1 из")
    return lobby, question
