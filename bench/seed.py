"""Create many games in progress fast: chats in the emulator, games straight into Postgres.

Driving ``/start`` → «Играю» → «Начать игру» through the emulator for thousands of chats
would take minutes under VK's request budget, so the driver builds each game with the
product's own pure state machine (``open_lobby``, ``Join``, ``Begin``: a solo game in round 1's
discussion) and writes what the bot would have written: the game row and its player, the
chat's ``active_game_id``, the durable timers, and the question message as an outbox row that
was sent. The question message itself is really sent to the emulator first (``execute``
batches within its rate limit), so the later edits of the bot (warning, closing) hit a real
message and the chat's history looks as if the bot had played it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.actions import SendMessage, SetTimer
from app.db.engine import create_sessionmaker
from app.db.models import Chat, GamePlayer, GameRow, Outbox, Timer
from app.game import events as ev
from app.game import machine, texts
from app.game.model import Game, GameSettings, Question, deck_json, state_json
from app.repositories import games as games_repo
from app.repositories import questions
from app.vk.client import VKClient, send_message_call
from app.vk.keyboard import render
from app.vk.ratelimit import SlidingWindowLimiter
from vk_emulator.control_client import ControlClient

NAMES = ("Анна", "Борис", "Вера", "Глеб", "Дина", "Егор", "Жанна", "Зоя", "Илья", "Кира")


@dataclass(frozen=True)
class SoloChat:
    peer_id: int
    user_id: int
    name: str


async def create_chats(control: ControlClient, count: int, title: str = "Бенч") -> list[SoloChat]:
    """``count`` emulator chats with the bot and one player each (players shared by chats)."""
    users = [await control.create_user(name, "Бенчев") for name in NAMES]
    slots = asyncio.Semaphore(32)

    async def one(index: int) -> SoloChat:
        user = users[index % len(users)]
        async with slots:
            chat = await control.create_chat(f"{title} {index}", [user["id"]])
        return SoloChat(chat["peer_id"], user["id"], user["first_name"])

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def load_questions(engine: AsyncEngine) -> list[Question]:
    async with create_sessionmaker(engine)() as session:
        return await questions.all_for_games(session)


def build_game(
    game_id: int,
    settings: GameSettings,
    deck: tuple[Question, ...],
    chat: SoloChat,
    now: datetime,
) -> tuple[Game, SendMessage, list[SetTimer]]:
    """A solo game in round 1's discussion that started at ``now``, as the machine makes it."""
    game, _ = machine.open_lobby(game_id, settings, deck, game_id, now)
    game, _ = machine.step(game, ev.Join(chat.user_id, chat.name, "seed"), now)
    game, actions = machine.step(game, ev.Begin(chat.user_id, "seed"), now)
    ref = machine.question_ref(game)
    question = next(a for a in actions if isinstance(a, SendMessage) and a.ref == ref)
    timers = [a for a in actions if isinstance(a, SetTimer)]
    return game, question, timers


@dataclass(frozen=True)
class SeedTarget:
    """Where seeded games go: the run's database and the emulator their messages are sent to."""

    engine: AsyncEngine
    http: aiohttp.ClientSession
    api_url: str
    token: str
    rate: int


async def _reserve_game_ids(engine: AsyncEngine, count: int) -> int:
    """The first of ``count`` consecutive game ids taken from the sequence."""
    async with engine.begin() as conn:
        last = await conn.scalar(
            text(f"SELECT setval('games_id_seq', nextval('games_id_seq') + {count})")
        )
    return int(last or 0) - count


@dataclass
class Lobbies:
    """Lobbies written by :func:`seed_lobbies`: per chat, the game and its lobby message."""

    chats: list[SoloChat]
    lobby_cmid: dict[int, int]  # peer_id -> conversation_message_id of the lobby message


async def seed_lobbies(
    target: SeedTarget, chats: Sequence[SoloChat], settings: GameSettings
) -> Lobbies:
    """Write one lobby per chat with its player joined, ready for «Начать игру»; the lobby
    message (with its buttons) is really sent, so the press hits a real message."""
    questions = await load_questions(target.engine)
    rng = random.Random(11)
    first_id = await _reserve_game_ids(target.engine, len(chats))
    now = datetime.now(UTC)
    games: list[Game] = []
    messages: list[tuple[int, SendMessage]] = []
    for i, chat in enumerate(chats):
        deck = tuple(rng.sample(questions, settings.rounds))
        game, _ = machine.open_lobby(first_id + i, settings, deck, first_id + i, now)
        game, _ = machine.step(game, ev.Join(chat.user_id, chat.name, "seed"), now)
        games.append(game)
        keyboard = machine.lobby_keyboard(game)
        lobby = SendMessage(texts.lobby(game), keyboard, machine.lobby_ref(game))
        messages.append((chat.peer_id, lobby))
    cmids = await _send_questions(target, messages)
    async with target.engine.begin() as conn:
        await conn.execute(
            insert(Chat),
            [
                {"peer_id": c.peer_id, "active_game_id": g.id}
                for c, g in zip(chats, games, strict=True)
            ],
        )
        await conn.execute(
            insert(GameRow),
            [
                {
                    "id": g.id,
                    "peer_id": c.peer_id,
                    "status": "active",
                    "phase": g.phase.value,
                    "rounds_total": g.rounds_total,
                    "state": state_json(g),
                    "deck": deck_json(g),
                }
                for c, g in zip(chats, games, strict=True)
            ],
        )
        await conn.execute(
            insert(Outbox),
            [
                {
                    "peer_id": peer_id,
                    "method": "messages.send",
                    "params": {"text": m.text, "keyboard": render(m.keyboard)},
                    "ref": m.ref,
                    "status": "sent",
                    "conversation_message_id": cmids[peer_id],
                }
                for peer_id, m in messages
            ],
        )
    return Lobbies(list(chats), cmids)


