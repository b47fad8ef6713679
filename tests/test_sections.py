"""Every section the guide announces is published whole, or the build stops naming it (issue #26).

The fixtures (`tools/make_fixtures.py`, reportlab and LibreOffice) print a section in a form the
pipeline did not know: the glossary as "Term: description" paragraphs (in two text columns side by
side too), as two columns without a header row, either one cut by a page break; the payment table
continued under a "(continued)"
heading; each "Do not report" note in a row of its own; no glossary at all. Each builds exactly,
with the manifest's record of each section, or stops with one line naming the section and page.
The steps behind them are tested on hand-made lines and cells below.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import GuideError, LayoutError
from pipeline.extract import extract
from pipeline.normalize import sections, tables
from pipeline.normalize.columns import Columns
from pipeline.normalize.grids import grids
from pipeline.normalize.stitch import Stitcher
from pipeline.normalize.tables import Part, Reading
from pipeline.normalize.values import code_values
from pipeline.publish.manifest import manifest_bytes
from pipeline.readers.check import check_year
from pipeline.run.build import parse_source
from pipeline.validate import find_failures, section_failures
from tools import make_fixtures
from tools.testkit.guide_data import expected, published
from tools.testkit.paths import FIXTURES


def parse(name: str):
    return parse_source(FIXTURES / name, FIXTURES)


def records(guide) -> dict:
    return {name: section.record() for name, section in guide.sections.items()}


TITLE_2023 = "Medicare 2023 National Average Payment (Not Geographically Adjusted)"
TITLE_2025 = "Medicare 2025 National Average Payment (Not Geographically Adjusted)"
NOTES = "Do not report ... in conjunction with ..."


def sections_2023(form: str | None, entries: int = 12) -> dict:
    return {"payments": {"printed": True, "heading": TITLE_2023, "form": "table", "pages": [2], "entries": 5},
            "exclusions": {"printed": True, "heading": NOTES, "form": "notes", "pages": [2], "entries": 7},
            "terminology": {"printed": form is not None, "heading": "REIMBURSEMENT TERMINOLOGY" if form else None,
                            "form": form, "pages": [3] if form else [], "entries": entries if form else 0}}


def sections_2025(form: str) -> dict:
    return {"payments": {"printed": True, "heading": TITLE_2025, "form": "table", "pages": [2, 3], "entries": 14},
            "exclusions": {"printed": True, "heading": NOTES, "form": "notes", "pages": [2, 3], "entries": 22},
            "terminology": {"printed": True, "heading": "REIMBURSEMENT TERMINOLOGY", "form": form, "pages": [4, 5],
                            "entries": 40}}


BUILDS = {
    "reportlab-borderless-glossary-paragraphs-2023.pdf": sections_2023("paragraphs"),
    "libreoffice-ruled-glossary-paragraphs-2023.pdf": sections_2023("paragraphs"),
    "reportlab-borderless-glossary-paragraphs-break-2025.pdf": sections_2025("paragraphs"),
    "reportlab-borderless-glossary-paragraphs-columns-2025.pdf": sections_2025("paragraphs in columns"),
    "libreoffice-borderless-glossary-paragraphs-break-2025.pdf": sections_2025("paragraphs"),
    "reportlab-ruled-glossary-without-header-2023.pdf": sections_2023("table without header"),
    "reportlab-borderless-glossary-without-header-2023.pdf": sections_2023("table without header"),
    "libreoffice-ruled-glossary-without-header-2023.pdf": sections_2023("table without header"),
    "libreoffice-borderless-glossary-without-header-2023.pdf": sections_2023("table without header"),
    "reportlab-borderless-glossary-without-header-break-2025.pdf": sections_2025("table without header"),
    "reportlab-borderless-continued-heading-2025.pdf": sections_2025("table"),
    "reportlab-ruled-continued-heading-2025.pdf": sections_2025("table"),
    "reportlab-ruled-note-rows-2023.pdf": sections_2023("table"),
    "libreoffice-ruled-note-rows-2023.pdf": sections_2023("table"),
    "reportlab-borderless-no-glossary-2023.pdf": sections_2023(None),
}


def _guide_data(name: str):
    guide, changes = make_fixtures.REPORTLAB.get(name) or make_fixtures.LIBREOFFICE[name]
    return guide.with_layout(**changes) if name in make_fixtures.REPORTLAB else guide


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_a_section_in_a_form_not_known_before_builds_exactly_with_its_record(name):
    guide = parse(name)
    assert published(guide.tables) == expected(_guide_data(name))
    assert records(guide) == BUILDS[name]


STOPS = {
    # the glossary's terms in bold before their description, nothing between: where a term ends is not printed
    "reportlab-borderless-glossary-paragraphs-without-separator-2023.pdf":
        "page 3: terminology: the glossary heading 'REIMBURSEMENT TERMINOLOGY' is printed, but what follows it is "
        "neither a two-column table nor \"Term: description\" paragraphs: 'AMA American Medical Association'",
    # rows without rules are centred on their code: the note row under 0600T lands in 0601T's row
    "reportlab-borderless-note-rows-2023.pdf":
        "page 2: exclusions: the note in 0601T's row names another code: "
        "'(Do not report 0600T in conjunction with 76940, 77002, 77013, 77022)'",
    # a glossary under a heading the vocabulary does not know: printed, and announced by nothing known
    "reportlab-borderless-glossary-paragraphs-unknown-heading-2023.pdf":
        "page 3: terminology: \"Term: description\" paragraphs ('AMA: American Medical Association') are printed "
        "under no glossary heading the vocabulary knows; if they are the glossary, add its heading to "
        "pipeline/vocab/glossary_forms.csv",
    "reportlab-ruled-glossary-without-header-unknown-heading-2023.pdf":
        "page 3: terminology: a two-column table of terms and descriptions ('AMA': 'American Medical Association') "
        "is printed under no glossary heading or header the vocabulary knows; if it is the glossary, add its "
        "heading to pipeline/vocab/glossary_forms.csv",
    # the glossary in two columns, and a line printed across both between their lines: which lines come first?
    "reportlab-borderless-glossary-columns-line-across-gutter-2025.pdf":
        "page 4: terminology: 'The terms below are those of the hospital outpatient and ambulatory surgical center "
        "payment systems.' is printed across the gutter between the glossary's columns: in which order their lines "
        "are read is not printed",
    # the notes printed under the table, one a line: no row holds them
    "reportlab-borderless-notes-under-table-2023.pdf":
        "page 2: exclusions: the note 'Do not report 0600T in conjunction with 76940, 77002, 77013, 77022' is "
        "printed outside the payment table, and the exclusions it says are not all read from the table",
}


@pytest.mark.parametrize("name", sorted(STOPS))
def test_a_section_that_cannot_be_read_whole_stops_the_build_naming_it(name):
    with pytest.raises(GuideError) as caught:
        parse(name)
    assert str(caught.value) == STOPS[name]


def test_the_fixtures_print_what_their_names_say():
    """The forms are really printed: an entry cut by the page break, a table under a "(continued)"
    heading without its header, a note in a row of its own."""
    raw = extract(FIXTURES / "reportlab-borderless-glossary-paragraphs-break-2025.pdf")
    page5 = raw.lines[raw.lines["page"] == 5]["text"].tolist()
    assert page5[0] == "when soft performed irreversible electroporation pancreatic guidance prostate fluoroscopic " \
                       "ultrasound liver"  # the rest of LFLOHL's description
    assert page5[1].startswith("NKOTJU: ")

    raw = extract(FIXTURES / "reportlab-borderless-glossary-without-header-break-2025.pdf")
    page5 = raw.cells[(raw.cells["page"] == 5) & (raw.cells["row"] == 0)].sort_values("col")
    assert page5["text"].tolist() == ["", "liver"]

    for name in ("reportlab-borderless-continued-heading-2025.pdf", "reportlab-ruled-continued-heading-2025.pdf"):
        raw = extract(FIXTURES / name)
        assert raw.lines[raw.lines["page"] == 3]["text"].tolist()[0] == "CATEGORY III CPT BILLING CODES (continued)"
        first = raw.cells[(raw.cells["page"] == 3) & (raw.cells["row"] == 0)].sort_values("col")["text"].tolist()
        assert first[0] == "23864"  # a row, not the header

    for name in ("reportlab-ruled-note-rows-2023.pdf", "libreoffice-ruled-note-rows-2023.pdf"):
        cells = extract(FIXTURES / name).cells
        notes = cells[cells["text"].str.startswith("(Do not report")]
        assert len(notes) == 3 and set(notes["col"]) == {1}
        for row in notes.itertuples():
            same_row = cells[(cells["table"] == row.table) & (cells["row"] == row.row) & (cells["text"] != "")]
            assert same_row["text"].tolist() == [row.text]  # nothing else printed in the note's row


def test_an_exclusion_read_from_a_note_row_points_at_the_note_row():
    guide = parse("reportlab-ruled-note-rows-2023.pdf")
    prov = guide.tables["provenance"]
    descriptor = prov[(prov["dataset"] == "codes") & (prov["key"] == "0600T") & (prov["field"] == "descriptor")]
    excluded = prov[(prov["dataset"] == "exclusions") & (prov["key"] == "0600T|76940")
                    & (prov["field"] == "excluded_code")]
    assert excluded["raw_text"].tolist() == ["(Do not report 0600T in\nconjunction with 76940, 77002,\n77013, 77022)"]
    assert excluded["top"].iloc[0] >= descriptor["bottom"].iloc[0]  # the row below the descriptor's


def test_a_guide_without_a_glossary_builds_and_its_manifest_says_none_is_printed(tmp_path):
    sources = tmp_path / "sources" / "2023"
    sources.mkdir(parents=True)
    shutil.copy(FIXTURES / "reportlab-borderless-no-glossary-2023.pdf", sources)
    result = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "sources"),
                                       "--outputs", str(tmp_path / "outputs"), "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "outputs" / "2023" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["row_counts"]["terminology"] == 0
    assert manifest["sections"] == sections_2023(None)
    assert check_year(tmp_path / "outputs", 2023).problems == []


def test_a_stop_names_the_file_and_nothing_is_published(tmp_path):
    sources = tmp_path / "sources" / "2023"
    sources.mkdir(parents=True)
    name = "reportlab-borderless-glossary-paragraphs-without-separator-2023.pdf"
    shutil.copy(FIXTURES / name, sources)
    result = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "sources"),
                                       "--outputs", str(tmp_path / "outputs")])
    assert result.exit_code == 1
    assert f"FAILED {sources / name}: {STOPS[name]}" in result.output
    assert not (tmp_path / "outputs" / "2023").exists()


# ---------------------------------------------------------------- the records, checked

def test_validation_checks_each_section_record_against_its_table():
    guide = parse("reportlab-ruled-glossary-without-header-2023.pdf")
    good = records(guide)
    assert section_failures(good, guide.tables) == []
    bad = json.loads(json.dumps(good))
    bad["terminology"]["entries"] = 13
    bad["payments"]["pages"] = [3]
    del bad["exclusions"]
    failures = section_failures(bad, guide.tables)
    assert [f for f in failures if f["table"] != "payments" and f["column"] != "source_page"] == [
        {"table": "exclusions", "column": None, "row": None, "value": None,
         "check": "the sections record has the exclusions section"},
        {"table": "terminology", "column": None, "row": None, "value": "12",
         "check": "holds as many rows as the terminology section's entries read (13)"}]
    # every code and payment row was read from page 2, which the record no longer names
    pages = [(f["table"], f["row"], f["value"]) for f in failures if f["column"] == "source_page"]
    assert pages == [("codes", str(i), "2") for i in range(5)] + [("payments", str(i), "2") for i in range(20)]
    assert {f["check"] for f in failures if f["column"] == "source_page"} == {
        "is a page the payments section was found on ([3])"}
    assert len(find_failures(guide.tables, 2023, bad)) == len(failures)  # the build's report holds them


def test_a_printed_section_with_no_entries_fails_validation():
    guide = parse("reportlab-borderless-no-glossary-2023.pdf")
    record = records(guide)
    record["terminology"] = {"printed": True, "heading": "GLOSSARY", "form": "paragraphs", "pages": [3], "entries": 0}
    assert section_failures(record, guide.tables) == [
        {"table": "terminology", "column": None, "row": None, "value": "0",
         "check": "the terminology section is printed: it has entries"}]


def _publish_and_edit(tmp_path, edit):
    sources = tmp_path / "sources" / "2023"
    sources.mkdir(parents=True)
    shutil.copy(FIXTURES / "reportlab-borderless-glossary-paragraphs-2023.pdf", sources)
    outputs = tmp_path / "outputs"
    result = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "sources"), "--outputs", str(outputs),
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    path = outputs / "2023" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_bytes(manifest_bytes(manifest))  # a manifest as publish would write it, with other sections
    return [p.line(lambda x: x.relative_to(outputs).as_posix()) for p in check_year(outputs, 2023).problems]


def test_make_validate_checks_the_published_sections_against_the_tables(tmp_path):
    def fewer_terms(manifest):
        manifest["sections"]["terminology"]["entries"] = 11

    assert _publish_and_edit(tmp_path, fewer_terms) == [
        "2023/terminology.parquet: the table value '12' fails: holds as many rows as the terminology section's "
        "entries read (11)"]


def test_make_validate_names_a_manifest_without_sections(tmp_path):
    assert _publish_and_edit(tmp_path, lambda manifest: manifest.pop("sections")) == [
        "2023/manifest.json: has no 'sections' record of what each section of the guide held (published by an "
        "older pipeline? rebuild the year)"]


# ---------------------------------------------------------------- the glossary as paragraphs, line by line

def _line(page, top, text, size=9.5, x0=50.0):
    return {"page": page, "line": int(top), "text": text, "sup_mask": " " * len(text), "size": size, "x0": x0,
            "top": float(top), "x1": x0 + 5 * len(text), "bottom": float(top) + size}


def _read(lines):
    ordered = tables.document_lines(pd.DataFrame(lines))
    headings = tables.glossary_headings(ordered)
    return sections.read_paragraphs(headings[0], ordered, [], headings)


HEADING = _line(3, 50, "GLOSSARY", size=14)


def test_paragraphs_spaced_apart_are_read_one_entry_each_over_a_page_break():
    read = _read([HEADING, _line(3, 80, "The following abbreviations are used:"),
                  _line(3, 100, "AMA: American Medical"), _line(3, 112, "Association"),
                  _line(3, 130, "CMS: Centers for Medicare and"), _line(3, 700, "Page 3"),
                  _line(4, 50, "Medicaid Services"), _line(4, 68, "RVU: Relative Value Unit"),
                  _line(4, 98, "Payment amounts are national averages.")])
    assert [(e.term, e.description.text, e.description.page) for e in read.entries] == [
        ("AMA", "American Medical\nAssociation", 3), ("CMS", "Centers for Medicare and\nMedicaid Services", 3),
        ("RVU", "Relative Value Unit", 4)]


@pytest.mark.parametrize("lines, message", [
    # no space between paragraphs: the last entry's second line may be prose after the glossary
    ([_line(3, 100, "AMA: American Medical"), _line(3, 112, "CMS: Centers for"), _line(3, 124, "Medicare")],
     "page 3: terminology: 'Medicare' may continue the description of 'CMS' or follow the glossary: its paragraphs "
     "are not spaced apart, so where it ends is not printed"),
    # the top of a page that no entry follows: the rest of the entry above, or prose after the glossary?
    ([_line(3, 100, "AMA: American Medical"), _line(3, 112, "Association"), _line(3, 130, "CMS: Centers for"),
      _line(4, 50, "Medicare and Medicaid")],
     "page 4: terminology: 'Medicare and Medicaid' at the top of the page may finish the description of 'CMS' "
     "or follow the glossary: nothing printed tells which"),
    # spaced paragraphs, and a line inside one that reads as an entry
    ([_line(3, 100, "AMA: American Medical"), _line(3, 112, "CMS: Centers for"), _line(3, 130, "RVU: Relative")],
     "page 3: terminology: 'CMS: Centers for' reads as an entry, but is printed as a line of the paragraph of "
     "'AMA': where one entry ends is not printed"),
    # two entries side by side on one line: the glossary in two columns
    ([_line(3, 100, "AMA: American Medical Association OPPS: Outpatient Prospective Payment System")],
     "page 3: terminology: the description of 'AMA' holds what reads as another entry ('OPPS:'): two entries on "
     "one line (the glossary printed in two columns?)"),
    ([_line(3, 100, "AMA: American Medical Association"), _line(3, 118, "OPPS: Outpatient", x0=100.0)],
     "page 3: terminology: the entry 'OPPS: Outpatient' starts apart from the entries above it (the glossary "
     "printed in two columns?)"),
    # an entry printed small, as a page's foot is
    ([_line(3, 100, "AMA: American Medical Association"), _line(3, 118, "CMS: Centers for Medicare", size=7)],
     "page 3: terminology: 'CMS: Centers for Medicare' reads as a glossary entry but is printed smaller than the "
     "entries around it"),
    # an introduction that does not introduce a list
    ([_line(3, 80, "These terms are used in the guide."), _line(3, 100, "AMA: American Medical Association")],
     "page 3: terminology: the glossary heading 'GLOSSARY' is printed, but what follows it is neither a two-column "
     "table nor \"Term: description\" paragraphs: 'These terms are used in the guide.'"),
    # a paragraph between entries that is none
    ([_line(3, 100, "AMA: American Medical"), _line(3, 112, "Association"), _line(3, 130, "see below"),
      _line(3, 148, "CMS: Centers for Medicare")],
     "page 3: terminology: 'see below' is printed between the glossary's entries and reads as none"),
])
def test_paragraphs_the_page_does_not_make_unambiguous_stop_the_build(lines, message):
    with pytest.raises(LayoutError) as caught:
        _read([HEADING, *lines])
    assert str(caught.value) == message


def test_a_heading_with_nothing_read_under_it_is_named_with_its_first_line():
    ordered = tables.document_lines(pd.DataFrame([HEADING, _line(3, 80, "AMA American Medical Association")]))
    (heading,) = tables.glossary_headings(ordered)
    assert sections.read_paragraphs(heading, ordered, [], [heading]).entries == []
    assert str(sections.no_entry_under(heading, ordered)) == (
        "page 3: terminology: the glossary heading 'GLOSSARY' is printed, but what follows it is neither a "
        "two-column table nor \"Term: description\" paragraphs: 'AMA American Medical Association'")
    # entries under a subheading printed larger than them: the glossary's lines end at it, before any entry
    ordered = tables.document_lines(pd.DataFrame([HEADING, _line(3, 80, "A", size=12),
                                                  _line(3, 100, "AMA: American Medical Association")]))
    (heading,) = tables.glossary_headings(ordered)
    assert sections.read_paragraphs(heading, ordered, [], [heading]).entries == []
    assert str(sections.no_entry_under(heading, ordered)).endswith("paragraphs: 'A'")


def test_a_heading_is_the_whole_line_and_may_say_continued():
    texts = ["REIMBURSEMENT TERMINOLOGY", "Glossary (continued)", "Reimbursement Terminology ........ 6",
             "The glossary below", "Acronyms and Abbreviations"]
    ordered = tables.document_lines(pd.DataFrame([_line(3, 50 + 20 * k, t) for k, t in enumerate(texts)]))
    assert [h.text for h in tables.glossary_headings(ordered)] == [
        "REIMBURSEMENT TERMINOLOGY", "Glossary (continued)", "Acronyms and Abbreviations"]


# ---------------------------------------------------------------- the glossary in text columns

def _columns_line(page, top, *runs, size=9.5, tops=()):
    """A printed line as extract groups it, with its words' boxes: `runs` are (x0, text) printed side by side
    (each char 5 points wide, a space 2.5), at `top` or at their own top from `tops`."""
    words, texts = [], []
    for k, (x0, text) in enumerate(runs):
        at = tops[k] if tops else top
        for word in text.split(" "):
            words += [x0, float(at), x0 + 5 * len(word), float(at) + size]
            x0 += 5 * len(word) + 2.5
        texts.append(text)
    text = " ".join(texts)
    return {"page": page, "line": int(top), "text": text, "sup_mask": " " * len(text), "size": size,
            "x0": min(words[0::4]), "top": min(words[1::4]), "x1": max(words[2::4]), "bottom": max(words[3::4]),
            "words": words}


LEFT, RIGHT = 50.0, 320.0


def _entries_of(read):
    return [(e.term, e.description.text, e.description.page) for e in read.entries]


def test_paragraphs_in_two_columns_are_read_column_by_column_over_a_page_break():
    """Lines side by side at one height are grouped as one line by extract; each column is read top to
    bottom, an entry cut at the foot of a column goes on at the top of the next (and of the next page), and a
    line printed across both below them ends the glossary."""
    read = _read([HEADING, _columns_line(3, 100, (LEFT, "AMA: American Medical"), (RIGHT, "Medicare and Medicaid")),
                  _columns_line(3, 112, (LEFT, "Association")),
                  _columns_line(3, 130, (LEFT, "APC: Ambulatory Payment"), (RIGHT, "CPT: Current")),
                  _columns_line(3, 142, (LEFT, "Classification"), (RIGHT, "Procedural Terminology")),
                  _columns_line(3, 160, (LEFT, "CMS: Centers for"), (RIGHT, "IRE: Irreversible")),
                  _columns_line(4, 50, (LEFT, "Electroporation"), (RIGHT, "RVU: Relative Value Unit")),
                  _columns_line(4, 68, (LEFT, "OPPS: Outpatient")),
                  _columns_line(4, 80, (LEFT, "Prospective Payment System")),
                  _columns_line(4, 100, (LEFT, "Payment amounts are national averages, not adjusted for geographic "
                                               "differences."))])
    assert _entries_of(read) == [
        ("AMA", "American Medical\nAssociation", 3), ("APC", "Ambulatory Payment\nClassification", 3),
        ("CMS", "Centers for\nMedicare and Medicaid", 3), ("CPT", "Current\nProcedural Terminology", 3),
        ("IRE", "Irreversible\nElectroporation", 3), ("OPPS", "Outpatient\nProspective Payment System", 4),
        ("RVU", "Relative Value Unit", 4)]
    assert read.columns
    ire = read.entries[4].description
    assert (ire.box, ire.parts) == ((RIGHT, 160.0, RIGHT + 82.5, 169.5), ())  # its first part's line


def test_a_line_of_a_column_in_pieces_at_unequal_heights_is_made_whole():
    """Columns at unequal heights: extract takes a piece of the left column's line with the right column's
    line (its taller char reached it) and leaves the rest alone; the column's words make the line again."""
    read = _read([HEADING, _columns_line(3, 100, (LEFT, "AMA: American Medical Association"), (RIGHT, "CPT: Current"),
                                         tops=(100, 97)),
                  _columns_line(3, 112, (LEFT + 22.5, "Medical"), (RIGHT, "Procedural Terminology"), tops=(118, 109)),
                  _columns_line(3, 118, (LEFT, "CMS:")),
                  _columns_line(3, 130, (LEFT, "Services"))])
    assert _entries_of(read) == [("AMA", "American Medical Association", 3), ("CMS", "Medical\nServices", 3),
                                 ("CPT", "Current\nProcedural Terminology", 3)]


