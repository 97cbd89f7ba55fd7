"""Photos for messages on the wire: getMessagesUploadServer, the multipart upload,
saveMessagesPhoto, attachments on messages.send/edit, the photo files and the control additions
(forget, the upload fault, counters)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.emulator.conftest import GROUP_ID, VkCall
from tests.emulator.images import gif, jpeg, png
from vk_emulator.control_client import ControlClient
from vk_emulator.webchat import WEB_DIR
from vk_emulator.world import World

OWNER = -GROUP_ID


async def upload_url(vk: VkCall, **params: Any) -> str:
    body = await vk("photos.getMessagesUploadServer", **params)
    url: str = body["response"]["upload_url"]
    return url


async def post_file(
    client: TestClient[Any, Any],
    url: str,
    data: bytes,
    *,
    field: str = "photo",
    filename: str = "picture.png",
    content_type: str = "image/png",
) -> dict[str, Any]:
    """The upload server's answer, checked to be JSON sent as text/html (as VK sends it)."""
    form = aiohttp.FormData()
    form.add_field(field, data, filename=filename, content_type=content_type)
    async with client.session.post(url, data=form) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        answer: dict[str, Any] = json.loads(await resp.text())
        return answer


async def upload(client: TestClient[Any, Any], vk: VkCall, data: bytes) -> dict[str, Any]:
    return await post_file(client, await upload_url(vk), data)


async def save(vk: VkCall, answer: dict[str, Any]) -> dict[str, Any]:
    return await vk("photos.saveMessagesPhoto", **answer)


async def saved_photo(client: TestClient[Any, Any], vk: VkCall, data: bytes) -> dict[str, Any]:
    body = await save(vk, await upload(client, vk, data))
    [photo] = body["response"]
    result: dict[str, Any] = photo
    return result


def attachment(photo: dict[str, Any]) -> str:
    return f"photo{photo['owner_id']}_{photo['id']}_{photo['access_key']}"


async def send(vk: VkCall, peer_id: int, random_id: int, **params: Any) -> dict[str, Any]:
    return await vk("messages.send", peer_id=peer_id, random_id=random_id, **params)


def error_code(body: dict[str, Any]) -> int:
    code: int = body["error"]["error_code"]
    return code


async def test_three_steps_then_send_with_the_photo(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient, chat: Any
) -> None:
    server = (await vk("photos.getMessagesUploadServer"))["response"]
    assert server["upload_url"].startswith(str(client.make_url("/upload/photo/")))
    assert server["group_id"] == GROUP_ID
    assert isinstance(server["album_id"], int)
    answer = await post_file(client, server["upload_url"], png(2, 1))
    assert isinstance(answer["server"], int)
    assert answer["photo"] != "[]"
    assert json.loads(answer["photo"])  # a JSON string, passed back as it is
    assert isinstance(answer["hash"], str)
    [photo] = (await save(vk, answer))["response"]
    assert photo["owner_id"] == OWNER
    assert photo["access_key"]
    url = photo["sizes"][0]["url"]
    assert photo["sizes"] == [
        {"type": kind, "url": url, "width": 2, "height": 1} for kind in ("s", "m", "x")
    ]

    body = await send(vk, chat["peer_id"], 1, message="Вопрос", attachment=attachment(photo))
    assert isinstance(body["response"], int)
    entry = await ctl.wait_for_bot_message(chat["peer_id"], "Вопрос", after_seq=0)
    expected = [{"type": "photo", "photo": photo}]
    assert entry["message"]["attachments"] == expected
    [message] = await ctl.messages(chat["peer_id"])
    assert message["attachments"] == expected
    world = await ctl.world()
    assert world["chats"][0]["last_message"]["attachments"] == expected
    counters = await ctl.counters()
    assert (counters["photo_uploads"], counters["photo_saves"]) == (1, 1)
    assert counters["photo_uploads_failed"] == 0
    [listed] = await ctl.photos()
    assert listed["attachment"] == attachment(photo)


async def test_a_photo_alone_and_in_a_peer_ids_send(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient, chat: Any
) -> None:
    photo = await saved_photo(client, vk, png())
    body = await vk(
        "messages.send", peer_ids=chat["peer_id"], random_id=5, attachment=attachment(photo)
    )
    assert body["response"][0]["conversation_message_id"] == 1
    [message] = await ctl.messages(chat["peer_id"])
    assert message["text"] == ""
    assert message["attachments"][0]["photo"]["id"] == photo["id"]


@pytest.mark.parametrize(
    ("field", "data", "content_type", "ext", "size"),
    [
        ("photo", jpeg(3, 2), "image/jpeg", "jpg", (3, 2)),
        ("file1", gif(4, 5), "image/gif", "gif", (4, 5)),
        ("file1", png(1000, 1), "image/png", "png", (604, 1)),
    ],
)
async def test_formats_fields_and_the_served_file(
    client: TestClient[Any, Any],
    vk: VkCall,
    field: str,
    data: bytes,
    content_type: str,
    ext: str,
    size: tuple[int, int],
) -> None:
    answer = await post_file(
        client, await upload_url(vk), data, field=field, content_type="application/octet-stream"
    )
    [photo] = (await save(vk, answer))["response"]
    biggest = max(photo["sizes"], key=lambda s: s["width"] * s["height"])
    url = biggest["url"]
    assert url.endswith(f".{ext}")
    x_size = next(s for s in photo["sizes"] if s["type"] == "x")
    assert (x_size["width"], x_size["height"]) == size
    async with client.session.get(url) as resp:
        assert resp.status == 200
        assert resp.content_type == content_type
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert await resp.read() == data


