"""Diff: what changed between two published guide years. Reads outputs, writes nothing.

It runs after publish, on what publish wrote:

    outputs/<old>/ + outputs/<new>/ ─▶ diff ─▶ diff_report ─▶ publish.publish_diff ─▶ outputs/diffs/<old>-<new>/
    (validated again; the payments     (frames,   (report.md,                         changes.csv, changes.parquet,
     of every year for the charts)      flags)     report.html)                       report.md, report.html

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

Some changes are more likely a misread than a real change: a code added or
removed, a payment status, APC or indicator that changes, a payment that
moves by more than a quarter, a table that had rows and has none. The rules
are data, `pipeline/vocab/diff_checks.csv` (`Check`); `flags` applies them,
each flag with the page its value was printed on in both years (from
provenance), and the reports list them first, as "check against the PDF".

A year is never compared with itself (`make diff OLD=<the latest year>`
would otherwise report "no changes" about nothing): `choose_years` refuses it.

`compare` does the work on two years' tables and manifests (no I/O);
`diff_years` reads both years after checking they are published and valid;
`run` has `pipeline.readers.diff_report` render the reports (matplotlib is
loaded there, for diffs only) and hands them to `pipeline.publish`, the only
module that writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline import fields as F
from pipeline import shape, vocab
from pipeline.errors import GuideError
from pipeline.publish import publish_diff, year_folders
from pipeline.readers.check import OutputsInvalid, verified_year

#: The manifest's facts about the document that two years are compared on (`pipeline.shape`; the year is
#: the pair itself). The rest of the manifest describes the source file and the pipeline run, which are
#: not the guide's content.
GUIDE_FACTS = tuple(f.name for f in shape.DOCUMENT_FACTS if f.compared)
#: The layout the guide was read in (the manifest's `layout`), compared as one more fact of the guide, in
#: words and without pages (`shape.layout_words`): a change of shape is one change row, one line.
LAYOUT = "layout"
COMPARED_FACTS = (*GUIDE_FACTS, LAYOUT)
#: Where a value was printed, not what it says.
NOT_COMPARED = F.ROW_CONTEXT


class YearNotPublished(GuideError):
    """A year asked for is not published under outputs/, or fewer than two years are."""


class OutputsUnreadable(GuideError):
    """A published year cannot be read back or no longer passes its schemas."""


class SameYear(GuideError):
    """The pair asked for is one year twice (`make diff OLD=<the latest year>`)."""


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


def _fact(manifest: dict, name: str):
    """A compared fact of a year's manifest: the layout in words (without pages), any other as published."""
    return shape.layout_words(manifest.get(LAYOUT), pages=False) if name == LAYOUT else manifest.get(name)


def compare_guide(old_manifest: dict, new_manifest: dict) -> list[dict]:
    """Change rows of the document facts and the layout; a fact differing only by the guide year has not changed."""
    old_year, new_year = old_manifest["guide_year"], new_manifest["guide_year"]
    rows = []
    for fact in COMPARED_FACTS:
        o, n = _fact(old_manifest, fact), _fact(new_manifest, fact)
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
_KINDS = ("added", "removed", "changed", "vanished")


@dataclass(frozen=True)
class Check:
    """One rule of `diff_checks.csv`: a `change` of `dataset` to look at in the PDF.

    `change` is added, removed or changed (a change row of that kind), or
    vanished (the table had rows in the old year and has none in the new).
    `field` narrows a changed rule to one column (None: any column);
    `beyond_pct` narrows it to an amount that moved by more than that percent
    either way.
    """

    dataset: str
    change: str
    field: str | None = None
    beyond_pct: Decimal | None = None

    def why(self, change: dict) -> str | None:
        """Why `change` (a change row) needs a look, or None if this rule does not flag it."""
        if change["dataset"] != self.dataset or change["change"] != self.change:
            return None
        if self.change != "changed":
            return self.change
        if self.field is not None and change["field"] != self.field:
            return None
        if self.beyond_pct is None:
            return f"{change['field']} changed"
        pct = _plain(change["pct_change"])
        if pct is not None and abs(pct) > self.beyond_pct:
            return f"moved more than {self.beyond_pct}%"
        return None

    def problem(self) -> str | None:
        """What makes this rule mean nothing (a dataset or field that does not exist, a percent on text), or None."""
        if self.change not in _KINDS:
            return f"change {self.change!r} is not one of {', '.join(_KINDS)}"
        if self.dataset not in F.CHANGE_DATASETS:
            return f"dataset {self.dataset!r} is not one of {', '.join(F.CHANGE_DATASETS)}"
        if self.change != "changed":
            if self.dataset not in F.DATASETS:
                return f"{self.dataset} has no rows to be {self.change}: only its fields change"
            if self.field is not None or self.beyond_pct is not None:
                return f"field and beyond_pct are for a changed rule; a {self.change} rule names the dataset only"
            return None
        table = F.TABLES.get(self.dataset)
        compared = list(COMPARED_FACTS) if table is None else _value_columns(table)
        if self.field is not None and self.field not in compared:
            return f"field {self.field!r} is not a compared column of {self.dataset} ({', '.join(compared)})"
        if self.beyond_pct is not None and (table is None or self.field is None or not _is_amount(table, self.field)):
            return "beyond_pct is for a changed amount (a field with a pct_change: payments payment_usd or rvus)"
        return None


