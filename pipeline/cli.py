"""The command line: thin click commands over library functions.

Each command parses its options, calls one function, and turns a `GuideError`
into one line on stderr. `--debug` shows tracebacks instead.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import GuideError
from pipeline.run.sandbox import Limits

_DIR = click.Path(path_type=Path, file_okay=False)


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
@click.option("--debug", is_flag=True, help="Show a traceback for failures, and the parser's warnings.")
def build(sources: Path, outputs: Path, passwords: tuple[str, ...], jobs: int | None, time_limit: float,
          memory_limit: int, force: bool, fail_fast: bool, quiet: bool, debug: bool) -> None:
    """Build outputs/<year>/ from every PDF under --sources.

    Each guide is built on its own, in a process of its own; a failing one does
    not stop the others. Ends with one line per source and exits 1 if any
    failed. Does nothing when no source and no pipeline code changed since the
    last build.
    """
    from pipeline.run.build import build as run_build
    from pipeline.run.progress import ProgressBar

    bar = ProgressBar(sys.stderr) if not quiet else None
    try:
        outcomes = run_build(sources, outputs, passwords=passwords, fail_fast=fail_fast, jobs=jobs,
                             limits=Limits(time_limit, memory_limit), force=force, debug=debug,
                             on_progress=bar.update if bar else None)
    except GuideError as exc:
        if debug:
            traceback.print_exc()
        raise click.ClickException(str(exc)) from exc
    finally:
        if bar:
            bar.close()
    if not outcomes:
        raise click.ClickException(f"no PDF found under {_display(sources)}")
    for o in outcomes:
        if o.status in ("failed", "skipped"):
            click.echo(f"{'FAILED' if o.status == 'failed' else o.status} {_display(o.source)}: {o.message}",
                       err=True)
            if debug and o.traceback:
                click.echo(o.traceback.rstrip("\n"), err=True)
        elif not quiet:
            click.echo(f"{o.status} {_display(o.source)}: {o.message}")
        for warning in o.warnings:
            click.echo(f"warning: {_display(o.source)}: {warning}", err=True)
    count = {status: sum(o.status == status for o in outcomes) for status in ("built", "unchanged", "failed",
                                                                               "skipped")}
    if count["unchanged"] == len(outcomes):
        click.echo(f"nothing to rebuild: {len(outcomes)} guide(s) unchanged, and the pipeline too, "
                   "since the last build (--force rebuilds)")
    else:
        click.echo(", ".join(f"{n} {status}" for status, n in count.items()
                             if n or status in ("built", "failed")))
    if count["failed"] or count["skipped"]:
        sys.exit(1)


@main.command()
@click.option("--outputs", type=_DIR, default=Path("outputs"), show_default=True,
              help="Folder holding the published years.")
def validate(outputs: Path) -> None:
    """Check every published year in --outputs against the schemas again."""
    from pipeline.publish import published_years, read_tables
    from pipeline.validate import find_failures

    years = published_years(outputs)
    if not years:
        raise click.ClickException(f"no published year under {_display(outputs)}")
    bad = 0
    for year in years:
        failures = find_failures(read_tables(outputs / str(year)), year)
        if len(failures):
            bad += 1
            click.echo(f"{year}: {len(failures)} failure(s)", err=True)
            click.echo(failures.to_string(index=False), err=True)
        else:
            click.echo(f"{year}: valid")
    if bad:
        sys.exit(1)


@main.command()
@click.argument("old", type=int, required=False)
@click.argument("new", type=int, required=False)
@click.option("--outputs", type=_DIR, default=Path("outputs"), show_default=True,
              help="Folder holding the published years; the diff goes to DIR/diffs/OLD-NEW/.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when anything changed (for a scheduled job).")
def diff(old: int | None, new: int | None, outputs: Path, fail_on_change: bool) -> None:
    """Compare two published guide years: what was added, removed or changed.

    Without OLD and NEW, the two latest years in --outputs; with OLD alone, OLD
    against the latest. Writes changes.csv, changes.parquet and report.md to
    --outputs/diffs/OLD-NEW/ and prints a short summary.
    """
    from pipeline.readers.diff import run, summary

    try:
        result, folder = run(outputs, old, new)
    except GuideError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in summary(result):
        click.echo(line)
    click.echo(f"report: {_display(folder / 'report.md')}")
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
@click.option("--debug", is_flag=True, help="Show a traceback for failures.")
def inspect_command(years: tuple[int, ...], all_years: bool, outputs: Path, sources: Path,
                    password: str | None, debug: bool) -> None:
    """Write OUTPUTS/<YEAR>/report.html: where every published value came from.

    Each page holding a table is pictured with every extracted cell outlined and
    labelled by the field it fed, beside the rows read from it, the validation
    result and the footnote marks found. Opens from disk, no server needed.
    """
    from pipeline.readers.inspect import inspect_year
    from pipeline.publish import published_years

    if all_years == bool(years):
        raise click.UsageError("give one or more YEARs, or --all")
    if all_years:
        years = tuple(published_years(outputs))
        if not years:
            raise click.ClickException(f"no published year under {_display(outputs)}")
    failed = 0
    for year in years:
        try:
            path = inspect_year(year, outputs, sources, password=password)
        except GuideError as exc:
            if debug:
                traceback.print_exc()
            failed += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        click.echo(f"report {year} -> {_display(path)}")
    if failed:
        sys.exit(1)


@main.command()
@click.option("--outputs", type=_DIR, default=Path("outputs"), show_default=True,
              help="Folder holding the published years.")
@click.option("--database", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="DuckDB file to refresh  [default: OUTPUTS/warehouse.duckdb]")
def warehouse(outputs: Path, database: Path | None) -> None:
    """Load every published year into one DuckDB database, in one transaction.

    Tables guides, codes, payments, exclusions, terminology and provenance, and
    views latest_payments and payment_changes. Years whose outputs did not change
    are left alone; on any failure the database keeps its previous contents.
    """
    from pipeline.readers.warehouse import DATABASE, refresh

    try:
        loads = refresh(outputs, database)
    except GuideError as exc:
        raise click.ClickException(str(exc)) from exc
    for load in loads:
        rows = ", ".join(f"{n} {name}" for name, n in load.rows.items())
        click.echo(f"{load.guide_year}: {load.status}" + (f" ({rows})" if rows else ""))
    click.echo(f"warehouse: {_display(database or outputs / DATABASE)}")


@main.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a generated file is stale.")
def docs(check: bool) -> None:
    """Regenerate schemas/datapackage.json and docs/data-dictionary.md from pipeline/fields.py.

    Refuses when the contract's columns or types would change while
    SCHEMA_VERSION stays the same: bump it on purpose first.
    """
    from pipeline.contract import stale, write_docs

    if check:
        out_of_date = stale()
        for path in out_of_date:
            click.echo(f"stale: {_display(path)} (run `python -m pipeline docs`)", err=True)
        if out_of_date:
            sys.exit(1)
        click.echo("schemas/datapackage.json and docs/data-dictionary.md are up to date")
        return
    try:
        written = write_docs()
    except GuideError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        click.echo(f"wrote {_display(path)}")
    if not written:
        click.echo("schemas/datapackage.json and docs/data-dictionary.md are up to date")
