"""Lines and chunks: a page's printed lines, cut where a cell-sized gap separates two cells.

Part of the extract stage (`pipeline.extract.tables.unruled`). A chunk is one cell's
text on one printed line; every later step works on chunks and their columns.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from pipeline import fields, vocab
from pipeline.extract.lines import line_text
from pipeline.extract.tables.unruled.thresholds import CELL_GAP_RATIO, FOOT_SHARE, SPACE_GAP
from pipeline.text import code_text, split_footnotes

_WORDS = re.compile(r"[A-Za-z]+")
_CPT_CODE = re.compile(fields.CPT_CODE_PATTERN)
_HEAVY = re.compile(r"bold|black|heavy|semibold|demi", re.I)


@dataclass(frozen=True)
class Chunk:
    """A run of chars on one line with no cell-sized gap inside: one cell's text on that line."""

    chars: list[dict]
    x0: float
    x1: float
    top: float
    bottom: float
    #: Centres of the first and the last char: which columns the run is printed in.
    cx0: float
    cx1: float
    #: The printed line it is on (index in the page's lines).
    line: int


@dataclass
class Line:
    """One printed line of the page and its chunks (its text and header flags read once, when asked)."""

    chars: list[dict]
    chunks: list[Chunk]
    top: float
    bottom: float
    size: float
    _heading: tuple[bool, bool] | None = None
    _text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = line_text(self.chars)[0]
        return self._text

    def heading(self) -> tuple[bool, bool]:
        """(some chunk is a header wording, every chunk is)."""
        if self._heading is None:
            flags = [is_heading(ch) for ch in self.chunks]
            self._heading = (any(flags), all(flags))
        return self._heading


@dataclass(frozen=True)
class PageText:
    """What the finder reads on one page: its printed lines, and the drawing around them."""

    lines: list[Line]
    #: (y, x0, x1) of the page's rules and band edges (`pipeline.extract.tables.ruled.band_edges`).
    bands: list[tuple[float, float, float]]
    #: Boxes of the page's filled rectangles (`pipeline.extract.tables.ruled.fill_boxes`).
    fills: list[tuple[float, float, float, float]]
    number: int
    height: float

    @property
    def foot(self) -> float:
        """Where the page's foot starts (page numbers and footers, `FOOT_SHARE`)."""
        return (1 - FOOT_SHARE) * self.height


def make_chunk(chars: list[dict], line: int) -> Chunk:
    return Chunk(chars, min(c["x0"] for c in chars), max(c["x1"] for c in chars),
                 min(c["top"] for c in chars), max(c["bottom"] for c in chars),
                 (chars[0]["x0"] + chars[0]["x1"]) / 2, (chars[-1]["x0"] + chars[-1]["x1"]) / 2, line)


def make_line(chars: list[dict], number: int) -> Line:
    """The printed line `number` of the page, cut into chunks."""
    chunks, run = [], [chars[0]]
    for prev, c in zip(chars, chars[1:]):
        if c["x0"] - prev["x1"] > CELL_GAP_RATIO * max(c["size"], prev["size"]):
            chunks.append(make_chunk(run, number))
            run = []
        run.append(c)
    chunks.append(make_chunk(run, number))
    return Line(chars, chunks, min(c["top"] for c in chars), max(c["bottom"] for c in chars),
                max(c["size"] for c in chars))


def names_column(chunk: Chunk) -> bool:
    """Is this chunk a whole header wording of the vocabulary (footnote marks aside)?"""
    text, mask = line_text(chunk.chars)
    clean = " ".join(split_footnotes(text, mask, glued=True)[0].split())
    return bool(vocab.header_concept("payment", clean) or vocab.header_concept("terminology", clean))


def is_heading(chunk: Chunk) -> bool:
    """Is every word of this chunk a word of some header wording (footnote marks aside)?"""
    text, mask = line_text(chunk.chars)
    clean, _ = split_footnotes(text, mask, glued=True)
    words = _WORDS.findall(clean)
    known = vocab.header_words()
    return bool(words) and all(w.casefold() in known for w in words)


def is_bold(line: Line) -> bool:
    return all(_HEAVY.search(c.get("fontname") or "") for c in line.chars)


def is_code(line: Line, seps: list[float]) -> bool:
    """Does the line's first-column text start with a CPT code?"""
    first = first_column(line, seps)
    return bool(first) and bool(_CPT_CODE.match(code_text(*line_text(first[0].chars))))


def span(seps: list[float], ch: Chunk) -> tuple[int, int]:
    """First and last column the chunk is printed in."""
    return bisect_right(seps, ch.cx0), bisect_right(seps, ch.cx1)


def first_column(line: Line, seps: list[float]) -> list[Chunk]:
    return [ch for ch in line.chunks if span(seps, ch)[0] == 0]


def first_word_width(chunk: Chunk) -> float:
    chars = chunk.chars
    last = chars[0]
    for prev, c in zip(chars, chars[1:]):
        if c["x0"] - prev["x1"] > SPACE_GAP * c["size"]:
            break
        last = c
    return last["x1"] - chars[0]["x0"]


def gaps(lines: list[Line], before: float | None) -> list[float]:
    """Whitespace above each line: from the lowest bottom of the lines before it."""
    out, low = [], before
    for line in lines:
        out.append(line.top - low if low is not None else float("inf"))
        low = line.bottom if low is None else max(low, line.bottom)
    return out


def extent(chars: list[dict]) -> tuple[float, float, float, float]:
    """(x0, top, x1, bottom) of the chars."""
    return (min(c["x0"] for c in chars), min(c["top"] for c in chars),
            max(c["x1"] for c in chars), max(c["bottom"] for c in chars))
