"""Guides the extractor was not written against: other table styles, wordings, page breaks, producers.

Every fixture in `tests/fixtures/` (made by `tools/make_fixtures.py`) must give
exactly its rows. The 2023 guide is printed six ways (ruled, borderless, shaded;
by reportlab and by LibreOffice from a .docx) and each gives the same rows. The
2024 guide rewords every header. The 2025 guide's tables run over page breaks
with and without a repeated header, with rows broken by the break. The 2026
guide has 300 codes over 42 pages. And what cannot be read stops the build,
saying where and what.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal

import pytest
from click.testing import CliRunner

from tools import make_fixtures
from tools.testkit.paths import FIXTURES, ROOT
from tools.testkit.guide_data import expected, published
from tools.testkit.renderer import Amount, CodeRow, Guide, Layout, render
from tools.testkit.guides import BREAK_2025, GUIDE_2023, LONG_2026, RENAMED_HEADER
from pipeline import vocab
from pipeline.run.build import parse_source
from pipeline.cli import main
from pipeline.errors import LayoutError, ValueNotParsed
from pipeline.extract import extract
from pipeline.normalize import normalize
from pipeline.text import split_footnotes, squash


def parse(name: str):
    path = FIXTURES / name
    return parse_source(path, path.parent)


D = Decimal
IRE_PERCUTANEOUS = ("Ablation, irreversible electroporation; 1 or more tumors per organ, including imaging "
                    "guidance, when performed, percutaneous")
IRE_OPEN = ("Ablation, irreversible electroporation; 1 or more tumors, including fluoroscopic and ultrasound "
            "guidance, when performed, open")
TERMS_2022 = [
    ("AMA", "American Medical Association"),
    ("CMS", "Centers for Medicare and Medicaid Services"),
    ("CPT", "Current Procedural Terminology"),
    ("ICD-10-PCS", "International Classification of Diseases, 10th Revision, Procedure Coding System"),
    ("IDE", "Investigational Device Exemption"),
    ("IRE", "Irreversible Electroporation (Procedure performed with the NanoKnife System)"),
    ("LCD", "Local Coverage Determination"),
    ("NCD", "National Coverage Determination"),
    ("OPPS", "Outpatient Prospective Payment System"),
    ("RBRVS", "Resource Based Relative Value Scale"),
    ("RVU", "Relative Value Unit"),
]

ROWS_2023 = {
    "codes": [
        ("0600T", "III", IRE_PERCUTANEOUS),
        ("0601T", "III", IRE_OPEN),
        ("47382", "I", "Ablation, 1 or more liver tumor(s); percutaneous, radiofrequency"),
        ("50593", "I", "Ablation, renal tumor(s), unilateral, percutaneous, cryotherapy"),
        ("76940", "I", "Ultrasound guidance for, and monitoring of, parenchymal tissue ablation"),
    ],
    "payments": [
        ("0600T", "ambulatory_surgical_center", "national_rate", D("6411.56"), None, None, "J8"),
        ("0600T", "hospital_outpatient", "national_rate", D("9342.87"), None, "5362", "J1"),
        ("0600T", "physician_facility", "contractor_priced", None, None, None, None),
        ("0600T", "physician_non_facility", "contractor_priced", None, None, None, None),
        ("0601T", "ambulatory_surgical_center", "national_rate", D("5199.64"), None, None, "J8"),
        ("0601T", "hospital_outpatient", "national_rate", D("9342.87"), None, "5362", "J1"),
        ("0601T", "physician_facility", "contractor_priced", None, None, None, None),
        ("0601T", "physician_non_facility", "contractor_priced", None, None, None, None),
        ("47382", "ambulatory_surgical_center", "national_rate", D("2718.35"), None, None, "J8"),
        ("47382", "hospital_outpatient", "national_rate", D("5110.22"), None, "5361", "J1"),
        ("47382", "physician_facility", "national_rate", D("742.89"), D("21.36"), None, None),
        ("47382", "physician_non_facility", "not_applicable", None, None, None, None),
        ("50593", "ambulatory_surgical_center", "national_rate", D("5875.99"), None, None, "J8"),
        ("50593", "hospital_outpatient", "national_rate", D("9342.87"), None, "5362", "J1"),
        ("50593", "physician_facility", "national_rate", D("480.44"), D("13.81"), None, None),
        ("50593", "physician_non_facility", "not_applicable", None, None, None, None),
        ("76940", "ambulatory_surgical_center", "not_applicable", None, None, None, None),
        ("76940", "hospital_outpatient", "not_applicable", None, None, None, None),
        ("76940", "physician_facility", "national_rate", D("209.96"), D("6.04"), None, None),
        ("76940", "physician_non_facility", "national_rate", D("209.96"), D("6.04"), None, None),
    ],
    "exclusions": [("0600T", "76940"), ("0600T", "77002"), ("0600T", "77013"), ("0600T", "77022"),
                   ("0601T", "76940"), ("0601T", "77002"), ("50593", "76940")],
    # a new term, "ASC", whose every word is also a header word
    "terminology": sorted(TERMS_2022 + [("ASC", "Ambulatory Surgical Center")]),
}

FOOTNOTES_2023 = {
    ("payments", "CPT® Code"): ["1"], ("payments", "CPT® Descriptor"): ["1"],
    ("payments", "Physician Fee Schedule"): ["2"], ("payments", "Hospital OPPS Payment"): ["3"],
    ("payments", "APC (Status Indicator)"): ["3"], ("payments", "ASC Payment (Payment Indicator)"): ["4"],
    ("terminology", "Term"): ["8"], ("terminology", "Description"): ["8"],
}

SAME_DATA_2023 = ["reportlab-ruled-2023.pdf", "reportlab-borderless-2023.pdf", "reportlab-shaded-2023.pdf",
                  "libreoffice-ruled-2023.pdf", "libreoffice-borderless-2023.pdf", "libreoffice-shaded-2023.pdf"]


@pytest.mark.parametrize("name", SAME_DATA_2023)
def test_every_style_and_producer_gives_the_same_2023_rows(name):
    guide = parse(name)
    assert published(guide.tables) == ROWS_2023
    assert guide.guide_year == 2023 and str(guide.effective_date) == "2023-01-01"
    assert guide.document_number == "US/ON/MS/187 REV 08 12/2022"
    assert {(f["table"], f["text"]): f["marks"] for f in guide.footnotes} == FOOTNOTES_2023
    assert set(guide.tables["codes"]["source_page"]) == {2}
    assert set(guide.tables["terminology"]["source_page"]) == {3}


def test_the_2023_fixtures_really_are_ruled_borderless_and_shaded():
    import pdfplumber

    drawn = {}
    for name in SAME_DATA_2023:
        with pdfplumber.open(FIXTURES / name) as pdf:
            page = pdf.pages[1]
            drawn[name] = (len(page.lines) > 0, any(r["fill"] and r["height"] > 2 for r in page.rects))
    assert drawn == {
        "reportlab-ruled-2023.pdf": (True, False), "reportlab-borderless-2023.pdf": (False, False),
        "reportlab-shaded-2023.pdf": (False, True), "libreoffice-ruled-2023.pdf": (True, False),
        "libreoffice-borderless-2023.pdf": (False, False), "libreoffice-shaded-2023.pdf": (False, True),
    }


def test_reworded_headers_asc_before_opps_apc_on_one_line_full_size_footnotes_2024():
    guide = parse("reportlab-borderless-reworded-headers-2024.pdf")
    rows = published(guide.tables)
    assert rows["codes"] == [
        ("0600T", "III", IRE_PERCUTANEOUS),
        ("0601T", "III", IRE_OPEN),
        ("32998", "I", "Ablation therapy for reduction or eradication of 1 or more pulmonary tumor(s) including "
                       "pleura or chest wall when involved by tumor extension, percutaneous, including imaging "
                       "guidance when performed, unilateral; radiofrequency"),
        ("47382", "I", "Ablation, 1 or more liver tumor(s); percutaneous, radiofrequency"),
        ("50593", "I", "Ablation, renal tumor(s), unilateral, percutaneous, cryotherapy"),
    ]
    assert rows["payments"] == [
        ("0600T", "ambulatory_surgical_center", "national_rate", D("6623.88"), None, None, "J8"),
        ("0600T", "hospital_outpatient", "national_rate", D("9617.04"), None, "5362", "J1"),
        ("0600T", "physician_facility", "contractor_priced", None, None, None, None),
        ("0600T", "physician_non_facility", "contractor_priced", None, None, None, None),
        ("0601T", "ambulatory_surgical_center", "national_rate", D("5371.90"), None, None, "J8"),
        ("0601T", "hospital_outpatient", "national_rate", D("9617.04"), None, "5362", "J1"),
        ("0601T", "physician_facility", "contractor_priced", None, None, None, None),
        ("0601T", "physician_non_facility", "contractor_priced", None, None, None, None),
        ("32998", "ambulatory_surgical_center", "not_applicable", None, None, None, None),
        ("32998", "hospital_outpatient", "national_rate", D("5356.61"), None, "5361", "J1"),
        ("32998", "physician_facility", "national_rate", D("497.30"), D("15.12"), None, None),
        ("32998", "physician_non_facility", "national_rate", D("4126.51"), D("125.44"), None, None),
        ("47382", "ambulatory_surgical_center", "national_rate", D("2865.93"), None, None, "J8"),
        ("47382", "hospital_outpatient", "national_rate", D("5356.61"), None, "5361", "J1"),
        ("47382", "physician_facility", "national_rate", D("735.48"), D("21.25"), None, None),
        ("47382", "physician_non_facility", "not_applicable", None, None, None, None),
        ("50593", "ambulatory_surgical_center", "national_rate", D("6101.14"), None, None, "J8"),
        ("50593", "hospital_outpatient", "national_rate", D("9617.04"), None, "5362", "J1"),
        ("50593", "physician_facility", "national_rate", D("473.81"), D("13.70"), None, None),
        ("50593", "physician_non_facility", "not_applicable", None, None, None, None),
    ]
    assert rows["exclusions"] == ROWS_2023["exclusions"]
    assert rows["terminology"] == sorted(TERMS_2022 + [("PFS", "Physician Fee Schedule"),
                                                      ("SI", "Status Indicator")])
    assert guide.guide_year == 2024  # from "CY 2024 Medicare National Average Payment"
    assert {(f["table"], f["text"]): f["marks"] for f in guide.footnotes} == {
        ("payments", "CPT® Code"): ["1"], ("payments", "Description"): ["1"],
        ("payments", "Physician (PFS)"): ["2"], ("payments", "Hospital Outpatient (OPPS)"): ["3"],
        ("payments", "APC (SI)"): ["3"], ("payments", "Ambulatory Surgery Center"): ["4"],
        ("terminology", "Term"): ["8"], ("terminology", "Description"): ["8"],
    }


# ---------------------------------------------------------------- page breaks

def parts(name: str) -> list[tuple]:
    """Each table part as extract found it: (page, starts with a header, its first row below the header)."""
    raw = extract(FIXTURES / name)
    out = []
    for (page, _), cells in raw.cells.groupby(["page", "table"]):
        header_rows = 0
        for r in sorted(cells["row"].unique()):
            row = cells[(cells["row"] == r) & (cells["text"] != "")]
            words = [squash(split_footnotes(c.text, c.sup_mask, glued=True)[0]) for c in row.itertuples()]
            if not words or not all(vocab.header_concept("payment", w) or vocab.header_concept("terminology", w)
                                    for w in words):
                break
            header_rows = r + 1
        first = cells[cells["row"] == header_rows].sort_values("col")
        out.append((int(page), header_rows > 0, tuple(first["text"])[:2]))
    return out


FIRST_ROW_2025 = ("0201T", "Multiple each unilateral liver\nimaging soft organ kidney renal\npancreatic organ "
                           "ultrasound soft\nguidance organ resection prostate\nbilateral tumor bone each\n"
                           "cryoablation performed (Do not\nreport 0201T in conjunction with\n72884, 75310, "
                           "77318, 78640)")
FIRST_TERM_2025 = ("ADAS", "Tumors bone pancreatic single performed hepatic when")

BREAKS = {
    # no header on the next page; the page break cuts 23864 before its note, and a
    # glossary description before its last word
    "reportlab-borderless-break-no-repeated-header-2025.pdf": [
        (2, True, FIRST_ROW_2025), (3, False, ("", "(Do not report 23864 in\nconjunction with 74969)")),
        (4, True, FIRST_TERM_2025), (5, False, ("", "liver"))],
    "reportlab-ruled-break-no-repeated-header-2025.pdf": [
        (2, True, FIRST_ROW_2025), (3, False, ("", "(Do not report 23864 in\nconjunction with 74969)")),
        (4, True, FIRST_TERM_2025), (5, False, ("", "liver"))],
    # centred rows: the break cuts 23864 above its code, which is printed on the next page
    "reportlab-borderless-centred-break-2025.pdf": [
        (2, True, FIRST_ROW_2025), (3, False, ("23864", "ablation ablation\n(Do not report 23864 in\n"
                                                         "conjunction with 74969)")),
        (4, True, FIRST_TERM_2025), (5, False, ("", "liver"))],
    # the header repeated over the rest of 0900T (reportlab also repeats it after the row it
    # splits, on the same page)
    "reportlab-shaded-break-repeated-header-2025.pdf": [
        (2, True, FIRST_ROW_2025), (2, True, ("0900T", "Performed hepatic open\nelectroporation biopsy ultrasound")),
        (3, True, ("", "including laparoscopic bone\nprostate lesion ablation unilateral\nliver unilateral "
                       "bilateral liver\nadditional; laparoscopic\nfluoroscopic open biopsy (Do not\nreport 0900T "
                       "in conjunction with\n75423, 75424, 76837, 76993)")),
        (4, True, ("50136", "Approach prostate fluoroscopic\nrenal tissue organ organ each,\nhepatic bone "
                            "percutaneous liver\nmicrowave tumors biopsy\npancreatic laparoscopic hepatic\n"
                            "electroporation when hepatic\nmultiple irreversible organ")),
        (5, True, FIRST_TERM_2025),
        (6, True, ("LFLOHL", "Ablation electroporation multiple tumors including bone biopsy percutaneous "
                             "multiple laparoscopic tissue\nsingle when soft performed irreversible electroporation "
                             "pancreatic guidance prostate fluoroscopic ultrasound\nliver"))],
    # a word processor's export: header rows repeated, a row and a term broken by the page break
    "libreoffice-ruled-break-repeated-header-2025.pdf": [
        (2, True, FIRST_ROW_2025), (3, True, ("", "conjunction with 71873)")),
        (4, True, FIRST_TERM_2025), (5, True, ("", "tumor including percutaneous soft"))],
    "libreoffice-borderless-break-no-repeated-header-2025.pdf": [
        (2, True, FIRST_ROW_2025),
        (3, False, ("", "imaging kidney bone each\nprostate biopsy tumors, multiple\nmultiple unilateral including\n"
                        "percutaneous tumor\nradiofrequency tumor tumors liver\nwhen (Do not report 22408 in\n"
                        "conjunction with 71873)")),
        (4, True, FIRST_TERM_2025),
        (5, False, ("", "ablation irreversible electroporation fluoroscopic laparoscopic irreversible each"))],
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_tables_continue_over_page_breaks(name):
    assert parts(name) == BREAKS[name]
    guide = parse(name)
    assert published(guide.tables) == expected(BREAK_2025)
    rows = published(guide.tables)
    assert len(rows["codes"]) == 14 and len(rows["terminology"]) == 40
    assert rows["exclusions"][:3] == [("0201T", "72884"), ("0201T", "75310"), ("0201T", "77318")]


def test_a_row_broken_by_the_page_break_is_one_row():
    rows = published(parse("reportlab-borderless-break-no-repeated-header-2025.pdf").tables)
    assert [r for r in rows["codes"] if r[0] == "23864"] == [
        ("23864", "I", "Fluoroscopic organ irreversible ablation tissue laparoscopic microwave fluoroscopic "
                       "guidance ablation ablation")]
    assert [r for r in rows["exclusions"] if r[0] == "23864"] == [("23864", "74969")]
    assert [r for r in rows["payments"] if r[0] == "23864"] == [
        ("23864", "ambulatory_surgical_center", "national_rate", D("59487.21"), None, None, "A2"),
        ("23864", "hospital_outpatient", "not_applicable", None, None, None, None),
        ("23864", "physician_facility", "contractor_priced", None, None, None, None),
        ("23864", "physician_non_facility", "contractor_priced", None, None, None, None),
    ]


def _moved(raw, table: int, row: int, cols: set[int]):
    """`raw` with table `table` cut below `row`: the cells of `cols` in `row` stay in it, the rest of
    that row and every row below move one row down (one code's cells split over two rows)."""
    cells = raw.cells.copy()
    below = (cells["table"] == table) & ((cells["row"] > row) | ((cells["row"] == row) & ~cells["col"].isin(cols)))
    cells.loc[below, "row"] += 1
    return replace(raw, cells=cells)


def test_a_codes_values_from_two_rows_of_one_table_stop_the_build():
    """Post-condition: every code's values come from one printed row. Here 0600T's code, descriptor and
    physician cells are in row 5 of the ruled table and its OPPS and ASC cells in row 6 below it."""
    raw = extract(FIXTURES / "reportlab-ruled-2023.pdf")
    assert normalize(raw).tables["codes"]["cpt_code"].tolist()[:1] == ["0600T"]  # as printed, it builds
    split = _moved(raw, 0, 4, {0, 1, 2})
    with pytest.raises(LayoutError) as exc:
        normalize(split)
    assert str(exc.value) == (
        "page 2: 0600T: its values come from rows 5 and 6 of the table: code, descriptor, "
        "physician_non_facility amount, physician_non_facility rvus, physician_facility amount, "
        "physician_facility rvus from row 5; hospital_outpatient apc, hospital_outpatient amount, "
        "ambulatory_surgical_center amount from row 6")


def test_a_row_broken_by_the_page_break_may_span_two_tables_but_not_two_rows_of_one():
    """23864's row is cut by the page break (its code below it, on page 3): the last row of page 2's table
    and the first of page 3's make one row and build. Split page 3's part in two rows and it stops."""
    raw = extract(FIXTURES / "reportlab-borderless-centred-break-2025.pdf")
    assert "23864" in set(normalize(raw).tables["codes"]["cpt_code"])
    split = _moved(raw, 1, 0, {6, 7, 8})
    with pytest.raises(LayoutError) as exc:
        normalize(split)
    assert str(exc.value) == (
        "page 3: 23864: its values come from row 13 of the table on page 2 and rows 1 and 2 of the table on "
        "page 3: descriptor, physician_non_facility amount, physician_non_facility rvus, physician_facility "
        "amount, physician_facility rvus from row 13 on page 2; hospital_outpatient apc, hospital_outpatient "
        "amount, ambulatory_surgical_center amount from row 1 on page 3; code, descriptor, "
        "physician_non_facility amount, physician_non_facility rvus, physician_facility amount, "
        "physician_facility rvus from row 2 on page 3")


def test_hundreds_of_codes_over_tens_of_pages():
    guide = parse("reportlab-borderless-300-codes-2026.pdf")
    rows = published(guide.tables)
    assert guide.page_count == 42
    assert rows == expected(LONG_2026)
    assert len(rows["codes"]) == 300 and len(rows["payments"]) == 1200 and len(rows["terminology"]) == 60
    assert rows["codes"][0] == ("0109T", "III", "Approach percutaneous multiple hepatic ablation cryoablation "
                                                "prostate fluoroscopic resection approach bone tissue including "
                                                "additional")
    assert [r for r in rows["payments"] if r[0] == "69604"] == [
        ("69604", "ambulatory_surgical_center", "national_rate", D("63843.03"), None, None, "A2"),
        ("69604", "hospital_outpatient", "national_rate", D("81942.82"), None, "5565", "Q1"),
        ("69604", "physician_facility", "national_rate", D("5314.27"), D("19.49"), None, None),
        ("69604", "physician_non_facility", "not_applicable", None, None, None, None),
    ]
    assert max(guide.tables["codes"]["source_page"]) == 39


# ---------------------------------------------------------------- no silent guesses

UNKNOWN_WARNING = (f"page 2: payment table group header {RENAMED_HEADER!r} is not a known wording; the columns "
                   "under it are named by their own headers, so it was left out (add it to "
                   "pipeline/vocab/payment_headers.csv to say what it means)")
NEEDED = ("page 2: payment table header 'Hospital Outpatient Department' is not a known wording; if it is a new "
          "wording for a known column, add it to pipeline/vocab/payment_headers.csv")


def test_an_unknown_group_header_over_columns_that_name_themselves_is_left_out_with_a_warning(tmp_path):
    # "Professional Services Schedule" over Non-Facility / Facility: those place every column
    guide = parse("reportlab-borderless-unknown-header-2023.pdf")
    assert published(guide.tables) == ROWS_2023
    assert guide.warnings == [{"page": 2, "wording": RENAMED_HEADER, "message": UNKNOWN_WARNING}]

    words = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, words)
    with open(words / "payment_headers.csv", "a", encoding="utf-8") as fh:
        fh.write(f"physician,{RENAMED_HEADER}\n")
    with vocab.use(words):
        guide = parse("reportlab-borderless-unknown-header-2023.pdf")
    assert published(guide.tables) == ROWS_2023 and guide.warnings == []
    assert vocab.header_concept("payment", RENAMED_HEADER) is None  # the committed file is untouched