def checks() -> tuple[Check, ...]:
    """The rules of `pipeline/vocab/diff_checks.csv`, in file order; a rule that means nothing is refused.

    `vocab` checks each column alone; a rule naming a dataset or field the
    diff does not compare, or a percentage on a text field, would flag
    nothing, silently, so it raises `VocabularyError` naming the line.
    """
    rules = []
    for line, r in enumerate(vocab.rows(CHECKS_FILE), start=2):  # line 1 is the header
        rule = Check(r["dataset"], r["change"], r["field"].strip() or None,
                     Decimal(r["beyond_pct"]) if r["beyond_pct"].strip() else None)
        problem = rule.problem()
        if problem:
            raise vocab.VocabularyError(f"{vocab.VOCAB_DIR / CHECKS_FILE}: line {line}: {problem}")
        rules.append(rule)
    return tuple(rules)


@dataclass(frozen=True)
class Flag:
    """One line of "Check against the PDF": what to look at, why, and the pages it was printed on each year.

    A changed field carries both values and its percent; an added or removed row
    only its key; a vanished table its row counts ("11 rows", "0 rows").
    """

    dataset: str
    key: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    pct_change: Decimal | None
    why: str
    old_pages: str | None
    new_pages: str | None


def _printed_on(tables: dict[str, pd.DataFrame], dataset: str, key: str | None = None,
                field: str | None = None) -> str | None:
    """The pages the values of `dataset` (its row `key`, its `field`) were read from, by the year's provenance.

    "3", or "5, 6" for a table over two pages; None when the year printed none.
    """
    prov = tables["provenance"]
    hit = prov["dataset"] == dataset
    if key is not None:
        hit &= prov["key"] == key
    if field is not None:
        hit &= prov["field"] == field
    pages = sorted({int(p) for p in prov.loc[hit, "page"]})
    return ", ".join(map(str, pages)) or None


def vanished(diff: "Diff", rules: tuple[Check, ...]) -> list[Flag]:
    """Tables that had rows in the old year and have none in the new one, where a vanished rule asks.

    An empty table is more often a section the reading missed than a guide
    that dropped it, so it is one flag naming both counts, not N removals.
    """
    asked = {rule.dataset for rule in rules if rule.change == "vanished"}
    out = []
    for name in F.DATASETS:
        before, after = len(diff.old_tables[name]), len(diff.new_tables[name])
        if name in asked and before and not after:
            out.append(Flag(name, None, None, f"{before} rows", "0 rows", None,
                            f"had {before} rows in {diff.old_year}, none in {diff.new_year}",
                            _printed_on(diff.old_tables, name), None))
    return out


def flags(diff: "Diff", rules: tuple[Check, ...] | None = None) -> list[Flag]:
    """What to check against the PDF: vanished tables first, then each flagged change in change order.

    The rows of a vanished table are not flagged one by one: its one line says it.
    """
    rules = checks() if rules is None else rules
    out = vanished(diff, rules)
    gone = {flag.dataset for flag in out}
    for change in diff.changes.to_dict("records"):
        why = next((w for w in (rule.why(change) for rule in rules) if w), None)
        if not why or change["dataset"] in gone:
            continue
        dataset, key, field = change["dataset"], change["key"], change["field"]
        out.append(Flag(dataset, key, field, change["old_value"], change["new_value"], _plain(change["pct_change"]),
                        why, _printed_on(diff.old_tables, dataset, key, field) if dataset in F.TABLES else None,
                        _printed_on(diff.new_tables, dataset, key, field) if dataset in F.TABLES else None))
    return out


