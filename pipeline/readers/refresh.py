"""Refresh: what `make build` does after the build, in the build's own process.

After the guides are published, the warehouse is loaded again and each year's
inspect report is written again where it is out of date. Done in the process
that built (`pipeline build --refresh`), they pay no second start-up: the
imports are made and the build's fork server is warm, so the report's re-reading
of the PDF starts at once.

What is out of date is decided by what the outputs say, not by file times:

* a **report** records what it was made from: the sha256 of its year's
  manifest.json (as the warehouse's `guides.manifest_sha256` and the build
  state record it) and the fingerprint of the pipeline's code (`made_from`). It is out
  of date when it is missing or either differs. A year rebuilt into the same
  bytes keeps its report (publish carries it into the new folder), so adding a
  year writes that year's report only;
* the **warehouse** is refreshed when anything was built, when it is missing,
  or when it is older than the build state (a refresh that failed earlier);
  the warehouse itself leaves alone every year whose manifest it already holds.

This module imports only the standard library at the top, so a no-op build
checks its reports without loading pandas.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.digest import sha256_file
from pipeline.paths import DATABASE, INSPECT_HTML, MANIFEST, STATE_FILE, year_folders
from pipeline.run import buildstate

#: The report's record of what it was made from, in its <head>.
STAMP_NAME = "nanoknife-made-from"
_STAMP = re.compile(rb'<meta name="' + STAMP_NAME.encode() + rb'" content="([^"]*)">')
#: How much of a report is read to find its stamp (it is in the first line of <head>).
_HEAD_BYTES = 4096


def made_from(manifest: Path, fingerprint: str | None = None) -> str:
    """What a report of the year whose manifest.json is at `manifest` is made from: that file and this code."""
    code = fingerprint if fingerprint is not None else buildstate.code_fingerprint()
    return f"manifest {sha256_file(manifest)}; pipeline {code}"


def stamp_tag(stamp: str) -> str:
    """The <meta> element that carries `stamp` in a report's <head>."""
    return f'<meta name="{STAMP_NAME}" content="{stamp}">'


def report_stamp(report: Path) -> str | None:
    """The stamp a written report carries; None when it is missing or has none."""
    try:
        with open(report, "rb") as fh:
            found = _STAMP.search(fh.read(_HEAD_BYTES))
    except OSError:
        return None
    return found.group(1).decode("utf-8", "replace") if found else None


def stale_reports(outputs: Path, years: list[int], fingerprint: str | None = None) -> list[int]:
    """The `years` whose report is missing, or was made from another manifest or another pipeline."""
    code = fingerprint if fingerprint is not None else buildstate.code_fingerprint()
    stale = []
    for year in years:
        folder = Path(outputs) / str(year)
        if not (folder / MANIFEST).is_file():
            continue  # not a published year: nothing to report on
        if report_stamp(folder / INSPECT_HTML) != made_from(folder / MANIFEST, code):
            stale.append(year)
    return stale


def warehouse_stale(outputs: Path, built: bool) -> bool:
    """Whether the warehouse must be loaded again after a build (see the module's docstring)."""
    database, state = Path(outputs) / DATABASE, Path(outputs) / STATE_FILE
    if built or not database.exists():
        return True
    return state.exists() and database.stat().st_mtime_ns < state.stat().st_mtime_ns


@dataclass
class Refreshed:
    """What a refresh did: lines for the terminal, and the failures (one line each)."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def refresh(outputs: Path, sources: Path, *, built: bool, limits=None, on_step=None) -> Refreshed:
    """Load the warehouse and write every stale report of the years published under `outputs`.

    Each step fails on its own: a warehouse that cannot be loaded does not stop
    the reports, nor one report the next. The caller holds the outputs' lock.
    """
    step = on_step or (lambda text: None)
    done = Refreshed()
    years = year_folders(outputs)
    if not years:
        return done
    if warehouse_stale(outputs, built):
        _warehouse(outputs, step, done)
    for year in stale_reports(outputs, years):
        _report(year, outputs, sources, limits, step, done)
    return done


def _warehouse(outputs: Path, step, done: Refreshed) -> None:
    from pipeline.errors import GuideError
    from pipeline.readers.warehouse import refresh as load

    database = Path(outputs) / DATABASE
    step(f"warehouse: refreshing {database} from {outputs}")
    try:
        loads = load(outputs)
    except GuideError as exc:
        done.failures.append(f"Error: {exc}")
        return
    done.lines += [year.line() for year in loads]
    done.lines.append(f"warehouse: {database}")
    os.utime(database)  # newer than the build state: loaded from this build


def _report(year: int, outputs: Path, sources: Path, limits, step, done: Refreshed) -> None:
    from pipeline.errors import GuideError
    from pipeline.readers.inspect import inspect_year

    try:
        path = inspect_year(year, outputs, sources, limits=limits, on_step=step)
    except GuideError as exc:
        done.failures.append(f"Error: {exc}")
        return
    done.lines.append(f"report {year} -> {path}")
