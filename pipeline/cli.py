"""The command line: thin click commands over library functions.

Each command parses its options, calls one function, and turns a `GuideError`
into one line on stderr. `--debug` shows tracebacks instead.

Every line printed goes through `printable`, so a file name holding a newline
or a terminal escape cannot forge a line. The writing commands (build,
warehouse, inspect) hold the outputs folder's lock (`pipeline.run.lock`) and
stop cleanly on SIGTERM and Ctrl-C (`pipeline.run.interrupt`).

Exit codes: 0 done; 1 a source or check failed, or an error; 2 a usage error;
75 the outputs folder stayed locked past --wait; 130 Ctrl-C; 143 SIGTERM.
"""

from __future__ import annotations

import errno
import sys
import traceback
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import GuideError
from pipeline.run.interrupt import Interrupted, catch_signals
from pipeline.run.lock import EXIT_LOCKED, OutputsLocked, hold
from pipeline.run.sandbox import Limits

_DIR = click.Path(path_type=Path, file_okay=False)
#: Failure lines of one kind printed before the rest are counted (--debug prints all).
SHOWN_PER_KIND = 5
#: Default of --wait: long enough for a build of a few guides to finish.
DEFAULT_WAIT = 120.0


def printable(text: str) -> str:
    """`text` with control and format characters escaped, and bytes that are not UTF-8 as \\xNN.

    A newline, a carriage return or a terminal escape in a file name would
    otherwise start a forged line or repaint the terminal.
    """
    out = []
    for ch in str(text):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii") if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def _display(path: Path) -> str:
    try:
        return printable(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return printable(path)


def _echo(line: str, err: bool = False) -> None:
    click.echo(printable(line), err=err)


class _Failed(click.ClickException):
    """A one-line error whose text is escaped like every other line."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(printable(message))
        self.exit_code = exit_code


def _os_error(exc: OSError, outputs: Path) -> _Failed:
    where = exc.filename or outputs
    return _Failed(f"cannot write {where}: {exc.strerror or exc}; the earlier outputs are unchanged")


@contextmanager
def _writing(outputs: Path, command: str, wait: float):
    """Hold the outputs folder's lock, and turn signals and faults into one line and an exit code."""
    try:
        with catch_signals():
            with hold(outputs, command, wait=wait, on_wait=lambda line: _echo(line, err=True),
                      display=_display):
                yield
    except Interrupted as exc:
        what = "interrupted" if exc.signum == 2 else "terminated"
        if exc.published:
            years = ", ".join(map(str, exc.published))
            _echo(f"{what} after publishing {years} whole; the outputs are complete", err=True)
        else:
            _echo(f"{what}; outputs unchanged", err=True)
        sys.exit(exc.exit_code)
    except OutputsLocked as exc:
        raise _Failed(str(exc), EXIT_LOCKED) from None
    except OSError as exc:  # the lock file itself cannot be made: a read-only or full folder
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
            raise
        raise _os_error(exc, outputs) from None


def _wait_option(f):
    return click.option("--wait", type=click.FloatRange(min=0), default=DEFAULT_WAIT, show_default=True,
                        metavar="SECONDS",
                        help="How long to wait while another build, warehouse or inspect holds --outputs.")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeline")
def main() -> None:
    """Rebuild the NanoKnife CPT Reimbursement Guide dataset from its PDFs."""


@main.command()
@click.option("--sources", type=click.Path(path_type=Path, exists=True), default=Path("sources"),
              show_default=True, help="Folder searched recursively for guide PDFs (or one PDF).")
@click.option("--outputs", type=_DIR, default=Path("outputs"), show_default=True,
              help="Folder the datasets are published into, one subfolder per guide year.")
@click.option("--password", "passwords", multiple=True, metavar="PASSWORD",
              help="Password for PDFs that need one to open; repeat it to try several.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Sources parsed at once, each in its own process.  [default: all cores]")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=Limits.time_limit,
              show_default=True, metavar="SECONDS",
              help="A source fails when its parser makes no progress for this long (opening the file, "
                   "or on any one page).")
@click.option("--memory-limit", type=click.IntRange(min=1), default=Limits.memory_limit, show_default=True,
              metavar="MIB", help="A source fails when the process parsing it needs more memory than this.")
@click.option("--force", is_flag=True, help="Rebuild even when no source and no pipeline code changed.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first source that fails; publish nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no line per built guide; "
                                                  "failures and the summary still print.")
@click.option("--debug", is_flag=True, help="Show a traceback for failures, and the parser's warnings; "
                                           "list every failure, however many.")
