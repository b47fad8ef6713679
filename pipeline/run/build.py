"""Build: run extract -> normalize -> validate -> publish for every source.

Each source is built on its own. A failing guide is that guide's failure alone:
the others are still built, and the result lists every source as built or
failed with a one-line reason. Nothing is published for a guide that failed,
so its previous outputs stay as they were.

Four phases:

0. **unchanged check**: a source whose bytes, password and pipeline (version,
   code, libraries) are the ones of the last build, and whose published year is
   as that build wrote it, is not read again: it is "unchanged", and its year
   stays as it is (`pipeline.run.buildstate`). When every source is, nothing is
   done at all. This runs before pandas, pandera or pdfplumber are imported,
   which is why this module imports the stages only inside the functions that
   use them;
1. **parse** each other PDF into a validated `Guide` (`parse_source`), each in
   a child process of its own under a time limit and a memory cap, several at
   once (`pipeline.run.sandbox`). A source whose name the manifest cannot
   record, or that is no PDF by its first bytes, is refused before any parser
   starts (`_refused`): a folder of such files imports no PDF library;
2. **check** the guides against each other, the unchanged ones included: two
   sources may not claim the same guide year;
3. **publish** every good guide read: all years staged first (a full disk
   publishes nothing), then each year committed whole, then the build state
   recorded, the unchanged sources in it as they were. SIGTERM and Ctrl-C are
   held back from the commits (`pipeline.run.interrupt`); before them they
   stop the build with the outputs unchanged.

Identical files (by sha256) are parsed once: 300 copies of one guide cost one
parse, and all claim its year.

The command line holds the outputs folder's lock (`pipeline.run.lock`) around
`build`: one writer per outputs folder.
"""

from __future__ import annotations

import os
import re
import resource
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import vocab
from pipeline.digest import sha256_file
from pipeline.errors import GuideError, PasswordRequired, ValidationFailed, YearConflict, from_parser
from pipeline.filetype import check_is_pdf
from pipeline.run import buildstate
from pipeline.run.interrupt import Interrupted, held
from pipeline.run.progress import Progress, Reading
from pipeline.run.sandbox import Limits, run_all, start_server

REPORTS = "reports"
_YEAR_FOLDER = re.compile(r"^(19|20)\d{2}$")
#: Imported once by the fork server, so that parsing children start ready.
_PRELOAD = ("pipeline.run._preload",)
#: Paths named in one line before the rest are counted ("and 296 more").
NAMED = 3


class OutputsNotWritable(GuideError):
    """The outputs folder cannot be written (full, read-only, no permission); nothing was published."""


def write_failure(exc: OSError, published: bool = False) -> OutputsNotWritable:
    """One line for a failed write: the path, the system's reason, and what became of the outputs."""
    where = f"cannot write {exc.filename}" if exc.filename else "cannot write the outputs"
    reason = exc.strerror or str(exc)
    outcome = ("the years committed before it are whole, the rest unchanged" if published else
               "nothing was published; the earlier outputs are unchanged")
    return OutputsNotWritable(f"{where}: {reason}; {outcome}")


class BadFileName(GuideError):
    """A source whose file name the outputs cannot record (bytes that are not UTF-8)."""


def listing(paths: list, named: int = NAMED) -> str:
    """`a, b, c and 296 more`: a list of paths that stays one short line however long it is."""
    shown = ", ".join(str(p) for p in paths[:named])
    return shown if len(paths) <= named else f"{shown} and {len(paths) - named} more"


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
    """A folder named like a year must agree with the year printed in the document.

    The folders between `sources_root` and the file are checked; when
    `sources_root` is the file itself (`--sources sources/2023/guide.pdf`), the
    folder it sits in is, so naming the file does not skip the check.
    """
    root = Path(sources_root)
    try:
        parts = Path(path).resolve().relative_to(root.resolve()).parts[:-1]
    except ValueError:
        parts = ()
    if not parts:
        parts = Path(path).resolve().parts[:-1][-1:]
    for part in parts:
        if _YEAR_FOLDER.match(part) and int(part) != year:
            raise YearConflict(f"it is in folder {part}/ but the document is the {year} guide "
                               f"(\"Medicare {year} National Average Payment\"); move it to {year}/")


def read_pdf(path: Path, passwords=(), on_page=None):
    """Extract one PDF, trying each password in turn; whatever the parser raises becomes a `GuideError`."""
    return open_pdf(path, passwords, on_page)[0]


