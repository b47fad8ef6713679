"""The layouts a new edition of the guide may take (issue #24), as data any producer can print.

An edition is the guide's data (a `renderer.Guide`: codes, payments, terms) and a `Document`: its pages
as plain blocks (headings, paragraphs, tables of cells with their spans, page breaks, text columns).
A layout is drawn once here; `tools/make_edition_fixtures.py` prints the same document with LibreOffice
Writer (from a .docx), Chromium (from HTML) or pdfLaTeX, and `tests/test_editions.py` asserts what the
pipeline must publish from each print: `Edition.expected()`, the rows of `guide_data.expected`.

Every variant starts from one year's data, `EDITION_2025` (the 2023/2024 guides' codes and a few more,
amounts as CY 2025 might print them), laid out as the guide always was (`combined`), and changes one
thing: the amounts' form, marks beside codes and amounts, the order of the columns, where the
indicators are printed, how many tables, subheadings, page breaks, the page's orientation and colours,
the wording of no payment, the glossary's form. `FIXTURES` names each printed variant by what it shows
and its producer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from tools.testkit.guide_data import SETTINGS, expected
from tools.testkit.guides import IRE_OPEN, IRE_PERCUTANEOUS, TERMS_2022
from tools.testkit.renderer import (
    NA, NOT_COVERED, PACKAGED, Amount, CodeRow, Guide, amount_text, money,
)

# ---------------------------------------------------------------- the data

_rate = Amount.rate

#: The 2025 edition's data: the 2023/2024 guides' codes (0600T, 0601T, 32998, 47382, 50593, 76940) and
#: three more (47380 open, 47383 and 50592 percutaneous), every payment status of today's guides.
EDITION_2025 = Guide(
    year=2025,
    document_number="US/ON/MS/187 REV 10 12/2024",
    intro=("The following CPT codes and average payment amounts are effective as of January 1, 2025.",),
    codes=(
        CodeRow("0600T", IRE_PERCUTANEOUS, excluded=("76940", "77002", "77013", "77022"),
                opps=_rate("9874.41"), apc="5362", opps_indicator="J1",
                asc=_rate("6843.26"), asc_indicator="J8"),
        CodeRow("0601T", IRE_OPEN, excluded=("76940", "77002"),
                opps=_rate("9874.41"), apc="5362", opps_indicator="J1",
                asc=_rate("5524.08"), asc_indicator="J8"),
        CodeRow("32998", "Ablation therapy for reduction or eradication of 1 or more pulmonary tumor(s) including "
                         "pleura or chest wall when involved by tumor extension, percutaneous, including imaging "
                         "guidance when performed, unilateral; radiofrequency",
                non_facility=_rate("4198.77", "123.98"), facility=_rate("506.51", "14.96"),
                opps=_rate("5498.12"), apc="5361", opps_indicator="J1", asc=NA),
        CodeRow("47380", "Ablation, open, of 1 or more liver tumor(s); radiofrequency",
                non_facility=NA, facility=_rate("1198.52", "35.39"), opps=NA, asc=NA),
        CodeRow("47382", "Ablation, 1 or more liver tumor(s); percutaneous, radiofrequency",
                non_facility=NA, facility=_rate("741.02", "21.88"),
                opps=_rate("5498.12"), apc="5361", opps_indicator="J1",
                asc=_rate("2936.47"), asc_indicator="J8"),
        CodeRow("47383", "Ablation, 1 or more liver tumor(s); percutaneous, cryoablation", excluded=("76940",),
                non_facility=_rate("5602.14", "165.42"), facility=_rate("483.40", "14.27"),
                opps=_rate("9874.41"), apc="5362", opps_indicator="J1",
                asc=_rate("6112.55"), asc_indicator="J8"),
        CodeRow("50592", "Ablation, 1 or more renal tumor(s), percutaneous, unilateral, radiofrequency",
                excluded=("76940", "77013"),
                non_facility=_rate("3566.31", "105.31"), facility=_rate("339.62", "10.03"),
                opps=_rate("5498.12"), apc="5361", opps_indicator="J1",
                asc=_rate("2814.90"), asc_indicator="J8"),
        CodeRow("50593", "Ablation, renal tumor(s), unilateral, percutaneous, cryotherapy", excluded=("76940",),
                non_facility=NA, facility=_rate("476.93", "14.08"),
                opps=_rate("9874.41"), apc="5362", opps_indicator="J1",
                asc=_rate("6234.17"), asc_indicator="J8"),
        CodeRow("76940", "Ultrasound guidance for, and monitoring of, parenchymal tissue ablation",
                non_facility=_rate("203.21", "6.00"), facility=_rate("203.21", "6.00"), opps=NA, asc=NA),
    ),
    terms=TERMS_2022[:1] + (
        ("APC", "Ambulatory Payment Classification"),
        ("ASC", "Ambulatory Surgical Center"),
    ) + TERMS_2022[1:6] + (
        ("MAC", "Medicare Administrative Contractor, which prices the codes that have no national payment"),
    ) + TERMS_2022[6:9] + (
        ("PFS", "Physician Fee Schedule"),
        ("PI", "Payment Indicator, the code CMS assigns to each procedure paid in an ambulatory surgical center"),
    ) + TERMS_2022[9:] + (
        ("SI", "Status Indicator, the code CMS assigns to each service paid under the OPPS"),
    ),
)


def _whole(amount: Amount) -> Amount:
    if amount.status != "national_rate":
        return amount
    return replace(amount, usd=amount.usd.quantize(Decimal(1), rounding=ROUND_HALF_UP))


#: The same year with every amount in whole dollars ("$9,874"): payment_usd 9874.00.
WHOLE_DOLLARS_2025 = replace(EDITION_2025, codes=tuple(
    replace(r, non_facility=_whole(r.non_facility), facility=_whole(r.facility), opps=_whole(r.opps),
            asc=_whole(r.asc)) for r in EDITION_2025.codes))

_DASH = "\u2014"
_N_A = Amount("not_applicable", wording="N/A")
_EM_DASH = Amount("not_applicable", wording=_DASH)
_CARRIER = Amount("contractor_priced", wording="Carrier priced")


def _changed(guide: Guide, rows: dict[str, dict]) -> Guide:
    """`guide` with the fields of some codes' rows changed: code -> field -> value."""
    return replace(guide, codes=tuple(replace(r, **rows.get(r.code, {})) for r in guide.codes))


