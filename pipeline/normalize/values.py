"""Step 5 of normalize, values: the pieces of one whole row parsed into typed values, strictly.

Money to exact `Decimal`, sentinels by `vocab/sentinels.csv`, "5362 (J1)" into
APC and indicator, the descriptor split from its "(Do not report ...)" note.
Anything that does not parse raises a `GuideError` naming page and text;
nothing is guessed. Each value keeps the piece it was read from (`Read`), for
its provenance row.

A footnote mark printed on a value ("0600T*", "+47383", "$9,874.41‡", a raised
letter) is split off it (`pipeline.text.split_marks`) and recorded with what it
was printed on (`Values.footnotes`, the manifest's `footnotes`); a raised digit
glued to a value's digits is ambiguous and stops. How each amount was printed,
in cents or whole dollars, is recorded too (`Values.forms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline import shape, vocab
from pipeline.errors import LayoutError, ValueNotParsed
from pipeline.normalize.grids import CPT_CODE, Piece
from pipeline.normalize.layout_facts import FORMS
from pipeline.normalize.stitch import CodeRow, TermRow
from pipeline.text import glued_raised_digits, join_lines, split_footnotes, split_marks, squash

#: A dollar amount: whole dollars, or dollars and exactly two cent digits ("$9,096.4" is no amount).
_MONEY = re.compile(r"^\$?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{2}))?$")
_RVUS = re.compile(r"^\d+(?:\.\d{1,2})?$")
_INDICATOR = re.compile(r"^(?P<value>.*?)\s*\((?P<ind>[A-Z][A-Z0-9]?)\)$")
_APC = re.compile(r"^\d{4}$")
#: A status or payment indicator in a cell of its own ("J1", "A2").
_INDICATOR_VALUE = re.compile(r"^[A-Z][A-Z0-9]?$")
_NOTE = re.compile(r"\(\s*Do not report\s+(?P<code>\S+)\s+in conjunction with\s+(?P<codes>[^)]*)\)", re.I)
#: What is left of a note that did not read whole.
_NOTE_WORDS = re.compile(r"do\s*not\s*report", re.I)


@dataclass(frozen=True)
class Read:
    """A value and the piece it was read from."""

    value: object
    piece: Piece


@dataclass(frozen=True)
class Record:
    """One row of a published table: each value column as read, and the page the row was read from."""

    dataset: str
    fields: dict[str, Read]
    source_page: int

    def row(self, year: int) -> dict:
        return {"guide_year": year, **{name: read.value for name, read in self.fields.items()},
                "source_page": self.source_page}


@dataclass(frozen=True)
class Values:
    """What one whole row publishes: its records, the footnote marks split from its text, and how each of
    its amounts was printed ("cents" or "whole dollars", one per national amount)."""

    records: list[Record]
    footnotes: list[dict] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- one cell

def _at(piece: Piece, what: str) -> dict:
    """Where a value's error points: its page, and its cell (where normalize looks for a cause it hides)."""
    return {"page": piece.page, "box": piece.box, "what": what}


def _money(text: str, page: int, what: str, box: tuple | None = None) -> Decimal:
    m = _MONEY.match(text)
    if not m:
        raise ValueNotParsed(f"{what}: {text!r} is not a dollar amount", page=page, box=box, what=what)
    return Decimal(m.group("num").replace(",", "") + "." + (m.group("cents") or "0")).quantize(Decimal("0.01"))


def _unglued(piece: Piece, what: str) -> str:
    """The value of a cell without its footnote marks; a raised digit glued to its digits stops the build.

    "$9,096.4" with a raised "6" is either $9,096.46 printed oddly or $9,096.4 and
    footnote 6: nothing on the page says which, so it is not read at all.
    """
    glued = glued_raised_digits(piece.text, piece.sup_mask)
    if glued is not None:
        shown, raised = glued
        raise ValueNotParsed(f"{what}: {squash(shown)!r} is followed by a raised {raised!r} glued to its digits: "
                             "the value cannot be read (a digit printed small, or a footnote mark?)",
                             **_at(piece, what))
    return squash(split_marks(piece.text, piece.sup_mask)[0])


def _marked(table: str, what: str, piece: Piece | None) -> list[dict]:
    """The footnote record of the marks printed on a value cell (`_unglued` has read it), if it has any."""
    marks = split_marks(piece.text, piece.sup_mask)[1] if piece is not None else []
    return [{"table": table, "text": what, "marks": marks, "page": piece.page}] if marks else []


def _form(piece: Piece) -> str:
    """How a national amount (`_amount` has read it) is printed: "cents" or "whole dollars"."""
    cents, whole = FORMS
    return whole if _MONEY.match(_indicated(_unglued(piece, ""))[0]).group("cents") is None else cents


