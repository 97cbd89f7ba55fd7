"""Persist what a transition asked for, inside the transaction that applied it.

Message actions go to the outbox, timer actions to the timers table. The returned
:class:`Effects` tells the caller whom to wake once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import Action, CancelTimers, MessageAction, SetTimer
from app.repositories import outbox, timers


@dataclass(frozen=True)
class Effects:
    peer_id: int
    messages: int = 0
    earliest_timer: datetime | None = None


class AfterCommit(Protocol):
    def __call__(self, effects: Effects) -> None: ...


async def persist(session: AsyncSession, peer_id: int, actions: Sequence[Action]) -> Effects:
    messages: list[MessageAction] = []
    earliest: datetime | None = None
    for action in actions:
        if isinstance(action, CancelTimers):
            await timers.cancel_all(session, peer_id)
        elif isinstance(action, SetTimer):
            await timers.add(session, peer_id, action)
            earliest = action.due if earliest is None else min(earliest, action.due)
        else:
            messages.append(action)
    await outbox.add(session, peer_id, messages)
    return Effects(peer_id=peer_id, messages=len(messages), earliest_timer=earliest)
