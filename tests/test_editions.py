"""The layouts a new edition may take (issue #24): each printed by a real producer, read exactly or refused.

Every fixture in `tests/fixtures/editions/` (made by `tools/make_edition_fixtures.py` from the layouts of
`tools/testkit/editions.py`, committed) must give exactly the rows of the data it prints
(`Edition.expected()`), and each ambiguous twin must stop with its one line. A layout the pipeline does
not read yet is marked `xfail(strict=True)` with what is not read: the day it reads, its test turns red
and the mark comes off. The tests below also pin what each fixture shows (its whole dollars, its marks, its
landscape pages, ...), so a fixture made again that stopped showing its variant would be noticed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from decimal import Decimal

import pdfplumber
import pytest

from tools import make_edition_fixtures as tool
from tools.make_fixtures import reproducible as writer_reproducible
from tools.testkit.editions import EDITION_2025, FIXTURES
from tools.testkit.guide_data import SETTINGS, expected, published
from tools.testkit.paths import ROOT
from tools.testkit.renderer import NA, NOT_COVERED, PACKAGED, Amount, amount_text
from pipeline.errors import GuideError
from pipeline.run.build import parse_source

EDITIONS = tool.TARGET


def parse(name: str):
    path = EDITIONS / name
    return parse_source(path, path.parent)


def _not_read(reason: str):
    return pytest.mark.xfail(strict=True, reason=f"#24: {reason}")


#: Fixtures the pipeline does not read yet, with what it does not read (today's line: docs/layouts.md).
NOT_READ_YET = {
}

#: The ambiguous twins: the one line each stops with (the file name is put in front by the build).
REFUSED = {
    # a raised "1" glued to 47383: a footnote mark (its note is under the table), or a sixth digit?
    "chromium-refused-raised-digit-on-code-2025.pdf":
        "page 2: CPT code: '47383' is followed by a raised '1' glued to its digits: the value cannot be read "
        "(a digit printed small, or a footnote mark?)",
    # a raised "2" glued to the whole-dollar "$9,874": footnote 2, or a digit of the amount?
    "writer-refused-raised-digit-on-whole-dollars-2025.pdf":
        "page 2: 0600T hospital_outpatient: '$9,874' is followed by a raised '2' glued to its digits: the value "
        "cannot be read (a digit printed small, or a footnote mark?)",
    # page 3 prints the national hospital outpatient payments, page 4 those of rural sole community hospitals
    "chromium-refused-two-opps-tables-2025.pdf":
        "page 4: a second table prints hospital_outpatient payments (the first is on page 3): which of the two "
        "the dataset holds is not known",
    # a third table whose amount column names no care setting
    "pdflatex-refused-medicaid-table-2025.pdf":
        "page 4: payment table header 'Medicaid Payment' names no known care setting; if it is a new wording for "
        "a known setting, add it to pipeline/vocab/payment_headers.csv",
}
REFUSED_NOT_YET = {
}

READ = sorted(n for n in FIXTURES if n not in REFUSED)


def _marked(names, marks):
    return [pytest.param(n, marks=marks[n]) if n in marks else n for n in names]


def test_the_fixtures_are_committed_whole_from_three_producers():
    assert sorted(p.name for p in EDITIONS.glob("*.pdf")) == sorted(FIXTURES)
    assert {tool.producer(n) for n in FIXTURES} == {"writer", "chromium", "pdflatex"}
    assert set(NOT_READ_YET) < set(READ) and set(REFUSED_NOT_YET) < set(REFUSED)


@pytest.mark.parametrize("name", _marked(READ, NOT_READ_YET))
def test_each_layout_gives_exactly_the_rows_it_prints(name):
    guide = parse(name)
    assert published(guide.tables) == FIXTURES[name].expected()
    assert (guide.guide_year, str(guide.effective_date)) == (2025, "2025-01-01")
    assert guide.document_number == "US/ON/MS/187 REV 10 12/2024"
    assert guide.warnings == []


@pytest.mark.parametrize("name", _marked(sorted(REFUSED), REFUSED_NOT_YET))
def test_each_ambiguous_twin_is_refused_with_one_line(name):
    with pytest.raises(GuideError) as exc:
        parse(name)
    assert str(exc.value) == REFUSED[name]


# ---------------------------------------------------------------- what each fixture shows


def _text(name: str, page: int) -> str:
    """The page's text with no white space at all: producers space words differently (pdfTeX's words run
    together in pdfplumber's reading), what a cell prints stays in one piece."""
    with pdfplumber.open(EDITIONS / name) as pdf:
        return "".join(pdf.pages[page - 1].extract_text().split())


def _pages(name: str) -> list[tuple[float, float]]:
    with pdfplumber.open(EDITIONS / name) as pdf:
        return [(float(p.width), float(p.height)) for p in pdf.pages]


