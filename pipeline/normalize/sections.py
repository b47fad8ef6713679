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

from pipeline import vocab
from pipeline.errors import LayoutError
from pipeline.model import Section
from pipeline.normalize.grids import CPT_CODE, Grid, Piece
from pipeline.normalize.stitch import TermRow
from pipeline.normalize.tables import Heading, Part, grid_top
from pipeline.text import split_footnotes, squash

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
    or the end: an introduction ending in ":" may come first; then each paragraph is an entry,
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
    return Paragraphs([_term_row(e) for e in entries], passed)


def _check_introduction(heading: Heading, intro: list[dict]) -> None:
    """Lines between the heading and the first entry: an introduction to the list, ending in ":", or none."""
    if intro and not intro[-1]["text"].rstrip().endswith(":"):
        raise _stop(f"the glossary heading {heading.text!r} is printed, but what follows it is neither a "
                    f"two-column table nor \"Term: description\" paragraphs: {squash(intro[0]['text'])!r}",
                    int(intro[0]["page"]))


def _entries(body: list[dict], size: float) -> list[list[dict]]:
    """The entries' lines, each entry a list of lines (its first is "Term: description")."""
    gaps = [None if k == 0 or body[k - 1]["page"] != ln["page"] else float(ln["top"]) - float(body[k - 1]["bottom"])
            for k, ln in enumerate(body)]
    known = [g for g in gaps if g is not None]
    threshold = min(known, default=0.0) + _PARAGRAPH_SPACE * size
    spaced = any(g > threshold for g in known)
    left = float(body[0]["x0"])
    entries: list[list[dict]] = []
    k = 0
    while k < len(body):
        ln, gap = body[k], gaps[k]
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
        if gap is None and spaced:
            # the top of a page: the rest of the entry the page break cut, if an entry follows it
            end = next((j for j in range(k + 1, len(body)) if gaps[j] is None or gaps[j] > threshold), len(body))
            if end < len(body) and _entry(body[end]["text"]):
                for line in body[k:end]:
                    _check_indent(line, left)
                entries[-1] += body[k:end]
                k = end
                continue
            raise _stop(f"{squash(ln['text'])!r} at the top of the page may finish the description of "
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
    by_page: dict[int, list[dict]] = {}
    for ln in entry:
        by_page.setdefault(int(ln["page"]), []).append(ln)
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
    for heading in headings:
        if heading.index in consumed:
            continue
        read = read_paragraphs(heading, lines, tables, headings)
        if not read.entries:
            raise no_entry_under(heading, lines)
        consumed |= {h.index for h in read.passed} | {heading.index}
        entries += read.entries
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
        form = "paragraphs" if entries else None
    page = headings[0].page if headings else first.grid.first_page if first is not None else None
    return Glossary(entries, printed, form, page)


# ---------------------------------------------------------------- payments and exclusions

def count_codes(parts) -> int:
    """How many codes the payment tables' code columns print: each printed cell of them below the header,
    a code printed by several tables (one per setting) once."""
    seen = set()
    for part in parts:
        column = part.reading.columns.roles.index((None, "code"))
        for r in range(part.reading.start, part.grid.nrows):
            cell = part.grid.at(r, column)
            if cell is not None and cell["row"] == r and cell["col"] == column:
                code = squash(split_footnotes(cell["text"], cell["sup_mask"])[0])
                if CPT_CODE.match(code):
                    seen.add(code)
    return len(seen)


def check_payment_area(parts, lines: list[dict]) -> None:
    """A line printed inside the payment table's box on a page, outside its cells, holding a CPT code:
    a row of the table in none of its rows."""
    boxes: dict[int, list[tuple[float, float, float, float]]] = {}
    for part in parts:
        by_page: dict[int, list[dict]] = {}
        for c in part.grid.cells:
            by_page.setdefault(int(c["page"]), []).append(c)
        for page, cells in by_page.items():
            boxes.setdefault(page, []).append((min(c["x0"] for c in cells), min(c["top"] for c in cells),
                                               max(c["x1"] for c in cells), max(c["bottom"] for c in cells)))
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

def read_sections(frames: dict[str, pd.DataFrame], payment_parts: list[Part], glossary: Glossary,
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
                          "were read", page=payment_parts[0].grid.first_page)
    check_payment_area(payment_parts, lines)
    exclusions = frames["exclusions"]
    check_notes_outside(lines, set(zip(exclusions["cpt_code"], exclusions["excluded_code"])))
    prov = frames["provenance"]

    def pages(*datasets: str) -> list[int]:
        return [int(p) for p in prov.loc[prov["dataset"].isin(datasets), "page"]]

    title = _announced(payment_parts[0])
    terms = len(frames["terminology"])
    if glossary.printed is not None and not terms:
        raise _stop(f"the glossary ({glossary.printed!r}) is printed, but no entry of it was read", glossary.page)
    return {"payments": record(pages("codes", "payments"), len(frames["codes"]), title, "table"),
            "exclusions": record(pages("exclusions"), len(exclusions),
                                          "Do not report ... in conjunction with ..." if len(exclusions) else None,
                                          "notes"),
            "terminology": record(pages("terminology"), terms, glossary.printed, glossary.form)}



def _announced(part: Part) -> str | None:
    """The first header cell a table prints, footnote marks aside: what announces it."""
    header = sorted((c for c in part.grid.cells if c["row"] < part.reading.start and c["text"].strip()),
                    key=lambda c: (c["row"], c["col"]))
    return squash(split_footnotes(header[0]["text"], header[0]["sup_mask"], glued=True)[0]) if header else None


def record(pages, entries: int, printed: str | None, form: str | None) -> Section:
    """One section's record (`pipeline.model.Section`); nothing printed reads as no section."""
    return Section(printed, form if printed is not None else None, tuple(sorted(set(pages))), entries)
