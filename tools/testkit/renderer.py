"""Render a CPT reimbursement guide PDF from known data.

Two users:

* `tools/make_reconstruction.py` renders the default source, the 2022 guide
  rebuilt from its published text (`sources/2022/`).
* the tests render guides from generated data and check that the pipeline gives
  back exactly what went in (a round trip), across the layouts in `Layout`; the
  make_* tools render the layout fixtures of `tests/fixtures/` with it.

It draws with reportlab's platypus: real text, real ruling lines, spanning cells
and true superscripts, the way a word processor's PDF export lays a guide out.
Output is byte-for-byte reproducible (`invariant=1`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import letter
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import (
    BalancedColumns,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

CONTRACTOR = "No national set payment"
NOT_APPLICABLE = "NA"


@dataclass(frozen=True)
class Amount:
    """A printed payment: a national rate (usd, maybe rvus), contractor priced, NA, not covered or packaged."""

    status: str  # national_rate | contractor_priced | not_applicable | not_covered | packaged
    usd: Decimal | None = None
    rvus: Decimal | None = None
    #: The status as printed when not its usual wording ("N/A", an em dash, "Carrier priced").
    wording: str | None = None

    @classmethod
    def rate(cls, usd: str, rvus: str | None = None) -> "Amount":
        return cls("national_rate", Decimal(usd), Decimal(rvus) if rvus is not None else None)


CONTRACTOR_PRICED = Amount("contractor_priced")
NA = Amount("not_applicable")
#: Two statuses a new edition may print (issue #24), each with no amount: "Not covered", "Packaged".
NOT_COVERED = Amount("not_covered")
PACKAGED = Amount("packaged")
#: The usual wording of each status that prints no amount.
WORDINGS = {"contractor_priced": CONTRACTOR, "not_applicable": NOT_APPLICABLE, "not_covered": "Not covered",
            "packaged": "Packaged"}


@dataclass(frozen=True)
class CodeRow:
    code: str
    #: Descriptor as printed; "\n" forces a line break (e.g. after a hyphen). "{fnN}" is footnote
    #: mark N, printed as the header marks are (reportlab only); it is no part of the descriptor.
    descriptor: str
    excluded: tuple[str, ...] = ()
    non_facility: Amount = CONTRACTOR_PRICED
    facility: Amount = CONTRACTOR_PRICED
    opps: Amount = NA
    apc: str | None = None
    opps_indicator: str | None = None
    asc: Amount = NA
    asc_indicator: str | None = None
    #: Put the "(Do not report ...)" note in its own paragraph under the descriptor.
    note_on_new_line: bool = False


@dataclass(frozen=True)
class Layout:
    """How the tables are drawn. The defaults are the 2022 guide's own look."""

    style: str = "ruled"  # ruled | borderless | shaded
    #: Footnote digits as true superscripts (smaller, raised) or same-size digits.
    superscripts: bool = True
    #: Header wordings, by concept; missing keys use the 2022 wording.
    headers: dict[str, str] = field(default_factory=dict)
    #: Print ASC columns before the OPPS columns.
    asc_before_opps: bool = False
    #: APC and its status indicator on one line ("5362 (J1)") rather than two.
    apc_one_line: bool = False
    #: Repeat the header rows when a table continues on a new page.
    repeat_header: bool = True
    #: Let a row break across pages. With top-aligned rows the code and the start of
    #: the descriptor stay on the first page and the rest (the note) goes on the next;
    #: with centred rows the code may land below the break.
    split_rows: bool = False
    #: Vertical alignment of the payment table's body cells: "middle" (the 2022 guide)
    #: or "top" (a word processor's default). The header stays centred.
    valign: str = "middle"
    #: Spacer height (points) before the payment table, to push it down the page.
    space_before_table: float = 12
    #: Spacer height (points) before the terminology table.
    space_before_terms: float = 12
    #: How the glossary is printed: "table" (headed "Term" / "Description"), "headerless" (the same
    #: two columns without a header row), "paragraphs" ("Term: description", one term a paragraph),
    #: "columns" (those paragraphs in two text columns side by side, balanced, over page breaks)
    #: or "none" (no glossary, no heading).
    glossary: str = "table"
    #: In a "columns" glossary: a line printed across both columns (and the gutter between them) after
    #: this many entries, the rest in two columns again below it.
    across_gutter: tuple[int, str] | None = None
    #: The glossary's heading, printed above it.
    glossary_heading: str = "REIMBURSEMENT TERMINOLOGY"
    #: What follows the term (in bold) in a "paragraphs" glossary.
    entry_separator: str = ":"
    #: Print each "(Do not report ...)" note in a row of its own, under its code's row (descriptor column).
    note_rows: bool = False
    #: Break the payment table after this many codes: the rest goes on the next page, under
    #: `continued_heading` (with the header rows again when `repeat_header`).
    break_after: int | None = None
    continued_heading: str = "CATEGORY III CPT BILLING CODES (continued)"


