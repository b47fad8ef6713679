"""Diffing two published years (issues #5, #23, #26): exact change rows, exact report lines, exact report.html.

Two real years, built once for this module: the committed 2022 source, and a
2023 guide rendered from the same data with known edits (amounts changed, an
indicator changed, an exclusion removed, a code added, a term added, a term
reworded, a new document number, the glossary pushed to the next page). Both
go through the real pipeline into a temporary outputs folder. The tests that
need other edits (a large move, a table left empty) make them on the built
2022 tables in memory, never on the repository's outputs/.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tools.testkit.paths import ROOT
from tools.testkit.renderer import NA, PAGE_BREAK, Amount, CodeRow
from tools.testkit.guide_2022 import GUIDE_2022
from pipeline.cli import main
from pipeline.readers.diff import Diff, compare, compare_guide, flags, pct_change, same, summary
from pipeline.readers.diff_report import markdown
from pipeline.publish import read_manifest, read_tables
from tools.testkit.two_years import build_two_years, edition_2023

_0600T, _0601T = GUIDE_2022.codes

GUIDE_2023 = edition_2023(
    codes=(
        # OPPS up, ASC down, 77022 no longer excluded
        replace(_0600T, excluded=("76940", "77002", "77013"), opps=Amount.rate("9500.00"),
                asc=Amount.rate("6100.00")),
        replace(_0601T, asc_indicator="G2"),
        CodeRow(code="0602T",
                descriptor="Ablation, irreversible\nelectroporation; 1 or more\ntumors, laparoscopic",
                excluded=("76940",),
                non_facility=Amount.rate("1234.56", "35.10"), facility=Amount.rate("1100.00", "31.25"),
                opps=Amount.rate("9500.00"), apc="5362", opps_indicator="J1", asc=NA),
    ),
    terms=tuple(sorted(
        [(t, "Investigational Device Exemption (FDA)" if t == "IDE" else d) for t, d in GUIDE_2022.terms]
        + [("NPI", "National Provider Identifier")])),
    # one more page of prose: the glossary moves from page 6 to 7, which is not a change
    considerations=GUIDE_2022.considerations + (PAGE_BREAK, "Coverage and payment vary by payor."),
)

HEADER = "dataset,key,field,change,old_value,new_value,pct_change"
RULES = "(rules: `pipeline/vocab/diff_checks.csv`)."
CHECK_TEXT = ("to check: a misread would make each of these changes too (a table left empty, a code added or "
              "removed, a payment status, APC or indicator changed, an amount moved by more than its threshold). "
              f"Open both PDFs at the pages named before trusting them {RULES}")
CHECK_HEADER = ["| dataset | key | field | 2022 | 2023 | change | why | 2022 page | 2023 page |",
                "|---|---|---|--:|--:|--:|---|--:|--:|"]


def _tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """outputs/2022 and outputs/2023, built by the real pipeline from real PDFs."""
    return build_two_years(tmp_path_factory.mktemp("diff"), GUIDE_2023)


def diff(outputs, *args):
    return CliRunner().invoke(main, ["diff", *args, "--outputs", str(outputs)])


def test_changes_csv_has_exactly_the_changes(outputs):
    years_before = {y: _tree(outputs / y) for y in ("2022", "2023")}
    result = diff(outputs, "2022", "2023")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2022 -> 2023: 13 change(s)",
        "  codes: 1 added",
        "  payments: 4 added, 3 changed",
        "  exclusions: 1 added, 1 removed",
        "  terminology: 1 added, 1 changed",
        "  guide: 1 changed",
        "  check against the PDF: 2 change(s), listed first in report.md",
        f"report: {outputs / 'diffs' / '2022-2023' / 'report.md'}",
        f"report: {outputs / 'diffs' / '2022-2023' / 'report.html'}",
    ]
    folder = outputs / "diffs" / "2022-2023"
    assert sorted(p.name for p in folder.iterdir()) == ["changes.csv", "changes.parquet", "report.html", "report.md"]
    assert (folder / "changes.csv").read_text(encoding="utf-8").splitlines() == [
        HEADER,
        "codes,0602T,,added,,,",
        "payments,0600T|ambulatory_surgical_center,payment_usd,changed,6243.45,6100.00,-2.30",
        "payments,0600T|hospital_outpatient,payment_usd,changed,9096.46,9500.00,4.44",
        "payments,0601T|ambulatory_surgical_center,indicator,changed,J8,G2,",
        "payments,0602T|ambulatory_surgical_center,,added,,,",
        "payments,0602T|hospital_outpatient,,added,,,",
        "payments,0602T|physician_facility,,added,,,",
        "payments,0602T|physician_non_facility,,added,,,",
        "exclusions,0600T|77022,,removed,,,",
        "exclusions,0602T|76940,,added,,,",
        "terminology,IDE,description,changed,Investigational Device Exemption,"
        "Investigational Device Exemption (FDA),",
        "terminology,NPI,,added,,,",
        "guide,,document_number,changed,US/ON/MS/187 REV 07 12/2021,US/ON/MS/187 REV 08 12/2022,",
    ]
    # the diff only reads the years it compares
    assert {y: _tree(outputs / y) for y in ("2022", "2023")} == years_before


def test_report_lines(outputs):
    assert diff(outputs, "2022", "2023").exit_code == 0
    report = (outputs / "diffs" / "2022-2023" / "report.md").read_text(encoding="utf-8")
    assert report.splitlines() == [
        "# Changes from the 2022 to the 2023 guide",
        "",
        "| dataset | added | removed | changed |",
        "|---|--:|--:|--:|",
        "| codes | 1 | 0 | 0 |",
        "| payments | 4 | 0 | 3 |",
        "| exclusions | 1 | 1 | 0 |",
        "| terminology | 1 | 0 | 1 |",
        "| guide | 0 | 0 | 1 |",
        "",
        "Counts are rows of `changes.csv`: an added or removed row counts once, a changed row once per changed "
        "field. Page numbers and provenance are not compared.",
        "",
        "## Check against the PDF",
        "",
        f"2 {CHECK_TEXT}",
        "",
        *CHECK_HEADER,
        "| codes | 0602T |  |  |  |  | added |  | 3 |",
        "| payments | 0601T\\|ambulatory_surgical_center | indicator | J8 | G2 |  | indicator changed | 3 | 3 |",
        "",
        "## Payment changes",
        "",
        "| code | setting | field | 2022 | 2023 | change |",
        "|---|---|---|--:|--:|--:|",
        "| 0600T | ambulatory_surgical_center | payment_usd | 6243.45 | 6100.00 | -2.30% |",
        "| 0600T | hospital_outpatient | payment_usd | 9096.46 | 9500.00 | +4.44% |",
        "| 0601T | ambulatory_surgical_center | indicator | J8 | G2 |  |",
        "",
        "## Codes added",
        "",
        "| cpt_code | code_category | descriptor |",
        "|---|---|---|",
        "| 0602T | III | Ablation, irreversible electroporation; 1 or more tumors, laparoscopic |",
        "",
        "## Payments added",
        "",
        "| cpt_code | setting | payment_status | payment_usd | rvus | apc | indicator |",
        "|---|---|---|---|---|---|---|",
        "| 0602T | ambulatory_surgical_center | not_applicable |  |  |  |  |",
        "| 0602T | hospital_outpatient | national_rate | 9500.00 |  | 5362 | J1 |",
        "| 0602T | physician_facility | national_rate | 1100.00 | 31.25 |  |  |",
        "| 0602T | physician_non_facility | national_rate | 1234.56 | 35.10 |  |  |",
        "",
        "## Exclusions added",
        "",
        "| cpt_code | excluded_code |",
        "|---|---|",
        "| 0602T | 76940 |",
        "",
        "## Exclusions removed",
        "",
        "| cpt_code | excluded_code |",
        "|---|---|",
        "| 0600T | 77022 |",
        "",
        "## Terms added",
        "",
        "| term | description |",
        "|---|---|",
        "| NPI | National Provider Identifier |",
        "",
        "## Other changes",
        "",
        "| dataset | key | field | 2022 | 2023 |",
        "|---|---|---|---|---|",
        "| terminology | IDE | description | Investigational Device Exemption "
        "| Investigational Device Exemption (FDA) |",
        "| guide |  | document_number | US/ON/MS/187 REV 07 12/2021 | US/ON/MS/187 REV 08 12/2022 |",
    ]
    assert report.endswith(" |\n")
    # the documented example is this very report
    assert f"```markdown\n{report}```" in (ROOT / "docs" / "diffs.md").read_text(encoding="utf-8")


def test_changes_parquet_has_the_contract_types_and_the_same_rows(outputs):
    assert diff(outputs, "2022", "2023").exit_code == 0
    folder = outputs / "diffs" / "2022-2023"
    table = pq.read_table(folder / "changes.parquet")
    assert table.schema.field("pct_change").type == pa.decimal128(18, 2)
    assert table.schema.field("key").metadata[b"description"].startswith(b"The row's natural key")
    assert table.column("pct_change").to_pylist() == [None, Decimal("-2.30"), Decimal("4.44")] + [None] * 10
    from_csv = pd.read_csv(folder / "changes.csv", dtype=str, keep_default_na=False)
    from_parquet = table.to_pandas().drop(columns="pct_change").fillna("")
    assert from_parquet.values.tolist() == from_csv.drop(columns="pct_change").values.tolist()


def test_default_is_the_two_latest_years_and_old_alone_means_against_the_latest(outputs):
    expected = diff(outputs, "2022", "2023").output
    assert diff(outputs).output == expected
    assert diff(outputs, "2022").output == expected


def test_a_year_is_never_compared_with_itself(outputs):
    """`make diff OLD=<the latest year>` runs `diff 2023`: refused in one line, nothing written."""
    result = diff(outputs, "2023")
    assert (result.exit_code, result.output) == (1, (
        f"Error: 2023 is the latest published year under {outputs}: there is nothing newer to compare it with; "
        "years present: 2022, 2023 (without OLD, diff compares the two latest)\n"))
    for args in (("2022", "2022"), ("2023", "--new", "2023")):
        result = diff(outputs, *args)
        assert (result.exit_code, result.output) == (1, (
            f"Error: OLD and NEW are both {args[0]}: a year compared with itself has no changes; years present: "
            "2022, 2023\n"))
    assert sorted(p.name for p in (outputs / "diffs").iterdir()) in ([], ["2022-2023"])


def test_two_years_without_changes_still_say_what_to_check(outputs):
    same_again = _edited_2022(outputs, lambda tables: None)
    assert markdown(same_again).splitlines() == [
        "# Changes from the 2022 to the 2023 guide",
        "",
        "No changes: codes, payments, exclusions, terms and document facts of 2023 are as in 2022.",
        "",
        "## Check against the PDF",
        "",
        "0 to check: no change matches a rule of `pipeline/vocab/diff_checks.csv`.",
    ]
    assert summary(same_again) == ["2022 -> 2023: no changes"]


def test_help():
    result = CliRunner().invoke(main, ["diff", "--help"])
    assert result.exit_code == 0
    assert "Usage: main diff [OPTIONS] [OLD] [NEW]" in result.output


def test_fail_on_change_exits_1(outputs):
    result = diff(outputs, "2022", "2023", "--fail-on-change")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "2022 -> 2023: 13 change(s)"


def test_missing_year_is_one_line_listing_the_years_present(outputs, tmp_path):
    result = diff(outputs, "2022", "2024")
    assert result.exit_code == 1
    assert result.output == f"Error: no published 2024 guide under {outputs}; years present: 2022, 2023\n"
    shutil.copytree(outputs / "2022", tmp_path / "2022")
    result = diff(tmp_path)
    assert result.exit_code == 1
    assert result.output == f"Error: need two published years to diff under {tmp_path}; years present: 2022\n"
    assert not (tmp_path / "diffs").exists()


def test_invalid_year_is_refused(outputs, tmp_path):
    shutil.copytree(outputs, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "2023" / "codes.parquet"
    table = pq.read_table(path)
    pq.write_table(table.set_column(2, "code_category", pa.array(["III", "III", "X"])), path)
    result = diff(tmp_path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}: does not match the sha256 in 2023/manifest.json (changed or damaged "
                             f"after publishing); `python -m pipeline validate --outputs {tmp_path}` lists every "
                             "problem\n")
    (tmp_path / "2022" / "payments.parquet").unlink()
    result = diff(tmp_path)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {tmp_path / '2022' / 'payments.parquet'}: missing: listed in "
                                    "2022/manifest.json")
    assert result.output.count("\n") == 1


def test_order_pages_whitespace_and_number_formatting_are_not_changes(outputs):
    old = read_tables(outputs / "2022")
    new = {name: frame.iloc[::-1].reset_index(drop=True) for name, frame in old.items()}
    new["codes"]["source_page"] = new["codes"]["source_page"] + 1
    new["codes"]["descriptor"] = new["codes"]["descriptor"].str.replace(" ", "\n  ", regex=False)
    manifest = read_manifest(outputs / "2022")
    assert len(compare(old, new, manifest, manifest)) == 0
    assert same(Decimal("9096.4"), Decimal("9096.40"))
    assert not same(Decimal("9096.4"), Decimal("9096.41"))
    assert not same(None, Decimal("0.00"))


def test_pct_change_is_exact_and_rounds_half_away_from_zero():
    assert pct_change(Decimal("9096.46"), Decimal("9500.00")) == Decimal("4.44")  # 4.4362...
    assert pct_change(Decimal("200.00"), Decimal("208.87")) == Decimal("4.44")  # exactly 4.435
    assert pct_change(Decimal("200.00"), Decimal("191.13")) == Decimal("-4.44")  # exactly -4.435
    assert str(pct_change(Decimal("10.00"), Decimal("10.00"))) == "0.00"
    assert pct_change(Decimal("0.00"), Decimal("5.00")) is None
    assert pct_change(None, Decimal("5.00")) is None


def test_a_document_fact_differing_only_by_the_guide_year_is_not_a_change():
    old = {"guide_year": 2022, "title": "2022 NanoKnife CPT Reimbursement Guide",
           "effective_date": date(2022, 1, 1).isoformat(), "document_number": "US/ON/MS/187 REV 07 12/2021"}
    new = {**old, "guide_year": 2023, "title": "2023 NanoKnife CPT Reimbursement Guide",
           "effective_date": "2023-01-01"}
    assert compare_guide(old, new) == []
    assert compare_guide(old, {**new, "effective_date": "2023-04-01", "title": "2023 NanoKnife Guide"}) == [
        {"dataset": "guide", "key": None, "field": "title", "change": "changed",
         "old_value": "2022 NanoKnife CPT Reimbursement Guide", "new_value": "2023 NanoKnife Guide",
         "pct_change": None},
        {"dataset": "guide", "key": None, "field": "effective_date", "change": "changed",
         "old_value": "2022-01-01", "new_value": "2023-04-01", "pct_change": None},
    ]


def _edited_2022(outputs, edit) -> Diff:
    """The built 2022 year against a copy of itself, as 2023, with `edit(tables)` applied to the copy."""
    old = read_tables(outputs / "2022")
    new = {name: frame.copy() for name, frame in old.items()}
    edit(new)
    manifest = read_manifest(outputs / "2022")
    return Diff(2022, 2023, compare(old, new, manifest, manifest), old, new)


def _set(payments, code, setting, **values):
    row = (payments["cpt_code"] == code) & (payments["setting"] == setting)
    for column, value in values.items():
        payments.loc[row, column] = value


def _big_and_small_changes(tables):
    payments, provenance = tables["payments"], tables["provenance"]
    _set(payments, "0600T", "hospital_outpatient", payment_usd=Decimal("12000.00"))  # +31.92 %
    _set(payments, "0600T", "ambulatory_surgical_center", payment_usd=Decimal("4600.00"))  # -26.32 %
    _set(payments, "0601T", "ambulatory_surgical_center", payment_usd=Decimal("5100.00"))  # +0.72 %: not flagged
    _set(payments, "0601T", "physician_facility", payment_status="national_rate",
         payment_usd=Decimal("812.30"), rvus=Decimal("24.15"))
    # the new status was printed on page 4 that year: the flag takes its page from provenance
    row = (provenance["key"] == "0601T|physician_facility") & (provenance["dataset"] == "payments")
    provenance.loc[row, "page"] = 4


def _check_section(diff) -> list[str]:
    lines = markdown(diff).splitlines()
    start = lines.index("## Check against the PDF")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines) + 1)
    return lines[start:end - 1]


def test_large_changes_are_flagged_to_check_against_the_pdf(outputs):
    diff = _edited_2022(outputs, _big_and_small_changes)
    section = _check_section(diff)
    assert section == [
        "## Check against the PDF",
        "",
        f"3 {CHECK_TEXT}",
        "",
        *CHECK_HEADER,
        "| payments | 0600T\\|ambulatory_surgical_center | payment_usd | 6243.45 | 4600.00 | -26.32% "
        "| moved more than 25% | 3 | 3 |",
        "| payments | 0600T\\|hospital_outpatient | payment_usd | 9096.46 | 12000.00 | +31.92% "
        "| moved more than 25% | 3 | 3 |",
        "| payments | 0601T\\|physician_facility | payment_status | contractor_priced | national_rate |  "
        "| payment_status changed | 3 | 4 |",
    ]
    documented = (ROOT / "docs" / "diffs.md").read_text(encoding="utf-8")
    assert "```markdown\n" + "\n".join(section) + "\n```" in documented
    assert summary(diff) == [
        "2022 -> 2023: 6 change(s)",
        "  payments: 6 changed",
        "  check against the PDF: 3 change(s), listed first in report.md",
    ]


def _drop_code(tables, code):
    for name, frame in tables.items():
        if name == "terminology":
            continue
        column = "key" if name == "provenance" else "cpt_code"
        keep = [str(value).split("|")[0] != code for value in frame[column]]
        tables[name] = frame[keep].reset_index(drop=True)


def test_every_change_of_a_code_an_indicator_or_an_apc_is_flagged(outputs_2022):
    def edit(tables):
        _set(tables["payments"], "0600T", "ambulatory_surgical_center", indicator="G2")
        _set(tables["payments"], "0600T", "hospital_outpatient", apc="5361")
        _drop_code(tables, "0601T")

    diff = _edited_2022(outputs_2022, edit)
    assert _check_section(diff)[2:] == [
        f"3 {CHECK_TEXT}",
        "",
        *CHECK_HEADER,
        "| codes | 0601T |  |  |  |  | removed | 3 |  |",
        "| payments | 0600T\\|ambulatory_surgical_center | indicator | J8 | G2 |  | indicator changed | 3 | 3 |",
        "| payments | 0600T\\|hospital_outpatient | apc | 5362 | 5361 |  | apc changed | 3 | 3 |",
    ]


def test_a_table_left_empty_is_one_line_naming_it_and_both_counts(outputs_2022):
    def no_glossary(tables):
        tables["terminology"] = tables["terminology"].iloc[0:0]
        prov = tables["provenance"]
        tables["provenance"] = prov[prov["dataset"] != "terminology"].reset_index(drop=True)

    diff = _edited_2022(outputs_2022, no_glossary)
    assert _check_section(diff)[2:] == [
        f"1 {CHECK_TEXT}",
        "",
        *CHECK_HEADER,
        "| terminology |  |  | 11 rows | 0 rows |  | had 11 rows in 2022, none in 2023 | 6 |  |",
    ]
    assert ("```markdown\n| terminology |  |  | 11 rows | 0 rows |  | had 11 rows in 2022, none in 2023 | 6 |  |\n```"
            in (ROOT / "docs" / "diffs.md").read_text(encoding="utf-8"))
    assert summary(diff)[-2:] == ["  terminology: 11 removed", "  check against the PDF: 1 change(s), listed first "
                                                              "in report.md"]

    # the payment table unread: three tables empty, three lines, and no line per code removed
    def no_payment_table(tables):
        _drop_code(tables, "0600T")
        _drop_code(tables, "0601T")

    assert [(f.dataset, f.key, f.old_value, f.new_value, f.why, f.old_pages, f.new_pages)
            for f in flags(_edited_2022(outputs_2022, no_payment_table))] == [
        ("codes", None, "2 rows", "0 rows", "had 2 rows in 2022, none in 2023", "3", None),
        ("payments", None, "8 rows", "0 rows", "had 8 rows in 2022, none in 2023", "3", None),
        ("exclusions", None, "6 rows", "0 rows", "had 6 rows in 2022, none in 2023", "3", None),
    ]


def test_the_flagging_rules_are_data(outputs_2022, tmp_path):
    from pipeline import vocab

    shutil.copytree(ROOT / "pipeline" / "vocab", tmp_path / "vocab")
    (tmp_path / "vocab" / "diff_checks.csv").write_text(
        "dataset,change,field,beyond_pct\npayments,changed,payment_usd,0.5\n", encoding="utf-8")
    diff = _edited_2022(outputs_2022, _big_and_small_changes)
    with vocab.use(tmp_path / "vocab"):
        got = [(f.key, f.why) for f in flags(diff)]
    assert got == [("0600T|ambulatory_surgical_center", "moved more than 0.5%"),
                   ("0600T|hospital_outpatient", "moved more than 0.5%"),
                   ("0601T|ambulatory_surgical_center", "moved more than 0.5%")]
    # a blank field: any change of that dataset; an empty rule file: nothing to check, and the section says so
    (tmp_path / "vocab" / "diff_checks.csv").write_text(
        "dataset,change,field,beyond_pct\npayments,changed,,\n", encoding="utf-8")
    with vocab.use(tmp_path / "vocab"):
        assert len(flags(diff)) == 6
    (tmp_path / "vocab" / "diff_checks.csv").write_text("dataset,change,field,beyond_pct\n", encoding="utf-8")
    with vocab.use(tmp_path / "vocab"):
        assert _check_section(diff)[2:] == [
            "0 to check: no change matches a rule of `pipeline/vocab/diff_checks.csv`."]


@pytest.mark.parametrize("rule, problem", [
    ("payments,changed,indicator,25",
     "beyond_pct is for a changed amount (a field with a pct_change: payments payment_usd or rvus)"),
    ("payments,changed,colour,", "field 'colour' is not a compared column of payments (payment_status, "
                                 "payment_usd, rvus, apc, indicator)"),
    ("guide,vanished,,", "guide has no rows to be vanished: only its fields change"),
    ("codes,added,descriptor,", "field and beyond_pct are for a changed rule; a added rule names the dataset only"),
    ("glossary,vanished,,", "dataset 'glossary' is not one of codes, payments, exclusions, terminology, guide"),
])
def test_a_rule_that_would_flag_nothing_is_refused_naming_its_line(tmp_path, rule, problem):
    from pipeline import vocab
    from pipeline.readers.diff import checks

    shutil.copytree(ROOT / "pipeline" / "vocab", tmp_path / "vocab")
    path = tmp_path / "vocab" / "diff_checks.csv"
    path.write_text(path.read_text(encoding="utf-8") + rule + "\n", encoding="utf-8")
    with vocab.use(tmp_path / "vocab"), pytest.raises(vocab.VocabularyError) as exc:
        checks()
    assert str(exc.value) == f"{path}: line 14: {problem}"


# ---------------------------------------------------------------- report.html

class ReportPage(HTMLParser):
    """What report.html shows: its sections in order, the check table's cells, each chart and its labels."""

    def __init__(self, text: str):
        super().__init__()
        self.sections: list[str] = []
        self.check: list[list[str]] = []
        self.links: list[str] = []
        self.charts: list[tuple] = []
        self._section = self._row = self._cell = self._chart = self._label = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._section = a["id"]
            self.sections.append(a["id"])
        elif tag == "tr" and self._section == "check":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "a" and self._row is not None:
            self.links.append(a["href"])
        elif tag == "figure":
            self._chart = (a["id"], a["data-code"], a["data-setting"], a.get("class") == "flagged", [])
        elif tag == "text" and self._chart is not None:
            self._label = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.check.append(self._row)
            self._row = None
        elif tag == "figure":
            self.charts.append(self._chart)
            self._chart = None
        elif tag == "text" and self._label is not None:
            self._chart[4].append(self._label)
            self._label = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._label is not None:
            self._label += data


