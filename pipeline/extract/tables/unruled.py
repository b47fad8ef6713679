"""Unruled: tables drawn without rules, found by what their header says.

Part of the extract stage (`pipeline.extract.page` calls `find` for each page). Pure
functions on the page's printed lines; no PDF is opened here.

A run of lines whose words are header wordings (`pipeline.vocab`) and that names
at least two columns in full is a header. Its lowest cells (no header cell under
them) are the leaf columns; a column separator goes in the widest whitespace
between two neighbouring leaf columns, over the header and every row below it.
The table ends at a line printed across its first column (prose), at a gap far
wider than any inside it, or at the foot of the page.

A row starts at each cell of the first column (a CPT code, a term). Rows that
start with it (top-aligned) end where the next starts; rows centred on it are
cut where every row comes out centred, since a blank line inside a cell can be
wider than the gap between rows; the edge of a shaded band, where there is one,
is a boundary. A text that runs over several columns (a merged cell) keeps its
span. A table that runs to the foot of a page carries its columns over, and
continues at the top of the next page with or without a repeated header; the
part of a row the break cut is a row of its own, for normalize to join.

Which table is which (payments, terminology, or neither) is normalize's call.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from pipeline import fields, vocab
from pipeline.errors import LayoutError
from pipeline.extract.lines import line_text
from pipeline.extract.tables.open_table import OpenTable, UnruledFacts
from pipeline.text import split_footnotes

#: Gap between two chars on one line, as a share of font size, that separates
#: two cells: a word space is about 0.28 em, cell padding is more.
CELL_GAP_RATIO = 0.5
#: Lines of one cell (a wrapped paragraph) sit closer than this share of the
#: font size; rows of a table and levels of a header are further apart.
PARAGRAPH_GAP_RATIO = 0.6
#: Two header lines further apart than this share of the font size are not one header.
HEADER_GAP_RATIO = 2.5
#: A table's next line is no longer the table when its gap is this many times the
#: widest gap seen inside the table so far (and at least MIN_END_GAP_RATIO em). Mostly
#: a table ends at a line printed across its first column; this catches the rest.
END_GAP_FACTOR = 2.5
MIN_END_GAP_RATIO = 2.0
#: A row the page break may have cut need not be centred: its asymmetry counts up to
#: this share of the font size.
CUT_ROW_CAP = 0.75
#: What a row boundary inside a cell (at a paragraph's line gap) costs, in points of
#: a centred row's asymmetry: more than any real row is off its centre.
INSIDE_CELL_COST = 20.0
#: A rule or a band edge is a row boundary when it runs over this share of the table's width.
BAND_EDGE_SHARE = 0.5
#: Wrapped lines of one header cell share a centre, left or right edge within this many points.
ALIGN_TOLERANCE = 3.0
#: A word space is about a quarter em; a wider gap between two chars ends a word.
SPACE_GAP = 0.2
#: A separator never cuts through a leaf header: it counts as this many crossing cells.
_LEAF_WEIGHT = 10_000
#: Share of the page height at its foot where page numbers and footers sit: no table
#: reaches into it, and a table followed by nothing but it runs on to the next page.
FOOT_SHARE = 0.06

_WORDS = re.compile(r"[A-Za-z]+")
_CPT_CODE = re.compile(fields.CPT_CODE_PATTERN)


# ---------------------------------------------------------------- lines and chunks

@dataclass
class _Chunk:
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
class _Line:
    chars: list[dict]
    chunks: list[_Chunk]
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
            flags = [_is_heading(ch) for ch in self.chunks]
            self._heading = (any(flags), all(flags))
        return self._heading


def _chunk(chars: list[dict], line: int) -> _Chunk:
    return _Chunk(chars, min(c["x0"] for c in chars), max(c["x1"] for c in chars),
                  min(c["top"] for c in chars), max(c["bottom"] for c in chars),
                  (chars[0]["x0"] + chars[0]["x1"]) / 2, (chars[-1]["x0"] + chars[-1]["x1"]) / 2, line)


def _line(chars: list[dict], number: int) -> _Line:
    chunks, run = [], [chars[0]]
    for prev, c in zip(chars, chars[1:]):
        if c["x0"] - prev["x1"] > CELL_GAP_RATIO * max(c["size"], prev["size"]):
            chunks.append(_chunk(run, number))
            run = []
        run.append(c)
    chunks.append(_chunk(run, number))
    return _Line(chars, chunks, min(c["top"] for c in chars), max(c["bottom"] for c in chars),
                 max(c["size"] for c in chars))


def _names_column(chunk: _Chunk) -> bool:
    """Is this chunk a whole header wording of the vocabulary (footnote marks aside)?"""
    text, mask = line_text(chunk.chars)
    clean = " ".join(split_footnotes(text, mask, glued=True)[0].split())
    return bool(vocab.header_concept("payment", clean) or vocab.header_concept("terminology", clean))


def _is_heading(chunk: _Chunk) -> bool:
    """Is every word of this chunk a word of some header wording (footnote marks aside)?"""
    text, mask = line_text(chunk.chars)
    clean, _ = split_footnotes(text, mask, glued=True)
    words = _WORDS.findall(clean)
    known = vocab.header_words()
    return bool(words) and all(w.casefold() in known for w in words)


# ---------------------------------------------------------------- tables

@dataclass
class _Block:
    """Header chunks stacked into one cell: a wrapped header wording."""

    chunks: list[_Chunk]
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    def add(self, ch: _Chunk) -> None:
        self.chunks.append(ch)
        self.x0, self.x1 = min(self.x0, ch.x0), max(self.x1, ch.x1)
        self.top, self.bottom = min(self.top, ch.top), max(self.bottom, ch.bottom)


def _blocks(lines: list[_Line], size: float) -> list[_Block]:
    """Stack chunks into cells: a chunk joins the block just above it when it is close
    below it and shares its centre, left or right edge (one wrapped paragraph), so a
    spanning header never swallows the narrower headers under it."""
    blocks: list[_Block] = []
    live: list[_Block] = []  # blocks a chunk of this line could still join
    for line in lines:
        live = [b for b in live if line.top - b.bottom <= PARAGRAPH_GAP_RATIO * size]
        joined: list[_Block] = []
        for ch in line.chunks:
            home = None
            for b in reversed(live):
                last = b.chunks[-1]
                # on a lower line (a raised footnote mark may reach above the line's top)
                if ch.top - last.top < 0.5 * size or ch.top - b.bottom > PARAGRAPH_GAP_RATIO * size:
                    continue
                overlap = min(b.x1, ch.x1) - max(b.x0, ch.x0)
                aligned = (abs((last.x0 + last.x1) / 2 - (ch.x0 + ch.x1) / 2) <= ALIGN_TOLERANCE
                           or abs(last.x0 - ch.x0) <= ALIGN_TOLERANCE or abs(last.x1 - ch.x1) <= ALIGN_TOLERANCE)
                if overlap > 0 and aligned:
                    home = b
                    break
            if home is None:
                home = _Block([ch], ch.x0, ch.x1, ch.top, ch.bottom)
                blocks.append(home)
            else:
                home.add(ch)
            joined.append(home)
        live += [b for b in joined if b not in live]
    return blocks


def _leaves(blocks: list[_Block], size: float) -> list[tuple[float, float]]:
    """Extents of the header cells with no header cell under them, left to right: the columns."""
    out = []
    for b in blocks:
        # under: starting below b's last line (footnote marks may rise into it) and overlapping it
        under = any(o is not b and o.top >= b.bottom - 0.4 * size and min(o.x1, b.x1) - max(o.x0, b.x0) > 1
                    for o in blocks)
        if not under:
            out.append((b.x0, b.x1))
    return sorted(out, key=lambda e: e[0] + e[1])


def _separators(leaves: list[tuple[float, float]], lines: list[_Line], size: float) -> list[float] | None:
    """One x per pair of neighbouring leaf columns: the middle of the widest whitespace
    between their centres, over the leaf headers and every cell printed in one column.

    A merged cell, all its wrapped lines together, spans the centres of the columns
    it covers and is left out. A part of one too narrow to reach two centres (the
    last words of a merged cell a page break cut) may still fill the space between
    two columns: then the separator goes where the fewest cells cross. None when two
    leaf headers overlap: that is no table header.
    """
    centres = [(a + b) / 2 for a, b in leaves]
    cells = [(a, b, _LEAF_WEIGHT) for a, b in leaves]
    for blk in _blocks(lines, size):
        if bisect_right(centres, blk.x1) - bisect_left(centres, blk.x0) <= 1:
            cells.append((blk.x0, blk.x1, 1))
    seps = []
    for i, (lo, hi) in enumerate(zip(centres, centres[1:])):
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
        if best is None or best[0] >= _LEAF_WEIGHT:
            return None
        seps.append(best[2])
    return seps


def _centred_span(c0: int, c1: int, chars: list[dict], edges: list[float], groups: list[list]) -> tuple[int, int]:
    """The columns a merged cell covers, when its text is narrower than its span.

    Its text is centred over the columns it was merged from, so of the ranges that
    reach at most one column further on either side (into columns no other cell of
    the row holds), the one centred nearest the text is its span.
    """
    middle = (min(c["x0"] for c in chars) + max(c["x1"] for c in chars)) / 2
    taken = {c for g in groups if g[2] is not chars for c in range(g[0], g[1] + 1)}
    best = (abs((edges[c0] + edges[c1 + 1]) / 2 - middle), c0, c1)
    for a in (c0 - 1, c0):
        for b in (c1, c1 + 1):
            if a < 0 or b >= len(edges) - 1 or (a, b) == (c0, c1) or a in taken or b in taken:
                continue
            best = min(best, (abs((edges[a] + edges[b + 1]) / 2 - middle) + 0.5, a, b))
    return best[1], best[2]


def _first_column(line: _Line, seps: list[float]) -> list[_Chunk]:
    return [ch for ch in line.chunks if _span(seps, ch)[0] == 0]


_HEAVY = re.compile(r"bold|black|heavy|semibold|demi", re.I)


def _is_bold(line: _Line) -> bool:
    return all(_HEAVY.search(c.get("fontname") or "") for c in line.chars)


def _sets_off(line: _Line, body: list[_Line]) -> bool:
    """Is `line` set off from the table rows above it by its type: bold where no row line is,
    or larger than every row line? Then it is a heading after the table, not a row."""
    if not body:
        return False
    if line.size > max(ln.size for ln in body) + 0.5:
        return True
    return _is_bold(line) and not any(_is_bold(ln) for ln in body)


def _first_word_width(chunk: _Chunk) -> float:
    chars = chunk.chars
    last = chars[0]
    for prev, c in zip(chars, chars[1:]):
        if c["x0"] - prev["x1"] > SPACE_GAP * c["size"]:
            break
        last = c
    return last["x1"] - chars[0]["x0"]


def _column_rights(body: list[_Line], seps: list[float]) -> dict[int, float]:
    """How far right each column's text reaches anywhere in the body (where its lines wrap),
    and under -1 where the second column's text starts (how far the first may reach)."""
    out: dict[int, float] = {}
    for line in body:
        for ch in line.chunks:
            c0, c1 = _span(seps, ch)
            if c0 == c1:
                out[c0] = max(out.get(c0, ch.x1), ch.x1)
            if c0 == 1:
                out[-1] = min(out.get(-1, ch.x0), ch.x0)
    return out


