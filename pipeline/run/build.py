"""Build: run extract -> normalize -> validate -> publish for every source.

Each source is built on its own. A failing guide is that guide's failure alone:
the others are still built, and the result lists every source as built or
failed with a one-line reason. Nothing is published for a guide that failed,
so its previous outputs stay as they were.

Four phases:

0. **no-op check**: when no source and no pipeline code changed since the last
   build (`pipeline.run.buildstate`), nothing is done. This runs before pandas,
   pandera or pdfplumber are imported, which is why this module imports the
   stages only inside the functions that use them;
1. **parse** each PDF into a validated `Guide` (`parse_source`), each in a
   child process of its own under a time limit and a memory cap, several at
   once (`pipeline.run.sandbox`);
2. **check** the guides against each other: two sources may not claim the
   same guide year;
3. **publish** each good guide atomically, then record the build state.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.run import buildstate
from pipeline.errors import GuideError, PasswordRequired, ValidationFailed, YearConflict, from_parser
from pipeline.run.progress import Progress
from pipeline.run.sandbox import Limits, run_all, start_server

REPORTS = "reports"
_YEAR_FOLDER = re.compile(r"^(19|20)\d{2}$")
#: Imported once by the fork server, so that parsing children start ready.
_PRELOAD = ("pipeline.run._preload",)


@dataclass
class Outcome:
    """What became of one source."""

    source: Path
    status: str  # built | unchanged | failed | skipped
    message: str
    guide_year: int | None = None
    #: The failure's kind: a `GuideError` class name ("NotAPdf"), or "InternalError" for a bug.
    error: str | None = None
    #: Wall time and peak resident memory of the process that parsed the source.
    seconds: float | None = None
    peak_mb: float | None = None
    #: Where the failure was raised, for --debug.
    traceback: str | None = None
    #: What was read but left out, one line each (an unknown group header, #12).
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("built", "unchanged")


def find_sources(sources: Path) -> list[Path]:
    """Every PDF under `sources`, at any depth, in a stable order."""
    sources = Path(sources)
    if sources.is_file():
        return [sources]
    return sorted(p for p in sources.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")


def check_folder_year(path: Path, sources_root: Path, year: int) -> None:
    """A folder named like a year must agree with the year printed in the document."""
    try:
        parts = Path(path).resolve().relative_to(Path(sources_root).resolve()).parts[:-1]
    except ValueError:
        parts = Path(path).parts[:-1][-1:]
    for part in parts:
        if _YEAR_FOLDER.match(part) and int(part) != year:
            raise YearConflict(f"it is in folder {part}/ but the document is the {year} guide "
                               f"(\"Medicare {year} National Average Payment\"); move it to {year}/")


def read_pdf(path: Path, passwords=(), on_page=None):
    """Extract one PDF, trying each password in turn; whatever the parser raises becomes a `GuideError`."""
    from pipeline.extract import extract

    tries = list(passwords) or [None]
    for n, password in enumerate(tries, start=1):
        try:
            return extract(path, password=password, on_page=on_page)
        except PasswordRequired:
            if n < len(tries):
                continue
            if len(tries) > 1:
                raise PasswordRequired(f"none of the {len(tries)} passwords given opens this PDF") from None
            raise
        except GuideError:
            raise
        except Exception as exc:  # the parser's own errors, and the bare ones it lets through
            error = from_parser(exc)
            if isinstance(error, MemoryError):
                raise  # reported by the sandbox against the memory limit
            raise error from exc


def parse_source(path: Path, sources_root: Path, passwords=(), on_page=None):
    """Extract, normalize and validate one source into a `Guide`. Raises `GuideError` on bad input.

    `passwords` are tried in turn on a PDF that needs one to open;
    `on_page(done, total)` is called after each page read.
    """
    from pipeline.normalize import normalize
    from pipeline.validate import validate

    if isinstance(passwords, str):
        passwords = [passwords]
    guide = normalize(read_pdf(path, passwords, on_page))
    check_folder_year(path, sources_root, guide.guide_year)
    validate(guide.tables, guide.guide_year)
    return guide


def report_path(outputs: Path, source: Path) -> Path:
    return Path(outputs) / REPORTS / f"{source.stem}.validation.csv"


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def build(sources: Path, outputs: Path, *, passwords=(), fail_fast: bool = False, jobs: int | None = None,
          limits: Limits | None = None, force: bool = False, debug: bool = False,
          on_progress=None) -> list[Outcome]:
    """Build every PDF under `sources` into `outputs`. Returns one `Outcome` per source, in source order.

    Sources are parsed `jobs` at a time (default: all cores), each in its own
    process under `limits`. With `fail_fast`, the first failure stops the build:
    the sources still being parsed are stopped, nothing is published, and the
    rest are reported as skipped. Unless `force`, a build whose sources and
    pipeline are unchanged since the last one returns at once, every source
    "unchanged". `on_progress(Progress)` is called as pages are read.
    """
    sources, outputs = Path(sources), Path(outputs)
    paths = find_sources(sources)
    if not paths:
        return []
    if not force:
        years = buildstate.up_to_date(sources, paths, outputs)
        if years is not None:
            return [Outcome(p, "unchanged", f"{years[p]} guide -> {outputs / str(years[p])} "
                                            "(source and pipeline unchanged since the last build)", years[p])
                    for p in paths]

    start_server(_PRELOAD)
    # Meanwhile this process imports what it needs to take the parsed guides
    # back (normalize's `Guide`) and to publish them, on another core.
    import pipeline.normalize  # noqa: F401
    from pipeline.publish import clear_staging, publish, write_build_state

    limits = limits or Limits()
    outcomes: dict[Path, Outcome] = {}
    parsed: dict[Path, object] = {}  # path -> Guide
    _parse_all(paths, sources, outputs, passwords, fail_fast, jobs or default_jobs(), limits, debug,
               on_progress, outcomes, parsed)
    if fail_fast and any(not o.ok for o in outcomes.values()):
        return _stopped(paths, outcomes)

    by_year: dict[int, list[Path]] = {}
    for path, guide in parsed.items():
        by_year.setdefault(guide.guide_year, []).append(path)
    for path, guide in parsed.items():
        claimants = by_year[guide.guide_year]
        if len(claimants) > 1:
            others = ", ".join(str(p) for p in claimants if p != path)
            error = YearConflict(f"two sources claim the {guide.guide_year} guide: this one and {others}; "
                                 "keep one")
            outcomes[path].status, outcomes[path].message = "failed", str(error)
            outcomes[path].error = type(error).__name__
    if fail_fast and any(not o.ok for o in outcomes.values()):
        return _stopped(paths, outcomes)

    clear_staging(outputs)
    for path in paths:
        if outcomes[path].status == "built":
            guide = parsed[path]
            try:
                folder = publish(guide, outputs)
            except GuideError as exc:  # refused before writing (the contract guard): this guide's alone
                outcomes[path].status, outcomes[path].message = "failed", str(exc)
                outcomes[path].error = type(exc).__name__
                continue
            report_path(outputs, path).unlink(missing_ok=True)
            outcomes[path].message = f"{guide.guide_year} guide -> {folder}"
            outcomes[path].warnings = [w["message"] for w in guide.warnings]
    write_build_state(outputs, buildstate.state_of(sources, outputs, [
        (p, outcomes[p].status, parsed[p].sha256 if p in parsed else None, outcomes[p].guide_year)
        for p in paths]))
    return [outcomes[p] for p in paths]


def _stopped(paths: list[Path], outcomes: dict) -> list[Outcome]:
    """--fail-fast after a failure: whatever is not failed was not published, so it is skipped."""
    for path in paths:
        outcome = outcomes.setdefault(path, Outcome(path, "skipped", ""))
        if outcome.ok or outcome.status == "skipped":
            outcome.status = "skipped"
            outcome.message = "not built: the build stopped at the first failure (--fail-fast)"
    return [outcomes[p] for p in paths]


def _parse_all(paths, sources, outputs, passwords, fail_fast, jobs, limits, debug, on_progress,
               outcomes: dict, parsed: dict) -> None:
    """Phase 1: parse every source in the sandbox, filling `outcomes` and `parsed` as each ends.

    A parsed guide is marked "built" here and published later; a failed one
    gets its message (and a validation report, written through `publish`).
    """
    pages: dict[int, tuple[int, int]] = {}  # source index -> (pages done, page count)
    running: set[int] = set()

    def report() -> None:
        if on_progress:
            share = sum(d / t for d, t in (pages[i] for i in running if i in pages) if t)
            on_progress(Progress(len(outcomes), len(paths), sum(d for d, _ in pages.values()),
                                 sum(t for _, t in pages.values()), len(running),
                                 (len(outcomes) + share) / len(paths)))

    def started(index: int) -> None:
        running.add(index)
        report()

    def progressed(index: int, done: int, total: int) -> None:
        pages[index] = (done, total)
        report()

    calls = [(path, sources, tuple(passwords)) for path in paths]
    results = run_all(parse_source, calls, workers=max(1, min(jobs, len(paths))), limits=limits,
                      preload=_PRELOAD, debug=debug, on_progress=progressed, on_start=started)
    try:
        for index, result in results:
            path = paths[index]
            running.discard(index)
            outcome = Outcome(path, "built", "parsed", seconds=result.seconds, peak_mb=result.peak_mb)
            if result.failure is None:
                parsed[path] = result.value
                outcome.guide_year = result.value.guide_year
            else:
                failure = result.failure
                outcome.status, outcome.message = "failed", failure.message
                outcome.error, outcome.traceback = failure.kind, failure.traceback
                if isinstance(failure.error, ValidationFailed):
                    from pipeline.publish import write_report

                    report_file = write_report(failure.error.failures, report_path(outputs, path))
                    outcome.message = f"{failure.message}; every failure is listed in {report_file}"
            outcomes[path] = outcome
            report()
            if fail_fast and not outcome.ok:
                break
    finally:
        results.close()  # stops the children still running, if the loop ended early
