"""Normalize: raw cells and lines -> typed, tidy tables. No I/O.

Tables are recognised by what their headers say (`pipeline.vocab`), never by
where they sit on the page:

* a **payment table** is one whose header rows (the rows above the first
  CPT code) use payment-header wordings. Each leaf column is placed by the
  concepts of every header cell above it ("Physician Fee Schedule" /
  "Facility" / "RVUs" -> physician_facility RVUs), as the guide's shape
  declares them (`pipeline.shape`), in any order. A header cell with an
  unknown wording stops the build, naming the text and page. A guide prints
  one payment table of every setting, or one per setting (or of some), each
  with its own header: they are one set of payments joined by code (`join`);
  two tables printing one setting stop the build, naming both pages.
* a table on the page after a payment table continues it when its top rows
  repeat that table's header, or when it has no header naming payment columns
  (a page break without a repeated header). A row broken by the page break
  comes in two parts, one without a code: a code-less first row of the
  continuation finishes the row before it (a top-aligned row's note), and a
  code-less last row on a page starts the first row of the next page (a
  row whose code is printed in its middle, below the break).
* the **terminology table** is the two-column table headed "Term" /
  "Description", or any two-column table without codes under the glossary's
  heading ("REIMBURSEMENT TERMINOLOGY", `vocab/glossary_forms.csv`); it continues
  across pages the same way, a row with an empty term finishing the description
  above it. Under a heading with no table, the glossary is read from "Term:
  description" paragraphs (`sections`); a heading with no entry under it stops.
* a line outside every table that reads like a payment row (a CPT code and a
  dollar amount, a status indicator or a sentinel) stops the build: the table
  around it could not be placed.
* a "(Do not report CODE ...)" note in a row of its own under CODE's row is
  that row's note.
* any other row of one code-less cell across the payment table ("Liver",
  "Percutaneous") is a subheading: no value and no header wording, between the
  header and the codes or between code rows; it never joins the row above it or
  a row a page break cut. Each is recorded (text, page) for the layout facts.
* a code or a value is read without the footnote marks printed on it ("0600T*",
  "+47383", "$9,874.41‡", a raised letter), each recorded with what it was
  printed on (`footnotes`); a raised digit glued to its digits stops the build.
* post-condition: each code's values come from one printed row of one table
  (each `Piece` knows the page, table and row it was read from). The only
  exception is the row a page break cuts: the last row of one page's table and
  the first of the next page's. A code whose cells come from two rows of one
  table (a row below printing what the code's row left empty) stops the build,
  naming page, code and rows.

Every value is parsed strictly: money to exact `Decimal`, sentinels by
`vocab/sentinels.csv`, "5362 (J1)" into APC and indicator, the descriptor split
from its "(Do not report ...)" note. Anything that does not parse raises a
`GuideError` naming page and text; nothing is guessed. Each published value
also gets a provenance row pointing at the box of text it came from.

Normalize records every box it read something from (`Guide.used`): each cell a
published value came from (both parts of a cell broken by a page break), each
header cell a table was known by, each line a document fact was read from. The
checks on what the PDF showed (`pipeline.validate`) stop only there. When a
value or a header cannot be read, the cause may be one normalize cannot see in
the text: the cell holds a glyph no font maps to Unicode, or hidden text; the
stop then names that (`_real_cause`), not the text it made.

The steps, in the order the data flows, one module each: `facts` (what the
document says about itself), `grids` (each extracted table, addressable by
position, its cells as `Piece`s), `columns` (what each payment column holds),
`tables` (which table is which, and the `layout` record of the payment tables),
`stitch` (printed rows made whole rows across page breaks, and the one-row
post-condition), `values` (a whole row's pieces parsed into typed values),
`join` (the payment tables' rows joined by code), `provenance` (a row per value) and `sections` (every
section the guide announces read whole: the glossary under its heading, as a
table or as paragraphs, and nothing it prints left out; the manifest's record of
each). They run table by table: each whole row is parsed as soon as `stitch`
finishes it, so the checks run in the order the document is read.
"""

from __future__ import annotations

import pandas as pd

from pipeline import fields as F
from pipeline import schemas
from pipeline.errors import GuideError, HiddenText, LayoutError, NotThisGuide, UnreadableText, ValueNotParsed
from pipeline.model import HIDDEN_REASONS, Guide, RawGuide, Used, UsedBoxes
from pipeline.normalize import sections, tables, values
from pipeline.normalize.facts import Facts, document_facts
from pipeline.normalize.grids import grids
from pipeline.normalize.join import Joined
from pipeline.normalize.layout_facts import layout_facts
from pipeline.normalize.provenance import provenance, used
from pipeline.normalize.stitch import CodeRow, Stitcher
from pipeline.text import UNMAPPED, legible, squash, vocabulary

#: No payment table found in a document this share of whose glyphs no font maps: the text is the cause
#: (a font without character maps reads as (cid:N) where pdfminer cannot guess, and as other letters where it can).
UNREADABLE_SHARE = 0.1


