"""Cells and rows a new edition may print (issue #24): marks on codes and amounts, other wordings for no
payment, subheading rows; and what normalize records of them (the manifest's footnotes, the layout facts).

The fixtures of `tests/test_editions.py` show each is read exactly from real producers' PDFs; these show
each step on its own, with exact values: the marks split off a value and the ones that stop, the
subheading row that is no value wherever it stands (between code rows, at the foot of a page, at the top
of the next), and the facts of `pipeline.normalize.layout_facts`.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from pipeline import fields as F
from pipeline.errors import LayoutError, ValueNotParsed
from pipeline.extract import extract
from pipeline.normalize import tables
from pipeline.normalize.columns import Columns
from pipeline.normalize.grids import Piece, grids, read_code
from pipeline.normalize.layout_facts import layout_facts
from pipeline.normalize.stitch import CodeRow, Stitcher
from pipeline.normalize.tables import Part, Reading
from pipeline.normalize.values import _amount, _apc, _rvus, code_values
from pipeline.readers.diff_charts import STATUS_LABELS
from pipeline.text import glued_raised_digits, split_marks
from tests.test_editions import EDITIONS, parse

ROLES = ((None, "code"), (None, "descriptor"), *((s, "amount") for s in F.SETTINGS))
COLUMNS = Columns(len(ROLES), 1, ROLES)
AMOUNTS = ["$100.00", "$50.00", "$9,096.46", "NA"]


def piece(text: str, mask: str = "") -> Piece:
    return Piece(text, mask.ljust(len(text)), 2, (0, 0, 1, 1))


# ---------------------------------------------------------------- marks split off a value


@pytest.mark.parametrize("text, mask, value, marks", [
    ("0600T*", "", "0600T", ["*"]),
    ("+47383", "", "47383", ["+"]),
    ("47382\u2020", "", "47382", ["\u2020"]),
    ("$9,874.41\u2021\n(J1)", "", "$9,874.41\n(J1)", ["\u2021"]),
    ("$6,843.26a\n(J8)", "         ^", "$6,843.26\n(J8)", ["a"]),  # a raised letter
    ("0600T1", "     ^", "0600T", ["1"]),  # a raised digit after the T: no digit of the code
    ("**47383\u2020\u2021", "", "47383", ["**", "\u2020\u2021"]),  # runs of symbols, in printed order
    ("NA \u00a7", "", "NA ", ["\u00a7"]),  # a mark standing alone
])
def test_a_mark_that_cannot_be_part_of_the_value_is_split_off(text, mask, value, marks):
    assert split_marks(text, mask) == (value, marks)


@pytest.mark.parametrize("text", ["473831", "4738*3", "$9,8\u20214.41", "47383a"])
def test_a_character_printed_full_size_inside_or_glued_stays_in_the_value(text):
    assert split_marks(text, "") == (text, [])


def test_a_raised_digit_glued_to_digits_is_found_where_it_is_ambiguous():
    assert glued_raised_digits("473831", "     ^") == ("47383", "1")
    assert glued_raised_digits("$9,87412 (J1)", "      ^^") == ("$9,874", "12")
    assert glued_raised_digits("0600T1", "     ^") is None  # after a letter: a mark
    assert glued_raised_digits("47383 1", "      ^") is None  # apart from the digits: a mark
    assert glued_raised_digits("$9,874.41b", "         ^") is None  # a letter: a mark


def test_a_code_is_read_without_its_marks_or_refused_with_one_line():
    assert read_code(piece("+47383\u2020")) == ("47383", ["+", "\u2020"])
    with pytest.raises(ValueNotParsed) as raised:
        read_code(piece("473831", "     ^"))
    assert str(raised.value) == ("page 2: CPT code: '47383' is followed by a raised '1' glued to its digits: the "
                                 "value cannot be read (a digit printed small, or a footnote mark?)")
    with pytest.raises(ValueNotParsed) as full_size:
        read_code(piece("473831"))  # a mark printed full size and glued: no code at all
    assert str(full_size.value) == "page 2: '473831' is not a CPT code (5 digits, or 4 digits and T)"


def test_values_with_marks_and_the_wordings_for_no_payment():
    assert _amount(piece("$9,874.41\u2021"), "x") == ("national_rate", Decimal("9874.41"), None)
    assert _amount(piece("$6,843.26a\n(J8)", "         ^"), "x") == ("national_rate", Decimal("6843.26"), "J8")
    assert _amount(piece("$9,874* (J1)"), "x") == ("national_rate", Decimal("9874.00"), "J1")
    assert _apc(piece("5362\u2020\n(J1)"), "x") == ("5362", "J1")
    assert _rvus(piece("123.98*"), "x") == Decimal("123.98")
    assert [_amount(piece(w), "x")[0] for w in ("Not covered", "Packaged", "\u2014", "N/A", "Carrier priced",
                                                 "Not\ncovered\u2020")] == [
        "not_covered", "packaged", "not_applicable", "not_applicable", "contractor_priced", "not_covered"]


def test_every_status_but_a_national_rate_has_a_label_on_the_diff_charts():
    assert set(STATUS_LABELS) == set(F.PAYMENT_STATUSES) - {"national_rate"}


# ---------------------------------------------------------------- hand-made grids


def _cell(table, page, row, col, text, top, span=1, mask=""):
    x0 = 50.0 + 80 * col
    return {"table": table, "page": page, "row": row, "col": col, "row_span": 1, "col_span": span, "text": text,
            "sup_mask": mask.ljust(len(text)), "x0": x0, "top": top, "x1": x0 + 80 * span - 10, "bottom": top + 10}


def _part(table, page, rows, continues):
    """A payment table (or its continuation) below no header; a row given as a string is one cell across it,
    a row of pairs (text, mask) prints raised characters."""
    cells = []
    for r, row in enumerate(rows):
        top = 100.0 + 20 * r
        if isinstance(row, str):
            cells.append(_cell(table, page, r, 0, row, top, span=len(ROLES)))
            continue
        for c, text in enumerate(row):
            text, mask = text if isinstance(text, tuple) else (text, "")
            cells.append(_cell(table, page, r, c, text, top, mask=mask))
    (grid,) = grids(pd.DataFrame(cells))
    return Part(grid, Reading("payment", 0, continues, (), page, COLUMNS))


def _stitched(*parts):
    stitcher = Stitcher()
    rows = [row for part in parts for row in stitcher.take(part)]
    return rows + list(stitcher.close()), stitcher.subheadings


def _descriptors(rows):
    return [(r.code, r.at((None, "descriptor")).text) for r in rows]


def test_a_subheading_between_code_rows_is_no_value_and_is_recorded():
    page2 = _part(0, 2, [["0600T", "Ablation", *AMOUNTS], "Liver", ["47382", "Liver ablation", *AMOUNTS]],
                  continues=False)
    rows, subheadings = _stitched(page2)
    assert _descriptors(rows) == [("0600T", "Ablation"), ("47382", "Liver ablation")]
    assert subheadings == [{"text": "Liver", "page": 2}]


def test_a_subheading_at_the_foot_of_a_page_is_not_the_top_of_a_row_cut_by_the_break():
    page2 = _part(0, 2, [["0600T", "Ablation", *AMOUNTS], "Kidney"], continues=False)
    page3 = _part(1, 3, [["50592", "Renal ablation", *AMOUNTS]], continues=True)
    rows, subheadings = _stitched(page2, page3)
    assert _descriptors(rows) == [("0600T", "Ablation"), ("50592", "Renal ablation")]
    assert subheadings == [{"text": "Kidney", "page": 2}]


def test_a_subheading_at_the_top_of_a_page_is_not_the_rest_of_the_row_above():
    page2 = _part(0, 2, [["0600T", "Ablation", *AMOUNTS]], continues=False)
    page3 = _part(1, 3, ["Open", ["0601T", "Open ablation", *AMOUNTS]], continues=True)
    rows, subheadings = _stitched(page2, page3)
    assert _descriptors(rows) == [("0600T", "Ablation"), ("0601T", "Open ablation")]
    assert subheadings == [{"text": "Open", "page": 3}]


def test_a_note_across_the_table_under_its_code_stays_the_code_s_note():
    page2 = _part(0, 2, [["0600T", "Ablation", *AMOUNTS], "(Do not report 0600T in conjunction with 76940)"],
                  continues=False)
    (row,), subheadings = _stitched(page2)
    assert [n.text for n in row.notes] == ["(Do not report 0600T in conjunction with 76940)"]
    assert subheadings == []


def test_a_row_the_page_break_cut_still_joins_under_a_subheading():
    page2 = _part(0, 2, ["Liver", ["47382", "Liver", *AMOUNTS]], continues=False)
    page3 = _part(1, 3, [["", "ablation", "", "", "", ""]], continues=True)
    rows, subheadings = _stitched(page2, page3)
    assert _descriptors(rows) == [("47382", "Liver\nablation")]
    assert subheadings == [{"text": "Liver", "page": 2}]


def test_a_top_part_cut_off_by_a_subheading_stops():
    """A code-less row at the foot of page 2 is the top of a row whose code is on page 3; a subheading there
    first means no code takes it: the build stops rather than drop it."""
    page2 = _part(0, 2, [["0600T", "Ablation", *AMOUNTS], ["", "Irreversible", "", "", "", ""]], continues=False)
    page3 = _part(1, 3, ["Open", ["0601T", "Open ablation", *AMOUNTS]], continues=True)
    with pytest.raises(LayoutError) as caught:
        _stitched(page2, page3)
    assert str(caught.value) == ("page 2: payment table row with no CPT code, not continued on the next page: "
                                 "'Irreversible'")


def test_a_row_s_marks_are_recorded_with_what_they_were_printed_on():
    page2 = _part(0, 2, [["+47383\u2020", "Ablation", "$5,602.14", ("$483.40b", "       ^"),
                          "$9,874.41\u2021\n(J1)", "NA*"]], continues=False)
    (row,), _ = _stitched(page2)
    assert isinstance(row, CodeRow) and row.marks == ("+", "\u2020")
    read = code_values(row, frozenset())
    assert read.footnotes == [
        {"table": "codes", "text": "47383 CPT code", "marks": ["+", "\u2020"], "page": 2},
        {"table": "payments", "text": "47383 physician_facility payment", "marks": ["b"], "page": 2},
        {"table": "payments", "text": "47383 hospital_outpatient payment", "marks": ["\u2021"], "page": 2},
        {"table": "payments", "text": "47383 ambulatory_surgical_center payment", "marks": ["*"], "page": 2},
    ]
    assert read.forms == ["cents", "cents", "cents"]
    assert [(r.row(2025)["payment_usd"], r.row(2025)["indicator"]) for r in read.records[1:]] == [
        (Decimal("5602.14"), None), (Decimal("483.40"), None), (Decimal("9874.41"), "J1"), (None, None)]


def test_a_code_glued_to_a_raised_digit_stops_where_the_row_is_read():
    page2 = _part(0, 2, [["0600T", "Ablation", *AMOUNTS], [("473831", "     ^"), "Ablation", *AMOUNTS]],
                  continues=False)
    with pytest.raises(ValueNotParsed) as caught:
        _stitched(page2)
    assert str(caught.value).startswith("page 2: CPT code: '47383' is followed by a raised '1' glued to its digits")


# ---------------------------------------------------------------- the layout facts


def test_the_layout_facts_from_what_was_read():
    assert layout_facts([], [], []) == {"amounts": None, "marks": [], "subheadings": []}
    assert layout_facts(["cents", "cents"], [], [])["amounts"] == "cents"
    assert layout_facts(["whole dollars"], [], [])["amounts"] == "whole dollars"
    assert layout_facts(["cents", "whole dollars"], [], [])["amounts"] == "both"
    footnotes = [{"table": "codes", "text": "0600T CPT code", "marks": ["*"], "page": 2},
                 {"table": "payments", "text": "0600T hospital_outpatient payment", "marks": ["\u2021", "*"],
                  "page": 2}]
    assert layout_facts(["cents"], footnotes, [{"text": "Liver", "page": 2}]) == {
        "amounts": "cents", "marks": ["*", "\u2021"], "subheadings": [{"text": "Liver", "page": 2}]}
    with pytest.raises(ValueError, match="no such amount form: dimes"):
        layout_facts(["dimes"], [], [])


def _layout_of(name: str) -> dict:
    """The layout facts of a fixture, read by normalize's own steps: its tables, whole rows and values."""
    raw = extract(EDITIONS / name)
    stitcher = Stitcher()
    rows = [row for part in tables.read(raw.cells, raw.stops) for row in stitcher.take(part)]
    rows += [row for row in stitcher.close() if isinstance(row, CodeRow)]
    read = [code_values(row, frozenset()) for row in rows]
    return layout_facts([f for r in read for f in r.forms], [n for r in read for n in r.footnotes],
                        stitcher.subheadings)


