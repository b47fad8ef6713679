"""Page: the tables and the lines of text on one page, from what is printed on it.

Part of the extract stage. `extract` opens the PDF and hands each page's chars,
rules and fills to `page_tables`, which returns every table's cells in the
raw-cells shape (grid row and column with spans, text as printed, superscript
mask, box) and every line of text outside them. Pure functions on pdfplumber's
object dicts: no PDF is opened here.

Tables are found two ways, so a guide reads the same whether its tables are
ruled, borderless or shaded:

1. **Ruled grids**, from their ruling lines: `pipeline.extract.tables.ruled`.
2. **By their header**, for tables drawn without rules: `pipeline.extract.tables.unruled`.

Which table is which (payments, terminology, or neither) is normalize's call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline import vocab
from pipeline.errors import LayoutError
from pipeline.extract.lines import line_row, line_text, page_lines
from pipeline.extract.tables import unruled
from pipeline.extract.tables.open_table import OpenTable
from pipeline.extract.tables.ruled import distinct, grid_cells, is_grid
from pipeline.extract.tables.unruled import FOOT_SHARE
from pipeline.model import Stop


@dataclass
class PageLayout:
    """What `page_tables` found on one page."""

    #: One list of cell dicts per table (row, col, row_span, col_span, text, sup_mask, box).
    tables: list[list[dict]] = field(default_factory=list)
    #: Lines of text outside every table (line, text, sup_mask, size, box).
    lines: list[dict] = field(default_factory=list)
    #: Stops that hold only if the table is one the guide is read from, each naming the table's place in
    #: `tables` (`model.Stop`): a ruled table whose rows cannot be told apart is an error in a payment
    #: table, and nothing in a page of something else (normalize decides which table is which, and
    #: raises these then).
    stops: list[Stop] = field(default_factory=list)
    #: The table left open at the foot of the page, if any.
    carry: OpenTable | None = None


# ---------------------------------------------------------------- one page

def page_tables(page: int, chars: list[dict], ruled: list[list[tuple]], bands: list[tuple[float, float, float]],
                height: float, carry: OpenTable | None,
                fills: list[tuple[float, float, float, float]] = ()) -> PageLayout:
    """Every table on one page and the lines of text outside them.

    `chars` are the page's chars; `ruled` the cell boxes of each table pdfplumber
    built from `rule_edges`; `bands` the page's `band_edges`; `carry` the table
    left open at the foot of the previous page; `fills` the page's `fill_boxes`
    (a cell's own background gives its span in a table without rules).
    """
    out = PageLayout()
    grids = [cells for cells in ruled if is_grid(cells)]
    boxes = [(min(b[0] for b in cells), min(b[1] for b in cells), max(b[2] for b in cells),
              max(b[3] for b in cells)) for cells in grids]
    inside, rest = _split_chars(chars, boxes)
    first = _first_grid(boxes, rest)
    found: list[tuple[list[dict], LayoutError | None]] = []  # each table with the stop it holds, if any
    for k, cells in enumerate(grids):
        columns = _carried_columns(carry, boxes[k]) if k == first else ()
        try:
            found.append((grid_cells(cells, inside[k], columns, page), None))
        except LayoutError as exc:
            found.append((grid_cells(cells, inside[k], columns), exc))

    grouped = page_lines(rest)
    # Running heads and feet ("Continued on next page") belong to no cell: tables are found
    # without them, and they stay lines of the page.
    running = [vocab.is_running_text(line_text(g)[0]) for g in grouped]
    printed = [g for g, r in zip(grouped, running) if not r]
    tables, taken_printed, out.carry = unruled.find(printed, bands, page, height,
                                                    carry if carry is not None and not carry.ruled else None, fills)
    taken = iter(taken_printed)
    used = [False if r else next(taken) for r in running]
    found += [(cells, None) for cells in tables]
    found.sort(key=lambda table: min(c["top"] for c in table[0]))  # reading order, for continuations
    out.tables = [cells for cells, _ in found]
    out.stops = [Stop(k, page, exc) for k, (_, exc) in enumerate(found) if exc is not None]
    out.lines = [line_row(n, g) for n, g in enumerate(g for g, taken in zip(grouped, used) if not taken)]
    if boxes and out.carry is None:
        out.carry = _open_grid(grids, boxes, out.lines, tables, height)
    return out


def _split_chars(chars: list[dict], boxes: list[tuple]) -> tuple[list[list[dict]], list[dict]]:
    """The chars inside each ruled table's box, and the rest of the page's."""
    inside: list[list[dict]] = [[] for _ in boxes]
    rest = []
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for k, (x0, top, x1, bottom) in enumerate(boxes):
            if x0 <= cx <= x1 and top <= cy <= bottom:
                inside[k].append(ch)
                break
        else:
            rest.append(ch)
    return inside, rest


def _first_grid(boxes: list[tuple], rest: list[dict]) -> int | None:
    """The ruled table first on the page, with nothing printed above it (None: there is none)."""
    first = min(range(len(boxes)), key=lambda k: boxes[k][1], default=None)
    if first is not None and any((ch["top"] + ch["bottom"]) / 2 < boxes[first][1] for ch in rest):
        first = None
    return first


def _carried_columns(carry: OpenTable | None, box: tuple) -> tuple[float, ...]:
    """A ruled table first on the page, as wide as the one left open at the foot of the
    last page, continues it and keeps its columns."""
    if carry is not None and carry.ruled and abs(carry.x0 - box[0]) < 1 and abs(carry.x1 - box[2]) < 1:
        return carry.edges
    return ()


def _open_grid(grids: list[list[tuple]], boxes: list[tuple], lines: list[dict], tables: list[list[dict]],
               height: float) -> OpenTable | None:
    """The lowest ruled table, left open when nothing but the page's foot is printed below it."""
    last = max(range(len(boxes)), key=lambda k: boxes[k][3])
    below = [ln for ln in lines if ln["top"] > boxes[last][3] and not vocab.is_running_text(ln["text"])]
    below += [c for cells in tables for c in cells if c["top"] > boxes[last][3]]
    if all(item["top"] > (1 - FOOT_SHARE) * height for item in below):
        return OpenTable(tuple(distinct([v for b in grids[last] for v in (b[0], b[2])])))
    return None