def _could_wrap(above: _Line, line: _Line, seps: list[float], x0: float, rights: dict[int, float]) -> bool:
    """Could `line` (holding a first-column cell) be the wrapped rest of the row above it?

    A paragraph wraps only when its next word does not fit. `line` starts a new entry (a
    glossary whose rows sit a single line apart) when it prints a cell beside its
    first-column text and either that text's first word would have fitted on the line
    above, inside the first column, or the text of another column on the line above
    ended there: its next word, on `line`, would have fitted after it. The first column
    reaches at most a space short of where the second column's text starts anywhere in
    the table (`rights[-1]`).
    """
    upper, lower = _first_column(above, seps), _first_column(line, seps)
    if not upper or not lower or not seps:
        return True
    beside = [ch for ch in line.chunks if _span(seps, ch)[0] > 0]
    if not beside:
        return True
    space = SPACE_GAP * line.size
    width = max(ch.x1 for ch in upper) - min(ch.x0 for ch in upper)
    # the first column's text reaches at most to where the second column's text starts
    limit = rights.get(-1, seps[0]) - space
    if min(ch.x0 for ch in upper) + width + space + _first_word_width(lower[0]) <= limit:
        return False
    for ch in beside:
        c0, c1 = _span(seps, ch)
        ends = [o for o in above.chunks if _span(seps, o) == (c0, c1)]
        if c0 == c1 and ends and max(o.x1 for o in ends) + space + _first_word_width(ch) <= rights.get(c0, 0.0):
            return False
    return True


