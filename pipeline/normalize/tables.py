"""Step 3 of normalize, tables: which table is which, read from what its headers say.

A table is a payment table (one of every setting, or of some: one per setting),
its continuation on the next page, the terminology table (or its continuation),
or none of these; never by where it sits on the page. Each care setting is
printed by one table (`_Claims`), and `layout` records what each table holds. See the package docstring for the rules. The glossary's heading
(`vocab.glossary_heading`) printed over a table of two columns makes it the
glossary even without a "Term / Description" header row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pandas as pd

from pipeline import schemas, shape, vocab
from pipeline.errors import LayoutError
from pipeline.model import Stop, Used
from pipeline.normalize.columns import Columns, place_columns
from pipeline.normalize.grids import CPT_CODE, Grid, iter_grids
from pipeline.text import code_text, split_footnotes, squash

#: A line of prose that reads like a row of the payment table: a CPT code, then a dollar amount, a
#: status indicator in brackets or a sentinel wording ("NA").
_STRAY_ROW = re.compile(r"^\s*(\d{5}|\d{4}T)\s(?P<rest>.*)$")
_ROW_VALUE = re.compile(r"\$\s?\d|\(\s*[A-Z][A-Z0-9]?\s*\)")


def _reads_like_a_row(text: str) -> bool:
    m = _STRAY_ROW.match(text)
    if m is None:
        return False
    rest = m.group("rest")
    return bool(_ROW_VALUE.search(rest)) or any(vocab.sentinel_status(w) for w in _sentinel_candidates(rest))


def _sentinel_candidates(text: str) -> list[str]:
    """Each run of one to four words at the end of `text`: where a row's last cell, a sentinel, stands."""
    words = text.split()
    return [" ".join(words[-n:]) for n in range(1, min(4, len(words)) + 1)]


def check_no_stray_rows(lines: pd.DataFrame) -> None:
    """Stop when a payment row was left outside every table: its table was not found whole."""
    for page, text in zip(lines["page"], lines["text"]):
        if _reads_like_a_row(text):
            raise LayoutError(f"a payment row outside any table that could be read: {squash(text)!r}; "
                              "the table around it has no header the pipeline knows", page=int(page))


@dataclass(frozen=True)
class Heading:
    """A printed line that is the glossary's heading (or that heading again, over its continuation)."""

    page: int
    top: float
    text: str
    #: Its place among the document's lines, in reading order.
    index: int
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    @property
    def at(self) -> tuple[int, float]:
        return self.page, self.top

    def cue(self) -> Used:
        """The heading as a cue of the reading: it says the glossary is printed, and where."""
        return Used(self.page, self.box, f"the glossary heading {self.text!r}", table="terminology")


def document_lines(lines: pd.DataFrame) -> list[dict]:
    """The lines outside every table, in reading order (page, then top to bottom)."""
    return schemas.records(lines.sort_values(["page", "line"], kind="stable"))


def glossary_headings(lines: list[dict]) -> list[Heading]:
    """Every line that is a glossary heading wording (`vocab.glossary_heading`), in reading order."""
    return [Heading(int(ln["page"]), float(ln["top"]), squash(ln["text"]), k,
                    (float(ln["x0"]), float(ln["top"]), float(ln["x1"]), float(ln["bottom"])))
            for k, ln in enumerate(lines) if vocab.glossary_heading(ln["text"])]


def grid_top(grid: Grid) -> tuple[int, float]:
    """Where a table starts: its first page, and its top there."""
    return grid.first_page, min(float(c["top"]) for c in grid.cells if int(c["page"]) == grid.first_page)


def table_starts(cells) -> dict[int, tuple[int, float]]:
    """`grid_top` of every extracted table, by table id, from the raw cells without making their grids."""
    if not len(cells):
        return {}
    first = cells.groupby("table")["page"].transform("min")
    starts = cells[cells["page"] == first].groupby("table").agg(page=("page", "min"), top=("top", "min"))
    return {int(table): (int(page), float(top)) for table, page, top in zip(starts.index, starts["page"], starts["top"])}


def table_tops(cells) -> list[tuple[int, float]]:
    """`grid_top` of every extracted table, in reading order."""
    return sorted(table_starts(cells).values())


def headings_over(starts: dict[int, tuple[int, float]], headings: list[Heading]) -> dict[int, Heading]:
    """The glossary heading printed over each table, by table id: the last heading before it in reading
    order with no table between them, on the table's page or the page before. `starts`: where each
    table starts (`table_starts`)."""
    events = sorted([(h.at, 0, k) for k, h in enumerate(headings)] + [(at, 1, t) for t, at in starts.items()])
    out: dict[int, Heading] = {}
    last: Heading | None = None
    for _, kind, k in events:
        if kind == 0:
            last = headings[k]
            continue
        if last is not None and starts[k][0] - last.page <= 1:
            out[k] = last
        last = None
    return out


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
    #: Its columns are named by a header row (False: the glossary printed without one, under its heading).
    headed: bool = True
    #: Which printed table it is part of: the table id of its first part (a continuation carries it on).
    table: int = 0