DEFAULT_HEADERS = {
    "title": "Medicare {year} National Average Payment (Not Geographically Adjusted)",
    "service": "Service Provided",
    "physician": "Physician Fee Schedule{fn2}",
    "opps": "Hospital OPPS Payment{fn3}",
    "asc": "ASC Payment{fn4} (Payment Indicator)",
    "code": "CPT® Code{fn1}",
    "descriptor": "CPT® Descriptor{fn1}",
    "non_facility": "Non-Facility",
    "facility": "Facility",
    "apc": "APC{fn3} (Status Indicator)",
    "payment": "Payment",
    "rvus": "RVUs",
    "term": "Term{fn8}",
    "description": "Description{fn8}",
}


@dataclass(frozen=True)
class Guide:
    year: int
    codes: tuple[CodeRow, ...]
    terms: tuple[tuple[str, str], ...]
    document_number: str | None = None
    title: str = "{year} NanoKnife CPT Reimbursement Guide"
    layout: Layout = field(default_factory=Layout)
    #: Paragraphs of prose around the tables, by place; defaults are short.
    intro: tuple[str, ...] = ()
    after_table: tuple[str, ...] = ()
    considerations: tuple[str, ...] = ()
    after_terms: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    contents: tuple[tuple[str, int], ...] = ()
    disclaimer: tuple[str, ...] = ()

    def with_layout(self, **changes) -> "Guide":
        return replace(self, layout=replace(self.layout, **changes))


# ---------------------------------------------------------------- styles

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9.5, leading=12.5, spaceAfter=6)
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=14, leading=17, spaceAfter=8,
                    textColor=colors.HexColor("#1f3f6e"))
COVER = ParagraphStyle("cover", fontName="Helvetica-Bold", fontSize=26, leading=32, alignment=TA_CENTER)
COVER_SUB = ParagraphStyle("cover_sub", fontName="Helvetica", fontSize=12, leading=16, alignment=TA_CENTER)
#: A glossary entry as a paragraph; a page break may fall inside it (one line on either side).
ENTRY = ParagraphStyle("entry", parent=BODY, allowOrphans=1, allowWidows=1)
CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=10)
CELL_C = ParagraphStyle("cell_c", parent=CELL, alignment=TA_CENTER)
HEAD = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=8, leading=10, alignment=TA_CENTER)
HEAD_L = ParagraphStyle("head_l", parent=HEAD, alignment=0)


