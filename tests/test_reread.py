"""Every value is read twice: pdfminer and PDFium, from the same box, must agree or the build stops."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tools.testkit.paths import FIXTURES, SOURCE_2022, TEST_SOURCES
from pipeline.errors import ReadingsDisagree
from pipeline.extract import extract, visible
from pipeline.run.build import parse_source
from pipeline.validate import check_second_reading, reading_key, same_text

ALL = [SOURCE_2022] + sorted(FIXTURES.glob("*.pdf")) + sorted((FIXTURES / "visibility").glob("*.pdf"))


@pytest.mark.parametrize("path", [p for p in ALL if "no-character-map" not in p.name and "scanned" not in p.name],
                         ids=lambda p: p.name)
def test_both_engines_read_every_cell_and_line_alike(path):
    raw = extract(path)
    for frame in (raw.cells, raw.lines):
        for row in frame.itertuples():
            if row.text:
                assert reading_key(row.text) == reading_key(row.reread, pdfium=True), (row.page, row.text, row.reread)


def test_the_second_reading_runs_on_every_build(monkeypatch):
    calls = []
    read = visible.PageSight.read

    def counted(self, box, **kw):
        calls.append(box)
        return read(self, box, **kw)

    monkeypatch.setattr(visible.PageSight, "read", counted)
    guide = parse_source(SOURCE_2022, TEST_SOURCES)
    boxes = {(p.x0, p.top, p.x1, p.bottom) for p in guide.tables["provenance"].itertuples()}
    read_boxes = {tuple(round(v, 2) for v in box) for box in calls}
    assert boxes <= read_boxes  # every published value's box was read again


def test_a_disagreement_stops_the_build_naming_page_box_and_both_readings(monkeypatch):
    read = visible.PageSight.read

    def misread(self, box, **kw):  # PDFium reads the 6s of $9,096.46 as 8s
        text = read(self, box, **kw)
        return text.replace("6", "8") if text.startswith("$9,096.46") else text

    monkeypatch.setattr(visible.PageSight, "read", misread)
    with pytest.raises(ReadingsDisagree) as exc:
        parse_source(SOURCE_2022, TEST_SOURCES)
    assert str(exc.value) == ("page 3: 0600T hospital_outpatient payment: the two readings disagree: "
                              "pdfminer read '$9,096.46', PDFium read '$9,098.48'")


def test_a_tampered_second_reading_of_one_cell_is_caught():
    raw = extract(SOURCE_2022)
    guide = parse_source(SOURCE_2022, TEST_SOURCES)
    cells = raw.cells.copy()
    k = next(i for i, t in enumerate(cells["text"]) if t.startswith("$"))
    original = cells.at[k, "text"]
    cells.loc[k, "reread"] = original.replace("$", "$1", 1)
    with pytest.raises(ReadingsDisagree) as exc:
        check_second_reading(replace(raw, cells=cells), guide)
    assert str(exc.value) == (
        f"page 3: 0600T hospital_outpatient payment: the two readings disagree: pdfminer read {original!r}, "
        f"PDFium read {original.replace('$', '$1', 1)!r}")


def test_reading_keys_ignore_layout_not_values():
    assert reading_key("Ablation, irreversible\nelectro-\nporation") == \
        reading_key("Ablation, irreversible electro\x02poration", pdfium=True)
    assert reading_key("ul\xad\ntrasound") == reading_key("ul\x02trasound", pdfium=True)
    assert reading_key("e\ufb00ective") == reading_key("effective", pdfium=True)
    assert reading_key("$9,096.46") != reading_key("$19,096.46", pdfium=True)
    assert reading_key("ICD-10-PCS") == reading_key("ICD-10-PCS", pdfium=True)


def test_text_is_compared_on_its_letters_and_digits_after_known_equivalent_forms():
    # the readings: PDFium losing a justified line's word spaces, and a list marker read after the line
    assert same_text("The IRE procedures described in this guide", "", "TheIREproceduresdescribedinthisguide")
    assert same_text("• Guarantee coverage by third party health payors.", "",
                     "Guarantee coverage by third party health payors.•")
    assert same_text("\uf0b7 Verify each code", "", "Verify each code")  # a Word Symbol-font bullet read as nothing
    assert same_text("the payer’s “rules”", "", "the payers \"rules\"")  # quotes, one read as nothing
    assert same_text("ﬂuoroscopic e\ufb00ective", "", "fluoroscopic effective")  # compatibility forms
    assert same_text("ultra\xad\nsound", "", "ultra\x02sound")  # soft hyphen, PDFium's line-end hyphen
    # a letter or a digit that differs is a difference
    assert not same_text("Ablation", "", "Ablαtion")
    assert not same_text("1 or more tumors", "", "2 or more tumors")
    assert not same_text("tumors", "", "tumor")


def test_a_footnote_mark_may_sit_elsewhere_in_the_second_reading_or_not_be_in_it():
    text, mask = "tumors1 and organs", "      ^           "
    assert same_text(text, mask, "tumors and organs 1")
    assert same_text(text, mask, "tumors and organs")
    assert not same_text(text, mask, "tumors and organs 2")  # not the mark extract split off
    assert not same_text("tumors1 and organs", " " * 18, "tumors and organs 1")  # a digit printed full size
