"""Labels of the extraction report: where each value box's label can sit so that it can only mean that box.

A label says which fields took a value from a box ("setting, payment_status,
payment_usd"). A reader takes a label for the box it sits in, or for the box
it is nearest to. So a label in a header cell reads as the header's, one in
the next row's box or level with the next row reads as that row's, and one
over print hides what it labels. Each label is placed, in named steps:

1. `ink_boxes`: where the page is printed, from the page picture itself (what a
   viewer paints): the dark extent of each band of ink across every extracted
   cell (a line of its type), plus every line of text found outside the
   tables, each widened to the height of its type;
2. `shapes`: the label's text on one line, packed to the box's width, one
   field per line, or one word per line, each with its size in points;
3. `inside`: places inside the box, clear of its ink: its corners first, then
   along its edges, then anywhere in it;
4. `beside`: places just outside the box (right, left, above, below, a gap
   away, level with it), used only where the label then lies in no cell at all
   and every other cell is clearly farther from it than its own box: beside a
   table's first or last column, under its last row, in the whitespace of a
   borderless table. A box inside another value's box (the term of a "Term:
   description" paragraph is its first line) has no place nearer it than the
   box around it: its label goes level with it, beside an edge the two share,
   as near both, where it reads as the inner box's;
5. `place_labels`: for every box, the first place inside it; for the boxes
   with none, the first place beside it; each must stay on the page and meet
   no ink, no cell it does not belong to, and no label placed before it. The
   boxes left without a place are numbered in reading order, and their
   number (a label far smaller than a list of fields) is placed the same way:
   the report lists what each number stands for under the picture. A box
   with no room even for its number keeps no label on the picture (its hover
   text still says what it fed) and the report names it under the picture.

Pure geometry over points (PDF units, origin top left); the report draws the
labels as HTML over the picture, so a browser lays out the same boxes
(`tests/test_report_layout.py` checks them where Chromium puts them).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageFont

#: Label text height in PDF points: legible when the picture is shown at print size.
LABEL_POINTS = 5.0
LINE_HEIGHT = 1.25
#: Padding inside a label, and the gap kept between a label and the print, the rules and its box's edges.
PAD = 0.6
GAP = 1.5
#: A label outside its box is this much nearer its own box than any other cell, so it reads as that box's.
CLEAR = 1.0
#: Luminance under which a pixel is ink (text is near black; shaded bands and faint rules are not).
INK_LEVEL = 150
#: Cells are scanned this far inside their edges, so their own rules are not taken for ink.
INSET = 1.6
#: Type extends beyond its ink: ascenders and descenders of letters a value does not have.
TYPE_MARGIN = (1.0, 2.5)  # (sideways, up and down), in points
#: A label is at most this much wider than the text measured with Pillow's font, as browsers' fonts differ.
WIDTH_SLACK = 1.1
#: Step, in points, of the positions tried inside and beside a box.
STEP = 2.0


@dataclass(frozen=True)
class Rect:
    """A box in points: x0, top, x1, bottom (top < bottom)."""

    x0: float
    top: float
    x1: float
    bottom: float

    def meets(self, other: "Rect") -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.top < other.bottom and other.top < self.bottom

    def holds(self, other: "Rect", slack: float = 0.01) -> bool:
        """Whether `other` lies inside this box (to `slack` points)."""
        return (self.x0 - slack <= other.x0 and other.x1 <= self.x1 + slack
                and self.top - slack <= other.top and other.bottom <= self.bottom + slack)

    def distance(self, other: "Rect") -> float:
        """The shortest distance between the two boxes; 0 when they touch or meet."""
        dx = max(other.x0 - self.x1, self.x0 - other.x1, 0.0)
        dy = max(other.top - self.bottom, self.top - other.bottom, 0.0)
        return math.hypot(dx, dy)

    def grown(self, dx: float, dy: float) -> "Rect":
        return Rect(self.x0 - dx, self.top - dy, self.x1 + dx, self.bottom + dy)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Label:
    """A placed label: its text lines and its box on the page, for the value box `box`. A numbered label
    (`number`) stands for its fields where they had no room: the report lists what each number means."""

    box: Rect
    lines: tuple[str, ...]
    rect: Rect
    number: int | None = None


# ---------------------------------------------------------------- 1. where the page is printed

def _dark(image: Image.Image) -> Image.Image:
    """A mask of the page picture: 255 where there is ink, 0 elsewhere."""
    return image.convert("L").point(lambda v: 255 if v < INK_LEVEL else 0)


def ink_of(mask: Image.Image, box: Rect, scale: float) -> list[Rect]:
    """The ink inside `box` (scanned `INSET` inside its edges), one box per band of ink across it (a line of
    type, as a rule), so that the blank end of a short line is not taken for print."""
    left, top = round((box.x0 + INSET) * scale), round((box.top + INSET) * scale)
    right, bottom = round((box.x1 - INSET) * scale), round((box.bottom - INSET) * scale)
    if right <= left or bottom <= top:
        return []
    crop = mask.crop((left, top, right, bottom))
    rows = crop.getprojection()[1]
    out = []
    y = 0
    while y < len(rows):
        if not rows[y]:
            y += 1
            continue
        end = y
        while end < len(rows) and rows[end]:
            end += 1
        x0, _, x1, _ = crop.crop((0, y, crop.size[0], end)).getbbox()
        out.append(Rect((left + x0) / scale, (top + y) / scale, (left + x1) / scale, (top + end) / scale))
        y = end
    return out


def ink_boxes(mask: Image.Image, cells: list[Rect], lines: list[Rect], scale: float) -> list[Rect]:
    """Where the page is printed: the ink of each cell and each line of text outside tables, as type boxes."""
    inks = [ink for cell in cells for ink in ink_of(mask, cell, scale)]
    return [box.grown(*TYPE_MARGIN) for box in inks + list(lines)]


def blank(mask: Image.Image, rect: Rect, scale: float) -> bool:
    """Whether the picture has no ink at all inside `rect` (prose, rules or marks no box accounts for)."""
    return mask.crop((math.floor(rect.x0 * scale), math.floor(rect.top * scale), math.ceil(rect.x1 * scale),
                      math.ceil(rect.bottom * scale))).getbbox() is None


# ---------------------------------------------------------------- 2. the label's shapes

@functools.cache
def _font() -> ImageFont.FreeTypeFont:
    # Pillow's bundled font, measured at 10x so widths in points keep their decimals.
    return ImageFont.load_default(size=LABEL_POINTS * 10)


@functools.cache
def text_width(text: str) -> float:
    """Width in points of `text` at `LABEL_POINTS`, with the slack a browser's font may need."""
    return _font().getlength(text) / 10 * WIDTH_SLACK


