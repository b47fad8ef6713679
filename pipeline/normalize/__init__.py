"""Normalize: raw cells and lines -> typed, tidy tables. No I/O.

Tables are recognised by what their headers say (`pipeline.vocab`), never by
where they sit on the page:

* the **payment table** is the one whose header rows (the rows above the first
  CPT code) use payment-header wordings. Each leaf column is placed by the
  concepts of every header cell above it ("Physician Fee Schedule" /
  "Facility" / "RVUs" -> physician_facility RVUs). A header cell with an
  unknown wording stops the build, naming the text and page.
* a table on the page after a payment table continues it when its top rows
  repeat that table's header, or when it has no header naming payment columns
  (a page break without a repeated header). A row broken by the page break
  comes in two parts, one without a code: a code-less first row of the
  continuation finishes the row before it (a top-aligned row's note), and a
  code-less last row on a page starts the first row of the next page (a
  row whose code is printed in its middle, below the break).
* the **terminology table** is the two-column table headed "Term" /
  "Description"; it continues across pages the same way, a row with an empty
  term finishing the description above it.
* a line outside every table that reads like a payment row (a CPT code and a
  dollar amount) stops the build: the table around it could not be placed.
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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd

from pipeline import fields as F
from pipeline import schemas, vocab
from pipeline.errors import LayoutError, NotThisGuide, ValueNotParsed, YearConflict
from pipeline.model import Guide, RawGuide
from pipeline.text import join_lines, split_footnotes, squash, vocabulary
from pipeline.text import normalize as as_read

CPT_CODE = re.compile(F.CPT_CODE_PATTERN)
#: A dollar amount: whole dollars, or dollars and exactly two cent digits ("$9,096.4" is no amount).
_MONEY = re.compile(r"^\$?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{2}))?$")
#: A raised run of digits glued to the digits before it: "$9,096.4" and a raised "6".
_GLUED_RAISED = re.compile(r"(?<=\d)\^+")
_RVUS = re.compile(r"^\d+(?:\.\d{1,2})?$")
_INDICATOR = re.compile(r"^(?P<value>.*?)\s*\((?P<ind>[A-Z][A-Z0-9]?)\)$")
_APC = re.compile(r"^\d{4}$")
_NOTE = re.compile(r"\(\s*Do not report\s+(?P<code>\S+)\s+in conjunction with\s+(?P<codes>[^)]*)\)", re.I)

#: Header concept -> the setting whose columns sit under it.
SETTING_OF = {
    "non_facility": "physician_non_facility",
    "facility": "physician_facility",
    "opps": "hospital_outpatient",
    "asc": "ambulatory_surgical_center",
}


@dataclass(frozen=True)
class Piece:
    """One printed cell (or the parts of one cell broken across a page)."""

    text: str
    sup_mask: str
    page: int
    box: tuple[float, float, float, float]
    #: The printed row(s) of the extracted tables it was read from: (page, table, row) each.
    rows: tuple[tuple[int, int, int], ...] = ()

    def extend(self, other: "Piece") -> "Piece":
        return Piece(f"{self.text}\n{other.text}", f"{self.sup_mask}\n{other.sup_mask}", self.page, self.box,
                     tuple(dict.fromkeys(self.rows + other.rows)))


def _join(first: dict[int, Piece], then: dict[int, Piece]) -> dict[int, Piece]:
    """The cells of a row broken by a page break, put back together column by column.

    An empty part gives way to the printed one, so provenance points at the text.
    A merged cell continues in every column it covers, even where the part after
    the break is narrower ("No national set" over four columns, "payment" under two).
    """
    out = dict(first)
    done: set[int] = set()
    for c, p in then.items():
        if c in done or not p.text.strip():
            continue
        columns = {k for k, q in then.items() if q.box == p.box and q.page == p.page}
        for k in list(columns):
            base = first.get(k)
            if base is not None and base.text.strip():
                columns |= {j for j, q in first.items() if q.box == base.box and q.page == base.page
                            and not (j in then and then[j].text.strip() and then[j].box != p.box)}
        for k in columns:
            base = first.get(k)
            out[k] = base.extend(p) if base is not None and base.text.strip() else p
        done |= columns
    return out


def _fills_gaps(first: dict[int, Piece], then: dict[int, Piece]) -> bool:
    """Is every printed cell of `then` under a column `first` (a row of the same table) left empty?"""
    tables = {t for p in first.values() for _, t, _ in p.rows}
    return all(not p.text.strip() or ((q := first.get(c)) is None or not q.text.strip())
               and {t for _, t, _ in p.rows} <= tables for c, p in then.items())


def _numbered(noun: str, numbers: list[int]) -> str:
    """"row 3", "rows 3 and 4", "rows 3, 4 and 5"."""
    if len(numbers) == 1:
        return f"{noun.rstrip('s')} {numbers[0]}"
    return f"{noun.rstrip('s')}s {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def _role_label(role: tuple[str | None, str]) -> str:
    setting, kind = role
    return kind if setting is None else f"{setting} {kind}"


# ---------------------------------------------------------------- entry point

def normalize(raw: RawGuide) -> Guide:
    """Turn the raw frames of one guide into typed tables (see module docstring)."""
    facts = _document_facts(raw)
    words = vocabulary(list(raw.lines["text"]) + list(raw.cells["text"]))
    _check_no_stray_rows(raw.lines)
    out = _Builder(facts["guide_year"] or 0, words)
    payment_page = None
    warnings: list[dict] = []
    previous: _Reading | None = None
    for grid in _grids(raw.cells):
        reading = _classify(grid, previous)
        if reading is not None and grid.table in raw.stops:
            raise raw.stops[grid.table]
        if reading is not None and reading.kind == "payment":
            out.payment_rows(grid, reading)
            warnings += [w for w in reading.warnings if w not in warnings]
            payment_page = payment_page or grid.first_page
        elif reading is not None:
            out.terminology_rows(grid, reading)
        elif previous is not None and previous.kind == "payment" and grid.first_page == previous.page + 1 \
                and grid.first_data_row() is not None:
            raise LayoutError(f"a table of CPT code rows follows the payment table but neither repeats its "
                              f"header nor has its {previous.columns.ncols} columns (it has {grid.ncols})",
                              page=grid.first_page)
        previous = reading
    if payment_page is None:
        raise NotThisGuide("no CPT payment table found: no table has a header naming CPT codes and payments "
                           "(is this the CPT Reimbursement Guide?)")
    if facts["guide_year"] is None:
        raise NotThisGuide('no guide year printed: found neither "Medicare YYYY National Average Payment" '
                           'nor "effective as of <date>"')
    tables = out.frames()
    if not len(tables["codes"]):
        raise LayoutError("the payment table has a header but no row with a CPT code", page=payment_page)
    return Guide(
        guide_year=facts["guide_year"],
        effective_date=facts["effective_date"],
        title=facts["title"],
        document_number=facts["document_number"],
        source_name=raw.source_name,
        sha256=raw.sha256,
        page_count=raw.page_count,
        footnotes=out.footnotes,
        tables=tables,
        warnings=warnings,
    )


#: A line of prose that reads like a row of the payment table: a CPT code, then a dollar amount.
_STRAY_ROW = re.compile(r"^\s*(\d{5}|\d{4}T)\s.*\$\s?\d")


def _check_no_stray_rows(lines: pd.DataFrame) -> None:
    """Stop when a payment row was left outside every table: its table was not found whole."""
    for page, text in zip(lines["page"], lines["text"]):
        if _STRAY_ROW.match(text):
            raise LayoutError(f"a payment row outside any table that could be read: {squash(text)!r}; "
                              "the table around it has no header the pipeline knows", page=int(page))


# ---------------------------------------------------------------- document facts

def _document_facts(raw: RawGuide) -> dict:
    pages: dict[int, list[str]] = {}
    for page, text in zip(raw.lines["page"], raw.lines["text"]):
        pages.setdefault(int(page), []).append(text)
    for page, text in zip(raw.cells["page"], raw.cells["text"]):
        pages.setdefault(int(page), []).append(text)
    prose = [(page, squash(as_read(" ".join(texts)))) for page, texts in sorted(pages.items())]

    years: dict[int, int] = {}
    for page, text in prose:
        for pattern in vocab.fact_patterns("guide_year"):
            for m in pattern.finditer(text):
                years.setdefault(int(m.group("year")), page)
    effective = None
    for page, text in prose:
        m = next((m for p in vocab.fact_patterns("effective_date") for m in p.finditer(text)), None)
        if m:
            effective = (datetime.strptime(m.group("date"), "%B %d, %Y").date(), page)
            break
    if len(years) > 1:
        found = ", ".join(f"{y} (page {p})" for y, p in sorted(years.items()))
        raise YearConflict(f"the document names more than one payment year: {found}")
    # No year at all is reported by normalize() after the tables: a PDF with
    # no payment table is "not this guide" first, whatever else it lacks.
    year = next(iter(years)) if years else effective[0].year if effective else None
    if effective and effective[0].year != year:
        raise YearConflict(f"payments are for {year} but page {effective[1]} says they are effective as of "
                           f"{effective[0].isoformat()}", page=effective[1])

    number = None
    for _, text in prose:
        m = next((m for p in vocab.fact_patterns("document_number") for m in p.finditer(text)), None)
        if m:
            number = m.group("number")
            break
    first = raw.lines[raw.lines["page"] == 1]
    title = None
    if len(first):
        biggest = first[first["size"] >= first["size"].max() - 0.1]
        title = squash(" ".join(biggest.sort_values("top")["text"]))
    return {"guide_year": year, "effective_date": effective[0] if effective else None,
            "document_number": number, "title": title}


# ---------------------------------------------------------------- table grids

@dataclass
class _Grid:
    """One table found by extract: its cells, addressable by grid position."""

    table: int
    first_page: int
    last_page: int
    cells: list[dict]
    ncols: int = 0

    def __post_init__(self):
        self.ncols = max(c["col"] + c["col_span"] for c in self.cells)
        self.nrows = max(c["row"] + c["row_span"] for c in self.cells)
        self._at: dict[tuple[int, int], dict] = {}
        self._rows: dict[int, list[dict]] = {}
        for cell in self.cells:
            self._rows.setdefault(cell["row"], []).append(cell)
            for r in range(cell["row"], cell["row"] + cell["row_span"]):
                for c in range(cell["col"], cell["col"] + cell["col_span"]):
                    self._at[(r, c)] = cell

    def row_cells(self, r: int) -> list[dict]:
        """Cells whose top-left corner is in row `r`."""
        return self._rows.get(r, [])

    def at(self, r: int, c: int) -> dict | None:
        """The cell covering grid position (r, c), merged cells included."""
        return self._at.get((r, c))

    def first_data_row(self) -> int | None:
        for r in range(self.nrows):
            if any(CPT_CODE.match(squash(c["text"])) for c in self.row_cells(r)):
                return r
        return None


def _grids(cells: pd.DataFrame) -> list[_Grid]:
    grids = []
    for table, group in cells.groupby("table", sort=True):
        records = group.to_dict("records")
        pages = [int(c["page"]) for c in records]
        grids.append(_Grid(int(table), min(pages), max(pages), records))
    return grids


def _piece(cell: dict) -> Piece:
    return Piece(cell["text"], cell["sup_mask"], int(cell["page"]),
                 (float(cell["x0"]), float(cell["top"]), float(cell["x1"]), float(cell["bottom"])),
                 ((int(cell["page"]), int(cell["table"]), int(cell["row"])),))


# ---------------------------------------------------------------- classification

def _header_cells(grid: _Grid, upto: int) -> list[tuple[dict, str]]:
    """Non-empty header cells (rows before `upto`) with their footnote-free wording."""
    out = []
    for c in grid.cells:
        if c["row"] < upto and c["text"].strip():
            wording, _ = split_footnotes(c["text"], c["sup_mask"], glued=True)
            out.append((c, squash(wording)))
    return out


@dataclass(frozen=True)
class _Reading:
    """How to read one table found by extract."""

    kind: str  # payment | terminology
    #: First row below the header (0 for a continuation without a repeated header).
    start: int
    #: The table continues the one on the page before.
    continues: bool
    #: The header's printed cells (first column, text): a continuation whose top cells are these
    #: repeats the header.
    header: tuple[tuple[int, str], ...]
    page: int
    columns: "_Columns | None" = None
    #: Unknown group headers left out because the columns under them name themselves.
    warnings: tuple[dict, ...] = ()


def _header_texts(grid: _Grid, rows: int) -> tuple[tuple[int, str], ...]:
    """The printed cells of the top `rows` rows: (first column, text), in reading order."""
    return tuple((int(c["col"]), squash(c["text"]))
                 for r in range(rows) for c in sorted(grid.row_cells(r), key=lambda c: c["col"])
                 if c["text"].strip())


def _repeats(now: tuple[tuple[int, str], ...], before: tuple[tuple[int, str], ...]) -> bool:
    """Do a continued table's top cells repeat the first part's header?

    The same cells from the same columns, each with the same text or that text cut short
    after a whole word: a producer that repeats a header may clip the last line of its
    tallest cell ("ASC Payment (Payment" for "ASC Payment (Payment Indicator)"). Neither
    the row a cell was put in nor how far it spans matters: a cell centred over several
    header lines may be placed a row higher on one page than on the other, and a title
    over the whole table may reach one column less (the columns come from the first part).
    """
    if len(now) != len(before):
        return False
    left = sorted(before)
    for col, text in sorted(now):
        match = next((k for k, (c, t) in enumerate(left)
                      if c == col and (t == text or (text and t.startswith(text) and t[len(text)] == " "))), None)
        if match is None:
            return False
        del left[match]
    return True


def _repeated_rows(grid: _Grid, before: tuple[tuple[int, str], ...]) -> int:
    """How many top rows of `grid` repeat the header `before` (0: it is not repeated)."""
    for rows in range(1, grid.nrows + 1):
        now = _header_texts(grid, rows)
        if len(now) > len(before):
            break
        if _repeats(now, before):
            return rows
    return 0


def _classify(grid: _Grid, previous: _Reading | None) -> _Reading | None:
    """How to read `grid`: a payment table, a terminology table, or None for any other table."""
    first_data = grid.first_data_row()
    header_rows = grid.nrows if first_data is None else first_data
    continues = previous is not None and grid.first_page == previous.page + 1
    headers = _header_cells(grid, header_rows)
    concepts = [vocab.header_concept("payment", w) for _, w in headers]
    names_columns = any(c in ("code", "descriptor", *SETTING_OF) for c in concepts)
    if continues and previous.kind == "payment" and previous.columns.ncols == grid.ncols:
        repeated = _repeated_rows(grid, previous.header)
        if repeated or not names_columns:
            return _Reading("payment", repeated, True, previous.header, grid.last_page, previous.columns)
    if grid.ncols == 2 and first_data is None:
        top = [(c, w) for c, w in headers if c["row"] == 0]
        if top and all(vocab.header_concept("terminology", w) for _, w in top):
            return _Reading("terminology", 1, continues and previous.kind == "terminology",
                            _header_texts(grid, 1), grid.last_page)
        if continues and previous.kind == "terminology":
            return _Reading("terminology", 0, True, previous.header, grid.last_page)
    if not names_columns:
        return None
    columns, warnings = _place_columns(grid, header_rows, headers, concepts)
    return _Reading("payment", header_rows, False, _header_texts(grid, header_rows), grid.last_page,
                    columns, warnings)


def _unknown_wording(cell: dict, wording: str) -> LayoutError:
    return LayoutError(f"payment table header {wording!r} is not a known wording; if it is a new "
                       "wording for a known column, add it to pipeline/vocab/payment_headers.csv",
                       page=int(cell["page"]))


def _named_below(cell: dict, known: list[dict]) -> bool:
    """Does every column under `cell` have a known header cell of its own below it?"""
    below = cell["row"] + cell["row_span"]
    return all(any(k["row"] >= below and k["col"] <= c < k["col"] + k["col_span"] for k in known)
               for c in range(cell["col"], cell["col"] + cell["col_span"]))


def _place_columns(grid: _Grid, header_rows: int, headers, concepts) -> tuple["_Columns", tuple[dict, ...]]:
    """Each leaf column's role, and a warning for each unknown group header that was not needed.

    A header cell with an unknown wording stops the build, unless it is a group header
    whose every column has a known header of its own below it, and those headers place
    every column without it ("Procedure" over "CPT Code" and "CPT Descriptor"): then it
    is left out, and a warning names it. When a column needs it to be placed, the build
    stops as for any unknown wording.
    """
    unknown = [(cell, wording) for (cell, wording), concept in zip(headers, concepts) if concept is None]
    known = [(h, c) for h, c in zip(headers, concepts) if c is not None]
    for cell, wording in unknown:
        if not _named_below(cell, [h[0] for h, _ in known]):
            raise _unknown_wording(cell, wording)
    try:
        columns = _Columns.from_headers(grid, header_rows, [h for h, _ in known], [c for _, c in known])
    except LayoutError:
        if unknown:
            raise _unknown_wording(*unknown[0]) from None
        raise
    warnings = tuple({"page": int(cell["page"]), "wording": wording,
                      "message": f"page {int(cell['page'])}: payment table group header {wording!r} is not a known "
                                 "wording; the columns under it are named by their own headers, so it was left out "
                                 "(add it to pipeline/vocab/payment_headers.csv to say what it means)"}
                     for cell, wording in unknown)
    return columns, warnings


@dataclass(frozen=True)
class _Columns:
    """What each leaf column of a payment table holds: (setting or None, kind)."""

    ncols: int
    header_rows: int
    roles: tuple[tuple[str | None, str], ...]

    @classmethod
    def from_headers(cls, grid: _Grid, header_rows: int, headers, concepts) -> "_Columns":
        page = grid.first_page
        above: list[set[str]] = [set() for _ in range(grid.ncols)]
        names: list[list[str]] = [[] for _ in range(grid.ncols)]
        for (cell, wording), concept in zip(headers, concepts):
            for c in range(cell["col"], cell["col"] + cell["col_span"]):
                above[c].add(concept)
                names[c].append(wording)
        roles = []
        for c, concepts_here in enumerate(above):
            label = " / ".join(names[c]) or "(no header)"
            if "code" in concepts_here:
                roles.append((None, "code"))
                continue
            if "descriptor" in concepts_here:
                roles.append((None, "descriptor"))
                continue
            settings = {SETTING_OF[k] for k in concepts_here if k in SETTING_OF}
            if len(settings) != 1:
                raise LayoutError(f"payment table column {c + 1} headed {label!r} cannot be placed in one "
                                  "care setting", page=page)
            kind = "rvus" if "rvus" in concepts_here else "apc" if "apc" in concepts_here else "amount"
            roles.append((settings.pop(), kind))
        seen = set()
        for c, role in enumerate(roles):
            if role in seen:
                raise LayoutError(f"payment table has two columns for {role[1]} of {role[0] or 'the code'} "
                                  f"(column {c + 1})", page=page)
            seen.add(role)
        missing = [r for r in [(None, "code"), (None, "descriptor")] + [(s, "amount") for s in F.SETTINGS]
                   if r not in seen]
        if missing:
            what = ", ".join(f"{s} payment" if s else k for s, k in missing)
            raise LayoutError(f"payment table has no column for {what}", page=page)
        return cls(grid.ncols, header_rows, tuple(roles))


# ---------------------------------------------------------------- parsing values

def _money(text: str, page: int, what: str) -> Decimal:
    m = _MONEY.match(text)
    if not m:
        raise ValueNotParsed(f"{what}: {text!r} is not a dollar amount", page=page)
    return Decimal(m.group("num").replace(",", "") + "." + (m.group("cents") or "0")).quantize(Decimal("0.01"))


def _unglued(piece: Piece, what: str) -> str:
    """The value of a cell without its footnote marks; a raised digit glued to its digits stops the build.

    "$9,096.4" with a raised "6" is either $9,096.46 printed oddly or $9,096.4 and
    footnote 6: nothing on the page says which, so it is not read at all.
    """
    mask = piece.sup_mask.ljust(len(piece.text))
    for m in _GLUED_RAISED.finditer("".join("^" if k == "^" else ch for ch, k in zip(piece.text, mask))):
        raised = piece.text[m.start():m.end()]
        if raised.isdigit():
            shown = squash(piece.text[:m.start()])
            raise ValueNotParsed(f"{what}: {shown!r} is followed by a raised {raised!r} glued to its digits: "
                                 "the value cannot be read (a digit printed small, or a footnote mark?)",
                                 page=piece.page)
    return squash(split_footnotes(piece.text, piece.sup_mask)[0])


def _amount(piece: Piece, what: str) -> tuple[str, Decimal | None, str | None]:
    """(payment_status, usd, indicator) from an amount cell such as "$6,243.45 (J8)"."""
    text = _unglued(piece, what)
    indicator = None
    m = _INDICATOR.match(text)
    if m:
        text, indicator = m.group("value"), m.group("ind")
    status = vocab.sentinel_status(text)
    if status:
        return status, None, indicator
    if not text:
        raise ValueNotParsed(f"{what}: the cell is empty", page=piece.page)
    return "national_rate", _money(text, piece.page, what), indicator


def _apc(piece: Piece, what: str) -> tuple[str | None, str | None]:
    text = _unglued(piece, what)
    indicator = None
    m = _INDICATOR.match(text)
    if m:
        text, indicator = m.group("value"), m.group("ind")
    if vocab.sentinel_status(text) or not text:
        return None, indicator
    if not _APC.match(text):
        raise ValueNotParsed(f"{what}: {text!r} is not an APC number", page=piece.page)
    return text, indicator


def _rvus(piece: Piece, what: str) -> Decimal | None:
    text = _unglued(piece, what)
    if not text or vocab.sentinel_status(text):
        return None
    if not _RVUS.match(text):
        raise ValueNotParsed(f"{what}: {text!r} is not an RVU figure with at most two decimals", page=piece.page)
    return Decimal(text).quantize(Decimal("0.01"))


# ---------------------------------------------------------------- row builder

class _Builder:
    """Accumulates rows of every published table, with provenance, for one guide."""

    def __init__(self, year: int, words: frozenset[str]):
        self.year = year
        self.words = words
        self.rows: dict[str, list[dict]] = {name: [] for name in F.TABLES}
        self.footnotes: list[dict] = []
        self._pending: tuple[dict[int, Piece], _Columns] | None = None
        #: The top part of a row broken by a page break whose code is printed on the next page.
        self._orphan: dict[int, Piece] | None = None
        #: Each payment table's first and last printed data rows, by table id: where a row broken
        #: by a page break may end (the last) and go on (the first of the next page's table).
        self._printed: dict[int, tuple[int, int]] = {}

    # -- provenance: one row per published value (every column but guide_year
    # and source_page), pointing at the printed cell the value was read from.
    def _prov(self, dataset: str, key: str, name: str, piece: Piece) -> None:
        x0, top, x1, bottom = piece.box
        self.rows["provenance"].append({
            "guide_year": self.year, "dataset": dataset, "key": key, "field": name, "page": piece.page,
            "x0": round(x0, 2), "top": round(top, 2), "x1": round(x1, 2), "bottom": round(bottom, 2),
            "raw_text": piece.text,
        })

    def _note_footnotes(self, table: str, grid: _Grid, upto: int) -> None:
        for cell in grid.cells:
            if cell["row"] < upto and cell["text"].strip():
                wording, marks = split_footnotes(cell["text"], cell["sup_mask"], glued=True)
                if marks:
                    self.footnotes.append({"table": table, "text": squash(wording), "marks": marks,
                                           "page": int(cell["page"])})

    # -- payment table
    def payment_rows(self, grid: _Grid, reading: _Reading) -> None:
        """Read the data rows of one payment table (or of its continuation)."""
        cols, start = reading.columns, reading.start
        if not reading.continues:
            self._check_no_orphan()
            if start > 0:
                self._note_footnotes("payments", grid, start)
        code_col = cols.roles.index((None, "code"))
        printed_rows = [r for r in range(start, grid.nrows) if any(c["text"].strip() for c in grid.row_cells(r))]
        if printed_rows:
            self._printed[grid.table] = (printed_rows[0], printed_rows[-1])
        for r in range(start, grid.nrows):
            pieces = {c: _piece(cell) for c in range(grid.ncols)
                      if (cell := grid.at(r, c)) is not None and cell["row"] == r}
            printed = [p for p in pieces.values() if p.text.strip()]
            if not printed:
                continue
            code_piece = pieces.get(code_col)
            if code_piece is not None and code_piece.text.strip():
                self.finish()
                if self._orphan is not None:
                    pieces, self._orphan = _join(self._orphan, pieces), None
                self._pending = (pieces, cols)
            elif r == start and reading.continues and self._orphan is not None:
                self._orphan = _join(self._orphan, pieces)
            elif r == start and reading.continues and self._pending is not None:
                # the rest of the row the page break cut off (a top-aligned row's note)
                self._pending = (_join(self._pending[0], pieces), cols)
            elif r == grid.nrows - 1:
                # the top of a row the page break cut off; its code comes on the next page
                self.finish()
                self._orphan = pieces
            elif self._pending is not None and _fills_gaps(self._pending[0], pieces):
                # the cells the code's row left empty, printed in the row below: taken as its row's,
                # so that `_emit_code` names both rows and stops (a code's values come from one row)
                self._pending = (_join(self._pending[0], pieces), cols)
            else:
                raise LayoutError(f"payment table row with no CPT code: {squash(printed[0].text)!r}",
                                  page=printed[0].page)

    def _check_no_orphan(self) -> None:
        if self._orphan is not None:
            first = next(p for p in self._orphan.values() if p.text.strip())
            raise LayoutError(f"payment table row with no CPT code, not continued on the next page: "
                              f"{squash(first.text)!r}", page=first.page)

    def finish(self) -> None:
        """Emit the payment row held back in case it continued on the next page."""
        if self._pending is not None:
            self._emit_code(*self._pending)
            self._pending = None

    def _emit_code(self, pieces: dict[int, Piece], cols: _Columns) -> None:
        role = {r: c for c, r in enumerate(cols.roles)}
        code_piece = pieces[role[(None, "code")]]
        code = squash(split_footnotes(code_piece.text, code_piece.sup_mask)[0])
        if not CPT_CODE.match(code):
            raise ValueNotParsed(f"{code!r} is not a CPT code (5 digits, or 4 digits and T)", page=code_piece.page)
        self._check_one_row(code, code_piece.page, pieces, cols)
        desc_piece = pieces.get(role[(None, "descriptor")])
        if desc_piece is None:
            raise LayoutError(f"code {code} has no descriptor cell", page=code_piece.page)
        descriptor, excluded = self._descriptor(code, desc_piece)
        page = code_piece.page
        self.rows["codes"].append({"guide_year": self.year, "cpt_code": code,
                                   "code_category": "I" if code.isdigit() else "III",
                                   "descriptor": descriptor, "source_page": page})
        self._prov("codes", code, "cpt_code", code_piece)
        self._prov("codes", code, "code_category", code_piece)
        self._prov("codes", code, "descriptor", desc_piece)
        for other in excluded:
            self.rows["exclusions"].append({"guide_year": self.year, "cpt_code": code, "excluded_code": other,
                                            "source_page": desc_piece.page})
            self._prov("exclusions", f"{code}|{other}", "cpt_code", code_piece)
            self._prov("exclusions", f"{code}|{other}", "excluded_code", desc_piece)
        for setting in F.SETTINGS:
            self._payment(code, code_piece, setting, pieces, role)

    def _check_one_row(self, code: str, page: int, pieces: dict[int, Piece], cols: _Columns) -> None:
        """Post-condition: a code's values come from one printed row of the extracted tables.

        The one exception is a row cut by page breaks: one row of each of tables on consecutive
        pages, where every row but the last is its table's last printed row and every row but the
        first its table's first printed row. Anything else stops the build, naming the rows.
        """
        origins = sorted({o for p in pieces.values() for o in p.rows})
        if len(origins) <= 1:
            return
        by_table: dict[tuple[int, int], list[int]] = {}
        for o_page, table, row in origins:
            by_table.setdefault((o_page, table), []).append(row)
        tables = sorted(by_table)
        bounds = {t: self._printed.get(t[1], (None, None)) for t in tables}
        if all(len(rows) == 1 for rows in by_table.values()) and all(
                b[0] == a[0] + 1 and by_table[a][0] == bounds[a][1] and by_table[b][0] == bounds[b][0]
                for a, b in zip(tables, tables[1:])):
            return
        if len(tables) == 1:
            where = f"{_numbered('rows', [r + 1 for r in by_table[tables[0]]])} of the table"
        else:
            where = " and ".join(f"{_numbered('row', [r + 1 for r in by_table[t]])} of the table on page {t[0]}"
                                 for t in tables)
        held = []
        for o_page, table, row in origins:
            labels = [_role_label(cols.roles[c]) for c, p in sorted(pieces.items())
                      if p.text.strip() and (o_page, table, row) in p.rows]
            if labels:
                page_of = f" on page {o_page}" if len(tables) > 1 else ""
                held.append(f"{', '.join(labels)} from row {row + 1}{page_of}")
        raise LayoutError(f"{code}: its values come from {where}: {'; '.join(held)}", page=page)

    def _payment(self, code: str, code_piece: Piece, setting: str, pieces: dict[int, Piece], role: dict) -> None:
        what = f"{code} {setting}"
        amount_col = role[(setting, "amount")]
        amount_piece = pieces.get(amount_col)
        if amount_piece is None:
            raise LayoutError(f"{what}: no cell under the payment column", page=None)
        status, usd, indicator = _amount(amount_piece, what)
        key = f"{code}|{setting}"
        row = {"guide_year": self.year, "cpt_code": code, "setting": setting, "payment_status": status,
               "payment_usd": usd, "rvus": None, "apc": None, "indicator": indicator,
               "source_page": amount_piece.page}
        self._prov("payments", key, "cpt_code", code_piece)
        self._prov("payments", key, "setting", amount_piece)
        self._prov("payments", key, "payment_status", amount_piece)
        self._prov("payments", key, "payment_usd", amount_piece)
        if setting in F.PHYSICIAN_SETTINGS:
            rvus_col = role.get((setting, "rvus"))
            rvus_piece = pieces.get(rvus_col) if rvus_col is not None else None
            if rvus_piece is not None and rvus_piece is not amount_piece and rvus_piece.box != amount_piece.box:
                row["rvus"] = _rvus(rvus_piece, f"{what} RVUs")
                self._prov("payments", key, "rvus", rvus_piece)
            else:
                self._prov("payments", key, "rvus", amount_piece)
        else:
            self._prov("payments", key, "rvus", amount_piece)
        apc_col = role.get((setting, "apc"))
        apc_piece = pieces.get(apc_col) if apc_col is not None else None
        if apc_piece is not None:
            row["apc"], apc_indicator = _apc(apc_piece, f"{what} APC")
            if apc_indicator is not None:
                if indicator is not None and indicator != apc_indicator:
                    raise ValueNotParsed(f"{what}: status indicator printed twice, {indicator} and {apc_indicator}",
                                         page=apc_piece.page)
                row["indicator"] = apc_indicator
            self._prov("payments", key, "apc", apc_piece)
            self._prov("payments", key, "indicator", apc_piece if apc_indicator else amount_piece)
        else:
            self._prov("payments", key, "apc", amount_piece)
            self._prov("payments", key, "indicator", amount_piece)
        self.rows["payments"].append(row)

    def _descriptor(self, code: str, piece: Piece) -> tuple[str, list[str]]:
        text, marks = split_footnotes(piece.text, piece.sup_mask)
        if marks:
            self.footnotes.append({"table": "codes", "text": code, "marks": marks, "page": piece.page})
        joined = join_lines(text, self.words)
        excluded: list[str] = []
        for m in _NOTE.finditer(joined):
            if squash(m.group("code")) != code:
                raise ValueNotParsed(f"the note under {code} names another code: {m.group(0)!r}", page=piece.page)
            for other in re.split(r",|\band\b|\bor\b", m.group("codes")):
                other = other.strip()
                if not other:
                    continue
                if not CPT_CODE.match(other):
                    raise ValueNotParsed(f"the note under {code} lists {other!r}, which is not a CPT code",
                                         page=piece.page)
                excluded.append(other)
        descriptor = squash(_NOTE.sub(" ", joined))
        if not descriptor:
            raise ValueNotParsed(f"code {code} has an empty descriptor", page=piece.page)
        return descriptor, excluded

    # -- terminology
    def terminology_rows(self, grid: _Grid, reading: _Reading) -> None:
        if reading.start and not reading.continues:
            self._note_footnotes("terminology", grid, reading.start)
        terms = self.rows["terminology"]
        for r in range(reading.start, grid.nrows):
            term_cell, desc_cell = grid.at(r, 0), grid.at(r, 1)
            if term_cell is not None and term_cell is desc_cell and term_cell["text"].strip():
                raise LayoutError(f"terminology row printed across both columns: {squash(term_cell['text'])!r}",
                                  page=int(term_cell["page"]))
            term_p = _piece(term_cell) if term_cell is not None else None
            desc_p = _piece(desc_cell) if desc_cell is not None else None
            term = squash(split_footnotes(term_p.text, term_p.sup_mask)[0]) if term_p else ""
            if not term:
                if desc_p is None or not desc_p.text.strip():
                    continue
                if not terms:
                    raise LayoutError(f"terminology row with no term: {squash(desc_p.text)!r}", page=desc_p.page)
                # a description the page break (or a wrapped row) carried below its term
                last = terms[-1]
                last["_desc"] = last["_desc"].extend(desc_p) if last["_desc"].text.strip() else desc_p
                continue
            if desc_p is None:
                desc_p = Piece("", "", term_p.page, term_p.box)
            terms.append({"guide_year": self.year, "term": term, "source_page": term_p.page,
                          "_term": term_p, "_desc": desc_p})

    # -- output
    def frames(self) -> dict[str, pd.DataFrame]:
        self.finish()
        self._check_no_orphan()
        for row in self.rows["terminology"]:
            desc_p = row.pop("_desc")
            term_p = row.pop("_term")
            row["description"] = join_lines(split_footnotes(desc_p.text, desc_p.sup_mask)[0], self.words)
            if not row["description"]:
                raise LayoutError(f"term {row['term']!r} has no description beside it", page=term_p.page)
            self._prov("terminology", row["term"], "term", term_p)
            self._prov("terminology", row["term"], "description", desc_p)
        out = {}
        for name, table in F.TABLES.items():
            frame = schemas.coerce(self.rows[name], schemas.published(name))
            out[name] = frame.sort_values(list(table.sort_by), kind="stable").reset_index(drop=True)
        return out