def open_pdf(path: Path, passwords=(), on_page=None):
    """`read_pdf`, and the password the PDF needs: (RawGuide, password), the password None when it opens
    without one. It is tried without one first, so the build state records only a password that matters."""
    from pipeline.extract import extract

    if isinstance(passwords, str):
        passwords = [passwords]
    passwords = list(passwords)
    tries = [None, *passwords]
    for n, password in enumerate(tries, start=1):
        try:
            return extract(path, password=password, on_page=on_page), password
        except PasswordRequired:
            if n < len(tries):
                continue
            if len(passwords) > 1:
                raise PasswordRequired(f"none of the {len(passwords)} passwords given opens this PDF") from None
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
    raw, reading = read_guide(path, passwords, on_page)
    check_folder_year(path, sources_root, reading.guide_year)
    return validated(raw, reading)


def read_guide(path: Path, passwords=(), on_page=None):
    """Extract one PDF, wherever it lies, and read its tables (no folder check, not validated):
    (RawGuide, `pipeline.normalize.Reading`)."""
    from pipeline.normalize import read

    if isinstance(passwords, str):
        passwords = [passwords]
    raw = read_pdf(path, passwords, on_page)
    return raw, read(raw)


def validated(raw, reading):
    """The guide `reading` holds (`pipeline.normalize.Reading`), with its counts of what was found outside
    the published data, if nothing found in the PDF would change a published value or a cue (`checked`)
    and its tables pass every rule (`finished`); else the `GuideError` that says which."""
    return finished(reading, checked(raw, reading))


def checked(raw, reading) -> dict:
    """Stop if anything found in the PDF would change a published value or a cue; else what was found
    outside the published data, counted: {hidden, unmapped, differing}, as `Guide` holds them. Needs the
    raw frames and the boxes read from only (`reading.used`), not the published frames."""
    from pipeline.validate import (boxes_read, check_hidden_text, check_readable, check_second_reading,
                                   differing_counts, hidden_counts, unmapped_counts)

    with boxes_read(reading):  # one map of the boxes read from, for the checks and counts below
        check_hidden_text(raw, reading)  # hidden text that reads like a value over or in line with a table read
        check_readable(raw, reading)  # a glyph no font maps, in a value or a cue
        check_second_reading(raw, reading)  # every value and cue read twice, by pdfminer and by PDFium
        return {"hidden": hidden_counts(raw), "unmapped": unmapped_counts(raw),
                "differing": differing_counts(raw, reading)}


def finished(reading, counts: dict):
    """The guide `reading` holds, its frames made (`Reading.guide`) with `counts` (`checked`), if its tables
    pass every rule (`pipeline.validate.validate_guide`)."""
    from dataclasses import replace

    from pipeline.validate import validate_guide

    guide = replace(reading.guide(), **counts)
    validate_guide(guide)
    return guide


def _parse_in_child(path: Path, passwords=(), on_page=None):
    """What a sandboxed child does for one source: read and validate it (the folder check is the parent's).

    Returns (Guide, the password that opened it), so the build state can say which password the guide needs.
    The raw frames are let go once checked, before the published frames are made (`pipeline.normalize.read`),
    and the published frames' columns are made whole before they are sent (`schemas.whole_columns`).
    """
    from pipeline import schemas
    from pipeline.normalize import read

    raw, password = open_pdf(path, passwords, on_page)
    reading = read(raw)
    counts = checked(raw, reading)
    del raw
    guide = finished(reading, counts)
    for frame in guide.tables.values():
        schemas.whole_columns(frame)
    return guide, password


