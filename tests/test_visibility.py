"""Only what a viewer paints is published: each trick in `tests/fixtures/visibility/` gives its exact outcome.

Every fixture is the 2023 guide of `tools/testkit/guides.py` with one thing
done to it by `tools/make_visibility_fixtures.py`. A fixture either builds
with exactly the rows a viewer shows (hidden characters dropped and counted
in the manifest), or stops the build with one line naming file, page and
reason, leaving the earlier outputs byte for byte as they were.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tools.testkit.paths import FIXTURES, ROOT
from tools.testkit.guide_data import expected, published
from tools.testkit.guides import GUIDE_2023
from pipeline.extract import extract
from pipeline.run.build import parse_source
from tests.test_bad_input import assert_untouched, outputs, run  # noqa: F401  (outputs is a fixture)

VISIBILITY = FIXTURES / "visibility"
ROWS_2023 = expected(GUIDE_2023)

#: Fixtures a viewer reads as the plain 2023 guide: the characters hidden on each page, by reason.
BUILDS = {
    # an invisible "1" after the "$" of $9,342.87 (read as $19,342.87 before)
    "invisible-digit-2023.pdf": {2: {"invisible": 1}},
    # a "1" in the grey of its shaded band
    "band-coloured-digit-2023.pdf": {2: {"background": 1}},
    # "$19,342.87" with a white box drawn over the "1"
    "covered-digit-2023.pdf": {2: {"covered": 1}},
    # a header's lower line clipped by its cell, lying over the data cell below ("Ind5i3c6a2tor)")
    "clipped-header-line-2023.pdf": {2: {"clipped": 10}},
    # "ul\xad" / "trasound" and "con\xad" / "junction": the note's exclusions are found again
    "soft-hyphens-2023.pdf": {},
    # Chromium in Carlito: "ﬂuoroscopic", "eﬀective", "Classiﬁcation"
    "chromium-ligatures-2023.pdf": {},
    # $9,342.87 printed invisibly, then visibly at the same place: the visible one is read, the hidden
    # one counted (PDFium's text layer keeps only the first of the two)
    "invisible-same-amount-under-2023.pdf": {2: {"invisible": 9}},
    # the same, the invisible copy printed after the visible one
    "invisible-same-amount-over-2023.pdf": {2: {"invisible": 9}},
    # a "1" after the "$" of $9,342.87, squashed flat by a degenerate text matrix
    "flattened-digit-2023.pdf": {2: {"too_small": 1}},
}

#: Fixtures that stop the build, and the one line that says why.
STOPS = {
    "invisible-row-2023.pdf":
        "page 2: invisible text over the payment table: "
        "'0602T Ablation, irreversible electroporation, hidden $1.00 $1.00'",
    "invisible-note-2023.pdf":
        "page 2: invisible text over the payment table: '(Do not report 0600T in conjunction with 12345)'",
    "white-row-2023.pdf":
        "page 2: text in the colour of what lies under it over the payment table: "
        "'0602T Ablation, irreversible electroporation, hidden $1.00 $1.00'",
    "outside-crop-box-2023.pdf":
        "page 2: text outside the crop box in line with the payment table: "
        "'0602T Ablation, irreversible electroporation, hidden $1.00 $1.00'",
    "outside-media-box-2023.pdf":
        "page 2: text outside the page in line with the payment table: "
        "'0602T Ablation, irreversible electroporation, hidden $1.00 $1.00'",
    "clipped-row-2023.pdf":
        "page 2: text outside its clipping path over the payment table: "
        "'0602T Ablation, irreversible electroporation, hidden $1.00 $1.00'",
    "raised-cent-digit-2023.pdf":
        "page 2: 0600T hospital_outpatient: '$9,342.8' is followed by a raised '7' glued to its digits: "
        "the value cannot be read (a digit printed small, or a footnote mark?)",
    "scanned-under-ocr-2023.pdf":
        "page 2: the page is a scanned picture under a layer of invisible text (OCR); only text printed as "
        "text is read, and no OCR is trusted",
    "chromium-no-character-map-2023.pdf":
        "page 1: the text cannot be read: font Carlito has no character map",
    # another amount printed invisibly exactly over $9,342.87: the hidden text is named, over the value
    "invisible-amount-over-amount-2023.pdf":
        "page 2: invisible text over 0600T hospital_outpatient payment: '$1,234.56'",
    # an amount in font size 0 in the same cell: named as hidden text, never quoted as the cell's value
    "zero-size-amount-2023.pdf":
        "page 2: text too small to see over 0600T hospital_outpatient payment: '$1,234.56'",
    # a whole row in font size 0 under the last: named as hidden text, not as readings that disagree
    "zero-size-row-2023.pdf":
        "page 2: text too small to see in line with the payment table: "
        "'0602T Ablation, irreversible electroporation, hidden $1.00 $1.00'",
    # the ASC column headed as a second OPPS column: a duplicate setting, not a wording to add
    "two-opps-columns-2023.pdf":
        "page 2: payment table columns 8 and 9 both hold the hospital_outpatient payment (under 'Hospital OPPS "
        "Payment' and 'Hospital OPPS Payment'): a setting printed twice cannot be read",
}


def parse(name: str):
    path = VISIBILITY / name
    return parse_source(path, path.parent)


def test_every_fixture_is_asserted():
    assert sorted(BUILDS) + sorted(STOPS) and \
        {p.name for p in VISIBILITY.glob("*.pdf")} == set(BUILDS) | set(STOPS)


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_a_guide_builds_with_exactly_what_a_viewer_shows(name):
    guide = parse(name)
    assert published(guide.tables) == ROWS_2023
    assert guide.guide_year == 2023 and str(guide.effective_date) == "2023-01-01"
    assert guide.document_number == "US/ON/MS/187 REV 08 12/2022"
    assert guide.hidden == BUILDS[name]


@pytest.mark.parametrize("name", sorted(STOPS))
def test_a_trick_stops_the_build_with_one_line_and_earlier_outputs_untouched(name, tmp_path, outputs):  # noqa: F811
    source = tmp_path / "sources" / name
    source.parent.mkdir(parents=True)
    shutil.copy(VISIBILITY / name, source)
    result = run(tmp_path / "sources", outputs)
    assert result.exit_code == 1
    assert result.stderr == f"FAILED {source}: {STOPS[name]}\n"
    assert result.stdout == "0 built, 1 failed\n"
    assert_untouched(outputs)


def test_the_manifest_records_hidden_characters_per_page_and_reason(tmp_path):
    sources = tmp_path / "sources" / "2023"
    sources.mkdir(parents=True)
    shutil.copy(VISIBILITY / "clipped-header-line-2023.pdf", sources)
    result = run(tmp_path / "sources", tmp_path / "outputs")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "outputs" / "2023" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["hidden_characters"] == {"2": {"clipped": 10}}


def test_hidden_text_is_kept_as_runs_with_their_reason_and_box():
    raw = extract(VISIBILITY / "clipped-header-line-2023.pdf")
    runs = raw.hidden[["page", "reason", "text", "chars"]].to_dict("records")
    assert runs == [{"page": 2, "reason": "clipped", "text": "Indicator)", "chars": 10}]
    # the data cell it lay over reads as printed
    apc = raw.cells[raw.cells["text"].str.startswith("5362")]
    assert list(apc["text"])[:1] == ["5362\n(J1)"]


def test_the_committed_guides_hide_nothing(guide_2022):
    assert guide_2022.hidden == {}
    for name in ("reportlab-ruled-2023.pdf", "libreoffice-shaded-2023.pdf", "reportlab-shaded-2023.pdf"):
        assert not len(extract(FIXTURES / name).hidden), name


def test_the_visibility_fixtures_are_what_the_script_makes():
    done = subprocess.run([sys.executable, "-m", "tools.make_visibility_fixtures", "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