def test_an_unknown_header_a_column_needs_stops_the_build_naming_file_page_and_header(tmp_path):
    # "Hospital Outpatient Department" over APC and Payment: without it they name no setting
    sources = tmp_path / "sources" / "2023"
    sources.mkdir(parents=True)
    shutil.copy(FIXTURES / "producers" / "chromium-zebra-unknown-opps-group-header-2023.pdf", sources)
    result = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "sources"),
                                       "--outputs", str(tmp_path / "outputs")])
    assert result.exit_code != 0
    assert NEEDED in result.output
    assert "chromium-zebra-unknown-opps-group-header-2023.pdf" in result.output
    assert not (tmp_path / "outputs" / "2023").exists()


def test_the_build_prints_the_warning_once_and_records_it_in_the_manifest(tmp_path):
    sources = tmp_path / "sources" / "2023"
    sources.mkdir(parents=True)
    shutil.copy(FIXTURES / "reportlab-borderless-unknown-header-2023.pdf", sources)
    result = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "sources"),
                                       "--outputs", str(tmp_path / "outputs"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if "warning" in line] == [
        f"warning: {sources / 'reportlab-borderless-unknown-header-2023.pdf'}: {UNKNOWN_WARNING}"]
    manifest = json.loads((tmp_path / "outputs" / "2023" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warnings"] == [{"page": 2, "wording": RENAMED_HEADER, "message": UNKNOWN_WARNING}]


def small_guide(**changes) -> Guide:
    """The 2023 guide, borderless, with its codes or prose changed."""
    return Guide(**{**GUIDE_2023.__dict__, "layout": Layout(style="borderless"), **changes})


def test_a_value_that_does_not_parse_stops_the_build(tmp_path):
    rows = list(GUIDE_2023.codes)
    rows[1] = CodeRow(**{**rows[1].__dict__, "apc": "53A2"})
    path = render(small_guide(codes=tuple(rows)), tmp_path / "guide.pdf")
    with pytest.raises(ValueNotParsed) as exc:
        parse_source(path, tmp_path)
    assert str(exc.value) == "page 2: 0601T hospital_outpatient APC: '53A2' is not an APC number"


@pytest.mark.parametrize("style, message", [
    # a ruled grid shows the row; normalize finds no code in it
    ("ruled", "page 2: payment table row with no CPT code: "
              "'Ablation, 1 or more liver tumor(s); percutaneous, radiofrequency'"),
    # without rules a row starts at its code: this one would land in the row above
    ("borderless", "page 2: a table row has nothing in its first column, so it cannot be placed: "
                   "'Ablation, 1 or more liver tumor(s);'"),
])
def test_a_row_with_no_code_stops_the_build(tmp_path, style, message):
    rows = list(GUIDE_2023.codes)
    rows[2] = CodeRow(**{**rows[2].__dict__, "code": ""})
    path = render(small_guide(codes=tuple(rows), layout=Layout(style=style)), tmp_path / "guide.pdf")
    with pytest.raises(LayoutError) as exc:
        parse_source(path, tmp_path)
    assert str(exc.value) == message


def _without_rule(path, tmp_path, start: tuple[float, float], end: tuple[float, float]):
    """A copy of ruled fixture `path` with the one rule drawn from `start` to `end` on page 2 left out
    (the three operators `x y m  x y l  S` of the table's own coordinates, as reportlab writes them)."""
    import pikepdf

    pdf = pikepdf.open(path)
    ops = pikepdf.parse_content_stream(pdf.pages[1])
    at = next(k for k in range(len(ops) - 2)
              if str(ops[k][1]) == "m" and tuple(map(float, ops[k][0])) == start
              and str(ops[k + 1][1]) == "l" and tuple(map(float, ops[k + 1][0])) == end
              and str(ops[k + 2][1]) == "S")
    pdf.pages[1].Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops[:at] + ops[at + 3:]))
    out = tmp_path / "2023" / path.name
    out.parent.mkdir(parents=True)
    pdf.save(out)
    return out


