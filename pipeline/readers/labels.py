"""Labels of the extraction report: where each value box's label can sit without covering print.

A label says which fields took a value from a box ("setting, payment_status,
payment_usd"). Drawn in a fixed corner it covers the value whenever the guide
does not centre its values: a word processor's export prints them at the top
left of tall cells, so a top-right label hid "$9,442.12" and every ASC amount.
So each label is placed where the page has no ink, in named steps:

1. `ink_boxes`: where the page is printed, from the page picture itself (what a
   viewer paints): the dark extent of every extracted cell, plus every line of
   text found outside the tables, each widened to the height of its type;
2. `shapes`: the label's text on one line, packed to the box's width, or one
   field per line, each with its size in points;
3. `candidates`: places beside or above the box, nearest first: inside it (in
   a corner, then down its sides), just above or below it, in the gap beside
   it, then in the nearer page margin level with it;
4. `place_labels`: for every box, the first candidate that stays on the page,
   meets no ink and no label already placed. A box with no such place keeps
   no label on the picture (its hover text still says what it fed) and is
   listed under the picture.

Pure geometry over points (PDF units, origin top left); the report draws the
labels as HTML over the picture, so a browser lays out the same boxes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageFont

#: Label text height in PDF points: legible when the picture is shown at print size.
LABEL_POINTS = 5.0
LINE_HEIGHT = 1.25
#: Padding inside a label, and the gap kept between a label and the print or rules around it.
PAD = 0.6
GAP = 1.5
#: Luminance under which a pixel is ink (text is near black; shaded bands and faint rules are not).
INK_LEVEL = 150
#: Cells are scanned this far inside their edges, so their own rules are not taken for ink.
INSET = 1.6
#: Type extends beyond its ink: ascenders and descenders of letters a value does not have.
TYPE_MARGIN = (1.0, 2.5)  # (sideways, up and down), in points
#: A label is at most this much wider than the text measured with Pillow's font, as browsers' fonts differ.
WIDTH_SLACK = 1.1


@dataclass(frozen=True)
class Rect:
    """A box in points: x0, top, x1, bottom (top < bottom)."""

    x0: float
    top: float
    x1: float
    bottom: float

    def meets(self, other: "Rect") -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.top < other.bottom and other.top < self.bottom

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
    """A placed label: its text lines and its box on the page, for the value box `box`."""

    box: Rect
    lines: tuple[str, ...]
    rect: Rect


# ---------------------------------------------------------------- 1. where the page is printed

def _dark(image: Image.Image) -> Image.Image:
    """A mask of the page picture: 255 where there is ink, 0 elsewhere."""
    return image.convert("L").point(lambda v: 255 if v < INK_LEVEL else 0)


def ink_of(mask: Image.Image, box: Rect, scale: float) -> Rect | None:
    """The extent of the ink inside `box` (scanned `INSET` inside its edges), or None if it is blank."""
    left, top = round((box.x0 + INSET) * scale), round((box.top + INSET) * scale)
    right, bottom = round((box.x1 - INSET) * scale), round((box.bottom - INSET) * scale)
    if right <= left or bottom <= top:
        return None
    found = mask.crop((left, top, right, bottom)).getbbox()
    if found is None:
        return None
    return Rect((left + found[0]) / scale, (top + found[1]) / scale, (left + found[2]) / scale,
                (top + found[3]) / scale)


def ink_boxes(mask: Image.Image, cells: list[Rect], lines: list[Rect], scale: float) -> list[Rect]:
    """Where the page is printed: each cell's ink and each line of text outside tables, as type boxes."""
    inks = [ink for ink in (ink_of(mask, cell, scale) for cell in cells) if ink is not None]
    return [box.grown(*TYPE_MARGIN) for box in inks + list(lines)]


def blank(mask: Image.Image, rect: Rect, scale: float) -> bool:
    """Whether the picture has no ink at all inside `rect` (prose or marks no box accounts for)."""
    return mask.crop((round(rect.x0 * scale), round(rect.top * scale), round(rect.x1 * scale),
                      round(rect.bottom * scale))).getbbox() is None


# ---------------------------------------------------------------- 2. the label's shapes

def _font() -> ImageFont.FreeTypeFont:
    # Pillow's bundled font, measured at 10x so widths in points keep their decimals.
    return ImageFont.load_default(size=LABEL_POINTS * 10)


def text_width(text: str) -> float:
    """Width in points of `text` at `LABEL_POINTS`, with the slack a browser's font may need."""
    return _font().getlength(text) / 10 * WIDTH_SLACK


def size_of(lines: tuple[str, ...]) -> tuple[float, float]:
    """Width and height in points of a label holding `lines`."""
    return (max(text_width(line) for line in lines) + 2 * PAD,
            len(lines) * LABEL_POINTS * LINE_HEIGHT + 2 * PAD)


