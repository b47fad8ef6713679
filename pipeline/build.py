"""Build: run extract -> normalize -> validate -> publish for every source.

Each source is built on its own. A failing guide is that guide's failure alone:
the others are still built, and the result lists every source as built or
failed with a one-line reason. Nothing is published for a guide that failed,
so its previous outputs stay as they were.

Three phases:

1. **parse** each PDF into a validated `Guide` (the only phase that reads PDFs,
   through `extract`);
2. **check** the guides against each other: two sources may not claim the
   same guide year;
3. **publish** each good guide atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import GuideError, ValidationFailed, YearConflict
from pipeline.extract import extract
from pipeline.normalize import Guide, normalize
from pipeline.publish import clear_staging, publish, write_report
from pipeline.validate import validate

REPORTS = "reports"
_YEAR_FOLDER = re.compile(r"^(19|20)\d{2}$")


@dataclass
class Outcome:
    """What became of one source."""

    source: Path
    status: str  # built | failed
    message: str
    guide_year: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "built"


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


def parse_source(path: Path, sources_root: Path, password: str | None = None, on_page=None) -> Guide:
    """Extract, normalize and validate one source. Raises `GuideError` on bad input."""
    guide = normalize(extract(path, password=password, on_page=on_page))
    check_folder_year(path, sources_root, guide.guide_year)
    validate(guide.tables, guide.guide_year)
    return guide


def report_path(outputs: Path, source: Path) -> Path:
    return Path(outputs) / REPORTS / f"{source.stem}.validation.csv"


def build(sources: Path, outputs: Path, *, password: str | None = None, fail_fast: bool = False,
          on_outcome=None) -> list[Outcome]:
    """Build every PDF under `sources` into `outputs`. Returns one `Outcome` per source.

    `on_outcome(outcome)` is called as each source finishes, for live display.
    """
    sources, outputs = Path(sources), Path(outputs)
    outcomes: list[Outcome] = []
    parsed: list[tuple[Path, Guide]] = []

    def record(outcome: Outcome) -> Outcome:
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
        return outcome

    for path in find_sources(sources):
        try:
            parsed.append((path, parse_source(path, sources, password)))
        except ValidationFailed as exc:
            report = write_report(exc.failures, report_path(outputs, path))
            record(Outcome(path, "failed", f"{exc}; every failure is listed in {report}"))
        except GuideError as exc:
            record(Outcome(path, "failed", str(exc)))
        if fail_fast and outcomes and not outcomes[-1].ok:
            return outcomes

    by_year: dict[int, list[Path]] = {}
    for path, guide in parsed:
        by_year.setdefault(guide.guide_year, []).append(path)

    clear_staging(outputs)
    for path, guide in parsed:
        claimants = by_year[guide.guide_year]
        if len(claimants) > 1:
            others = ", ".join(str(p) for p in claimants if p != path)
            record(Outcome(path, "failed", str(YearConflict(
                f"two sources claim the {guide.guide_year} guide: this one and {others}; keep one")),
                guide.guide_year))
            continue
        folder = publish(guide, outputs)
        report_path(outputs, path).unlink(missing_ok=True)
        record(Outcome(path, "built", f"{guide.guide_year} guide -> {folder}", guide.guide_year))
        if fail_fast and not outcomes[-1].ok:
            break
    return outcomes
