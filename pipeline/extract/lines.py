"""Lines: a page's chars as printed lines, and a cell's chars as its text, superscripts marked.

Part of the extract stage: `pipeline.extract.page` and `pipeline.extract.tables.unruled` read a page
through these. Pure functions on pdfplumber's char dicts; no PDF is opened here.

Superscripts are kept, not guessed at: each text comes with a mask as long as
the text holding "^" under each character printed smaller and raised.

Each char is read as a person reads it (`pipeline.text.reading`): a ligature
as its letters, a dash as "-", a zero-width char not at all; a soft hyphen
stays only at the end of its line, where it joins the word.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from operator import itemgetter

from pipeline import vocab
from pipeline.text import SOFT_HYPHEN, SPACE_GAP_RATIO, reading

#: A char counts as a superscript when printed this much smaller than the
#: line's main text and raised above its baseline.
SUPERSCRIPT_SIZE_RATIO = 0.85


def group_lines(chars: list[dict]) -> list[list[dict]]:
    """Group chars into lines of text, top to bottom, each sorted left to right.

    Two chars share a line when their vertical extents overlap by a good part of
    the smaller one, which keeps a raised superscript on its word's line.
    """
    glyphs = sorted((c for c in chars if not c["text"].isspace()), key=_TOP_X0)
    lines: list[list] = []  # [top, bottom, chars]
    last = None  # the line the char before joined, and that char's top and bottom
    last_top = last_bottom = None
    for c in glyphs:
        top, bottom = c["top"], c["bottom"]
        if last is not None and top == last_top and bottom == last_bottom and bottom > top:
            last[2].append(c)  # as tall as the char before and level with it: the same line, already as tall
            continue
        height = bottom - top
        last = None
        for line in reversed(lines[-3:]):
            overlap = min(line[1], bottom) - max(line[0], top)
            if overlap > 0.3 * min(height, line[1] - line[0]):
                line[0], line[1] = min(line[0], top), max(line[1], bottom)
                line[2].append(c)
                last = line
                break
        if last is None:
            last = [top, bottom, [c]]
            lines.append(last)
        last_top, last_bottom = top, bottom
    lines.sort(key=_FIRST)
    return [sorted(line[2], key=_X0) for line in lines]


_TOP_X0 = itemgetter("top", "x0")
_X0 = itemgetter("x0")
_FIRST = itemgetter(0)


def page_lines(chars: list[dict]) -> list[list[dict]]:
    """Group a whole page's chars into printed lines, top to bottom, each left to right.

    Unlike `group_lines` (one cell's text), lines of neighbouring table cells
    can sit a few points apart here. So a line is as tall as its largest char,
    not the union of all it has taken in (it cannot creep into the next line of
    the cell beside it): the largest chars make the lines, and every char joins
    the line it overlaps by at least half its height. A raised superscript that
    could join two lines joins the one whose text it touches.
    """
    glyphs = sorted((c for c in chars if not c["text"].isspace()),
                    key=lambda c: (-int(c["size"] * 10 + 0.5), c["top"], c["x0"]))  # sizes to 0.1 pt
    tops: list[float] = []
    lines: list[list] = []  # [top, bottom, chars], in the order of tops
    tallest = 0.0
    last, last_line = None, None  # the char before, and its line when that was the only one it fitted
    for c in glyphs:
        if last_line is not None and (c["top"], c["bottom"], c["size"]) == (last["top"], last["bottom"], last["size"]):
            last_line[2].append(c)  # the same run of text: the same line, without looking again
            last = c
            continue
        height = c["bottom"] - c["top"]
        lo, hi = bisect_left(tops, c["top"] - tallest), bisect_right(tops, c["bottom"])
        fits = []
        for ln in lines[lo:hi]:
            overlap = min(ln[1], c["bottom"]) - max(ln[0], c["top"])
            if overlap > 0 and overlap >= 0.5 * min(height, ln[1] - ln[0]):
                fits.append((ln, overlap))
        last = c
        if not fits:
            at = bisect_right(tops, c["top"])
            tops.insert(at, c["top"])
            last_line = [c["top"], c["bottom"], [c]]
            lines.insert(at, last_line)
            tallest = max(tallest, height)
            continue
        last_line = fits[0][0] if len(fits) == 1 else None
        if len(fits) > 1:
            def reach(item):
                ln, overlap = item
                return (min(max(o["x0"] - c["x1"], c["x0"] - o["x1"], 0) for o in ln[2]), -overlap)
            fits.sort(key=reach)
        fits[0][0][2].append(c)
    out = [sorted(ln[2], key=lambda c: c["x0"]) for ln in lines]
    out.sort(key=lambda ln: min(c["top"] for c in ln))
    return out


def line_text(line: list[dict]) -> tuple[str, str]:
    """Text of one line and its superscript mask ("^" under raised small chars)."""
    text, mask, _ = _read_line(line, words=False)
    return text, mask


def _read_line(line: list[dict], words: bool = True) -> tuple[str, str, list[float]]:
    """`line_text`'s text and mask, and (with `words`) the box of each of its words (the runs of chars
    between the spaces it puts in), flattened: x0, top, x1, bottom of each. A cell's text needs no word
    boxes: they are made only for the lines outside the tables (`line_row`)."""
    main_size = max(c["size"] for c in line)
    baseline = max(c["bottom"] for c in line if c["size"] == main_size)
    small, raised = SUPERSCRIPT_SIZE_RATIO * main_size, baseline - 0.5
    text, mask = [], []
    boxes: list[float] = []
    word = [line[0]["x0"], line[0]["top"], line[0]["x1"], line[0]["bottom"]]
    prev = None
    last = len(line) - 1
    special = vocab.characters()
    for k, c in enumerate(line):
        read = c["text"]
        if read in special or len(read) != 1:  # read as something else (or as nothing)
            read = reading(read)
            if read == SOFT_HYPHEN and k != last:
                read = ""  # a soft hyphen inside a line is no character at all
            if not read:
                if prev is not None:
                    prev = c  # the word goes on past it: no space for the room it took
                if words:
                    _widen(word, c)
                continue
        size = c["size"]
        if prev is not None and c["x0"] - prev["x1"] > SPACE_GAP_RATIO * min(size, prev["size"]):
            text.append(" ")
            mask.append(" ")
            if words:
                boxes += word
                word = [c["x0"], c["top"], c["x1"], c["bottom"]]
        text.append(read)
        mask.append(("^" if size < small and c["bottom"] < raised else " ") * len(read))
        if words:
            _widen(word, c)
        prev = c
    return "".join(text), "".join(mask), boxes + word if words else []


def _widen(box: list, c: dict) -> None:
    box[0], box[1], box[2], box[3] = (min(box[0], c["x0"]), min(box[1], c["top"]), max(box[2], c["x1"]),
                                      max(box[3], c["bottom"]))


def text_block(chars: list[dict]) -> tuple[str, str]:
    """Text and superscript mask of a cell: its lines joined by "\\n"."""
    lines = [line_text(line) for line in group_lines(chars)]
    return "\n".join(t for t, _ in lines), "\n".join(m for _, m in lines)


def line_row(number: int, line: list[dict]) -> dict:
    """One printed line as a raw-lines row (without its page), with the box of each word of its text
    (`words`, flattened): where its words sit is what tells text columns apart (`pipeline.normalize.sections`)."""
    text, mask, words = _read_line(line)
    return {
        "line": number, "text": text, "sup_mask": mask, "size": max(c["size"] for c in line),
        "x0": min(c["x0"] for c in line), "top": min(c["top"] for c in line),
        "x1": max(c["x1"] for c in line), "bottom": max(c["bottom"] for c in line), "words": words,
    }
