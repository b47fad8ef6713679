"""Columns: header cells stacked into blocks, their leaves, the separators between them, and spans.

Part of the extract stage (`pipeline.extract.tables.unruled`). A table's leaf columns
are the header cells with no header cell under them; a separator goes in the widest
whitespace between two neighbouring leaves; a cell's span is the columns its text,
or its own filled box, covers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from pipeline.extract.tables.unruled.chunks import Chunk, Line, span
from pipeline.extract.tables.unruled.thresholds import ALIGN_TOLERANCE, LEAF_WEIGHT, PARAGRAPH_GAP_RATIO

Box = tuple[float, float, float, float]  # (x0, top, x1, bottom)


@dataclass
class Block:
    """Header chunks stacked into one cell: a wrapped header wording (it grows while stacking)."""

    chunks: list[Chunk]
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def box(self) -> Box:
        return self.x0, self.top, self.x1, self.bottom

    def add(self, ch: Chunk) -> None:
        self.chunks.append(ch)
        self.x0, self.x1 = min(self.x0, ch.x0), max(self.x1, ch.x1)
        self.top, self.bottom = min(self.top, ch.top), max(self.bottom, ch.bottom)


@dataclass(frozen=True)
class Columns:
    """Where a table's columns are: the separators between them, and its outer edges."""

    seps: list[float]
    x0: float
    x1: float

    @property
    def edges(self) -> list[float]:
        return [self.x0] + self.seps + [self.x1]


def blocks(lines: list[Line], size: float) -> list[Block]:
    """Stack chunks into cells: a chunk joins the block just above it when it is close
    below it and shares its centre, left or right edge (one wrapped paragraph), so a
    spanning header never swallows the narrower headers under it."""
    out: list[Block] = []
    live: list[Block] = []  # blocks a chunk of this line could still join
    for line in lines:
        live = [b for b in live if line.top - b.bottom <= PARAGRAPH_GAP_RATIO * size]
        joined: list[Block] = []
        for ch in line.chunks:
            home = _home(live, ch, size)
            if home is None:
                home = Block([ch], ch.x0, ch.x1, ch.top, ch.bottom)
                out.append(home)
            else:
                home.add(ch)
            joined.append(home)
        live += [b for b in joined if b not in live]
    return out


def _home(live: list[Block], ch: Chunk, size: float) -> Block | None:
    """The block `ch` continues: the latest one it sits close under, overlapping and aligned."""
    for b in reversed(live):
        last = b.chunks[-1]
        # on a lower line (a raised footnote mark may reach above the line's top)
        if ch.top - last.top < 0.5 * size or ch.top - b.bottom > PARAGRAPH_GAP_RATIO * size:
            continue
        overlap = min(b.x1, ch.x1) - max(b.x0, ch.x0)
        aligned = (abs((last.x0 + last.x1) / 2 - (ch.x0 + ch.x1) / 2) <= ALIGN_TOLERANCE
                   or abs(last.x0 - ch.x0) <= ALIGN_TOLERANCE or abs(last.x1 - ch.x1) <= ALIGN_TOLERANCE)
        if overlap > 0 and aligned:
            return b
    return None


def leaves(header: list[Block], size: float) -> list[tuple[float, float]]:
    """Extents of the header cells with no header cell under them, left to right: the columns."""
    out = []
    for b in header:
        # under: starting below b's last line (footnote marks may rise into it) and overlapping it
        under = any(o is not b and o.top >= b.bottom - 0.4 * size and min(o.x1, b.x1) - max(o.x0, b.x0) > 1
                    for o in header)
        if not under:
            out.append((b.x0, b.x1))
    return sorted(out, key=lambda e: e[0] + e[1])