@click.option("--refresh", is_flag=True,
              help="Then, in this process, load the warehouse and write every report that is out of date, for "
                   "every published year, even when a guide failed (what `make build` runs).")
@_wait_option
def build(sources: Path, outputs: Path, passwords: tuple[str, ...], jobs: int | None, time_limit: float,
          memory_limit: int, force: bool, fail_fast: bool, quiet: bool, debug: bool, refresh: bool,
          wait: float) -> None:
    """Build outputs/<year>/ from every PDF under --sources.

    Each guide is built on its own, in a process of its own; a failing one does
    not stop the others. Ends with one line per source and exits 1 if any
    failed. Does nothing when no source and no pipeline code changed since the
    last build. With --refresh, the warehouse and the reports follow, as
    `warehouse` and `inspect` would write them, without paying a second start-up.
    """
    from pipeline.run.build import build as run_build
    from pipeline.run.progress import ProgressBar

    limits = Limits(time_limit, memory_limit)
    with _writing(outputs, "build", wait):
        bar = ProgressBar(sys.stderr) if not quiet else None
        try:
            outcomes = run_build(sources, outputs, passwords=passwords, fail_fast=fail_fast, jobs=jobs,
                                 limits=limits, force=force, debug=debug, on_progress=bar.update if bar else None)
        except GuideError as exc:
            if debug:
                traceback.print_exc()
            raise _Failed(str(exc)) from exc
        finally:
            if bar:
                bar.close()
        if not outcomes:
            raise _Failed(f"no PDF found under {_display(sources)}")
        _report_outcomes(outcomes, quiet, debug)
        count = {status: sum(o.status == status for o in outcomes) for status in ("built", "unchanged", "failed",
                                                                                   "skipped")}
        if count["unchanged"] == len(outcomes):
            click.echo(f"nothing to rebuild: {len(outcomes)} guide(s) unchanged, and the pipeline too, "
                       "since the last build (--force rebuilds)")
        else:
            click.echo(", ".join(f"{n} {status}" for status, n in count.items()
                                 if n or status in ("built", "failed")))
        refresh_failed = refresh and not _refresh(outputs, sources, count["built"] > 0, limits, quiet)
    if refresh and (count["failed"] or count["skipped"]):
        _echo("a guide failed (see FAILED above); every other year is published, and refreshed", err=True)
    if refresh_failed:
        _echo("the warehouse or a report was not refreshed (see Error above); the published years are as built",
              err=True)
    if count["failed"] or count["skipped"] or refresh_failed:
        sys.exit(1)


def _refresh(outputs: Path, sources: Path, built: bool, limits: Limits, quiet: bool) -> bool:
    """`build --refresh`'s second part, under the build's lock: warehouse, then stale reports. True if all went."""
    from pipeline.readers.refresh import refresh
    from pipeline.run.progress import ProgressBar

    bar = ProgressBar(sys.stderr) if not quiet else None
    try:
        done = refresh(outputs, sources, built=built, limits=limits, on_step=bar.step if bar else None)
    finally:
        if bar:
            bar.close()
    for line in done.lines:
        _echo(line)
    for line in done.failures:
        _echo(line, err=True)
    return not done.failures


def _report_outcomes(outcomes, quiet: bool, debug: bool) -> None:
    """One line per source; past SHOWN_PER_KIND failures of one kind, one line counting the rest."""
    shown: dict[tuple[str, str | None], int] = {}
    for o in outcomes:
        if o.status in ("failed", "skipped"):
            kind = (o.status, o.error)
            shown[kind] = shown.get(kind, 0) + 1
            if shown[kind] > SHOWN_PER_KIND and not debug:
                continue
            _echo(f"{'FAILED' if o.status == 'failed' else o.status} {_display(o.source)}: {o.message}", err=True)
            if debug and o.traceback:
                click.echo(o.traceback.rstrip("\n"), err=True)
        elif not quiet:
            _echo(f"{o.status} {_display(o.source)}: {o.message}")
        for warning in o.warnings:
            _echo(f"warning: {_display(o.source)}: {warning}", err=True)
    for (status, error), n in shown.items():
        if n > SHOWN_PER_KIND and not debug:
            word = "FAILED" if status == "failed" else status
            _echo(f"... and {n - SHOWN_PER_KIND} more {word} the same way ({error or status}); --debug lists "
                  "every one", err=True)


@main.command()
@click.option("--outputs", type=_DIR, default=Path("outputs"), show_default=True,
              help="Folder holding the published years.")
