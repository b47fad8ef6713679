"""Rows: where each row of a table's body starts, top-aligned or centred on its first-column cell.

Part of the extract stage (`pipeline.extract.tables.unruled`). A row starts at each
cell of the first column (a CPT code, a term). Rows that start with it (top-aligned)
end where the next starts; rows centred on it are cut where every row comes out
centred, since a blank line inside a cell can be wider than the gap between rows;
the edge of a shaded band, where there is one, is a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from pipeline.extract.tables.unruled.chunks import Line, first_column, first_word_width, is_code, span
from pipeline.extract.tables.unruled.thresholds import (BAND_EDGE_SHARE, CUT_ROW_CAP, INSIDE_CELL_COST,
                                                        PARAGRAPH_GAP_RATIO, SPACE_GAP)


class Anchor(NamedTuple):
    """The lines of one row's first-column cell, first and last (a long term wraps)."""

    first: int
    last: int


@dataclass(frozen=True)
class Body:
    """A table's body on this page, as the row steps read it."""

    lines: list[Line]
    #: Whitespace above each line (`chunks.gaps`), from the header's bottom when there is one.
    gaps: list[float]
    seps: list[float]
    #: Heights of the rules and band edges across the table (`band_ys`).
    bands: list[float]

    @property
    def para(self) -> float:
        """The widest gap between two lines of one paragraph, at the body's first line's size."""
        return PARAGRAPH_GAP_RATIO * self.lines[0].size

    def banded(self, k: int) -> bool:
        """Is there a rule or band edge in the gap above line k?"""
        low = self.lines[k].top - self.gaps[k]
        return any(low - 1 <= y <= self.lines[k].top + 1 for y in self.bands)


@dataclass(frozen=True)
class Breaks:
    """The page breaks around this part of a table."""

    #: The table continues from the last page.
    continued: bool
    #: The table runs on to the next page.
    open_at_foot: bool
    #: The last page's rows were top-aligned (True), centred (False), or it held none (None).
    top_aligned: bool | None


def band_ys(bands: list[tuple[float, float, float]], x0: float, x1: float) -> list[float]:
    """Heights where rules or band edges run over most of the table's width."""
    width: dict[float, float] = {}
    for y, a, b in bands:
        cover = min(b, x1) - max(a, x0)
        if cover > 0:
            key = round(y * 2) / 2
            width[key] = width.get(key, 0.0) + cover
    return sorted(y for y, w in width.items() if w >= BAND_EDGE_SHARE * (x1 - x0))


def row_starts(lines: list[Line], seps: list[float]) -> list[int]:
    """The lines that hold a first-column cell."""
    return [k for k, ln in enumerate(lines) if any(span(seps, ch)[0] == 0 for ch in ln.chunks)]


def rows(body: Body, starts: list[int], breaks: Breaks) -> tuple[list[int], bool | None]:
    """Index of the first line of each row, and whether rows are top-aligned (each
    starts with its first-column cell) or centred on it (None: no row to tell)."""
    if not body.lines:
        return [], breaks.top_aligned
    anchors = anchor_runs(body, starts)
    if not anchors:  # all of it finishes the row the last page broke off
        return [0], breaks.top_aligned
    top_aligned = breaks.top_aligned if breaks.top_aligned is not None else _looks_top_aligned(body, anchors)
    if top_aligned:
        firsts = [a.first for a in anchors]
        head = [0] if firsts[0] > 0 else []  # the rest of a row broken by the page break
    else:
        head, firsts = centred_rows(body, anchors, breaks)
    return sorted(set(head + firsts)), top_aligned


def anchor_runs(body: Body, starts: list[int]) -> list[Anchor]:
    """Row starts that are one cell wrapped over several lines (a long term) stay one start."""
    lines, seps = body.lines, body.seps
    rights = column_rights(lines, seps)
    anchors: list[Anchor] = []
    for k in starts:
        if anchors and anchors[-1].last == k - 1 and body.gaps[k] <= body.para \
                and not (is_code(lines[k - 1], seps) and is_code(lines[k], seps)) \
                and could_wrap(lines[k - 1], lines[k], seps, rights):
            anchors[-1] = anchors[-1]._replace(last=k)
        else:
            anchors.append(Anchor(k, k))
    return anchors