def size_of(lines: tuple[str, ...], numbered: bool = False) -> tuple[float, float]:
    """Width and height in points of a label holding `lines`; a number is set solid (its line as high as its
    type, no padding above or below), to fit between two lines of tightly set print."""
    if numbered:
        return max(text_width(line) for line in lines) + 2 * PAD, len(lines) * LABEL_POINTS
    return (max(text_width(line) for line in lines) + 2 * PAD,
            len(lines) * LABEL_POINTS * LINE_HEIGHT + 2 * PAD)


def shapes(words: list[str], width: float) -> list[tuple[str, ...]]:
    """The ways to set `words`: one line; packed into lines that fit `width` points; one word (a field, or
    a field and its "(empty)") per line; and last, each of those broken at its spaces too."""
    packed: list[str] = []
    for word in words:
        if packed and text_width(f"{packed[-1]}, {word}") + 2 * PAD <= width:
            packed[-1] = f"{packed[-1]}, {word}"
        else:
            packed.append(word)
    broken = tuple(part for word in words for part in word.split(" "))
    out = [(", ".join(words),), tuple(packed), tuple(words), broken]
    return list(dict.fromkeys(out))  # each shape once, in order


# ---------------------------------------------------------------- 3. places inside the box

def _steps(start: float, end: float) -> list[float]:
    """`start`, then every `STEP` towards `end`, and `end` itself; empty when `end` is before `start`."""
    if end < start - 1e-9:
        return []
    out = [start]
    while out[-1] + STEP < end:
        out.append(out[-1] + STEP)
    if end - out[-1] > 1e-9:
        out.append(end)
    return out