@pytest.mark.parametrize("lines, message", [
    # a line across the gutter between the columns' lines: their order is not printed
    ([_columns_line(3, 100, (LEFT, "AMA: American Medical"), (RIGHT, "CPT: Current")),
      _columns_line(3, 112, (LEFT, "Terms below are those of the payment systems of the hospital outpatient")),
      _columns_line(3, 130, (LEFT, "APC: Ambulatory Payment"), (RIGHT, "IDE: Investigational"))],
     "page 3: terminology: 'Terms below are those of the payment systems of the hospital outpatient' is printed "
     "across the gutter between the glossary's columns: in which order their lines are read is not printed"),
    # a piece of a line at the height of two lines of its column (printed a font size apart)
    ([_columns_line(3, 100, (LEFT, "AMA: American Medical"), (RIGHT, "CPT: Current")),
      _columns_line(3, 109, (LEFT, "Association"), (RIGHT, "Procedural")),
      _columns_line(3, 104.5, (RIGHT, "Codes"))],
     "page 3: terminology: 'Codes' is printed at the height of two lines of its column (the glossary's columns "
     "at unequal heights): which line it belongs to is not printed"),
    # the columns go on over the page break (where the first began), the right one only finishing RVU: the end
    # of the glossary, or the rest of RVU?
    ([_columns_line(3, 100, (LEFT, "AMA: American Medical"), (RIGHT, "CPT: Current")),
      _columns_line(3, 112, (LEFT, "Association")), _columns_line(3, 130, (LEFT, "APC: Ambulatory")),
      _columns_line(4, 50, (LEFT, "RVU: Relative Value"), (RIGHT, "Unit, its measure"))],
     "page 4: terminology: 'Unit, its measure' at the top of the next column may finish the description of 'RVU' "
     "or follow the glossary: nothing printed tells which"),
])
def test_columns_the_page_does_not_make_unambiguous_stop_the_build(lines, message):
    with pytest.raises(LayoutError) as caught:
        _read([HEADING, *lines])
    assert str(caught.value) == message