def shapes(words: list[str], width: float) -> list[tuple[str, ...]]:
    """The ways to set `words`: one line; packed into lines that fit `width` points; one word per line."""
    packed: list[str] = []
    for word in words:
        if packed and text_width(f"{packed[-1]}, {word}") + 2 * PAD <= width:
            packed[-1] = f"{packed[-1]}, {word}"
        else:
            packed.append(word)
    out = [(", ".join(words),), tuple(packed), tuple(words)]
    return list(dict.fromkeys(out))  # each shape once, in order


# ---------------------------------------------------------------- 3. candidate places

#: Step, in points, of the positions tried down the side of a box.
STEP = 2.0


def _downwards(top: float, bottom: float, h: float) -> list[float]:
    """Tops for a label of height `h` from `top` down to `bottom`, `STEP` apart."""
    last = bottom - h
    ys = [top]
    while ys[-1] + STEP <= last:
        ys.append(ys[-1] + STEP)
    return ys


def candidates(box: Rect, size: tuple[float, float], margins: tuple[float, float]) -> list[Rect]:
    """Places for a label of `size` beside or above `box`, nearest first.

    Inside the box (its corners first, then down its sides), just above or
    below it, in the gap on either side of it level with it, and last in the
    page margin level with it (the nearer margin first). `margins` are the left
    and right edges of the print on the page.
    """
    w, h = size
    xs = (box.x1 - GAP - w, box.x0 + GAP)
    ys = _downwards(box.top + GAP, box.bottom - GAP, h)
    inside = [(x, y) for y in (ys[0], ys[-1]) for x in xs] + [(x, y) for y in ys[1:-1] for x in xs]
    around = [(x, box.top - GAP - h) for x in xs] + [(x, box.bottom + GAP) for x in xs]
    beside = [(x, y) for y in ys for x in (box.x1 + GAP, box.x0 - GAP - w)]
    left, right = margins
    sides = [right + GAP, left - GAP - w]
    if box.x0 + box.x1 < left + right:  # the box is on the left half of the print: the left margin first
        sides.reverse()
    # a margin is shared by every row beside it: there a label may also sit a little above or below its box
    reach = min(box.height, 30.0)
    near = sorted(_downwards(box.top + GAP - reach, box.bottom - GAP + reach, h), key=lambda y: abs(y - ys[0]))
    margin = [(x, y) for x in sides for y in near]
    return [Rect(x, y, x + w, y + h) for x, y in inside + around + beside + margin]


# ---------------------------------------------------------------- 4. placing

def place_labels(boxes: list[tuple[Rect, list[str]]], ink: list[Rect], mask: Image.Image, scale: float,
                 page: Rect, margins: tuple[float, float] | None = None) -> tuple[list[Label], list[int]]:
    """A place for the label of each `(box, words)`, in order; returns the labels and the unplaced indexes.

    A place must lie on `page`, meet none of the `ink` boxes nor a label placed
    before it, and hold no ink on the picture (`mask`). `margins` are the
    left and right edges of the print (default: of the ink).
    """
    margins = margins or (min((r.x0 for r in ink), default=page.x0), max((r.x1 for r in ink), default=page.x1))
    placed: list[Label] = []
    unplaced: list[int] = []
    for index, (box, words) in enumerate(boxes):
        label = None
        for lines in shapes(words, box.width - 2 * GAP):
            size = size_of(lines)
            for rect in candidates(box, size, margins):
                if (page.x0 <= rect.x0 and rect.x1 <= page.x1 and page.top <= rect.top and rect.bottom <= page.bottom
                        and not any(rect.meets(i) for i in ink)
                        and not any(rect.grown(GAP / 2, GAP / 2).meets(p.rect) for p in placed)
                        and blank(mask, rect, scale)):
                    label = Label(box, lines, rect)
                    break
            if label:
                break
        if label:
            placed.append(label)
        else:
            unplaced.append(index)
    return placed, unplaced


def page_labels(image: Image.Image, scale: float, boxes: list[tuple[Rect, list[str]]], cells: list[Rect],
                lines: list[Rect]) -> tuple[list[Label], list[int]]:
    """Labels for the value `boxes` of one page picture (`scale` pixels per point): the whole of steps 1-4."""
    mask = _dark(image)
    page = Rect(0, 0, image.size[0] / scale, image.size[1] / scale)
    ink = ink_boxes(mask, cells, lines, scale)
    printed = ink + cells  # a table's outer rules lie on its cells' edges, outside their ink
    margins = (min((r.x0 for r in printed), default=page.x0) - GAP, max((r.x1 for r in printed), default=page.x1) + GAP)
    return place_labels(boxes, ink, mask, scale, page, margins)
