"""Good guides whose prose reads oddly to one engine build exactly, and their manifests count the oddity.

Each fixture in `tests/fixtures/prose/` (made by `tools/make_prose_fixtures.py`, committed) is the 2023
guide with prose printed by an everyday producer that leaves something odd in it: a glyph no font maps,
a line the two engines read differently, a list marker read elsewhere, a typographic quote one engine
drops. None is in a published value, a header or a line a document fact is read from, so each must
give exactly the rows of its guide data; what the checks found is counted, page by page. The tests
also pin the oddity itself, line by line as both engines read it, so a fixture that stopped carrying
it would be noticed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pdfplumber
import pytest

from pipeline.extract import extract
from pipeline.run.build import parse_source
from pipeline.text import squash
from tests.test_bad_input import run
from tools.make_prose_fixtures import FIXTURES_MADE, JUSTIFIED, TARGET
from tools.testkit.guide_data import expected, published
from tools.testkit.paths import ROOT

#: What each fixture's manifest counts: glyphs no font maps, and lines read differently, by page.
COUNTS = {
    # two bullets in Helvetica (no character map: pdfminer reads no character, PDFium "•"), and a line
    # of Symbol-font glyphs pdfminer reads as other characters ("→" as "fi")
    "reportlab-bullets-symbols-2023.pdf": ({2: 2}, {2: 1}),
    # the list markers, read after their lines by PDFium: the same letters
    "weasyprint-lists-2023.pdf": ({}, {}),
    "writer-justified-2023.pdf": ({}, {}),
    # U+F0B7 bullets, which PDFium reads as nothing: a list marker
    "writer-symbol-bullets-2023.pdf": ({}, {}),
    # right quotes PDFium reads as nothing: punctuation
    "pdflatex-typographic-quotes-2023.pdf": ({}, {}),
    # the raised "7" ending the second line reaches into the box of the first, where PDFium reads it
    "pdftocairo-footnote-marks-2023.pdf": ({}, {2: 1}),
    # bullets, quotes and dashes without their character maps after the round trip, in bold and regular
    "ps-round-trip-2023.pdf": ({2: 11}, {}),
}

#: Each fixture's oddity: the lines of its prose the two engines read differently as printed (whitespace
#: aside), as (page, pdfminer's reading, PDFium's reading). U+FFFD is a glyph no font maps.
ODDITIES = {
    "reportlab-bullets-symbols-2023.pdf": [
        (2, "\ufffd Guarantee coverage by third party health payors.",
         "• Guarantee coverage by third party health payors"),
        (2, "\ufffd Verify each code with the payer before the procedure is performed.",
         "• Verify each code with the payer before the procedure is performed"),
        (2, "Payments shown fi national averages; a payer may pay ‡ or £ these amounts. Amounts may vary ± 2% by "
            "locality. ©",
         "Payments shown → national averages; a payer may pay ≥ or ≤ these amounts. Amounts may vary ± 2% by "
         "locali"),
    ],
    "weasyprint-lists-2023.pdf": [
        (2, "• Guarantee coverage by third party health payors.", "Guarantee coverage by third party health payors.•"),
        (2, "• Verify each code with the payer before the procedure is performed.",
         "Verify each code with the payer before the procedure is performed.•"),
    ],
    "writer-justified-2023.pdf": [],
    "writer-symbol-bullets-2023.pdf": [
        (2, "\uf0b7 Guarantee coverage by third party health payors.", "Guarantee coverage by third party health payors."),
        (2, "\uf0b7 Verify each code with the payer before the procedure is performed.",
         "Verify each code with the payer before the procedure is performed."),
    ],
    "pdflatex-typographic-quotes-2023.pdf": [
        (3, "The payer’s “medical necessity” rules apply: a claim’s codes must match what the record shows, and the "
            "provider’s",
         "The payers “medical necessity” rules apply: a claims codes must match what the record shows, and the "
         "providers"),
    ],
    "pdftocairo-footnote-marks-2023.pdf": [
        (2, "Payments shown are national averages and are not adjusted for geographic differences by the local "
            "contractor.6 Local",
         "Payments shown are national averages and are not adjusted for geographic differences by the local "
         "contractor.6 Local 7"),
    ],
    "ps-round-trip-2023.pdf": [
        (2, "Coverage \ufffd Payment \ufffd \ufffdNotes\ufffd plain \ufffd bullet\ufffds \ufffdquote\ufffd \ufffd dash",
         "Coverage \x01 Payment \x02 \x03Notes\x04 plain \x01 bullet\x02s \x03quote\x04 \x05 dash"),
        (2, "\ufffd Guarantee coverage by third party health payors.",
         "\x01 Guarantee coverage by third party health payors."),
        (2, "\ufffd Verify each code with the payer before the procedure is performed.",
         "\x01 Verify each code with the payer before the procedure is performed."),
    ],
}


def parse(name: str):
    path = TARGET / name
    return parse_source(path, path.parent)


def test_every_prose_fixture_is_committed_and_asserted():
    assert sorted(p.name for p in TARGET.glob("*.pdf")) == sorted(FIXTURES_MADE) == sorted(COUNTS) == sorted(ODDITIES)


@pytest.mark.parametrize("name", sorted(FIXTURES_MADE))
def test_a_guide_with_odd_prose_builds_exactly_and_counts_what_it_found(name):
    data = FIXTURES_MADE[name][0]
    guide = parse(name)
    assert published(guide.tables) == expected(data)
    assert guide.guide_year == 2023 and str(guide.effective_date) == "2023-01-01"
    assert guide.document_number == data.document_number and guide.title == "2023 NanoKnife CPT Reimbursement Guide"
    assert guide.hidden == {}
    assert (guide.unmapped, guide.differing) == COUNTS[name]


@pytest.mark.parametrize("name", sorted(FIXTURES_MADE))
def test_the_prose_carries_its_oddity(name):
    lines = extract(TARGET / name).lines
    odd = [(int(r.page), squash(r.text), squash(r.reread)) for r in lines.itertuples()
           if "".join(r.text.split()) != "".join(r.reread.split())]
    assert odd == ODDITIES[name]


def _word_gaps(name: str, page: int) -> dict[str, tuple[float, float]]:
    """Each printed line of a page by its first 20 characters: the mean gap between its words, and where it ends."""
    with pdfplumber.open(TARGET / name) as pdf:
        words = pdf.pages[page - 1].extract_words()
    lines: dict[int, list[dict]] = {}
    for w in words:
        lines.setdefault(round(w["top"]), []).append(w)
    out = {}
    for line in lines.values():
        line.sort(key=lambda w: w["x0"])
        gaps = [b["x0"] - a["x1"] for a, b in zip(line, line[1:])]
        out[" ".join(w["text"] for w in line)[:20]] = (sum(gaps) / len(gaps) if gaps else 0.0, line[-1]["x1"])
    return out


def test_writers_justified_lines_are_stretched_to_the_margin():
    lines = _word_gaps("writer-justified-2023.pdf", 2)
    plain, _ = lines["• Guarantee coverage"]  # set flush left: its word gaps are the font's space
    stretched = [lines["provider should conf"], lines["is responsible for t"]]
    assert all(gap > 1.25 * plain for gap, _ in stretched)
    assert abs(stretched[0][1] - stretched[1][1]) < 1.0  # both end at the right margin


def test_a_published_descriptor_keeps_its_typographic_quotes_and_a_descriptor_its_footnote_mark():
    quoted = parse("pdflatex-typographic-quotes-2023.pdf").tables["codes"]
    assert list(quoted[quoted["cpt_code"] == "47382"]["descriptor"]) == [
        "Ablation, 1 or more liver tumor(s); “percutaneous”, the surgeon’s radiofrequency"]
    marked = parse("pdftocairo-footnote-marks-2023.pdf")
    assert {"table": "codes", "text": "0601T", "marks": ["5"], "page": 2} in marked.footnotes


def test_the_manifest_records_what_was_counted(tmp_path):
    sources = tmp_path / "sources" / "2023"
    sources.mkdir(parents=True)
    shutil.copy(TARGET / "reportlab-bullets-symbols-2023.pdf", sources)
    result = run(tmp_path / "sources", tmp_path / "outputs")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "outputs" / "2023" / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["hidden_characters"], manifest["unmapped_characters"], manifest["differing_readings"]) == \
        ({}, {"2": 2}, {"2": 1})


def test_the_prose_fixtures_are_what_their_producers_make():
    done = subprocess.run([sys.executable, "-m", "tools.make_prose_fixtures", "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "prose fixtures are up to date"