def _indicated(text: str) -> tuple[str, str | None]:
    """A cell's value and the indicator printed after it in parentheses ("5362 (J1)"), if any."""
    m = _INDICATOR.match(text)
    return (m.group("value"), m.group("ind")) if m else (text, None)


def _amount(piece: Piece, what: str) -> tuple[str, Decimal | None, str | None]:
    """(payment_status, usd, indicator) from an amount cell such as "$6,243.45 (J8)"."""
    text, indicator = _indicated(_unglued(piece, what))
    status = vocab.sentinel_status(text)
    if status:
        return status, None, indicator
    if not text:
        raise ValueNotParsed(f"{what}: the cell is empty", **_at(piece, what))
    return "national_rate", _money(text, piece.page, what, piece.box), indicator


def _apc(piece: Piece, what: str) -> tuple[str | None, str | None]:
    text, indicator = _indicated(_unglued(piece, what))
    if vocab.sentinel_status(text) or not text:
        return None, indicator
    if not _APC.match(text):
        raise ValueNotParsed(f"{what}: {text!r} is not an APC number", **_at(piece, what))
    return text, indicator


def _rvus(piece: Piece, what: str) -> Decimal | None:
    text = _unglued(piece, what)
    if not text or vocab.sentinel_status(text):
        return None
    if not _RVUS.match(text):
        raise ValueNotParsed(f"{what}: {text!r} is not an RVU figure with at most two decimals",
                             **_at(piece, what))
    return Decimal(text).quantize(Decimal("0.01"))


def _descriptor(code: str, piece: Piece, notes: tuple[Piece, ...], words: frozenset[str]
                ) -> tuple[str, list[tuple[str, Piece]], list[dict]]:
    """The descriptor, the codes its "(Do not report ...)" note excludes (each with the piece that
    prints it: the descriptor cell, or the note's own row), and its footnote marks.

    A note is read whole or the build stops: one that does not read as "(Do not report CODE
    in conjunction with CODES)", or lists no code, is named (the exclusions section).
    """
    pieces = (piece, *notes)
    texts, footnotes = [], []
    for p in pieces:
        text, marks = split_footnotes(p.text, p.sup_mask)
        texts.append(text)
        if marks:
            footnotes.append({"table": "codes", "text": code, "marks": marks, "page": p.page})
    joined = join_lines("\n".join(texts), words)
    starts = _piece_starts(texts, joined, words)
    excluded: list[tuple[str, Piece]] = []
    for m in _NOTE.finditer(joined):
        if squash(m.group("code")) != code:
            raise ValueNotParsed(f"exclusions: the note in {code}'s row names another code: {m.group(0)!r}",
                                 **_at(piece, f"{code} descriptor"))
        where = pieces[max(k for k, at in enumerate(starts) if at <= m.start())]
        listed = [other.strip() for other in re.split(r",|\band\b|\bor\b", m.group("codes")) if other.strip()]
        if not listed:
            raise ValueNotParsed(f"exclusions: the note under {code} lists no code: {m.group(0)!r}",
                                 **_at(where, f"{code} descriptor"))
        for other in listed:
            if not CPT_CODE.match(other):
                raise ValueNotParsed(f"the note under {code} lists {other!r}, which is not a CPT code",
                                     **_at(where, f"{code} descriptor"))
            excluded.append((other, where))
    descriptor = squash(_NOTE.sub(" ", joined))
    left = _NOTE_WORDS.search(descriptor)
    if left:
        raise ValueNotParsed(f"exclusions: the note under {code} does not read as \"(Do not report {code} in "
                             f"conjunction with CODES)\": {descriptor[left.start():]!r}",
                             **_at(piece, f"{code} descriptor"))
    if not descriptor:
        raise ValueNotParsed(f"code {code} has an empty descriptor", **_at(piece, f"{code} descriptor"))
    return descriptor, excluded, footnotes


def _piece_starts(texts: list[str], joined: str, words: frozenset[str]) -> list[int]:
    """Where each piece's text starts in `joined` (the pieces' texts joined, line breaks repaired)."""
    out = [0]
    for k in range(1, len(texts)):
        out.append(len(join_lines("\n".join(texts[:k]), words)))
    return out


# ---------------------------------------------------------------- one row

def code_values(row: CodeRow, words: frozenset[str]) -> Values:
    """The code, its exclusions and its payment in every setting, from one whole code row."""
    code_piece = row.at((None, "code"))
    desc_piece = row.at((None, "descriptor"))
    if desc_piece is None:
        raise LayoutError(f"code {row.code} has no descriptor cell", page=code_piece.page)
    descriptor, excluded, footnotes = _descriptor(row.code, desc_piece, row.notes, words)
    code = Read(row.code, code_piece)
    if row.marks:
        footnotes = [{"table": "codes", "text": f"{row.code} CPT code", "marks": list(row.marks),
                      "page": code_piece.page}] + footnotes
    records = [Record("codes", {"cpt_code": code, "code_category": Read("I" if row.code.isdigit() else "III",
                                                                        code_piece),
                                "descriptor": Read(descriptor, desc_piece)}, code_piece.page)]
    records += [Record("exclusions", {"cpt_code": code, "excluded_code": Read(other, where)}, where.page)
                for other, where in excluded]
    forms: list[str] = []
    for setting in row.columns.settings:
        record = _payment(row, code, setting)
        records.append(record)
        footnotes += _payment_marks(row, setting, record)
        if record.fields["payment_usd"].value is not None:
            forms.append(_form(record.fields["payment_usd"].piece))
    return Values(records, footnotes, forms)