def validate(outputs: Path) -> None:
    """Check every published year in --outputs: hashes, files, rows, schemas.

    Every year folder must hold its manifest.json; every file it lists must
    exist with its sha256, and nothing else be there; each CSV must hold the
    same rows as its Parquet file and each dataset partition the year's table;
    every Parquet page's checksum must verify; the tables must pass the
    published schemas. Prints one line per problem, naming the file, and exits
    1 if there is any. Needs no lock: it reads only.
    """
    from pipeline.readers.check import check_outputs

    report = check_outputs(outputs)
    if not report.years:
        raise _Failed(f"no published year under {_display(outputs)}")
    for year in report.years:
        if year.ok:
            click.echo(f"{year.year}: valid")
        for problem in year.problems:
            _echo(problem.line(_display), err=True)
    for problem in report.other:
        _echo(problem.line(_display), err=True)
    if not report.ok:
        bad = sum(not y.ok for y in report.years)
        _echo(f"{bad} of {len(report.years)} year(s) failed their checks" +
              (f", and {len(report.other)} other problem(s)" if report.other else ""), err=True)
        sys.exit(1)


@main.command()
@click.argument("old", type=int, required=False)
@click.argument("new", type=int, required=False)
@click.option("--outputs", type=_DIR, default=Path("outputs"), show_default=True,
              help="Folder holding the published years; the diff goes to DIR/diffs/OLD-NEW/.")
@click.option("--new", "new_year", type=int, default=None, metavar="YEAR",
              help="The newer year, as NEW; without OLD it is compared with the published year before it.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when anything changed (for a scheduled job).")
def diff(old: int | None, new: int | None, outputs: Path, new_year: int | None, fail_on_change: bool) -> None:
    """Compare two published guide years: what was added, removed or changed.

    Without OLD and NEW, the two latest years in --outputs; with OLD alone, OLD
    against the latest; with --new alone, that year against the one before it.
    Writes changes.csv, changes.parquet, report.md and report.html (what to
    check against the PDF first, then each code's payment per setting across
    every published year as a chart) to --outputs/diffs/OLD-NEW/ and prints a
    short summary. A year is never compared with itself.
    """
    from pipeline.readers.diff import run, summary

    if new is not None and new_year is not None and new != new_year:
        raise click.UsageError(f"NEW {new} and --new {new_year} disagree; give one")
    new = new if new is not None else new_year
    try:
        result, folder = run(outputs, old, new)
    except GuideError as exc:
        raise _Failed(str(exc)) from exc
    for line in summary(result):
        click.echo(line)
    click.echo(f"report: {_display(folder / 'report.md')}")
    click.echo(f"report: {_display(folder / 'report.html')}")
    if fail_on_change and result.changed:
        sys.exit(1)


@main.command("inspect")
@click.argument("years", nargs=-1, type=int)
@click.option("--all", "all_years", is_flag=True, help="Every year published under --outputs.")
@click.option("--outputs", type=_DIR, default=Path("outputs"), show_default=True,
              help="Folder holding the published years; the report goes into OUTPUTS/<year>/.")
@click.option("--sources", type=click.Path(path_type=Path, exists=True), default=Path("sources"),
              show_default=True, help="Folder searched for the source PDF named in the year's manifest.")
@click.option("--password", default=None, help="Password for a source PDF that needs one to open.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=Limits.time_limit,
              show_default=True, metavar="SECONDS",
              help="The report fails when reading or picturing the PDF makes no progress for this long.")
@click.option("--memory-limit", type=click.IntRange(min=1), default=Limits.memory_limit, show_default=True,
              metavar="MIB", help="The report fails when the process reading the PDF needs more memory.")
@click.option("--debug", is_flag=True, help="Show a traceback for failures.")
@_wait_option
def inspect_command(years: tuple[int, ...], all_years: bool, outputs: Path, sources: Path,
                    password: str | None, time_limit: float, memory_limit: int, debug: bool, wait: float) -> None:
    """Write OUTPUTS/<YEAR>/report.html: where every published value came from.

    Each page holding a table is pictured with every extracted cell outlined and
    labelled by the field it fed, beside the rows read from it, the validation
    result and the footnote marks found. Opens from disk, no server needed.
    The PDF is read and pictured in a child process under the same limits as
    a build's, and a page whose picture would be too large is refused.
    """
    from pipeline.run.progress import ProgressBar

    if all_years == bool(years):
        raise click.UsageError("give one or more YEARs, or --all")
    if not Path(outputs).is_dir():
        raise _Failed(f"no published year under {_display(outputs)}")
    bar = ProgressBar(sys.stderr)
    bar.step("report: loading the pipeline")  # before the heavy imports below
    from pipeline.publish import year_folders
    from pipeline.readers.inspect import inspect_year

    failed = 0
    with _writing(outputs, "inspect", wait):
        if all_years:
            years = tuple(year_folders(outputs))
            if not years:
                bar.close()
                raise _Failed(f"no published year under {_display(outputs)}")
        for year in years:
            try:
                path = inspect_year(year, outputs, sources, password=password,
                                    limits=Limits(time_limit, memory_limit), on_step=bar.step)
            except GuideError as exc:
                bar.close()
                if debug:
                    traceback.print_exc()
                failed += 1
                _echo(f"Error: {exc}", err=True)
                continue
            bar.close()
            _echo(f"report {year} -> {_display(path)}")
    if failed:
        sys.exit(1)


