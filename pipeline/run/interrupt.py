"""Interrupt: SIGTERM and Ctrl-C stop a run cleanly, and never in the middle of a commit.

`catch_signals()` (the command line wraps each writing command in it) turns
SIGTERM into `Interrupted` and Ctrl-C (SIGINT) into `Interrupted` too, raised
in the main thread wherever it is: the build's `finally` blocks then stop the
parsing children and remove the staging, and the command line prints one line
and exits 128 + the signal number (143, 130).

`held()` marks a section that must not be cut (a year's commit, see
`pipeline.publish.commit`): a signal arriving inside it is remembered and
raised when the section ends, so the outputs are never left between the old
and the new year by an interrupt. SIGKILL cannot be held; the commit's order
and journal cover it.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class Interrupted(BaseException):
    """The run was stopped by a signal. A BaseException, so no `except Exception` swallows it."""

    def __init__(self, signum: int):
        self.signum = signum
        #: Years committed before the signal was acted on (it waits for commits to finish).
        self.published: list[int] = []
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_state = {"depth": 0, "pending": None}


def _handler(signum, frame) -> None:
    if _state["depth"]:
        _state["pending"] = _state["pending"] or signum
        return
    raise Interrupted(signum)


@contextmanager
def catch_signals():
    """Within this block SIGINT and SIGTERM raise `Interrupted` (only from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _handler) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def held():
    """A section no signal cuts: one arriving inside is raised as `Interrupted` when it ends."""
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1
    if not _state["depth"] and _state["pending"]:
        signum, _state["pending"] = _state["pending"], None
        raise Interrupted(signum)
