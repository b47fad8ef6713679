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
@click.option("--password", default=None, help="Password for PDFs that need one to open.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first source that fails.")
@click.option("--debug", is_flag=True, help="Show a traceback for failures.")
def build(sources: Path, outputs: Path, password: str | None, fail_fast: bool, debug: bool) -> None:
    """Build outputs/<year>/ from every PDF under --sources.

    Each guide is built on its own; a failing one does not stop the others. Ends
    with one line per source and exits 1 if any failed.
    """
    from pipeline.build import build as run_build

    def show(outcome):
        mark = "built " if outcome.ok else "FAILED"
        click.echo(f"{mark} {_display(outcome.source)}: {outcome.message}", err=not outcome.ok)

    try:
        outcomes = run_build(sources, outputs, password=password, fail_fast=fail_fast, on_outcome=show)
    except GuideError as exc:
        if debug:
            traceback.print_exc()
        raise click.ClickException(str(exc)) from exc
    if not outcomes:
        raise click.ClickException(f"no PDF found under {_display(sources)}")
    failed = [o for o in outcomes if not o.ok]
    click.echo(f"{len(outcomes) - len(failed)} built, {len(failed)} failed")
    if failed:
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