async def test_a_large_file_is_streamed_past_the_form_size_limit(
    client: TestClient[Any, Any], vk: VkCall
) -> None:
    big = png() + b"\x00" * (2 * 1024 * 1024)  # aiohttp's form limit is 1 MB
    photo = await saved_photo(client, vk, big)
    async with client.session.get(photo["sizes"][0]["url"]) as resp:
        assert len(await resp.read()) == len(big)


async def test_peer_id_must_be_a_chat_of_the_bot(vk: VkCall, chat: Any) -> None:
    assert "response" in await vk("photos.getMessagesUploadServer", peer_id=chat["peer_id"])
    assert "response" in await vk("photos.getMessagesUploadServer", peer_id=0)
    body = await vk("photos.getMessagesUploadServer", peer_id=chat["peer_id"] + 1)
    assert error_code(body) == 917


async def test_an_upload_url_takes_one_upload(client: TestClient[Any, Any], vk: VkCall) -> None:
    url = await upload_url(vk)
    assert (await post_file(client, url, png()))["photo"] != "[]"
    again = await post_file(client, url, png())
    assert "error" in again
    assert "photo" not in again
    assert "error" in await post_file(client, url.rsplit("/", 1)[0] + "/forged", png())


async def test_wrong_hash_gives_121_and_leaves_the_upload_savable(
    client: TestClient[Any, Any], vk: VkCall
) -> None:
    answer = await upload(client, vk, png())
    assert error_code(await save(vk, {**answer, "hash": "0" * 32})) == 121
    assert error_code(await save(vk, {**answer, "server": answer["server"] + 1})) == 121
    other = await upload(client, vk, png())
    # The hash belongs to its own answer: another upload's photo with this hash is refused.
    assert error_code(await save(vk, {**answer, "photo": other["photo"]})) == 121
    assert "response" in await save(vk, answer)


async def test_an_upload_is_saved_once(client: TestClient[Any, Any], vk: VkCall) -> None:
    answer = await upload(client, vk, png())
    assert "response" in await save(vk, answer)
    assert error_code(await save(vk, answer)) == 129


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("photo", b"not an image at all"),
        ("photo", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("photo", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8),  # a signature without a header
        ("photo", b"RIFF\x00\x00\x00\x00WEBPVP8 "),  # WebP: not among VK's photo formats
        ("document", png()),  # the file in a field VK does not read
    ],
)
async def test_garbage_gives_an_empty_photo_and_save_gives_129(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient, field: str, data: bytes
) -> None:
    answer = await post_file(client, await upload_url(vk), data, field=field)
    assert answer["photo"] == "[]"
    assert error_code(await save(vk, answer)) == 129
    counters = await ctl.counters()
    assert (counters["photo_uploads"], counters["photo_uploads_failed"]) == (1, 1)
    assert counters["photo_saves"] == 0


async def test_a_file_over_the_limit_gives_an_empty_photo(
    client: TestClient[Any, Any], vk: VkCall, world: World
) -> None:
    image = png()
    world.photos.max_bytes = len(image) + 30  # stands in for VK's 50 MB
    assert (await upload(client, vk, image + b"\x00" * 30))["photo"] != "[]"
    assert (await upload(client, vk, image + b"\x00" * 31))["photo"] == "[]"


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda p: f"photo{p['owner_id']}_{p['id']}_{'0' * len(p['access_key'])}",  # forged key
        lambda p: f"photo{p['owner_id']}_{p['id']}",  # no key
        lambda p: f"photo{p['owner_id']}_{p['id'] + 1}_{p['access_key']}",  # unknown id
        lambda p: f"photo{-p['owner_id']}_{p['id']}_{p['access_key']}",  # another owner
        lambda p: f"doc{p['owner_id']}_{p['id']}_{p['access_key']}",
        lambda p: f"photo{p['owner_id']}_{p['id']}_{p['access_key']},garbage",
        lambda p: "https://vk.com/photo1_2",
    ],
)
async def test_send_refuses_a_bad_attachment_with_100(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient, chat: Any, make_bad: Any
) -> None:
    photo = await saved_photo(client, vk, png())
    body = await send(vk, chat["peer_id"], 1, message="x", attachment=make_bad(photo))
    assert error_code(body) == 100
    assert "attachment" in body["error"]["error_msg"]
    assert await ctl.messages(chat["peer_id"]) == []