#: The same year with other wordings for no payment: "Carrier priced" (contractor_priced), "N/A" and an em
#: dash (not_applicable), and two new statuses, "Not covered" (32998 in an ASC) and "Packaged" (76940 in
#: the hospital outpatient department and the ASC).
WORDINGS_2025 = _changed(EDITION_2025, {
    "0600T": {"non_facility": _CARRIER, "facility": _CARRIER},
    "0601T": {"non_facility": _CARRIER, "facility": _CARRIER},
    "32998": {"asc": NOT_COVERED},
    "47380": {"non_facility": _EM_DASH, "opps": _N_A, "asc": _N_A},
    "47382": {"non_facility": _EM_DASH},
    "50593": {"non_facility": _EM_DASH},
    "76940": {"opps": PACKAGED, "asc": PACKAGED},
})

# ---------------------------------------------------------------- a document as blocks


@dataclass(frozen=True)
class Run:
    """Text in one style: bold, and raised (a superscript footnote mark)."""

    text: str
    sup: bool = False
    bold: bool = False


#: A paragraph: runs in order.
Para = tuple[Run, ...]


@dataclass(frozen=True)
class Cell:
    """One printed cell: its grid position and spans, its paragraphs."""

    row: int
    col: int
    paras: tuple[Para, ...]
    row_span: int = 1
    col_span: int = 1
    header: bool = False
    align: str = "center"  # center | left | right
    #: A full-width row naming the group of rows below it ("Liver"): no value.
    subheading: bool = False


@dataclass(frozen=True)
class Table:
    """A table as cells. `style`: "ruled" (a grid of rules), "borderless", or "dark-zebra" (the header on a
    dark band, white text, body rows in alternating fills, no rules)."""

    cells: tuple[Cell, ...]
    widths: tuple[float, ...]
    header_rows: int
    style: str = "ruled"
    #: Repeat the header rows on each page the table continues on.
    repeat_header: bool = True
    size: float = 8.0

    @property
    def nrows(self) -> int:
        return max(c.row + c.row_span for c in self.cells)


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    """A paragraph of prose; `size` in points (None: the body size)."""

    runs: Para
    size: float | None = None
    bold: bool = False
    #: Space after it, in points (None: the body's).
    after: float | None = None
    #: Keep it on the page of what follows it (a table's title).
    keep_with_next: bool = False


@dataclass(frozen=True)
class Space:
    points: float


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Columns:
    """Blocks set in `count` text columns (a newspaper layout), the page's width shared."""

    blocks: tuple
    count: int = 2


@dataclass(frozen=True)
class Document:
    """A guide's pages after its cover (title, publisher, document number), which every producer prints."""

    title: str
    document_number: str
    blocks: tuple
    landscape: bool = False


