"""The report shows what the build read but never checked (issue #22 item 6): outlined, counted, summed.

A build stops only where an oddity is in a published value, a document fact or a reading cue; anywhere
else a glyph no font maps and a line or cell the two engines read differently are counted in the
manifest. The report outlines each of them dotted on its page, says what it is on hover, counts them
page by page and in the summary, and is refused when what it reads again from the source does not add
up to the manifest. The guides of `tests/fixtures/prose/` (tests/test_prose.py) carry these oddities in
their prose; each is built and its report made by the real pipeline in a temporary folder.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from pipeline.cli import main
from pipeline.extract import extract, page_images
from pipeline.publish import read_tables
from pipeline.readers import inspect as report
from pipeline.readers import unchecked
from pipeline.readers.unchecked import Oddity, oddities_of
from pipeline.run.build import build
from tools.make_prose_fixtures import TARGET

NOTHING = ("Nothing unchecked: every glyph printed here has a character map, and the two engines read every line "
           "and cell alike.")
NOTHING_IN_ALL = ("Outside the published values, nothing unchecked: no text hidden, every glyph with a character "
                  "map, every line and cell read alike by the two engines.")

#: Per fixture: page 2's note (pages 1 and 3 hold nothing unchecked), the boxes outlined dotted on page 2
#: as (kind, box in points), and the summary at the top of the report.
SHOWN = {
    "reportlab-bullets-symbols-2023.pdf": (
        "2 characters without a character map (font Helvetica), 1 line read differently by the two engines",
        [("unmapped", "49.2 480.87 49.2 490.37"), ("unmapped", "49.2 499.37 49.2 508.87"),
         ("line", "49.2 515.9 523.75 527.37")],
        "Outside the published values, not checked: 2 characters without a character map on page 2 (font "
        "Helvetica); 1 line read differently by the two engines on page 2. Each is outlined on its page."),
    "ps-round-trip-2023.pdf": (
        "11 characters without a character map (fonts LiberationSans-Bold: 4, LiberationSans: 7)",
        [("unmapped", "95.14 480.9 191.38 490.4"), ("unmapped", "216.73 480.87 297.14 490.37"),
         ("unmapped", "49.2 499.37 52.52 508.87"), ("unmapped", "49.2 517.87 52.52 527.37")],
        "Outside the published values, not checked: 11 characters without a character map on page 2 (fonts "
        "LiberationSans-Bold: 4, LiberationSans: 7). Each is outlined on its page."),
    "pdftocairo-footnote-marks-2023.pdf": (
        "1 line read differently by the two engines",
        [("line", "49.2 478.11 545.03 490.97")],
        "Outside the published values, not checked: 1 line read differently by the two engines on page 2. Each "
        "is outlined on its page."),
    "weasyprint-lists-2023.pdf": (NOTHING, [], NOTHING_IN_ALL),
    "writer-justified-2023.pdf": (NOTHING, [], NOTHING_IN_ALL),
    "writer-symbol-bullets-2023.pdf": (NOTHING, [], NOTHING_IN_ALL),
    "pdflatex-typographic-quotes-2023.pdf": (NOTHING, [], NOTHING_IN_ALL),
}


def _published(pdf: Path, root: Path) -> Path:
    """`pdf` built into `root/outputs` by the real pipeline; its source under `root/sources`."""
    source = root / "sources" / "2023" / pdf.name
    source.parent.mkdir(parents=True)
    shutil.copy(pdf, source)
    assert [o.status for o in build(root / "sources", root / "outputs")] == ["built"]
    return root / "outputs" / "2023"


def inspect(folder: Path):
    return CliRunner().invoke(main, ["inspect", "2023", "--outputs", str(folder.parent),
                                     "--sources", str(folder.parent.parent / "sources")])


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """`reports(name)`: the folder of fixture `name`'s published year, its report made, once for the module."""
    made: dict[str, Path] = {}

    def made_for(name: str) -> Path:
        if name not in made:
            folder = _published(TARGET / name, tmp_path_factory.mktemp("unchecked"))
            result = inspect(folder)
            assert result.exit_code == 0, result.output
            made[name] = folder
        return made[name]

    return made_for


