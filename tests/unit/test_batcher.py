"""The batcher: per-key order, batching while busy, poison isolation, outages retried."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from app.bot import batcher as batcher_module
from app.bot.batcher import Batcher
from app.retry import RetryPolicy


class Recorder:
    """A batch function that records batches; ``gate`` holds them until released."""

    def __init__(self) -> None:
        self.batches: list[list[tuple[str, int]]] = []
        self.gate: asyncio.Event | None = None
        self.poison: set[tuple[str, int]] = set()
        self.outages = 0

    async def __call__(self, items: Sequence[tuple[str, int]]) -> list[str]:
        if self.gate is not None:
            await self.gate.wait()
        if self.outages:
            self.outages -= 1
            raise ConnectionRefusedError("postgres is restarting")
        if self.poison & set(items):
            raise RuntimeError("poison")
        self.batches.append(list(items))
        return [f"{key}{n}" for key, n in items]


async def test_a_lone_item_runs_at_once_and_resolves_its_future() -> None:
    run = Recorder()
    batcher: Batcher[tuple[str, int], str] = Batcher(run)
    assert await batcher.submit("a", ("a", 1)) == "a1"
    assert run.batches == [[("a", 1)]]


async def test_items_arriving_while_busy_share_the_next_batch_in_order() -> None:
    run = Recorder()
    run.gate = asyncio.Event()
    batcher: Batcher[tuple[str, int], str] = Batcher(run, max_concurrent=1)
    futures = [batcher.submit("a", ("a", 1))]
    futures += [batcher.submit(key, (key, n)) for n in (2, 3) for key in "ab"]
    run.gate.set()
    assert await asyncio.gather(*futures) == ["a1", "a2", "b2", "a3", "b3"]
    assert run.batches == [[("a", 1)], [("a", 2), ("b", 2), ("a", 3), ("b", 3)]]


async def test_a_key_in_flight_waits_while_other_keys_run_concurrently() -> None:
    run = Recorder()
    run.gate = asyncio.Event()
    batcher: Batcher[tuple[str, int], str] = Batcher(run, max_concurrent=2)
    first = batcher.submit("a", ("a", 1))
    later = batcher.submit("a", ("a", 2))  # "a" is busy: waits for the next batch
    other = batcher.submit("b", ("b", 1))  # runs now, in the second slot
    run.gate.set()
    await asyncio.gather(first, later, other)
    assert run.batches[:2] in ([[("a", 1)], [("b", 1)]], [[("b", 1)], [("a", 1)]])
    assert run.batches[2] == [("a", 2)]


async def test_max_batch_cuts_without_reordering_a_key() -> None:
    run = Recorder()
    run.gate = asyncio.Event()
    batcher: Batcher[tuple[str, int], str] = Batcher(run, max_batch=2, max_concurrent=1)
    futures = [batcher.submit("a", ("a", n)) for n in range(1, 6)]
    run.gate.set()
    await asyncio.gather(*futures)
    assert [item for batch in run.batches for item in batch] == [("a", n) for n in range(1, 6)]
    assert max(len(batch) for batch in run.batches) <= 2


async def test_a_poison_item_fails_alone_and_its_neighbours_are_applied() -> None:
    run = Recorder()
    run.gate = asyncio.Event()
    run.poison = {("b", 1)}
    batcher: Batcher[tuple[str, int], str] = Batcher(run, max_concurrent=1)
    blocker = batcher.submit("z", ("z", 0))
    futures = [batcher.submit(key, (key, 1)) for key in "abc"]
    run.gate.set()
    await blocker
    results = await asyncio.gather(*futures, return_exceptions=True)
    assert (results[0], results[2]) == ("a1", "c1")
    assert isinstance(results[1], RuntimeError)
    applied = [item for batch in run.batches for item in batch]
    assert applied == [("z", 0), ("a", 1), ("c", 1)]  # the failed batch was not half-applied


async def test_an_outage_retries_the_same_batch_until_it_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batcher_module, "OUTAGE_BACKOFF", RetryPolicy(attempts=0, base_delay=0))
    run = Recorder()
    run.outages = 3
    batcher: Batcher[tuple[str, int], str] = Batcher(run)
    assert await batcher.submit("a", ("a", 1)) == "a1"
    assert run.batches == [[("a", 1)]]


async def test_after_close_an_outage_fails_the_items_instead_of_waiting() -> None:
    run = Recorder()
    run.outages = 1
    batcher: Batcher[tuple[str, int], str] = Batcher(run)
    batcher.close()
    with pytest.raises(ConnectionRefusedError):
        await batcher.submit("a", ("a", 1))
    await batcher.join()
