"""The optional state file (`EMULATOR_STATE_FILE`): the world survives an emulator restart.

At start the world is loaded from the file if it exists. Every recorded change schedules a
save, debounced to at most one per `interval` seconds; shutdown saves whatever is left. A save
writes a temporary file next to the target, fsyncs it and renames it over the target, so a
crash mid-save leaves the previous state intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
from pathlib import Path

from vk_emulator.world import Notifier, World

logger = logging.getLogger(__name__)


class StateFileError(RuntimeError):
    """The state file exists but cannot be used; the message names the file and the fix."""


class StateStore:
    def __init__(self, world: World, path: str | os.PathLike[str], interval: float = 1.0) -> None:
        self.world = world
        self.path = Path(path)
        self.interval = interval
        self.dirty = False
        self.saves = 0
        # Woken after every save attempt, so tests can wait for one without sleeping.
        self.saved = Notifier()
        self._handle: asyncio.TimerHandle | None = None
        self._last_save = -math.inf

    @property
    def pending(self) -> bool:
        """A save is scheduled."""
        return self._handle is not None

    def load(self) -> bool:
        """Loads the world from the file; False when there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StateFileError(f"cannot read the emulator state file {self.path}: {exc}") from exc
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            self.world.load_state(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise StateFileError(
                f"{self.path} is not a usable emulator state file ({exc!r}); "
                "move it away or delete it to start with an empty world"
            ) from exc
        return True

    def attach(self) -> None:
        """Starts saving after every change of the world."""
        self.world.on_change.append(self.schedule)

    def schedule(self) -> None:
        """Marks the state dirty and makes sure a save follows, at most one per interval."""
        self.dirty = True
        if self._handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # changed outside an event loop: the shutdown save writes it
        delay = max(0.0, self._last_save + self.interval - loop.time())
        self._handle = loop.call_later(delay, self._save_due)

    def _save_due(self) -> None:
        self._handle = None
        if self.dirty:
            self.save()

    def save(self) -> None:
        """Writes the state now (atomically). Errors are logged, not raised: the emulator keeps
        serving and the next change tries again."""
        self.dirty = False
        try:
            loop = asyncio.get_running_loop()
            self._last_save = loop.time()
        except RuntimeError:
            pass
        data = json.dumps(self.world.dump_state(), ensure_ascii=False, separators=(",", ":"))
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("w", encoding="utf-8") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            tmp.replace(self.path)
            self.saves += 1
        except OSError:
            self.dirty = True
            logger.exception("could not save the emulator state to %s", self.path)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        finally:
            self.saved.notify()

    def close(self) -> None:
        """Cancels a scheduled save and writes the final state."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self.world.on_change.count(self.schedule):
            self.world.on_change.remove(self.schedule)
        self.save()