def text(s: str, **style) -> Text:
    return Text((Run(s),), **style)


def note(*runs: Run) -> Text:
    """A note under a table: small, close to the next."""
    return Text(runs, size=7.5, after=1.5)


# ---------------------------------------------------------------- payment tables as columns


@dataclass(frozen=True)
class Column:
    """A payment table column: what it prints (`value`) and its header wordings from the top group
    down to its own ("{fnN}" prints footnote mark N raised); neighbours sharing a group share its cell."""

    value: str
    path: tuple[str, ...]
    width: float


#: The care setting of each value a column prints (the code and descriptor have none).
SETTING_OF = {
    "nf_payment": "physician_non_facility", "nf_rvus": "physician_non_facility",
    "f_payment": "physician_facility", "f_rvus": "physician_facility",
    "apc": "hospital_outpatient", "apc_alone": "hospital_outpatient", "si": "hospital_outpatient",
    "opps_payment": "hospital_outpatient",
    "asc_payment": "ambulatory_surgical_center", "asc_alone": "ambulatory_surgical_center",
    "pi": "ambulatory_surgical_center",
}

_PHYSICIAN = "Physician Fee Schedule{fn2}"
_OPPS = "Hospital OPPS Payment{fn3}"
CODE = Column("code", ("Service Provided", "CPT® Code{fn1}"), 44)
DESCRIPTOR = Column("descriptor", ("Service Provided", "CPT® Descriptor{fn1}"), 128)
NF_PAYMENT = Column("nf_payment", (_PHYSICIAN, "Non-Facility", "Payment"), 46)
NF_RVUS = Column("nf_rvus", (_PHYSICIAN, "Non-Facility", "RVUs"), 36)
F_PAYMENT = Column("f_payment", (_PHYSICIAN, "Facility", "Payment"), 46)
F_RVUS = Column("f_rvus", (_PHYSICIAN, "Facility", "RVUs"), 36)
APC = Column("apc", (_OPPS, "APC{fn3} (Status Indicator)"), 58)
OPPS_PAYMENT = Column("opps_payment", (_OPPS, "Payment"), 62)
ASC_PAYMENT = Column("asc_payment", ("ASC Payment{fn4} (Payment Indicator)",), 70)
#: The guide's columns as every edition so far printed them.
COMBINED = (CODE, DESCRIPTOR, NF_PAYMENT, NF_RVUS, F_PAYMENT, F_RVUS, APC, OPPS_PAYMENT, ASC_PAYMENT)
TITLE = "Medicare {year} National Average Payment (Not Geographically Adjusted)"


def widened(columns: tuple[Column, ...], total: float) -> tuple[Column, ...]:
    """`columns` with the descriptor column taking what `total` adds to their widths."""
    extra = total - sum(c.width for c in columns)
    return tuple(replace(c, width=c.width + extra) if c.value == "descriptor" else c for c in columns)


@dataclass(frozen=True)
class Printing:
    """How values are printed: amounts in whole dollars or cents, what an empty APC or indicator cell
    says, and marks printed before or after codes and amounts (runs, maybe raised)."""

    whole_dollars: bool = False
    missing: str = "NA"
    code_prefix: dict[str, str] = field(default_factory=dict)
    code_marks: dict[str, Para] = field(default_factory=dict)
    #: (code, setting) -> runs printed after that amount.
    amount_marks: dict[tuple[str, str], Para] = field(default_factory=dict)
    money_align: str = "center"

    def amount(self, row: CodeRow, setting: str, a: Amount) -> Para:
        if a.status != "national_rate":
            return (Run(amount_text(a)),)
        printed = f"${a.usd:,.0f}" if self.whole_dollars else money(a.usd)
        return (Run(printed),) + self.amount_marks.get((row.code, setting), ())


def wording(text: str, year: int, *, bold: bool = False) -> Para:
    """A header wording as runs: "{year}" is the year, "{fnN}" footnote mark N, raised."""
    out: list[Run] = []
    for k, part in enumerate(re.split(r"\{fn(\d)\}", text.replace("{year}", str(year)))):
        if part:
            out.append(Run(part, sup=k % 2 == 1, bold=bold))
    return tuple(out)


