"""Validate: the published schemas, strictly, with every failure in one report.

Two layers, both lazy (all failures collected, never stopping at the first):

1. each table against its pandera schema from `pipeline.fields`: exact
   columns in order, Arrow dtypes, enums, patterns, ranges, unique primary key;
2. the rules that span tables or rows: codes referenced by payments and
   exclusions exist; one payment row per code and setting; payment_usd present
   iff national_rate; RVUs only for physician settings, APC only for OPPS, an
   indicator only for OPPS and ASC; one provenance row per published value;
   and post-conditions that catch what slipped through the parsing: no
   descriptor still holds a "Do not report" note or a list of CPT codes, no
   term's text holds another term's row.

Failures come back as one frame (table, column, row, value, check), which the
build writes as the validation report. No I/O here.

Two checks on what the PDF showed, each stopping at its first finding with one line:

* `check_hidden_text`: text a viewer does not paint that reads like a CPT
  row, an amount or a "Do not report" note (someone put it there);
* `check_second_reading`: every cell and line read by pdfminer reads the same
  to PDFium, from the same box, after `pipeline.text.normalize`.

`hidden_counts` is the manifest's record of the characters not painted.
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from pipeline import fields as F
from pipeline import schemas
from pipeline.errors import HiddenText, ReadingsDisagree, ValidationFailed
from pipeline.text import normalize, squash

FAILURE_COLUMNS = ["table", "column", "row", "value", "check"]


def validate(tables: dict[str, pd.DataFrame], guide_year: int | None = None) -> dict[str, pd.DataFrame]:
    """Return `tables` unchanged if every rule holds; else raise `ValidationFailed`.

    The exception's `failures` frame lists every failure found.
    """
    failures = find_failures(tables, guide_year)
    if len(failures):
        counts = failures.groupby("table").size()
        summary = ", ".join(f"{n} in {t}" for t, n in counts.items())
        raise ValidationFailed(f"{len(failures)} validation failure(s): {summary}", failures=failures)
    return tables


def find_failures(tables: dict[str, pd.DataFrame], guide_year: int | None = None) -> pd.DataFrame:
    """Every failure of every rule, as a frame with FAILURE_COLUMNS (empty if all pass)."""
    found: list[dict] = []
    for name in F.TABLES:
        if name not in tables:
            found.append(_failure(name, None, None, None, "table is missing"))
            continue
        found += _schema_failures(name, tables[name])
    if not found:  # cross-table rules assume each table has its declared shape
        found += _cross_table_failures(tables, guide_year)
    return pd.DataFrame(found, columns=FAILURE_COLUMNS)


def _failure(table, column, row, value, check) -> dict:
    return {"table": table, "column": column, "row": None if row is None else str(row),
            "value": None if value is None else str(value), "check": check}


def _schema_failures(name: str, frame: pd.DataFrame) -> list[dict]:
    try:
        schemas.published(name).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return [_failure(name, c.get("column"), c.get("index"), c.get("failure_case"), c.get("check"))
                for c in cases.to_dict("records")]
    return []


def _cross_table_failures(tables: dict[str, pd.DataFrame], guide_year: int | None) -> list[dict]:
    out: list[dict] = []
    codes = set(tables["codes"]["cpt_code"])

    if guide_year is not None:
        for name, frame in tables.items():
            for i, year in enumerate(frame["guide_year"]):
                if year != guide_year:
                    out.append(_failure(name, "guide_year", i, year, f"equals the document's year {guide_year}"))

    for name in ("payments", "exclusions"):
        for i, code in enumerate(tables[name]["cpt_code"]):
            if code not in codes:
                out.append(_failure(name, "cpt_code", i, code, "code is listed in codes"))

    payments = tables["payments"]
    have = set(zip(payments["cpt_code"], payments["setting"]))
    for code in sorted(codes):
        for setting in F.SETTINGS:
            if (code, setting) not in have:
                out.append(_failure("payments", "setting", code, setting, "one payment row per code and setting"))

    for i, row in enumerate(payments.to_dict("records")):
        national = row["payment_status"] == "national_rate"
        has_amount = row["payment_usd"] is not None and not pd.isna(row["payment_usd"])
        if national != has_amount:
            out.append(_failure("payments", "payment_usd", i, row["payment_usd"],
                                "payment_usd present iff payment_status is national_rate"))
        present = {c: row[c] is not None and not pd.isna(row[c]) for c in ("rvus", "apc", "indicator")}
        setting = row["setting"]
        if present["rvus"] and setting not in F.PHYSICIAN_SETTINGS:
            out.append(_failure("payments", "rvus", i, row["rvus"], "rvus only for physician settings"))
        if present["apc"] and setting != "hospital_outpatient":
            out.append(_failure("payments", "apc", i, row["apc"], "apc only for hospital_outpatient"))
        if present["indicator"] and setting in F.PHYSICIAN_SETTINGS:
            out.append(_failure("payments", "indicator", i, row["indicator"],
                                "indicator only for hospital_outpatient and ambulatory_surgical_center"))

    out += _provenance_failures(tables)
    out += _leftover_failures(tables)
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


def _regions(provenance: pd.DataFrame) -> dict[tuple[int, str], tuple[float, float, float, float]]:
    """The box each published table covers on each page, from its values' provenance."""
    out: dict[tuple[int, str], tuple[float, float, float, float]] = {}
    names = {"codes": "payment", "payments": "payment", "exclusions": "payment", "terminology": "terminology"}
    for row in provenance[["dataset", "page", "x0", "top", "x1", "bottom"]].itertuples(index=False):
        key = (int(row.page), names[row.dataset])
        box = out.get(key)
        out[key] = (row.x0, row.top, row.x1, row.bottom) if box is None else (
            min(box[0], row.x0), min(box[1], row.top), max(box[2], row.x1), max(box[3], row.bottom))
    return out