@pytest.mark.parametrize("name, facts", [
    ("writer-combined-2025.pdf", {"amounts": "cents", "marks": [], "subheadings": []}),
    ("writer-whole-dollars-2025.pdf", {"amounts": "whole dollars", "marks": [], "subheadings": []}),
    ("chromium-marks-2025.pdf", {"amounts": "cents", "marks": ["*", "\u2021", "a", "\u2020", "b", "+"],
                                 "subheadings": []}),
    ("writer-subheadings-approach-2025.pdf", {"amounts": "cents", "marks": [], "subheadings": [
        {"text": "Percutaneous", "page": 2}, {"text": "Open", "page": 2}, {"text": "Imaging Guidance", "page": 2}]}),
    ("pdflatex-subheadings-organ-2025.pdf", {"amounts": "cents", "marks": [], "subheadings": [
        {"text": t, "page": 2} for t in ("Irreversible Electroporation (IRE), any organ", "Liver", "Kidney", "Lung",
                                         "Imaging Guidance")]}),
])
def test_each_fixture_s_layout_facts(name, facts):
    assert _layout_of(name) == facts


def test_the_marks_are_in_the_manifest_s_footnotes_with_what_they_were_printed_on():
    guide = parse("chromium-marks-2025.pdf")
    values = [f for f in guide.footnotes if f["text"][:5].isalnum() and f["text"][:5] in
              set(guide.tables["codes"]["cpt_code"])]
    assert len(values) == 23  # 9 codes, 7 OPPS payments (‡), 6 ASC payments (a), 1 facility payment (b)
    assert [f for f in values if f["text"].startswith("47382")] == [
        {"table": "codes", "text": "47382 CPT code", "marks": ["\u2020"], "page": 2},
        {"table": "payments", "text": "47382 physician_facility payment", "marks": ["b"], "page": 2},
        {"table": "payments", "text": "47382 hospital_outpatient payment", "marks": ["\u2021"], "page": 2},
        {"table": "payments", "text": "47382 ambulatory_surgical_center payment", "marks": ["a"], "page": 2},
    ]
    # the marks' explanations under the table are prose: no value, no stop
    assert guide.tables["codes"]["cpt_code"].tolist() == ["0600T", "0601T", "32998", "47380", "47382", "47383",
                                                          "50592", "50593", "76940"]
