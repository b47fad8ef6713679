"""Text repair: footnote marks, line joins, hyphenation, value parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.errors import ValueNotParsed
from pipeline.normalize.grids import Piece
from pipeline.normalize.values import _amount, _apc, _rvus
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


# ---------------------------------------------------------------- text as a person reads it

from pipeline import vocab  # noqa: E402
from pipeline.extract.lines import line_text  # noqa: E402
from pipeline.text import SOFT_HYPHEN, normalize, reading, squash  # noqa: E402


def char(text, x0, size=8.0, top=100.0):
    width = 4.0 * len(text)
    return {"text": text, "x0": x0, "x1": x0 + width, "top": top, "bottom": top + size, "size": size}


@pytest.mark.parametrize("ligature, letters", [("\ufb00", "ff"), ("\ufb01", "fi"), ("\ufb02", "fl"),
                                               ("\ufb03", "ffi"), ("\ufb04", "ffl"), ("\ufb05", "st"),
                                               ("\ufb06", "st")])
def test_ligatures_read_as_their_letters(ligature, letters):
    assert reading(ligature) == letters
    assert normalize(f"e{ligature}ective") == f"e{letters}ective"


def test_hyphens_spaces_and_zero_width_chars():
    assert normalize("con\u2010tractor\u2011priced 1\u20133 \u22121") == "con-tractor-priced 1-3 -1"
    assert normalize("a\u00a0b\u2009c\u202fd") == "a b c d"
    assert normalize("ul\u200btra\u200c\u200dsound\ufeff\u2060") == "ultrasound"


def test_a_soft_hyphen_joins_at_a_line_end_and_is_dropped_elsewhere():
    assert normalize("ul\xad\ntrasound") == "ultrasound"
    assert squash("ul\xad\ntrasound guidance") == "ultrasound guidance"
    assert join_lines("fluoroscopic and ul\xad\ntrasound\n(Do not report 0601T in con\xad\njunction with 76940)") == \
        "fluoroscopic and ultrasound (Do not report 0601T in conjunction with 76940)"
    # extract keeps a soft hyphen only as the last char of a printed line
    line = [char("u", 0), char("l", 4), char(SOFT_HYPHEN, 8), char("t", 12), char("r", 16), char(SOFT_HYPHEN, 20)]
    assert line_text(line) == ("ult" + "r" + SOFT_HYPHEN, " " * 5)


def test_extract_reads_each_char_as_read_and_keeps_the_mask_aligned():
    line = [char("e", 0), char("\ufb00", 4), char("e", 8), char("1", 12, size=5, top=99)]
    text, mask = line_text(line)
    assert (text, mask) == ("effe1", "    ^")
    assert len(text) == len(mask)


def test_the_characters_are_data(tmp_path):
    import shutil

    words = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, words)
    with open(words / "characters.csv", "a", encoding="utf-8") as fh:
        fh.write("2027,drop,,HYPHENATION POINT\n")
    with vocab.use(words):
        assert normalize("ul\u2027trasound") == "ultrasound"
    assert normalize("ul\u2027trasound") == "ul\u2027trasound"


# ---------------------------------------------------------------- strict values

@pytest.mark.parametrize("text", ["$9,096.4", "$9,096.", "9096.4"])
def test_an_amount_with_one_cent_digit_is_refused(text):
    with pytest.raises(ValueNotParsed, match="is not a dollar amount"):
        _amount(piece(text), "x")


def test_a_raised_digit_glued_to_an_amount_stops_it():
    with pytest.raises(ValueNotParsed) as exc:
        _amount(piece("$9,096.46", "        ^"), "0600T hospital_outpatient")
    assert str(exc.value) == ("page 3: 0600T hospital_outpatient: '$9,096.4' is followed by a raised '6' glued to "
                              "its digits: the value cannot be read (a digit printed small, or a footnote mark?)")
    with pytest.raises(ValueNotParsed, match="raised '2' glued"):
        _rvus(piece("10.52", "    ^"), "x RVUs")
    # a raised mark after a space, or after a letter, is a footnote
    assert _amount(piece("$9,096.46 7", "          ^"), "x") == ("national_rate", Decimal("9096.46"), None)
    assert _amount(piece("NA5", "  ^"), "x") == ("not_applicable", None, None)


# ---------------------------------------------------------------- post-conditions

def test_leftover_notes_code_lists_and_nested_terms_are_validation_failures(guide_2022):
    from pipeline.validate import find_failures

    tables = {name: frame.copy() for name, frame in guide_2022.tables.items()}
    codes = tables["codes"]
    codes.loc[0, "descriptor"] = codes.loc[0, "descriptor"] + " (Do not report 0600T in conjuntion with 76940)"
    codes.loc[1, "descriptor"] = codes.loc[1, "descriptor"] + " 76940, 77002"
    terms = tables["terminology"]
    terms.loc[0, "description"] = terms.loc[0, "description"] + " CMS Centers for Medicare and Medicaid Services"
    failures = find_failures(tables, 2022)
    checks = sorted(failures["check"])
    assert checks == ['holds no "Do not report" note', "holds no list of CPT codes",
                      "holds no other term's row ('CMS')"]