@dataclass(frozen=True)
class Part:
    """A payment or terminology table found by extract (or its part on a later page), and how to read it."""

    grid: Grid
    reading: Reading
    #: The glossary heading printed over the table, if one is.
    heading: Heading | None = None

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


@dataclass(frozen=True)
class Kept:
    """What is kept of a payment table's part once its rows are read, for the checks of the whole guide
    (`sections`, `layout`): its cells are let go, so a thousand-page table is not held twice."""

    reading: Reading
    #: The id of the table extract found (`Grid.table`; `reading.table` is the printed table it is part of).
    table: int
    first_page: int
    #: The pages its cells are printed on, and its box on each.
    boxes: dict[int, tuple[float, float, float, float]]
    #: How many cells of its code column, below its header, print a CPT code.
    codes: int
    #: Its first header cell's wording, footnote marks aside (what announces the table), if it has a header.
    announced: str | None

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted(self.boxes))


def kept(part: "Part") -> Kept:
    """`Kept` of a payment table's part."""
    grid, reading = part.grid, part.reading
    by_page: dict[int, list[dict]] = {}
    for c in grid.cells:
        by_page.setdefault(int(c["page"]), []).append(c)
    boxes = {page: (min(c["x0"] for c in cells), min(c["top"] for c in cells),
                    max(c["x1"] for c in cells), max(c["bottom"] for c in cells)) for page, cells in by_page.items()}
    codes = len(printed_codes(grid, reading))
    header = sorted((c for c in grid.cells if c["row"] < reading.start and c["text"].strip()),
                    key=lambda c: (c["row"], c["col"]))
    announced = squash(split_footnotes(header[0]["text"], header[0]["sup_mask"], glued=True)[0]) if header else None
    return Kept(reading, grid.table, grid.first_page, boxes, codes, announced)


def read(cells: pd.DataFrame, stops: tuple[Stop, ...] = (), headings: list[Heading] = ()) -> Iterator[Part]:
    """The payment and terminology tables among `cells`, in table order, each with how to read it.

    A table read as neither that follows a payment table on the next page, with CPT code rows,
    stops the build: it neither repeats the header nor has the payment table's columns. So does
    a stop extract left for a table that is read, and a table under a glossary heading (`headings`)
    that cannot be the glossary.
    """
    previous: Reading | None = None
    over = headings_over(table_starts(cells), list(headings))
    held = {stop.table: stop for stop in stops}
    claims = _Claims()
    for grid in iter_grids(cells):
        reading = _classify(grid, previous, over.get(grid.table))
        if reading is not None and reading.kind == "payment":
            reading = claims.take(grid, reading, over.get(grid.table))
        if reading is not None and grid.table in held:
            raise held[grid.table].error
        if reading is not None:
            yield Part(grid, reading, over.get(grid.table))
        elif previous is not None and previous.kind == "payment" and grid.first_page == previous.page + 1 \
                and grid.first_data_row() is not None:
            raise LayoutError(f"a table of CPT code rows follows the payment table but neither repeats its "
                              f"header nor has its {previous.columns.ncols} columns (it has {grid.ncols})",
                              page=grid.first_page)
        previous = reading


def printed_codes(grid: Grid, reading: Reading) -> list[str]:
    """The codes a payment table's part prints in its code column, below its header, in printed order."""
    column = reading.columns.roles.index((None, "code"))
    out = []
    for r in range(reading.start, grid.nrows):
        cell = grid.at(r, column)
        if cell is not None and cell["row"] == r and cell["col"] == column:
            code = code_text(cell["text"], cell["sup_mask"])
            if CPT_CODE.match(code):
                out.append(code)
    return out


class _Claims:
    """The care settings each payment table printed so far, and the codes each printed table holds.

    A guide prints each setting's payments once: in one table of all its settings, or in a table of
    each (or of some): the payment tables are then one set of payments joined by code (`join`). A second
    table printing a setting a table before it printed stops the build, naming both pages: which of the
    two the dataset holds is not known (a national and a rural hospital outpatient table). Only the
    table itself may print its settings again: a part with its very columns and header and new codes
    (a header printed again lower on the same page, where a producer split the table). A part taken
    for the continuation of the table on the page before, by its repeated header, that prints a code
    that table printed already is a second table too (a real continuation goes on with new rows).
    """

    def __init__(self) -> None:
        #: Setting -> the first part of the table that printed it, and the page it starts on.
        self.settings: dict[str, tuple[Reading, int]] = {}
        #: Printed table (its first part's id) -> the codes its parts printed so far.
        self.codes: dict[int, set[str]] = {}

    def take(self, grid: Grid, reading: Reading, heading: Heading | None) -> Reading | None:
        codes = printed_codes(grid, reading)
        if reading.continues and set(codes) & self.codes.get(reading.table, set()):
            reading = _classify(grid, None, heading)
            if reading is None or reading.kind != "payment":
                raise LayoutError("a table repeats the header of the payment table on the page before and codes "
                                  "it printed, but is no payment table of its own", page=grid.first_page)
            codes = printed_codes(grid, reading)
        if not reading.continues:
            twice = [s for s in reading.columns.settings if s in self.settings]
            if twice:
                first, page = self.settings[twice[0]]
                if not (first.columns.roles == reading.columns.roles and _repeats(reading.header, first.header)
                        and not set(codes) & self.codes.get(first.table, set())):
                    raise LayoutError(f"a second table prints {' and '.join(twice)} payments (the first is on page "
                                      f"{page}): which of the two the dataset holds is not known",
                                      page=grid.first_page)
                reading = replace(reading, table=first.table)  # the table itself, its header printed again
            self.settings.update((s, (reading, grid.first_page)) for s in reading.columns.settings
                                 if s not in self.settings)
        self.codes.setdefault(reading.table, set()).update(codes)
        return reading


