from typing import Any

import pytest

from app.vk.client import LongPollResult
from poller.poller import Step, event_id_for, next_step


@pytest.mark.parametrize(
    ("result", "step"),
    [
        (LongPollResult(ts="11", updates=[{}]), Step(ts="11", publish=True)),
        (LongPollResult(ts="11", updates=[]), Step(ts="11", publish=True)),
        (LongPollResult(ts="40", failed=1), Step(ts="40")),
        (LongPollResult(ts=None, failed=2), Step(ts="10", refresh_key=True)),
        (
            LongPollResult(ts=None, failed=3),
            Step(ts="10", refresh_key=True, take_server_ts=True),
        ),
        (
            LongPollResult(ts=None, failed=4),
            Step(ts="10", refresh_key=True, take_server_ts=True),
        ),
    ],
)
def test_failed_handling(result: LongPollResult, step: Step) -> None:
    assert next_step("10", result) == step


def test_event_id_is_stable_for_updates_without_one() -> None:
    update: dict[str, Any] = {"type": "x", "object": {"a": 1}}
    assert event_id_for(update) == event_id_for(dict(reversed(list(update.items()))))
    assert event_id_for(update).startswith("sha1:")
    assert event_id_for({"event_id": "abc"}) == "abc"