def _payment(row: CodeRow, code: Read, setting: str) -> Record:
    """One code's payment in one care setting."""
    what = f"{row.code} {setting}"
    amount = row.at((setting, "amount"))
    if amount is None:
        raise LayoutError(f"{what}: no cell under the payment column", page=None)
    status, usd, indicator = _amount(amount, what)
    rvus = _rvus_of(row, setting, amount, what)
    apc, indicator = _apc_of(row, setting, amount, Read(indicator, amount), what)
    indicator = _indicator_of(row, setting, indicator, what)
    return Record("payments", {"cpt_code": code, "setting": Read(setting, amount),
                               "payment_status": Read(status, amount), "payment_usd": Read(usd, amount),
                               "rvus": rvus, "apc": apc, "indicator": indicator}, amount.page)


def _payment_marks(row: CodeRow, setting: str, record: Record) -> list[dict]:
    """The marks printed on one payment's cells: its amount, its RVUs and its APC, each cell once."""
    what = f"{row.code} {setting}"
    amount = record.fields["payment_usd"].piece
    out = _marked("payments", f"{what} payment", amount)
    for kind, label in (("rvus", "RVUs"), ("apc", "APC")):
        piece = row.at((setting, kind))
        if piece is not None and piece.box != amount.box:
            out += _marked("payments", f"{what} {label}", piece)
    return out


def _rvus_of(row: CodeRow, setting: str, amount: Piece, what: str) -> Read:
    """The RVUs printed beside a physician payment, in a cell of their own; else none, read with the amount.

    An RVU cell left blank (beside an "NA" payment) prints nothing to point at: its null is read with the
    amount, so every provenance row quotes printed text (a blank `raw_text` is a null in CSV).
    """
    if shape.setting(setting).prints("rvus"):
        piece = row.at((setting, "rvus"))
        if piece is not None and piece is not amount and piece.box != amount.box and piece.text.strip():
            return Read(_rvus(piece, f"{what} RVUs"), piece)
    return Read(None, amount)


def _apc_of(row: CodeRow, setting: str, amount: Piece, indicator: Read, what: str) -> tuple[Read, Read]:
    """The APC, and the status indicator: the one printed after the APC, else the one after the amount."""
    piece = row.at((setting, "apc"))
    if piece is None:
        return Read(None, amount), indicator
    apc, printed = _apc(piece, f"{what} APC")
    if printed is None:
        return Read(apc, piece), indicator
    if indicator.value is not None and indicator.value != printed:
        raise ValueNotParsed(f"{what}: status indicator printed twice, {indicator.value} and {printed}",
                             **_at(piece, what))
    return Read(apc, piece), Read(printed, piece)


def _indicator_of(row: CodeRow, setting: str, indicator: Read, what: str) -> Read:
    """The indicator printed in a column of its own ("SI", "Payment Indicator"), else the one read so far
    (after the APC or the amount). Printed in both, it must be the same; a sentinel ("NA") prints none."""
    piece = row.at((setting, "indicator"))
    if piece is None or not piece.text.strip():
        return indicator  # a blank cell prints nothing to point at: the null is read with the amount
    words = shape.setting(setting).indicator.words
    text = _unglued(piece, f"{what} {words}")
    if vocab.sentinel_status(text):
        value = None
    elif _INDICATOR_VALUE.match(text):
        value = text
    else:
        raise ValueNotParsed(f"{what}: {text!r} is not a {words}", **_at(piece, f"{what} {words}"))
    if indicator.value is not None and indicator.value != value:
        raise ValueNotParsed(f"{what}: {words} printed twice, {indicator.value} and {value}",
                             **_at(piece, f"{what} {words}"))
    return Read(value, piece)


def term_values(row: TermRow, words: frozenset[str]) -> Values:
    """A term and its description, line breaks repaired."""
    description = join_lines(split_footnotes(row.description.text, row.description.sup_mask)[0], words)
    if not description:
        raise LayoutError(f"term {row.term!r} has no description beside it",
                          **_at(row.description, f"{row.term!r} definition"))
    return Values([Record("terminology", {"term": Read(row.term, row.term_piece),
                                          "description": Read(description, row.description)},
                          row.term_piece.page)])
