"""Step 1 of normalize, grids: each table extract found, addressable by grid position, and its cells as pieces.

A `Piece` is one printed cell with the page, box and printed row it was read from:
every later step carries pieces, so each value keeps where it came from.

What makes a row a code row is decided here, once (`code_text`): a CPT code, its footnote marks
aside ("0600T*", "+47383", "47382" and a raised "b"). Every step that names a row by its code reads
the code this way; `read_code` reads it strictly, for publishing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from pipeline import fields as F
from pipeline import schemas
from pipeline.errors import ValueNotParsed
from pipeline.text import code_text, glued_raised_digits, split_marks, squash

CPT_CODE = re.compile(F.CPT_CODE_PATTERN)


def is_code(text: str, sup_mask: str) -> bool:
    """Does a first-column cell print a CPT code (its marks aside)?"""
    return bool(CPT_CODE.match(code_text(text, sup_mask)))


@dataclass(frozen=True)
class Piece:
    """One printed cell (or the parts of one cell broken across a page)."""

    text: str
    sup_mask: str
    page: int
    box: tuple[float, float, float, float]
    #: The printed row(s) of the extracted tables it was read from: (page, table, row) each.
    rows: tuple[tuple[int, int, int], ...] = ()
    #: Every cell it was read from, (page, box) each: a cell broken by a page break has two.
    parts: tuple[tuple[int, tuple[float, float, float, float]], ...] = ()

    @property
    def code(self) -> str:
        """Its text read as a code cell's: without its footnote marks."""
        return code_text(self.text, self.sup_mask)

    def extend(self, other: "Piece") -> "Piece":
        return Piece(f"{self.text}\n{other.text}", f"{self.sup_mask.ljust(len(self.text))}\n{other.sup_mask}",
                     self.page, self.box,
                     tuple(dict.fromkeys(self.rows + other.rows)), tuple(dict.fromkeys(self.parts + other.parts)))


def piece(cell: dict) -> Piece:
    """The piece one extracted cell prints."""
    box = (float(cell["x0"]), float(cell["top"]), float(cell["x1"]), float(cell["bottom"]))
    return Piece(cell["text"], cell["sup_mask"], int(cell["page"]), box,
                 ((int(cell["page"]), int(cell["table"]), int(cell["row"])),), ((int(cell["page"]), box),))


@dataclass(frozen=True)
class Grid:
    """One table found by extract: its cells, addressable by grid position."""

    table: int
    first_page: int
    last_page: int
    cells: list[dict]
    ncols: int
    nrows: int
    #: Grid position -> the cell covering it; row -> the cells whose top-left corner is in it.
    _at: dict[tuple[int, int], dict] = field(repr=False)
    _rows: dict[int, list[dict]] = field(repr=False)

    def row_cells(self, r: int) -> list[dict]:
        """Cells whose top-left corner is in row `r`."""
        return self._rows.get(r, [])

    def at(self, r: int, c: int) -> dict | None:
        """The cell covering grid position (r, c), merged cells included."""
        return self._at.get((r, c))

    def pieces(self, r: int) -> dict[int, Piece]:
        """Row `r`'s pieces by column: each column a cell starting in row `r` covers."""
        return {c: piece(cell) for c in range(self.ncols)
                if (cell := self.at(r, c)) is not None and cell["row"] == r}

    def printed_rows(self, start: int) -> list[int]:
        """The rows from `start` down with a printed cell starting in them."""
        return [r for r in range(start, self.nrows) if any(c["text"].strip() for c in self.row_cells(r))]

    def across(self, r: int) -> dict | None:
        """Row `r`'s one cell when the row prints one code-less cell spanning the table, else None.

        Such a row is a subheading ("Liver" over the liver codes, naming the group of rows below it), or a
        "Do not report" note printed across the table under its code's row (`stitch` tells which); it prints
        no value. A row a page break cut, or the rest of a descriptor, has its cells under the table's own
        columns: none spans them all.
        """
        printed = [c for c in self.row_cells(r) if c["text"].strip()]
        if len(printed) != 1:
            return None
        cell = printed[0]
        if cell["col"] != 0 or cell["col_span"] != self.ncols or cell["row_span"] != 1 \
                or is_code(cell["text"], cell["sup_mask"]):
            return None
        return cell

    def first_data_row(self) -> int | None:
        for r in range(self.nrows):
            if any(is_code(c["text"], c["sup_mask"]) for c in self.row_cells(r)):
                return r
        return None


def read_code(code: Piece) -> tuple[str, list[str]]:
    """The CPT code a code cell prints and the marks printed on it; one that cannot be read stops.

    A raised digit glued to the code's digits ("47383" and a raised "1") is a sixth digit printed small
    or footnote 1: nothing says which. A mark printed full size and glued ("473831") is no code at all.
    """
    glued = glued_raised_digits(code.text, code.sup_mask)
    if glued is not None:
        before, raised = glued
        raise ValueNotParsed(f"CPT code: {squash(before)!r} is followed by a raised {raised!r} glued to its digits: "
                             "the value cannot be read (a digit printed small, or a footnote mark?)",
                             page=code.page, box=code.box, what="a payment table code cell")
    text, marks = split_marks(code.text, code.sup_mask)
    text = squash(text)
    if not CPT_CODE.match(text):
        raise ValueNotParsed(f"{text!r} is not a CPT code (5 digits, or 4 digits and T)", page=code.page,
                             box=code.box, what="a payment table code cell")
    return text, marks


def grids(cells: pd.DataFrame) -> list[Grid]:
    """Every table extract found, in table order."""
    return list(iter_grids(cells))


def iter_grids(cells: pd.DataFrame) -> Iterator[Grid]:
    """Every table extract found, in table order, one at a time: a thousand-page guide's grids are not all
    held at once."""
    for table, group in cells.groupby("table", sort=True):
        yield _grid(int(table), schemas.records(group))


def _grid(table: int, cells: list[dict]) -> Grid:
    at: dict[tuple[int, int], dict] = {}
    rows: dict[int, list[dict]] = {}
    for cell in cells:
        rows.setdefault(cell["row"], []).append(cell)
        for r in range(cell["row"], cell["row"] + cell["row_span"]):
            for c in range(cell["col"], cell["col"] + cell["col_span"]):
                at[(r, c)] = cell
    pages = [int(c["page"]) for c in cells]
    return Grid(table, min(pages), max(pages), cells, max(c["col"] + c["col_span"] for c in cells),
                max(c["row"] + c["row_span"] for c in cells), at, rows)