def test_what_is_no_column_is_read_as_before():
    # an entry far right of the one above it, and nothing else: a column of its own
    read = _read([HEADING, _line(3, 100, "AMA: American Medical Association"), _line(3, 118, "OPPS: Outpatient",
                                                                                       x0=300.0)])
    assert (_entries_of(read), read.columns) == ([("AMA", "American Medical Association", 3),
                                                  ("OPPS", "Outpatient", 3)], True)
    # a continuation line indented under its entry that happens to read "Word: ...": no column
    with pytest.raises(LayoutError, match="reads as an entry, but is printed as a line of the paragraph of 'AMA'"):
        _read([HEADING, _columns_line(3, 100, (LEFT, "AMA: American Medical Association, publisher of")),
               _columns_line(3, 112, (LEFT + 30, "Codes: the CPT code set")),
               _columns_line(3, 130, (LEFT, "CMS: Centers for Medicare and Medicaid Services"))])
    # the glossary over: a page in columns after it is never read
    read = _read([HEADING, _line(3, 100, "AMA: American Medical Association"), _line(3, 130, "GUIDE", size=14),
                  _columns_line(3, 150, (LEFT, "Line one"), (RIGHT, "NOTE: one")),
                  _columns_line(3, 162, (LEFT, "across the whole page, both columns of it"))])
    assert _entries_of(read) == [("AMA", "American Medical Association", 3)]