@pytest.mark.parametrize("name, producer", [
    ("writer-combined-2025.pdf", "LibreOffice 7.4"), ("chromium-combined-2025.pdf", "Skia/PDF"),
    ("pdflatex-combined-2025.pdf", "pdfTeX"),
])
def test_each_producer_made_its_fixtures(name, producer):
    for other in (n for n in FIXTURES if tool.producer(n) == tool.producer(name)):
        with pdfplumber.open(EDITIONS / other) as pdf:
            assert str(pdf.metadata["Producer"]).startswith(producer), other


#: name -> (page, what its text prints, what it does not print), white space left out
SHOWS = {
    "writer-whole-dollars-2025.pdf": (2, ["$9,874(J1)", "$1,19935.39"], ["$9,874.41", ".41", ".26"]),
    "chromium-marks-2025.pdf": (2, ["0600T*", "47382†", "+47383", "$9,874.41‡", "†CategoryICPTcode."], []),
    "pdflatex-apc-first-asc-before-opps-2025.pdf": (2, ["APC3(SI)", "HospitalOPPS"], []),
    "pdflatex-payments-before-rvus-2025.pdf": (2, ["$4,198.77$506.51123.9814.96"], []),
    "writer-indicator-columns-si-pi-2025.pdf": (2, ["APCSIPaymentPaymentPI", "5362J1$9,874.41$6,843.26J8"],
                                                ["(J1)", "(J8)"]),
    "chromium-indicator-columns-spelled-out-2025.pdf": (2, ["Status", "5362J1$9,874.41$6,843.26J8"],
                                                        ["(J1)", "(J8)"]),
    "chromium-one-table-per-setting-2025.pdf": (2, ["PhysicianPayment:MedicarePhysicianFeeSchedule",
                                                    "HospitalOutpatientPayment:OutpatientProspective"], []),
    "writer-one-table-per-setting-page-each-2025.pdf": (3, ["HospitalOutpatientPayment"], ["PhysicianPayment"]),
    "pdflatex-some-settings-2025.pdf": (2, ["HospitalOPPSPayment3"], ["ASC", "(J8)"]),
    "pdflatex-subheadings-organ-2025.pdf": (2, ["IrreversibleElectroporation(IRE),anyorgan", "Liver", "Kidney",
                                                "Lung", "ImagingGuidance"], []),
    "writer-subheadings-approach-2025.pdf": (2, ["Percutaneous", "Open", "ImagingGuidance"], []),
    "pdflatex-continued-repeated-header-2025.pdf": (3, ["ServiceProvided", "47382"], []),
    "pdflatex-continued-no-repeated-header-2025.pdf": (3, ["47382"], ["ServiceProvided"]),
    "writer-no-payment-wordings-2025.pdf": (2, ["Carrierpriced", "Notcovered", "N/APackagedPackaged", "—"],
                                            ["Nonationalsetpayment"]),
    "writer-glossary-paragraphs-two-columns-2025.pdf": (2, ["REIMBURSEMENTTERMINOLOGYAMA:AmericanMedical"], []),
    "chromium-glossary-paragraphs-page-break-2025.pdf": (3, ["SI:StatusIndicator"], ["AMA:"]),
    "chromium-refused-raised-digit-on-code-2025.pdf": (2, ["473831"], ["+47383"]),
    "writer-refused-raised-digit-on-whole-dollars-2025.pdf": (2, ["$9,8742(J1)"], []),
    "chromium-refused-two-opps-tables-2025.pdf": (4, ["RuralSoleCommunityHospitals", "$10,575.49"], []),
    "pdflatex-refused-medicaid-table-2025.pdf": (4, ["MedicaidPayment", "$8,097.02"], []),
}


@pytest.mark.parametrize("name", sorted(SHOWS))
def test_each_fixture_prints_its_variant(name):
    page, prints, not_printed = SHOWS[name]
    text = _text(name, page)
    assert [p for p in prints if p not in text] == []
    assert [p for p in not_printed if p in text] == []


def test_the_marks_twin_and_its_letters_are_raised():
    with pdfplumber.open(EDITIONS / "chromium-marks-2025.pdf") as pdf:
        raised = [c for c in pdf.pages[1].chars if c["text"] in "ab" and c["size"] < 6]
        assert len(raised) >= 8  # "a" after six ASC amounts and in its note, "b" after one amount and its note
    with pdfplumber.open(EDITIONS / "chromium-refused-raised-digit-on-code-2025.pdf") as pdf:
        chars = pdf.pages[1].chars
        k = next(k for k in range(len(chars) - 5) if "".join(c["text"] for c in chars[k:k + 6]) == "473831")
        assert chars[k + 5]["size"] < chars[k]["size"] and chars[k + 5]["bottom"] < chars[k]["bottom"]


