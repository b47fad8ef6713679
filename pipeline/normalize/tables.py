"""Step 3 of normalize, tables: which table is which, read from what its headers say.

A table is the payment table, its continuation on the next page, the
terminology table (or its continuation), or none of these; never by where it
sits on the page. See the package docstring for the rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from pipeline import vocab
from pipeline.errors import LayoutError
from pipeline.model import Used
from pipeline.normalize.columns import SETTING_OF, Columns, place_columns
from pipeline.normalize.grids import Grid, grids
from pipeline.text import split_footnotes, squash

#: A line of prose that reads like a row of the payment table: a CPT code, then a dollar amount.
_STRAY_ROW = re.compile(r"^\s*(\d{5}|\d{4}T)\s.*\$\s?\d")


def check_no_stray_rows(lines: pd.DataFrame) -> None:
    """Stop when a payment row was left outside every table: its table was not found whole."""
    for page, text in zip(lines["page"], lines["text"]):
        if _STRAY_ROW.match(text):
            raise LayoutError(f"a payment row outside any table that could be read: {squash(text)!r}; "
                              "the table around it has no header the pipeline knows", page=int(page))


@dataclass(frozen=True)
class Reading:
    """How to read one table found by extract."""

    kind: str  # payment | terminology
    #: First row below the header (0 for a continuation without a repeated header).
    start: int
    #: The table continues the one on the page before.
    continues: bool
    #: The header's printed cells (first column, text): a continuation whose top cells are these
    #: repeats the header.
    header: tuple[tuple[int, str], ...]
    page: int
    columns: Columns | None = None
    #: Unknown group headers left out because the columns under them name themselves.
    warnings: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Part:
    """A payment or terminology table found by extract (or its part on a later page), and how to read it."""

    grid: Grid
    reading: Reading

    def header_cues(self) -> list[Used]:
        """The header cells the table was known by (a continuation's repeated header too): cues of its reading."""
        kind = self.reading.kind
        return [Used(int(c["page"]), (float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"])),
                     f"the {kind} table header cell", table=kind)
                for c in self.grid.cells if c["row"] < self.reading.start and c["text"].strip()]

    def header_footnotes(self) -> list[dict]:
        """The footnote marks of a table's own header cells (a continuation's repeated header has none)."""
        if self.reading.continues or not self.reading.start:
            return []
        table = "payments" if self.reading.kind == "payment" else "terminology"
        out = []
        for cell in self.grid.cells:
            if cell["row"] < self.reading.start and cell["text"].strip():
                wording, marks = split_footnotes(cell["text"], cell["sup_mask"], glued=True)
                if marks:
                    out.append({"table": table, "text": squash(wording), "marks": marks, "page": int(cell["page"])})
        return out


def read(cells: pd.DataFrame, stops: dict) -> Iterator[Part]:
    """The payment and terminology tables among `cells`, in table order, each with how to read it.

    A table read as neither that follows a payment table on the next page, with CPT code rows,
    stops the build: it neither repeats the header nor has the payment table's columns. So does
    a stop extract left for a table that is read.
    """
    previous: Reading | None = None
    for grid in grids(cells):
        reading = _classify(grid, previous)
        if reading is not None and grid.table in stops:
            raise stops[grid.table]
        if reading is not None:
            yield Part(grid, reading)
        elif previous is not None and previous.kind == "payment" and grid.first_page == previous.page + 1 \
                and grid.first_data_row() is not None:
            raise LayoutError(f"a table of CPT code rows follows the payment table but neither repeats its "
                              f"header nor has its {previous.columns.ncols} columns (it has {grid.ncols})",
                              page=grid.first_page)
        previous = reading


def _header_cells(grid: Grid, upto: int) -> list[tuple[dict, str]]:
    """Non-empty header cells (rows before `upto`) with their footnote-free wording."""
    out = []
    for c in grid.cells:
        if c["row"] < upto and c["text"].strip():
            wording, _ = split_footnotes(c["text"], c["sup_mask"], glued=True)
            out.append((c, squash(wording)))
    return out


def _header_texts(grid: Grid, rows: int) -> tuple[tuple[int, str], ...]:
    """The printed cells of the top `rows` rows: (first column, text), in reading order."""
    return tuple((int(c["col"]), squash(c["text"]))
                 for r in range(rows) for c in sorted(grid.row_cells(r), key=lambda c: c["col"])
                 if c["text"].strip())


def _repeats(now: tuple[tuple[int, str], ...], before: tuple[tuple[int, str], ...]) -> bool:
    """Do a continued table's top cells repeat the first part's header?

    The same cells from the same columns, each with the same text or that text cut short
    after a whole word: a producer that repeats a header may clip the last line of its
    tallest cell ("ASC Payment (Payment" for "ASC Payment (Payment Indicator)"). Neither
    the row a cell was put in nor how far it spans matters: a cell centred over several
    header lines may be placed a row higher on one page than on the other, and a title
    over the whole table may reach one column less (the columns come from the first part).
    """
    if len(now) != len(before):
        return False
    left = sorted(before)
    for col, text in sorted(now):
        match = next((k for k, (c, t) in enumerate(left)
                      if c == col and (t == text or (text and t.startswith(text) and t[len(text)] == " "))), None)
        if match is None:
            return False
        del left[match]
    return True


def _repeated_rows(grid: Grid, before: tuple[tuple[int, str], ...]) -> int:
    """How many top rows of `grid` repeat the header `before` (0: it is not repeated)."""
    for rows in range(1, grid.nrows + 1):
        now = _header_texts(grid, rows)
        if len(now) > len(before):
            break
        if _repeats(now, before):
            return rows
    return 0


def _classify(grid: Grid, previous: Reading | None) -> Reading | None:
    """How to read `grid`: a payment table, a terminology table, or None for any other table."""
    first_data = grid.first_data_row()
    header_rows = grid.nrows if first_data is None else first_data
    continues = previous is not None and grid.first_page == previous.page + 1
    headers = _header_cells(grid, header_rows)
    concepts = [vocab.header_concept("payment", w) for _, w in headers]
    names_columns = any(c in ("code", "descriptor", *SETTING_OF) for c in concepts)
    if continues and previous.kind == "payment" and previous.columns.ncols == grid.ncols:
        repeated = _repeated_rows(grid, previous.header)
        if repeated or not names_columns:
            return Reading("payment", repeated, True, previous.header, grid.last_page, previous.columns)
    if grid.ncols == 2 and first_data is None:
        terminology = _terminology(grid, headers, continues and previous.kind == "terminology", previous)
        if terminology is not None:
            return terminology
    if not names_columns:
        return None
    columns, warnings = place_columns(grid, header_rows, headers, concepts)
    return Reading("payment", header_rows, False, _header_texts(grid, header_rows), grid.last_page,
                   columns, warnings)


def _terminology(grid: Grid, headers, continues: bool, previous: Reading | None) -> Reading | None:
    """A two-column table without codes: the terminology table when headed so, or its continuation."""
    top = [(c, w) for c, w in headers if c["row"] == 0]
    if top and all(vocab.header_concept("terminology", w) for _, w in top):
        return Reading("terminology", 1, continues, _header_texts(grid, 1), grid.last_page)
    if continues:
        return Reading("terminology", 0, True, previous.header, grid.last_page)
    return None
