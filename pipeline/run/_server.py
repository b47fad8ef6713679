"""What the fork server imports first (`pipeline.run.sandbox.start_server`), before the stages.

Three things make the server start faster and end at once, none of which any
other process should do:

* No garbage collection while the stages are imported. Importing pandas,
  pyarrow, pandera and pdfplumber makes about a million objects that all live
  on; each full collection walks all of them and finds nothing (a tenth of the
  import time). The server keeps the collector off.
* Each child, right after the fork, moves everything it inherited into the
  collector's permanent generation (`gc.freeze`) and turns the collector back
  on: its collections then walk only what the child itself makes, and the
  pages it shares with the server stay shared.
* When the build is over, the server ends without tearing its imports down
  (`os._exit`): freeing them one object at a time kept the build's caller
  waiting for nothing, since the server shares its standard streams. The
  children end with `os._exit` already and never run exit handlers.

Imported by the fork server only; nothing else should import it.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys


def _child_starts() -> None:
    gc.freeze()
    gc.enable()


def _end_at_once() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


gc.disable()
os.register_at_fork(after_in_child=_child_starts)
atexit.register(_end_at_once)