def _looks_top_aligned(body: Body, anchors: list[Anchor]) -> bool:
    # top-aligned rows print their first-column cell on their first line, so a
    # row-sized gap (or a band edge) sits right above every row start
    return anchors[0].first == 0 and (
        all(body.gaps[a.first] > body.para or body.banded(a.first) for a in anchors[1:])
        or single_spaced_top_aligned(body, anchors))


def column_rights(body: list[Line], seps: list[float]) -> dict[int, float]:
    """How far right each column's text reaches anywhere in the body (where its lines wrap),
    and under -1 where the second column's text starts (how far the first may reach)."""
    out: dict[int, float] = {}
    for line in body:
        for ch in line.chunks:
            c0, c1 = span(seps, ch)
            if c0 == c1:
                out[c0] = max(out.get(c0, ch.x1), ch.x1)
            if c0 == 1:
                out[-1] = min(out.get(-1, ch.x0), ch.x0)
    return out


def could_wrap(above: Line, line: Line, seps: list[float], rights: dict[int, float]) -> bool:
    """Could `line` (holding a first-column cell) be the wrapped rest of the row above it?

    A paragraph wraps only when its next word does not fit. `line` starts a new entry (a
    glossary whose rows sit a single line apart) when it prints a cell beside its
    first-column text and either that text's first word would have fitted on the line
    above, inside the first column, or the text of another column on the line above
    ended there: its next word, on `line`, would have fitted after it. The first column
    reaches at most a space short of where the second column's text starts anywhere in
    the table (`rights[-1]`).
    """
    upper, lower = first_column(above, seps), first_column(line, seps)
    if not upper or not lower or not seps:
        return True
    beside = [ch for ch in line.chunks if span(seps, ch)[0] > 0]
    if not beside:
        return True
    space = SPACE_GAP * line.size
    width = max(ch.x1 for ch in upper) - min(ch.x0 for ch in upper)
    # the first column's text reaches at most to where the second column's text starts
    limit = rights.get(-1, seps[0]) - space
    if min(ch.x0 for ch in upper) + width + space + first_word_width(lower[0]) <= limit:
        return False
    for ch in beside:
        c0, c1 = span(seps, ch)
        ends = [o for o in above.chunks if span(seps, o) == (c0, c1)]
        if c0 == c1 and ends and max(o.x1 for o in ends) + space + first_word_width(ch) <= rights.get(c0, 0.0):
            return False
    return True


def single_spaced_top_aligned(body: Body, anchors: list[Anchor]) -> bool:
    """Rows set a single line apart, each starting with its first-column cell.

    With no row-sized gap anywhere in the body to go by, rows are top-aligned when every
    row's first line holds its first-column cell and a cell of another column beside it
    (the caller checks that no line sits above the first row start: a centred row would
    reach above its first-column cell). A body with row-sized gaps is not single-spaced:
    its gaps say where rows start, even when they fall above lines that precede a
    first-column cell (rows centred on it).
    """
    if len(anchors) < 2 or any(gap > body.para for gap in body.gaps[1:]):
        return False
    return all(any(span(body.seps, ch)[0] > 0 for ch in body.lines[a.first].chunks) for a in anchors)


# ---------------------------------------------------------------- centred rows

@dataclass(frozen=True)
class _Centring:
    """What choosing centred rows' boundaries reads: the body, its row starts and their middles."""

    body: Body
    anchors: list[Anchor]
    breaks: Breaks
    #: Middle of each row's first-column cell.
    centres: list[float]
    #: low[k]: lowest bottom of the lines before line k.
    low: list[float]

    @property
    def n(self) -> int:
        return len(self.body.lines)

    def choices(self, candidates: list[int]) -> list[int]:
        """Where a boundary may go among `candidates`: a band edge decides alone."""
        edged = [k for k in candidates if self.body.banded(k)]
        return [max(edged, key=lambda k: self.body.gaps[k])] if edged else candidates

    def off(self, row: int, start: int, end: int) -> float:
        """How far the row's middle is from its first-column cell's."""
        size = self.body.lines[0].size
        miss = abs((self.body.lines[start].top + self.low[end]) / 2 - self.centres[row])
        if (row == 0 and self.breaks.continued and start == 0) or (
                row == len(self.anchors) - 1 and self.breaks.open_at_foot and end == self.n):
            # may be a row the break cut: its evidence counts, but only so much
            miss = min(miss, CUT_ROW_CAP * size)
        return miss

    def inside(self, k: int) -> float:
        # A boundary at a gap no wider than between two lines of a paragraph is most
        # likely inside a cell (shifting every boundary by a line keeps rows as centred).
        return INSIDE_CELL_COST if 0 < k < self.n and self.body.gaps[k] <= self.body.para else 0.0


