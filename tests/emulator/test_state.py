"""EMULATOR_STATE_FILE: the world is saved (debounced, atomically) and loaded after a restart,
with every id, the long-poll key/ts and the log seq continuing where they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.emulator.conftest import GROUP_ID, TOKEN
from vk_emulator.config import EmulatorConfig
from vk_emulator.control_client import ControlClient
from vk_emulator.server import STATE_KEY, WORLD_KEY, StateFileError, create_app
from vk_emulator.state import StateStore
from vk_emulator.world import World

KEYBOARD = json.dumps(
    {
        "inline": True,
        "buttons": [
            [{"action": {"type": "callback", "label": "Играю", "payload": '{"cmd":"join"}'}}]
        ],
    }
)
EDITED_KEYBOARD = json.dumps(
    {
        "inline": True,
        "buttons": [
            [{"action": {"type": "callback", "label": "Ещё", "payload": '{"cmd":"more"}'}}]
        ],
    }
)


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "emulator.json"


@pytest.fixture
def config(state_file: Path) -> EmulatorConfig:
    # A long interval: the first change saves at once, the next ones wait for it (or shutdown).
    return EmulatorConfig(
        group_id=GROUP_ID,
        token=TOKEN,
        rate_limit_per_second=1000,
        state_file=str(state_file),
        state_save_interval=60.0,
    )


def store_of(app: web.Application) -> StateStore:
    return app[STATE_KEY]


# Plain functions: the file checks are tiny, and async tests should not block on pathlib.
def read_state(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_round_trip_through_a_restart(
    aiohttp_client: Any,
    app: web.Application,
    client: TestClient[Any, Any],
    ctl: ControlClient,
    vk: Any,
    chat: Any,
    config: EmulatorConfig,
    state_file: Path,
) -> None:
    peer, anna, boris = chat["peer_id"], chat["user_ids"][0], chat["user_ids"][1]
    await ctl.send_message(peer, anna, "/start")
    sent = await vk("messages.send", peer_id=peer, random_id=77, message="Лобби", keyboard=KEYBOARD)
    lobby_id = sent["response"]
    await vk(
        "messages.edit",
        peer_id=peer,
        conversation_message_id=2,
        message="Лобби: Анна",
        keyboard=EDITED_KEYBOARD,
    )
    # The poller's cursor: it has fetched everything up to here, but not the press below.
    server = (await vk("groups.getLongPollServer", group_id=GROUP_ID))["response"]
    event_id = await ctl.press(peer, boris, 2, label="Ещё")
    before: World = app[WORLD_KEY]
    seq, lp_ts = before.log_seq, before.lp_ts
    last_message_id = max(before.messages_by_id)

    await client.close()  # shutdown: the final save
    assert names_in(state_file.parent) == [state_file.name]  # saved, and no temp file left

    restarted = create_app(config)
    world = restarted[WORLD_KEY]
    assert world.world_id == before.world_id
    assert [u.first_name for u in world.users.values()] == ["Анна", "Борис", "Вера"]
    restored = world.chats[peer]
    assert restored.title == "Знатоки"
    assert world.bot_in(restored)
    assert [m.text for m in restored.messages] == ["/start", "Лобби: Анна"]
    edited = restored.by_cmid[2]
    assert edited.id == lobby_id
    assert edited.edits == 1
    assert edited.keyboard is not None
    assert edited.keyboard["buttons"][0][0]["action"]["label"] == "Ещё"
    assert world.lp_key == server["key"]
    assert (world.log_seq, world.lp_ts) == (seq, lp_ts)

    new_client: TestClient[Any, Any] = await aiohttp_client(restarted)
    async with ControlClient(str(new_client.make_url("")), session=new_client.session) as ctl2:
        # The page and test cursors find the chat, its messages and the recent log.
        messages = await ctl2.messages(peer)
        assert [m["text"] for m in messages] == ["/start", "Лобби: Анна"]
        assert messages[1]["keyboard"]["buttons"][0][0]["action"]["label"] == "Ещё"
        log = await ctl2.log(after=0)
        assert [e["seq"] for e in log["entries"]] == list(range(1, seq + 1))

        # The poller continues with its key and ts: it gets what it had not fetched yet.
        params = {"act": "a_check", "key": server["key"], "ts": server["ts"], "wait": "0"}
        body = await (await new_client.get(f"/lp/{GROUP_ID}", params=params)).json()
        assert body["ts"] == str(lp_ts)
        [update] = body["updates"]
        assert update["type"] == "message_event"
        assert update["object"]["event_id"] == event_id

        # The bot can still answer the press made before the restart.
        answer = await vk_call(
            new_client,
            "messages.sendMessageEventAnswer",
            event_id=event_id,
            user_id=boris,
            peer_id=peer,
            event_data=json.dumps({"type": "show_snackbar", "text": "Готово"}),
        )
        assert answer == {"response": 1}

        # Ids, ts and seq keep increasing.
        gleb = await ctl2.create_user("Глеб")
        assert gleb["id"] == 4
        await ctl2.add_member(peer, gleb["id"])
        event = await ctl2.send_message(peer, gleb["id"], "я тут")
        assert event is not None
        after = world.chats[peer].messages[-1]
        assert after.id == last_message_id + 1
        assert after.conversation_message_id == 3
        assert world.lp_ts == lp_ts + 1
        assert ctl2.mark > seq
        # A random_id the bot used before the restart is still de-duplicated.
        again = await vk_call(new_client, "messages.send", peer_id=peer, random_id=77, message="x")
        assert again == {"response": lobby_id}
        assert (await ctl2.counters())["duplicate_random_ids"] == 1
        other = await ctl2.create_chat("Вторая", [anna])
        assert other["chat_id"] == 2


async def vk_call(client: TestClient[Any, Any], method: str, **params: Any) -> dict[str, Any]:
    form = {"access_token": TOKEN, "v": "5.199", **{k: str(v) for k, v in params.items()}}
    body: dict[str, Any] = await (await client.post(f"/method/{method}", data=form)).json()
    return body


async def test_saves_are_debounced(
    app: web.Application, client: TestClient[Any, Any], ctl: ControlClient, state_file: Path
) -> None:
    store = store_of(app)
    assert store.saves == 0
    assert names_in(state_file.parent) == []

    user = await ctl.create_user("Анна")  # the first change is saved right away
    await store.saved.wait_until(lambda: store.saves >= 1, 5)
    assert store.saves == 1
    assert not store.dirty
    saved = read_state(state_file)
    assert [u["first_name"] for u in saved["users"]] == ["Анна"]

    # More changes within the interval: one save is scheduled, none written yet.
    chat = await ctl.create_chat("Беседа", [user["id"]])
    for text in ("раз", "два", "три"):
        await ctl.send_message(chat["peer_id"], user["id"], text)
    assert store.pending
    assert store.dirty
    assert store.saves == 1
    assert read_state(state_file)["chats"] == []

    await client.close()  # shutdown writes what is left
    assert store.saves == 2
    assert not store.pending
    saved = read_state(state_file)
    [saved_chat] = saved["chats"]
    assert [m["text"] for m in saved_chat["messages"]] == ["раз", "два", "три"]
    assert saved["log_seq"] == 3


async def test_without_a_state_file_nothing_is_written(tmp_path: Path) -> None:
    app = create_app(EmulatorConfig(group_id=GROUP_ID, token=TOKEN))
    assert STATE_KEY not in app
    app[WORLD_KEY].add_user("Анна", "")
    assert not app[WORLD_KEY].on_change
    assert names_in(tmp_path) == []


def test_state_file_comes_from_the_environment() -> None:
    assert EmulatorConfig.from_env({}).state_file is None
    assert EmulatorConfig.from_env({"EMULATOR_STATE_FILE": " "}).state_file is None
    config = EmulatorConfig.from_env({"EMULATOR_STATE_FILE": "var/emulator.json"})
    assert config.state_file == "var/emulator.json"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a usable emulator state file"),
        ("[]", "not a JSON object"),
        ('{"format": 99}', "unsupported state format"),
    ],
)
def test_an_unusable_state_file_stops_the_start(
    state_file: Path, config: EmulatorConfig, content: str, message: str
) -> None:
    state_file.parent.mkdir(parents=True)
    state_file.write_text(content, encoding="utf-8")
    with pytest.raises(StateFileError, match=message) as info:
        create_app(config)
    assert str(state_file) in str(info.value)


def test_a_state_of_another_group_is_refused(state_file: Path, config: EmulatorConfig) -> None:
    world = World(GROUP_ID + 1)
    world.add_user("Анна", "")
    state_file.parent.mkdir(parents=True)
    state_file.write_text(json.dumps(world.dump_state()), encoding="utf-8")
    with pytest.raises(StateFileError, match=f"belongs to group {GROUP_ID + 1}"):
        create_app(config)


def test_a_failed_save_is_logged_and_retried_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = StateStore(World(GROUP_ID), blocker / "state.json")  # parent is a file
    store.dirty = True
    store.save()
    assert store.dirty
    assert store.saves == 0
    assert "could not save the emulator state" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