@main.command()
@click.option("--outputs", type=_DIR, default=Path("outputs"), show_default=True,
              help="Folder holding the published years.")
@click.option("--database", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="DuckDB file to refresh  [default: OUTPUTS/warehouse.duckdb]")
@_wait_option
def warehouse(outputs: Path, database: Path | None, wait: float) -> None:
    """Load every published year into one DuckDB database, in one transaction.

    Tables guides, codes, payments, exclusions, terminology and provenance, and
    views latest_payments and payment_changes. Years whose outputs did not change
    are left alone; on any failure the database keeps its previous contents.
    Every year is checked first, as `validate` does; one that fails is refused.
    """
    from pipeline.run.progress import ProgressBar

    if not Path(outputs).is_dir():
        raise _Failed(f"no published year under {outputs}: run `python -m pipeline build` first")
    bar = ProgressBar(sys.stderr)
    bar.step("warehouse: loading the pipeline")  # before the heavy imports below
    from pipeline.readers.warehouse import DATABASE, refresh

    with _writing(outputs, "warehouse", wait):
        bar.step(f"warehouse: refreshing {_display(database or outputs / DATABASE)} from {_display(outputs)}")
        try:
            loads = refresh(outputs, database)
        except GuideError as exc:
            raise _Failed(str(exc)) from exc
        finally:
            bar.close()
    for load in loads:
        click.echo(load.line())
    _echo(f"warehouse: {_display(database or outputs / DATABASE)}")


@main.command()
@click.option("--to", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, metavar="FOLDER",
              help="Folder to write schemas/ and docs/ into. In a checkout of the pipeline, its root: the package's "
                   "own contract and DDL are regenerated too. Never the installed package's folder.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a generated file is stale.")
def docs(folder: Path, check: bool) -> None:
    """Write schemas/ (data package, PostgreSQL, BigQuery) and docs/data-dictionary.md, docs/vocabulary.md and
    docs/commands.md into --to, generated from pipeline/fields.py, the vocabulary and these commands.

    Run from a checkout's root (what `make docs` does), it regenerates the
    committed files there, and the contract and DDL the package ships. From an
    installed pipeline, it writes the readers' files where you say, never into
    the installation. Refuses when the contract's columns or types would change
    while SCHEMA_VERSION stays the same: bump it on purpose first.
    """
    from pipeline import cli_docs, contract

    root = _docs_root(folder)
    commands_md = cli_docs.COMMANDS_MD if root is None else root / "docs" / cli_docs.COMMANDS_MD.name
    generated = ("the contract, schemas/, docs/data-dictionary.md, docs/vocabulary.md and docs/commands.md"
                 if root is None else f"schemas/ and docs/ in {_display(root)}")
    if check:
        out_of_date = contract.stale(root) + ([commands_md] if cli_docs.stale(commands_md) else [])
        for path in out_of_date:
            click.echo(f"stale: {_display(path)} (run `make docs`)", err=True)
        if out_of_date:
            sys.exit(1)
        click.echo(f"{generated} are up to date")
        return
    try:
        written = contract.write_docs(root)
        if cli_docs.write_commands(commands_md):
            written.append(commands_md)
    except GuideError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise _Failed(f"cannot write {exc.filename or _display(folder)}: {exc.strerror or exc}") from exc
    for path in written:
        click.echo(f"wrote {_display(path)}")
    if not written:
        click.echo(f"{generated} are up to date")


def _docs_root(folder: Path) -> Path | None:
    """Where `docs` writes: None for a checkout's own root (everything, the package's copies too), else the
    folder. A folder inside an installed package's site-packages is refused: an installation is not edited."""
    from pipeline import contract

    target, home = Path(folder).resolve(), contract.ROOT.resolve()
    checkout = (home / "pyproject.toml").is_file() and (home / "pipeline").resolve() == contract.DESCRIPTOR.parent
    if checkout and target == home:
        return None
    if not checkout and target.is_relative_to(home):
        raise _Failed(f"{_display(folder)} is inside the installed pipeline's folder {home}: write the docs into a "
                      "folder of yours (--to FOLDER)")
    return target
