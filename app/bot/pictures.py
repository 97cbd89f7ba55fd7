"""Question pictures as VK attachments: uploaded once, the attachment string stored with the
picture and reused by every chat, uploaded again only when VK refuses it or an admin replaces
the picture (the admin API clears the stored attachment; the table, not this process's memory,
is asked each time: a picture question is one send per round, so the read costs nothing).

The picture's bytes live in Postgres (``question_images``). An upload is VK's three steps
(:meth:`app.vk.client.VKClient.upload_message_photo`); its two API calls take slots of the
same rate budget as the replies. Many chats playing the same pack at once share one upload
per picture (single flight). When the upload fails for good, :meth:`Pictures.resolve` answers
None and the question goes out without its picture (the sender says so in the text).
"""

from __future__ import annotations

import asyncio
import logging

from app.db.pool import Pool
from app.vk.client import VKClient
from app.vk.errors import VKError

log = logging.getLogger(__name__)

UPLOAD_ATTEMPTS = 3
RETRY_DELAY = 0.5  # seconds before the second attempt, doubled before each next one


class Pictures:
    def __init__(
        self,
        pool: Pool,
        vk: VKClient,
        *,
        attempts: int = UPLOAD_ATTEMPTS,
        retry_delay: float = RETRY_DELAY,
    ) -> None:
        self._pool = pool
        self._vk = vk
        self._attempts = attempts
        self._retry_delay = retry_delay
        self._uploads: dict[int, asyncio.Task[str | None]] = {}
        self.uploads = 0  # uploads started by this process (for tests and metrics)

    async def lookup(self, question_id: int) -> str | None:
        """The attachment already uploaded for this question's picture, without uploading."""
        known: str | None = await self._pool.fetchval(
            "SELECT vk_attachment FROM question_images WHERE question_id = $1", question_id
        )
        return known

    async def resolve(self, question_id: int) -> str | None:
        """The picture's attachment, uploading it if it has none; None if that failed for good
        (or the question has no picture any more)."""
        known = await self.lookup(question_id)
        if known is not None:
            return known
        task = self._uploads.get(question_id)
        if task is None:
            task = asyncio.create_task(self._upload(question_id), name=f"upload-{question_id}")
            self._uploads[question_id] = task
            task.add_done_callback(lambda _: self._uploads.pop(question_id, None))
        return await asyncio.shield(task)

    async def refused(self, question_id: int, attachment: str) -> None:
        """VK refused this attachment: forget it, so the next resolve uploads again."""
        await self._pool.execute(
            "UPDATE question_images SET vk_attachment = NULL "
            "WHERE question_id = $1 AND vk_attachment = $2",
            question_id,
            attachment,
        )

    async def close(self) -> None:
        for task in list(self._uploads.values()):
            task.cancel()
        await asyncio.gather(*self._uploads.values(), return_exceptions=True)

    async def _upload(self, question_id: int) -> str | None:
        row = await self._pool.fetchrow(
            "SELECT name, content_type, data FROM question_images WHERE question_id = $1",
            question_id,
        )
        if row is None:
            return None
        name, content_type, data = row[0], row[1], bytes(row[2])
        extra = {"question_id": question_id}
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._retry_delay * 2 ** (attempt - 1))
            self.uploads += 1
            try:
                attachment = await self._vk.upload_message_photo(data, name, content_type)
            except VKError as exc:
                log.warning("picture upload %d failed: %s", attempt + 1, exc, extra=extra)
                continue
            # Stored only for the very picture uploaded: an admin may have replaced it meanwhile
            # (then the new one is uploaded on its first send).
            await self._pool.execute(
                "UPDATE question_images SET vk_attachment = $2 "
                "WHERE question_id = $1 AND data = $3",
                question_id,
                attachment,
                data,
            )
            return attachment
        log.error("picture not uploaded after %d attempts", self._attempts, extra=extra)
        return None