def header_cells(columns: tuple[Column, ...], year: int, first_row: int = 0) -> tuple[list[Cell], int]:
    """The header rows of `columns`: each column's wordings from the top down, its own wording reaching
    the last header row, a group's wording spanning the neighbours under it. Returns (cells, rows)."""
    depth = max(len(c.path) for c in columns)
    cells = []
    for level in range(depth):
        col = 0
        while col < len(columns):
            path = columns[col].path
            if level >= len(path):
                col += 1
                continue
            leaf = level == len(path) - 1
            span = 1
            while not leaf and col + span < len(columns) and len(columns[col + span].path) > level + 1 \
                    and columns[col + span].path[:level + 1] == path[:level + 1]:
                span += 1
            cells.append(Cell(first_row + level, col, (wording(path[level], year, bold=True),),
                              row_span=depth - level if leaf else 1, col_span=span, header=True))
            col += span
    return cells, depth


#: The columns that print amounts and RVUs (aligned as `Printing.money_align` says).
_MONEY = {"nf_payment", "nf_rvus", "f_payment", "f_rvus", "opps_payment", "asc_payment", "asc_alone"}


def _note(row: CodeRow) -> str:
    return f"(Do not report {row.code} in conjunction with {', '.join(row.excluded)})"


def _value_cells(row: CodeRow, columns: tuple[Column, ...], printing: Printing, notes: bool,
                 r: int) -> list[Cell]:
    """One code's row: a cell per column; a physician setting with no amount is one cell over its payment
    and RVUs columns, and over both settings' columns when both print the same wording."""
    amounts = {"physician_non_facility": row.non_facility, "physician_facility": row.facility,
               "hospital_outpatient": row.opps, "ambulatory_surgical_center": row.asc}
    missing = printing.missing

    def paras(column: Column) -> tuple[Para, ...]:
        v = column.value
        setting = SETTING_OF.get(v)
        a = amounts.get(setting)
        if v == "code":
            return ((Run(printing.code_prefix.get(row.code, "") + row.code),) + printing.code_marks.get(row.code, ()),)
        if v == "descriptor":
            descriptor = " ".join(row.descriptor.split())
            if not (notes and row.excluded):
                return ((Run(descriptor),),)
            if row.note_on_new_line:
                return ((Run(descriptor),), (Run(_note(row)),))
            return ((Run(f"{descriptor} {_note(row)}"),),)
        if v in ("nf_payment", "f_payment", "opps_payment", "asc_alone"):
            return (printing.amount(row, setting, a),)
        if v in ("nf_rvus", "f_rvus"):  # (when not beside its payment, a status is printed in both)
            if a.status != "national_rate":
                return ((Run(amount_text(a)),),)
            return ((Run(f"{a.rvus:.2f}" if a.rvus is not None else ""),),)
        if v == "apc":
            if row.opps_indicator:
                return ((Run(row.apc or missing),), (Run(f"({row.opps_indicator})"),))
            return ((Run(row.apc or missing),),)
        if v == "apc_alone":
            return ((Run(row.apc or missing),),)
        if v == "asc_payment":
            amount = printing.amount(row, setting, a)
            return (amount, (Run(f"({row.asc_indicator})"),)) if row.asc_indicator else (amount,)
        if v == "si":
            return ((Run(row.opps_indicator or missing),),)
        if v == "pi":
            return ((Run(row.asc_indicator or missing),),)
        raise ValueError(f"no such column value {v!r}")

    def merge_key(column: Column):
        setting = SETTING_OF.get(column.value, "")
        a = amounts.get(setting)
        if setting.startswith("physician") and a.status != "national_rate":
            return ("physician", amount_text(a))
        return None

    cells, col = [], 0
    while col < len(columns):
        key, span = merge_key(columns[col]), 1
        while key is not None and col + span < len(columns) and merge_key(columns[col + span]) == key:
            span += 1
        column = columns[col]
        align = "left" if column.value == "descriptor" else (
            printing.money_align if key is None and column.value in _MONEY else "center")
        cells.append(Cell(r, col, paras(column), col_span=span, align=align))
        col += span
    return cells


def payment_table(guide: Guide, columns: tuple[Column, ...] = COMBINED, *, title: str | None = TITLE,
                  printing: Printing = Printing(), groups: tuple[tuple[str, tuple[str, ...]], ...] | None = None,
                  notes: bool = True, style: str = "ruled", repeat_header: bool = True,
                  codes: tuple[CodeRow, ...] | None = None) -> Table:
    """The payment table over `columns`: a title row over them all (when `title`), their header rows, then
    a row per code, in `groups` (subheading, codes) when given, each group under a full-width subheading.
    `notes`: print each code's "(Do not report ...)" note in its descriptor."""
    codes = guide.codes if codes is None else codes
    cells: list[Cell] = []
    if title:
        cells.append(Cell(0, 0, (wording(title, guide.year, bold=True),), col_span=len(columns), header=True))
    head, depth = header_cells(columns, guide.year, first_row=len(cells))
    cells += head
    r = depth + (1 if title else 0)
    header_rows = r
    by_code = {row.code: row for row in codes}
    order = [(None, (row.code for row in codes))] if groups is None else groups
    for subheading, group in order:
        if subheading is not None:
            cells.append(Cell(r, 0, ((Run(subheading, bold=True),),), col_span=len(columns), align="left",
                              subheading=True))
            r += 1
        for code in group:
            cells += _value_cells(by_code[code], columns, printing, notes, r)
            r += 1
    return Table(tuple(cells), tuple(c.width for c in columns), header_rows, style=style,
                 repeat_header=repeat_header)


