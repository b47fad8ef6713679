"""The first look: a PDF that is no CPT reimbursement guide is refused before its tables are read.

Three non-guides of our own (`tools/make_non_guide_fixtures.py`: a price list with CPT codes, 220 pages of
charges, a report that mentions Medicare) and the real ones of `../shared/pdf-corpus/real-non-guides/` (used
by path, when that folder exists) are each refused in one line saying what their first pages print and what
was looked for, with nothing published and no advice to edit the vocabulary. Every committed guide passes
the look. The rule's leniency and its limit are shown on small PDFs drawn here.
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import pdfplumber
import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from pipeline import vocab
from pipeline.errors import LayoutError, NotThisGuide
from pipeline.extract import extract, visible
from pipeline.extract.first_look import cues_in, first_look, wording_patterns
from pipeline.normalize import normalize
from pipeline.run.build import build
from tests.refusals import (CODES_ONLY, CPT_AND_CODES, NO_PAYMENT_TABLE, NOTHING, NOTHING_ONE_PAGE, not_a_guide,
                            scan)
from tools import make_non_guide_fixtures as made
from tools.testkit.paths import CORPUS, FIXTURES, SOURCE_2022

NON_GUIDES = FIXTURES / "non-guides"
REAL = CORPUS / "real-non-guides"

OWN = {
    made.PRICE_LIST: not_a_guide("its 2 pages", CPT_AND_CODES),
    made.LONG_CHARGES: not_a_guide("its first 10 pages (of 220)", CPT_AND_CODES),
    made.REPORT: not_a_guide("its 3 pages", CODES_ONLY),
}

#: What each real non-guide is refused with (README.md there: one line, not a guide, what was looked for).
REAL_EXPECTED = {
    "chg_106154022_CDM_2018.pdf": not_a_guide(
        "its first 10 pages (of 197)", "print 'CPT' but no code of CPT shape and no Medicare payment wording"),
    "chg_106190049_PCT_CHG_2018.pdf": scan(3),
    "chg_106341006_Common25_2018.pdf": not_a_guide("its 2 pages", CPT_AND_CODES),
    "chg_106341006_PCT_CHG_2018.pdf": not_a_guide("its only page", NOTHING_ONE_PAGE),
    "chg_106491001_Comments_2018.pdf": scan(1),
    "chg_St-Joseph-FY18-OP.pdf": not_a_guide(
        "its only page", "prints a code of CPT shape but no 'CPT' and no Medicare payment wording"),
    "chg_main-campus-hospital-patient-price-list.pdf": not_a_guide("its 3 pages", NOTHING),
    "fr_federal-register-2020-17221.pdf": not_a_guide("its first 10 pages (of 15)", CODES_ONLY),
    "senate-expenditures.pdf": not_a_guide("its only page", NOTHING_ONE_PAGE),
}


def outcomes_of(sources, outputs) -> dict[str, tuple[str, str | None, str]]:
    return {o.source.name: (o.status, o.error, o.message) for o in build(sources, outputs)}


def published_years(outputs) -> list[str]:
    return sorted(p.name for p in outputs.iterdir() if p.name[0].isdigit()) if outputs.exists() else []


# ---------------------------------------------------------------- non-guides refused

def test_each_non_guide_fixture_is_refused_in_one_line_and_nothing_is_published(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(NON_GUIDES, sources)
    assert outcomes_of(sources, tmp_path / "outputs") == {
        name: ("failed", error, message) for name, (error, message) in OWN.items()}
    assert published_years(tmp_path / "outputs") == []


def test_the_long_table_of_charges_is_refused_before_pdfplumber_reads_a_page():
    pages_read = []
    with pytest.raises(NotThisGuide) as exc:
        extract(NON_GUIDES / made.LONG_CHARGES, on_page=lambda done, total: pages_read.append(done))
    assert (str(exc.value), pages_read) == (OWN[made.LONG_CHARGES][1], [])


@pytest.mark.skipif(not (REAL / "MANIFEST.tsv").is_file(), reason=f"no real non-guides at {REAL}")
def test_real_non_guides_are_refused_by_path_in_one_line_and_nothing_is_published(tmp_path):
    assert sorted(p.name for p in REAL.glob("*.pdf")) == sorted(REAL_EXPECTED)
    assert outcomes_of(REAL, tmp_path / "outputs") == {
        name: ("failed", error, message) for name, (error, message) in REAL_EXPECTED.items()}
    assert published_years(tmp_path / "outputs") == []


def test_the_non_guide_fixtures_are_what_the_script_renders(tmp_path):
    made_now = made.make(tmp_path)
    assert [p.name for p in made_now] == list(OWN)
    assert [p.read_bytes() == (NON_GUIDES / p.name).read_bytes() for p in made_now] == [True] * len(OWN)


# ---------------------------------------------------------------- every guide passes

GUIDES = sorted(p for p in [SOURCE_2022, *FIXTURES.rglob("*.pdf")] if "non-guides" not in p.parts)
#: Its fonts map no glyph to a character: the look cannot judge it, and extract names the font.
UNMAPPED = "chromium-no-character-map-2023.pdf"


def look_at(path):
    """The first look at the PDF at `path`, opened as extract opens it (pdfplumber and PDFium)."""
    document = visible.open_document(path)
    try:
        with pdfplumber.open(path) as pdf:
            return first_look(document, pdf.pages)
    finally:
        document.close()


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.name)
def test_every_committed_guide_passes_the_first_look(path):
    look = look_at(path)
    assert (look.is_guide, look.readable) == ((False, False) if path.name == UNMAPPED else (True, True))


def test_the_2022_guide_prints_every_cue_by_its_table_page():
    look = look_at(SOURCE_2022)
    assert (look.pages, look.found) == ([1, 2, 3], {"cpt": 1, "code": 3, "payment": 3})


# ---------------------------------------------------------------- the rule: lenient, on the first pages

def draw(path, pages: list[list[str]], picture_first: bool = False):
    """A PDF of `pages`, each a list of lines drawn in Helvetica; `picture_first` adds a cover picture only."""
    doc = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    if picture_first:
        doc.drawImage(ImageReader(Image.new("L", (40, 40), 128)), 72, 400, width=400, height=300)
        doc.showPage()
    for lines in pages:
        for i, line in enumerate(lines):
            doc.drawString(72, 720 - 16 * i, line)
        doc.showPage()
    doc.save()
    return path


PROSE = ["About this document", "It explains how to report the procedures described here."]
TABLE = ["CPT Code   Descriptor   Hospital Outpatient   Ambulatory Surgery Center", "0600T   Ablation   $1.00   NA"]


def test_a_guide_whose_table_is_on_its_tenth_page_after_a_cover_picture_passes(tmp_path):
    look = look_at(draw(tmp_path / "late.pdf", [PROSE] * 9 + [TABLE], picture_first=True))
    assert (look.pages, look.found) == (list(range(2, 12)), {"cpt": 11, "code": 11, "payment": 11})


def test_cues_past_the_first_ten_pages_with_text_are_not_seen(tmp_path):
    with pytest.raises(NotThisGuide) as exc:
        look_at(draw(tmp_path / "too-late.pdf", [PROSE] * 10 + [TABLE]))
    assert ("NotThisGuide", str(exc.value)) == not_a_guide("its first 10 pages (of 11)", NOTHING)


def test_a_document_whose_text_starts_after_a_picture_names_the_pages_it_read(tmp_path):
    with pytest.raises(NotThisGuide) as exc:
        look_at(draw(tmp_path / "cover.pdf", [PROSE, PROSE], picture_first=True))
    assert ("NotThisGuide", str(exc.value)) == not_a_guide("its pages 2-3 (of 3), the first with text", NOTHING)


@pytest.mark.parametrize("text, cues", [
    ("CPT® Code 0600T", {"cpt", "code"}),
    ("Current Procedural Terminology", {"cpt"}),
    ("ablation codes 0600T1 and 47383† apply", {"code"}),  # a footnote digit or a dagger may follow
    ("123456 A0600T 0600TX 12345678", set()),  # codes stand apart from other digits and letters
    ("the cascade of apcs", set()),  # a short wording counts only where no letter touches it
    ("ASC Payment4 OPPS3", {"payment"}),  # ... a footnote digit may
    ("TheNationalAveragePaymentsare", {"payment"}),  # PDFium's justified line without its spaces
    ("Medicare patients stayed four days", set()),  # Medicare alone is no payment wording
    ("Hospital OPPS Payment", {"payment"}),  # a payment-table header naming a setting
    ("No national set payment", {"payment"}),  # a contractor-priced sentinel
    ("CY 2024 Medicare National Average Payment", {"payment"}),  # a guide-year pattern
    ("Code Description Payment Facility Price", set()),  # headers any price list prints
    ("Non\u2011Facility", {"payment"}),  # a non-breaking hyphen, read as "-"
])
def test_what_counts_as_each_cue(text, cues):
    patterns = {cue: wording_patterns(cue) for cue in ("cpt", "payment")}
    assert cues_in(text, patterns) == cues


def test_a_payment_wording_added_to_the_vocabulary_counts_at_once(tmp_path):
    words = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, words)
    with open(words / "guide_cues.csv", "a", encoding="utf-8") as fh:
        fh.write("payment,Medicare Allowable\n")
    with vocab.use(words):
        assert cues_in("Medicare Allowable", {cue: wording_patterns(cue) for cue in ("cpt", "payment")}) == \
            {"payment"}
    assert cues_in("Medicare Allowable", {cue: wording_patterns(cue) for cue in ("cpt", "payment")}) == set()


def test_a_bad_cue_names_the_file_and_line(tmp_path):
    words = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, words)
    with open(words / "guide_cues.csv", "a", encoding="utf-8") as fh:
        fh.write("price,Price\n")
    with vocab.use(words), pytest.raises(vocab.VocabularyError) as exc:
        vocab.check()
    assert str(exc.value) == f"{words / 'guide_cues.csv'}: line 22: cue 'price' is not one of cpt, payment"


# ---------------------------------------------------------------- after the look: advice only for a guide

@pytest.fixture(scope="module")
def raw_2022():
    return extract(SOURCE_2022)


def test_a_document_that_passes_the_look_but_has_no_payment_table_gets_no_advice(raw_2022):
    with pytest.raises(NotThisGuide) as exc:
        normalize(replace(raw_2022, cells=raw_2022.cells.iloc[0:0]))
    assert ("NotThisGuide", str(exc.value)) == NO_PAYMENT_TABLE


def _without(tmp_path, *wordings: str):
    """A copy of the vocabulary whose payment_headers.csv lacks `wordings`."""
    words = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, words)
    path = words / "payment_headers.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if line.rstrip("\n").split(",", 1)[1] not in wordings),
                    encoding="utf-8")
    return words


@pytest.mark.parametrize("missing, message", [
    # one wording unknown in a table whose headers name the CPT code column: the guide reworded it
    (("ASC Payment (Payment Indicator)",),
     "page 3: payment table header 'ASC Payment (Payment Indicator)' is not a known wording; if it is a new "
     "wording for a known column, add it to pipeline/vocab/payment_headers.csv"),
    # two wordings a column needs: no advice
    (("ASC Payment (Payment Indicator)", "CPT® Descriptor", "CPT Descriptor", "Descriptor", "Description"),
     "page 3: a table's header has 2 wordings no payment table is known to print ('ASC Payment (Payment "
     "Indicator)', 'CPT® Descriptor'); it cannot be read as the payment table"),
    # one, but no known header names the code column: no advice
    (("CPT® Code", "CPT Code", "Code"),
     "page 3: a table's header wording 'CPT® Code' is not a known wording, and no known header of the table "
     "names the CPT code column; it cannot be read as the payment table"),
])
def test_vocabulary_advice_only_where_one_wording_of_a_guides_payment_table_is_unknown(tmp_path, raw_2022,
                                                                                         missing, message):
    with vocab.use(_without(tmp_path, *missing)), pytest.raises(LayoutError) as exc:
        normalize(raw_2022)
    assert str(exc.value) == message
