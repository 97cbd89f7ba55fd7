"""Crash points for tests: make a real process die at an exact, named step.

Set ``ZNATOKI_FAILPOINT=<name>`` in a service's environment and the process exits abruptly
(``os._exit``, like SIGKILL: no cleanup, no flush) the first time it reaches that point. This is
how the tests prove that a crash between two steps (publish and cursor save, commit and send)
loses nothing and doubles nothing. Unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import logging
import os

EXIT_CODE = 86
_armed = os.environ.get("ZNATOKI_FAILPOINT", "")


def failpoint(name: str) -> None:
    if _armed and _armed == name:
        logging.getLogger(__name__).warning("failpoint %s reached: exiting", name)
        logging.shutdown()
        os._exit(EXIT_CODE)