def separators(leaf_columns: list[tuple[float, float]], lines: list[Line], size: float) -> list[float] | None:
    """One x per pair of neighbouring leaf columns: the middle of the widest whitespace
    between their centres, over the leaf headers and every cell printed in one column.

    A merged cell, all its wrapped lines together, spans the centres of the columns
    it covers and is left out. A part of one too narrow to reach two centres (the
    last words of a merged cell a page break cut) may still fill the space between
    two columns: then the separator goes where the fewest cells cross. None when two
    leaf headers overlap: that is no table header.
    """
    centres = [(a + b) / 2 for a, b in leaf_columns]
    cells = [(a, b, LEAF_WEIGHT) for a, b in leaf_columns]
    for blk in blocks(lines, size):
        if bisect_right(centres, blk.x1) - bisect_left(centres, blk.x0) <= 1:
            cells.append((blk.x0, blk.x1, 1))
    seps = []
    for lo, hi in zip(centres, centres[1:]):
        best = _fewest_crossings(cells, lo, hi)
        if best is None or best[0] >= LEAF_WEIGHT:
            return None
        seps.append(best[2])
    return seps


def _fewest_crossings(cells: list[tuple[float, float, int]], lo: float, hi: float
                      ) -> tuple[int, float, float] | None:
    """(crossing weight, minus width, middle) of the stretch of lo..hi the fewest cells
    cross, the widest of those; None when lo..hi is empty."""
    events = [(hi, 0)]
    for a, b, weight in cells:
        if b > lo and a < hi:
            events += [(max(a, lo), weight), (min(b, hi), -weight)]
    events.sort()
    best, crossing, x_prev = None, 0, lo
    for x, weight in events:
        if x > x_prev:
            here = (crossing, x_prev - x, (x_prev + x) / 2)  # fewest crossings, then widest
            best = here if best is None or here < best else best
        crossing += weight
        x_prev = max(x_prev, x)
    return best


def fits(line: Line, columns: Columns) -> bool:
    """Could this line be a row of the table: inside its width, nothing across its first column."""
    width = columns.x1 - columns.x0
    for ch in line.chunks:
        if ch.x1 < columns.x0 - 0.05 * width or ch.x0 > columns.x1 + 0.05 * width:
            return False
        c0, c1 = span(columns.seps, ch)
        if c0 == 0 and c1 > 0:
            return False
    return True


def own_box(fills: list[Box], extent: Box, others: list[Box], edges: list[float]) -> Box | None:
    """The filled box a cell is printed in, when it has one of its own.

    A producer that paints each cell's background (Chromium, a DTP tool, a word processor's
    cell shading) draws a box exactly as wide as the cell, merged columns included. It is
    the cell's own when it holds the cell's text and the middle of no other cell's text,
    and lies within the table (a band behind a whole row or header, or the page's own
    background, is no cell's box). The smallest such box wins.
    """
    x0, top, x1, bottom = extent
    best = None
    for f in fills:
        if not (f[0] - 1 <= x0 and x1 <= f[2] + 1 and f[1] - 1 <= top and bottom <= f[3] + 1):
            continue
        if f[0] < edges[0] - 2 * ALIGN_TOLERANCE or f[2] > edges[-1] + 2 * ALIGN_TOLERANCE:
            continue
        if any(f[0] < (o[0] + o[2]) / 2 < f[2] and f[1] < (o[1] + o[3]) / 2 < f[3] for o in others):
            continue
        if best is None or (f[2] - f[0]) * (f[3] - f[1]) < (best[2] - best[0]) * (best[3] - best[1]):
            best = f
    return best


def box_span(box: Box, edges: list[float]) -> tuple[int, int] | None:
    """First and last column whose middle lies inside `box`."""
    inside = [c for c in range(len(edges) - 1) if box[0] < (edges[c] + edges[c + 1]) / 2 < box[2]]
    return (inside[0], inside[-1]) if inside else None


def own_box_span(fills: list[Box], extent: Box, others: list[Box], edges: list[float]) -> tuple[int, int] | None:
    """The columns a cell's own filled box covers (`own_box`), or None when it has none."""
    box = own_box(fills, extent, others, edges)
    return box_span(box, edges) if box is not None else None