def _single_spaced_top_aligned(body: list[_Line], gaps: list[float], anchors: list[list[int]], seps: list[float],
                               para: float) -> bool:
    """Rows set a single line apart, each starting with its first-column cell.

    With no row-sized gap anywhere in the body to go by, rows are top-aligned when every
    row's first line holds its first-column cell and a cell of another column beside it
    (the caller checks that no line sits above the first row start: a centred row would
    reach above its first-column cell). A body with row-sized gaps is not single-spaced:
    its gaps say where rows start, even when they fall above lines that precede a
    first-column cell (rows centred on it).
    """
    if len(anchors) < 2 or any(gap > para for gap in gaps[1:]):
        return False
    return all(any(_span(seps, ch)[0] > 0 for ch in body[a[0]].chunks) for a in anchors)


def _extent(chars: list[dict]) -> tuple[float, float, float, float]:
    return (min(c["x0"] for c in chars), min(c["top"] for c in chars),
            max(c["x1"] for c in chars), max(c["bottom"] for c in chars))


def _own_box(fills: list[tuple], extent: tuple, others: list[tuple], edges: list[float]) -> tuple | None:
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


def _box_span(box: tuple, edges: list[float]) -> tuple[int, int] | None:
    """First and last column whose middle lies inside `box`."""
    inside = [c for c in range(len(edges) - 1) if box[0] < (edges[c] + edges[c + 1]) / 2 < box[2]]
    return (inside[0], inside[-1]) if inside else None