def check_name(path: Path) -> None:
    """A file name the manifest can record: UTF-8. Other bytes are refused rather than guessed at."""
    try:
        Path(path).name.encode("utf-8")
    except UnicodeEncodeError:
        raise BadFileName("its file name is not valid UTF-8, so the manifest cannot record it; "
                          "rename the file") from None


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
    rest are reported as skipped. Unless `force`, a source unchanged since the
    last build (its bytes, password and pipeline; its year as published) is not
    read again: it is "unchanged", and a build whose every source is returns at
    once. `on_progress(Progress)` is called as pages are read.

    Raises `OutputsNotWritable` when the outputs cannot be written (nothing is
    published then), and `Interrupted` on SIGTERM or Ctrl-C under
    `pipeline.run.interrupt.catch_signals` (the outputs unchanged, unless the
    signal came while years were committing: then the commits finish first).
    """
    sources, outputs = Path(sources), Path(outputs)
    paths = find_sources(sources)
    if not paths:
        return []
    vocab.check()  # a bad entry in pipeline/vocab/ stops the build before any guide, naming file and line
    kept = {} if force else buildstate.unchanged(sources, paths, outputs, passwords)
    if len(kept) == len(paths) and buildstate.records_only(sources, paths, outputs):
        return [_unchanged(p, kept[p][0], outputs) for p in paths]  # nothing to read, write or record
    outcomes: dict[Path, Outcome] = {p: _unchanged(p, year, outputs) for p, (year, _, _) in kept.items()}
    todo = [p for p in paths if p not in kept]

    if on_progress:  # before the imports below, so a terminal shows the build has started at once
        on_progress(Progress(0, len(todo), 0, 0, 0, 0.0))
    refused = _refused(todo)
    outcomes.update(refused)
    if fail_fast and refused:
        return _stopped(paths, outcomes)
    todo = [p for p in todo if p not in refused]
    if not todo and refused:  # nothing to parse: no parser is started and nothing is published
        return [outcomes[p] for p in paths]
    if todo:
        start_server(_PRELOAD)
    # Meanwhile this process imports what it needs to take the parsed guides
    # back (normalize's `Guide`) and to publish them, on another core.
    import pipeline.normalize  # noqa: F401
    from pipeline.publish import clear_staging

    limits = limits or Limits()
    read: dict[Path, Outcome] = {}
    parsed: dict[Path, tuple] = {}  # path -> (Guide, the password that opened it)
    try:
        clear_staging(outputs)  # what a killed build left; the lock says no build is running now
        if todo:
            _parse_all(todo, sources, outputs, passwords, fail_fast, jobs or default_jobs(), limits, debug,
                       on_progress, read, parsed)
    except OSError as exc:
        raise write_failure(exc) from exc
    outcomes.update(read)
    if fail_fast and any(not o.ok for o in outcomes.values()):
        return _stopped(paths, outcomes)
    _check_years(outcomes)
    if fail_fast and any(not o.ok for o in outcomes.values()):
        return _stopped(paths, outcomes)
    _publish(sources, outputs, paths, outcomes, parsed, kept)
    return [outcomes[p] for p in paths]


def _unchanged(path: Path, year: int, outputs: Path) -> Outcome:
    """A source not read again: its year stays as the last build published it."""
    return Outcome(path, "unchanged", f"{year} guide -> {Path(outputs) / str(year)} "
                                      "(source and pipeline unchanged since the last build)", year)


def _check_years(outcomes: dict) -> None:
    """Phase 2: two sources may not claim one guide year; each claimant fails, naming a few of the others.

    An unchanged source claims the year it was built into, so a new file of that year fails beside it."""
    by_year: dict[int, list[Path]] = {}
    for path, outcome in outcomes.items():
        if outcome.ok:
            by_year.setdefault(outcome.guide_year, []).append(path)
    for year, claimants in by_year.items():
        if len(claimants) < 2:
            continue
        for path in claimants:
            others = [p for p in claimants if p != path]
            count = "two sources claim" if len(claimants) == 2 else f"{len(claimants)} sources claim"
            error = YearConflict(f"{count} the {year} guide: this one and {listing(others)}; keep one")
            _fail(outcomes[path], error)


def _fail(outcome: Outcome, error: GuideError) -> None:
    outcome.status, outcome.message, outcome.error = "failed", str(error), type(error).__name__


def _publish(sources: Path, outputs: Path, paths: list[Path], outcomes: dict, parsed: dict, kept: dict) -> None:
    """Phase 3: stage every good guide read, commit each year whole, record the build state.

    `kept` holds the unchanged sources (path -> (year, sha256, password digest)): nothing of theirs is
    written, and the state records them as before."""
    from pipeline.publish import commit_years, render_year, stage_years, write_build_state

    good, rendered = [], []
    for path in paths:
        if outcomes[path].status == "built":
            try:
                rendered.append(render_year(parsed[path][0]))  # with the contract guard: this guide's failure alone
            except GuideError as exc:
                _fail(outcomes[path], exc)
                continue
            good.append(path)
    try:
        stage, years = stage_years(rendered, outputs)
    except OSError as exc:
        raise write_failure(exc) from exc
    committed = False
    try:
        with held():  # a signal now waits until every year is committed and the state recorded
            folders = commit_years(stage, years)
            committed = True
            for path, folder in zip(good, folders):
                report_path(outputs, path).unlink(missing_ok=True)
                outcomes[path].message = f"{parsed[path][0].guide_year} guide -> {folder}"
                outcomes[path].warnings = [w["message"] for w in parsed[path][0].warnings]
            write_build_state(Path(outputs) / buildstate.STATE_FILE, buildstate.state_of(sources, outputs, [
                (p, outcomes[p].status, outcomes[p].guide_year, *_read_as(p, parsed, kept)) for p in paths]))
    except OSError as exc:
        raise write_failure(exc, published=committed) from exc
    except Interrupted as exc:
        exc.published = [parsed[p][0].guide_year for p in good]
        raise


def _read_as(path: Path, parsed: dict, kept: dict) -> tuple[str | None, str | None]:
    """What the state records of the bytes a source was read from: (sha256, password digest), None unknown."""
    if path in kept:
        return kept[path][1:]
    if path in parsed:
        guide, password = parsed[path]
        return guide.sha256, buildstate.password_digest(guide.sha256, password)
    return None, None


def _refused(paths: list[Path]) -> dict[Path, Outcome]:
    """Sources refused before any parser starts, by what they are named and their first bytes.

    A file name the manifest cannot record (`check_name`), and a file that is
    no PDF (`pipeline.filetype.check_is_pdf`, the check extract makes first,
    with the same message). Neither needs a PDF library, so a build of files
    that are not PDFs imports none and starts no parser. A file that cannot be
    read is left to the parse, which reports it as before.
    """
    out = {}
    for path in paths:
        started = time.monotonic()
        try:
            check_name(path)
            check_is_pdf(path)
        except GuideError as exc:
            out[path] = Outcome(path, "failed", str(exc), error=type(exc).__name__,
                                seconds=time.monotonic() - started,
                                peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                traceback="".join(traceback.format_exception(exc)))
        except OSError:
            continue
    return out


def _stopped(paths: list[Path], outcomes: dict) -> list[Outcome]:
    """--fail-fast after a failure: whatever is not failed was not published, so it is skipped."""
    for path in paths:
        outcome = outcomes.setdefault(path, Outcome(path, "skipped", ""))
        if outcome.status in ("built", "skipped"):  # an unchanged one is as published: it stays unchanged
            outcome.status = "skipped"
            outcome.message = "not built: the build stopped at the first failure (--fail-fast)"
    return [outcomes[p] for p in paths]


def _parse_all(paths, sources, outputs, passwords, fail_fast, jobs, limits, debug, on_progress,
               outcomes: dict, parsed: dict) -> None:
    """Phase 1: parse every distinct source in the sandbox, filling `outcomes` and `parsed` as each ends.

    Files with the same bytes are parsed once, and the result given to each
    (its own file name, its own folder check). A parsed guide is marked
    "built" here and published later; a failed one gets its message (and a
    validation report, written through `publish`).
    """
    groups: dict[str, list[Path]] = {}  # sha256 -> paths with those bytes
    for path in paths:
        if path not in outcomes:  # refused before the parsers started (`_refused`)
            groups.setdefault(sha256_file(path), []).append(path)
    distinct = [members[0] for members in groups.values()]
    members_of = {members[0]: members for members in groups.values()}
    pages: dict[int, tuple[int, int]] = {}  # index into `distinct` -> (pages done, page count)
    running: set[int] = set()

    def report() -> None:
        if on_progress:
            share = sum(d / t for d, t in (pages[i] for i in running if i in pages) if t)
            reading = tuple(Reading(distinct[i].name, *pages.get(i, (0, None))) for i in sorted(running))
            on_progress(Progress(len(outcomes), len(paths), sum(d for d, _ in pages.values()),
                                 sum(t for _, t in pages.values()), len(running),
                                 (len(outcomes) + share) / len(paths), reading))

    def started(index: int) -> None:
        running.add(index)
        report()

    def progressed(index: int, done: int, total: int) -> None:
        pages[index] = (done, total)
        report()

    if fail_fast and outcomes:
        return
    calls = [(path, tuple(passwords)) for path in distinct]
    results = run_all(_parse_in_child, calls, workers=max(1, min(jobs, len(calls) or 1)), limits=limits,
                      preload=_PRELOAD, debug=debug, on_progress=progressed, on_start=started)
    try:
        for index, result in results:
            running.discard(index)
            for path in members_of[distinct[index]]:
                outcome = _outcome(path, result, sources, outputs, parsed)
                outcomes[path] = outcome
                if fail_fast and not outcome.ok:
                    break
            report()
            if fail_fast and any(not o.ok for o in outcomes.values()):
                break
    finally:
        results.close()  # stops the children still running, if the loop ended early


def _outcome(path: Path, result, sources: Path, outputs: Path, parsed: dict) -> Outcome:
    """What one source's parse result means for it: its guide (named and placed as this file), or its failure."""
    outcome = Outcome(path, "built", "parsed", seconds=result.seconds, peak_mb=result.peak_mb)
    if result.failure is None:
        guide, password = result.value
        if guide.source_name != path.name:
            guide = replace(guide, source_name=path.name)  # a copy of another file, under its own name
        try:
            check_folder_year(path, sources, guide.guide_year)
        except GuideError as exc:
            _fail(outcome, exc)
            return outcome
        parsed[path] = (guide, password)
        outcome.guide_year = guide.guide_year
        return outcome
    failure = result.failure
    outcome.status, outcome.message = "failed", failure.message
    outcome.error, outcome.traceback = failure.kind, failure.traceback
    if isinstance(failure.error, ValidationFailed):
        from pipeline.publish import write_report

        report_file = write_report(failure.error.failures, report_path(outputs, path))
        outcome.message = f"{failure.message}; every failure is listed in {report_file}"
    return outcome
