"""Validate: the published schemas, strictly, with every failure in one report.

Two layers, both lazy (all failures collected, never stopping at the first):

1. each table against its pandera schema from `pipeline.fields`: exact
   columns in order, Arrow dtypes, enums, patterns, ranges, unique primary key;
2. the rules that span tables or rows: each foreign key the table registry
   declares (`fields.Table.foreign_keys`: codes referenced by payments and
   exclusions exist); one payment row per code and setting; payment_usd present
   iff national_rate; an RVU figure, an APC or an indicator only for a setting
   that prints that column (`pipeline.shape`: RVUs beside a physician payment,
   the APC for OPPS, an indicator for OPPS and ASC); one provenance row per published value;
   and post-conditions that catch what slipped through the parsing: no
   descriptor still holds a "Do not report" note or a list of CPT codes, no
   term's text holds another term's row.

3. with the guide's `sections` record (the manifest's), each section against its
   table: as many rows as entries were read, every row from a page the section
   was found on, and no section the guide prints left empty (`section_failures`).

Failures come back as one frame (table, column, row, value, check), which the
build writes as the validation report. No I/O here.

Three checks on what the PDF showed, each stopping at its first finding with one
line that names the published value, document fact or reading cue at stake
(`Guide.used`, recorded by normalize); what they find anywhere else is counted:

* `check_hidden_text`: text a viewer does not paint that reads like a CPT
  row, an amount or a "Do not report" note, over or in line with a table read
  (someone put it there);
* `check_readable`: a glyph no font maps to Unicode in a value's cell or a cue;
* `check_second_reading`: each value's cell and each cue reads the same to
  pdfminer and to PDFium, from the same box: codes, money, RVUs, APCs and
  indicators character for character, text on its letters and digits.

`hidden_counts`, `unmapped_counts` and `differing_counts` are the manifest's
record of what was found outside the published data.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from array import array
from collections import Counter
from contextlib import contextmanager
from itertools import repeat

import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from pipeline import fields as F
from pipeline import schemas, shape, vocab
from pipeline.errors import HiddenText, ReadingsDisagree, UnreadableText, ValidationFailed
from pipeline.text import normalize, squash

FAILURE_COLUMNS = ["table", "column", "row", "value", "check"]


def validate(tables: dict[str, pd.DataFrame], guide_year: int | None = None,
             sections: dict[str, dict] | None = None, layout: dict | None = None) -> dict[str, pd.DataFrame]:
    """Return `tables` unchanged if every rule holds; else raise `ValidationFailed`.

    The exception's `failures` frame lists every failure found. `sections` is the guide's
    record of its sections (`Section.record` of each), checked when given; `layout` the record of
    the layout it was read in (`Guide.layout`), whose `settings` are the settings it prints.
    """
    failures = find_failures(tables, guide_year, sections, layout)
    if len(failures):
        counts = failures.groupby("table").size()
        summary = ", ".join(f"{n} in {t}" for t, n in counts.items())
        raise ValidationFailed(f"{len(failures)} validation failure(s): {summary}", failures=failures)
    return tables


def validate_guide(guide) -> None:
    """`validate` a guide's tables with its year, its record of its sections and the layout it was read in."""
    validate(guide.tables, guide.guide_year, {name: s.record() for name, s in guide.sections.items()}, guide.layout)


def find_failures(tables: dict[str, pd.DataFrame], guide_year: int | None = None,
                  sections: dict[str, dict] | None = None, layout: dict | None = None) -> pd.DataFrame:
    """Every failure of every rule, as a frame with FAILURE_COLUMNS (empty if all pass)."""
    found: list[dict] = []
    for name in F.TABLES:
        if name not in tables:
            found.append(_failure(name, None, None, None, "table is missing"))
            continue
        found += _schema_failures(name, tables[name])
    if not found:  # cross-table rules assume each table has its declared shape
        settings = printed_settings(tables, layout)
        found += _cross_table_failures(tables, guide_year, settings)
        if sections is not None:
            found += section_failures(sections, tables, settings)
    return pd.DataFrame(found, columns=FAILURE_COLUMNS)


def printed_settings(tables: dict[str, pd.DataFrame], layout: dict | None = None) -> tuple[str, ...]:
    """The care settings the guide prints: as its layout record says (`Guide.layout`, the manifest's), else
    (no record given) those its payments hold; in the shape's order. A setting it does not print has no
    payment rows (decided for issue #24: what is not printed is not published)."""
    if isinstance(layout, dict) and isinstance(layout.get("settings"), list):
        return tuple(layout["settings"])
    held = set(tables["payments"]["setting"])
    return tuple(s for s in F.SETTINGS if s in held)


