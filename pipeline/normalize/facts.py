"""Step 0 of normalize, facts: what the document says about itself (year, effective date, number, title).

Read from all its text, by the patterns of `vocab/document_facts.csv`, before any table. Each line
or cell a fact was read from is kept as a cue (`model.Used`), so that what could change a fact
stops the build and what could not is only counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from pipeline import schemas, vocab
from pipeline.errors import YearConflict
from pipeline.model import RawGuide, Used
from pipeline.text import SOFT_HYPHEN, squash
from pipeline.text import normalize as as_read

#: How a stop names the line a fact was read from.
_FACT_LINE = {"guide_year": "the line printing the guide year", "effective_date": "the line printing the effective date",
              "document_number": "the line printing the document number"}


@dataclass(frozen=True)
class Facts:
    """The document's facts; None where it does not print one."""

    guide_year: int | None
    effective_date: date | None
    document_number: str | None
    title: str | None
    #: The lines and cells each fact was read from.
    cues: tuple[Used, ...] = ()


@dataclass(frozen=True)
class _Page:
    """One page's text as one squashed string, and where each line or cell of it lies in the string."""

    page: int
    text: str
    #: (start, end, box) of each line, then each cell, in the string.
    spans: tuple[tuple[int, int, tuple[float, float, float, float]], ...]

    def cues(self, m: re.Match, what: str) -> list[Used]:
        """The lines and cells a match was read from, each holding the matched text as a fact."""
        return [Used(self.page, box, what, value=m.group(0)) for start, end, box in self.spans
                if start < m.end() and m.start() < end]


def document_facts(raw: RawGuide) -> Facts:
    """The guide's facts. Two payment years, or an effective date in another year, stop the build."""
    years: dict[int, int] = {}  # every payment year printed, with the first page printing it
    cues: list[Used] = []
    effective = number = None  # the first printing of each: (match, page)
    for page in _prose(raw):
        for pattern in vocab.fact_patterns("guide_year"):
            for m in pattern.finditer(page.text):
                years.setdefault(int(m.group("year")), page.page)
                cues += page.cues(m, _FACT_LINE["guide_year"])
        effective = effective or _first(page, "effective_date")
        number = number or _first(page, "document_number")
    if len(years) > 1:
        found = ", ".join(f"{y} (page {p})" for y, p in sorted(years.items()))
        raise YearConflict(f"the document names more than one payment year: {found}")
    effective_date = datetime.strptime(effective[0].group("date"), "%B %d, %Y").date() if effective else None
    # No year at all is reported by normalize() after the tables: a PDF with
    # no payment table is "not this guide" first, whatever else it lacks.
    year = next(iter(years)) if years else effective_date.year if effective_date else None
    if effective_date and effective_date.year != year:
        raise YearConflict(f"payments are for {year} but page {effective[1].page} says they are effective as of "
                           f"{effective_date.isoformat()}", page=effective[1].page)
    for found, fact in ((effective, "effective_date"), (number, "document_number")):
        if found:
            cues += found[1].cues(found[0], _FACT_LINE[fact])
    title, title_cues = _title(raw)
    return Facts(year, effective_date, number[0].group("number") if number else None, title,
                 tuple(cues + title_cues))


#: Pages read into `_prose` at once: its text and boxes for a few pages at a time, not a whole long guide's.
PROSE_PAGES = 32


def _prose(raw: RawGuide) -> Iterator[_Page]:
    """Each page's text, lines then cells, as one squashed string, in page order.

    A line ending in a soft hyphen joins the next without a space, as the whole page's text would.
    """
    lines, cells = _by_page(raw.lines), _by_page(raw.cells)
    pages = sorted(set(lines.pages) | set(cells.pages))
    for at in range(0, len(pages), PROSE_PAGES):
        first, last = pages[at], pages[min(at + PROSE_PAGES, len(pages)) - 1]
        parts: dict[int, list[tuple[str, tuple]]] = {}
        for frame in (lines, cells):
            for row in schemas.tuples(frame.between(first, last), ["page", "text", "x0", "top", "x1", "bottom"]):
                parts.setdefault(int(row.page), []).append(
                    (row.text, (float(row.x0), float(row.top), float(row.x1), float(row.bottom))))
        for page, texts in sorted(parts.items()):
            yield _page(page, texts)


def _page(page: int, texts: list[tuple[str, tuple]]) -> _Page:
    text, spans, joined = "", [], True
    for raw_text, box in texts:
        part = squash(as_read(raw_text))
        if not part:
            continue
        if text and not joined:
            text += " "
        spans.append((len(text), len(text) + len(part), box))
        text += part
        joined = raw_text.rstrip().endswith(SOFT_HYPHEN)
    return _Page(page, text, tuple(spans))


@dataclass(frozen=True)
class _ByPage:
    """A raw frame in page order (stable: rows of a page as they were), and its distinct pages."""

    frame: pd.DataFrame
    numbers: np.ndarray

    @property
    def pages(self) -> list[int]:
        return np.unique(self.numbers).tolist()

    def between(self, first: int, last: int) -> pd.DataFrame:
        """Its rows of pages `first` to `last`."""
        return self.frame.iloc[np.searchsorted(self.numbers, first, "left"):
                               np.searchsorted(self.numbers, last, "right")]


def _by_page(frame: pd.DataFrame) -> _ByPage:
    numbers = frame["page"].to_numpy(dtype=np.int64)
    if len(numbers) and (np.diff(numbers) < 0).any():  # extract writes pages in order; a frame made otherwise
        order = np.argsort(numbers, kind="stable")
        frame, numbers = frame.iloc[order], numbers[order]
    return _ByPage(frame, numbers)


def _first(page: _Page, fact: str) -> tuple[re.Match, _Page] | None:
    """The first printing of `fact` on `page`."""
    m = next((m for p in vocab.fact_patterns(fact) for m in p.finditer(page.text)), None)
    return (m, page) if m else None


def _title(raw: RawGuide) -> tuple[str | None, list[Used]]:
    """The first page's biggest text, top to bottom; and the lines it was read from."""
    first = raw.lines[raw.lines["page"] == 1]
    if not len(first):
        return None, []
    biggest = first[first["size"] >= first["size"].max() - 0.1].sort_values("top")
    cues = [Used(1, (float(r.x0), float(r.top), float(r.x1), float(r.bottom)), "the title line")
            for r in biggest.itertuples(index=False)]
    return squash(" ".join(biggest["text"])), cues