def _span(seps: list[float], ch: _Chunk) -> tuple[int, int]:
    return bisect_right(seps, ch.cx0), bisect_right(seps, ch.cx1)


def _gaps(lines: list[_Line], before: float | None) -> list[float]:
    """Whitespace above each line: from the lowest bottom of the lines before it."""
    out, low = [], before
    for line in lines:
        out.append(line.top - low if low is not None else float("inf"))
        low = line.bottom if low is None else max(low, line.bottom)
    return out


class _TextTables:
    """Finds the tables without rules among a page's lines (see the module docstring)."""

    def __init__(self, lines: list[_Line], bands: list[tuple[float, float, float]], page: int,
                 height: float, fills: list[tuple[float, float, float, float]] = ()):
        self.lines = lines
        self.bands = bands
        self.fills = list(fills)
        self.page = page
        self.height = height
        self.used = [False] * len(lines)
        self.tables: list[list[dict]] = []
        self.carry: OpenTable | None = None

    # -- the scan
    def run(self, carry: OpenTable | None) -> None:
        i = 0
        if carry is not None:
            i = self._continue(carry)
        while i < len(self.lines):
            if self.lines[i].heading()[0]:
                end = self._header_run(i)
                # a header names at least two columns in full ("Term", "Description");
                # prose that happens to use a header word or two does not
                named = sum(1 for ln in self.lines[i:end] for ch in ln.chunks if _names_column(ch))
                taken = self._table(i, end, None) if named >= 2 else None
                if taken is not None:
                    i = taken
                    continue
            i += 1

    def _header_run(self, i: int) -> int:
        """End (exclusive) of the header that starts at line i: lines that hold a header
        wording, and lines of a wrapped header cell between them."""
        end = i + 1
        size = self.lines[i].size
        while end < len(self.lines):
            gap = self.lines[end].top - max(ln.bottom for ln in self.lines[i:end])
            if gap > HEADER_GAP_RATIO * size:
                break
            if self.lines[end].heading()[0]:
                end += 1
                continue
            # a line without a header word belongs to the header only as the middle of a
            # wrapped cell: tight above and below, with a header line right after it
            nxt = end + 1
            if (gap <= PARAGRAPH_GAP_RATIO * size and nxt < len(self.lines) and self.lines[nxt].heading()[0]
                    and self.lines[nxt].top - self.lines[end].bottom <= PARAGRAPH_GAP_RATIO * size):
                end = nxt + 1
                continue
            break
        return end

    def _continue(self, carry: OpenTable) -> int:
        """Continue an open table at the top of this page; return where the scan goes on.

        The page's first line either repeats the table's header, or is a row of it (it fits
        the carried columns), or the table ended with the last page.
        """
        if not self.lines:
            return 0
        leaves = carry.unruled.leaves
        columns = _Columns(carry.seps or [(a[1] + b[0]) / 2 for a, b in zip(leaves, leaves[1:])],
                           carry.x0, carry.x1)
        repeated = self._repeated_header(carry.unruled.header_texts)
        if repeated:
            taken = self._table(0, repeated, carry)
        elif self._fits(self.lines[0], columns):
            taken = self._table(0, 0, carry)
        else:
            return 0
        return taken if taken is not None else 0

    def _repeated_header(self, texts: tuple[str, ...]) -> int:
        """How many lines at the top of the page repeat the carried header (0: none).

        Its lines as printed, or the same header clipped by its producer (a cell's last
        line cut off, "ASC Payment (Payment"): the same first line, then header lines
        whose words are the carried header's in order, some missing. Normalize checks
        that each of its cells repeats one of the first page's, whole or cut short.
        """
        n = len(texts)
        if not texts or tuple(ln.text for ln in self.lines[:n]) == texts:
            return n if texts else 0
        if not self.lines[0].heading()[0] or self.lines[0].text != texts[0]:
            return 0
        end = self._header_run(0)
        words = iter(" ".join(texts).split())
        if end > n or not all(w in words for ln in self.lines[:end] for w in ln.text.split()):
            return 0
        return end

    @staticmethod
    def _fits(line: _Line, columns) -> bool:
        """Could this line be a row of the table: inside its width, nothing across its first column."""
        width = columns.x1 - columns.x0
        for ch in line.chunks:
            if ch.x1 < columns.x0 - 0.05 * width or ch.x0 > columns.x1 + 0.05 * width:
                return False
            c0, c1 = _span(columns.seps, ch)
            if c0 == 0 and c1 > 0:
                return False
        return True

    # -- one table
    def _table(self, hstart: int, hend: int, carry: OpenTable | None) -> int | None:
        """Read the table whose header is lines[hstart:hend] (none when hstart == hend and
        it continues `carry`); return the index after it, or None if it is no table."""
        lines = self.lines
        header = lines[hstart:hend]
        size = max(ln.size for ln in header) if header else carry.unruled.size
        if header:
            blocks = _blocks(header, size)
            leaves = _leaves(blocks, size)
            if len(leaves) < 2:
                return None
            gaps = _gaps(header, None)[1:]
            max_gap = max(gaps, default=size)
            x0, x1 = min(b.x0 for b in blocks), max(b.x1 for b in blocks)
        else:
            blocks, leaves, max_gap = [], list(carry.unruled.leaves), carry.unruled.max_gap
            x0, x1 = carry.x0, carry.x1

        # Body, first by spacing alone: lines while the gap to the line above stays table-like,
        # up to the table's header printed again (a new part of the table).
        end = hend
        low = max(ln.bottom for ln in header) if header else None
        texts = carry.unruled.header_texts if carry is not None else ()
        first_heading = header[0].text if header else texts[0] if texts else None
        first_len = len(first_heading.replace(" ", "")) if first_heading is not None else -1
        # On a continued page the rest of a row the break cut may stand apart from the next
        # row by any gap (a producer may keep the cut row's full height): no gap ends the
        # table before its first row start there.
        started = carry is None or not carry.seps
        while end < len(lines) and not self.used[end]:
            line = lines[end]
            if line.top > (1 - FOOT_SHARE) * self.height or (
                    end > hend and first_heading is not None
                    and sum(len(c["text"]) for c in line.chars) == first_len and line.text == first_heading):
                break
            if end > hend and _sets_off(line, lines[hend:end]):
                break  # a heading after the table ends it, however close it is set
            if low is not None:
                gap = line.top - low
                if started and gap > max(END_GAP_FACTOR * max_gap, MIN_END_GAP_RATIO * size):
                    break
                max_gap = max(max_gap, gap) if started else max_gap
            started = started or any(_span(carry.seps, ch)[0] == 0 for ch in line.chunks)
            low = line.bottom if low is None else max(low, line.bottom)
            end += 1
        # Then by structure: the table ends at a line printed across its first column.
        body = lines[hend:end]
        carried = carry.seps if carry is not None and not header else []
        seps = carried or _separators(leaves, body, size)
        if seps is None:
            return None
        columns = _Columns(seps, x0, x1)
        for k, line in enumerate(body):
            if not self._fits(line, columns):
                end = hend + k
                body = body[:k]
                break
        # Columns are measured on this page's rows (the last page's may rest on a few rows);
        # the carried ones only said where this part of the table ends.
        seps = _separators(leaves, body, size)
        if seps is None:
            return None
        if body:
            x0 = min(x0, min(ch.x0 for ln in body for ch in ln.chunks))
            x1 = max(x1, max(ch.x1 for ln in body for ch in ln.chunks))
        open_at_foot = all(ln.top > (1 - FOOT_SHARE) * self.height for ln in lines[end:])

        starts = [k for k, ln in enumerate(body) if any(_span(seps, ch)[0] == 0 for ch in ln.chunks)]
        if carry is None and not starts and not open_at_foot:
            return None  # a header with no rows under it: prose that happens to use header words

        body_gaps = _gaps(body, max(ln.bottom for ln in header) if header else None)
        rows, top_aligned = self._rows(body, body_gaps, starts, seps, x0, x1, carry, open_at_foot)
        edges = [x0] + seps + [x1]
        cells = self._header_cells(blocks, seps, size, edges) if header else []
        levels = 1 + max((c["row"] + c["row_span"] - 1 for c in cells), default=-1)
        cells += self._body_cells(body, rows, seps, x0, x1, levels)
        if not cells:
            return None
        self.tables.append(cells)
        for k in range(hstart, end):
            self.used[k] = True
        self.carry = None
        if open_at_foot:
            texts = tuple(ln.text for ln in header) if header else carry.unruled.header_texts
            settled = seps if body or not header else []  # columns measured on rows, not on a header alone
            self.carry = OpenTable((x0, *settled, x1), UnruledFacts(tuple(leaves), texts, max_gap, size, top_aligned))
        return end

    def _rows(self, body, gaps, starts, seps, x0, x1, carry, open_at_foot) -> tuple[list[int], bool | None]:
        """Index of the first line of each row, and whether rows are top-aligned (each
        starts with its first-column cell) or centred on it (None: no row to tell)."""
        known = carry.unruled.top_aligned if carry is not None else None
        if not body:
            return [], known
        para = PARAGRAPH_GAP_RATIO * body[0].size
        bands = self._band_ys(x0, x1)

        def banded(k: int) -> bool:
            low = body[k].top - gaps[k]
            return any(low - 1 <= y <= body[k].top + 1 for y in bands)

        # Row starts that are one cell wrapped over several lines (a long term) stay one start.
        rights = _column_rights(body, seps)
        anchors: list[list[int]] = []
        for k in starts:
            if anchors and anchors[-1][1] == k - 1 and gaps[k] <= para \
                    and not (self._is_code(body[k - 1], seps) and self._is_code(body[k], seps)) \
                    and _could_wrap(body[k - 1], body[k], seps, x0, rights):
                anchors[-1][1] = k
            else:
                anchors.append([k, k])
        if not anchors:  # all of it finishes the row the last page broke off
            return [0], known

        if known is not None:
            top_aligned = known
        else:
            # top-aligned rows print their first-column cell on their first line, so a
            # row-sized gap (or a band edge) sits right above every row start
            top_aligned = anchors[0][0] == 0 and (
                all(gaps[a[0]] > para or banded(a[0]) for a in anchors[1:])
                or _single_spaced_top_aligned(body, gaps, anchors, seps, para))
        if top_aligned:
            firsts = [a[0] for a in anchors]
            head = [0] if firsts[0] > 0 else []  # the rest of a row broken by the page break
        else:
            head, firsts = self._centred_rows(body, gaps, anchors, seps, banded, carry, open_at_foot)
        return sorted(set(head + firsts)), top_aligned

    def _centred_rows(self, body, gaps, anchors, seps, banded, carry, open_at_foot) -> tuple[list[int], list[int]]:
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
        n = len(body)
        low = [0.0] * (n + 1)  # low[k]: lowest bottom of the lines before line k
        for k, line in enumerate(body):
            low[k + 1] = max(low[k], line.bottom) if k else line.bottom
        centres = []
        for a in anchors:
            first = [ch for ln in body[a[0]:a[1] + 1] for ch in ln.chunks if _span(seps, ch)[0] == 0]
            centres.append((min(ch.top for ch in first) + max(ch.bottom for ch in first)) / 2)

        def choices(candidates: list[int]) -> list[int]:
            edged = [k for k in candidates if banded(k)]
            return [max(edged, key=lambda k: gaps[k])] if edged else candidates

        heads = [0]
        if carry is not None and anchors[0][0] > 0:
            # lines above the first row start may finish the row the last page broke off
            heads = choices(list(range(1, anchors[0][0] + 1)))
            heads = heads if len(heads) == 1 and banded(heads[0]) else [0] + heads
        tails = list(range(anchors[-1][1] + 1, n)) if open_at_foot else []
        layers = [heads] + [choices(list(range(a[1] + 1, b[0] + 1))) for a, b in zip(anchors, anchors[1:])]
        layers.append([n] + tails)
        m = len(anchors)
        size = body[0].size
        para = PARAGRAPH_GAP_RATIO * size

        def off(row: int, start: int, end: int) -> float:
            """How far the row's middle is from its first-column cell's."""
            miss = abs((body[start].top + low[end]) / 2 - centres[row])
            if (row == 0 and carry is not None and start == 0) or (row == m - 1 and open_at_foot and end == n):
                # may be a row the break cut: its evidence counts, but only so much
                miss = min(miss, CUT_ROW_CAP * size)
            return miss

        def inside(k: int) -> float:
            # A boundary at a gap no wider than between two lines of a paragraph is most
            # likely inside a cell (shifting every boundary by a line keeps rows as centred).
            return INSIDE_CELL_COST if 0 < k < n and gaps[k] <= para else 0.0

        # best[b] = (cost, boundaries so far) for rows ending before line b
        best = {h: (inside(h), [h]) for h in heads}
        for row in range(m):
            nxt = {}
            for end in layers[row + 1]:
                for start, (cost, path) in best.items():
                    if end <= start:
                        continue
                    miss = off(row, start, end)
                    if row == m - 1 and tails:
                        if end < n and miss > 1.0:
                            continue  # a fragment after the last row only if that row is then centred
                        miss += 1.5 if end == n else 0.0
                    total = cost + miss + inside(end) - (0.001 * gaps[end] if end < n else 0.0)  # even: wider gap
                    if end not in nxt or total < nxt[end][0]:
                        nxt[end] = (total, path + [end])
            best = nxt
        end = min(best, key=lambda e: best[e][0])
        path = best[end][1]
        return sorted({0, path[0]}), path[1:] if end < n else path[1:-1]

    @staticmethod
    def _is_code(line: _Line, seps: list[float]) -> bool:
        first = [ch for ch in line.chunks if _span(seps, ch)[0] == 0]
        return bool(first) and bool(_CPT_CODE.match(line_text(first[0].chars)[0]))

    def _band_ys(self, x0: float, x1: float) -> list[float]:
        """Heights where rules or band edges run over most of the table's width."""
        width: dict[float, float] = {}
        for y, a, b in self.bands:
            cover = min(b, x1) - max(a, x0)
            if cover > 0:
                key = round(y * 2) / 2
                width[key] = width.get(key, 0.0) + cover
        return sorted(y for y, w in width.items() if w >= BAND_EDGE_SHARE * (x1 - x0))

    def _header_cells(self, blocks: list[_Block], seps: list[float], size: float,
                      edges: list[float]) -> list[dict]:
        tops: list[float] = []
        for b in sorted(blocks, key=lambda b: b.top):
            if not tops or b.top - tops[-1] > PARAGRAPH_GAP_RATIO * size:
                tops.append(b.top)
        ncols = len(seps) + 1
        out = []
        covered: set[tuple[int, int]] = set()
        for b in blocks:
            row = bisect_right(tops, b.top + PARAGRAPH_GAP_RATIO * size) - 1
            span = max(1, bisect_left(tops, b.bottom) - row)
            c0 = bisect_right(seps, min(ch.cx0 for ch in b.chunks))
            c1 = bisect_right(seps, max(ch.cx1 for ch in b.chunks))
            # a header cell's own filled box gives its span, not how far its words reach
            box = _own_box(self.fills, (b.x0, b.top, b.x1, b.bottom),
                           [(o.x0, o.top, o.x1, o.bottom) for o in blocks if o is not b], edges)
            c0, c1 = (_box_span(box, edges) if box is not None else None) or (c0, c1)
            out.append(self._cell(b.chunks, row, c0, span, c1 - c0 + 1))
            covered.update((r, c) for r in range(row, row + span) for c in range(c0, c1 + 1))
        top, bottom = min(b.top for b in blocks), max(b.bottom for b in blocks)
        for r in range(len(tops)):
            for c in range(ncols):
                if (r, c) not in covered:
                    out.append(self._empty(r, c, seps, top, bottom, blocks))
        return out

    def _body_cells(self, body, rows, seps, x0, x1, offset) -> list[dict]:
        """One cell per run of chunks of a row that share columns; empty cells fill the rest."""
        out = []
        ncols = len(seps) + 1
        edges = [x0] + seps + [x1]
        for r, (s, e) in enumerate(zip(rows, rows[1:] + [len(body)])):
            spans = sorted((*_span(seps, ch), i, ch) for i, ch in enumerate(c for ln in body[s:e] for c in ln.chunks))
            groups: list[list] = []  # [c0, c1, chars, chunks]
            for c0, c1, _, ch in spans:
                if groups and c0 <= groups[-1][1]:
                    groups[-1][1] = max(groups[-1][1], c1)
                    groups[-1][2] += ch.chars
                    groups[-1][3].append(ch)
                else:
                    groups.append([c0, c1, list(ch.chars), [ch]])
            self._check_one_row(groups, body[s].size)
            for g in groups:
                if g[1] > g[0]:
                    g[0], g[1] = _centred_span(g[0], g[1], g[2], edges, groups)
            for g in groups:
                box = _own_box(self.fills, _extent(g[2]), [_extent(o[2]) for o in groups if o is not g], edges)
                span = _box_span(box, edges) if box is not None else None
                if span is not None:
                    a, b = span
                    if not any(o is not g and o[0] <= b and a <= o[1] for o in groups):
                        g[0], g[1] = a, b
            covered = set()
            for c0, c1, _, chunks in groups:
                out.append(self._cell(chunks, offset + r, c0, 1, c1 - c0 + 1))
                covered.update(range(c0, c1 + 1))
            top = min(ln.top for ln in body[s:e])
            bottom = max(ln.bottom for ln in body[s:e])
            for c in range(ncols):
                if c not in covered:
                    out.append({"row": offset + r, "col": c, "row_span": 1, "col_span": 1, "text": "",
                                "sup_mask": "", "x0": edges[c], "top": top, "x1": edges[c + 1], "bottom": bottom})
        return out

    def _check_one_row(self, groups: list[list], size: float) -> None:
        """Stop when a row holds two rows: a row whose first-column cell is empty has no
        row start of its own and lands in the row above. Inside one row, only one cell
        may break into parts a row's gap apart (a note under a descriptor); two cells
        doing so side by side are a second row."""
        later: list[list] = []  # [top, bottom, first chunk, group] of cell parts after a row-sized gap
        for k, group in enumerate(groups):
            chunks = sorted(group[3], key=lambda ch: ch.top)
            low = chunks[0].bottom
            for ch in chunks[1:]:
                if ch.top - low > PARAGRAPH_GAP_RATIO * size:
                    later.append([ch.top, ch.bottom, ch, k])
                elif later and later[-1][3] == k:
                    later[-1][1] = max(later[-1][1], ch.bottom)
                low = max(low, ch.bottom)
        for a in later:
            for b in later:
                if a[3] != b[3] and a[0] < b[1] and b[0] < a[1]:
                    first = min((a, b), key=lambda part: part[3])[2]
                    raise LayoutError(f"a table row has nothing in its first column, so it cannot be placed: "
                                      f"{line_text(first.chars)[0]!r}", page=self.page)

    @staticmethod
    def _cell(chunks: list[_Chunk], row, col, row_span, col_span) -> dict:
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

    @staticmethod
    def _empty(r, c, seps, top, bottom, blocks) -> dict:
        x0 = seps[c - 1] if c > 0 else min(b.x0 for b in blocks)
        x1 = seps[c] if c < len(seps) else max(b.x1 for b in blocks)
        return {"row": r, "col": c, "row_span": 1, "col_span": 1, "text": "", "sup_mask": "",
                "x0": x0, "top": top, "x1": x1, "bottom": bottom}


@dataclass
class _Columns:
    seps: list[float]
    x0: float
    x1: float


def find(page_lines: list[list[dict]], bands: list[tuple[float, float, float]], page: int, height: float,
         carry: OpenTable | None, fills: list[tuple[float, float, float, float]] = ()
         ) -> tuple[list[list[dict]], list[bool], OpenTable | None]:
    """The tables without rules among a page's printed lines (`pipeline.extract.lines.page_lines`).

    Returns each table's cells, which lines the tables took, and the table left
    open at the foot of the page. `bands` are the page's rule and band edges,
    `carry` the table left open at the foot of the page before, `fills` the boxes of
    the page's filled rectangles (`pipeline.extract.tables.ruled.fill_boxes`).
    """
    found = _TextTables([_line(g, k) for k, g in enumerate(page_lines)], bands, page, height, fills)
    found.run(carry)
    return found.tables, found.used, found.carry