def inside(box: Rect, size: tuple[float, float], ink: list[Rect] = ()) -> Iterator[Rect]:
    """Places for a label of `size` inside `box`, a `GAP` clear of its edges: the corners first (top right,
    top left, bottom right, bottom left), then along the edges, then the rest, nearest an edge first.

    The places are `STEP` apart, and also snug against each box of `ink` (just
    below or above it, just right or left of it), so a label finds the gap
    between two lines of type or at the end of a short line when it is only
    just big enough.
    """
    w, h = size
    x_lo, x_hi, y_lo, y_hi = box.x0 + GAP, box.x1 - GAP - w, box.top + GAP, box.bottom - GAP - h
    if x_hi < x_lo - 1e-9 or y_hi < y_lo - 1e-9:
        return
    corners = list(dict.fromkeys([(x_hi, y_lo), (x_lo, y_lo), (x_hi, y_hi), (x_lo, y_hi)]))
    for x, y in corners:  # most labels fit in a corner: the rest is worked out only when none does
        yield Rect(x, y, x + w, y + h)
    xs = sorted({*_steps(x_lo, x_hi), *(v for i in ink for v in (i.x1, i.x0 - w) if x_lo <= v <= x_hi)})
    ys = sorted({*_steps(y_lo, y_hi), *(v for i in ink for v in (i.bottom, i.top - h) if y_lo <= v <= y_hi)})

    def from_edge(point):
        x, y = point
        return min(x - x_lo, x_hi - x) + min(y - y_lo, y_hi - y)

    for x, y in sorted(((x, y) for y in ys for x in reversed(xs)), key=from_edge):
        if (x, y) not in corners:
            yield Rect(x, y, x + w, y + h)


# ---------------------------------------------------------------- 4. places beside the box

def _along(start: float, end: float, length: float) -> list[float]:
    """Where a label `length` long can start to lie level with the span `start`..`end`: centred on it, then
    off centre by steps while it stays within the span; nowhere when it is longer than the span."""
    middle = (start + end - length) / 2
    if length > end - start:
        return []
    return list(dict.fromkeys([middle, *sorted(_steps(start, end - length), key=lambda v: abs(v - middle))]))


def beside(box: Rect, size: tuple[float, float], overhang: bool = False) -> list[Rect]:
    """Places for a label of `size` a `GAP` outside `box`: to its right, to its left, above and below it,
    each within the box's height (to the side) or width (above and below). With `overhang`, the places
    of a label too long for that: centred on the box's side, reaching past its corners."""
    w, h = size
    if overhang:
        level = [(box.top + box.bottom - h) / 2] if h > box.height else []
        under = [(box.x0 + box.x1 - w) / 2] if w > box.width else []
    else:
        level, under = _along(box.top, box.bottom, h), _along(box.x0, box.x1, w)
    return ([Rect(box.x1 + GAP, y, box.x1 + GAP + w, y + h) for y in level]
            + [Rect(box.x0 - GAP - w, y, box.x0 - GAP, y + h) for y in level]
            + [Rect(x, box.top - GAP - h, x + w, box.top - GAP) for x in under]
            + [Rect(x, box.bottom + GAP, x + w, box.bottom + GAP + h) for x in under])


# ---------------------------------------------------------------- 5. placing

@dataclass
class _Page:
    """What a label must keep clear of on one page."""

    mask: Image.Image
    scale: float
    page: Rect
    ink: list[Rect]
    cells: list[Rect]
    placed: list[Label]

    def around(self, area: Rect) -> tuple[list[Rect], list[Rect], list[Rect]]:
        """The ink, the cells and the placed labels (grown by half a gap, kept between labels) that meet `area`."""
        labels = [p.rect.grown(GAP / 2, GAP / 2) for p in self.placed]
        return ([i for i in self.ink if i.meets(area)], [c for c in self.cells if c.meets(area)],
                [r for r in labels if r.meets(area)])

    def clear(self, rect: Rect, ink: list[Rect], labels: list[Rect]) -> bool:
        """On the page, off every box of `ink` and `labels` (those around it), and blank on the picture."""
        return (self.page.holds(rect) and not any(rect.meets(i) for i in ink)
                and not any(rect.meets(p) for p in labels) and blank(self.mask, rect, self.scale))


#: A label's text set one way (its lines) with its size in points, and a place found for it.
Shape = tuple[tuple[str, ...], tuple[float, float]]
Place = tuple[tuple[str, ...], Rect]


def _inside_place(box: Rect, shaped: list[Shape], on: _Page) -> Place | None:
    """The first place inside `box` for one of the `shaped` labels, clear of its ink and of the cells it does
    not belong to."""
    ink, cells, labels = on.around(box)
    foreign = [c for c in cells if not c.holds(box, 0.5)]
    for lines, size in shaped:
        for rect in inside(box, size, ink):
            if not any(rect.meets(c) for c in foreign) and on.clear(rect, ink, labels):
                return lines, rect
    return None