@dataclass
class Diff:
    """The changes between two years, with both years' tables for the report."""

    old_year: int
    new_year: int
    changes: pd.DataFrame
    old_tables: dict[str, pd.DataFrame]
    new_tables: dict[str, pd.DataFrame]
    #: Each year's `layout` record (the manifest's), for the line that says how the layout changed.
    old_layout: dict | None = None
    new_layout: dict | None = None

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
    published year before it. A year is never compared with itself: that
    would report "no changes" about nothing (`make diff OLD=<the latest year>`),
    so it is refused, saying which pair to ask for.
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
    if new is None and old == years[-1]:
        raise SameYear(f"{old} is the latest published year under {outputs}: there is nothing newer to compare "
                       f"it with; years present: {present} (without OLD, diff compares the two latest)")
    if old == new:
        raise SameYear(f"OLD and NEW are both {old}: a year compared with itself has no changes; years present: "
                       f"{present}")
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
    return Diff(old, new, compare(old_tables, new_tables, old_manifest, new_manifest), old_tables, new_tables,
                old_manifest.get(LAYOUT), new_manifest.get(LAYOUT))


def payment_history(outputs: Path, diff: Diff) -> dict[int, pd.DataFrame]:
    """The payments of every published year, by year (for report.html's charts), each year verified first.

    The two years compared are already read; a year that fails its checks is
    refused here as it is by the diff, never left out of the pictures.
    """
    read = {diff.old_year: diff.old_tables, diff.new_year: diff.new_tables}
    return {year: (read[year] if year in read else _read_year(outputs, year)[0])["payments"]
            for year in year_folders(outputs)}


def run(outputs: Path, old: int | None = None, new: int | None = None) -> tuple[Diff, Path]:
    """Compare two years and publish changes.csv, changes.parquet, report.md and report.html. Returns the folder."""
    from pipeline.readers.diff_report import html, markdown  # the report and its charts: only `diff` needs them

    diff = diff_years(outputs, old, new)
    folder = publish_diff(diff.changes, markdown(diff), html(diff, payment_history(outputs, diff)), outputs,
                          diff.old_year, diff.new_year)
    return diff, folder


# ---------------------------------------------------------------- telling people

def summary(diff: Diff) -> list[str]:
    """A few lines for the terminal: the total, counts per dataset that changed, how many to check."""
    head = f"{diff.old_year} -> {diff.new_year}"
    if not diff.changed:
        return [f"{head}: no changes"]
    lines = [f"{head}: {len(diff.changes)} change(s)"]
    for name, kinds in diff.counts().items():
        parts = [f"{count} {kind}" for kind, count in kinds.items() if count]
        if parts:
            lines.append(f"  {name}: {', '.join(parts)}")
    changed = layout_change(diff.old_layout, diff.new_layout)
    if changed:
        lines.append(f"  layout changed: {changed}")
    flagged = flags(diff)
    lines.append(f"  check against the PDF: {len(flagged)} change(s), listed first in report.md" if flagged
                 else "  check against the PDF: none")
    return lines


def layout_change(old: dict | None, new: dict | None) -> str | None:
    """How the layout changed from one year to the next, briefly (report.md has both in full); None if not."""
    if shape.layout_words(old, pages=False) == shape.layout_words(new, pages=False):
        return None
    old, new = old or {}, new or {}
    out = []
    a, b = len(old.get("tables") or []), len(new.get("tables") or [])
    if a != b:
        out.append(f"{a} payment table{'s' if a != 1 else ''} -> {b}")
    if old.get("settings") != new.get("settings"):
        out.append(f"settings {', '.join(old.get('settings') or []) or 'none'} -> "
                   f"{', '.join(new.get('settings') or []) or 'none'}")
    elif a == b and [t.get("columns") for t in old.get("tables") or []] != [t.get("columns") for t in
                                                                             new.get("tables") or []]:
        out.append("columns in another order or of another kind")
    words = {key: (shape.listed(old.get(key), pages=False), shape.listed(new.get(key), pages=False))
             for key in dict.fromkeys([*old, *new]) if key not in ("tables", "settings")}
    out += [f"{key} {a or 'none'} -> {b or 'none'}" for key, (a, b) in words.items() if a != b]
    return "; ".join(out) or "see report.md"
