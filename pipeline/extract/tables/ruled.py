"""Ruled tables: cell boxes from a page's ruling lines, and their cells' text.

Part of the extract stage (`pipeline.extract.page` calls it for each page).
pdfplumber builds cells from ruling lines: stroked lines, stroked rectangles,
and hairline filled rectangles (how some producers draw a rule). A filled band
of shading is not a rule (`rule_edges`). A ruled table open at the foot of a
page lends its columns to its continuation (an `OpenTable`), where a page of
merged cells may draw fewer rules. Pure functions on pdfplumber's object dicts:
no PDF is opened here.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import re

from pipeline import fields
from pipeline.errors import LayoutError
from pipeline.extract.lines import SPACE_GAP_RATIO, group_lines, line_text, text_block
from pipeline.text import code_text

_CPT_CODE = re.compile(fields.CPT_CODE_PATTERN)

#: A rectangle this thin (points) is a rule drawn as a fill, not a band of shading.
HAIRLINE = 2.0


# ---------------------------------------------------------------- rules and bands

def rule_edges(lines: list[dict], rects: list[dict], curves: list[dict]) -> tuple[list[dict], list[dict]]:
    """Vertical and horizontal edges of the page's ruling lines, for pdfplumber's explicit strategy.

    A filled rectangle is a rule only when it is a hairline: a band of shading
    behind a row would otherwise invent cell borders (and lose the columns).
    """
    objects = list(lines) + list(curves)
    objects += [r for r in rects if r.get("stroke") or min(r["width"], r["height"]) <= HAIRLINE]
    vertical, horizontal = [], []
    for obj in objects:
        for edge in _edges_of(obj):
            length = edge["bottom"] - edge["top"] if edge["orientation"] == "v" else edge["x1"] - edge["x0"]
            if length < 1:  # pdfplumber's own prefilter for the "lines" strategy
                continue
            (vertical if edge["orientation"] == "v" else horizontal).append(edge)
    if vertical and horizontal:
        horizontal += _closing_edges(vertical, horizontal)
    return vertical, horizontal


def _closing_edges(vertical: list[dict], horizontal: list[dict]) -> list[dict]:
    """Rules that close a table cut by a page break.

    A producer may leave the row a page break cuts open: its column rules run on
    past the last horizontal rule to the foot of the page (or start above the
    first one at the top of the next). The cells are still there; close them.
    """
    out = []
    low, high = max(e["top"] for e in horizontal), min(e["top"] for e in horizontal)
    for ends, beyond in ((lambda e: e["bottom"], lambda y: y > low + 2), (lambda e: e["top"], lambda y: y < high - 2)):
        dangling = [e for e in vertical if beyond(ends(e))]
        if len(dangling) >= 2:
            y = max(ends(e) for e in dangling) if ends(dangling[0]) > low else min(ends(e) for e in dangling)
            x0, x1 = min(e["x0"] for e in dangling), max(e["x0"] for e in dangling)
            out.append({"object_type": "line_edge", "orientation": "h", "x0": x0, "x1": x1, "top": y,
                        "bottom": y, "width": x1 - x0, "height": 0, "doctop": y})
    return out


def _edges_of(obj: dict) -> list[dict]:
    from pdfplumber.utils import obj_to_edges  # pure geometry helper; no PDF is opened

    return [e for e in obj_to_edges(obj) if e.get("orientation") in ("v", "h")]


def band_edges(lines: list[dict], rects: list[dict]) -> list[tuple[float, float, float]]:
    """(y, x0, x1) of every horizontal rule and every top and bottom edge of a filled band.

    In a table without ruled cells these still mark where one row ends and the
    next begins (alternating shading, a rule under the header).
    """
    out = [(ln["top"], ln["x0"], ln["x1"]) for ln in lines if abs(ln["bottom"] - ln["top"]) < 0.5]
    for r in rects:
        out.append((r["top"], r["x0"], r["x1"]))
        out.append((r["bottom"], r["x0"], r["x1"]))
    return out


def fill_boxes(rects: list[dict]) -> list[tuple[float, float, float, float]]:
    """(x0, top, x1, bottom) of every filled rectangle wider and taller than a hairline.

    A cell's own background box tells a table without rules how far the cell reaches
    (`pipeline.extract.tables.unruled`), where its words may not.
    """
    return [(r["x0"], r["top"], r["x1"], r["bottom"]) for r in rects
            if r.get("fill") and min(r["width"], r["height"]) > HAIRLINE]


# ---------------------------------------------------------------- ruled grids

def distinct(values) -> list[float]:
    """Distinct grid edges, merging coordinates closer than a point."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > 1.0:
            out.append(v)
    return out


