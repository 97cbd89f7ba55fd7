"""VKClient's photo upload against a running emulator (and a fake upload server for the ways an
upload server can fail): upload, send with the attachment, refusal after the emulator forgets,
re-upload, and the upload errors."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app.vk.client import NO_RETRY, VKClient, send_message_call
from app.vk.errors import VKInvalidRequestError, VKTransportError, VKUploadError
from tests.emulator.images import gif, jpeg, png
from tests.helpers import emulator_vk, free_port
from vk_emulator.config import EmulatorConfig
from vk_emulator.control_client import ControlClient
from vk_emulator.server import create_app

TOKEN = "photos-token"
ATTACHMENT = re.compile(r"photo-1_\d+_[0-9a-f]+")


@dataclass
class Rig:
    vk: VKClient
    control: ControlClient
    http: aiohttp.ClientSession
    peer_id: int


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    server = TestServer(create_app(EmulatorConfig(group_id=1, token=TOKEN)))
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        vk = emulator_vk(http, str(server.make_url("/method")), TOKEN)
        async with ControlClient(str(server.make_url("/")), session=http) as control:
            user = await control.create_user("Анна")
            chat = await control.create_chat("Знатоки", [user["id"]])
            yield Rig(vk, control, http, chat["peer_id"])
    await server.close()


async def test_upload_then_send_with_the_photo(rig: Rig) -> None:
    data = png(3, 2)
    attachment = await rig.vk.upload_message_photo(data, "q.png", "image/png", peer_id=rig.peer_id)
    assert ATTACHMENT.fullmatch(attachment)
    sent = await rig.vk.send_message(rig.peer_id, "Вопрос 1", random_id=1, attachment=attachment)
    [message] = await rig.control.messages(rig.peer_id)
    assert message["conversation_message_id"] == sent.conversation_message_id
    [item] = message["attachments"]
    photo = item["photo"]
    assert item["type"] == "photo"
    assert f"photo{photo['owner_id']}_{photo['id']}_{photo['access_key']}" == attachment
    async with rig.http.get(photo["sizes"][-1]["url"]) as resp:
        assert await resp.read() == data
    by_method = (await rig.control.counters())["requests_by_method"]
    assert by_method["photos.getMessagesUploadServer"] == 1
    assert by_method["photos.saveMessagesPhoto"] == 1


async def test_the_same_string_again_and_in_an_execute_batch(rig: Rig) -> None:
    first = await rig.vk.upload_message_photo(jpeg(), "a.jpg", "image/jpeg")
    second = await rig.vk.upload_message_photo(gif(), "b.gif", "image/gif")
    both = f"{first},{second}"
    await rig.vk.send_message(rig.peer_id, "раз", random_id=1, attachment=first)
    [slot] = await rig.vk.execute_calls(
        [send_message_call(rig.peer_id, "два", random_id=2, attachment=both)]
    )
    assert isinstance(slot, list)
    messages = await rig.control.messages(rig.peer_id)
    shown = [[a["photo"]["id"] for a in m["attachments"]] for m in messages]
    first_id, second_id = (int(s.split("_")[1]) for s in (first, second))
    assert shown == [[first_id], [first_id, second_id]]


async def test_a_forgotten_attachment_is_refused_and_a_new_upload_works(rig: Rig) -> None:
    old = await rig.vk.upload_message_photo(png(), "q.png", "image/png")
    await rig.vk.send_message(rig.peer_id, "Вопрос", random_id=1, attachment=old)
    assert await rig.control.forget_photos() == 1
    with pytest.raises(VKInvalidRequestError) as refused:
        await rig.vk.send_message(rig.peer_id, "Вопрос", random_id=2, attachment=old)
    assert refused.value.code == 100
    fresh = await rig.vk.upload_message_photo(png(), "q.png", "image/png")
    assert fresh != old
    await rig.vk.send_message(rig.peer_id, "Вопрос", random_id=3, attachment=fresh)
    assert len(await rig.control.messages(rig.peer_id)) == 2


async def test_a_failed_upload_raises_vk_upload_error(rig: Rig) -> None:
    await rig.control.fail_uploads(1)
    with pytest.raises(VKUploadError, match=r"\[\]"):
        await rig.vk.upload_message_photo(png(), "q.png", "image/png")
    with pytest.raises(VKUploadError):
        await rig.vk.upload_message_photo(b"%PDF-1.4", "q.pdf", "application/pdf")
    assert ATTACHMENT.fullmatch(await rig.vk.upload_message_photo(png(), "q.png", "image/png"))
    counters = await rig.control.counters()
    assert (counters["photo_uploads"], counters["photo_uploads_failed"]) == (3, 2)
    assert counters["photo_saves"] == 1  # nothing was saved for the refused files


def fake_vk(upload_url: str, upload: web.Response | None = None) -> web.Application:
    """VK whose upload server answers `upload` at /up (for the failures a real one can have)."""

    async def get_server(request: web.Request) -> web.Response:
        url = upload_url.replace("{base}", f"{request.scheme}://{request.host}")
        return web.json_response({"response": {"upload_url": url, "album_id": -64}})

    async def up(request: web.Request) -> web.Response:
        await request.read()
        assert upload is not None
        return upload

    app = web.Application()
    app.router.add_post("/method/photos.getMessagesUploadServer", get_server)
    app.router.add_post("/up", up)
    return app


async def upload_to(app: web.Application) -> str:
    server = TestServer(app)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            vk = VKClient(http, TOKEN, api_url=str(server.make_url("/method")), retry=NO_RETRY)
            return await vk.upload_message_photo(png(), "q.png", "image/png")
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("upload", "match"),
    [
        (web.Response(status=500, text="oops"), "HTTP 500"),
        (web.Response(status=413, text="too large"), "HTTP 413"),
        (web.Response(text="<html>busy</html>", content_type="text/html"), "not JSON"),
        (web.json_response({"error": "ERR_UPLOAD_BAD_SIGNATURE"}), "refused"),
        (web.json_response({"server": 1, "photo": "[]", "hash": "h"}), "refused"),
        (web.json_response(["server", "photo"]), "refused"),
    ],
)
async def test_upload_server_failures(upload: web.Response, match: str) -> None:
    with pytest.raises(VKUploadError, match=match):
        await upload_to(fake_vk("{base}/up", upload))


async def test_an_unreachable_upload_server_is_a_transport_error() -> None:
    with pytest.raises(VKTransportError, match="photo upload"):
        await upload_to(fake_vk(f"http://127.0.0.1:{free_port()}/up"))
