"""Parser for the VKScript subset that batching senders emit:

    return [API.messages.send({...}), API.messages.edit({...})];
    return API.messages.send({...});

Arguments are JSON objects decoded with the real JSON decoder, so strings may hold commas,
brackets, quotes and any Unicode without confusing the parser.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_METHOD = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_DECODER = json.JSONDecoder()


class ScriptError(ValueError):
    """The code is outside the supported subset (VK error 12)."""


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Script:
    calls: list[Call]
    returns_list: bool


def parse(code: str) -> Script:
    return _Parser(code).script()


def to_param(value: Any) -> str:
    """Encodes a VKScript argument the way it would travel as an HTTP parameter."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return ""
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list):
        return ",".join(to_param(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


class _Parser:
    def __init__(self, code: str) -> None:
        self.code = code
        self.pos = 0

    def script(self) -> Script:
        self._ws()
        if not self.code.startswith("return", self.pos):
            raise self._error("expected 'return'")
        self.pos += len("return")
        self._ws()
        if self._peek() == "[":
            self.pos += 1
            calls = self._call_list()
            returns_list = True
        else:
            calls = [self._call()]
            returns_list = False
        self._ws()
        if self._peek() == ";":
            self.pos += 1
        self._ws()
        if self.pos != len(self.code):
            raise self._error("unexpected trailing code")
        return Script(calls, returns_list)

    def _call_list(self) -> list[Call]:
        calls: list[Call] = []
        self._ws()
        if self._peek() == "]":
            self.pos += 1
            return calls
        while True:
            calls.append(self._call())
            self._ws()
            char = self._peek()
            self.pos += 1
            if char == "]":
                return calls
            if char != ",":
                raise self._error("expected ',' or ']'")
            self._ws()

    def _call(self) -> Call:
        self._ws()
        if not self.code.startswith("API.", self.pos):
            raise self._error("expected an API.<method>(...) call")
        self.pos += len("API.")
        match = _METHOD.match(self.code, self.pos)
        if match is None:
            raise self._error("expected a method name")
        self.pos = match.end()
        self._ws()
        self._expect("(")
        self._ws()
        args: dict[str, Any] = {}
        if self._peek() != ")":
            try:
                value, self.pos = _DECODER.raw_decode(self.code, self.pos)
            except json.JSONDecodeError as exc:
                raise self._error(f"bad JSON argument ({exc.msg})") from None
            if not isinstance(value, dict):
                raise self._error("the argument must be a JSON object")
            args = value
            self._ws()
        self._expect(")")
        return Call(match.group(0), args)

    def _ws(self) -> None:
        while self.pos < len(self.code) and self.code[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        return self.code[self.pos] if self.pos < len(self.code) else ""

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise self._error(f"expected {char!r}")
        self.pos += 1

    def _error(self, detail: str) -> ScriptError:
        return ScriptError(f"{detail} at position {self.pos}")