def centred_rows(body: Body, anchors: list[Anchor], breaks: Breaks) -> tuple[list[int], list[int]]:
    """Row starts when each row's cells are centred on its first-column cell.

    A row then reaches as far below its first-column cell as above it: the
    boundaries are chosen together so that every row is as near centred on its
    first-column cell as the gaps allow (a blank line inside a cell may be wider
    than the gap between rows). A band edge between two row starts decides alone.
    A row the page break may have cut (the first on a continued page, the last
    on a page the table runs off) need not be centred; but when lines before
    the first row start, or after the last, can be set apart by a row-sized gap
    so that the row is centred, they are a part of a row the break cut.
    """
    c = _Centring(body, anchors, breaks, _first_column_middles(body, anchors), _lows(body.lines))
    end, path = _cheapest_boundaries(c, _layers(c))
    return sorted({0, path[0]}), path[1:] if end < c.n else path[1:-1]


def _lows(lines: list[Line]) -> list[float]:
    low = [0.0] * (len(lines) + 1)  # low[k]: lowest bottom of the lines before line k
    for k, line in enumerate(lines):
        low[k + 1] = max(low[k], line.bottom) if k else line.bottom
    return low


def _first_column_middles(body: Body, anchors: list[Anchor]) -> list[float]:
    centres = []
    for a in anchors:
        first = [ch for ln in body.lines[a.first:a.last + 1] for ch in ln.chunks if span(body.seps, ch)[0] == 0]
        centres.append((min(ch.top for ch in first) + max(ch.bottom for ch in first)) / 2)
    return centres


def _layers(c: _Centring) -> list[list[int]]:
    """Where each boundary may go: before the first row, between each two row starts, after the last."""
    anchors = c.anchors
    heads = [0]
    if c.breaks.continued and anchors[0].first > 0:
        # lines above the first row start may finish the row the last page broke off
        heads = c.choices(list(range(1, anchors[0].first + 1)))
        heads = heads if len(heads) == 1 and c.body.banded(heads[0]) else [0] + heads
    tails = list(range(anchors[-1].last + 1, c.n)) if c.breaks.open_at_foot else []
    layers = [heads] + [c.choices(list(range(a.last + 1, b.first + 1))) for a, b in zip(anchors, anchors[1:])]
    layers.append([c.n] + tails)
    return layers


def _cheapest_boundaries(c: _Centring, layers: list[list[int]]) -> tuple[int, list[int]]:
    """The last boundary and every boundary of the cheapest choice, one per layer."""
    # best[b] = (cost, boundaries so far) for rows ending before line b
    best = {h: (c.inside(h), [h]) for h in layers[0]}
    tails = len(layers[-1]) > 1
    for row in range(len(c.anchors)):
        nxt: dict[int, tuple[float, list[int]]] = {}
        for end in layers[row + 1]:
            for start, (cost, path) in best.items():
                miss = _row_miss(c, row, start, end, tails)
                if miss is None:
                    continue
                # even: wider gap
                total = cost + miss + c.inside(end) - (0.001 * c.body.gaps[end] if end < c.n else 0.0)
                if end not in nxt or total < nxt[end][0]:
                    nxt[end] = (total, path + [end])
        best = nxt
    end = min(best, key=lambda e: best[e][0])
    return end, best[end][1]


def _row_miss(c: _Centring, row: int, start: int, end: int, tails: bool) -> float | None:
    """How far a row from line `start` to `end` is off its centre (None: it cannot be a row)."""
    if end <= start:
        return None
    miss = c.off(row, start, end)
    if row == len(c.anchors) - 1 and tails:
        if end < c.n and miss > 1.0:
            return None  # a fragment after the last row only if that row is then centred
        miss += 1.5 if end == c.n else 0.0
    return miss