def test_the_glossary_in_two_columns_of_a_word_processor_is_read_column_by_column():
    """#24's edition fixture: LibreOffice Writer's two-column section, its lines side by side grouped as one
    line by extract ("AMA: American Medical Association CPT: Current Procedural Terminology")."""
    guide = parse("editions/writer-glossary-paragraphs-two-columns-2025.pdf")
    assert records(guide)["terminology"] == {"printed": True, "heading": "REIMBURSEMENT TERMINOLOGY",
                                             "form": "paragraphs in columns", "pages": [2, 3], "entries": 17}
    prov = guide.tables["provenance"]
    icd = prov[(prov["dataset"] == "terminology") & (prov["key"] == "ICD-10-PCS") & (prov["field"] == "description")]
    assert icd[["page", "x0", "raw_text"]].values.tolist() == [
        [2, 315.1, "International Classification of Diseases, 10th\nRevision, Procedure Coding System"]]


# ---------------------------------------------------------------- tables under the heading, cells by hand

def _cells(rows, table=0, page=3, top=100.0):
    return [{"table": table, "page": page, "row": r, "col": c, "row_span": 1, "col_span": 1, "text": text,
             "sup_mask": " " * len(text), "x0": 50.0 + 200 * c, "top": top + 20 * r, "x1": 240.0 + 200 * c,
             "bottom": top + 20 * r + 10} for r, row in enumerate(rows) for c, text in enumerate(row)]