#: Each section of the guide, by the table its entries are published in (the table registry's `entries`).
SECTION_TABLES = {t.section: t.name for t in F.TABLES.values() if t.entries}


def section_failures(sections: dict[str, dict], tables: dict[str, pd.DataFrame],
                     settings: tuple[str, ...] | None = None) -> list[dict]:
    """Each section's record (`pipeline.model.Section.record`) against its published table.

    The table holds as many rows as the section's entries were read (payments: one per code, in
    each care setting the guide prints, `settings`: by default those its payments hold), each row
    from a page the section was found on; a section the guide prints has entries, and one it does
    not print has none.
    """
    settings = printed_settings(tables) if settings is None else settings
    out = []
    for name, table in SECTION_TABLES.items():
        record = sections.get(name)
        if not isinstance(record, dict):
            out.append(_failure(table, None, None, None, f"the sections record has the {name} section"))
            continue
        frame, entries = tables[table], record.get("entries")
        if entries != len(frame):
            out.append(_failure(table, None, None, len(frame),
                                f"holds as many rows as the {name} section's entries read ({entries})"))
        if name == "payments" and entries is not None and len(tables["payments"]) != entries * len(settings):
            out.append(_failure("payments", None, None, len(tables["payments"]),
                                f"holds one row per code and setting ({entries} codes, {len(settings)} settings)"))
        pages = set(record.get("pages") or ())
        for each in (t.name for t in F.TABLES.values() if t.section == name):
            for i, page in enumerate(tables[each]["source_page"]):
                if int(page) not in pages:
                    out.append(_failure(each, "source_page", i, page,
                                        f"is a page the {name} section was found on ({sorted(pages)})"))
        if record.get("printed") and not entries:
            out.append(_failure(table, None, None, 0, f"the {name} section is printed: it has entries"))
        if not record.get("printed") and entries:
            out.append(_failure(table, None, None, entries, f"the {name} section is not printed: it has no entries"))
    return out


def _failure(table, column, row, value, check) -> dict:
    return {"table": table, "column": column, "row": None if row is None else str(row),
            "value": None if value is None else str(value), "check": check}


def _schema_failures(name: str, frame: pd.DataFrame) -> list[dict]:
    # that no primary key repeats: pandera's check where the rows' order does not already show it
    unique = not schemas.keys_ascend(frame, F.TABLES[name].primary_key)
    try:
        schemas.published(name, unique).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return [_failure(name, c.get("column"), c.get("index"), c.get("failure_case"), c.get("check"))
                for c in cases.to_dict("records")]
    return []


def _cross_table_failures(tables: dict[str, pd.DataFrame], guide_year: int | None,
                          settings: tuple[str, ...]) -> list[dict]:
    out: list[dict] = []
    codes = set(tables["codes"]["cpt_code"])

    if guide_year is not None:
        for name, frame in tables.items():
            years = frame["guide_year"]
            # compared in one pass (the schemas hold no null year here): a scalar a row was a Python call a row
            for i in (years != guide_year).to_numpy(dtype=bool, na_value=True).nonzero()[0].tolist():
                out.append(_failure(name, "guide_year", i, years.iloc[i], f"equals the document's year {guide_year}"))

    out += _foreign_key_failures(tables)

    payments = tables["payments"]
    have = set(zip(payments["cpt_code"], payments["setting"]))
    for code in sorted(codes):
        for setting in settings:
            if (code, setting) not in have:
                out.append(_failure("payments", "setting", code, setting,
                                    "one payment row per code and setting the guide prints"))
    for i, setting in enumerate(payments["setting"]):
        if setting not in settings:
            out.append(_failure("payments", "setting", i, setting,
                                f"a setting the guide prints ({', '.join(settings) or 'none'})"))

    for i, row in enumerate(_records(payments)):
        national = row["payment_status"] == "national_rate"
        has_amount = row["payment_usd"] is not None and not pd.isna(row["payment_usd"])
        if national != has_amount:
            out.append(_failure("payments", "payment_usd", i, row["payment_usd"],
                                "payment_usd present iff payment_status is national_rate"))
        out += _column_failures(i, row)

    out += _provenance_failures(tables)
    out += _leftover_failures(tables)
    return out