def glossary_table(guide: Guide, *, style: str = "ruled", widths=(90.0, 400.0)) -> Table:
    cells = [Cell(0, 0, (wording("Term{fn8}", guide.year, bold=True),), header=True, align="left"),
             Cell(0, 1, (wording("Description{fn8}", guide.year, bold=True),), header=True, align="left")]
    for r, (term, description) in enumerate(guide.terms, start=1):
        cells += [Cell(r, 0, ((Run(term),),), align="left"), Cell(r, 1, ((Run(description),),), align="left")]
    return Table(tuple(cells), widths, 1, style=style)


def glossary_paragraphs(guide: Guide) -> tuple[Text, ...]:
    """The glossary as "Term: definition" paragraphs, one term a paragraph, the term in bold."""
    return tuple(Text((Run(term, bold=True), Run(f": {description}"))) for term, description in guide.terms)


HEADING = "CATEGORY III CPT BILLING CODES FOR PERCUTANEOUS AND OPEN IRE"
GLOSSARY = "REIMBURSEMENT TERMINOLOGY"


def document(guide: Guide, tables: tuple, *, glossary: tuple | None = None, landscape: bool = False,
             before: tuple = (), glossary_page: bool = True) -> Document:
    """The guide's pages: a heading and the effective date, `before`, `tables` (and what goes with them),
    then the glossary (a ruled Term/Description table unless `glossary` says otherwise) on a new page, or
    under the tables (`glossary_page` False)."""
    blocks = (Heading(HEADING), *(text(t) for t in guide.intro), *before, Space(6), *tables,
              PageBreak() if glossary_page else Space(12),
              Heading(GLOSSARY), *(glossary if glossary is not None else (glossary_table(guide),)))
    return Document(guide.title.format(year=guide.year), guide.document_number, blocks, landscape)


@dataclass(frozen=True)
class Edition:
    """One printed variant: the data it prints, its pages, and the care settings it prints."""

    guide: Guide
    document: Document
    settings: tuple[str, ...] = SETTINGS

    def expected(self) -> dict[str, list[tuple]]:
        return expected(self.guide, self.settings)


def combined(guide: Guide = EDITION_2025, **table) -> Edition:
    """The guide's usual layout: one table, every setting."""
    return Edition(guide, document(guide, (payment_table(guide, **table),)))


# ---------------------------------------------------------------- 1. whole dollars


def whole_dollars() -> Edition:
    return combined(WHOLE_DOLLARS_2025, printing=Printing(whole_dollars=True))


# ---------------------------------------------------------------- 2. marks beside codes and amounts

_CATEGORY_I = ("32998", "47380", "47382", "50592", "50593", "76940")
_ASC_RATES = ("0600T", "0601T", "47382", "47383", "50592", "50593")
_COMPREHENSIVE = ("0600T", "0601T", "32998", "47382", "47383", "50592", "50593")

#: Category III codes "*", Category I "†", an add-on code "+47383", comprehensive APC payments "‡", device-
#: intensive ASC payments a raised "a", 47382's facility payment a raised "b"; each explained under the table.
MARKS = Printing(
    code_prefix={"47383": "+"},
    code_marks={**{c: (Run("*"),) for c in ("0600T", "0601T")}, **{c: (Run("\u2020"),) for c in _CATEGORY_I}},
    amount_marks={**{(c, "hospital_outpatient"): (Run("\u2021"),) for c in _COMPREHENSIVE},
                  **{(c, "ambulatory_surgical_center"): (Run("a", sup=True),) for c in _ASC_RATES},
                  ("47382", "physician_facility"): (Run("b", sup=True),)},
)
MARK_NOTES = (
    note(Run("* Category III CPT code: a temporary code for an emerging technology, service or procedure.")),
    note(Run("\u2020 Category I CPT code.")),
    note(Run("+ Add-on code: reported in addition to the code of the primary procedure.")),
    note(Run("\u2021 Comprehensive APC: the payment includes the adjunctive services of the same claim.")),
    note(Run("a", sup=True), Run(" Device-intensive procedure in the ambulatory surgical center.")),
    note(Run("b", sup=True), Run(" The multiple procedure payment reduction applies.")),
)


