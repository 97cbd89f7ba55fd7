"""Crash points for tests: make a real process die at an exact, named step.

Set ``ZNATOKI_FAILPOINT=<name>`` in a service's environment and the process exits abruptly
(``os._exit``, like SIGKILL: no cleanup, no flush) the first time it reaches that point;
``ZNATOKI_FAILPOINT=<name>:<text>`` makes a raising failpoint fail every matching update,
which is how the tests make poison messages for the retry and dead-letter path. This is
how the tests prove that a crash between two steps (publish and cursor save, commit and send)
loses nothing and doubles nothing. Unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import logging
import os

EXIT_CODE = 86
_armed, _, _argument = os.environ.get("ZNATOKI_FAILPOINT", "").partition(":")


class FailpointError(RuntimeError):
    """Raised by an armed :func:`failpoint_raise`: stands in for a bug in a handler."""


def failpoint(name: str) -> None:
    if _armed and _armed == name:
        logging.getLogger(__name__).warning("failpoint %s reached: exiting", name)
        logging.shutdown()
        os._exit(EXIT_CODE)


def failpoint_raise(name: str, subject: str) -> None:
    """``ZNATOKI_FAILPOINT=<name>:<text>`` raises whenever ``subject`` contains ``<text>``."""
    if _armed and _armed == name and _argument in subject:
        raise FailpointError(f"failpoint {name} hit by {subject[:80]!r}")