def check_hidden_text(raw, guide) -> None:
    """Stop at hidden text that reads like a CPT row, an amount or a note, naming page, reason and text."""
    from pipeline.model import HIDDEN_REASONS as REASONS

    if raw.hidden is None or not len(raw.hidden):
        return
    regions = _regions(guide.tables["provenance"])
    for row in raw.hidden.sort_values(["page", "top", "x0"], kind="stable").itertuples(index=False):
        text = squash(normalize(row.text))
        if not any(p.search(text) for p in _LOOKS_LIKE_DATA):
            continue
        where = ""
        for kind in ("payment", "terminology"):
            box = regions.get((int(row.page), kind))
            if box and row.x0 < box[2] and box[0] < row.x1 and row.top < box[3] and box[1] < row.bottom:
                where = f" over the {kind} table"
                break
        raise HiddenText(f"{REASONS[row.reason]}{where}: {text!r}", page=int(row.page))


#: A hyphen at the end of a printed line: PDFium reports it as U+0002, hard or soft alike.
_LINE_END_HYPHEN = re.compile(r"-(?=[ \t]*(?:\n|$))")
PDFIUM_HYPHEN = "\x02"


def reading_key(text: str, *, pdfium: bool = False) -> str:
    """What two readings of one box must share: the text as read, without whitespace or line-end hyphens.

    PDFium marks a hyphen at a line end as U+0002 (`FPDFText_IsHyphen`) and
    drops the break; pdfminer's reading keeps "-" (or the soft hyphen) and the
    break. Neither is a value: both are left out of the comparison.
    """
    text = normalize(text)
    text = text.replace(PDFIUM_HYPHEN, "") if pdfium else _LINE_END_HYPHEN.sub("", text)
    return "".join(text.split())


def check_second_reading(raw, guide) -> None:
    """Every line, every cell with text and every cell a published value came from reads the same twice.

    pdfminer's reading (`text`) and PDFium's (`reread`) of the same box must be
    equal after `reading_key`; the first that is not stops the build, naming
    page, box and both readings.
    """
    used = None
    for frame in (raw.cells, raw.lines):
        for row in frame[["page", "text", "reread", "x0", "top", "x1", "bottom"]].itertuples(index=False):
            if "".join(row.text.split()) == "".join(row.reread.split()):
                continue  # the same characters: nothing to normalize
            if not row.text:
                if used is None:
                    used = {(int(r.page), round(r.x0, 2), round(r.top, 2), round(r.x1, 2), round(r.bottom, 2))
                            for r in guide.tables["provenance"][["page", "x0", "top", "x1", "bottom"]]
                            .itertuples(index=False)}
                if (int(row.page), round(row.x0, 2), round(row.top, 2), round(row.x1, 2),
                        round(row.bottom, 2)) not in used:
                    continue
            if reading_key(row.text) != reading_key(row.reread, pdfium=True):
                raise ReadingsDisagree(
                    f"the two readings of the box ({row.x0:.1f}, {row.top:.1f}, {row.x1:.1f}, {row.bottom:.1f}) "
                    f"disagree: pdfminer read {squash(normalize(row.text))!r}, "
                    f"PDFium read {squash(normalize(row.reread.replace(PDFIUM_HYPHEN, '-')))!r}; neither is published", page=int(row.page))


def _provenance_failures(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Every published value has exactly one provenance row, and no row points nowhere."""
    expected: set[tuple[str, str, str]] = set()
    for name in F.DATASETS:
        table = F.TABLES[name]
        for row in tables[name][list(table.natural_key)].to_dict("records"):
            expected.update((name, table.row_key(row), col) for col in table.value_columns)
    prov = tables["provenance"]
    have = set(zip(prov["dataset"], prov["key"], prov["field"]))
    out = [_failure("provenance", "field", f"{d}|{k}", f, "every published value has a provenance row")
           for d, k, f in sorted(expected - have)]
    out += [_failure("provenance", "key", f"{d}|{k}", f, "provenance row names a published value")
            for d, k, f in sorted(have - expected)]
    return out