def _records(frame: pd.DataFrame, chunk: int = 4096):
    """`frame.to_dict("records")`, a chunk of rows at a time: a thousand-page guide's rows as dicts at once are
    hundreds of megabytes."""
    for start in range(0, len(frame), chunk):
        yield from frame.iloc[start:start + chunk].to_dict("records")


def _foreign_key_failures(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Each foreign key the table registry declares (`fields.Table.foreign_keys`), row by row: a value
    of a referenced column is one the referenced table holds (within the year: guide_year is checked alone)."""
    out = []
    for name, table in F.TABLES.items():
        for columns, referenced, referenced_columns in table.foreign_keys:
            cols = [c for c in columns if c != "guide_year"]
            refs = [c for c in referenced_columns if c != "guide_year"]
            held = set(zip(*(tables[referenced][c] for c in refs)))
            for i, values in enumerate(zip(*(tables[name][c] for c in cols))):
                if values not in held:
                    out.append(_failure(name, "|".join(cols), i, "|".join(map(str, values)),
                                        f"{'|'.join(cols)} is listed in {referenced}"))
    return out


def _only_for(field: str) -> str:
    """What the check of a value in a column its setting does not print says: the settings that print it."""
    return f"{field} only for {' and '.join(shape.settings_printing(field))}"


def _column_failures(i: int, row: dict) -> list[dict]:
    """A value in a column its setting does not print (`pipeline.shape`: RVUs beside a physician payment,
    an APC for the hospital outpatient department, an indicator for OPPS and ASC)."""
    declared = shape.setting(row["setting"]) if row["setting"] in shape.SETTING_NAMES else None
    out = []
    for field in dict.fromkeys(c.field for c in shape.VALUE_COLUMNS if c is not shape.AMOUNT):
        value = row[field]
        if value is not None and not pd.isna(value) and declared is not None and not declared.prints(field):
            out.append(_failure("payments", field, i, value, _only_for(field)))
    return out


_CODE = r"(?:\d{5}|\d{4}T)"
_CODE_LIST = re.compile(rf"\b{_CODE}\s*(?:,|\band\b|\bor\b)\s*{_CODE}\b")
_NOTE_WORDS = re.compile(r"do\s*not\s*report", re.I)


def _leftover_failures(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """What parsing should have taken out of a text and did not: a note, a code list, another term's row."""
    out = []
    for i, (code, text) in enumerate(zip(tables["codes"]["cpt_code"], tables["codes"]["descriptor"])):
        if _NOTE_WORDS.search(text):
            out.append(_failure("codes", "descriptor", code, text, 'holds no "Do not report" note'))
        elif _CODE_LIST.search(text):
            out.append(_failure("codes", "descriptor", code, text, "holds no list of CPT codes"))
    terms = list(zip(tables["terminology"]["term"], tables["terminology"]["description"]))
    rows = [(term, squash(f"{term} {description}").casefold()) for term, description in terms]
    for term, description in terms:
        here = squash(f"{term} {description}").casefold()
        for other, row in rows:
            if other != term and row in here:
                out.append(_failure("terminology", "description", term, description,
                                    f"holds no other term's row ({other!r})"))
    return out


# ---------------------------------------------------------------- what the PDF showed
#
# Each check below stops only where what it finds would change what is published: a box normalize
# read a published value or a cue from (`Guide.used`), or hidden text over or in line with a table
# that is read. Anything else it finds is counted, by page, for the manifest and the report.

#: Hidden text that reads like a value: someone put it there, so the build stops.
_LOOKS_LIKE_DATA = (
    re.compile(rf"\b{_CODE}\b"),  # a CPT code
    re.compile(r"\$\s*\d|\b\d{1,3}(?:,\d{3})*\.\d{2}\b"),  # an amount
    _NOTE_WORDS,  # a "Do not report ... in conjunction with" note
)


def hidden_counts(raw) -> dict[int, dict[str, int]]:
    """Characters not painted, by page and reason: the manifest's record."""
    out: dict[int, dict[str, int]] = {}
    if raw.hidden is None:
        return out
    for page, reason, chars in zip(raw.hidden["page"], raw.hidden["reason"], raw.hidden["chars"]):
        counts = out.setdefault(int(page), {})
        counts[reason] = counts.get(reason, 0) + int(chars)
    return {page: dict(sorted(counts.items())) for page, counts in sorted(out.items())}


def unmapped_counts(raw) -> dict[int, int]:
    """Painted glyphs no font maps to Unicode, by page: the manifest's record (none is in a value or cue)."""
    out: dict[int, int] = {}
    if raw.unmapped is not None:
        for page, chars in zip(raw.unmapped["page"], raw.unmapped["chars"]):
            out[int(page)] = out.get(int(page), 0) + int(chars)
    return dict(sorted(out.items()))


def _key(page, x0, top, x1, bottom) -> tuple:
    return int(page), round(float(x0), 2), round(float(top), 2), round(float(x1), 2), round(float(bottom), 2)


#: The maps `boxes_read` holds open: (the guide's `used`, its `_UsedAt`), innermost last.
_OPEN: list[tuple] = []


class _UsedAt:
    """The boxes a guide read from (`Guide.used`), found by `_key`: a position each, its `Used` made when
    asked for (a thousand-page guide's hundred thousand `Used` are not held twice). The keys are packed
    (`_packed`) side by side in one sorted array, some four megabytes at a thousand pages, where a dict of
    them was some fifteen; `positions` finds a whole frame's boxes at once."""

    def __init__(self, used):
        import numpy as np

        self._used = used
        keys = np.frombuffer(_packed_keys((page, *box) for page, box in used.boxes()), dtype=_KEY_DTYPE)
        #: the positions in key order; of boxes with one key, the last read is found (as a dict keeps it)
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]
        self._found: list[tuple[pd.DataFrame, array]] = []  # (frame, `positions`) of each frame passed over

    def _find(self, keys):
        """Each key's position in `used`, or -1."""
        import numpy as np

        at = np.searchsorted(self._keys, keys, side="right") - 1
        found = at >= 0
        found[found] = self._keys[at[found]] == keys[found]
        return np.where(found, self._order[np.maximum(at, 0)] if len(self._order) else -1, -1)

    def positions(self, frame: pd.DataFrame) -> array:
        """The position in `used` of each row's box (`page`, `x0`, `top`, `x1`, `bottom`) of `frame`, or -1
        where it was not read from, as `get` finds it. Found `schemas.TUPLES_CHUNK` rows at a time (a
        thousand-page guide's cells' keys at once were some eight megabytes more at the peak), once for each
        frame while the map is open: the checks and counts that pass over a frame share them."""
        import numpy as np

        for seen, found in self._found:
            if seen is frame:
                return found
        found = array("q")
        columns = ["page", "x0", "top", "x1", "bottom"]
        for start in range(0, len(frame), schemas.TUPLES_CHUNK):
            part = frame.iloc[start:start + schemas.TUPLES_CHUNK]
            keys = np.frombuffer(_packed_keys(zip(*(schemas.pylist(part[c]) for c in columns))), dtype=_KEY_DTYPE)
            found.frombytes(self._find(keys).astype(np.int64).tobytes())
        self._found.append((frame, found))
        return found

    def get(self, key: tuple):
        import numpy as np

        i = int(self._find(np.frombuffer(_packed(key), dtype=_KEY_DTYPE))[0])
        return None if i < 0 else self._used[i]

    def __contains__(self, key: tuple) -> bool:
        return self.get(key) is not None