def _esc(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br/>")


def _footnote(n: int, superscripts: bool) -> str:
    return f"<super>{n}</super>" if superscripts else str(n)


def _marked(text: str, superscripts: bool) -> str:
    """Paragraph markup with each "{fnN}" as footnote mark N."""
    for n in range(1, 10):
        text = text.replace(f"{{fn{n}}}", _footnote(n, superscripts))
    return text


def _header_text(layout: Layout, concept: str, year: int) -> str:
    """Header wording as paragraph markup: escaped text, footnote marks as <super>."""
    raw = layout.headers.get(concept, DEFAULT_HEADERS[concept])
    text = _esc(raw.replace("{year}", str(year)))
    for n in range(1, 10):
        text = text.replace(f"{{fn{n}}}", _footnote(n, layout.superscripts))
    return text


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def amount_text(amount: Amount, *, rvus: bool = False) -> str:
    """A payment cell's text as printed: an amount, its RVUs, or the sentinel wording."""
    if amount.status != "national_rate":
        return amount.wording or WORDINGS[amount.status]
    if rvus:
        return f"{amount.rvus:.2f}" if amount.rvus is not None else ""
    return money(amount.usd)


def _with_indicator(value: str, indicator: str | None, one_line: bool) -> str:
    if indicator is None:
        return value
    return f"{value} ({indicator})" if one_line else f"{value}\n({indicator})"


def _descriptor_text(row: CodeRow) -> str:
    if not row.excluded:
        return row.descriptor
    note = f"(Do not report {row.code} in conjunction with {', '.join(row.excluded)})"
    return f"{row.descriptor}\n\n{note}" if row.note_on_new_line else f"{row.descriptor} {note}"


# ---------------------------------------------------------------- payment table

def payment_table(guide: Guide, codes: tuple[CodeRow, ...] | None = None, header: bool = True) -> Table:
    """The payment table: 4 header rows with spans, then one row per code.

    Columns: code, descriptor, 4 physician columns (non-facility payment/RVUs,
    facility payment/RVUs), then OPPS (APC, payment) and ASC, or ASC first.
    `codes` (default: all the guide's) are the rows; without `header`, the table is
    its rows alone (a part continued under a heading). With `note_rows`, each code's
    "(Do not report ...)" note is a row of its own under the code's row.
    """
    lay, year = guide.layout, guide.year
    codes = guide.codes if codes is None else codes

    def h(concept, style=HEAD):
        return Paragraph(_header_text(lay, concept, year), style)

    opps_cols, asc_col = (7, 8), 6
    if not lay.asc_before_opps:
        opps_cols, asc_col = (6, 7), 8
    ncols = 9
    rows: list[list] = [[""] * ncols for _ in range(4)]
    rows[0][0] = ""
    rows[0][2] = h("title")
    rows[1][0] = h("service")
    rows[1][2] = h("physician")
    rows[1][opps_cols[0]] = h("opps")
    rows[1][asc_col] = h("asc")
    rows[2][0] = h("code")
    rows[2][1] = h("descriptor")
    rows[2][2] = h("non_facility")
    rows[2][4] = h("facility")
    rows[2][opps_cols[0]] = h("apc")
    rows[2][opps_cols[1]] = h("payment")
    for i, concept in enumerate(("payment", "rvus", "payment", "rvus")):
        rows[3][2 + i] = h(concept)

    spans = [
        ((0, 0), (1, 0)), ((2, 0), (8, 0)),
        ((0, 1), (1, 1)), ((2, 1), (5, 1)), ((opps_cols[0], 1), (opps_cols[1], 1)), ((asc_col, 1), (asc_col, 3)),
        ((0, 2), (0, 3)), ((1, 2), (1, 3)), ((2, 2), (3, 2)), ((4, 2), (5, 2)),
        ((opps_cols[0], 2), (opps_cols[0], 3)), ((opps_cols[1], 2), (opps_cols[1], 3)),
    ]
    header_rows = 4
    if not header:
        rows, spans, header_rows = [], [], 0

    for row in codes:
        r = len(rows)
        cells = [""] * ncols
        cells[0] = Paragraph(_esc(row.code), CELL_C)
        note = None
        if lay.note_rows and row.excluded:
            cells[1] = Paragraph(_marked(_esc(row.descriptor), lay.superscripts), CELL)
            note = Paragraph(_esc(_descriptor_text(row)[len(row.descriptor):].strip()), CELL)
        else:
            cells[1] = Paragraph(_marked(_esc(_descriptor_text(row)), lay.superscripts), CELL)
        physician = (row.non_facility, row.facility)
        if all(a.status == "contractor_priced" for a in physician):
            cells[2] = Paragraph(CONTRACTOR, CELL_C)
            spans.append(((2, r), (5, r)))
        else:
            for j, a in enumerate(physician):
                if a.status == "national_rate":
                    cells[2 + 2 * j] = Paragraph(_esc(money(a.usd)), CELL_C)
                    cells[3 + 2 * j] = Paragraph(_esc(amount_text(a, rvus=True)), CELL_C)
                else:
                    cells[2 + 2 * j] = Paragraph(_esc(amount_text(a)), CELL_C)
                    spans.append(((2 + 2 * j, r), (3 + 2 * j, r)))
        apc = row.apc if row.apc is not None else NOT_APPLICABLE
        cells[opps_cols[0]] = Paragraph(_esc(_with_indicator(apc, row.opps_indicator, lay.apc_one_line)), CELL_C)
        cells[opps_cols[1]] = Paragraph(_esc(amount_text(row.opps)), CELL_C)
        cells[asc_col] = Paragraph(
            _esc(_with_indicator(amount_text(row.asc), row.asc_indicator, lay.apc_one_line)), CELL_C)
        rows.append(cells)
        if note is not None:
            rows.append(["", note] + [""] * (ncols - 2))

    widths = [44, 128, 46, 36, 46, 36, 58, 62, 70]
    table = Table(rows, colWidths=widths, repeatRows=header_rows if lay.repeat_header else 0,
                  splitInRow=1 if lay.split_rows else 0)
    style = [("SPAN", a, b) for a, b in spans]
    if header_rows:
        # the header rows stay together and with the first code, as a word processor keeps them
        style.append(("NOSPLIT", (0, 0), (-1, min(header_rows, len(rows) - 1))))
    style += [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 3),
              ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if lay.valign != "middle":
        style.append(("VALIGN", (0, header_rows), (-1, -1), {"top": "TOP"}[lay.valign]))
    style += _table_style(lay.style, header_rows=header_rows, nrows=len(rows))
    table.setStyle(TableStyle(style))
    return table


def _table_style(kind: str, header_rows: int, nrows: int) -> list:
    if kind == "ruled":
        return [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    if kind == "borderless":
        return []
    if kind == "shaded":
        # Filled bands, no stroked lines: header dark, rows alternating.
        out = [("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#d9e2f3"))] if header_rows else []
        for r in range(header_rows, nrows):
            if (r - header_rows) % 2 == 0:
                out.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f2f2f2")))
        return out
    raise ValueError(f"unknown table style {kind!r}")


def terminology_table(guide: Guide) -> Table:
    """The glossary as a two-column table, headed "Term" / "Description" unless `glossary` is "headerless"."""
    lay = guide.layout
    header_rows = 0 if lay.glossary == "headerless" else 1
    rows = [[Paragraph(_header_text(lay, "term", guide.year), HEAD_L),
             Paragraph(_header_text(lay, "description", guide.year), HEAD_L)]][:header_rows]
    rows += [[Paragraph(_esc(t), CELL), Paragraph(_esc(d), CELL)] for t, d in guide.terms]
    table = Table(rows, colWidths=[90, 400], repeatRows=header_rows if lay.repeat_header else 0,
                  splitInRow=1 if lay.split_rows else 0)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP")] + _table_style(lay.style, header_rows=header_rows, nrows=len(rows))
    table.setStyle(TableStyle(style))
    return table


def glossary(guide: Guide) -> list:
    """The glossary's heading and entries, as `glossary` prints them."""
    lay = guide.layout
    if lay.glossary == "none":
        return []
    story: list = [Paragraph(_esc(lay.glossary_heading), H1), Spacer(1, lay.space_before_terms)]
    if lay.glossary in ("paragraphs", "columns"):
        sep = _esc(lay.entry_separator)
        entries = [Paragraph(f"<b>{_esc(t)}{sep}</b> {_esc(d)}", ENTRY) for t, d in guide.terms]
        if lay.glossary == "paragraphs":
            return story + entries
        if lay.across_gutter is None:
            return story + [BalancedColumns(entries, nCols=2, spaceAfter=0)]
        cut, line = lay.across_gutter
        return story + [BalancedColumns(entries[:cut], nCols=2, spaceAfter=0), Paragraph(_esc(line), ENTRY),
                        BalancedColumns(entries[cut:], nCols=2, spaceAfter=0)]
    return story + [terminology_table(guide)]


# ---------------------------------------------------------------- document

PAGE_BREAK = "\f"


def _paras(texts, style=BODY):
    """Prose paragraphs; `<super>n</super>` marks a footnote, `<b>...</b>` bold text and a lone "\\f" a page break."""
    def markup(text: str) -> str:
        for tag in ("super", "b"):
            text = text.replace(f"&lt;{tag}&gt;", f"<{tag}>").replace(f"&lt;/{tag}&gt;", f"</{tag}>")
        return text
    return [PageBreak() if t == PAGE_BREAK else Paragraph(markup(_esc(t)), style) for t in texts]


def render(guide: Guide, path: Path, *, owner_password: str | None = None,
           user_password: str | None = None) -> Path:
    """Write `guide` as a PDF at `path` (parents created) and return the path.

    With `owner_password` alone the PDF is encrypted the way vendors protect
    their guides: it opens without a password, but its permissions forbid
    copying and changing it. `user_password` makes it need a password to open.
    """
    path = Path(path)
    encrypt = None
    if owner_password or user_password:
        encrypt = StandardEncryption(user_password or "", ownerPassword=owner_password or user_password,
                                     canPrint=1, canModify=0, canCopy=0, canAnnotate=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    title = guide.title.format(year=guide.year)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        if guide.document_number:
            canvas.drawString(0.6 * inch, 0.45 * inch, guide.document_number)
        canvas.drawRightString(letter[0] - 0.6 * inch, 0.45 * inch, str(doc.page))
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
                            topMargin=0.7 * inch, bottomMargin=0.8 * inch, title=title,
                            author="AngioDynamics, Inc.", creator="pipeline reconstruction renderer",
                            invariant=1, encrypt=encrypt)
    story: list = [Spacer(1, 2.2 * inch), Paragraph(_esc(title), COVER), Spacer(1, 18),
                   Paragraph("AngioDynamics, Inc.", COVER_SUB)]
    if guide.document_number:
        story += [Spacer(1, 8), Paragraph(_esc(guide.document_number), COVER_SUB)]
    story.append(PageBreak())
    if guide.contents or guide.disclaimer:
        story.append(Paragraph("TABLE OF CONTENTS", H1))
        story += [Paragraph(f"{_esc(name)} ........ {page}", BODY) for name, page in guide.contents]
        story.append(Spacer(1, 24))
        story += _paras(guide.disclaimer)
        story.append(PageBreak())

    story.append(Paragraph("CATEGORY III CPT BILLING CODES<br/>FOR PERCUTANEOUS AND OPEN IRE", H1))
    story += _paras(guide.intro)
    story.append(Spacer(1, guide.layout.space_before_table))
    cut = guide.layout.break_after
    if cut is None:
        story.append(payment_table(guide))
    else:
        story += [payment_table(guide, guide.codes[:cut]), PageBreak(),
                  Paragraph(_esc(guide.layout.continued_heading), H1),
                  payment_table(guide, guide.codes[cut:], header=guide.layout.repeat_header)]
    story.append(Spacer(1, 10))
    story += _paras(guide.after_table)
    if guide.considerations:
        story.append(PageBreak())
        story.append(Paragraph("PAYMENT CONSIDERATIONS", H1))
        story += _paras(guide.considerations)
    if guide.layout.glossary != "none":
        story.append(PageBreak())
        story += glossary(guide)
    story.append(Spacer(1, 10))
    story += _paras(guide.after_terms)
    if guide.closing:
        story.append(PageBreak())
        story += _paras(guide.closing)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path


__all__ = ["Amount", "CodeRow", "Layout", "Guide", "render", "CONTRACTOR_PRICED", "NA", "NOT_COVERED", "PACKAGED",
           "PAGE_BREAK"]
