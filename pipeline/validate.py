"""Validate: the published schemas, strictly, with every failure in one report.

Two layers, both lazy (all failures collected, never stopping at the first):

1. each table against its pandera schema from `pipeline.fields`: exact
   columns in order, Arrow dtypes, enums, patterns, ranges, unique primary key;
2. the rules that span tables or rows: codes referenced by payments and
   exclusions exist; one payment row per code and setting; payment_usd present
   iff national_rate; RVUs only for physician settings, APC only for OPPS, an
   indicator only for OPPS and ASC; one provenance row per published value.

Failures come back as one frame (table, column, row, value, check), which the
build writes as the validation report. No I/O here.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipeline import fields as F
from pipeline import schemas
from pipeline.errors import ValidationFailed

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


def _key(row: dict, columns) -> str:
    return "|".join(str(row[c]) for c in columns)


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
    return out


def _provenance_failures(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Every published value has exactly one provenance row, and no row points nowhere."""
    expected: set[tuple[str, str, str]] = set()
    for name in F.DATASETS:
        table = F.TABLES[name]
        key_cols = [c for c in table.primary_key if c != "guide_year"]
        value_cols = [c for c in table.columns if c not in ("guide_year", "source_page")]
        for row in tables[name][key_cols].to_dict("records"):
            key = _key(row, key_cols)
            expected.update((name, key, col) for col in value_cols)
    prov = tables["provenance"]
    have = set(zip(prov["dataset"], prov["key"], prov["field"]))
    out = [_failure("provenance", "field", f"{d}|{k}", f, "every published value has a provenance row")
           for d, k, f in sorted(expected - have)]
    out += [_failure("provenance", "key", f"{d}|{k}", f, "provenance row names a published value")
            for d, k, f in sorted(have - expected)]
    return out