def _packed_keys(boxes) -> bytearray:
    """`_packed(_key(...))` of each (page, x0, top, x1, bottom), one after the other."""
    out, pack = bytearray(), _KEY.pack
    for page, x0, top, x1, bottom in boxes:  # `_packed(_key(...))`, inline: a call less a box
        out += pack(int(page), round(float(x0), 2) + 0.0, round(float(top), 2) + 0.0, round(float(x1), 2) + 0.0,
                    round(float(bottom), 2) + 0.0)
    return out


def _packed(key: tuple) -> bytes:
    page, x0, top, x1, bottom = key
    return _KEY.pack(page, x0 + 0.0, top + 0.0, x1 + 0.0, bottom + 0.0)  # + 0.0: -0.0 is 0.0, as in a tuple


_KEY = struct.Struct("<i4d")
#: A packed key as NumPy compares it: its bytes in order (equal only when every byte is).
_KEY_DTYPE = f"S{_KEY.size}"


@contextmanager
def boxes_read(guide):
    """Inside it, the checks and counts of `guide` share one map of the boxes it read from, made on entry
    and let go on exit. Outside one, each makes its own. (A thousand-page guide's map was some fifteen
    megabytes: held to the end of the build, it was part of the build's peak memory.)

    `guide`, here and in the checks: a `Guide`, or the `pipeline.normalize.Reading` it is made from, whose
    `used` is there before its frames are."""
    _OPEN.append((guide.used, _UsedAt(guide.used)))
    try:
        yield
    finally:
        _OPEN.pop()


