"""Header: the run of lines that is a table's header, its leaf columns, and its cells.

Part of the extract stage (`pipeline.extract.tables.unruled`). A run of lines whose
words are header wordings (`pipeline.vocab`) and that names at least two columns in
full is a header; a table continued from the last page may repeat it, whole or
clipped, or start with no header at all (`Head.carried`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from pipeline.extract.tables.open_table import OpenTable
from pipeline.extract.tables.unruled.cells import cell, empty_cell
from pipeline.extract.tables.unruled.chunks import Line, gaps, names_column
from pipeline.extract.tables.unruled.columns import Block, blocks, leaves, own_box_span
from pipeline.extract.tables.unruled.thresholds import HEADER_GAP_RATIO, PARAGRAPH_GAP_RATIO


def header_run(lines: list[Line], i: int) -> int:
    """End (exclusive) of the header that starts at line i: lines that hold a header
    wording, and lines of a wrapped header cell between them."""
    end = i + 1
    size = lines[i].size
    while end < len(lines):
        gap = lines[end].top - max(ln.bottom for ln in lines[i:end])
        if gap > HEADER_GAP_RATIO * size:
            break
        if lines[end].heading()[0]:
            end += 1
            continue
        # a line without a header word belongs to the header only as the middle of a
        # wrapped cell: tight above and below, with a header line right after it
        nxt = end + 1
        if (gap <= PARAGRAPH_GAP_RATIO * size and nxt < len(lines) and lines[nxt].heading()[0]
                and lines[nxt].top - lines[end].bottom <= PARAGRAPH_GAP_RATIO * size):
            end = nxt + 1
            continue
        break
    return end


def names_columns(header: list[Line]) -> bool:
    """A header names at least two columns in full ("Term", "Description");
    prose that happens to use a header word or two does not."""
    return sum(1 for ln in header for ch in ln.chunks if names_column(ch)) >= 2


def repeated_header(lines: list[Line], texts: tuple[str, ...]) -> int:
    """How many lines at the top of the page repeat the carried header (0: none).

    Its lines as printed, or the same header clipped by its producer (a cell's last
    line cut off, "ASC Payment (Payment"): the same first line, then header lines
    whose words are the carried header's in order, some missing. Normalize checks
    that each of its cells repeats one of the first page's, whole or cut short.
    """
    n = len(texts)
    if not texts or tuple(ln.text for ln in lines[:n]) == texts:
        return n if texts else 0
    if not lines[0].heading()[0] or lines[0].text != texts[0]:
        return 0
    end = header_run(lines, 0)
    words = iter(" ".join(texts).split())
    if end > n or not all(w in words for ln in lines[:end] for w in ln.text.split()):
        return 0
    return end


@dataclass(frozen=True)
class Head:
    """A table's header as measured: on this page, or carried from the last one (no lines)."""

    lines: list[Line]
    size: float
    blocks: list[Block]
    leaves: list[tuple[float, float]]
    #: The widest gap between two header lines (the carried table's widest gap so far).
    max_gap: float
    x0: float
    x1: float
    #: The header's lines as printed.
    texts: tuple[str, ...]

    @property
    def bottom(self) -> float | None:
        """Lowest bottom of the header's lines on this page (None: no header on it)."""
        return max(ln.bottom for ln in self.lines) if self.lines else None

    @property
    def first_text(self) -> str | None:
        return self.texts[0] if self.texts else None


def measure_header(header: list[Line]) -> Head | None:
    """The header printed in these lines, or None when it has fewer than two leaf columns."""
    size = max(ln.size for ln in header)
    found = blocks(header, size)
    leaf_columns = leaves(found, size)
    if len(leaf_columns) < 2:
        return None
    max_gap = max(gaps(header, None)[1:], default=size)
    return Head(header, size, found, leaf_columns, max_gap, min(b.x0 for b in found), max(b.x1 for b in found),
                tuple(ln.text for ln in header))


def carried_header(carry: OpenTable) -> Head:
    """The header of a table the last page left open, for a page that does not repeat it."""
    facts = carry.unruled
    return Head([], facts.size, [], list(facts.leaves), facts.max_gap, carry.x0, carry.x1, facts.header_texts)


def header_cells(head: Head, seps: list[float], edges: list[float], fills: list[tuple]) -> list[dict]:
    """One cell per header block at its level and columns; empty cells fill the rest of the grid."""
    size = head.size
    tops: list[float] = []
    for b in sorted(head.blocks, key=lambda b: b.top):
        if not tops or b.top - tops[-1] > PARAGRAPH_GAP_RATIO * size:
            tops.append(b.top)
    out = []
    covered: set[tuple[int, int]] = set()
    for b in head.blocks:
        row = bisect_right(tops, b.top + PARAGRAPH_GAP_RATIO * size) - 1
        rows = max(1, bisect_left(tops, b.bottom) - row)
        c0, c1 = _block_span(b, head.blocks, seps, edges, fills)
        out.append(cell(b.chunks, row, c0, rows, c1 - c0 + 1))
        covered.update((r, c) for r in range(row, row + rows) for c in range(c0, c1 + 1))
    top, bottom = min(b.top for b in head.blocks), max(b.bottom for b in head.blocks)
    x0, x1 = min(b.x0 for b in head.blocks), max(b.x1 for b in head.blocks)
    for r in range(len(tops)):
        for c in range(len(seps) + 1):
            if (r, c) not in covered:
                out.append(empty_cell(r, c, seps[c - 1] if c > 0 else x0, seps[c] if c < len(seps) else x1,
                                      top, bottom))
    return out


def _block_span(b: Block, header: list[Block], seps: list[float], edges: list[float], fills: list[tuple]
                ) -> tuple[int, int]:
    """The columns a header cell covers: those of its own filled box, else those its words reach."""
    c0 = bisect_right(seps, min(ch.cx0 for ch in b.chunks))
    c1 = bisect_right(seps, max(ch.cx1 for ch in b.chunks))
    # a header cell's own filled box gives its span, not how far its words reach
    return own_box_span(fills, b.box, [o.box for o in header if o is not b], edges) or (c0, c1)