@pytest.mark.parametrize("name", ["chromium-landscape-2025.pdf", "writer-landscape-2025.pdf"])
def test_landscape_pages(name):
    assert set(_pages(name)) == {(792.0, 612.0)}


def _rgb(color) -> tuple[float, ...]:
    """A fill colour to 3 places: a pdfplumber colour, or hex as the tool writes it ("1F3F6E")."""
    if isinstance(color, str):
        color = [int(color[k:k + 2], 16) / 255 for k in (0, 2, 4)]
    return tuple(round(v, 3) for v in color)


def test_a_header_on_a_dark_band_in_white_and_zebra_stripes():
    with pdfplumber.open(EDITIONS / "chromium-dark-header-zebra-2025.pdf") as pdf:
        page = pdf.pages[1]
        assert not page.lines  # no rules
        code = next(c for c in page.chars if c["text"] == "C" and 100 < c["top"] < 200)  # "CPT® Code"
        assert tuple(code["non_stroking_color"]) == (1, 1, 1)
        under = {_rgb(r["non_stroking_color"]) for r in page.rects
                 if r["x0"] <= code["x0"] <= r["x1"] and r["top"] <= code["top"] <= r["bottom"]}
        assert under == {_rgb(tool.DARK)}
        zebra = [r for r in page.rects if _rgb(r["non_stroking_color"]) == _rgb(tool.ZEBRA)]
        assert len({round(r["top"]) for r in zebra}) == 5  # every other one of nine code rows


def test_the_two_column_glossary_runs_over_a_page_break():
    with pdfplumber.open(EDITIONS / "writer-glossary-paragraphs-two-columns-2025.pdf") as pdf:
        terms = {(p.page_number, w["text"]): w["x0"] for p in pdf.pages[1:]
                 for w in p.extract_words() if w["text"].endswith(":") and w["text"][:-1] in dict(EDITION_2025.terms)}
    pages = {page for page, _ in terms}
    assert pages == {2, 3}
    assert {page: len({x > 300 for (p, _), x in terms.items() if p == page}) for page in pages} == {2: 2, 3: 2}


# ---------------------------------------------------------------- the test kit's additions


def test_a_setting_not_printed_has_no_payment_rows():
    rows = expected(EDITION_2025, SETTINGS[:3])
    assert {r[1] for r in rows["payments"]} == set(SETTINGS[:3])
    assert len(rows["payments"]) == 27 and rows["codes"] == expected(EDITION_2025)["codes"]
    with pytest.raises(ValueError):
        expected(EDITION_2025, ("medicaid",))


def test_the_statuses_that_print_no_amount_and_their_wordings():
    assert [amount_text(a) for a in (NOT_COVERED, PACKAGED, NA, Amount("not_applicable", wording="—"))] == [
        "Not covered", "Packaged", "NA", "—"]
    rows = FIXTURES["writer-no-payment-wordings-2025.pdf"].expected()["payments"]
    assert [r for r in rows if r[0] == "76940"] == [
        ("76940", "ambulatory_surgical_center", "packaged", None, None, None, None),
        ("76940", "hospital_outpatient", "packaged", None, None, None, None),
        ("76940", "physician_facility", "national_rate", Decimal("203.21"), Decimal("6.00"), None, None),
        ("76940", "physician_non_facility", "national_rate", Decimal("203.21"), Decimal("6.00"), None, None),
    ]
    whole = FIXTURES["writer-whole-dollars-2025.pdf"].expected()["payments"]
    assert ("0600T", "hospital_outpatient", "national_rate", Decimal("9874.00"), None, "5362", "J1") in whole


# ---------------------------------------------------------------- made again


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="re-making the pdflatex fixtures needs pdflatex")
def test_the_pdflatex_fixtures_are_what_the_script_makes():
    done = subprocess.run([sys.executable, "-m", "tools.make_edition_fixtures", "--check", "pdflatex"],
                          capture_output=True, text=True, cwd=ROOT)
    assert (done.returncode, done.stdout) == (0, "edition fixtures are up to date\n"), done.stderr


@pytest.mark.parametrize("name", sorted(n for n in FIXTURES if tool.producer(n) in ("writer", "chromium")))
def test_a_writer_or_chromium_fixture_is_the_same_bytes_whenever_it_is_made(name):
    """Both producers write the run's time into the PDF; the tool fixes it, so another run's PDF (another
    time) becomes the committed bytes (`python -m tools.make_edition_fixtures --check` makes them again)."""
    committed = (EDITIONS / name).read_bytes()
    fix = writer_reproducible if tool.producer(name) == "writer" else tool.reproducible
    assert fix(committed) == committed
    another_run = re.sub(rb"Date ?\(D:\d{14}", lambda m: m.group(0)[:-14] + b"20261202153908", committed)
    assert another_run != committed and len(another_run) == len(committed)
    assert fix(another_run) == committed
