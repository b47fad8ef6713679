"""The same guide printed by other producers: Chromium, pdfLaTeX, LuaLaTeX, re-distillers, DTP-style streams.

Every fixture in `tests/fixtures/producers/` (made by `tools/make_producer_fixtures.py`, committed) must
give exactly the rows of the guide data it was made from (`guide_data.expected`), or stop with exactly
its line. Each producer leaves other cues for a table's structure; the tests below also pin the cue
each fixture is there for, so a fixture that stopped showing it would be noticed.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pdfplumber
import pytest

from tools.testkit.paths import FIXTURES, ROOT
from tools.testkit.guide_data import expected, published
from tools.testkit.guides import BREAK_2025, GUIDE_2023
from tools.make_producer_fixtures import _TTF, CHROMIUM, CONTINUED, DTP, LATEX, OPPS_UNKNOWN, REDISTILLED
from pipeline.errors import LayoutError
from pipeline.extract import extract
from pipeline.run.build import parse_source

PRODUCERS = FIXTURES / "producers"

#: Fixtures that stop, with their line.
STOPS = {
    "chromium-zebra-unknown-opps-group-header-2023.pdf":
        f"page 2: payment table header {OPPS_UNKNOWN!r} is not a known wording; if it is a new wording for a "
        "known column, add it to pipeline/vocab/payment_headers.csv",
    "pdflatex-grid-glossary-without-row-rules-2023.pdf":
        "page 3: a ruled table cell holds two entries, 'AMA' and 'ASC', with no rule between them: its rows "
        "cannot be told apart as drawn",
}

#: Fixtures that build with a warning.
WARNINGS = {
    "chromium-zebra-procedure-group-header-2023.pdf": [{
        "page": 2, "wording": "Procedure",
        "message": "page 2: payment table group header 'Procedure' is not a known wording; the columns under it "
                   "are named by their own headers, so it was left out (add it to "
                   "pipeline/vocab/payment_headers.csv to say what it means)"}],
}


def _guide_of(name: str):
    return BREAK_2025 if "2025" in name else GUIDE_2023


MATRIX = sorted([*CHROMIUM, *LATEX, *REDISTILLED, *DTP])


def parse(name: str):
    path = PRODUCERS / name
    return parse_source(path, path.parent)


def test_the_matrix_is_committed_whole():
    assert sorted(p.name for p in PRODUCERS.glob("*.pdf")) == MATRIX
    assert len(MATRIX) == 21  # 7 Chromium, 4 LaTeX, 6 re-distilled, 4 DTP


@pytest.mark.parametrize("name", [n for n in MATRIX if n not in STOPS])
def test_every_producer_gives_exactly_the_rows_of_its_guide(name):
    guide = parse(name)
    data = _guide_of(name)
    assert published(guide.tables) == expected(data)
    assert guide.guide_year == data.year and str(guide.effective_date) == f"{data.year}-01-01"
    assert guide.document_number == data.document_number
    assert guide.warnings == WARNINGS.get(name, [])


@pytest.mark.parametrize("name", sorted(STOPS))
def test_what_cannot_be_read_as_drawn_stops_with_one_line(name):
    with pytest.raises(LayoutError) as exc:
        parse(name)
    assert str(exc.value) == STOPS[name]


# ---------------------------------------------------------------- the cue each fixture is there for

def _cells(name: str, page: int):
    cells = extract(PRODUCERS / name).cells
    return cells[cells["page"] == page]


def _producer(name: str) -> str:
    with pdfplumber.open(PRODUCERS / name) as pdf:
        return str(pdf.metadata.get("Producer", ""))


@pytest.mark.parametrize("name, producer", [
    ("chromium-zebra-carlito-2023.pdf", "Skia/PDF"), ("pdflatex-longtable-grid-2025.pdf", "pdfTeX"),
    ("lualatex-booktabs-2023.pdf", "LuaTeX"),
    ("gs-pdfwrite-of-reportlab-shaded-2023.pdf", "GPL Ghostscript"),
    ("pdftocairo-of-reportlab-shaded-2023.pdf", "cairo"),
])
def test_each_fixture_is_made_by_its_producer(name, producer):
    assert _producer(name).startswith(producer)


def test_qpdf_packed_the_objects_into_object_streams():
    data = (PRODUCERS / "qpdf-object-streams-of-reportlab-shaded-2023.pdf").read_bytes()
    assert b"/ObjStm" in data and b"/ObjStm" not in (FIXTURES / "reportlab-shaded-2023.pdf").read_bytes()


@pytest.mark.parametrize("name", ["chromium-zebra-carlito-2023.pdf", "chromium-zebra-sans-2023.pdf"])
def test_a_header_cells_fill_gives_its_span_not_how_far_its_words_reach(name):
    # "Physician Fee Schedule" is set flush left in a box over four columns; its words reach two
    with pdfplumber.open(PRODUCERS / name) as pdf:
        page = pdf.pages[1]
        assert not page.lines and len(page.rects) > 20  # no rules: every cell paints its own box
    header = _cells(name, 2)
    physician = header[header["text"].str.startswith("Physician Fee Schedule")]
    assert list(zip(physician["col"], physician["col_span"])) == [(2, 4)]
    words = physician.iloc[0]
    assert words["x1"] - words["x0"] < 100  # printed narrower than the 164 pt it spans


def test_booktabs_draws_horizontal_rules_only_and_its_glossary_rows_sit_a_line_apart():
    with pdfplumber.open(PRODUCERS / "lualatex-booktabs-2023.pdf") as pdf:
        page = pdf.pages[2]
        edges = page.lines + page.rects
        assert edges and all(abs(e["top"] - e["bottom"]) < 1 for e in edges)  # no vertical rule at all
    terms = _cells("lualatex-booktabs-2023.pdf", 3)
    firsts = terms[(terms["col"] == 0) & (terms["row"] > 0)].sort_values("row")
    assert list(firsts["text"])[:3] == ["AMA", "ASC", "CMS"]
    gaps = firsts["top"].diff().dropna()
    assert gaps.max() < 12  # one line of text apart


def test_a_longtables_continued_foot_and_page_numbers_belong_to_no_cell():
    raw = extract(PRODUCERS / "pdflatex-longtable-booktabs-2025.pdf")
    assert not raw.cells["text"].str.contains("Continued").any()
    foot = raw.lines[raw.lines["text"] == CONTINUED]
    assert sorted(set(foot["page"])) == [2, 4]  # under each part of a table that goes on


def test_a_bold_heading_a_few_points_under_the_glossary_ends_it():
    raw = extract(PRODUCERS / "lualatex-booktabs-2023.pdf")
    heading = raw.lines[raw.lines["text"] == "OTHER RESOURCES"].iloc[0]
    last_term = raw.cells[(raw.cells["page"] == 3)]["bottom"].max()
    assert 0 < heading["top"] - last_term < 8
    assert not raw.cells["text"].str.contains("OTHER RESOURCES").any()


@pytest.mark.parametrize("name", ["dtp-filled-clipped-repeated-header-2025.pdf",
                                  "dtp-ruled-clipped-repeated-header-2025.pdf"])
def test_a_repeated_header_clipped_by_its_producer_is_the_header_repeated(name):
    first, repeated = _cells(name, 2), _cells(name, 3)
    assert "ASC Payment4\n(Payment\nIndicator)" in set(first["text"])
    assert "ASC Payment4\n(Payment" in set(repeated["text"])
    assert parse(name).tables["codes"]["source_page"].max() == 3


def _content(name: str, page: int) -> bytes:
    with pdfplumber.open(PRODUCERS / name) as pdf:
        return b"".join(s.get_data() for s in _streams(pdf.pages[page - 1].page_obj))


def _streams(page_obj):
    from pdfminer.pdftypes import resolve1

    contents = resolve1(page_obj.attrs["Contents"])
    return [resolve1(c) for c in contents] if isinstance(contents, list) else [contents]


def test_dtp_streams_write_one_glyph_at_a_time_or_tj_arrays_without_space_glyphs():
    glyphs = _content("dtp-positioned-glyphs-2023.pdf", 2)
    shows = re.findall(rb"Tm (\((?:[^()\\]|\\.)*\)) Tj", glyphs)
    assert shows and all(len(s) == 3 or s.startswith(b"(\\") for s in shows)  # one glyph per Tj
    assert b"( )" not in glyphs
    arrays = _content("dtp-identity-h-tj-offsets-2023.pdf", 2)
    tj = re.findall(rb"\[([^\]]*)\] TJ", arrays)
    assert tj and any(re.search(rb"> -\d+ <", t) for t in tj)  # word gaps are offsets
    space = b"<0001>"  # the subset's first glyph is the space
    assert all(space not in t for t in tj)
    assert b"/Identity-H" in (PRODUCERS / "dtp-identity-h-tj-offsets-2023.pdf").read_bytes()


def test_dtp_header_text_is_white_on_dark_fills_and_money_is_right_aligned():
    with pdfplumber.open(PRODUCERS / "dtp-identity-h-tj-offsets-2023.pdf") as pdf:
        page = pdf.pages[1]
        code = next(c for c in page.chars if c["text"] == "C" and c["top"] > 100)  # "CPT® Code"
        assert tuple(code["non_stroking_color"]) == (1,)
        assert any(r["non_stroking_color"] == (0.122, 0.247, 0.431) and r["x0"] <= code["x0"] <= r["x1"]
                   for r in page.rects)
    cells = _cells("dtp-identity-h-tj-offsets-2023.pdf", 2)
    money = cells[cells["text"].isin(["21.36", "6.04"]) & (cells["col"] == 5)]  # facility RVUs
    assert money["x1"].round(1).nunique() == 1  # right edges line up, left edges do not
    assert money["x0"].round(1).nunique() == 2


@pytest.mark.skipif(not all(p.exists() for p in _TTF.values()),
                    reason="re-making the DTP fixtures needs Liberation Sans (apt-get install fonts-liberation2)")
def test_the_dtp_fixtures_are_what_the_script_writes():
    done = subprocess.run([sys.executable, "-m", "tools.make_producer_fixtures", "--check", "dtp"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "producer fixtures are up to date\n"