def _chart(code, setting, labels, flagged=False):
    return (f"chart-{code}-{setting}", code, setting, flagged, labels)


PRICED = ["2022", "2023", "contractor priced", "contractor priced"]


def test_report_html_opens_on_what_to_check_then_a_chart_per_code_and_setting(outputs):
    assert diff(outputs, "2022", "2023").exit_code == 0
    text = (outputs / "diffs" / "2022-2023" / "report.html").read_text(encoding="utf-8")
    page = ReportPage(text)
    assert page.sections == ["check", "charts", "counts", "payment-changes", "codes-added", "payments-added",
                             "exclusions-added", "exclusions-removed", "terminology-added", "other-changes"]
    assert text.index("<h2>Check against the PDF</h2>") < text.index("<svg")
    assert page.check == [
        ["dataset", "key", "field", "2022", "2023", "change", "why", "2022 page", "2023 page"],
        ["codes", "0602T", "", "", "", "", "added", "", "3"],
        ["payments", "0601T|ambulatory_surgical_center", "indicator", "J8", "G2", "", "indicator changed", "3", "3"],
    ]
    assert page.links == ["#code-0602T", "#chart-0601T-ambulatory_surgical_center"]
    # one chart per code and setting: each year's tick (with the APC and indicator printed that year), then
    # each year's published amount, or what the guide prints instead
    assert page.charts == [
        _chart("0600T", "physician_non_facility", PRICED),
        _chart("0600T", "physician_facility", PRICED),
        _chart("0600T", "hospital_outpatient", ["2022", "5362 J1", "2023", "5362 J1", "9,096.46", "9,500.00"]),
        _chart("0600T", "ambulatory_surgical_center", ["2022", "J8", "2023", "J8", "6,243.45", "6,100.00"]),
        _chart("0601T", "physician_non_facility", PRICED),
        _chart("0601T", "physician_facility", PRICED),
        _chart("0601T", "hospital_outpatient", ["2022", "5362 J1", "2023", "5362 J1", "9,096.46", "9,096.46"]),
        _chart("0601T", "ambulatory_surgical_center", ["2022", "J8", "2023", "G2", "5,063.52", "5,063.52"],
               flagged=True),
        _chart("0602T", "physician_non_facility", ["2022", "2023", "not listed", "1,234.56"]),
        _chart("0602T", "physician_facility", ["2022", "2023", "not listed", "1,100.00"]),
        _chart("0602T", "hospital_outpatient", ["2022", "2023", "5362 J1", "not listed", "9,500.00"]),
        _chart("0602T", "ambulatory_surgical_center", ["2022", "2023", "not listed", "NA"]),
    ]
    # drawn by matplotlib, inline, ids scoped to their chart, nothing fetched from elsewhere
    assert text.count("<svg ") == 12
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "").split("<metadata>")[0]
    assert "<dc:date>" not in text and "Matplotlib v" not in text


def test_two_runs_write_the_same_bytes(outputs):
    folder = outputs / "diffs" / "2022-2023"
    assert diff(outputs, "2022", "2023").exit_code == 0
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert diff(outputs, "2022", "2023").exit_code == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first
    # and a fresh process, as `make diff` runs it
    done = subprocess.run([sys.executable, "-m", "pipeline", "diff", "2022", "2023", "--outputs", str(outputs)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first


def test_build_and_help_do_not_import_matplotlib():
    code = ("import sys; from click.testing import CliRunner; from pipeline.cli import main; "
            "CliRunner().invoke(main, ['--help']); CliRunner().invoke(main, ['build', '--help']); "
            "import pipeline.run.build, pipeline.readers.refresh; print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert (done.returncode, done.stdout) == (0, "False\n"), done.stderr