def normalize(raw: RawGuide) -> Guide:
    """Turn the raw frames of one guide into typed tables (see module docstring): `read`, then
    `Reading.guide`."""
    return read(raw).guide()


def read(raw: RawGuide) -> "Reading":
    """Read every table, value and fact of one guide from its raw frames: all that normalize does but make
    the published frames (`Reading.guide`, which needs the raw frames no more). Between the two, the
    checks on what the PDF showed need only the raw frames and the boxes read from (`Reading.used`); a
    build runs them there and lets the raw frames go before the published frames are made, so a
    thousand-page guide's two sets of frames are never held at once."""
    try:
        return _read(raw)
    except GuideError as exc:
        cause = _real_cause(raw, exc)
        if cause is None:
            raise
        raise cause from exc


class Reading:
    """One guide as read (`read`), its published rows not yet made frames."""

    def __init__(self, raw: RawGuide, facts: Facts, out: "_Published", parts: dict[str, list], glossary,
                 lines: list[dict], subheadings: list[dict]):
        self.guide_year = facts.guide_year
        #: Every box a published value or a cue was read from (`Guide.used`), for the checks.
        self.used = out.used.done()
        self._source = (raw.source_name, raw.sha256, raw.page_count)
        self._facts, self._out, self._parts, self._glossary = facts, out, parts, glossary
        self._lines, self._subheadings = lines, subheadings

    def guide(self) -> Guide:
        """The guide: its rows made frames (`_Published.frames`), its sections and layout recorded. Once."""
        facts, out, payment, glossary = self._facts, self._out, self._parts["payment"], self._glossary
        frames = out.frames()
        if not len(frames["codes"]):
            raise LayoutError("the payment table has a header but no row with a CPT code", page=payment[0].first_page)
        warnings: list[dict] = []
        for part in payment:
            warnings += [w for w in part.reading.warnings if w not in warnings]
        source_name, sha256, page_count = self._source
        return Guide(guide_year=facts.guide_year, effective_date=facts.effective_date, title=facts.title,
                     document_number=facts.document_number, source_name=source_name, sha256=sha256,
                     page_count=page_count, footnotes=out.footnotes, tables=frames, warnings=warnings,
                     used=self.used,
                     sections=sections.read_sections(frames, payment, glossary, self._lines),
                     layout={**tables.layout(payment),
                             **layout_facts(out.forms, out.value_footnotes, self._subheadings)})


def _read(raw: RawGuide) -> Reading:
    facts = document_facts(raw)
    words = vocabulary(schemas.pylist(raw.lines["text"]) + schemas.pylist(raw.cells["text"]))
    tables.check_no_stray_rows(raw.lines)
    lines = tables.document_lines(raw.lines)
    headings = tables.glossary_headings(lines)
    out = _Published(facts.guide_year or 0)
    out.use(facts.cues)  # the boxes read from, in reading order: the facts' first
    out.use([heading.cue() for heading in headings])
    stitcher = Stitcher()
    # the payment tables' parts are kept as `tables.Kept` once their rows are read (their cells let go);
    # the glossary's whole, for `sections`
    parts: dict[str, list] = {"payment": [], "terminology": []}
    for part in tables.read(raw.cells, raw.stops, headings):
        out.footnotes += part.header_footnotes()
        out.use(part.header_cues())
        if part.reading.kind == "payment" and not part.reading.continues:
            out.joined.table(part.reading.table, part.grid.first_page, part.reading.columns.settings)
        out.add_rows(stitcher.take(part), words)
        parts[part.reading.kind].append(tables.kept(part) if part.reading.kind == "payment" else part)
    _check_is_the_guide(parts["payment"], facts, raw)
    out.add_rows(stitcher.close(), words)
    out.codes_joined()
    tables_read = {part.table for part in parts["payment"]} | {part.grid.table for part in parts["terminology"]}
    # only these: a thousand-page table's grids twice is memory
    unread = grids(raw.cells[~raw.cells["table"].isin(tables_read)])
    glossary = sections.read_glossary(headings, parts["terminology"], lines, tables.table_tops(raw.cells), unread)
    out.add_rows(glossary.entries, words)
    return Reading(raw, facts, out, parts, glossary, lines, stitcher.subheadings)


def _check_is_the_guide(payment_parts: list[tables.Kept], facts: Facts, raw: RawGuide) -> None:
    """Once every table is read: a payment table was found, and the document prints its year.

    A document with no payment table passed extract's first look (it prints "CPT", codes and Medicare
    payment wording) but is no guide either: it gets the first look's kind of line, never vocabulary
    advice; unless most of its text no font maps to Unicode, which is not "no guide": its text cannot be
    read. One with a payment table is a guide; if no pattern finds its year, the year's wording is the one
    thing unknown, and the line says where to add it.
    """
    if not payment_parts:
        _check_text_is_readable(raw)
        raise NotThisGuide("not a CPT reimbursement guide: it prints 'CPT', codes and Medicare payment wording, "
                           "but no table has a header naming CPT codes and their payments (looked for: a table "
                           "headed by payment-table wordings such as 'CPT Code', 'Physician Fee Schedule', "
                           "'Hospital OPPS Payment' or 'ASC Payment')")
    if facts.guide_year is None:
        raise NotThisGuide('no guide year printed: found neither "Medicare YYYY National Average Payment" '
                           'nor "effective as of <date>"; if the guide prints its year in another wording, add a '
                           'pattern for it to pipeline/vocab/document_facts.csv')