def _nearest(edges: list[float], v: float) -> int:
    """Index of the grid edge nearest to `v`."""
    i = bisect_left(edges, v)
    if i == len(edges) or (i > 0 and v - edges[i - 1] <= edges[i] - v):
        return i - 1
    return i


def grid_cells(boxes: list[tuple], chars: list[dict], columns: list[float] = (), page: int | None = None
               ) -> list[dict]:
    """One row per cell box of a ruled table: grid position and spans, text and superscript mask.

    pdfplumber reports a merged cell as one box covering several grid columns
    or rows; the spans are recovered from the distinct edges of all boxes, and
    of `columns` (the column edges of the same table on the page before: where
    every row on this page merges two columns, no rule between them is drawn).
    A first-column cell that holds two entries (a rule missing between two rows) stops
    the read on `page` (`_check_one_entry`): its rows cannot be told apart as drawn.
    """
    xs = distinct([b[0] for b in boxes] + [b[2] for b in boxes] + list(columns))
    ys = distinct([b[1] for b in boxes] + [b[3] for b in boxes])
    placed = []
    owner: dict[tuple[int, int], int] = {}
    for k, (x0, top, x1, bottom) in enumerate(boxes):
        c0, c1, r0, r1 = _nearest(xs, x0), _nearest(xs, x1), _nearest(ys, top), _nearest(ys, bottom)
        placed.append((r0, c0, r1 - r0, c1 - c0))
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner[(r, c)] = k
    inside: dict[int, list[dict]] = {k: [] for k in range(len(boxes))}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        c, r = bisect_right(xs, cx) - 1, bisect_right(ys, cy) - 1
        k = owner.get((r, c))
        if k is not None:
            inside[k].append(ch)
    rows = []
    for k, (x0, top, x1, bottom) in enumerate(boxes):
        r0, c0, rs, cs = placed[k]
        if c0 == 0 and page is not None:
            _check_one_entry(inside[k], (x0, top, x1, bottom), page)
        text, mask = text_block(inside[k])
        rows.append({"row": r0, "col": c0, "row_span": rs, "col_span": cs,
                     "text": text, "sup_mask": mask, "x0": x0, "top": top, "x1": x1, "bottom": bottom})
    rows.sort(key=lambda r: (r["row"], r["col"]))
    return rows


def _check_one_entry(chars: list[dict], box: tuple, page: int) -> None:
    """Stop when a ruled table's first-column cell holds two entries: two CPT codes, or a
    left-aligned line whose first word would have fitted on the line above (so it is no
    wrapped line of one entry). The rule between the two rows is missing, and the cells
    beside them cannot be split between the rows as drawn."""
    lines = [ln for ln in group_lines(chars) if ln]
    for upper, lower in zip(lines, lines[1:]):
        a, b = line_text(upper)[0].strip(), line_text(lower)[0].strip()
        two_codes = bool(_CPT_CODE.match(code_text(*line_text(upper)))) and bool(
            _CPT_CODE.match(code_text(*line_text(lower))))
        lefts = [ln[0]["x0"] for ln in lines]
        fits = False
        if max(lefts) - min(lefts) < 1.0:  # left-aligned: the padding on the right is the same
            limit = box[2] - (min(lefts) - box[0])
            word = [lower[0]]
            for prev, c in zip(lower, lower[1:]):
                if c["x0"] - prev["x1"] > SPACE_GAP_RATIO * c["size"]:
                    break
                word.append(c)
            width = word[-1]["x1"] - word[0]["x0"]
            fits = upper[-1]["x1"] + SPACE_GAP_RATIO * upper[-1]["size"] + width < limit
        if two_codes or fits:
            raise LayoutError(f"a ruled table cell holds two entries, {a!r} and {b!r}, with no rule between "
                              "them: its rows cannot be told apart as drawn", page=page)


def is_grid(boxes: list[tuple]) -> bool:
    """A ruled table worth reading: at least two columns (a band of shading is one)."""
    return len(distinct([b[0] for b in boxes] + [b[2] for b in boxes])) >= 3