def layout(parts: list[Kept]) -> dict:
    """The layout the payment tables were read in, for the manifest (`Guide.layout`): each printed table
    (its parts joined) with its pages, the settings it prints and what each column holds, in printed
    order; and the settings the guide prints, in the shape's order."""
    tables: dict[int, dict] = {}
    for part in parts:
        table = tables.setdefault(part.reading.table, {"pages": [], "settings": list(part.reading.columns.settings),
                                                       "columns": list(part.reading.columns.words())})
        table["pages"] = sorted({*table["pages"], *part.pages})
    printed = {s for t in tables.values() for s in t["settings"]}
    return {"tables": list(tables.values()), "settings": [s for s in shape.SETTING_NAMES if s in printed]}


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


def _classify(grid: Grid, previous: Reading | None, heading: Heading | None = None) -> Reading | None:
    """How to read `grid`: a payment table, a terminology table, or None for any other table."""
    first_data = grid.first_data_row()
    header_rows = grid.nrows if first_data is None else _above_subheadings(grid, first_data)
    continues = previous is not None and grid.first_page == previous.page + 1
    headers = _header_cells(grid, header_rows)
    concepts = [vocab.header_concept("payment", w) for _, w in headers]
    names_columns = any(c in shape.COLUMN_CONCEPTS for c in concepts)
    if continues and previous.kind == "payment" and previous.columns.ncols == grid.ncols:
        repeated = _repeated_rows(grid, previous.header)
        if repeated or not names_columns:
            return Reading("payment", repeated, True, previous.header, grid.last_page, previous.columns,
                           table=previous.table)
    if grid.ncols == 2 and first_data is None:
        terminology = _terminology(grid, headers, continues and previous.kind == "terminology", previous, heading)
        if terminology is not None:
            return terminology
        return None  # two columns and no code: no payment table, whatever its words
    if heading is not None and first_data is None:
        raise LayoutError(f"terminology: the table under the glossary heading {heading.text!r} has {grid.ncols} "
                          "columns; the glossary is read from two (term, description)", page=grid.first_page)
    if not names_columns:
        return None
    columns, warnings = place_columns(grid, header_rows, headers, concepts)
    return Reading("payment", header_rows, False, _header_texts(grid, header_rows), grid.last_page,
                   columns, warnings, table=grid.table)


def _above_subheadings(grid: Grid, first_data: int) -> int:
    """The header's rows: those above the first code row, less the subheadings right above it ("Liver",
    `Grid.across`), which name the rows below them and are no header (the top row always is)."""
    rows = first_data
    while rows > 1 and grid.across(rows - 1) is not None:
        rows -= 1
    return rows


def _terminology(grid: Grid, headers, continues: bool, previous: Reading | None,
                 heading: Heading | None) -> Reading | None:
    """A two-column table without codes: the terminology table when headed so, its continuation, or
    the glossary printed without a header row under its heading (a heading row of its own counts).

    A top row with some header wording of the glossary and some not is an unknown header: it stops
    the build rather than be read as an entry.
    """
    skip = 0
    while skip < grid.nrows and _is_heading_row(grid, skip):
        skip += 1
    top = [(c, w) for c, w in headers if c["row"] == skip]
    known = [vocab.header_concept("terminology", w) for _, w in top]
    if top and all(known):
        return Reading("terminology", skip + 1, continues and not skip, _header_texts(grid, skip + 1), grid.last_page,
                       table=previous.table if continues and not skip else grid.table)
    if continues and not skip:
        return Reading("terminology", 0, True, previous.header, grid.last_page, headed=previous.headed,
                       table=previous.table)
    if heading is None and not skip:
        return None
    if any(known):
        cell, wording = next((c, w) for (c, w), k in zip(top, known) if not k)
        raise LayoutError(f"terminology: glossary header {wording!r} is not a known wording; if it is a new wording "
                          "for a known column, add it to pipeline/vocab/terminology_headers.csv",
                          page=int(cell["page"]))
    return Reading("terminology", skip, False, _header_texts(grid, skip), grid.last_page, headed=False,
                   table=grid.table)


def _is_heading_row(grid: Grid, r: int) -> bool:
    """Is row `r` one cell printing the glossary's heading (a title row over the table)?"""
    printed = [c for c in grid.row_cells(r) if c["text"].strip()]
    return len(printed) == 1 and vocab.glossary_heading(printed[0]["text"])
