"""Text repair: footnote marks, line joins, hyphenation, value parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.errors import ValueNotParsed
from pipeline.normalize import Piece, _amount, _apc, _rvus
from pipeline.text import join_lines, split_footnotes, vocabulary


def piece(text: str, mask: str = "") -> Piece:
    return Piece(text, mask or " " * len(text), 3, (0, 0, 1, 1))


def test_superscript_marks_are_split_by_mask():
    assert split_footnotes("tumors1 and more", "      ^         ") == ("tumors and more", ["1"])


def test_glued_same_size_digits_split_only_when_asked():
    assert split_footnotes("CPT® Code1", "") == ("CPT® Code1", [])
    assert split_footnotes("CPT® Code1", "", glued=True) == ("CPT® Code", ["1"])
    assert split_footnotes("APC3 (Status Indicator)", "", glued=True) == ("APC (Status Indicator)", ["3"])
    # a year or a code is not a footnote mark
    assert split_footnotes("Medicare 2022 National", "", glued=True) == ("Medicare 2022 National", [])


def test_line_breaks_joined_and_hyphenation_repaired():
    assert join_lines("Ablation, irreversible\nelectro-\nporation; 1 or more") == \
        "Ablation, irreversible electroporation; 1 or more"
    # a compound the document itself prints hyphenated keeps its hyphen
    words = vocabulary(["codes are carrier/contractor-priced here"])
    assert join_lines("are carrier/contractor-\npriced", words) == "are carrier/contractor-priced"
    # a hyphen before a capital or a digit is not a broken word
    assert join_lines("ICD-\n10-PCS") == "ICD-10-PCS"


def test_money_sentinels_and_indicators():
    assert _amount(piece("$6,243.45\n(J8)"), "x") == ("national_rate", Decimal("6243.45"), "J8")
    assert _amount(piece("$9,096.46"), "x") == ("national_rate", Decimal("9096.46"), None)
    assert _amount(piece("$12,345"), "x") == ("national_rate", Decimal("12345.00"), None)
    assert _amount(piece("No national set\npayment"), "x") == ("contractor_priced", None, None)
    assert _amount(piece("NA"), "x") == ("not_applicable", None, None)
    assert _apc(piece("5362\n(J1)"), "x") == ("5362", "J1")
    assert _apc(piece("5362 (J1)"), "x") == ("5362", "J1")
    assert _rvus(piece("10.52"), "x") == Decimal("10.52")


@pytest.mark.parametrize("text", ["$9.096,46", "about $9,000", "$9,096.461", "9O96.46"])
def test_unparseable_amount_names_page_and_text(text):
    with pytest.raises(ValueNotParsed) as exc:
        _amount(piece(text), "0600T hospital_outpatient")
    assert str(exc.value) == f"page 3: 0600T hospital_outpatient: {text!r} is not a dollar amount"


def test_rvus_with_three_decimals_are_refused_not_rounded():
    with pytest.raises(ValueNotParsed, match="'10.525' is not an RVU figure"):
        _rvus(piece("10.525"), "x")