@dataclass
class Seeded:
    """Games written by :func:`seed_games`: per chat, the game and its question message."""

    chats: list[SoloChat]
    games: dict[int, Game]  # peer_id -> game
    question_cmid: dict[int, int]  # peer_id -> conversation_message_id
    discussion_end: dict[int, datetime]  # peer_id -> due time of discussion_end


async def _send_questions(
    target: SeedTarget, messages: Sequence[tuple[int, SendMessage]]
) -> dict[int, int]:
    """Send each chat's question (one call per chat, 25 per execute); returns the cmids."""
    # A little under the emulator's limit: the services may make a request meanwhile.
    limiter = SlidingWindowLimiter(max(1, target.rate - 3))
    vk = VKClient(target.http, target.token, api_url=target.api_url, limiter=limiter)
    cmids: dict[int, int] = {}
    batches = [messages[i : i + 25] for i in range(0, len(messages), 25)]
    slots = asyncio.Semaphore(4)

    async def send(batch: Sequence[tuple[int, SendMessage]]) -> None:
        calls = [
            send_message_call(peer, m.text, random_id=0, keyboard=render(m.keyboard))
            for peer, m in batch
        ]
        async with slots:
            slots_out = await vk.execute_calls(calls)
        for (peer, _), slot in zip(batch, slots_out, strict=True):
            if isinstance(slot, Exception):
                raise RuntimeError(f"seeding chat {peer} failed: {slot}")
            cmids[peer] = int(slot[0]["conversation_message_id"])

    await asyncio.gather(*(send(b) for b in batches))
    return cmids


async def seed_games(
    target: SeedTarget,
    chats: Sequence[SoloChat],
    settings: GameSettings,
    discussion_end: Callable[[datetime], Sequence[datetime]] | None = None,
) -> Seeded:
    """Write one solo game per chat, in round 1's discussion.

    ``discussion_end(now)[i]`` is when chat i's discussion ends (its ``discussion_end`` timer;
    the warning timer is 10 s earlier), ``now`` being the moment the rows are built (after the
    question messages went out); by default ``discussion_seconds`` from then.
    """
    questions = await load_questions(target.engine)
    rng = random.Random(7)
    first_id = await _reserve_game_ids(target.engine, len(chats))
    decks = [tuple(rng.sample(questions, settings.rounds)) for _ in chats]
    # The question's text does not depend on the time, so it can be sent before the deadlines
    # are fixed; the games are rebuilt with their real start times just before the insert.
    epoch = datetime.now(UTC)
    drafts = [
        build_game(first_id + i, settings, decks[i], chat, epoch)[1] for i, chat in enumerate(chats)
    ]
    cmids = await _send_questions(
        target, [(c.peer_id, m) for c, m in zip(chats, drafts, strict=True)]
    )
    length = timedelta(seconds=settings.discussion_seconds)
    now = datetime.now(UTC)
    ends = list(discussion_end(now)) if discussion_end else [now + length for _ in chats]
    seeded = Seeded(list(chats), {}, cmids, {})
    game_rows: list[dict[str, Any]] = []
    players: list[dict[str, Any]] = []
    outbox_rows: list[dict[str, Any]] = []
    timer_rows: list[dict[str, Any]] = []
    chat_rows: list[dict[str, Any]] = []
    for i, chat in enumerate(chats):
        game_id = first_id + i
        game, question, timers = build_game(game_id, settings, decks[i], chat, ends[i] - length)
        seeded.games[chat.peer_id] = game
        seeded.discussion_end[chat.peer_id] = ends[i]
        chat_rows.append({"peer_id": chat.peer_id, "active_game_id": game_id})
        game_rows.append(
            {
                "id": game_id,
                "peer_id": chat.peer_id,
                "status": games_repo.status_of(game),
                "phase": game.phase.value,
                "round": game.round,
                "rounds_total": game.rounds_total,
                "captain_id": game.captain_id,
                "state": state_json(game),
                "deck": deck_json(game),
                "started_at": game.started_at,
            }
        )
        players.append(
            {
                "game_id": game_id,
                "user_id": chat.user_id,
                "name": chat.name,
                "position": 0,
                "is_captain": True,
            }
        )
        outbox_rows.append(
            {
                "peer_id": chat.peer_id,
                "method": "messages.send",
                "params": {"text": question.text, "keyboard": render(question.keyboard)},
                "ref": question.ref,
                "status": "sent",
                "conversation_message_id": cmids[chat.peer_id],
            }
        )
        timer_rows += [
            {"peer_id": chat.peer_id, "name": t.name, "token": t.token, "due_at": t.due}
            for t in timers
        ]
    async with target.engine.begin() as conn:
        for start in range(0, len(chat_rows), 1000):
            end = start + 1000
            await conn.execute(insert(Chat), chat_rows[start:end])
            await conn.execute(insert(GameRow), game_rows[start:end])
            await conn.execute(insert(GamePlayer), players[start:end])
            await conn.execute(insert(Outbox), outbox_rows[start:end])
        for start in range(0, len(timer_rows), 1000):
            await conn.execute(insert(Timer), timer_rows[start : start + 1000])
    return seeded