def _tables(rows):
    headings = tables.glossary_headings(tables.document_lines(pd.DataFrame([HEADING])))
    return list(tables.read(pd.DataFrame(_cells(rows)), {}, headings))


def test_a_table_of_two_columns_under_the_heading_is_the_glossary_without_a_header_row():
    (part,) = _tables([["AMA", "American Medical Association"], ["CMS", "Centers for Medicare"]])
    assert (part.reading.kind, part.reading.start, part.reading.headed, part.heading.text) == (
        "terminology", 0, False, "GLOSSARY")


def test_a_glossary_under_an_unknown_heading_that_adds_it_to_the_vocabulary_is_read(tmp_path):
    """The stop's advice, followed: the heading added to glossary_forms.csv, the glossary is read."""
    from pipeline import vocab
    from tools.testkit.guides import UNKNOWN_HEADING

    words = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, words)
    with open(words / "glossary_forms.csv", "a", encoding="utf-8") as fh:
        fh.write(f"heading,{UNKNOWN_HEADING}\n")
    with vocab.use(words):
        for name in ("reportlab-borderless-glossary-paragraphs-unknown-heading-2023.pdf",
                     "reportlab-ruled-glossary-without-header-unknown-heading-2023.pdf"):
            guide = parse(name)
            assert published(guide.tables) == expected(_guide_data(name))
            assert guide.sections["terminology"].printed == UNKNOWN_HEADING