def _used(guide) -> _UsedAt:
    """The boxes the guide read from, by `_key`: the map `boxes_read` holds open for it, or a new one."""
    for used, at in reversed(_OPEN):
        if used is guide.used:
            return at
    return _UsedAt(guide.used)


def _read_tables(guide) -> dict[tuple[int, str], tuple[float, float, float, float]]:
    """The box each table read covers on each page: its published values' cells and its header cells."""
    out: dict[tuple[int, str], tuple[float, float, float, float]] = {}
    for u in guide.used:
        if u.table is None:
            continue
        box = out.get((u.page, u.table))
        out[(u.page, u.table)] = u.box if box is None else (
            min(box[0], u.box[0]), min(box[1], u.box[1]), max(box[2], u.box[2]), max(box[3], u.box[3]))
    return out


def check_hidden_text(raw, guide) -> None:
    """Stop at hidden text that reads like a CPT row, an amount or a note over or in line with a table read.

    The line names how it is hidden, where (over the value it lies on, over a table, or in line with
    its rows or columns) and what it says. Hidden text exactly on the same painted text (printed
    twice) changes nothing a viewer reads; hidden text away from the tables read is counted only.
    """
    from pipeline.model import HIDDEN_REASONS as REASONS

    if raw.hidden is None or not len(raw.hidden):
        return
    tables = _read_tables(guide)
    for row in raw.hidden.sort_values(["page", "top", "x0"], kind="stable").itertuples(index=False):
        text = squash(normalize(row.text))
        if row.duplicate or not any(p.search(text) for p in _LOOKS_LIKE_DATA):
            continue
        where = _where(int(row.page), (row.x0, row.top, row.x1, row.bottom), tables, guide)
        if where:
            raise HiddenText(f"{REASONS[row.reason]} {where}: {text!r}", page=int(row.page))


def _where(page: int, box, tables, guide) -> str | None:
    """Where a hidden run lies against the tables read on its page: over a value, over a table, in line with it."""
    x0, top, x1, bottom = box
    for kind in dict.fromkeys(t.printed_in for t in F.TABLES.values() if t.printed_in):
        region = tables.get((page, kind))
        if region is None:
            continue
        across = x0 < region[2] and region[0] < x1
        along = top < region[3] and region[1] < bottom
        if across and along:
            cell = _cell_under(box, [u for u in guide.used if u.page == page and u.table == kind])
            return f"over {cell.what}" if cell is not None else f"over the {kind} table"
        if across or along:
            return f"in line with the {kind} table"
    return None


def _cell_under(box, cells):
    """The cell a run of text lies in: the one holding most of it, at least half of it (its centre,
    for a run squashed flat); None when it spreads over several (a row of its own)."""
    x0, top, x1, bottom = box
    area = (x1 - x0) * (bottom - top)
    best, most = None, 0.0
    for u in cells:
        w = min(x1, u.box[2]) - max(x0, u.box[0])
        h = min(bottom, u.box[3]) - max(top, u.box[1])
        inside = max(0.0, w) * max(0.0, h)
        if area <= 0:
            cx, cy = (x0 + x1) / 2, (top + bottom) / 2
            inside = 1.0 if u.box[0] <= cx <= u.box[2] and u.box[1] <= cy <= u.box[3] else 0.0
        if inside > most:
            best, most = u, inside
    return best if best is not None and (area <= 0 or most >= 0.5 * area) else None


def check_readable(raw, guide) -> None:
    """Stop at a glyph no font maps to Unicode in a box a published value or a cue was read from, naming it."""
    from pipeline.text import UNMAPPED, legible

    used = _used(guide)
    for frame in (raw.cells, raw.lines):
        for row in schemas.tuples(frame, ["page", "text", "reread", "x0", "top", "x1", "bottom"]):
            if UNMAPPED not in row.text:
                continue
            u = used.get(_key(row.page, row.x0, row.top, row.x1, row.bottom))
            if u is not None:
                font = raw.font_without_map(u.page, u.box)
                raise UnreadableText(f"{u.what} {legible(row.text, row.reread)!r} cannot be read: font {font} has "
                                     "no character map", page=u.page)


