"""Every limit the pack importer enforces, in one place (the issue's bad-input list)."""

from __future__ import annotations

MB = 1024 * 1024

# A pack file (.txt, .4s, .xml), alone or inside a zip: real packs are well under 1 MB.
MAX_PACK_FILE_BYTES = 10 * MB
# A zip as uploaded (compressed): the pack file plus its pictures.
MAX_ZIP_BYTES = 50 * MB
# Zip members, directories included: a pack has some dozens of pictures at most.
MAX_ZIP_MEMBERS = 500
# One picture, uncompressed (checked on the zip's header and again on the bytes actually read).
MAX_PICTURE_BYTES = 20 * MB
# Every member read from a zip, uncompressed, together (zip bombs).
MAX_ZIP_TOTAL_BYTES = 50 * MB
# VK's message limit: a question text (with its text handout), answer or comment must fit one.
MAX_MESSAGE_CHARS = 9000
# A picture name as the pack writes it.
MAX_PICTURE_NAME_CHARS = 255