def _beside_place(box: Rect, shaped: list[Shape], on: _Page) -> Place | None:
    """The first place just outside `box` for one of the `shaped` labels that lies in no cell and is clearly
    nearer `box` than any other: one that stays within the side of the box it is on, in whichever shape,
    before one that reaches past its corners.

    A box that holds `box` (a "Term: description" paragraph around its first line, the term's box) is as
    near as `box` wherever the label lies beside an edge the two share, and nearer anywhere else: there,
    and only there, the label reads as the box it lies level with, the innermost (`holders`)."""
    ink, cells, labels = on.around(box.grown(200, 200))
    holders = [c for c in cells if c.holds(box, 0.5) and not box.holds(c, 0.5)]
    others = [c for c in cells if not c.holds(box, 0.5)]
    for overhang in (False, True):  # a label that stays within its box's side first, in any shape
        for lines, size in shaped:
            for rect in beside(box, size, overhang):
                near = rect.distance(box)
                if (not any(rect.meets(c) for c in cells)
                        and all(rect.distance(c) >= near + CLEAR for c in others)
                        and all(rect.distance(c) >= near - 0.01 for c in holders)
                        and on.clear(rect, ink, labels)):
                    return lines, rect
    return None


def reading_order(boxes: list[Rect]) -> list[int]:
    """The indexes of `boxes` as a reader goes through a table: row by row (a box whose middle lies within the
    height of a row's first box is in that row), left to right in each."""
    rows: list[list[int]] = []
    for index in sorted(range(len(boxes)), key=lambda i: (boxes[i].top, boxes[i].x0)):
        middle = (boxes[index].top + boxes[index].bottom) / 2
        first = boxes[rows[-1][0]] if rows else None
        if first is not None and first.top <= middle <= first.bottom:
            rows[-1].append(index)
        else:
            rows.append([index])
    return [i for row in rows for i in sorted(row, key=lambda i: boxes[i].x0)]


def place_labels(boxes: list[tuple[Rect, list[str]]], ink: list[Rect], cells: list[Rect], mask: Image.Image,
                 scale: float, page: Rect) -> tuple[list[Label], list[int]]:
    """A place for the label of each `(box, words)`; returns the labels, in the order of `boxes`, and the
    indexes of the boxes left without one.

    Every box is tried inside first (those places are its own), with each of
    its label's `shapes`; then the boxes still without a label are tried
    beside, in order. Those still without are numbered 1, 2, ... in reading
    order, and their numbers placed the same way, inside then beside. `cells`
    are every box outlined on the page (value boxes included).
    """
    on = _Page(mask, scale, page, ink, cells, [])
    found: dict[int, Label] = {}

    def place(indexes, find, shaped, number=None):
        for index in indexes:
            box = boxes[index][0]
            spot = find(box, shaped(index), on)
            if spot:
                found[index] = Label(box, *spot, number=number[index] if number else None)
                on.placed.append(found[index])

    def full(index):
        box, words = boxes[index]
        return [(lines, size_of(lines)) for lines in shapes(words, box.width - 2 * GAP)]

    place(range(len(boxes)), _inside_place, full)
    place([i for i in range(len(boxes)) if i not in found], _beside_place, full)
    left = [i for i in reading_order([box for box, _ in boxes]) if i not in found]
    numbers = {index: n for n, index in enumerate(left, start=1)}

    def number(index):
        lines = (str(numbers[index]),)
        return [(lines, size_of(lines, numbered=True))]

    place(left, _inside_place, number, numbers)
    place([i for i in left if i not in found], _beside_place, number, numbers)
    return [found[i] for i in sorted(found)], [i for i in range(len(boxes)) if i not in found]


def page_labels(image: Image.Image, scale: float, boxes: list[tuple[Rect, list[str]]], cells: list[Rect],
                lines: list[Rect]) -> tuple[list[Label], list[int]]:
    """Labels for the value `boxes` of one page picture (`scale` pixels per point): the whole of steps 1-5.
    `cells` are every cell outlined on the picture, value boxes included; `lines` the text outside tables."""
    mask = _dark(image)
    page = Rect(0, 0, image.size[0] / scale, image.size[1] / scale)
    return place_labels(boxes, ink_boxes(mask, cells, lines, scale), cells, mask, scale, page)
