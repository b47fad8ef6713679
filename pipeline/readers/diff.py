"""Diff: what changed between two published guide years. Reads outputs, writes nothing.

It runs after publish, on what publish wrote:

    outputs/<old>/ + outputs/<new>/ ─▶ diff ─▶ publish.publish_diff ─▶ outputs/diffs/<old>-<new>/
    (validated again)                 (frames)                          changes.csv, changes.parquet,
                                                                        report.md

Each dataset (codes, payments, exclusions, terminology) is matched row by row
on its natural key, and the manifest's document facts (title, effective_date,
document_number) form one more dataset, `guide`. A row found in one year only
is `added` or `removed`: one change row with no field. A row found in both
years gives one `changed` row per field whose value differs. The change
table's columns are defined once, as `fields.CHANGES`.

Only real changes count:

* values compare by meaning: decimals as numbers (9096.4 equals 9096.40),
  text with runs of whitespace collapsed; row order never matters;
* guide_year, source_page and the provenance table say where a value was
  printed, not what it says, and are never compared;
* a document fact that differs only by the guide's own year ("2022 NanoKnife
  ..." -> "2023 NanoKnife ...", effective 2022-01-01 -> 2023-01-01) follows
  from guide_year and has not changed; any other difference (effective
  2023-04-01, a new document number) has.

Some changes are more likely a misread than a real change: a payment that
moves by more than a quarter, a status that flips. The rules are data,
`pipeline/vocab/diff_checks.csv` (dataset, field, and the percent beyond which
a change is flagged; empty: every change of that field). `report.md` lists the
flagged changes first, as "check against the PDF", with the page each value was
printed on in both years (from provenance).

`compare` does the work on two years' tables and manifests (no I/O);
`diff_years` reads both years after checking they are published and valid;
`run` hands the result to `pipeline.publish`, the only module that writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline import fields as F
from pipeline import vocab
from pipeline.errors import GuideError
from pipeline.publish import publish_diff, year_folders
from pipeline.readers.check import OutputsInvalid, verified_year

#: The manifest's facts about the document. The rest of the manifest describes
#: the source file and the pipeline run, which are not the guide's content.
GUIDE_FACTS = ("title", "effective_date", "document_number")
#: Where a value was printed, not what it says.
NOT_COMPARED = ("guide_year", "source_page")
_TITLES = {"codes": "Codes", "payments": "Payments", "exclusions": "Exclusions", "terminology": "Terms"}


class YearNotPublished(GuideError):
    """A year asked for is not published under outputs/, or fewer than two years are."""


class OutputsUnreadable(GuideError):
    """A published year cannot be read back or no longer passes its schemas."""


# ---------------------------------------------------------------- values

def _plain(value):
    """A cell as a plain Python value: None for any null, else the value (str, Decimal, int)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


def _comparable(value):
    # Decimal compares by value already (Decimal("9096.4") == Decimal("9096.40"));
    # text is compared with line breaks and runs of spaces collapsed.
    value = _plain(value)
    return " ".join(value.split()) if isinstance(value, str) else value


def same(old, new) -> bool:
    """Whether two published values mean the same thing."""
    return _comparable(old) == _comparable(new)


