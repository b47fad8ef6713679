"""Step 6 of normalize, sections: every section the guide announces is read whole, or the build stops.

A guide prints three sections, each announced by something printed:

* **payments**: the payment table, announced by its header (`tables`). Every code
  printed in its code column is a published code (`count_codes`), and a CPT code
  printed inside the table's box in none of its rows stops the build
  (`check_payment_area`).
* **exclusions**: the "(Do not report CODE in conjunction with CODES)" notes, in a
  descriptor cell or in a row of their own under their code (`stitch`, `values`). A note
  printed outside the table stops the build unless its exclusions are published as it
  says them (`check_notes_outside`).
* **terminology**: the glossary, announced by its heading (`vocab/glossary_forms.csv`,
  "REIMBURSEMENT TERMINOLOGY") or by its "Term / Description" header. Under a heading it is
  read in the form that is printed: a table (headed, or two columns without a header row:
  `tables`), else "Term: description" paragraphs, one term a paragraph, over page breaks
  (`read_paragraphs`). A heading with no entry under it stops the build, naming its page and
  the first line under it.

Where the form is unambiguous it is read exactly; where the page does not say (where a
paragraph ends, which entry a line belongs to) the build stops, naming the section, the page
and the text. The `Section` records (what announced each, where, how many entries were read)
go into the manifest, and `pipeline.validate.section_failures` checks them against the
published tables. No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from pipeline import schemas, vocab
from pipeline.errors import LayoutError
from pipeline.model import Section
from pipeline.normalize.grids import Grid, Piece
from pipeline.normalize.stitch import TermRow
from pipeline.normalize.tables import Heading, Kept, Part, grid_top
from pipeline.text import SPACE_GAP_RATIO, split_footnotes, squash

#: A CPT code anywhere in a text.
_CODE_TOKEN = re.compile(r"(?<![\w$.,])(\d{5}|\d{4}T)(?![\w])")
#: A "Do not report CODE in conjunction with CODES" note in running text (the list runs to its end).
_NOTE_START = re.compile(r"do\s+not\s+report", re.I)
_NOTE = re.compile(r"do\s+not\s+report\s+(?P<code>\d{5}|\d{4}T)\s+in\s+conjunction\s+with\s+"
                   r"(?P<codes>(?:\d{5}|\d{4}T)(?:\s*(?:,|\band\b|\bor\b)\s*(?:\d{5}|\d{4}T))*)", re.I)
#: Another entry's start inside a description: an acronym and a colon ("OPPS: ").
_ENTRY_INSIDE = re.compile(r"(?<=\s)[A-Z][A-Z0-9-]{1,11}\s*:\s")
#: A paragraph's lines sit closer than the gap between paragraphs by more than this share of the font size.
_PARAGRAPH_SPACE = 0.25
#: A continuation line of an entry may be indented this far (points) past the entry's first line.
_HANGING_INDENT = 72.0
#: The gutter between two text columns is at least this share of the font size wide: a word space is a
#: quarter or a third of it (a justified line's may be wider, but does not line up with a column's edge);
#: CSS's and LaTeX's usual gutter is an em, Word's a third or half an inch, reportlab's columns' 6 points.
_GUTTER = 0.5
#: Text starting this close (points) to a column's edge starts at that edge.
_EDGE = 1.5


# ---------------------------------------------------------------- the glossary as paragraphs

def _entry(text: str) -> re.Match | None:
    """The "Term: description" match of a line that starts an entry; None when the line does not."""
    m = vocab.entry_pattern().match(text)
    return m if m is not None and _is_term(squash(m.group("term"))) else None


def _is_term(term: str) -> bool:
    """A term is short and names a thing: it starts with a capital or a digit, holds no sentence
    punctuation and is at most six words ("ICD-10-PCS", "Status Indicator")."""
    return (bool(re.fullmatch(r"[A-Z0-9][^:;,]{0,39}", term)) and len(term.split()) <= 6
            and ". " not in term and not term.endswith("."))


def _stop(message: str, page: int) -> LayoutError:
    return LayoutError(f"terminology: {message}", page=page)


@dataclass(frozen=True)
class Paragraphs:
    """What `read_paragraphs` read under one heading: its entries, and the headings it passed over
    (the heading printed again over the glossary's continuation)."""

    entries: list[TermRow]
    passed: list[Heading]
    #: Some of its entries were printed in text columns side by side (`in_columns`).
    columns: bool = False


def page_furniture(lines: list[dict]) -> set[int]:
    """The lines printed on every page alike: the same text (its numbers aside) at the same height on two
    pages or more, such as a footer with the document number and the page's number."""
    where: dict[tuple[str, int], set[int]] = {}
    for ln in lines:
        where.setdefault((re.sub(r"\d+", "#", squash(ln["text"])), round(float(ln["top"]))), set()).add(int(ln["page"]))
    return {k for k, ln in enumerate(lines)
            if len(where[(re.sub(r"\d+", "#", squash(ln["text"])), round(float(ln["top"])))]) > 1}


def _run(heading: Heading, lines: list[dict], tables: list[tuple[int, float]]) -> tuple[list[dict], list[int]]:
    """The lines under `heading` up to the next table (or the end), and the indexes of the glossary
    headings among them. Running heads and feet ("Page 4", a footer on every page) are left out."""
    end = min((t for t in tables if t > heading.at), default=(10**9, 0.0))
    furniture = page_furniture(lines)
    out, passed = [], []
    for k in range(heading.index + 1, len(lines)):
        ln = lines[k]
        if (int(ln["page"]), float(ln["top"])) > end:
            break
        if vocab.glossary_heading(ln["text"]):
            passed.append(k)
        elif not vocab.is_running_text(ln["text"]) and k not in furniture:
            out.append(ln)
    return out, passed


def read_paragraphs(heading: Heading, lines: list[dict], tables: list[tuple[int, float]],
                    headings: list[Heading]) -> Paragraphs:
    """The glossary under `heading` as "Term: description" paragraphs, one term a paragraph.

    The lines under the heading, to the next table, a line printed larger (the next heading)
    or the end, in reading order: where the entries are printed in text columns side by side, each
    column top to bottom, then the next (`in_columns`). An introduction ending in ":" may come
    first; then each paragraph is an entry,
    its first line "Term: description" (`vocab.entry_pattern`), the rest its description. The
    glossary ends at the first paragraph that is no entry. Where paragraphs are spaced apart, the
    gaps say where each ends, and a page break may cut one (its rest, at the top of the next page,
    finishes it when an entry follows it). Where they are not, each "Term:" line starts an entry,
    and the last entry cannot be told from what follows it: the build stops rather than guess.
    Lines printed smaller (a page's foot) are left out, unless they read as an entry.
    """
    run, passed_at = _run(heading, lines, tables)
    first = next((k for k, ln in enumerate(run) if _entry(ln["text"])), None)
    passed = [h for h in headings if h.index in passed_at]
    if first is None:
        return Paragraphs([], passed)
    size = float(run[first]["size"])
    run = in_columns(run, first)
    body = []
    for ln in run:
        if float(ln["size"]) > size + 0.5:
            break  # the next heading
        if float(ln["size"]) < size - 0.5:
            if _entry(ln["text"]):
                raise _stop(f"{squash(ln['text'])!r} reads as a glossary entry but is printed smaller than the "
                            "entries around it", int(ln["page"]))
            continue  # a page's foot, a footnote
        body.append(ln)
    first = next((k for k, ln in enumerate(body) if _entry(ln["text"])), None)
    if first is None:
        return Paragraphs([], passed)  # a line printed larger came first: no entry under the heading
    _check_introduction(heading, body[:first])
    entries = _entries(body[first:], size)
    return Paragraphs([_term_row(e) for e in entries], passed,
                      any(ln.get("column") is not None for e in entries for ln in e))


def _check_introduction(heading: Heading, intro: list[dict]) -> None:
    """Lines between the heading and the first entry: an introduction to the list, ending in ":", or none."""
    if intro and not intro[-1]["text"].rstrip().endswith(":"):
        raise _stop(f"the glossary heading {heading.text!r} is printed, but what follows it is neither a "
                    f"two-column table nor \"Term: description\" paragraphs: {squash(intro[0]['text'])!r}",
                    int(intro[0]["page"]))


def _entries(body: list[dict], size: float) -> list[list[dict]]:
    """The entries' lines, each entry a list of lines (its first is "Term: description")."""
    gaps = [None if _new_column(body, k) else float(ln["top"]) - float(body[k - 1]["bottom"])
            for k, ln in enumerate(body)]
    known = [g for g in gaps if g is not None]
    threshold = min(known, default=0.0) + _PARAGRAPH_SPACE * size
    spaced = any(g > threshold for g in known)
    body_left = float(body[0]["x0"])
    entries: list[list[dict]] = []
    k = 0
    while k < len(body):
        ln, gap = body[k], gaps[k]
        if ln.get("unclear"):
            raise _stop(ln["unclear"], int(ln["page"]))
        left = ln.get("left", body_left)
        if ln.get("after_columns"):
            starts = True  # printed across the columns' gutter below them: no entry's line
        else:
            starts = gap is None or gap > threshold if spaced else _entry(ln["text"]) is not None
        if k > 0 and not starts:
            if spaced and _entry(ln["text"]):
                raise _stop(f"{squash(ln['text'])!r} reads as an entry, but is printed as a line of the paragraph "
                            f"of {_term_of(entries[-1])!r}: where one entry ends is not printed", int(ln["page"]))
            _check_indent(ln, left)
            entries[-1].append(ln)
            k += 1
            continue
        if _entry(ln["text"]):
            _check_one_entry(ln)
            if abs(float(ln["x0"]) - left) > 2:
                raise _stop(f"the entry {squash(ln['text'])!r} starts apart from the entries above it (the glossary "
                            "printed in two columns?)", int(ln["page"]))
            entries.append([ln])
            k += 1
            continue
        if gap is None and spaced and not ln.get("after_columns"):
            # the top of a page (or of a column): the rest of the entry the page break cut, if an entry follows it
            end = next((j for j in range(k + 1, len(body)) if gaps[j] is None or gaps[j] > threshold), len(body))
            if end < len(body) and _entry(body[end]["text"]):
                for line in body[k:end]:
                    _check_indent(line, left)
                entries[-1] += body[k:end]
                k = end
                continue
            top = "page" if body[k - 1]["page"] != ln["page"] else "next column"
            raise _stop(f"{squash(ln['text'])!r} at the top of the {top} may finish the description of "
                        f"{_term_of(entries[-1])!r} or follow the glossary: nothing printed tells which",
                        int(ln["page"]))
        # a paragraph that is no entry: the glossary has ended, unless an entry follows it
        end = next((j for j in range(k + 1, len(body)) if gaps[j] is None or gaps[j] > threshold), len(body))
        if end < len(body) and _entry(body[end]["text"]):
            raise _stop(f"{squash(ln['text'])!r} is printed between the glossary's entries and reads as none",
                        int(ln["page"]))
        break
    if not spaced and len(entries[-1]) > 1:
        ln = entries[-1][1]
        raise _stop(f"{squash(ln['text'])!r} may continue the description of {_term_of(entries[-1])!r} or follow "
                    "the glossary: its paragraphs are not spaced apart, so where it ends is not printed",
                    int(ln["page"]))
    return entries


def _check_one_entry(ln: dict) -> None:
    """A line that starts an entry holds no other entry's start: two entries side by side on one line are the
    glossary printed in two columns, its lines interleaved."""
    m = _entry(ln["text"])
    inside = _ENTRY_INSIDE.search(" " + m.group("description"))
    if inside:
        raise _stop(f"the description of {squash(m.group('term'))!r} holds what reads as another entry "
                    f"({inside.group(0).strip()!r}): two entries on one line (the glossary printed in two columns?)",
                    int(ln["page"]))


def _check_indent(ln: dict, left: float) -> None:
    if not left - 2 <= float(ln["x0"]) <= left + _HANGING_INDENT:
        raise _stop(f"{squash(ln['text'])!r} is printed apart from the glossary's entries (the glossary printed "
                    "in two columns?)", int(ln["page"]))


def _term_of(entry: list[dict]) -> str:
    return squash(_entry(entry[0]["text"]).group("term"))


def _piece(lines: list[dict], text: str, mask: str) -> Piece:
    box = (min(float(ln["x0"]) for ln in lines), min(float(ln["top"]) for ln in lines),
           max(float(ln["x1"]) for ln in lines), max(float(ln["bottom"]) for ln in lines))
    return Piece(text, mask, int(lines[0]["page"]), box)


def _term_row(entry: list[dict]) -> TermRow:
    """One entry's lines as a term and its description, each a piece that knows its page and box."""
    first = entry[0]
    m = _entry(first["text"])
    mask = first["sup_mask"].ljust(len(first["text"]))
    term_piece = _piece([first], first["text"][:m.end("term")], mask[:m.end("term")])
    term = squash(split_footnotes(term_piece.text, term_piece.sup_mask)[0])
    by_page: dict[tuple[int, int | None], list[dict]] = {}
    for ln in entry:
        by_page.setdefault((int(ln["page"]), ln.get("column")), []).append(ln)
    description = None
    for page_lines in by_page.values():
        texts = [ln["text"] for ln in page_lines]
        masks = [ln["sup_mask"].ljust(len(ln["text"])) for ln in page_lines]
        if description is None:
            texts[0], masks[0] = texts[0][m.start("description"):], masks[0][m.start("description"):]
            description = _piece(page_lines, "\n".join(texts), "\n".join(masks))
        else:
            description = description.extend(_piece(page_lines, "\n".join(texts), "\n".join(masks)))
    inside = _ENTRY_INSIDE.search(" " + description.text.replace("\n", " "))
    if inside:
        raise _stop(f"the description of {term!r} holds what reads as another entry ({inside.group(0).strip()!r}): "
                    "two entries on one line (the glossary printed in two columns?)", term_piece.page)
    return TermRow(term, term_piece, description)


def _new_column(body: list[dict], k: int) -> bool:
    """Does line `k` start a page, or a text column, of the lines read (so no gap above it is printed)?"""
    return k == 0 or body[k - 1]["page"] != body[k]["page"] or body[k - 1].get("column") != body[k].get("column")


# ---------------------------------------------------------------- the glossary in text columns

@dataclass(frozen=True)
class _Word:
    """One word of a printed line: the line, where the word is in its text, and the word's box."""

    line: dict
    start: int
    end: int
    box: tuple[float, float, float, float]

    @property
    def text(self) -> str:
        return self.line["text"][self.start:self.end]

    @property
    def mask(self) -> str:
        return self.line["sup_mask"].ljust(len(self.line["text"]))[self.start:self.end]


def _words(ln: dict) -> list[_Word]:
    """The words of a line, each with the box extract measured (`words`); the whole line as one word
    where extract gave none that match its text."""
    pieces = ln["text"].split(" ")
    try:
        flat = [float(v) for v in ln.get("words")]
    except TypeError:
        flat = []
    if len(flat) != 4 * len(pieces):
        box = (float(ln["x0"]), float(ln["top"]), float(ln["x1"]), float(ln["bottom"]))
        return [_Word(ln, 0, len(ln["text"]), box)]
    out, at = [], 0
    for k, piece in enumerate(pieces):
        out.append(_Word(ln, at, at + len(piece), tuple(flat[4 * k:4 * k + 4])))
        at += len(piece) + 1
    return out


def _starts(ln: dict) -> list[tuple[float, bool]]:
    """Where text starts on a line after a gap as wide as a gutter (or the line starts): the x of each
    such start, and whether an entry starts there. The entry's term holds no gap as wide as the one
    before it (in a justified line words may stand apart by a gutter's width, never by the gap that set
    the columns apart)."""
    gutter = _GUTTER * float(ln["size"])
    words = _words(ln)
    out = []
    for k, w in enumerate(words):
        before = w.box[0] - words[k - 1].box[2] if k else float("inf")
        if before < gutter:
            continue
        m = _entry(ln["text"][w.start:])
        term = [v for v in words[k:] if v.start < w.start + m.end("term")] if m else []
        out.append((w.box[0], bool(term) and all(b.box[0] - a.box[2] < before for a, b in zip(term, term[1:]))))
    return out


def column_edges(block: list[dict], carried: tuple[float, ...] = ()) -> tuple[float, ...]:
    """Where the text columns right of the first begin on one page of the glossary, left to right (none:
    its lines are one column).

    A column begins where text starts after a gap as wide as a gutter (or lines start), right of the
    lines' left edge, and an entry starts there on one line at least (`_starts`), or where the columns
    of the page before began (a column that only finishes an entry). A column is wider than an entry's
    hanging indent: a continuation line that happens to read "Word: ..." starts none.
    """
    if not block:
        return ()
    left = min(float(ln["x0"]) for ln in block)
    starts = [(x0, entry) for ln in block for x0, entry in _starts(ln)
              if x0 > left + _GUTTER * float(ln["size"])]
    groups: list[list[tuple[float, bool]]] = []
    for x0, entry in sorted(starts):
        if groups and x0 - groups[-1][0][0] <= _EDGE:
            groups[-1].append((x0, entry))
        else:
            groups.append([(x0, entry)])
    edges: list[float] = []
    for group in groups:
        x0 = group[0][0]
        if x0 > (edges[-1] if edges else left) + _HANGING_INDENT and (
                any(entry for _, entry in group) or any(abs(x0 - c) <= _EDGE for c in carried)):
            edges.append(x0)
    return tuple(edges)


def in_columns(run: list[dict], first: int) -> list[dict]:
    """The glossary's lines in reading order: on each page whose entries are printed in text columns
    side by side (`column_edges`), the lines of each column top to bottom, then the next column's.

    Lines before the first entry (`run[first]`, an introduction) stay as they are. A printed line may
    hold the words of two columns (the lines side by side at one height), or a line of a column may come
    in pieces (its columns' lines at unequal heights): the words of each column are made its lines again
    (`_column_lines`). A line printed across the gutter above every line of the columns comes before
    them, one below all of them after (`after_columns`: it ends the last entry); one between them leaves
    the order of the page's lines unknown, and so does a piece of a line that could belong to either of
    two lines of its column. Each line of that page is then marked `unclear`, a stop raised if the
    glossary's entries reach it (`_entries`).
    """
    out = run[:first]
    carried: tuple[float, ...] = ()
    pages: dict[int, list[dict]] = {}
    for ln in run[first:]:
        pages.setdefault(int(ln["page"]), []).append(ln)
    for block in pages.values():
        edges = column_edges(block, carried)
        out += _columns(block, edges) if edges else block
        carried = edges
    return out


def _columns(block: list[dict], edges: tuple[float, ...]) -> list[dict]:
    """One page's lines read column by column (`in_columns`)."""
    pieces: list[list[list[_Word]]] = [[] for _ in range(len(edges) + 1)]
    across: list[dict] = []
    for ln in block:
        cut = _cut(ln, edges)
        if cut is None:
            across.append(ln)
            continue
        for k, words in cut.items():
            pieces[k].append(words)
    columns: list[list[dict]] = []
    for k, column in enumerate(pieces):
        grouped = _column_lines(column)
        if isinstance(grouped, str):
            return _unclear(block, grouped)
        columns.append([_joined(words, k) for words in grouped])
    read = [ln for column in columns for ln in column]
    top, bottom = min(float(ln["top"]) for ln in read), max(float(ln["bottom"]) for ln in read)
    before = [ln for ln in across if float(ln["bottom"]) <= top]
    after = [{**ln, "after_columns": True} for ln in across if float(ln["top"]) >= bottom]
    if len(before) + len(after) < len(across):
        between = next(ln for ln in across if top < float(ln["bottom"]) and float(ln["top"]) < bottom)
        return _unclear(block, f"{squash(between['text'])!r} is printed across the gutter between the glossary's "
                               "columns: in which order their lines are read is not printed")
    lefts = (min(float(ln["x0"]) for ln in columns[0]) if columns[0] else 0.0, *edges)
    return before + [{**ln, "left": lefts[ln["column"]]} for ln in read] + after


def _cut(ln: dict, edges: tuple[float, ...]) -> dict[int, list[_Word]] | None:
    """A line's words by the column they are printed in, or None when a word of it reaches into a gutter
    (the line is printed across it)."""
    gutter = _GUTTER * float(ln["size"])
    out: dict[int, list[_Word]] = {}
    for w in _words(ln):
        k = sum(1 for e in edges if w.box[0] >= e - _EDGE)
        if k < len(edges) and w.box[2] > edges[k] - gutter:
            return None
        out.setdefault(k, []).append(w)
    return out


def _column_lines(pieces: list[list[_Word]]) -> list[list[_Word]] | str:
    """The lines of one column from the pieces of printed lines in it: pieces at one height (each
    overlapping the other by half the height of the lower one or more) are one line. A piece at the
    height of two pieces that are not at one height is a stop's message: which line it belongs to is not
    printed."""
    boxes = [_box(p) for p in pieces]

    def level(a: int, b: int) -> bool:
        (_, top_a, _, bottom_a), (_, top_b, _, bottom_b) = boxes[a], boxes[b]
        return min(bottom_a, bottom_b) - max(top_a, top_b) >= 0.5 * min(bottom_a - top_a, bottom_b - top_b)

    lines: list[list[int]] = []
    for k in sorted(range(len(pieces)), key=lambda k: boxes[k][1]):
        fits = [ln for ln in lines if any(level(k, j) for j in ln)]
        for ln in fits[1:]:
            fits[0] += ln
            lines.remove(ln)
        if fits:
            fits[0].append(k)
        else:
            lines.append([k])
    for ln in lines:
        bridge = next((k for k in ln if any(level(k, a) and level(k, b) and not level(a, b)
                                            for a in ln for b in ln)), None)
        if bridge is None and any(not level(a, b) for a in ln for b in ln):
            bridge = sorted(ln, key=lambda k: boxes[k][1])[1]  # pieces at one height each with the next, running on
        if bridge is not None:
            return (f"{squash(' '.join(w.text for w in pieces[bridge]))!r} is printed at the height of two lines of "
                    "its column (the glossary's columns at unequal heights): which line it belongs to is not printed")
    return sorted(([w for k in ln for w in pieces[k]] for ln in lines), key=lambda words: _box(words)[1])


def _box(words: list[_Word]) -> tuple[float, float, float, float]:
    return (min(w.box[0] for w in words), min(w.box[1] for w in words), max(w.box[2] for w in words),
            max(w.box[3] for w in words))


def _joined(words: list[_Word], column: int) -> dict:
    """One line of a column from its words: in order, a space between two as extract put it, or, between
    words of two pieces, where the gap is as wide as a space (`pipeline.text.SPACE_GAP_RATIO`)."""
    words = sorted(words, key=lambda w: w.box[0])
    text, mask = [words[0].text], [words[0].mask]
    for a, b in zip(words, words[1:]):
        size = min(float(a.line["size"]), float(b.line["size"]))
        if (a.line is b.line and b.start == a.end + 1) or b.box[0] - a.box[2] > SPACE_GAP_RATIO * size:
            text.append(" ")
            mask.append(" ")
        text.append(b.text)
        mask.append(b.mask)
    first = words[0].line
    x0, top, x1, bottom = _box(words)
    return {**first, "text": "".join(text), "sup_mask": "".join(mask), "size": max(float(w.line["size"]) for w in words),
            "x0": x0, "top": top, "x1": x1, "bottom": bottom, "column": column}


def _unclear(block: list[dict], message: str) -> list[dict]:
    return [{**ln, "unclear": message} for ln in block]


def _term_like(text: str) -> bool:
    """A glossary's term as a table prints it: short, starting with a capital letter."""
    return bool(re.fullmatch(r"[A-Z][A-Za-z0-9&/().'+ -]{0,29}", text)) and len(text.split()) <= 4


def check_unannounced(unread: list[Grid], lines: list[dict]) -> None:
    """A glossary printed under no heading or header the vocabulary knows stops the build rather than
    be left out: a table of two columns, no code, whose rows (its first aside, an unknown header) are
    three or more terms each beside a description; or three "Term: description" lines or more in a
    run, each a short capitalised term."""
    for grid in unread:
        if grid.ncols != 2 or grid.first_data_row() is not None:
            continue
        rows = []
        for r in range(grid.nrows):
            term, description = grid.at(r, 0), grid.at(r, 1)
            if term is not None and term["row"] == r and term["text"].strip():
                rows.append((squash(split_footnotes(term["text"], term["sup_mask"])[0]),
                             squash(description["text"]) if description is not None and description is not term
                             else ""))
        body = rows[1:] if rows and not (_term_like(rows[0][0]) and len(rows[0][1].split()) > 1) else rows
        if len(body) >= 3 and all(_term_like(t) and len(d.split()) > 1 for t, d in body):
            raise _stop(f"a two-column table of terms and descriptions ({body[0][0]!r}: {body[0][1]!r}) is printed "
                        "under no glossary heading or header the vocabulary knows; if it is the glossary, add its "
                        "heading to pipeline/vocab/glossary_forms.csv", grid.first_page)
    run: list[dict] = []
    for ln in lines:
        m = _entry(ln["text"])
        same = run and ln["page"] == run[0]["page"] and abs(float(ln["x0"]) - float(run[0]["x0"])) <= 2 \
            and abs(float(ln["size"]) - float(run[0]["size"])) <= 0.5
        if m is not None and _term_like(squash(m.group("term"))):
            run = run + [ln] if same else [ln]
        elif not (same and float(ln["x0"]) <= float(run[0]["x0"]) + _HANGING_INDENT):
            run = []
        if len(run) >= 3:
            raise _stop(f"\"Term: description\" paragraphs ({squash(run[0]['text'])!r}) are printed under no "
                        "glossary heading the vocabulary knows; if they are the glossary, add its heading to "
                        "pipeline/vocab/glossary_forms.csv", int(run[0]["page"]))


def check_no_entry_between(heading: Heading, lines: list[dict], table_at: tuple[int, float]) -> None:
    """A glossary table under its heading: a "Term: description" line printed between them is an entry
    in none of its rows, and stops the build."""
    for ln in lines[heading.index + 1:]:
        if (int(ln["page"]), float(ln["top"])) >= table_at:
            return
        if _entry(ln["text"]) and not vocab.is_running_text(ln["text"]):
            raise _stop(f"{squash(ln['text'])!r} reads as a glossary entry, but is printed between the heading "
                        f"{heading.text!r} and the glossary's table, in none of its rows", int(ln["page"]))


def no_entry_under(heading: Heading, lines: list[dict]) -> LayoutError:
    """The stop for a glossary heading with nothing read under it, naming the first line under it."""
    after = next((ln for ln in lines[heading.index + 1:] if not vocab.is_running_text(ln["text"])
                  and not vocab.glossary_heading(ln["text"])), None)
    if after is None:
        return _stop(f"the glossary heading {heading.text!r} is printed, but no entry under it", heading.page)
    return _stop(f"the glossary heading {heading.text!r} is printed, but what follows it is neither a two-column "
                 f"table nor \"Term: description\" paragraphs: {squash(after['text'])!r}", int(after["page"]))


@dataclass(frozen=True)
class Glossary:
    """The glossary as found: the entries read from paragraphs (a table's are the stitcher's), what
    announced it, and the form it was printed in."""

    entries: list[TermRow]
    printed: str | None
    form: str | None
    #: The page it is announced on (its first heading, or its first table).
    page: int | None = None


def read_glossary(headings: list[Heading], parts: list[Part], lines: list[dict],
                  tables: list[tuple[int, float]], unread: list[Grid] = ()) -> Glossary:
    """The glossary under every heading: a table read under it, else its paragraphs, else a stop.

    `parts` are the terminology tables read (`tables.read`), `tables` where every table starts,
    `unread` the tables read as nothing. A table with the glossary's header and no heading over it
    is the glossary too; with neither, a glossary printed all the same stops the build
    (`check_unannounced`).
    """
    if not headings and not parts:
        check_unannounced(unread, lines)
    consumed = {part.heading.index for part in parts if part.heading is not None}
    for part in parts:
        if part.heading is not None and not part.reading.continues:
            check_no_entry_between(part.heading, lines, grid_top(part.grid))
    entries: list[TermRow] = []
    columns = False
    for heading in headings:
        if heading.index in consumed:
            continue
        read = read_paragraphs(heading, lines, tables, headings)
        if not read.entries:
            raise no_entry_under(heading, lines)
        consumed |= {h.index for h in read.passed} | {heading.index}
        entries += read.entries
        columns |= read.columns
    first = next((p for p in parts if not p.reading.continues), None)
    if headings:
        printed = headings[0].text
    elif first is not None:
        printed = " / ".join(text for _, text in first.reading.header) or None
    else:
        printed = None
    if first is not None:
        form = "table" if first.reading.headed else "table without header"
    else:
        form = ("paragraphs in columns" if columns else "paragraphs") if entries else None
    page = headings[0].page if headings else first.grid.first_page if first is not None else None
    return Glossary(entries, printed, form, page)


# ---------------------------------------------------------------- payments and exclusions

def count_codes(parts: list[Kept]) -> int:
    """How many codes the payment tables' code columns print: each printed cell of them below the header
    that holds a code (`tables.kept`). Where the guide prints one table per setting, each prints every
    code (`join` stops where one does not): the count is the most any one table prints, so a code printed
    twice in one table is counted twice, and left for validation to name."""
    seen: dict[int, int] = {}
    for part in parts:
        seen[part.reading.table] = seen.get(part.reading.table, 0) + part.codes
    return max(seen.values(), default=0)


def check_payment_area(parts: list[Kept], lines: list[dict]) -> None:
    """A line printed inside the payment table's box on a page, outside its cells, holding a CPT code:
    a row of the table in none of its rows."""
    boxes: dict[int, list[tuple[float, float, float, float]]] = {}
    for part in parts:
        for page, box in part.boxes.items():
            boxes.setdefault(page, []).append(box)
    for ln in lines:
        for x0, top, x1, bottom in boxes.get(int(ln["page"]), []):
            middle = (float(ln["top"]) + float(ln["bottom"])) / 2
            if top <= middle <= bottom and float(ln["x0"]) < x1 and x0 < float(ln["x1"]) \
                    and _CODE_TOKEN.search(ln["text"]):
                raise LayoutError(f"payments: {squash(ln['text'])!r} is printed inside the payment table, "
                                  "in none of its rows", page=int(ln["page"]))


def check_notes_outside(lines: list[dict], exclusions: set[tuple[str, str]]) -> None:
    """A "Do not report ... in conjunction with ..." note printed outside the payment table is read
    nowhere: the build stops unless every exclusion it says is published from the table."""
    by_page: dict[int, list[str]] = {}
    for ln in lines:
        by_page.setdefault(int(ln["page"]), []).append(ln["text"])
    for page, texts in by_page.items():
        text = squash(" ".join(texts))
        for start in _NOTE_START.finditer(text):
            m = _NOTE.match(text, start.start())
            if m is None:
                continue  # "do not report" in prose, naming no code
            code = m.group("code")
            listed = [c for c in re.split(r"\s*(?:,|\band\b|\bor\b)\s*", m.group("codes")) if c]
            if not all((code, other) in exclusions for other in listed):
                raise LayoutError(f"exclusions: the note {m.group(0)!r} is printed outside the payment table, "
                                  "and the exclusions it says are not all read from the table", page=page)


# ---------------------------------------------------------------- the record

def read_sections(frames: dict[str, pd.DataFrame], payment_parts: list[Kept], glossary: Glossary,
                  lines: list[dict]) -> dict[str, Section]:
    """Each section as read (the manifest's record), once nothing it prints was left out.

    Every code in the payment table's code column is a published code; a CPT code printed inside the
    table in none of its rows, or a note outside it whose exclusions are not published, stops the build
    (`check_payment_area`, `check_notes_outside`); a glossary heading with no entry under it stopped it
    already (`read_glossary`), and so does a glossary header with no row under it.
    """
    seen = count_codes(payment_parts)
    if seen != len(frames["codes"]):
        raise LayoutError(f"payments: the payment table's code column prints {seen} codes, {len(frames['codes'])} "
                          "were read", page=payment_parts[0].first_page)
    check_payment_area(payment_parts, lines)
    exclusions = frames["exclusions"]
    check_notes_outside(lines, set(zip(*(schemas.pylist(exclusions[c]) for c in ("cpt_code", "excluded_code")))))
    prov = frames["provenance"]

    def pages(*datasets: str) -> list[int]:
        return [int(p) for p in schemas.pylist(prov.loc[prov["dataset"].isin(datasets), "page"])]

    title = payment_parts[0].announced
    terms = len(frames["terminology"])
    if glossary.printed is not None and not terms:
        raise _stop(f"the glossary ({glossary.printed!r}) is printed, but no entry of it was read", glossary.page)
    return {"payments": record(pages("codes", "payments"), len(frames["codes"]), title, "table"),
            "exclusions": record(pages("exclusions"), len(exclusions),
                                          "Do not report ... in conjunction with ..." if len(exclusions) else None,
                                          "notes"),
            "terminology": record(pages("terminology"), terms, glossary.printed, glossary.form)}



def record(pages, entries: int, printed: str | None, form: str | None) -> Section:
    """One section's record (`pipeline.model.Section`); nothing printed reads as no section."""
    return Section(printed, form if printed is not None else None, tuple(sorted(set(pages))), entries)