def test_an_unknown_glossary_header_row_under_no_heading_stops_when_its_rows_are_terms():
    rows = [["Abbreviation", "Meaning"], ["AMA", "American Medical Association"], ["CMS", "Centers for Medicare"],
            ["RVU", "Relative Value Unit"]]
    (grid,) = grids(pd.DataFrame(_cells(rows)))
    with pytest.raises(LayoutError) as caught:
        sections.check_unannounced([grid], [])
    assert str(caught.value) == (
        "page 3: terminology: a two-column table of terms and descriptions ('AMA': 'American Medical Association') "
        "is printed under no glossary heading or header the vocabulary knows; if it is the glossary, add its heading "
        "to pipeline/vocab/glossary_forms.csv")
    # two rows of terms, or a column of numbers, are no glossary
    sections.check_unannounced(grids(pd.DataFrame(_cells(rows[:3]))), [])
    sections.check_unannounced(grids(pd.DataFrame(_cells([["22", "Increased procedural services"]] * 4))), [])


def test_a_glossary_header_row_with_one_unknown_wording_stops_rather_than_read_as_an_entry():
    with pytest.raises(LayoutError) as caught:
        _tables([["Abbreviation", "Description"], ["AMA", "American Medical Association"]])
    assert str(caught.value) == ("page 3: terminology: glossary header 'Abbreviation' is not a known wording; if it "
                                 "is a new wording for a known column, add it to "
                                 "pipeline/vocab/terminology_headers.csv")