def _check_text_is_readable(raw: RawGuide) -> None:
    if raw.unmapped is None or not len(raw.unmapped):
        return
    glyphs = sum(len("".join(t.split())) for frame in (raw.cells, raw.lines) for t in frame["text"])
    if raw.unmapped["chars"].sum() >= UNREADABLE_SHARE * glyphs:
        first = raw.unmapped.iloc[0]
        raise UnreadableText(f"the text cannot be read: font {first['font']} has no character map",
                             page=int(first["page"]))


class _Published:
    """The rows of every published table so far, each value with its provenance row, and the footnotes."""

    def __init__(self, year: int):
        self.year = year
        #: Kept compact (Arrow arrays every few thousand rows, `schemas.Rows`): a thousand-page guide's
        #: provenance is a million values.
        self.rows: dict[str, schemas.Rows] = {name: schemas.Rows(schemas.published(name)) for name in F.TABLES}
        self.footnotes: list[dict] = []
        #: Every cell a published value was read from, and every header cell of a table read.
        #: (one per box, merged as it comes; a box feeds several fields, an amount three)
        self.used = UsedBoxes()
        #: What the rows show of the layout (`layout_facts`): each amount's form, the marks split off values.
        self.forms: set[str] = set()
        self.value_footnotes: list[dict] = []
        #: The payment tables joined by code (one table, or one per setting), until every code row is in.
        self.joined: Joined | None = Joined()

    def add_rows(self, rows, words: frozenset[str]) -> None:
        """Parse each whole row as it comes (so a row's bad value stops the build before a later row's)."""
        for row in rows:
            read = values.code_values(row, words) if isinstance(row, CodeRow) else values.term_values(row, words)
            self.footnotes += read.footnotes
            self.value_footnotes += read.footnotes
            self.forms.update(read.forms)
            records = self.joined.add(row, read.records) if isinstance(row, CodeRow) else read.records
            for record in records:
                self.rows[record.dataset].add(record.row(self.year))
                for row in provenance(self.year, record):
                    self.rows["provenance"].add(row)
                self.use(used(record))

    def codes_joined(self) -> None:
        """Every code row is in: each code is printed in every payment table (`Joined.check`), and the cells
        of codes printed again are cues. The map of every code is let go then, not held beside the frames."""
        self.joined.check()
        self.use(self.joined.cues)
        self.joined = None

    def use(self, found: list[Used]) -> None:
        """Record the boxes `found` were read from, merged with those recorded before (`UsedBoxes.add`)."""
        self.used.add(found)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Each published table, as its schema's dtypes, sorted by its `sort_by` columns."""
        out = {}
        for name, table in F.TABLES.items():
            out[name] = self.rows[name].frame(sort_by=tuple(table.sort_by))
        return out


def _real_cause(raw: RawGuide, exc: GuideError) -> GuideError | None:
    """What stops normalize in a cell when the cell's own text is not the cause: a glyph no font maps
    (the cell cannot be read), or hidden text in it (named, how hidden and what it says)."""
    if not isinstance(exc, (LayoutError, ValueNotParsed)) or exc.box is None or exc.page is None:
        return None
    cells = raw.cells[(raw.cells["page"] == exc.page) & (raw.cells["x0"] == exc.box[0])
                      & (raw.cells["top"] == exc.box[1]) & (raw.cells["x1"] == exc.box[2])
                      & (raw.cells["bottom"] == exc.box[3])]
    what = exc.what or "the cell"
    for cell in cells.itertuples(index=False):
        if UNMAPPED in cell.text:
            font = raw.font_without_map(exc.page, exc.box)
            return UnreadableText(f"{what} {legible(cell.text, cell.reread)!r} cannot be read: font {font} has no "
                                  "character map", page=exc.page)
    hidden = raw.hidden
    if hidden is not None and len(hidden):
        x0, top, x1, bottom = exc.box
        inside = hidden[(hidden["page"] == exc.page) & (hidden["x0"] < x1) & (hidden["x1"] > x0)
                        & (hidden["top"] < bottom) & (hidden["bottom"] > top) & ~hidden["duplicate"]]
        for run in inside.itertuples(index=False):
            return HiddenText(f"{what}: {HIDDEN_REASONS[run.reason]} in its cell, {squash(run.text)!r}: what a viewer "
                              "sees there cannot be read past it", page=exc.page)
    return None
