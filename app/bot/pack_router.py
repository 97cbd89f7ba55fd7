"""``/pack`` (``/пакет``): the chat chooses the pack it plays, between games.

``/pack`` lists the enabled packs as buttons, a page at a time; a press pins the pack in the
chat's settings (where the admin API's ``pack_id`` lives too), the «Случайные вопросы» button or
``/pack random`` unpins it. A pinned pack is then played in its order (see
:mod:`app.repositories.decks`). The menu is one message, edited as the pages turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.actions import (
    NO_BUTTONS,
    Action,
    AnswerCallback,
    Button,
    EditMessage,
    Keyboard,
    SendMessage,
)
from app.bot import texts
from app.bot.chat_tx import ChatTx
from app.bot.commands import Command, command_argument, parse_command
from app.bot.router import PlainRouter
from app.internal_updates import Incoming
from app.repositories import decks
from app.repositories.decks import PackChoice
from app.vk.updates import MessageEvent, MessageNew

PAGE_SIZE = 5  # five pack rows and a row to turn pages: within VK's 10 buttons and 6 rows
MENU_REF = "packs"
RANDOM_WORDS = frozenset({"random", "off", "none", "случайно", "случайные", "нет"})


def menu_keyboard(choices: Sequence[PackChoice], page: int, pages: int) -> Keyboard:
    rows: list[tuple[Button, ...]] = [
        (Button(f"{c.title} ({c.questions})", {"cmd": "pack", "id": c.id}),) for c in choices
    ]
    nav: list[Button] = []
    if page > 0:
        nav.append(Button("◀", {"cmd": "packs", "page": page - 1}))
    nav.append(Button("Случайные вопросы", {"cmd": "pack", "id": None}, "primary"))
    if page + 1 < pages:
        nav.append(Button("▶", {"cmd": "packs", "page": page + 1}))
    return (*rows, tuple(nav))


def _page_number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


class PackRouter(PlainRouter):
    async def route(self, chat: ChatTx, update: Incoming, now: datetime) -> Sequence[Action] | None:
        if isinstance(update, MessageNew) and update.from_id > 0:
            if parse_command(update.text) is not Command.PACK:
                return None
            if chat.game is not None:
                return [SendMessage(texts.PACKS_DURING_GAME)]
            if command_argument(update.text) in RANDOM_WORDS:
                await chat.pin_pack(None)
                return [SendMessage(texts.pack_unpinned())]
            return await self._menu(chat, 0, edit=False)
        if isinstance(update, MessageEvent):
            payload = update.payload or {}
            cmd = payload.get("cmd")
            if cmd not in ("pack", "packs"):
                return None
            answer = AnswerCallback(update.callback_id, update.user_id, None)
            if chat.game is not None:
                return [AnswerCallback(update.callback_id, update.user_id, texts.PACKS_DURING_GAME)]
            if cmd == "packs":
                return [
                    answer,
                    *await self._menu(chat, _page_number(payload.get("page")), edit=True),
                ]
            return await self._choose(chat, update, payload.get("id"))
        return None

    async def _menu(self, chat: ChatTx, page: int, *, edit: bool) -> list[Action]:
        choices, total = await decks.enabled_packs(chat.conn, PAGE_SIZE, page * PAGE_SIZE)
        if total == 0:
            return [
                EditMessage(MENU_REF, texts.PACKS_NONE, NO_BUTTONS)
                if edit
                else SendMessage(texts.PACKS_NONE)
            ]
        pages = -(-total // PAGE_SIZE)
        if not choices:  # a page that no longer exists (packs were removed): the last one
            page = pages - 1
            choices, total = await decks.enabled_packs(chat.conn, PAGE_SIZE, page * PAGE_SIZE)
        pinned = chat.pinned_pack
        current = await decks.pack_title(chat.conn, pinned) if pinned is not None else None
        text = texts.packs_page(page, pages, current)
        keyboard = menu_keyboard(choices, page, pages)
        if edit:
            return [EditMessage(MENU_REF, text, keyboard)]
        return [SendMessage(text, keyboard, ref=MENU_REF)]

    async def _choose(self, chat: ChatTx, update: MessageEvent, pack_id: Any) -> list[Action]:
        def answer(text: str) -> AnswerCallback:
            return AnswerCallback(update.callback_id, update.user_id, text)

        if pack_id is None:
            await chat.pin_pack(None)
            done = texts.pack_unpinned()
            return [answer(texts.PACK_RANDOM_SNACKBAR), EditMessage(MENU_REF, done, NO_BUTTONS)]
        if not isinstance(pack_id, int) or isinstance(pack_id, bool):
            return [answer(texts.PACK_GONE)]
        title = await decks.pack_title(chat.conn, pack_id)
        if title is None:
            return [answer(texts.PACK_GONE)]
        await chat.pin_pack(pack_id)
        done = texts.pack_pinned(title)
        return [answer(texts.PACK_PINNED_SNACKBAR), EditMessage(MENU_REF, done, NO_BUTTONS)]