def marks() -> Edition:
    g = EDITION_2025
    return Edition(g, document(g, (payment_table(g, printing=MARKS), Space(4), *MARK_NOTES)))


# ---------------------------------------------------------------- 3. columns in another order


def apc_first_asc_before_opps() -> Edition:
    """APC (with its status indicator) before the code, the ASC payment before the OPPS payment, each a
    column of its own named by its own header."""
    columns = (Column("apc", ("APC{fn3} (SI)",), 50), replace(CODE, width=42), replace(DESCRIPTOR, width=138),
               NF_PAYMENT, NF_RVUS, F_PAYMENT, F_RVUS, replace(ASC_PAYMENT, width=64),
               Column("opps_payment", ("Hospital OPPS Payment{fn3}",), 64))
    g = EDITION_2025
    return Edition(g, document(g, (payment_table(g, columns),)))


def payments_before_rvus() -> Edition:
    """The physician payments side by side, then their RVUs: the setting under the measure."""
    phys = "Physician Fee Schedule{fn2}"
    columns = (CODE, DESCRIPTOR,
               Column("nf_payment", (phys, "Payment", "Non-Facility"), 46),
               Column("f_payment", (phys, "Payment", "Facility"), 46),
               Column("nf_rvus", (phys, "RVUs", "Non-Facility"), 36),
               Column("f_rvus", (phys, "RVUs", "Facility"), 36), APC, OPPS_PAYMENT, ASC_PAYMENT)
    g = EDITION_2025
    return Edition(g, document(g, (payment_table(g, columns),)))


# ---------------------------------------------------------------- 4. indicators in their own columns


def indicator_columns(si: str = "SI", pi: str = "PI") -> Edition:
    """The status indicator beside the APC and the payment indicator beside the ASC payment, each in its
    own column headed `si` and `pi`, instead of in parentheses under the value."""
    opps, asc = "Hospital Outpatient (OPPS){fn3}", "Ambulatory Surgical Center{fn4}"
    narrow = 28 if len(si) < 4 else 46
    columns = widened((replace(CODE, width=40), DESCRIPTOR, replace(NF_PAYMENT, width=44), replace(NF_RVUS, width=32),
                       replace(F_PAYMENT, width=44), replace(F_RVUS, width=32),
                       Column("apc_alone", (opps, "APC"), 32), Column("si", (opps, si), narrow),
                       Column("opps_payment", (opps, "Payment"), 50),
                       Column("asc_alone", (asc, "Payment"), 50), Column("pi", (asc, pi), narrow)), 526)
    g = EDITION_2025
    return Edition(g, document(g, (payment_table(g, columns),)))


# ---------------------------------------------------------------- 5. one table per setting

PHYSICIAN_TITLE = "Physician Payment: Medicare Physician Fee Schedule"
OPPS_TITLE = "Hospital Outpatient Payment: Outpatient Prospective Payment System"
ASC_TITLE = "Ambulatory Surgical Center Payment"


def _setting_table(g: Guide, title: str, columns: tuple[Column, ...], notes: bool, **table) -> tuple:
    return (text(title, bold=True, size=11, keep_with_next=True),
            payment_table(g, widened(columns, 526), title=None, notes=notes, **table))


def physician_table(g: Guide, **table) -> tuple:
    columns = (replace(CODE, path=("CPT® Code{fn1}",)), replace(DESCRIPTOR, path=("CPT® Descriptor{fn1}",)),
               NF_PAYMENT, NF_RVUS, F_PAYMENT, F_RVUS)
    return _setting_table(g, PHYSICIAN_TITLE, columns, True, **table)


def opps_table(g: Guide, title: str = OPPS_TITLE, **table) -> tuple:
    group = "Hospital Outpatient (OPPS){fn3}"
    columns = (replace(CODE, path=("CPT® Code{fn1}",)), replace(DESCRIPTOR, path=("CPT® Descriptor{fn1}",)),
               Column("apc_alone", (group, "APC"), 44), Column("si", (group, "Status Indicator"), 56),
               Column("opps_payment", (group, "Payment"), 64))
    return _setting_table(g, title, columns, False, **table)


def asc_table(g: Guide, **table) -> tuple:
    group = "Ambulatory Surgical Center{fn4}"
    columns = (replace(CODE, path=("CPT® Code{fn1}",)), replace(DESCRIPTOR, path=("CPT® Descriptor{fn1}",)),
               Column("asc_alone", (group, "Payment"), 64), Column("pi", (group, "Payment Indicator"), 60))
    return _setting_table(g, ASC_TITLE, columns, False, **table)