def test_a_table_of_three_columns_under_the_heading_stops():
    with pytest.raises(LayoutError) as caught:
        _tables([["AMA", "American Medical Association", "AMA"]])
    assert str(caught.value) == ("page 3: terminology: the table under the glossary heading 'GLOSSARY' has 3 "
                                 "columns; the glossary is read from two (term, description)")


# ---------------------------------------------------------------- payments and notes, by hand

ROLES = ((None, "code"), (None, "descriptor"),
         *((s, "amount") for s in ("physician_non_facility", "physician_facility", "hospital_outpatient",
                                   "ambulatory_surgical_center")))
AMOUNTS = ["$100.00", "$50.00", "$9,096.46", "NA"]


def _payment_part(rows, page=2):
    (grid,) = grids(pd.DataFrame(_cells(rows, page=page)))
    return Part(grid, Reading("payment", 0, False, (), page, Columns(len(ROLES), 1, ROLES)))


def test_a_note_split_over_the_descriptor_cell_and_the_row_below_is_read_whole():
    part = _payment_part([["0600T", "Ablation (Do not report 0600T in", *AMOUNTS],
                          ["", "conjunction with 76940, 77002)", "", "", "", ""],
                          ["0601T", "Other", *AMOUNTS]])
    stitcher = Stitcher()
    first, second = [*stitcher.take(part), *stitcher.close()]
    read = code_values(first, frozenset())
    assert [r.row(2023) for r in read.records if r.dataset in ("codes", "exclusions")] == [
        {"guide_year": 2023, "cpt_code": "0600T", "code_category": "III", "descriptor": "Ablation",
         "source_page": 2},
        {"guide_year": 2023, "cpt_code": "0600T", "excluded_code": "76940", "source_page": 2},
        {"guide_year": 2023, "cpt_code": "0600T", "excluded_code": "77002", "source_page": 2}]
    assert second.code == "0601T" and second.notes == ()


