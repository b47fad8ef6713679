"""Progress: one self-rewriting line on a terminal while a build runs.

`build` reports a `Progress` each time a page is read or a source finishes
(pages are read in child processes and reported back over their pipes, see
`pipeline.run.sandbox`). `ProgressBar` draws it on stderr, and only there:

* only on a terminal, never into a log or a pipe;
* only once the build has run for `delay` seconds, so a quick build of one
  guide prints nothing but its result;
* at most every `interval` seconds (the finished state always), and erased
  before the summary is printed.

The command line leaves it out with --quiet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Where a build is: sources finished of all, pages read of the pages known so far."""

    sources_done: int
    sources_total: int
    pages_done: int
    pages_known: int
    #: Sources being parsed right now (at most --jobs).
    running: int
    #: Share of the work done, 0..1: finished sources, plus the read share of running ones.
    fraction: float


class ProgressBar:
    """Draws `Progress` on a terminal stream; does nothing on anything else."""

    WIDTH = 30

    def __init__(self, stream, *, delay: float = 0.5, interval: float = 0.1, clock=time.monotonic):
        self.stream = stream
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.delay, self.interval, self.clock = delay, interval, clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.width = 0

    def update(self, progress: Progress) -> None:
        if not self.enabled:
            return
        now = self.clock()
        finished = progress.sources_done == progress.sources_total
        if now - self.started < self.delay:
            return
        if self.drawn_at is not None and now - self.drawn_at < self.interval and not finished:
            return  # throttled; the finished state is always drawn, so the last frame is the true count
        self.drawn_at = now
        filled = round(self.WIDTH * min(max(progress.fraction, 0.0), 1.0))
        line = (f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                f"{progress.sources_done}/{progress.sources_total} guides, "
                f"{progress.pages_done} page(s) read, {progress.running} parsing")
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        """Erase the line, so the summary starts on a clean one."""
        if self.enabled and self.drawn_at is not None:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.drawn_at = None
