"""The guide's shape, declared once (`pipeline/shape.py`, and the table registry of `pipeline/fields.py`), and
the table-shape layouts of issue #24 it reads: columns in any order, indicators in columns of their own, one
table per setting joined by code, some settings only; with what the manifest, the report and the diff say
of the layout met.

The fixtures are the new editions' (`tests/fixtures/editions/`, `tools/make_edition_fixtures.py`);
`tests/test_editions.py` asserts their rows. The stops of a join that does not hold (a code missing from
one table, a descriptor printed two ways) are shown on a real fixture's extract with one cell edited: what
a producer would print if the guide said so.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from click.testing import CliRunner

from tools import make_edition_fixtures as tool
from tools.testkit.editions import FIXTURES as EDITIONS
from tools.testkit.guide_data import published
from tools.testkit.paths import FIXTURES, SOURCE_2022
from pipeline import fields as F
from pipeline import shape, vocab
from pipeline.cli import main
from pipeline.errors import GuideError, LayoutError
from pipeline.extract import extract
from pipeline.model import Stop
from pipeline.normalize import normalize
from pipeline.publish.manifest import manifest_bytes
from pipeline.readers import diff as diff_reader
from pipeline.readers import inspect
from pipeline.readers.check import check_year
from pipeline.validate import SECTION_TABLES, find_failures

ALL = list(shape.SETTING_NAMES)
PHYSICIAN = ["code", "descriptor", "physician_non_facility payment", "physician_non_facility RVUs",
             "physician_facility payment", "physician_facility RVUs"]
OPPS = ["code", "descriptor", "hospital_outpatient APC", "hospital_outpatient status indicator",
        "hospital_outpatient payment"]
ASC = ["code", "descriptor", "ambulatory_surgical_center payment", "ambulatory_surgical_center payment indicator"]
COMBINED = [*PHYSICIAN, "hospital_outpatient APC", "hospital_outpatient payment", "ambulatory_surgical_center payment"]


def _raw(name: str):
    return extract(tool.TARGET / name)


# ---------------------------------------------------------------- the declaration


def test_every_stage_reads_the_settings_statuses_and_table_facts_from_the_declaration():
    assert list(F.SETTINGS) == ALL == ["physician_non_facility", "physician_facility", "hospital_outpatient",
                                       "ambulatory_surgical_center"]
    assert F.PAYMENTS.field("setting").enum == F.SETTINGS
    assert F.PAYMENTS.field("payment_status").enum == ("national_rate", "contractor_priced", "not_applicable",
                                                       "not_covered", "packaged")
    assert vocab.REGISTRY["sentinels.csv"].checks["payment_status"]("national_rate") == (
        "'national_rate' is not one of contractor_priced, not_applicable, not_covered, packaged")
    assert {s.name: [c.field for c in s.columns] for s in shape.SETTINGS} == {
        "physician_non_facility": ["payment_usd", "rvus"], "physician_facility": ["payment_usd", "rvus"],
        "hospital_outpatient": ["payment_usd", "apc", "indicator"],
        "ambulatory_surgical_center": ["payment_usd", "indicator"]}
    assert [s.indicator.words for s in shape.SETTINGS if s.indicator] == ["status indicator", "payment indicator"]
    # every concept the shape places a column by is a payment concept of the vocabulary, with a wording
    worded = {r["concept"] for r in vocab.rows("payment_headers.csv")}
    needed = {*shape.ROW_COLUMNS, *(s.concept for s in shape.SETTINGS), *(c.concept for c in shape.VALUE_COLUMNS)}
    assert needed <= worded and needed <= set(vocab.concepts("payment"))
    # the per-table facts are the registry's
    assert {n: (t.title, t.printed_in, t.section) for n, t in F.TABLES.items() if n in F.DATASETS} == {
        "codes": ("Codes", "payment", "payments"), "payments": ("Payments", "payment", "payments"),
        "exclusions": ("Exclusions", "payment", "exclusions"), "terminology": ("Terms", "terminology", "terminology")}
    assert SECTION_TABLES == {"payments": "codes", "exclusions": "exclusions", "terminology": "terminology"}
    assert inspect.COLORS == {n: F.TABLES[n].color for n in F.DATASETS} and len(set(inspect.COLORS.values())) == 4
    assert diff_reader.GUIDE_FACTS == ("title", "effective_date", "document_number")


def test_a_stop_extract_found_is_a_record_naming_its_table_page_and_error():
    raw = extract(FIXTURES / "producers" / "pdflatex-grid-glossary-without-row-rules-2023.pdf")
    assert [(type(s), s.table, s.page, str(s.error)) for s in raw.stops] == [
        (Stop, 1, 3, "page 3: a ruled table cell holds two entries, 'AMA' and 'ASC', with no rule between them: its "
                     "rows cannot be told apart as drawn")]
    assert set(raw.cells.loc[raw.cells["table"] == 1, "page"]) == {3}
    with pytest.raises(LayoutError) as exc:
        normalize(raw)
    assert exc.value is raw.stops[0].error


# ---------------------------------------------------------------- the layout met, as the manifest records it

LAYOUTS = {
    "chromium-one-table-per-setting-2025.pdf": {"tables": [
        {"pages": [2], "settings": ALL[:2], "columns": PHYSICIAN},
        {"pages": [2], "settings": ["hospital_outpatient"], "columns": OPPS},
        {"pages": [3], "settings": ["ambulatory_surgical_center"], "columns": ASC}], "settings": ALL},
    "writer-one-table-per-setting-page-each-2025.pdf": {"tables": [
        {"pages": [2], "settings": ALL[:2], "columns": PHYSICIAN},
        {"pages": [3], "settings": ["hospital_outpatient"], "columns": OPPS},
        {"pages": [4], "settings": ["ambulatory_surgical_center"], "columns": ASC}], "settings": ALL},
    "pdflatex-some-settings-2025.pdf": {"tables": [
        {"pages": [2], "settings": ALL[:3], "columns": COMBINED[:-1]}], "settings": ALL[:3]},
    "pdflatex-apc-first-asc-before-opps-2025.pdf": {"tables": [
        {"pages": [2], "settings": ALL, "columns": ["hospital_outpatient APC", *PHYSICIAN,
                                                   "ambulatory_surgical_center payment",
                                                   "hospital_outpatient payment"]}], "settings": ALL},
    "writer-indicator-columns-si-pi-2025.pdf": {"tables": [
        {"pages": [2], "settings": ALL, "columns": [*PHYSICIAN, *OPPS[2:], *ASC[2:]]}], "settings": ALL},
    "chromium-indicator-columns-spelled-out-2025.pdf": {"tables": [
        {"pages": [2], "settings": ALL, "columns": [*PHYSICIAN, *OPPS[2:], *ASC[2:]]}], "settings": ALL},
    "pdflatex-continued-repeated-header-2025.pdf": {"tables": [
        {"pages": [2, 3], "settings": ALL, "columns": COMBINED}], "settings": ALL},
}
#: The facts of a layout the rows show (`pipeline.normalize.layout_facts`): these fixtures print cents, no
#: marks on values and no subheadings.
PLAIN = {"amounts": "cents", "marks": [], "subheadings": []}
LAYOUTS = {name: {**layout, **PLAIN} for name, layout in LAYOUTS.items()}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_the_layout_record_says_each_table_its_pages_settings_and_columns_in_printed_order(name):
    guide = normalize(_raw(name))
    assert guide.layout == LAYOUTS[name]
    assert published(guide.tables) == EDITIONS[name].expected()


def test_a_header_printed_again_lower_on_the_page_is_the_same_table():
    # reportlab split the table and printed its header again under the first rows of page 2: one table
    guide = normalize(extract(FIXTURES / "reportlab-shaded-break-repeated-header-2025.pdf"))
    assert guide.layout == {"tables": [{"pages": [2, 3, 4], "settings": ALL, "columns": COMBINED}], "settings": ALL,
                            **PLAIN}


def test_the_layout_in_words_for_the_report_and_the_diff():
    layout = LAYOUTS["chromium-one-table-per-setting-2025.pdf"]
    assert shape.layout_words(layout) == (
        "3 payment tables (1. page 2: " + ", ".join(PHYSICIAN) + "; 2. page 2: " + ", ".join(OPPS)
        + "; 3. page 3: " + ", ".join(ASC) + "); settings: " + ", ".join(ALL)
        + "; amounts: cents; marks: none; subheadings: none")
    some = {**LAYOUTS["pdflatex-some-settings-2025.pdf"], "amounts": "whole dollars", "marks": ["*", "+"],
            "subheadings": [{"text": "Liver", "page": 2}, {"text": "Kidney", "page": 3}]}
    assert shape.layout_words(some, pages=False) == (
        "1 payment table (" + ", ".join(COMBINED[:-1]) + "); settings: " + ", ".join(ALL[:3])
        + "; amounts: whole dollars; marks: *, +; subheadings: Liver, Kidney")
    assert shape.layout_words(some).endswith("; subheadings: Liver (page 2), Kidney (page 3)")
    assert shape.layout_words(None) == "not recorded"
    facts = inspect._facts({"guide_year": 2025, "source": {"file": "g.pdf", "sha256": "0" * 64, "page_count": 5},
                            "row_counts": {}, "pipeline_version": "0", "schema_version": "1", "layout": some})
    assert f"<dt>layout</dt><dd>{shape.layout_words(some)}</dd>" in facts


# ---------------------------------------------------------------- data edits, not code changes


def _words(tmp_path, edit):
    """A copy of the vocabulary whose payment_headers.csv `edit` changed (its text in, its text out)."""
    words = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, words)
    path = words / "payment_headers.csv"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return words


@pytest.mark.parametrize("name, edit, line", [
    # an indicator column's wording unknown: the one wording, with advice
    ("writer-indicator-columns-si-pi-2025.pdf", lambda t: t.replace("status_indicator,SI\n", ""),
     "page 2: payment table header 'SI' is not a known wording; if it is a new wording for a known column, add it "
     "to pipeline/vocab/payment_headers.csv"),
    # "Payment Indicator" said to be a status indicator: the ASC prints none (pipeline/shape.py)
    ("chromium-indicator-columns-spelled-out-2025.pdf",
     lambda t: t.replace("payment_indicator,Payment Indicator\n", "status_indicator,Payment Indicator\n"),
     "page 2: payment table column 11 headed 'Medicare 2025 National Average Payment (Not Geographically Adjusted) "
     "/ Ambulatory Surgical Center / Payment Indicator': ambulatory_surgical_center prints no status indicator "
     "column"),
    # "APC (SI)" said to be RVUs: two settings print RVUs, and nothing over the column says which
    ("pdflatex-apc-first-asc-before-opps-2025.pdf", lambda t: t.replace("apc,APC (SI)\n", "rvus,APC (SI)\n"),
     "page 2: payment table column 1 headed 'Medicare 2025 National Average Payment (Not Geographically Adjusted) "
     "/ APC (SI)' cannot be placed in one care setting"),
    # the Medicaid column said to be hospital outpatient: then a second table prints that setting
    ("pdflatex-refused-medicaid-table-2025.pdf", lambda t: t + "opps,Medicaid Payment\n",
     "page 4: a second table prints hospital_outpatient payments (the first is on page 3): which of the two the "
     "dataset holds is not known"),
    # ... or a payment of no setting: not placed
    ("pdflatex-refused-medicaid-table-2025.pdf", lambda t: t + "payment,Medicaid Payment\n",
     "page 4: payment table column 3 headed 'Medicaid Payment' cannot be placed in one care setting"),
])
def test_what_a_wording_means_is_a_data_edit_and_the_declaration_still_decides(tmp_path, name, edit, line):
    raw = _raw(name)
    with vocab.use(_words(tmp_path, edit)), pytest.raises(GuideError) as exc:
        normalize(raw)
    assert str(exc.value) == line


def test_a_new_wording_of_a_setting_reads_a_table_of_that_setting(tmp_path):
    # the ASC table's group header reworded in the PDF's reading: unknown, the table names no setting
    raw = _raw("writer-one-table-per-setting-page-each-2025.pdf")
    cells = raw.cells.copy()
    head = cells.index[cells["text"] == "Ambulatory Surgical Center4"]
    cells.loc[head, "text"] = "Surgery Center Payment4"
    raw = replace(raw, cells=cells)
    with pytest.raises(LayoutError) as exc:
        normalize(raw)
    assert str(exc.value) == ("page 4: payment table header 'Surgery Center Payment' names no known care setting; if "
                              "it is a new wording for a known setting, add it to pipeline/vocab/payment_headers.csv")
    with vocab.use(_words(tmp_path, lambda t: t + "asc,Surgery Center Payment\n")):
        guide = normalize(raw)
    assert published(guide.tables) == EDITIONS["writer-one-table-per-setting-page-each-2025.pdf"].expected()


# ---------------------------------------------------------------- one set of payments, joined by code


def _edited(name: str, page: int, code: str, col: int, text: str):
    """The fixture's extract with one cell of `code`'s row in the table on `page` printing `text` (None: the
    row left out)."""
    raw = _raw(name)
    cells = raw.cells.copy()
    at = cells[(cells["page"] == page) & (cells["text"] == code)].iloc[0]
    row = (cells["table"] == at["table"]) & (cells["row"] == at["row"])
    if text is None:
        return replace(raw, cells=cells[~row].reset_index(drop=True))
    i = cells.index[row & (cells["col"] == col)][0]
    cells.loc[i, ["text", "sup_mask"]] = [text, " " * len(text)]
    return replace(raw, cells=cells)


PAGE_EACH = "writer-one-table-per-setting-page-each-2025.pdf"
OPEN = ("Ablation, irreversible electroporation; 1 or more tumors, including fluoroscopic and\nultrasound guidance, "
        "when performed, open")


@pytest.mark.parametrize("page, code, col, text, line", [
    (4, "47380", 0, None,
     "page 4: payments: 47380 is printed in the payment table on page 2 (physician_non_facility, physician_facility) "
     "but not in the one on page 4 (ambulatory_surgical_center): its payments there are not known"),
    (3, "0601T", 1, OPEN.replace("open", "percutaneous"),
     "page 3: 0601T: the descriptor printed on page 3 is not the one printed on page 2: which of the two the "
     "dataset holds is not known"),
    (3, "47383", 1, "Ablation, 1 or more liver tumor(s); percutaneous, cryoablation (Do not report 47383 in "
                    "conjunction with 77013)",
     "page 3: exclusions: the note of 47383 on page 3 excludes other codes than the one on page 2"),
])
def test_tables_that_do_not_join_by_code_stop_naming_the_code_and_pages(page, code, col, text, line):
    with pytest.raises(LayoutError) as exc:
        normalize(_edited(PAGE_EACH, page, code, col, text))
    assert str(exc.value) == line


def test_a_note_printed_again_in_a_later_table_is_the_same_note():
    raw = _edited(PAGE_EACH, 3, "47383", 1, "Ablation, 1 or more liver tumor(s); percutaneous, cryoablation (Do not "
                                            "report 47383 in conjunction with 76940)")
    guide = normalize(raw)
    assert published(guide.tables) == EDITIONS[PAGE_EACH].expected()
    # the exclusion is published from the first table's note, the second's cell is a cue of the reading
    prov = guide.tables["provenance"]
    assert list(prov.loc[(prov["dataset"] == "exclusions") & (prov["key"] == "47383|76940"), "page"]) == [2, 2]
    assert [(u.what, u.strict) for u in guide.used if u.page == 3 and u.what.startswith("47383")] == [
        ("47383 hospital_outpatient code", True), ("47383 hospital_outpatient payment", True),
        ("47383 hospital_outpatient APC", True), ("47383 hospital_outpatient indicator", True),
        ("47383 descriptor", False)]


# ---------------------------------------------------------------- the settings printed, validated


def test_validation_asks_one_payment_row_per_code_in_each_setting_the_guide_prints():
    guide = normalize(_raw("pdflatex-some-settings-2025.pdf"))
    assert guide.layout["settings"] == ALL[:3] and len(guide.tables["payments"]) == 27
    assert len(find_failures(guide.tables, 2025, None, guide.layout)) == 0
    assert len(find_failures(guide.tables, 2025)) == 0  # without a record: the settings its payments hold
    failures = find_failures(guide.tables, 2025, None, {**guide.layout, "settings": ALL})
    assert [(f["row"], f["value"], f["check"]) for f in failures.to_dict("records")] == [
        (code, "ambulatory_surgical_center", "one payment row per code and setting the guide prints")
        for code in sorted(set(guide.tables["codes"]["cpt_code"]))]
    failures = find_failures(guide.tables, 2025, None, {**guide.layout, "settings": ALL[:2]})
    assert {(f["column"], f["value"], f["check"]) for f in failures.to_dict("records")} == {
        ("setting", "hospital_outpatient", "a setting the guide prints (physician_non_facility, physician_facility)")}
    assert len(failures) == 9


def _build(tmp_path, *sources):
    """Build `sources` (path, year) into tmp_path/outputs; returns the outputs folder."""
    for path, year in sources:
        folder = tmp_path / "sources" / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder)
    outputs = tmp_path / "outputs"
    result = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "sources"), "--outputs", str(outputs),
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    return outputs


def test_the_manifest_records_the_layout_and_make_validate_checks_the_settings_printed(tmp_path):
    outputs = _build(tmp_path, (tool.TARGET / "pdflatex-some-settings-2025.pdf", 2025))
    path = outputs / "2025" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["layout"] == LAYOUTS["pdflatex-some-settings-2025.pdf"]
    assert list(manifest)[list(manifest).index("sections") + 1] == "layout"
    assert manifest["row_counts"]["payments"] == 27
    assert check_year(outputs, 2025).problems == []
    manifest["layout"]["settings"] = ALL  # a record saying the ASC is printed: its rows are missing
    path.write_bytes(manifest_bytes(manifest))
    assert [p.line(lambda x: x.relative_to(outputs).as_posix()) for p in check_year(outputs, 2025).problems][:2] == [
        "2025/payments.parquet: row 0600T setting value 'ambulatory_surgical_center' fails: one payment row per code "
        "and setting the guide prints",
        "2025/payments.parquet: row 0601T setting value 'ambulatory_surgical_center' fails: one payment row per code "
        "and setting the guide prints"]
    del manifest["layout"]
    path.write_bytes(manifest_bytes(manifest))
    assert [p.line(lambda x: x.relative_to(outputs).as_posix()) for p in check_year(outputs, 2025).problems] == [
        "2025/manifest.json: has no 'layout' record of the tables and settings the guide was read in (published by "
        "an older pipeline? rebuild the year)"]


def test_make_diff_says_a_change_of_layout_in_one_line(tmp_path):
    outputs = _build(tmp_path, (SOURCE_2022, 2022), (tool.TARGET / "chromium-one-table-per-setting-2025.pdf", 2025))
    diff = diff_reader.diff_years(outputs)
    rows = [r for r in diff.changes.to_dict("records") if r["dataset"] == "guide" and r["field"] == "layout"]
    facts = "; amounts: cents; marks: none; subheadings: none"
    old = "1 payment table (" + ", ".join(COMBINED) + "); settings: " + ", ".join(ALL) + facts
    new = ("3 payment tables (1. " + ", ".join(PHYSICIAN) + "; 2. " + ", ".join(OPPS) + "; 3. " + ", ".join(ASC)
           + "); settings: " + ", ".join(ALL) + facts)
    assert [(r["change"], r["old_value"], r["new_value"]) for r in rows] == [("changed", old, new)]
    assert "  layout changed: 1 payment table -> 3" in diff_reader.summary(diff)
    flagged = [f for f in diff_reader.flags(diff) if f.dataset == "guide"]
    assert [(f.field, f.why, f.old_value, f.new_value) for f in flagged] == [("layout", "layout changed", old, new)]
    result = CliRunner().invoke(main, ["diff", "--outputs", str(outputs)])
    assert result.exit_code == 0, result.output
    report = (outputs / "diffs" / "2022-2025" / "report.md").read_text(encoding="utf-8")
    assert f"| guide |  | layout | {old} | {new} |  | layout changed |  |  |" in report


def test_the_layout_change_line_names_what_changed():
    one = LAYOUTS["pdflatex-some-settings-2025.pdf"]
    assert diff_reader.layout_change(one, one) is None
    assert diff_reader.layout_change(one, LAYOUTS["writer-indicator-columns-si-pi-2025.pdf"]) == (
        "settings physician_non_facility, physician_facility, hospital_outpatient -> physician_non_facility, "
        "physician_facility, hospital_outpatient, ambulatory_surgical_center")
    reordered = LAYOUTS["pdflatex-apc-first-asc-before-opps-2025.pdf"]
    combined = {"tables": [{"pages": [2], "settings": ALL, "columns": COMBINED}], "settings": ALL, **PLAIN}
    assert diff_reader.layout_change(combined, reordered) == "columns in another order or of another kind"
    assert diff_reader.layout_change(combined, {**combined, "amounts": "whole dollars"}) == (
        "amounts cents -> whole dollars")
    # a subheading moved to another page is the same layout; one more is not
    liver = {**combined, "subheadings": [{"text": "Liver", "page": 2}]}
    assert diff_reader.layout_change(liver, {**liver, "subheadings": [{"text": "Liver", "page": 3}]}) is None
    assert diff_reader.layout_change(liver, {**combined, "subheadings": [{"text": "Liver", "page": 2},
                                                                        {"text": "Kidney", "page": 2}]}) == (
        "subheadings Liver -> Liver, Kidney")


#: The marks in the order the table prints them first (0600T*, its OPPS amount's ‡, its ASC amount's raised a,
#: then 47382† and its raised b, +47383), and the subheadings printed across the table.
LAYOUT_FACTS = {
    "chromium-marks-2025.pdf": {"amounts": "cents", "marks": ["*", "\u2021", "a", "\u2020", "b", "+"],
                                "subheadings": []},
    "pdflatex-subheadings-organ-2025.pdf": {"amounts": "cents", "marks": [], "subheadings": [
        {"text": t, "page": 2} for t in ("Irreversible Electroporation (IRE), any organ", "Liver", "Kidney", "Lung",
                                         "Imaging Guidance")]},
}


@pytest.mark.parametrize("name, facts", [
    ("writer-whole-dollars-2025.pdf", {"amounts": "whole dollars", "marks": [], "subheadings": []}),
    ("chromium-marks-2025.pdf", None),
    ("pdflatex-subheadings-organ-2025.pdf", None),
])
def test_the_layout_record_says_how_amounts_marks_and_subheadings_were_printed(name, facts):
    layout = normalize(_raw(name)).layout
    got = {k: layout[k] for k in ("amounts", "marks", "subheadings")}
    assert got == (facts or LAYOUT_FACTS[name])
