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
from decimal import Decimal

import pandas as pd

from pipeline import fields as F
from pipeline import schemas, vocab
from pipeline.errors import LayoutError, NotThisGuide, ValueNotParsed
from pipeline.model import Guide, RawGuide
from pipeline.normalize import tables
from pipeline.normalize.columns import Columns
from pipeline.normalize.facts import document_facts
from pipeline.normalize.grids import CPT_CODE, Grid, Piece
from pipeline.normalize.grids import piece as _piece
from pipeline.normalize.tables import Reading
from pipeline.text import join_lines, split_footnotes, squash, vocabulary

#: A dollar amount: whole dollars, or dollars and exactly two cent digits ("$9,096.4" is no amount).
_MONEY = re.compile(r"^\$?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{2}))?$")
#: A raised run of digits glued to the digits before it: "$9,096.4" and a raised "6".
_GLUED_RAISED = re.compile(r"(?<=\d)\^+")
_RVUS = re.compile(r"^\d+(?:\.\d{1,2})?$")
_INDICATOR = re.compile(r"^(?P<value>.*?)\s*\((?P<ind>[A-Z][A-Z0-9]?)\)$")
_APC = re.compile(r"^\d{4}$")
_NOTE = re.compile(r"\(\s*Do not report\s+(?P<code>\S+)\s+in conjunction with\s+(?P<codes>[^)]*)\)", re.I)


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
    facts = document_facts(raw)
    words = vocabulary(list(raw.lines["text"]) + list(raw.cells["text"]))
    tables.check_no_stray_rows(raw.lines)
    out = _Builder(facts.guide_year or 0, words)
    payment_page = None
    warnings: list[dict] = []
    for part in tables.read(raw.cells, raw.stops):
        grid, reading = part.grid, part.reading
        if reading.kind == "payment":
            out.payment_rows(grid, reading)
            warnings += [w for w in reading.warnings if w not in warnings]
            payment_page = payment_page or grid.first_page
        else:
            out.terminology_rows(grid, reading)
    if payment_page is None:
        raise NotThisGuide("no CPT payment table found: no table has a header naming CPT codes and payments "
                           "(is this the CPT Reimbursement Guide?)")
    if facts.guide_year is None:
        raise NotThisGuide('no guide year printed: found neither "Medicare YYYY National Average Payment" '
                           'nor "effective as of <date>"')
    frames = out.frames()
    if not len(frames["codes"]):
        raise LayoutError("the payment table has a header but no row with a CPT code", page=payment_page)
    return Guide(guide_year=facts.guide_year, effective_date=facts.effective_date, title=facts.title,
                 document_number=facts.document_number, source_name=raw.source_name, sha256=raw.sha256,
                 page_count=raw.page_count, footnotes=out.footnotes, tables=frames, warnings=warnings)


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
        self._pending: tuple[dict[int, Piece], Columns] | None = None
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

    def _note_footnotes(self, table: str, grid: Grid, upto: int) -> None:
        for cell in grid.cells:
            if cell["row"] < upto and cell["text"].strip():
                wording, marks = split_footnotes(cell["text"], cell["sup_mask"], glued=True)
                if marks:
                    self.footnotes.append({"table": table, "text": squash(wording), "marks": marks,
                                           "page": int(cell["page"])})

    # -- payment table
    def payment_rows(self, grid: Grid, reading: Reading) -> None:
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

    def _emit_code(self, pieces: dict[int, Piece], cols: Columns) -> None:
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

    def _check_one_row(self, code: str, page: int, pieces: dict[int, Piece], cols: Columns) -> None:
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
    def terminology_rows(self, grid: Grid, reading: Reading) -> None:
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