def _html(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def test_every_prose_fixture_is_asserted():
    assert sorted(SHOWN) == sorted(p.name for p in TARGET.glob("*.pdf"))


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_each_page_counts_what_was_not_checked_and_outlines_it(reports, name):
    note, outlined, summary = SHOWN[name]
    folder = reports(name)
    html = _html(folder)
    assert sorted(p.name for p in (folder / "report").iterdir()) == ["page-2.png", "page-3.png"]
    assert re.findall(r'<p class="unchecked-note" id="unchecked-(\d+)"><strong>([^<]*)</strong>', html) == [
        ("2", note), ("3", NOTHING)]
    assert re.findall(r'<span class="unchecked" data-kind="([a-z]+)" data-box="([^"]*)"', html) == outlined
    assert re.findall(r'<p id="unchecked">([^<]*)</p>', html) == [summary]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    unmapped = sum(int(n) for n in re.findall(r"(\d+) characters? without", note))
    differing = len([kind for kind, _ in outlined if kind != "unmapped"])
    assert (sum(manifest["unmapped_characters"].values()), sum(manifest["differing_readings"].values())) == \
        (unmapped, differing)


def test_the_hover_text_says_what_each_oddity_is(reports):
    """A glyph run: its font and PDFium's reading of its box (reportlab's Helvetica bullet has no width, so
    PDFium reads nothing there: its line's readings say what it is); a line: the two readings side by side.
    Codes PDFium gives for glyphs it cannot map either are shown as code points."""
    titles = re.findall(r'<span class="unchecked"[^>]* title="([^"]*)"',
                        _html(reports("reportlab-bullets-symbols-2023.pdf")))
    assert titles == [
        "not checked: 1 character without a character map (font Helvetica), not published\n"
        "PDFium reads no character in its box\n"
        "its line: pdfminer “\ufffd Guarantee coverage by third party health payors.” · "
        "PDFium “• Guarantee coverage by third party health payors”\n"
        "box 49.2, 480.87, 49.2, 490.37 pt",
        "not checked: 1 character without a character map (font Helvetica), not published\n"
        "PDFium reads no character in its box\n"
        "its line: pdfminer “\ufffd Verify each code with the payer before the procedure is performed.” · "
        "PDFium “• Verify each code with the payer before the procedure is performed”\n"
        "box 49.2, 499.37, 49.2, 508.87 pt",
        "not checked: a line read differently by the two engines, not published\n"
        "pdfminer: “Payments shown fi national averages; a payer may pay ‡ or £ these amounts. Amounts may vary "
        "± 2% by locality. ©”\n"
        "PDFium: “Payments shown → national averages; a payer may pay ≥ or ≤ these amounts. Amounts may vary ± "
        "2% by locali”\n"
        "box 49.2, 515.9, 523.75, 527.37 pt"]
    bullet = re.findall(r'<span class="unchecked"[^>]* title="([^"]*)"', _html(reports("ps-round-trip-2023.pdf")))[2]
    assert bullet == (
        "not checked: 1 character without a character map (font LiberationSans), not published\n"
        "PDFium reads “[U+0001]” there\n"
        "its line: pdfminer “\ufffd Guarantee coverage by third party health payors.” · "
        "PDFium “[U+0001] Guarantee coverage by third party health payors.”\n"
        "box 49.2, 499.37, 52.52, 508.87 pt")


def test_each_oddity_is_listed_under_its_note(reports):
    html = _html(reports("pdftocairo-footnote-marks-2023.pdf"))
    [items] = re.findall(r'id="unchecked-2">.*?</p><ul>(.*?)</ul>', html)
    assert items == (
        "<li>line read differently: pdfminer “Payments shown are national averages and are not adjusted for "
        "geographic differences by the local contractor.6 Local”, PDFium “Payments shown are national averages "
        "and are not adjusted for geographic differences by the local contractor.6 Local 7”, "
        "box 49.2, 478.11, 545.03, 490.97 pt</li>")


def test_the_outline_is_dotted_a_point_outside_the_box(reports):
    """The line reportlab's Symbol-font glyphs are read differently in, box (49.2, 515.9, 523.75, 527.37) pt:
    its outline's top edge is at 2 x (515.9 - 1) = 1030 pixels, in dots of 2 pixels 2 apart from its left
    corner at 2 x (49.2 - 1) = 96."""
    name = "reportlab-bullets-symbols-2023.pdf"
    clean = page_images(TARGET / name, [2], report.RESOLUTION)[2]
    with Image.open(reports(name) / "report" / "page-2.png") as drawn:
        top = [drawn.getpixel((x, 1030)) == report.UNCHECKED_COLOR for x in range(96, 112)]
        assert top == [True, True, False, False] * 4
        left = [drawn.getpixel((96, y)) == report.UNCHECKED_COLOR for y in range(1030, 1046)]
        assert left == [True, True, False, False] * 4  # the left edge, from the same corner
        assert clean.getpixel((96, 1030)) != report.UNCHECKED_COLOR
        # the print inside is left as it was
        assert drawn.crop((100, 1036, 1040, 1052)).tobytes() == clean.crop((100, 1036, 1040, 1052)).tobytes()


def test_the_legend_names_the_dotted_outline(reports):
    assert ('<span><i style="border-color: rgb(23, 190, 207); border-style: dotted"></i>text read but not checked: '
            "no character map, or read differently by the two engines (not published)</span>"
            in _html(reports("weasyprint-lists-2023.pdf")))


def test_a_page_of_prose_alone_with_an_oddity_is_pictured(reports):
    """No fixture's oddity is on a page without a table; the rule is pinned on reportlab's, whose page 2
    is taken as if its table were not there: its prose's oddities alone bring it into the report."""
    name = "reportlab-bullets-symbols-2023.pdf"
    raw = extract(TARGET / name)
    provenance = read_tables(reports(name))["provenance"]
    cells, provenance = raw.cells[raw.cells["page"] != 2], provenance[provenance["page"] != 2]
    assert report.report_pages(cells, provenance, raw.hidden) == [3]
    assert report.report_pages(cells, provenance, raw.hidden, oddities_of(raw)) == [2, 3]


@pytest.mark.parametrize("key, counts, line", [
    ("unmapped_characters", {"2": 3},
     "the source's characters without a character map {'2': 2} are not the {'2': 3} its manifest records"),
    ("differing_readings", {},
     "the source's lines and cells read differently {'2': 1} are not the {} its manifest records"),
    ("hidden_characters", {"2": {"clipped": 1}},
     "the source's hidden characters {} are not the {'2': {'clipped': 1}} its manifest records"),
])
def test_counts_that_do_not_add_up_to_the_manifest_refuse_the_report(tmp_path, reports, key, counts, line):
    folder = tmp_path / "outputs" / "2023"
    shutil.copytree(reports("reportlab-bullets-symbols-2023.pdf").parent.parent, tmp_path, dirs_exist_ok=True)
    (folder / "report.html").unlink()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, key: counts}), encoding="utf-8")
    result = inspect(folder)
    source = tmp_path / "sources" / "2023" / "reportlab-bullets-symbols-2023.pdf"
    assert (result.exit_code, result.output) == (
        1, f"Error: {source}: {line} (built by another pipeline version? rebuild with make build)\n")
    assert not (folder / "report.html").exists()


def test_cells_and_several_pages_are_said_as_such():
    """No fixture has a cell read differently, or oddities on two pages: the words for them, on records."""
    line = Oddity(2, "line", (10, 10, 90, 20), "a", "b")
    cells = [Oddity(5, "cell", (10, 10, 90, 20), "c", "d"), Oddity(5, "cell", (10, 30, 90, 40), "e", "f")]
    glyphs = Oddity(5, "unmapped", (10, 50, 12, 60), "\ufffd", "•", font="Symbol", chars=1)
    assert unchecked.statement(cells + [glyphs]) == (
        "1 character without a character map (font Symbol), 2 cells read differently by the two engines")
    assert unchecked.summary({2: {"clipped": 3, "invisible": 1}}, [line, *cells, glyphs]) == (
        "Outside the published values, not checked: 4 characters hidden, not read, on page 2; 1 character "
        "without a character map on page 5 (font Symbol); 1 line and 2 cells read differently by the two engines "
        "on pages 2, 5. Each is outlined on its page.")
    assert unchecked.item(cells[0]) == "cell read differently: pdfminer “c”, PDFium “d”, box 10, 10, 90, 20 pt"
