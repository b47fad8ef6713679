"""Step 1 of normalize, grids: each table extract found, addressable by grid position, and its cells as pieces.

A `Piece` is one printed cell with the page, box and printed row it was read from:
every later step carries pieces, so each value keeps where it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from pipeline import fields as F
from pipeline.text import squash

CPT_CODE = re.compile(F.CPT_CODE_PATTERN)


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

    def extend(self, other: "Piece") -> "Piece":
        return Piece(f"{self.text}\n{other.text}", f"{self.sup_mask}\n{other.sup_mask}", self.page, self.box,
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

    def first_data_row(self) -> int | None:
        for r in range(self.nrows):
            if any(CPT_CODE.match(squash(c["text"])) for c in self.row_cells(r)):
                return r
        return None


def grids(cells: pd.DataFrame) -> list[Grid]:
    """Every table extract found, in table order."""
    return [_grid(int(table), group.to_dict("records")) for table, group in cells.groupby("table", sort=True)]


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