_NATIONAL = text("Medicare 2025 National Average Payment (Not Geographically Adjusted), by care setting.")


def one_table_per_setting(page_each: bool) -> Edition:
    """A physician table (with the codes' notes), then a hospital outpatient table with APC and status
    indicator columns, then an ASC table with a payment indicator column: one under the other, or each
    on a page of its own (`page_each`)."""
    g = EDITION_2025
    between = PageBreak() if page_each else Space(10)
    return Edition(g, document(g, (*physician_table(g), between, *opps_table(g), between, *asc_table(g)),
                               before=(_NATIONAL,)))


# ---------------------------------------------------------------- 6. some settings only


def some_settings() -> Edition:
    """Physician and hospital outpatient columns; no ASC column: no ASC payment is published."""
    g = EDITION_2025
    columns = widened(COMBINED[:-1], 526)
    return Edition(g, document(g, (payment_table(g, columns),)), settings=SETTINGS[:3])


# ---------------------------------------------------------------- 7. subheadings

BY_ORGAN = (("Irreversible Electroporation (IRE), any organ", ("0600T", "0601T")),
            ("Liver", ("47380", "47382", "47383")), ("Kidney", ("50592", "50593")), ("Lung", ("32998",)),
            ("Imaging Guidance", ("76940",)))
BY_APPROACH = (("Percutaneous", ("0600T", "32998", "47382", "47383", "50592", "50593")),
               ("Open", ("0601T", "47380")), ("Imaging Guidance", ("76940",)))


def subheadings(groups) -> Edition:
    return combined(groups=groups)


# ---------------------------------------------------------------- 8. continued on the next page


def continued(repeat_header: bool) -> Edition:
    """The table set low on its page, so it runs onto the next, with its header repeated there or not."""
    g = EDITION_2025
    return Edition(g, document(g, (payment_table(g, repeat_header=repeat_header),), before=(Space(330),)))


# ---------------------------------------------------------------- 9. landscape


def landscape() -> Edition:
    g = EDITION_2025
    table = payment_table(g, widened(COMBINED, 700))
    return Edition(g, document(g, (table,), glossary=(glossary_table(g, widths=(100, 600)),), landscape=True))


# ---------------------------------------------------------------- 10. dark header band, zebra stripes


def dark_header_zebra() -> Edition:
    return combined(style="dark-zebra", printing=Printing(money_align="right"))


# ---------------------------------------------------------------- 11. wordings for no payment


def no_payment_wordings() -> Edition:
    return combined(WORDINGS_2025, printing=Printing(missing="N/A"))


# ---------------------------------------------------------------- 12. the glossary as paragraphs

def glossary_in_two_columns() -> Edition:
    """"Term: definition" paragraphs in two text columns, under the payment table: they run onto the next page."""
    g = EDITION_2025
    return Edition(g, document(g, (payment_table(g),), glossary=(Columns(glossary_paragraphs(g)),),
                               glossary_page=False))


def glossary_over_a_page_break() -> Edition:
    """"Term: definition" paragraphs, under the payment table: they run onto the next page."""
    g = EDITION_2025
    return Edition(g, document(g, (payment_table(g),), glossary=glossary_paragraphs(g), glossary_page=False))


# ---------------------------------------------------------------- the ambiguous twins, refused


def raised_digit_on_code() -> Edition:
    """Variant 2's marks, but 47383's mark a raised "1": a footnote mark, or the code's sixth digit?"""
    printing = replace(MARKS, code_prefix={}, code_marks={**MARKS.code_marks, "47383": (Run("1", sup=True),)})
    notes = (note(Run("1", sup=True), Run(" Add-on code: reported in addition to the code of the primary "
                                          "procedure.")),) + MARK_NOTES[:2] + MARK_NOTES[3:]
    g = EDITION_2025
    return Edition(g, document(g, (payment_table(g, printing=printing), Space(4), *notes)))


def raised_digit_on_whole_dollars() -> Edition:
    """Variant 1, but 0600T's OPPS amount followed by a raised "2": a footnote mark, or a digit of "$9,874"?"""
    printing = Printing(whole_dollars=True, amount_marks={("0600T", "hospital_outpatient"): (Run("2", sup=True),)})
    explained = note(Run("2", sup=True), Run(" Comprehensive APC: the payment includes the adjunctive services of "
                                             "the same claim."))
    g = WHOLE_DOLLARS_2025
    return Edition(g, document(g, (payment_table(g, printing=printing), Space(4), explained)))


