"""VK API error codes and the exception the method implementations raise."""

from __future__ import annotations

# Messages copied from the official VK API schema (errors.json, v5.199) so that clients
# matching on error_msg behave the same against the emulator and the real API.
ERROR_MESSAGES: dict[int, str] = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed",
    6: "Too many requests per second",
    8: "Invalid request",
    9: "Flood control",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation",
    14: "Captcha needed",
    15: "Access denied",
    18: "User was deleted or banned",
    27: "Group authorization failed",
    100: "One of the parameters specified was missing or invalid",
    113: "Invalid user id",
    121: "Invalid hash",
    129: "Invalid photo",
    901: "Can't send messages for users without permission",
    902: "Can't send messages to this user due to their privacy settings",
    909: "Can't edit this message, because it's too old",
    911: "Keyboard format is invalid",
    912: "This is a chat bot feature, change this status in settings",
    914: "Message is too long",
    917: "You don't have access to this chat",
    920: "Can't edit this kind of message",
    925: "You are not admin of this chat",
    927: "Chat does not exist",
    935: "User not found in chat",
    945: "Chat was disabled",
    946: "Chat not supported",
    950: "Can't send message, reply timed out",
}


def error_message(code: int) -> str:
    return ERROR_MESSAGES.get(code, ERROR_MESSAGES[1])


class ApiError(Exception):
    """A VK API error; `detail` is appended after a colon, as VK does for error 100."""

    def __init__(self, code: int, detail: str | None = None) -> None:
        self.code = code
        base = error_message(code)
        self.msg = f"{base}: {detail}" if detail else base
        super().__init__(self.msg)
