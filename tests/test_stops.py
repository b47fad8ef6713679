"""Each kind of stop names the published value, document fact or reading cue it protects.

One real PDF per check (`tests/fixtures/stops/`, made by `tools/make_prose_fixtures.py`, and one of
`tests/fixtures/visibility/`): the oddity the prose fixtures only count (`tests/test_prose.py`) put
where it matters. Each build stops with exactly its line, through the command line, and leaves the
earlier outputs as they were.
"""

from __future__ import annotations

import shutil

import pytest

from pipeline.errors import HiddenText, ReadingsDisagree, UnreadableText
from pipeline.run.build import parse_source
from tests.test_bad_input import assert_untouched, outputs, run  # noqa: F401  (outputs is a fixture)
from tools.make_prose_fixtures import STOPS, STOPS_MADE
from tools.testkit.paths import FIXTURES

DESCRIPTOR_0601T = ("Ablation, irreversible electroporation; • 1 or more tumors, including fluoroscopic and "
                    "ultrasound guidance, when performed, open (Do not report 0601T in conjunction with 76940, 77002)")

#: fixture -> (the error, the one line it stops with)
CASES = {
    # a glyph no font maps (a Helvetica bullet: PDFium reads "•", pdfminer nothing) ...
    # ... in a published value
    "unmapped-glyph-in-descriptor-2023.pdf": (UnreadableText, (
        f"page 2: 0601T descriptor {DESCRIPTOR_0601T!r} cannot be read: font Helvetica has no character map")),
    # ... in a header cell the table is read by (a cue; normalize names the cause, not an unknown wording)
    "unmapped-glyph-in-header-2023.pdf": (UnreadableText, (
        "page 2: the payment table header cell 'ASC Payment4 •' cannot be read: font Helvetica-Bold has no "
        "character map")),
    # ... in the line a document fact is read from (PDFium reads no glyph there: U+FFFD is quoted)
    "unmapped-glyph-in-effective-date-line-2023.pdf": (UnreadableText, (
        "page 2: the line printing the effective date 'The following CPT codes and average payment amounts are "
        "effective as of January 1, 2023. \ufffd' cannot be read: font Helvetica has no character map")),
    # the two readings differ (the Symbol font: PDFium reads its own encoding, pdfminer the standard one) ...
    # ... in a money cell, character for character
    "symbol-font-dollar-in-amount-2023.pdf": (ReadingsDisagree, (
        "page 2: 0600T hospital_outpatient payment: the two readings disagree: pdfminer read '$9,342.87', "
        "PDFium read '∃9,342.87'")),
    # ... in a letter of a descriptor
    "symbol-font-letter-in-descriptor-2023.pdf": (ReadingsDisagree, (
        "page 2: 47382 descriptor: the two readings disagree: pdfminer read 'Ablation, 1 or more liver "
        "tumor(s); percutaneous, radiofrequency', PDFium read 'Ablαtion, 1 or more liver tumor(s); "
        "percutaneous, radiofrequency'")),
}
#: Hidden text that reads like a row, over the payment table (`tests/test_visibility.py` has every other trick).
HIDDEN_ROW = (FIXTURES / "visibility" / "invisible-row-2023.pdf", HiddenText,
              "page 2: invisible text over the payment table: "
              "'0602T Ablation, irreversible electroporation, hidden $1.00 $1.00'")


def test_every_stop_fixture_is_committed_and_asserted():
    assert sorted(p.name for p in STOPS.glob("*.pdf")) == sorted(STOPS_MADE) == sorted(CASES)


@pytest.mark.parametrize("path, error, line", [(STOPS / name, *case) for name, case in sorted(CASES.items())]
                         + [HIDDEN_ROW], ids=lambda v: getattr(v, "name", None))
def test_a_stop_names_the_value_or_cue_it_protects(path, error, line):
    with pytest.raises(error) as caught:
        parse_source(path, path.parent)
    assert str(caught.value) == line


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_build_fails_with_that_line_and_earlier_outputs_untouched(name, tmp_path, outputs):  # noqa: F811
    source = tmp_path / "sources" / name
    source.parent.mkdir(parents=True)
    shutil.copy(STOPS / name, source)
    result = run(tmp_path / "sources", outputs)
    assert (result.exit_code, result.stdout) == (1, "0 built, 1 failed\n")
    assert result.stderr == f"FAILED {source}: {CASES[name][1]}\n"
    assert_untouched(outputs)