@pytest.mark.parametrize("start, end, message", [
    # the rule between 47382 and 50593: two codes in one cell of the code column
    ((0.0, 82.0), (526.0, 82.0), "page 2: a ruled table cell holds two entries, '47382' and '50593', with no rule "
                                 "between them: its rows cannot be told apart as drawn"),
    # the rule between the OPPS APC and payment columns: their headers merge into no known wording
    ((394.0, 0.0), (394.0, 304.0), "page 2: payment table header 'APInCdic(Sattoartu) s Payment' is not a known "
                                   "wording; if it is a new wording for a known column, add it to "
                                   "pipeline/vocab/payment_headers.csv"),
])
def test_a_rule_missing_inside_a_ruled_table_stops_the_build(tmp_path, start, end, message):
    # docs/layouts.md, known limits: ruled tables are read as drawn, and what a missing rule merges stops
    path = _without_rule(FIXTURES / "reportlab-ruled-2023.pdf", tmp_path, start, end)
    with pytest.raises(LayoutError) as exc:
        parse_source(path, tmp_path)
    assert str(exc.value) == message


def test_a_payment_row_outside_any_table_stops_the_build(tmp_path):
    path = render(small_guide(after_table=("0600T  $9,342.87 is the OPPS payment for percutaneous IRE.",)),
                  tmp_path / "guide.pdf")
    with pytest.raises(LayoutError) as exc:
        parse_source(path, tmp_path)
    assert str(exc.value).startswith("page 2: a payment row outside any table that could be read: "
                                     "'0600T $9,342.87 is the OPPS payment for percutaneous IRE.'")


