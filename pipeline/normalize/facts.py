"""Step 0 of normalize, facts: what the document says about itself (year, effective date, number, title).

Read from all its text, by the patterns of `vocab/document_facts.csv`, before any table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from pipeline import vocab
from pipeline.errors import YearConflict
from pipeline.model import RawGuide
from pipeline.text import normalize as as_read
from pipeline.text import squash


@dataclass(frozen=True)
class Facts:
    """The document's facts; None where it does not print one."""

    guide_year: int | None
    effective_date: date | None
    document_number: str | None
    title: str | None


def document_facts(raw: RawGuide) -> Facts:
    """The guide's facts. Two payment years, or an effective date in another year, stop the build."""
    prose = _prose(raw)
    years = _years(prose)
    effective = _effective(prose)
    if len(years) > 1:
        found = ", ".join(f"{y} (page {p})" for y, p in sorted(years.items()))
        raise YearConflict(f"the document names more than one payment year: {found}")
    # No year at all is reported by normalize() after the tables: a PDF with
    # no payment table is "not this guide" first, whatever else it lacks.
    year = next(iter(years)) if years else effective[0].year if effective else None
    if effective and effective[0].year != year:
        raise YearConflict(f"payments are for {year} but page {effective[1]} says they are effective as of "
                           f"{effective[0].isoformat()}", page=effective[1])
    number = _first(prose, "document_number")
    return Facts(year, effective[0] if effective else None, number[0].group("number") if number else None,
                 _title(raw))


def _prose(raw: RawGuide) -> list[tuple[int, str]]:
    """Each page's text, lines then cells, as one squashed string: (page, text) in page order."""
    pages: dict[int, list[str]] = {}
    for page, text in zip(raw.lines["page"], raw.lines["text"]):
        pages.setdefault(int(page), []).append(text)
    for page, text in zip(raw.cells["page"], raw.cells["text"]):
        pages.setdefault(int(page), []).append(text)
    return [(page, squash(as_read(" ".join(texts)))) for page, texts in sorted(pages.items())]


def _years(prose: list[tuple[int, str]]) -> dict[int, int]:
    """Every payment year printed, with the first page printing it."""
    years: dict[int, int] = {}
    for page, text in prose:
        for pattern in vocab.fact_patterns("guide_year"):
            for m in pattern.finditer(text):
                years.setdefault(int(m.group("year")), page)
    return years


def _effective(prose: list[tuple[int, str]]) -> tuple[date, int] | None:
    """The first "effective as of <date>" and its page."""
    found = _first(prose, "effective_date")
    return (datetime.strptime(found[0].group("date"), "%B %d, %Y").date(), found[1]) if found else None


def _first(prose: list[tuple[int, str]], fact: str) -> tuple[re.Match, int] | None:
    """The first printing of `fact` and its page."""
    for page, text in prose:
        m = next((m for p in vocab.fact_patterns(fact) for m in p.finditer(text)), None)
        if m:
            return m, page
    return None


def _title(raw: RawGuide) -> str | None:
    """The first page's biggest text, top to bottom."""
    first = raw.lines[raw.lines["page"] == 1]
    if not len(first):
        return None
    biggest = first[first["size"] >= first["size"].max() - 0.1]
    return squash(" ".join(biggest.sort_values("top")["text"]))
