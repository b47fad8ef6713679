"""Find: the public `find`, driving the steps over one page's lines, table by table.

Part of the extract stage (`pipeline.extract.page` calls `find` for each page). The
scan continues the table the last page left open, then reads a table at each header
it meets: header, body, columns, rows, cells, and what stays open at the page's foot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pipeline import vocab
from pipeline.extract.lines import line_text
from pipeline.extract.tables.open_table import OpenTable, UnruledFacts
from pipeline.extract.tables.unruled.body import settle_columns, spaced_end
from pipeline.extract.tables.unruled.cells import body_cells
from pipeline.extract.tables.unruled.chunks import Line, PageText, gaps, make_line
from pipeline.extract.tables.unruled.columns import Columns, fits
from pipeline.extract.tables.unruled.header import (Head, carried_header, header_cells, header_run,
                                                    measure_header, names_columns, repeated_header)
from pipeline.extract.tables.unruled.rows import Body, Breaks, band_ys, row_starts, rows


@dataclass(frozen=True)
class Table:
    """A table found on the page: the lines it took, its cells, and whether it stays open."""

    start: int
    end: int
    cells: list[dict]
    open: OpenTable | None


def find(page_lines: list[list[dict]], bands: list[tuple[float, float, float]], page: int, height: float,
         carry: OpenTable | None, fills: list[tuple[float, float, float, float]] = ()
         ) -> tuple[list[list[dict]], list[bool], OpenTable | None]:
    """The tables without rules among a page's printed lines (`pipeline.extract.lines.page_lines`).

    Returns each table's cells, which lines the tables took, and the table left
    open at the foot of the page. `bands` are the page's rule and band edges,
    `carry` the table left open at the foot of the page before, `fills` the boxes of
    the page's filled rectangles (`pipeline.extract.tables.ruled.fill_boxes`).
    """
    text = PageText([make_line(g, k) for k, g in enumerate(page_lines)], bands, list(fills), page, height)
    tables: list[list[dict]] = []
    used = [False] * len(text.lines)
    left_open = None
    for table in scan(text, carry):
        tables.append(table.cells)
        used[table.start:table.end] = [True] * (table.end - table.start)
        left_open = table.open
    return tables, used, left_open


def scan(page: PageText, carry: OpenTable | None) -> Iterator[Table]:
    """Every table on the page, top to bottom: first the one `carry` continues, if it does."""
    lines, i = page.lines, 0
    if carry is not None:
        table = continued_table(page, carry)
        if table is not None:
            yield table
            i = table.end
    while i < len(lines):
        if i + 1 < len(lines) and len(lines[i].chunks) == 1 and vocab.glossary_heading(lines[i].text):
            table = headerless_table(page, i + 1)
            if table is not None:
                yield table
                i = table.end
                continue
        if lines[i].heading()[0]:
            end = header_run(lines, i)
            table = read_table(page, i, end, None) if names_columns(lines[i:end]) else None
            if table is not None:
                yield table
                i = table.end
                continue
        i += 1


def continued_table(page: PageText, carry: OpenTable) -> Table | None:
    """The open table continued at the top of this page, if it is.

    The page's first line either repeats the table's header, or is a row of it (it fits
    the carried columns), or the table ended with the last page.
    """
    if not page.lines:
        return None
    leaves = carry.unruled.leaves
    columns = Columns(carry.seps or [(a[1] + b[0]) / 2 for a, b in zip(leaves, leaves[1:])], carry.x0, carry.x1)
    repeated = repeated_header(page.lines, carry.unruled.header_texts)
    if repeated:
        return read_table(page, 0, repeated, carry)
    if fits(page.lines[0], columns):
        return read_table(page, 0, 0, carry)
    return None


def headerless_table(page: PageText, start: int) -> Table | None:
    """The glossary printed as a two-column table without a header row, under its heading.

    Nothing names its columns, so the heading stands for the header: the first line under it
    must be a term and its description, two cells apart, and no header wording (nor a "Term:
    description" paragraph, which two columns of paragraphs print side by side). Its two cells
    are the columns, measured again on the rows like a header's; the table ends where any
    table ends (a line across its first column, a wide gap, the foot of the page), and runs on
    over a page break like any other. None when the first line is not two such cells (a
    "Term: description" paragraph, or a header: those are read the usual way).
    """
    first = page.lines[start]
    if len(first.chunks) != 2 or first.heading()[0]:
        return None
    term, description = first.chunks
    if vocab.entry_pattern().match(line_text(term.chars)[0]):
        return None  # "Term: description" paragraphs (in two columns side by side, say): no table
    head = Head([], first.size, [], [(term.x0, term.x1), (description.x0, description.x1)], first.size,
                term.x0, description.x1, ())
    return read_table(page, start, start, None, head)


def read_table(page: PageText, hstart: int, hend: int, carry: OpenTable | None, head: Head | None = None
               ) -> Table | None:
    """Read the table whose header is lines[hstart:hend] (none when hstart == hend and
    it continues `carry`, or `head` stands for it); None if it is no table."""
    header = page.lines[hstart:hend]
    if head is None:
        head = measure_header(header) if header else carried_header(carry)
    if head is None:
        return None
    end, max_gap = spaced_end(page, hend, head, carry)
    settled = settle_columns(page, head, hend, end, carry)
    if settled is None:
        return None
    columns, end = settled
    body = page.lines[hend:end]
    breaks = Breaks(carry is not None, all(ln.top > page.foot for ln in page.lines[end:]),
                    carry.unruled.top_aligned if carry is not None else None)
    starts = row_starts(body, columns.seps)
    if carry is None and not starts and not breaks.open_at_foot:
        return None  # a header with no rows under it: prose that happens to use header words
    found = Body(body, gaps(body, head.bottom), columns.seps, band_ys(page.bands, columns.x0, columns.x1))
    firsts, top_aligned = rows(found, starts, breaks)
    cells = header_cells(head, columns.seps, columns.edges, page.fills) if header else []
    levels = 1 + max((c["row"] + c["row_span"] - 1 for c in cells), default=-1)
    cells += body_cells(page, body, firsts, columns, levels)
    if not cells:
        return None
    left_open = _left_open(head, columns, body, max_gap, top_aligned) if breaks.open_at_foot else None
    return Table(hstart, end, cells, left_open)


def _left_open(head: Head, columns: Columns, body: list[Line], max_gap: float, top_aligned: bool | None
               ) -> OpenTable:
    """The table as the next page continues it."""
    settled = columns.seps if body or not head.lines else []  # columns measured on rows, not on a header alone
    facts = UnruledFacts(tuple(head.leaves), head.texts, max_gap, head.size, top_aligned)
    return OpenTable((columns.x0, *settled, columns.x1), facts)