def test_a_term_without_description_stops_the_build(tmp_path):
    path = render(small_guide(terms=(("AMA", "American Medical Association"), ("CMS", ""))), tmp_path / "g.pdf")
    with pytest.raises(LayoutError) as exc:
        parse_source(path, tmp_path)
    assert str(exc.value) == "page 3: term 'CMS' has no description beside it"


# ---------------------------------------------------------------- the vocabulary as data

def test_header_words_come_from_the_vocabulary_files(tmp_path):
    assert {"physician", "non", "facility", "rvus", "cy", "term", "description"} <= vocab.header_words()
    assert "year" not in vocab.header_words()  # "{year}" stands for a number
    words = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, words)
    with open(words / "terminology_headers.csv", "a", encoding="utf-8") as fh:
        fh.write("term,Abbreviation\n")
    with vocab.use(words):
        assert "abbreviation" in vocab.header_words()
        assert vocab.header_concept("terminology", "Abbreviation") == "term"
    assert "abbreviation" not in vocab.header_words()


def test_amounts_used_by_the_fixtures_are_exact():
    # the renderer prints what the data says; the data holds no float on the way
    assert all(isinstance(r.opps.usd, Decimal) or r.opps.usd is None for r in BREAK_2025.codes)
    assert Amount.rate("9342.87").usd == Decimal("9342.87")


def test_the_reportlab_fixtures_are_what_the_script_renders():
    done = subprocess.run([sys.executable, "-m", "tools.make_fixtures", "--check", "--reportlab"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", sorted(make_fixtures.LIBREOFFICE))
def test_a_libreoffice_fixture_is_the_same_bytes_whenever_it_is_made(name):
    """LibreOffice writes its run's time into the creation date and the file identifier; the script
    fixes both, so another run's PDF (another date, another identifier) becomes the committed bytes."""
    committed = (FIXTURES / name).read_bytes()
    assert make_fixtures.reproducible(committed) == committed
    another_run = re.sub(rb"/CreationDate\(D:\d{14}", b"/CreationDate(D:20261202153908", committed)
    another_run = re.sub(rb"/ID \[ <[0-9A-F]{32}>\n<[0-9A-F]{32}>", b"/ID [ <" + b"8" * 32 + b">\n<" + b"8" * 32 + b">",
                         another_run)
    assert another_run != committed and len(another_run) == len(committed)
    assert make_fixtures.reproducible(another_run) == committed