def two_opps_tables() -> Edition:
    """Variant 5 with a second hospital outpatient table (other amounts): which one is published?"""
    g = EDITION_2025
    rural = _changed(g, {r.code: {"opps": replace(r.opps, usd=(r.opps.usd * Decimal("1.071")).quantize(
        Decimal("0.01")))} for r in g.codes if r.opps.status == "national_rate"})
    return Edition(g, document(g, (*physician_table(g), PageBreak(), *opps_table(g), PageBreak(),
                                   *opps_table(rural, title="Hospital Outpatient Payment: Rural Sole Community "
                                                            "Hospitals"), PageBreak(), *asc_table(g)),
                               before=(_NATIONAL,)))


MEDICAID = "Medicaid Payment"


def medicaid_table() -> Edition:
    """A physician table, a hospital outpatient table, then a third table headed "Medicaid Payment"."""
    g = EDITION_2025
    columns = (replace(CODE, path=("CPT® Code{fn1}",)), replace(DESCRIPTOR, path=("CPT® Descriptor{fn1}",)),
               Column("opps_payment", (MEDICAID,), 90))
    state = _changed(g, {r.code: {"opps": replace(r.opps, usd=(r.opps.usd * Decimal("0.82")).quantize(
        Decimal("0.01")))} for r in g.codes if r.opps.status == "national_rate"})
    medicaid = (text("State Medicaid Payment (Example State)", bold=True, size=11, keep_with_next=True),
                payment_table(state, widened(columns, 526), title=None, notes=False))
    return Edition(g, document(g, (*physician_table(g), PageBreak(), *opps_table(g), PageBreak(), *medicaid),
                               before=(_NATIONAL,)))


# ---------------------------------------------------------------- the fixtures

#: Fixture name (its producer first: writer-, chromium-, pdflatex-) -> what it prints.
FIXTURES: dict[str, Edition] = {
    # the 2025 data in the usual layout, once per producer: what each variant is compared with
    "writer-combined-2025.pdf": combined(),
    "chromium-combined-2025.pdf": combined(),
    "pdflatex-combined-2025.pdf": combined(),
    # 1
    "writer-whole-dollars-2025.pdf": whole_dollars(),
    # 2
    "chromium-marks-2025.pdf": marks(),
    # 3
    "pdflatex-apc-first-asc-before-opps-2025.pdf": apc_first_asc_before_opps(),
    "pdflatex-payments-before-rvus-2025.pdf": payments_before_rvus(),
    # 4
    "writer-indicator-columns-si-pi-2025.pdf": indicator_columns(),
    "chromium-indicator-columns-spelled-out-2025.pdf": indicator_columns("Status Indicator", "Payment Indicator"),
    # 5
    "chromium-one-table-per-setting-2025.pdf": one_table_per_setting(page_each=False),
    "writer-one-table-per-setting-page-each-2025.pdf": one_table_per_setting(page_each=True),
    # 6
    "pdflatex-some-settings-2025.pdf": some_settings(),
    # 7
    "pdflatex-subheadings-organ-2025.pdf": subheadings(BY_ORGAN),
    "writer-subheadings-approach-2025.pdf": subheadings(BY_APPROACH),
    # 8
    "pdflatex-continued-repeated-header-2025.pdf": continued(True),
    "pdflatex-continued-no-repeated-header-2025.pdf": continued(False),
    # 9
    "chromium-landscape-2025.pdf": landscape(),
    "writer-landscape-2025.pdf": landscape(),
    # 10
    "chromium-dark-header-zebra-2025.pdf": dark_header_zebra(),
    # 11
    "writer-no-payment-wordings-2025.pdf": no_payment_wordings(),
    # 12
    "writer-glossary-paragraphs-two-columns-2025.pdf": glossary_in_two_columns(),
    "chromium-glossary-paragraphs-two-columns-2025.pdf": glossary_in_two_columns(),
    "pdflatex-glossary-paragraphs-two-columns-2025.pdf": glossary_in_two_columns(),
    "chromium-glossary-paragraphs-page-break-2025.pdf": glossary_over_a_page_break(),
    # the ambiguous twins, each refused
    "chromium-refused-raised-digit-on-code-2025.pdf": raised_digit_on_code(),
    "writer-refused-raised-digit-on-whole-dollars-2025.pdf": raised_digit_on_whole_dollars(),
    "chromium-refused-two-opps-tables-2025.pdf": two_opps_tables(),
    "pdflatex-refused-medicaid-table-2025.pdf": medicaid_table(),
}