def test_a_note_row_naming_another_code_stops_naming_exclusions():
    part = _payment_part([["0600T", "Ablation", *AMOUNTS],
                          ["", "(Do not report 0601T in conjunction with 76940)", "", "", "", ""],
                          ["0601T", "Other", *AMOUNTS]])
    with pytest.raises(LayoutError) as caught:
        list(Stitcher().take(part))
    assert str(caught.value) == ("page 2: exclusions: a \"Do not report\" note in a row of its own under 0600T's "
                                 "row names no code of the row above it: "
                                 "'(Do not report 0601T in conjunction with 76940)'")


def test_a_note_that_does_not_read_whole_stops_naming_exclusions():
    part = _payment_part([["0600T", "Ablation (Do not report 0600T in conjunction with 76940", *AMOUNTS]])
    stitcher = Stitcher()
    (row,) = [*stitcher.take(part), *stitcher.close()]
    with pytest.raises(GuideError) as caught:
        code_values(row, frozenset())
    assert str(caught.value) == ("page 2: exclusions: the note under 0600T does not read as \"(Do not report 0600T in "
                                 "conjunction with CODES)\": 'Do not report 0600T in conjunction with 76940'")


def test_a_code_printed_inside_the_payment_table_in_none_of_its_rows_stops():
    part = tables.kept(_payment_part([["0600T", "Ablation", *AMOUNTS], ["0601T", "Other", *AMOUNTS]]))
    assert (part.codes, part.pages, part.announced) == (2, (2,), None)  # no header row
    inside = {"page": 2, "line": 0, "text": "0602T continued", "sup_mask": "", "size": 8.0, "x0": 50.0,
              "top": 111.0, "x1": 120.0, "bottom": 118.0}
    sections.check_payment_area([part], [{**inside, "page": 3}])  # another page: nothing inside
    with pytest.raises(LayoutError) as caught:
        sections.check_payment_area([part], [inside])
    assert str(caught.value) == "page 2: payments: '0602T continued' is printed inside the payment table, in none " \
                                "of its rows"


@pytest.mark.parametrize("text, stops", [
    ("76940 Ultrasound guidance for, and monitoring of, parenchymal tissue ablation NA NA NA", True),
    ("0600T Ablation No national set payment 5362 (J1)", True),
    ("0600T $9,342.87", True),
    ("0600T and 0601T are Category III codes for irreversible electroporation.", False),
    ("Medicare pays 0600T in the hospital outpatient setting.", False),
])
def test_a_payment_row_outside_any_table_stops_whatever_its_cells_print(text, stops):
    lines = pd.DataFrame([{"page": 2, "text": text}])
    if not stops:
        tables.check_no_stray_rows(lines)
        return
    with pytest.raises(LayoutError, match="^page 2: a payment row outside any table that could be read: "):
        tables.check_no_stray_rows(lines)


def test_a_note_outside_the_table_that_repeats_published_exclusions_is_accounted_for():
    lines = [{"page": 4, "text": "Remember: do not report 0600T in conjunction with"},
             {"page": 4, "text": "76940 or 77002."}]
    sections.check_notes_outside(lines, {("0600T", "76940"), ("0600T", "77002")})
    with pytest.raises(LayoutError) as caught:
        sections.check_notes_outside(lines, {("0600T", "76940")})
    assert str(caught.value) == ("page 4: exclusions: the note 'do not report 0600T in conjunction with 76940 or "
                                 "77002' is printed outside the payment table, and the exclusions it says are not "
                                 "all read from the table")