#: A hyphen at the end of a printed line: PDFium reports it as U+0002, hard or soft alike.
_LINE_END_HYPHEN = re.compile(r"-(?=[ \t]*(?:\n|$))")
PDFIUM_HYPHEN = "\x02"


def _equivalent(text: str) -> str:
    """`text` in the form both readings are compared in: Unicode compatibility forms folded (NFKC), then
    `vocab/reading_equivalents.csv` (typographic quotes as ASCII, list markers left out)."""
    table = vocab.equivalents()
    text = unicodedata.normalize("NFKC", text)
    return "".join(table.get(ch, ch) for ch in text) if any(ch in table for ch in text) else text


def reading_key(text: str, *, pdfium: bool = False) -> str:
    """What two readings of a value must share, character for character: the text as read, in its
    equivalent form, without whitespace or line-end hyphens.

    PDFium marks a hyphen at a line end as U+0002 (`FPDFText_IsHyphen`) and
    drops the break; pdfminer's reading keeps "-" (or the soft hyphen) and the
    break. Neither is a value: both are left out of the comparison.
    """
    text = normalize(text)
    text = text.replace(PDFIUM_HYPHEN, "") if pdfium else _LINE_END_HYPHEN.sub("", text)
    return "".join(_equivalent(text).split())


def _letters(text: str) -> str:
    return "".join(ch for ch in _equivalent(normalize(text)) if unicodedata.category(ch)[0] in "LN")


def same_text(text: str, sup_mask: str, reread: str) -> bool:
    """Do two readings of a text hold the same letters and digits in order (its punctuation, spacing and
    list markers aside)? Footnote marks (raised, in `sup_mask`), which extract splits off, may sit
    elsewhere in PDFium's reading, or not be in it."""
    if "".join(text.split()) == "".join(reread.split()):
        return True  # the same characters: nothing to fold
    theirs = _letters(reread)
    if _letters(text) == theirs:
        return True
    mask = sup_mask.ljust(len(text))
    ours = _letters("".join(ch for ch, m in zip(text, mask) if m != "^"))
    marks = Counter(_letters("".join(ch for ch, m in zip(text, mask) if m == "^")))
    left = iter(theirs)
    return all(ch in left for ch in ours) and not Counter(theirs) - Counter(ours) - marks


def differing_readings(raw, guide=None) -> list[dict]:
    """Every line and cell whose two readings do not hold the same letters and digits (`same_text`),
    outside the boxes `guide` read (all of them without one): page, box and both readings, for the
    manifest's counts and the report. A cell pdfminer reads empty is left out (PDFium takes any glyph
    that touches a box, so it reads a neighbour's edge there); where a value came from one, it is compared."""
    out = []
    for frame in (raw.cells, raw.lines):
        used = _used(guide).positions(frame) if guide is not None else repeat(-1)
        for row, i in zip(schemas.tuples(frame, ["page", "text", "sup_mask", "reread", "x0", "top", "x1", "bottom"]),
                          used):
            if not row.text.strip() or i >= 0:
                continue
            if not same_text(row.text, row.sup_mask, row.reread):
                out.append({"page": int(row.page), "box": (row.x0, row.top, row.x1, row.bottom),
                            "text": row.text, "reread": row.reread})
    return out


def differing_counts(raw, guide=None) -> dict[int, int]:
    """Lines and cells read differently by the two engines outside the published data, by page."""
    out: dict[int, int] = {}
    for row in differing_readings(raw, guide):
        out[row["page"]] = out.get(row["page"], 0) + 1
    return dict(sorted(out.items()))


