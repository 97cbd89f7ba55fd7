"""Question pictures through the outbox sender and the emulator: uploaded once and reused,
kept by edits, uploaded again when VK refuses a stored attachment, and a question that goes
out without its picture (and says so) when the upload fails for good."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.actions import EditMessage, SendMessage
from app.bot.texts import PICTURE_MISSING
from app.db.pool import Pool
from tests.emulator.images import png
from tests.integration.sender_rig import Rig, queue, settled

PICTURE = png(4, 3)


async def picture_question(pool: Pool) -> int:
    question_id: int = await pool.fetchval(
        "INSERT INTO questions (text, answer) VALUES ('Что на картинке?', 'Кот') RETURNING id"
    )
    await pool.execute(
        "INSERT INTO question_images (question_id, name, content_type, data) "
        "VALUES ($1, 'cat.png', 'image/png', $2)",
        question_id,
        PICTURE,
    )
    return question_id


async def new_chat(rig: Rig) -> int:
    user = await rig.control.create_user("Ира")
    peer_id: int = (await rig.control.create_chat("c", [user["id"]]))["peer_id"]
    return peer_id


async def send(rig: Rig, db: AsyncEngine, peer_id: int, actions: list[object]) -> None:
    await queue(db, peer_id, actions)
    rig.sender.wake(peer_id)
    await settled(db)


def photo_of(message: dict[str, Any]) -> str:
    attachments: list[dict[str, Any]] = message["attachments"]
    (attachment,) = attachments
    assert attachment["type"] == "photo"
    photo = attachment["photo"]
    return f"photo{photo['owner_id']}_{photo['id']}_{photo['access_key']}"


async def test_a_picture_is_uploaded_once_reused_and_kept_by_edits(
    rig: Rig, db: AsyncEngine, pool: Pool
) -> None:
    question_id = await picture_question(pool)
    first, second = await new_chat(rig), await new_chat(rig)
    await send(rig, db, first, [SendMessage("Вопрос", ref="q", image_of=question_id)])
    await send(
        rig,
        db,
        second,
        [
            SendMessage("Вопрос", ref="q", image_of=question_id),
            EditMessage("q", "Закрыт", (), image_of=question_id),
        ],
    )
    (one,) = await rig.control.messages(first)
    (two,) = await rig.control.messages(second)
    assert photo_of(one) == photo_of(two)
    assert two["text"] == "Закрыт"  # edited, the picture kept
    stored = await pool.fetchval(
        "SELECT vk_attachment FROM question_images WHERE question_id = $1", question_id
    )
    assert stored == photo_of(one)
    assert len(await rig.control.photos()) == 1
    assert rig.sender.pictures.uploads == 1


async def test_an_attachment_vk_refuses_is_uploaded_again(
    rig: Rig, db: AsyncEngine, pool: Pool
) -> None:
    question_id = await picture_question(pool)
    peer_id = await new_chat(rig)
    await send(rig, db, peer_id, [SendMessage("Раз", image_of=question_id)])
    old = photo_of((await rig.control.messages(peer_id))[0])
    assert await rig.control.forget_photos() == 1  # VK no longer takes the stored string

    await send(rig, db, peer_id, [SendMessage("Два", image_of=question_id)])
    messages = await rig.control.messages(peer_id)
    assert [m["text"] for m in messages] == ["Раз", "Два"]
    new = photo_of(messages[1])
    assert new != old
    assert rig.sender.pictures.uploads == 2
    assert (
        await pool.fetchval(
            "SELECT vk_attachment FROM question_images WHERE question_id = $1", question_id
        )
        == new
    )


async def test_a_picture_that_cannot_be_uploaded_leaves_a_line_instead(
    rig: Rig, db: AsyncEngine, pool: Pool
) -> None:
    question_id = await picture_question(pool)
    peer_id = await new_chat(rig)
    other = await new_chat(rig)
    await rig.control.fail_uploads(100)
    await queue(db, peer_id, [SendMessage("Вопрос", ref="q", image_of=question_id)])
    await queue(db, other, [SendMessage("Другой чат")])
    rig.sender.wake(peer_id)
    rig.sender.wake(other)
    await settled(db)
    (message,) = await rig.control.messages(peer_id)
    assert message["text"] == f"Вопрос\n\n{PICTURE_MISSING}"
    assert not message["attachments"]
    assert [m["text"] for m in await rig.control.messages(other)] == ["Другой чат"]
    assert rig.sender.pictures.uploads == 3  # the attempts, then it gave up
    assert (
        await pool.fetchval(
            "SELECT vk_attachment FROM question_images WHERE question_id = $1", question_id
        )
        is None
    )

    # The edits of that question say the same and never upload.
    await send(rig, db, peer_id, [EditMessage("q", "Закрыт", (), image_of=question_id)])
    (message,) = await rig.control.messages(peer_id)
    assert message["text"] == f"Закрыт\n\n{PICTURE_MISSING}"
    assert rig.sender.pictures.uploads == 3


async def test_a_picture_an_admin_replaced_is_uploaded_again(
    rig: Rig, db: AsyncEngine, pool: Pool
) -> None:
    question_id = await picture_question(pool)
    peer_id = await new_chat(rig)
    await send(rig, db, peer_id, [SendMessage("Раз", image_of=question_id)])
    # What PUT /api/questions/{id}/image does: new bytes, the stored attachment cleared.
    replaced = png(7, 5)
    await pool.execute(
        "UPDATE question_images SET data = $2, vk_attachment = NULL WHERE question_id = $1",
        question_id,
        replaced,
    )
    await send(rig, db, peer_id, [SendMessage("Два", image_of=question_id)])
    first, second = await rig.control.messages(peer_id)
    assert photo_of(first) != photo_of(second)
    assert rig.sender.pictures.uploads == 2
    (newest,) = [p for p in await rig.control.photos() if p["attachment"] == photo_of(second)]
    assert max(size["width"] for size in newest["sizes"]) == 7  # the new picture


async def test_an_edit_keeps_the_picture_its_message_went_out_with(
    rig: Rig, db: AsyncEngine, pool: Pool
) -> None:
    """Even when the stored attachment changed meanwhile (an admin replaced the picture, or
    another chat's send had it refused): the message's own picture stays."""
    question_id = await picture_question(pool)
    peer_id = await new_chat(rig)
    await send(rig, db, peer_id, [SendMessage("Вопрос", ref="q", image_of=question_id)])
    (sent,) = await rig.control.messages(peer_id)
    await pool.execute(
        "UPDATE question_images SET data = $2, vk_attachment = NULL WHERE question_id = $1",
        question_id,
        png(9, 9),
    )
    await send(rig, db, peer_id, [EditMessage("q", "Закрыт", (), image_of=question_id)])
    (edited,) = await rig.control.messages(peer_id)
    assert edited["text"] == "Закрыт"  # no «could not be shown» line
    assert photo_of(edited) == photo_of(sent)
    assert rig.sender.pictures.uploads == 1  # an edit never uploads
