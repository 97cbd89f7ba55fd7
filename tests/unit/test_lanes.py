import asyncio

from app.bot.lanes import Lanes


async def test_jobs_of_one_key_run_in_order_and_keys_run_concurrently() -> None:
    lanes = Lanes()
    log: list[str] = []
    release_a = asyncio.Event()
    b_done = asyncio.Event()

    def job(key: str, n: int, gate: asyncio.Event | None = None) -> object:
        async def run() -> None:
            if gate is not None:
                await gate.wait()
            log.append(f"{key}{n}")
            if key == "b":
                b_done.set()

        return run

    lanes.submit("a", job("a", 1, release_a))  # type: ignore[arg-type]
    lanes.submit("a", job("a", 2))  # type: ignore[arg-type]
    lanes.submit("b", job("b", 1))  # type: ignore[arg-type]
    await b_done.wait()  # "b" is not held back by the blocked "a"
    assert log == ["b1"]
    release_a.set()
    await lanes.join()
    assert log == ["b1", "a1", "a2"]


async def test_a_failing_job_does_not_stop_its_lane() -> None:
    lanes = Lanes()
    ran: list[int] = []

    async def boom() -> None:
        raise RuntimeError("bug")

    async def ok() -> None:
        ran.append(1)

    lanes.submit(1, boom)
    lanes.submit(1, ok)
    await lanes.join()
    assert ran == [1]
    assert len(lanes) == 0