async def test_at_most_ten_attachments(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient, chat: Any
) -> None:
    photo = await saved_photo(client, vk, png())
    eleven = ",".join([attachment(photo)] * 11)
    body = await send(vk, chat["peer_id"], 1, message="x", attachment=eleven)
    assert error_code(body) == 100
    ten = ",".join([attachment(photo)] * 10)
    assert "response" in await send(vk, chat["peer_id"], 2, message="x", attachment=ten)
    [message] = await ctl.messages(chat["peer_id"])
    assert len(message["attachments"]) == 10


async def test_edit_keeps_only_the_attachments_it_passes(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient, chat: Any
) -> None:
    photo = await saved_photo(client, vk, png())
    peer = chat["peer_id"]
    await send(vk, peer, 1, message="Вопрос", attachment=attachment(photo))
    edit = {"peer_id": peer, "conversation_message_id": 1}
    assert "response" in await vk("messages.edit", message="10 секунд", **edit)
    assert (await ctl.messages(peer))[0]["attachments"] == []
    await vk("messages.edit", message="Вопрос", attachment=attachment(photo), **edit)
    assert (await ctl.messages(peer))[0]["attachments"][0]["photo"]["id"] == photo["id"]
    body = await vk("messages.edit", message="x", attachment="photo1_1_x", **edit)
    assert error_code(body) == 100


async def test_upload_methods_are_refused_inside_execute(
    client: TestClient[Any, Any], vk: VkCall
) -> None:
    answer = await upload(client, vk, png())
    code = (
        "return [API.photos.getMessagesUploadServer({}), "
        f"API.photos.saveMessagesPhoto({json.dumps(answer)}), "
        'API.users.get({"user_ids": "1"})];'
    )
    body = await vk("execute", code=code)
    assert body["response"][:2] == [False, False]
    assert body["response"][2] == []
    assert [e["error_code"] for e in body["execute_errors"]] == [13, 13]
    assert "cannot be called from execute" in body["execute_errors"][0]["error_msg"]
    assert "response" in await save(vk, answer)  # the refused call did not use the upload


async def test_forget_makes_old_attachments_fail_but_keeps_the_files(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient, chat: Any
) -> None:
    photo = await saved_photo(client, vk, png())
    old = attachment(photo)
    assert "response" in await send(vk, chat["peer_id"], 1, message="a", attachment=old)
    assert await ctl.forget_photos() == 1
    assert await ctl.photos() == []
    assert error_code(await send(vk, chat["peer_id"], 2, message="b", attachment=old)) == 100
    async with client.session.get(photo["sizes"][0]["url"]) as resp:
        assert resp.status == 200  # the message already sent still shows its picture
    fresh = await saved_photo(client, vk, png())
    assert fresh["id"] != photo["id"]
    assert "response" in await send(
        vk, chat["peer_id"], 3, message="c", attachment=attachment(fresh)
    )


async def test_upload_fault_fails_the_next_uploads(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient
) -> None:
    await ctl.set_faults(error_rates={10: 0.5}, methods=["users.get"])
    faults = await ctl.fail_uploads(2)
    assert faults["failed_uploads"] == 2
    assert faults["error_rates"] == {"10": 0.5}  # the other faults stay
    assert (await upload(client, vk, png()))["photo"] == "[]"
    assert (await upload(client, vk, png()))["photo"] == "[]"
    assert (await upload(client, vk, png()))["photo"] != "[]"
    assert (await ctl.set_faults(failed_uploads=1))["failed_uploads"] == 1
    await ctl.clear_faults()
    assert (await upload(client, vk, png()))["photo"] != "[]"
    counters = await ctl.counters()
    assert (counters["photo_uploads"], counters["photo_uploads_failed"]) == (4, 2)


async def test_unknown_photo_files_are_404(client: TestClient[Any, Any], vk: VkCall) -> None:
    photo = await saved_photo(client, vk, png())
    url: str = photo["sizes"][0]["url"]
    for wrong in (url.replace(".png", ".jpg"), url.rsplit("/", 1)[0] + "/nothing.png"):
        async with client.session.get(wrong) as resp:
            assert resp.status == 404


async def test_reset_drops_photos(
    client: TestClient[Any, Any], vk: VkCall, ctl: ControlClient
) -> None:
    photo = await saved_photo(client, vk, png())
    await ctl.reset()
    assert await ctl.photos() == []
    async with client.session.get(photo["sizes"][0]["url"]) as resp:
        assert resp.status == 404
    assert (await ctl.counters())["photo_saves"] == 0


async def test_messages_keep_their_attachments_in_the_state_file(
    client: TestClient[Any, Any], vk: VkCall, world: World, chat: Any
) -> None:
    photo = await saved_photo(client, vk, png())
    await send(vk, chat["peer_id"], 1, message="q", attachment=attachment(photo))
    restored = World(GROUP_ID)
    restored.load_state(json.loads(json.dumps(world.dump_state())))
    [message] = restored.chats[chat["peer_id"]].messages
    assert message.attachments == [{"type": "photo", "photo": photo}]
    assert restored.photos.saved == {}  # photos themselves are not kept


def test_the_web_chat_renders_photos_as_dom_nodes() -> None:
    script = (WEB_DIR / "app.js").read_text(encoding="utf-8")
    assert 'document.createElement("img")' in script
    assert "img.alt" in script
    assert "innerHTML" not in script