def check_second_reading(raw, guide) -> None:
    """Every box a published value or a cue was read from reads the same to pdfminer and to PDFium.

    Codes, money, RVUs, APCs and indicators character for character (`reading_key`); text values
    and cues on their letters and digits (`same_text`); a fact printed in a cue (a date, a document
    number) character for character in PDFium's reading of its lines. The first that does not stops
    the build, naming it and both readings; the rest of the page is only counted (`differing_counts`).
    """
    used = _used(guide)
    facts: dict[tuple[int, str], list[str]] = {}
    for frame in (raw.cells, raw.lines):
        for row, i in zip(schemas.tuples(frame, ["page", "text", "sup_mask", "reread", "x0", "top", "x1", "bottom"]),
                          used.positions(frame)):
            if i < 0:
                continue
            if "".join(row.text.split()) != "".join(row.reread.split()):  # the same characters: nothing to fold
                u = guide.used[i]
                same = reading_key(row.text) == reading_key(row.reread, pdfium=True) if u.strict else \
                    same_text(row.text, row.sup_mask, row.reread)
                if not same:
                    raise ReadingsDisagree(f"{u.what}: the two readings disagree: pdfminer read "
                                           f"{_shown(row.text)!r}, PDFium read {_shown(row.reread)!r}", page=u.page)
            if guide.used.holds_fact(i):
                u = guide.used[i]
                facts.setdefault((u.page, u.value, u.what), []).append(row.reread)
    for (page, value, what), rereads in facts.items():
        if reading_key(value) not in reading_key("\n".join(rereads), pdfium=True):
            raise ReadingsDisagree(f"{what}: the two readings disagree: pdfminer read {_shown(value)!r}, "
                                   f"PDFium read {_shown(' '.join(rereads))!r}", page=page)


def _shown(text: str) -> str:
    return squash(normalize(text.replace(PDFIUM_HYPHEN, "-")))


#: Joins a provenance row's dataset, key and field into one string (`_provenance_failures`).
_SEP = "\x1f"


def _row_keys(name: str, frame: pd.DataFrame) -> pyarrow.Array:
    """Each row's key as its provenance rows name it (`Table.row_key`), as Arrow strings: made by Arrow from
    string key columns, through `row_key` row by row otherwise."""
    table = F.TABLES[name]
    keys = [_flat(pyarrow.array(frame[c].array)) if isinstance(frame[c].dtype, pd.ArrowDtype) else None
            for c in table.natural_key]
    if all(k is not None and pyarrow.types.is_string(k.type) and not k.null_count for k in keys):
        return keys[0] if len(keys) == 1 else pc.binary_join_element_wise(*keys, "|")
    return pyarrow.array([table.row_key(row) for row in _records(frame[list(table.natural_key)])],
                         type=pyarrow.string())


def _not_in(values: pyarrow.Array, others: pyarrow.Array) -> list:
    """The values of `values` that `others` does not hold, as Python values."""
    return values.filter(pc.invert(pc.is_in(values, value_set=others))).to_pylist()


def _flat(values) -> pyarrow.Array:
    return values.combine_chunks() if isinstance(values, pyarrow.ChunkedArray) else values


def _provenance_failures(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Every published value has exactly one provenance row, and no row points nowhere.

    Compared a dataset and field at a time, as Arrow strings (the rows' keys against the provenance rows'
    keys of that field), not as one set of a million Python tuples: a thousand-page guide has a million
    values. Each failure is named by dataset, key and field, in the order of those joined by `_SEP`."""
    prov = tables["provenance"]
    # the columns as Arrow holds them, in chunks: joined, they were a copy of a fifth of the frame
    dataset, key, field = (pyarrow.chunked_array(pyarrow.array(prov[c].array, type=pyarrow.string()))
                           for c in ("dataset", "key", "field"))
    missing, stray = set(), set()
    known = pc.not_equal(dataset, dataset)  # false on every row (a null dataset: no row of the schemas here)
    for name in F.DATASETS:
        columns = F.TABLES[name].value_columns
        keys = _row_keys(name, tables[name])
        in_dataset = pc.equal(dataset, name)
        known = pc.or_(known, pc.and_(in_dataset, pc.is_in(field, value_set=pyarrow.array(columns, pyarrow.string()))))
        for column in columns:
            held = _flat(key.filter(pc.and_(in_dataset, pc.equal(field, column))))
            missing.update((name, k, column) for k in _not_in(keys, held))
            stray.update((name, k, column) for k in _not_in(held, keys))
    unknown = pc.invert(pc.fill_null(known, False))
    stray.update(zip(*(a.filter(unknown).to_pylist() for a in (dataset, key, field))))
    missing, stray = (sorted(found, key=_SEP.join) for found in (missing, stray))
    out = [_failure("provenance", "field", f"{d}|{k}", f, "every published value has a provenance row")
           for d, k, f in missing]
    out += [_failure("provenance", "key", f"{d}|{k}", f, "provenance row names a published value")
            for d, k, f in stray]
    return out
