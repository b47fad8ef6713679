"""Progress: one self-rewriting line on a terminal while a command works.

`build` reports a `Progress` as soon as it knows its sources (before the heavy
imports, so the line appears the moment the command starts), then each time a
page is read or a source finishes (pages are read in child processes and
reported back over their pipes, see `pipeline.run.sandbox`). `warehouse` and
`inspect` report their steps as plain text (`ProgressBar.step`).
`ProgressBar` draws either on stderr, and only there:

* only on a terminal, never into a log or a pipe: there the commands print
  their result lines and nothing else;
* at most every `interval` seconds (the first and the finished state always),
  cut to the terminal's width so it never wraps, and erased before the result
  lines are printed.

A build's line names the guides being read with their pages, counts guides and
pages, and once pages have been read for a moment estimates the time left from
the rate so far. The command line leaves it out with --quiet.
"""

from __future__ import annotations

import io
import math
import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """One source being parsed right now: its file name, pages read and page count (None until opened)."""

    name: str
    pages_done: int = 0
    page_count: int | None = None


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
    #: The sources being parsed right now, in the order they started.
    reading: tuple[Reading, ...] = ()


#: Seconds of page reading before an estimate is shown: the first page's rate says little.
ESTIMATE_AFTER = 1.0


def estimate_text(seconds: float) -> str:
    """Time left in words a person reads at a glance: "about 4 s left", "about 3 min left"."""
    if seconds < 90:
        return f"about {max(1, math.ceil(seconds))} s left"
    return f"about {math.ceil(seconds / 60)} min left"


def progress_line(progress: Progress, estimate: str | None, width: int = 24) -> str:
    """The text of one frame: bar, guides, pages, estimate, then what is being read."""
    filled = round(width * min(max(progress.fraction, 0.0), 1.0))
    parts = [f"[{'#' * filled}{'.' * (width - filled)}]",
             f"{progress.sources_done}/{progress.sources_total} guides"]
    if progress.pages_known:
        parts.append(f"{progress.pages_done}/{progress.pages_known} pages")
    if estimate:
        parts.append(estimate)
    if progress.reading:
        parts.append("reading " + ", ".join(
            f"{r.name} p. {r.pages_done}/{r.page_count}" if r.page_count else f"{r.name} (opening)"
            for r in progress.reading))
    elif progress.sources_done < progress.sources_total:
        parts.append("starting the parser")
    return "  ".join(parts)


class ProgressBar:
    """Draws `Progress` (or a step's text) on a terminal stream; does nothing on anything else."""

    def __init__(self, stream, *, interval: float = 0.1, clock=time.monotonic, columns: int | None = None):
        self.stream = stream
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.interval, self.clock = interval, clock
        self.columns = columns
        self.drawn_at: float | None = None
        self.width = 0
        self._rate_from: tuple[float, float] | None = None  # (time, fraction) when pages started coming

    def _columns(self) -> int:
        if self.columns:
            return self.columns
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            columns = 0
        return columns or 80  # a terminal that does not say its size (0 columns) gets the classic 80

    def _draw(self, line: str) -> None:
        line = line[:max(20, self._columns() - 1)]  # one short of the edge, so the terminal never wraps it
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def _estimate(self, progress: Progress, now: float) -> str | None:
        if not progress.pages_done:
            return None
        if self._rate_from is None:
            self._rate_from = (now, progress.fraction)
            return None
        since, fraction = self._rate_from
        if now - since < ESTIMATE_AFTER or progress.fraction <= fraction:
            return None
        rate = (progress.fraction - fraction) / (now - since)
        return estimate_text((1 - progress.fraction) / rate)

    def update(self, progress: Progress) -> None:
        if not self.enabled:
            return
        now = self.clock()
        finished = progress.sources_done == progress.sources_total
        estimate = self._estimate(progress, now)
        if self.drawn_at is not None and now - self.drawn_at < self.interval and not finished:
            return  # throttled; the finished state is always drawn, so the last frame is the true count
        self.drawn_at = now
        self._draw(progress_line(progress, None if finished else estimate))

    def step(self, text: str) -> None:
        """Show what a command is doing now ("warehouse: loading 2 year(s) ..."), replacing the line."""
        if self.enabled:
            self.drawn_at = self.clock()
            self._draw(text)

    def close(self) -> None:
        """Erase the line, so the result lines start on a clean one."""
        if self.enabled and self.drawn_at is not None:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.drawn_at = None
