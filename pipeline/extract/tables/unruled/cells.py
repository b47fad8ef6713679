"""Cells: a table's rows of chunks made into cells in the raw-cells shape, merged cells keeping their span.

Part of the extract stage (`pipeline.extract.tables.unruled`). A text that runs over
several columns (a merged cell) keeps its span; a row that holds two rows stops the
read (`check_one_row`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from pipeline.errors import LayoutError
from pipeline.extract.lines import line_text
from pipeline.extract.tables.unruled.chunks import Chunk, Line, PageText, extent, span
from pipeline.extract.tables.unruled.columns import Columns, own_box_span
from pipeline.extract.tables.unruled.thresholds import PARAGRAPH_GAP_RATIO


@dataclass(frozen=True)
class Group:
    """A run of chunks of one row that share columns: one cell, over columns c0..c1."""

    c0: int
    c1: int
    chunks: tuple[Chunk, ...]

    @property
    def chars(self) -> list[dict]:
        return [c for ch in self.chunks for c in ch.chars]


def cell(chunks: list[Chunk], row: int, col: int, row_span: int, col_span: int) -> dict:
    """A cell of the chunks it holds; its lines are the page's printed lines they are on."""
    by_line: dict[int, list[dict]] = {}
    for ch in chunks:
        by_line.setdefault(ch.line, []).extend(ch.chars)
    printed = [line_text(sorted(by_line[k], key=lambda c: c["x0"])) for k in sorted(by_line)]
    text, mask = "\n".join(t for t, _ in printed), "\n".join(m for _, m in printed)
    chars = [c for ch in chunks for c in ch.chars]
    return {"row": row, "col": col, "row_span": row_span, "col_span": col_span, "text": text, "sup_mask": mask,
            "x0": min(c["x0"] for c in chars), "top": min(c["top"] for c in chars),
            "x1": max(c["x1"] for c in chars), "bottom": max(c["bottom"] for c in chars)}


def empty_cell(row: int, col: int, x0: float, x1: float, top: float, bottom: float) -> dict:
    return {"row": row, "col": col, "row_span": 1, "col_span": 1, "text": "", "sup_mask": "",
            "x0": x0, "top": top, "x1": x1, "bottom": bottom}


def body_cells(page: PageText, body: list[Line], rows: list[int], columns: Columns, offset: int) -> list[dict]:
    """One cell per run of chunks of a row that share columns; empty cells fill the rest.

    `rows` are the index of each row's first line in `body`; `offset` the grid row of the first.
    """
    out = []
    edges = columns.edges
    for r, (s, e) in enumerate(zip(rows, rows[1:] + [len(body)])):
        groups = row_groups(body[s:e], columns.seps)
        check_one_row(groups, body[s].size, page.number)
        groups = _boxed_spans(_merged_spans(groups, edges), edges, page.fills)
        covered = set()
        for g in groups:
            out.append(cell(list(g.chunks), offset + r, g.c0, 1, g.c1 - g.c0 + 1))
            covered.update(range(g.c0, g.c1 + 1))
        top = min(ln.top for ln in body[s:e])
        bottom = max(ln.bottom for ln in body[s:e])
        out += [empty_cell(offset + r, c, edges[c], edges[c + 1], top, bottom)
                for c in range(len(edges) - 1) if c not in covered]
    return out


def row_groups(lines: list[Line], seps: list[float]) -> list[Group]:
    """The row's chunks, left to right, in runs whose columns overlap."""
    spans = sorted((*span(seps, ch), i, ch) for i, ch in enumerate(c for ln in lines for c in ln.chunks))
    groups: list[Group] = []
    for c0, c1, _, ch in spans:
        if groups and c0 <= groups[-1].c1:
            last = groups[-1]
            groups[-1] = Group(last.c0, max(last.c1, c1), last.chunks + (ch,))
        else:
            groups.append(Group(c0, c1, (ch,)))
    return groups


def _merged_spans(groups: list[Group], edges: list[float]) -> list[Group]:
    """Each merged cell's span where its text is narrower than it (`centred_span`), left to right."""
    out = list(groups)
    for i, g in enumerate(out):
        if g.c1 > g.c0:
            out[i] = Group(*centred_span(out, i, edges), g.chunks)
    return out


def _boxed_spans(groups: list[Group], edges: list[float], fills: list[tuple]) -> list[Group]:
    """Each cell's span from its own filled box, where it has one that takes no other cell's columns."""
    out = list(groups)
    for i, g in enumerate(out):
        found = own_box_span(fills, extent(g.chars), [extent(o.chars) for j, o in enumerate(out) if j != i], edges)
        if found is not None:
            a, b = found
            if not any(j != i and o.c0 <= b and a <= o.c1 for j, o in enumerate(out)):
                out[i] = Group(a, b, g.chunks)
    return out


def centred_span(groups: list[Group], i: int, edges: list[float]) -> tuple[int, int]:
    """The columns the merged cell `groups[i]` covers, when its text is narrower than its span.

    Its text is centred over the columns it was merged from, so of the ranges that
    reach at most one column further on either side (into columns no other cell of
    the row holds), the one centred nearest the text is its span.
    """
    c0, c1, chars = groups[i].c0, groups[i].c1, groups[i].chars
    middle = (min(c["x0"] for c in chars) + max(c["x1"] for c in chars)) / 2
    taken = {c for j, g in enumerate(groups) if j != i for c in range(g.c0, g.c1 + 1)}
    best = (abs((edges[c0] + edges[c1 + 1]) / 2 - middle), c0, c1)
    for a in (c0 - 1, c0):
        for b in (c1, c1 + 1):
            if a < 0 or b >= len(edges) - 1 or (a, b) == (c0, c1) or a in taken or b in taken:
                continue
            best = min(best, (abs((edges[a] + edges[b + 1]) / 2 - middle) + 0.5, a, b))
    return best[1], best[2]


class _Part(NamedTuple):
    """A part of a cell after a row-sized gap inside it: its extent, first chunk and group."""

    top: float
    bottom: float
    first: Chunk
    group: int


def check_one_row(groups: list[Group], size: float, page: int) -> None:
    """Stop when a row holds two rows: a row whose first-column cell is empty has no
    row start of its own and lands in the row above. Inside one row, only one cell
    may break into parts a row's gap apart (a note under a descriptor); two cells
    doing so side by side are a second row."""
    later = _later_parts(groups, size)
    for a in later:
        for b in later:
            if a.group != b.group and a.top < b.bottom and b.top < a.bottom:
                first = min((a, b), key=lambda part: part.group).first
                raise LayoutError(f"a table row has nothing in its first column, so it cannot be placed: "
                                  f"{line_text(first.chars)[0]!r}", page=page)


def _later_parts(groups: list[Group], size: float) -> list[_Part]:
    """The parts of the row's cells that follow a row-sized gap inside their cell."""
    later: list[_Part] = []
    for k, group in enumerate(groups):
        chunks = sorted(group.chunks, key=lambda ch: ch.top)
        low = chunks[0].bottom
        for ch in chunks[1:]:
            if ch.top - low > PARAGRAPH_GAP_RATIO * size:
                later.append(_Part(ch.top, ch.bottom, ch, k))
            elif later and later[-1].group == k:
                later[-1] = later[-1]._replace(bottom=max(later[-1].bottom, ch.bottom))
            low = max(low, ch.bottom)
    return later
