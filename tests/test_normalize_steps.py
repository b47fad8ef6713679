"""Each step of normalize on its own, on small hand-made grids: stitch, values, provenance.

The layouts tests run the whole pipeline from PDFs; these show each step is a
function of its input alone, with exact values.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from pipeline import fields as F
from pipeline.errors import LayoutError, ValueNotParsed
from pipeline.normalize.columns import Columns
from pipeline.normalize.grids import Piece, grids
from pipeline.normalize.provenance import provenance
from pipeline.normalize.stitch import CodeRow, Stitcher
from pipeline.normalize.tables import Part, Reading
from pipeline.normalize.values import Read, _amount, _money, code_values

ROLES = ((None, "code"), (None, "descriptor"), *((s, "amount") for s in F.SETTINGS))
COLUMNS = Columns(len(ROLES), 1, ROLES)


def _cell(table, page, row, col, text, top=100.0):
    x0 = 50.0 + 80 * col
    return {"table": table, "page": page, "row": row, "col": col, "row_span": 1, "col_span": 1, "text": text,
            "sup_mask": " " * len(text), "x0": x0, "top": top, "x1": x0 + 70, "bottom": top + 10}


def _part(table, page, rows, continues):
    """A payment table (or its continuation) whose printed rows are `rows`, below no header."""
    cells = [_cell(table, page, r, c, text, top=100.0 + 20 * r) for r, row in enumerate(rows)
             for c, text in enumerate(row)]
    (grid,) = grids(pd.DataFrame(cells))
    return Part(grid, Reading("payment", 0, continues, (), page, COLUMNS))


def _stitched(*parts):
    stitcher = Stitcher()
    rows = [row for part in parts for row in stitcher.take(part)]
    return rows + list(stitcher.close())


AMOUNTS = ["$100.00", "$50.00", "$9,096.46", "NA"]


def test_a_row_cut_by_a_page_break_is_one_code_row_with_both_parts():
    page2 = _part(0, 2, [["0600T", "Ablation, irreversible", *AMOUNTS]], continues=False)
    page3 = _part(1, 3, [["", "electroporation", "", "", "", ""]], continues=True)
    (row,) = _stitched(page2, page3)
    assert row.code == "0600T"
    descriptor = row.at((None, "descriptor"))
    assert descriptor.text == "Ablation, irreversible\nelectroporation"
    assert descriptor.rows == ((2, 0, 0), (3, 1, 0))
    assert descriptor.box == (130.0, 100.0, 200.0, 110.0)  # the box of the part printed first
    assert row.at(("hospital_outpatient", "amount")).text == "$9,096.46"


def test_a_code_printed_below_the_break_takes_the_top_part_from_the_page_before():
    page2 = _part(0, 2, [["0600T", "Ablation", *AMOUNTS], ["", "Irreversible", "", "", "", ""]], continues=False)
    page3 = _part(1, 3, [["0601T", "electroporation", *AMOUNTS]], continues=True)
    first, second = _stitched(page2, page3)
    assert (first.code, first.at((None, "descriptor")).text) == ("0600T", "Ablation")
    assert (second.code, second.at((None, "descriptor")).text) == ("0601T", "Irreversible\nelectroporation")


def test_a_code_row_finished_by_the_row_below_in_the_same_table_stops():
    page2 = _part(0, 2, [["0600T", "Ablation", "", *AMOUNTS[1:]], ["", "", "$100.00", "", "", ""],
                         ["0601T", "Other", *AMOUNTS]], continues=False)
    with pytest.raises(LayoutError) as caught:
        _stitched(page2)
    assert str(caught.value) == ("page 2: 0600T: its values come from rows 1 and 2 of the table: code, "
                                 "descriptor, physician_facility amount, hospital_outpatient amount, "
                                 "ambulatory_surgical_center amount from row 1; physician_non_facility amount "
                                 "from row 2")


def test_a_code_less_row_that_continues_nothing_stops():
    page2 = _part(0, 2, [["", "Ablation", *AMOUNTS], ["0601T", "Other", *AMOUNTS]], continues=False)
    with pytest.raises(LayoutError, match=r"^page 2: payment table row with no CPT code: 'Ablation'$"):
        _stitched(page2)


def test_a_top_part_that_never_meets_its_code_stops_rather_than_being_dropped():
    """A row's top part left at the foot of page 2, and page 3's table holds two code-less rows: the first
    continues the top part, the last is the top of another cut row, which page 4's code takes. No code
    ever takes the first top part: it stops the build, rather than vanish from the published rows."""
    page2 = _part(0, 2, [["0600T", "Ablation", *AMOUNTS], ["", "Irreversible", "", "", "", ""]], continues=False)
    page3 = _part(1, 3, [["", "electroporation", "", "", "", ""], ["", "Percutaneous", "", "", "", ""]],
                  continues=True)
    page4 = _part(2, 4, [["0601T", "ablation", *AMOUNTS]], continues=True)
    with pytest.raises(LayoutError) as caught:
        _stitched(page2, page3, page4)
    assert str(caught.value) == ("page 2: payment table row with no CPT code, not continued on the next page: "
                                 "'Irreversible electroporation'")


def test_money_is_dollars_and_exactly_two_cent_digits():
    assert _money("$9,096.46", 3, "x") == Decimal("9096.46")
    assert _money("$ 12", 3, "x") == Decimal("12.00")
    for text in ("$9,096.4", "$9096.461", "$90,96.46", "9.096,46", "$-5.00"):
        with pytest.raises(ValueNotParsed) as caught:
            _money(text, 3, "0600T hospital_outpatient")
        assert str(caught.value) == f"page 3: 0600T hospital_outpatient: {text!r} is not a dollar amount"


def test_an_amount_reads_its_sentinel_and_its_indicator():
    assert _amount(Piece("$6,243.45 (J8)", "", 3, (0, 0, 1, 1)), "x") == ("national_rate", Decimal("6243.45"), "J8")
    assert _amount(Piece("NA", "", 3, (0, 0, 1, 1)), "x") == ("not_applicable", None, None)


def _code_row():
    page2 = _part(0, 2, [["0600T", "Ablation (Do not report 0600T in conjunction with 76940)", *AMOUNTS]],
                  continues=False)
    (row,) = _stitched(page2)
    assert isinstance(row, CodeRow)
    return row


def test_a_code_row_is_read_into_its_code_exclusions_and_payments():
    read = code_values(_code_row(), frozenset())
    assert [r.row(2022) for r in read.records[:2]] == [
        {"guide_year": 2022, "cpt_code": "0600T", "code_category": "III", "descriptor": "Ablation",
         "source_page": 2},
        {"guide_year": 2022, "cpt_code": "0600T", "excluded_code": "76940", "source_page": 2},
    ]
    assert [(r.row(2022)["setting"], r.row(2022)["payment_status"], r.row(2022)["payment_usd"])
            for r in read.records[2:]] == [
        ("physician_non_facility", "national_rate", Decimal("100.00")),
        ("physician_facility", "national_rate", Decimal("50.00")),
        ("hospital_outpatient", "national_rate", Decimal("9096.46")),
        ("ambulatory_surgical_center", "not_applicable", None),
    ]
    assert read.records[4].fields["rvus"] == Read(None, read.records[4].fields["payment_usd"].piece)


def test_provenance_is_a_row_per_value_column_pointing_at_its_piece():
    payment = code_values(_code_row(), frozenset()).records[4]
    rows = provenance(2022, payment)
    assert [r["field"] for r in rows] == F.TABLES["payments"].value_columns
    assert rows[0] == {"guide_year": 2022, "dataset": "payments", "key": "0600T|hospital_outpatient",
                       "field": "cpt_code", "page": 2, "x0": 50.0, "top": 100.0, "x1": 120.0, "bottom": 110.0,
                       "raw_text": "0600T"}
    assert {(r["x0"], r["raw_text"]) for r in rows[1:]} == {(370.0, "$9,096.46")}


def test_the_fields_helpers_name_value_columns_and_natural_keys():
    assert F.TABLES["exclusions"].value_columns == ["cpt_code", "excluded_code"]
    assert F.TABLES["payments"].natural_key == ("cpt_code", "setting")
    assert F.TABLES["terminology"].natural_key == ("term",)


def test_the_boxes_read_are_merged_as_they_come_and_kept_compact():
    """`UsedBoxes`: one `Used` per page and box, named as first read; strict, of a table or holding a fact if
    any reading of it is; in the order first read; the same after a trip through pickle (a guide comes back
    from its parsing child so)."""
    import pickle

    from pipeline.model import Used, UsedBoxes

    box, other = (10.0, 20.0, 30.5, 40.25), (10.0, 20.0, 30.5, 40.26)
    used = UsedBoxes([Used(3, box, "47382 descriptor")])
    used.add([Used(4, box, "on another page"), Used(3, other, "another box", strict=True),
              Used(3, box, "47382 payment", strict=True, table="payment"),
              Used(3, (-0.0, 20.0, 30.5, 40.25), "at -0.0"), Used(3, (0.0, 20.0, 30.5, 40.25), "at 0.0", value="2022")])
    expected = [Used(3, box, "47382 descriptor", True, "payment", None), Used(4, box, "on another page"),
                Used(3, other, "another box", True), Used(3, (-0.0, 20.0, 30.5, 40.25), "at -0.0", False, None, "2022")]
    assert list(used) == expected and len(used) == 4 and used[2] == expected[2]
    assert list(used.boxes()) == [(u.page, u.box) for u in expected]
    assert pickle.loads(pickle.dumps(used)) == used
    # the merging index let go once every box is recorded, and made again if more come
    used.done().add([Used(4, box, "again", strict=True), Used(5, box, "new")])
    assert list(used) == [*expected[:1], Used(4, box, "on another page", True), *expected[2:], Used(5, box, "new")]


def _merged_as_read(found) -> list:
    """What `UsedBoxes` holds, as the plain merge by page and box it keeps compact would hold it."""
    from dataclasses import replace

    at: dict = {}
    for u in found:
        key = (u.page, tuple(v + 0.0 for v in u.box))
        if key not in at:
            at[key] = u
            continue
        first = at[key]
        at[key] = replace(first, strict=first.strict or u.strict, table=first.table or u.table,
                          value=first.value or u.value)
    return list(at.values())


@pytest.mark.parametrize("recent", [1, 3, 64])
def test_boxes_read_again_long_after_are_merged_as_if_all_were_at_hand(monkeypatch, recent):
    """`UsedBoxes.add` merges against its last `RECENT` boxes only; a box read again after those (a
    header cell on every page, a code printed twice) is merged later, to the same boxes, names, flags,
    tables and facts, in the same order, as a merge against every box read before."""
    import pickle
    import random

    from pipeline.model import Used, UsedBoxes

    monkeypatch.setattr(UsedBoxes, "RECENT", recent)
    rng = random.Random(7)
    boxes = [(rng.randint(1, 4), (rng.choice([0.0, -0.0, 10.0]), float(rng.randint(0, 30)), 50.5, 60.25))
             for _ in range(60)]
    found = [Used(page, box, f"read {n} é", strict=rng.random() < 0.3,
                  table=rng.choice([None, None, "payment", "terminology"]),
                  value=rng.choice([None] * 5 + [f"fact {n}"]))
             for n, (page, box) in enumerate(rng.choice(boxes) for _ in range(400))]
    used = UsedBoxes()
    for at in range(0, len(found), 7):
        used.add(found[at:at + 7])
    expected = _merged_as_read(found)
    assert len(expected) < 60 < len(found) - 300  # boxes read again, near and far
    assert list(used) == expected and list(used.boxes()) == [(u.page, u.box) for u in expected]
    assert list(pickle.loads(pickle.dumps(used))) == expected
    used.done().add(found[:5] + [Used(9, (1.0, 2.0, 3.0, 4.0), "new")])
    assert list(used) == _merged_as_read(found + [Used(9, (1.0, 2.0, 3.0, 4.0), "new")])