def _text(value) -> str | None:
    """A value as published in CSV: plain decimal strings, None for null."""
    value = _plain(value)
    if value is None:
        return None
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def pct_change(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    """Percent change from `old` to `new`: (new - old) / old x 100, to 2 decimal places.

    Exact: computed on fractions (no float, no intermediate rounding) and rounded
    once, half away from zero (4.435 -> 4.44, -2.2976 -> -2.30). None when either
    amount is missing or `old` is zero, where no percentage exists.
    """
    old, new = _plain(old), _plain(new)
    if old is None or new is None or old == 0:
        return None
    exact = (Fraction(new) - Fraction(old)) * 100 / Fraction(old)
    hundredths = int(abs(exact) * 100 + Fraction(1, 2))  # int() floors a positive fraction
    return Decimal(-hundredths if exact < 0 else hundredths).scaleb(-2)


# ---------------------------------------------------------------- comparing

def _key_columns(table: F.Table) -> list[str]:
    return list(table.natural_key)


def _value_columns(table: F.Table) -> list[str]:
    return [c for c in table.columns if c not in table.primary_key and c not in NOT_COMPARED]


def _is_amount(table: F.Table, column: str) -> bool:
    return pa.types.is_decimal(table.field(column).arrow_type)


def _rows_by_key(frame: pd.DataFrame, table: F.Table) -> dict[tuple, dict]:
    keys = _key_columns(table)
    return {tuple(_comparable(row[c]) for c in keys): row for row in frame.to_dict("records")}


def _change(dataset, key, field, change, old=None, new=None, pct=None) -> dict:
    return {"dataset": dataset, "key": key, "field": field, "change": change,
            "old_value": old, "new_value": new, "pct_change": pct}


def compare_table(name: str, old: pd.DataFrame, new: pd.DataFrame) -> list[dict]:
    """Change rows of one published dataset, in key order, fields in column order."""
    table = F.TABLES[name]
    before, after = _rows_by_key(old, table), _rows_by_key(new, table)
    rows: list[dict] = []
    for key in sorted(before.keys() | after.keys()):
        joined = "|".join(key)
        if key not in after:
            rows.append(_change(name, joined, None, "removed"))
        elif key not in before:
            rows.append(_change(name, joined, None, "added"))
        else:
            for column in _value_columns(table):
                o, n = _plain(before[key][column]), _plain(after[key][column])
                if not same(o, n):
                    pct = pct_change(o, n) if _is_amount(table, column) else None
                    rows.append(_change(name, joined, column, "changed", _text(o), _text(n), pct))
    return rows


def _yearless(value, year: int) -> str | None:
    # The part of a fact that merely restates the guide's year is not content.
    return None if value is None else str(value).replace(str(year), "{year}")


def compare_guide(old_manifest: dict, new_manifest: dict) -> list[dict]:
    """Change rows of the document facts; a fact differing only by the guide year has not changed."""
    old_year, new_year = old_manifest["guide_year"], new_manifest["guide_year"]
    rows = []
    for fact in GUIDE_FACTS:
        o, n = old_manifest.get(fact), new_manifest.get(fact)
        if not same(_yearless(o, old_year), _yearless(n, new_year)):
            rows.append(_change("guide", None, fact, "changed", _text(o), _text(n)))
    return rows


def changes_frame(rows: list[dict]) -> pd.DataFrame:
    """Change rows as a frame of `fields.CHANGES` columns, in order, with their Arrow dtypes."""
    return pd.DataFrame({
        f.name: pd.array([row[f.name] for row in rows], dtype=pd.ArrowDtype(f.arrow_type))
        for f in F.CHANGES.fields
    }, index=pd.RangeIndex(len(rows)))


def compare(old_tables: dict[str, pd.DataFrame], new_tables: dict[str, pd.DataFrame],
            old_manifest: dict, new_manifest: dict) -> pd.DataFrame:
    """Every change from the old year to the new, in dataset order (codes ... terminology, guide)."""
    rows: list[dict] = []
    for name in F.DATASETS:
        rows += compare_table(name, old_tables[name], new_tables[name])
    rows += compare_guide(old_manifest, new_manifest)
    return changes_frame(rows)


# ---------------------------------------------------------------- changes to check

#: The flagging rules, beside the guide's vocabulary (and read from a copy under `vocab.use`).
CHECKS_FILE = "diff_checks.csv"


@dataclass(frozen=True)
class Check:
    """A change of `dataset.field` to look at in the PDF: beyond `beyond_pct` percent, or any if None."""

    dataset: str
    field: str
    beyond_pct: Decimal | None

    def why(self, change: dict) -> str | None:
        """Why `change` (a change row) needs a look, or None if it does not."""
        if change["dataset"] != self.dataset or change["field"] != self.field or change["change"] != "changed":
            return None
        if self.beyond_pct is None:
            return f"{self.field} changed"
        pct = _plain(change["pct_change"])
        if pct is not None and abs(pct) > self.beyond_pct:
            return f"moved more than {self.beyond_pct}%"
        return None


def checks() -> tuple[Check, ...]:
    """The rules of `pipeline/vocab/diff_checks.csv`, in file order."""
    return tuple(Check(r["dataset"], r["field"], Decimal(r["beyond_pct"]) if r["beyond_pct"].strip() else None)
                 for r in vocab.rows(CHECKS_FILE))


@dataclass(frozen=True)
class Flag:
    """A change to check against the PDF: the change row, why, and the page it was printed on each year."""

    change: dict
    why: str
    old_page: int | None
    new_page: int | None


def _printed_on(tables: dict[str, pd.DataFrame], dataset: str, key: str, field: str) -> int | None:
    """The page the value of `dataset` `key` `field` was read from, by the year's provenance."""
    prov = tables["provenance"]
    hit = prov[(prov["dataset"] == dataset) & (prov["key"] == key) & (prov["field"] == field)]
    return int(hit["page"].iloc[0]) if len(hit) else None


def flags(diff: "Diff", rules: tuple[Check, ...] | None = None) -> list[Flag]:
    """The changes of `diff` that a rule flags, in change order, each with its pages in both years."""
    rules = checks() if rules is None else rules
    out = []
    for change in diff.changes.to_dict("records"):
        why = next((w for w in (rule.why(change) for rule in rules) if w), None)
        if why:
            out.append(Flag(change, why, _printed_on(diff.old_tables, change["dataset"], change["key"], change["field"]),
                            _printed_on(diff.new_tables, change["dataset"], change["key"], change["field"])))
    return out


@dataclass
class Diff:
    """The changes between two years, with both years' tables for the report."""

    old_year: int
    new_year: int
    changes: pd.DataFrame
    old_tables: dict[str, pd.DataFrame]
    new_tables: dict[str, pd.DataFrame]

    @property
    def changed(self) -> bool:
        return len(self.changes) > 0

    def counts(self) -> dict[str, dict[str, int]]:
        """Change rows per dataset and kind, every dataset and kind present."""
        got = self.changes.groupby(["dataset", "change"]).size()
        return {d: {k: int(got.get((d, k), 0)) for k in F.CHANGE_KINDS} for d in F.CHANGE_DATASETS}


# ---------------------------------------------------------------- reading outputs

def choose_years(outputs: Path, old: int | None = None, new: int | None = None) -> tuple[int, int]:
    """The pair to compare: as given, or by default the two latest published years.

    With `old` alone, `new` is the latest year; with `new` alone, `old` is the
    published year before it.
    """
    years = year_folders(outputs)  # a year folder that fails its checks is refused below, never skipped
    present = ", ".join(map(str, years)) or "none"
    for year in (old, new):
        if year is not None and year not in years:
            raise YearNotPublished(f"no published {year} guide under {outputs}; years present: {present}")
    if old is None:
        earlier = [y for y in years if new is None or y < new]
        if len(earlier) < (2 if new is None else 1):
            raise YearNotPublished(f"need two published years to diff under {outputs}; years present: {present}")
        return (earlier[-2], earlier[-1]) if new is None else (earlier[-1], new)
    return old, years[-1] if new is None else new


def _read_year(outputs: Path, year: int) -> tuple[dict[str, pd.DataFrame], dict]:
    """One year's tables and manifest, after every check `validate` makes (`pipeline.readers.check`)."""
    try:
        check = verified_year(outputs, year)
    except OutputsInvalid as exc:
        raise OutputsUnreadable(str(exc)) from None
    return check.tables, check.manifest


def diff_years(outputs: Path, old: int | None = None, new: int | None = None) -> Diff:
    """Compare two published years under `outputs` (see `choose_years`). Writes nothing."""
    old, new = choose_years(outputs, old, new)
    old_tables, old_manifest = _read_year(outputs, old)
    new_tables, new_manifest = _read_year(outputs, new)
    return Diff(old, new, compare(old_tables, new_tables, old_manifest, new_manifest), old_tables, new_tables)


def run(outputs: Path, old: int | None = None, new: int | None = None) -> tuple[Diff, Path]:
    """Compare two years and publish changes.csv, changes.parquet and report.md. Returns the folder."""
    diff = diff_years(outputs, old, new)
    folder = publish_diff(diff.changes, report(diff), outputs, diff.old_year, diff.new_year)
    return diff, folder


# ---------------------------------------------------------------- telling people

def _cell(value) -> str:
    text = _text(value)
    return "" if text is None else " ".join(text.split()).replace("|", "\\|")


def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def _pct(value) -> str:
    value = _plain(value)
    return "" if value is None else f"{value:+}%"


def report(diff: Diff) -> str:
    """The human report (Markdown): counts, payment changes, rows added or removed, other changes."""
    o, n = diff.old_year, diff.new_year
    lines = [f"# Changes from the {o} to the {n} guide", ""]
    if not diff.changed:
        lines.append(f"No changes: codes, payments, exclusions, terms and document facts of {n} are as in {o}.")
        return "\n".join(lines) + "\n"

    lines += [_row(["dataset", "added", "removed", "changed"]), "|---|--:|--:|--:|"]
    lines += [_row([name, *(str(c) for c in kinds.values())]) for name, kinds in diff.counts().items()]
    lines += ["", "Counts are rows of `changes.csv`: an added or removed row counts once, a changed row once "
                  "per changed field. Page numbers and provenance are not compared.", ""]

    flagged = flags(diff)
    if flagged:
        lines += ["## Check against the PDF", "",
                  f"{len(flagged)} change(s) large enough that a misread is as likely as a real change: look at "
                  "the pages named before trusting them (rules: `pipeline/vocab/diff_checks.csv`).", "",
                  _row(["dataset", "key", "field", str(o), str(n), "change", "why", f"{o} page", f"{n} page"]),
                  "|---|---|---|--:|--:|--:|---|--:|--:|"]
        lines += [_row([f.change["dataset"], _cell(f.change["key"]), f.change["field"], _cell(f.change["old_value"]),
                        _cell(f.change["new_value"]), _pct(f.change["pct_change"]), f.why, _cell(f.old_page),
                        _cell(f.new_page)]) for f in flagged]
        lines.append("")

    records = diff.changes.to_dict("records")
    payments = [r for r in records if r["dataset"] == "payments" and r["change"] == "changed"]
    if payments:
        lines += ["## Payment changes", "", _row(["code", "setting", "field", str(o), str(n), "change"]),
                  "|---|---|---|--:|--:|--:|"]
        lines += [_row([*(_cell(k) for k in r["key"].split("|")), r["field"], _cell(r["old_value"]),
                        _cell(r["new_value"]), _pct(r["pct_change"])]) for r in payments]
        lines.append("")

    for name in F.DATASETS:
        table = F.TABLES[name]
        columns = _key_columns(table) + _value_columns(table)
        for kind, tables in (("added", diff.new_tables), ("removed", diff.old_tables)):
            keys = [r["key"] for r in records if r["dataset"] == name and r["change"] == kind]
            if not keys:
                continue
            by_key = {"|".join(k): row for k, row in _rows_by_key(tables[name], table).items()}
            lines += [f"## {_TITLES[name]} {kind}", "", _row(columns), "|" + "---|" * len(columns)]
            lines += [_row([_cell(by_key[key][c]) for c in columns]) for key in keys]
            lines.append("")

    other = [r for r in records if r["change"] == "changed" and r["dataset"] != "payments"]
    if other:
        lines += ["## Other changes", "", _row(["dataset", "key", "field", str(o), str(n)]), "|---|---|---|---|---|"]
        lines += [_row([r["dataset"], _cell(r["key"]), r["field"], _cell(r["old_value"]), _cell(r["new_value"])])
                  for r in other]
        lines.append("")
    return "\n".join(lines[:-1]) + "\n"


def summary(diff: Diff) -> list[str]:
    """A few lines for the terminal: the total, then counts per dataset that changed."""
    head = f"{diff.old_year} -> {diff.new_year}"
    if not diff.changed:
        return [f"{head}: no changes"]
    lines = [f"{head}: {len(diff.changes)} change(s)"]
    for name, kinds in diff.counts().items():
        parts = [f"{count} {kind}" for kind, count in kinds.items() if count]
        if parts:
            lines.append(f"  {name}: {', '.join(parts)}")
    flagged = flags(diff)
    if flagged:
        lines.append(f"  check against the PDF: {len(flagged)} change(s), listed first in report.md")
    return lines
