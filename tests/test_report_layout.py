"""The extraction report as a browser lays it out: labels never cover a printed value, rows beside the picture.

Two reports are opened in headless Chromium: the Word-export-style fixture
(`libreoffice-ruled-2023.pdf`: values at the top left of tall cells, where a
corner label used to hide "$9,342.87" and the ASC amounts) and the 2022 guide,
whose glossary has tight rows (16 pt rows of 10 pt type). A script added to a
copy of each report records where Chromium put every label and the picture;
the printed values' boxes come from the PDF itself (pdfplumber's characters in
each provenance box), not from the report's own reckoning.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pdfplumber
import pytest

from tools.testkit.paths import FIXTURES, SOURCE_2022, TEST_SOURCES
from pipeline.publish import INSPECT_HTML, INSPECT_IMAGES, read_tables
from pipeline.readers.inspect import inspect_year
from pipeline.run.build import build

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (apt-get install chromium)")

#: Records, once the page is laid out, the rectangles (CSS px) the checks need.
PROBE = """<script>
(() => {
  const r = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const root = document.documentElement;
  const pages = [...document.querySelectorAll("section[id^=page-]")].map(s => {
    const tables = s.querySelector(".tables");
    return {page: Number(s.id.slice(5)), pic: r(s.querySelector(".pic")), figure: r(s.querySelector("figure")),
            tables: r(tables), tablesWidths: [tables.clientWidth, tables.scrollWidth],
            tags: [...s.querySelectorAll(".tag")].map(t => ({box: t.dataset.box.split(" ").map(Number), rect: r(t),
                                                           widths: [t.clientWidth, t.scrollWidth]}))};
  });
  const pre = document.createElement("pre");
  pre.id = "layout";
  pre.textContent = JSON.stringify({widths: [root.clientWidth, root.scrollWidth], pages});
  document.body.appendChild(pre);
})();
</script>"""


def layout(report: Path, width: int) -> dict:
    """Where Chromium lays out the report's pictures, labels and tables in a window `width` px wide."""
    from tools.screenshot import dump_dom

    probed = report.with_name(f"probe-{width}.html")
    probed.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = dump_dom(probed, width=width, height=900)
    probed.unlink()
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom, re.S)
    assert found, "the probe did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def value_boxes(pdf: Path, provenance) -> dict[int, list[tuple[float, float, float, float]]]:
    """Per page, the box of the characters printed inside each provenance box: where each value is painted."""
    out: dict[int, list] = {}
    with pdfplumber.open(pdf) as doc:
        for (page, *box), _ in provenance.groupby(["page", "x0", "top", "x1", "bottom"]):
            x0, top, x1, bottom = map(float, box)
            chars = [c for c in doc.pages[int(page) - 1].chars if c["text"].strip()
                     and x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom]
            if chars:
                out.setdefault(int(page), []).append((min(c["x0"] for c in chars), min(c["top"] for c in chars),
                                                      max(c["x1"] for c in chars), max(c["bottom"] for c in chars)))
    return out


def page_size(pdf: Path, page: int) -> tuple[float, float]:
    with pdfplumber.open(pdf) as doc:
        return float(doc.pages[page - 1].width), float(doc.pages[page - 1].height)


def _meets(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture(scope="module")
def reports(tmp_path_factory, outputs_2022) -> dict[str, tuple[Path, Path, dict]]:
    """name -> (report.html, source PDF, value boxes by page), each report made by the real pipeline."""
    root = tmp_path_factory.mktemp("reports")
    word = root / "word" / "sources" / "2023" / "libreoffice-ruled-2023.pdf"
    word.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / word.name, word)
    assert [o.status for o in build(word.parent.parent, root / "word" / "outputs")] == ["built"]
    word_report = inspect_year(2023, root / "word" / "outputs", word.parent.parent)
    shutil.copytree(outputs_2022 / "2022", root / "2022" / "2022",
                    ignore=shutil.ignore_patterns(INSPECT_HTML, INSPECT_IMAGES))
    guide_report = inspect_year(2022, root / "2022", TEST_SOURCES)
    return {
        "word-export": (word_report, word, value_boxes(word, read_tables(word_report.parent)["provenance"])),
        "2022-tight-glossary-rows": (guide_report, SOURCE_2022,
                                     value_boxes(SOURCE_2022, read_tables(outputs_2022 / "2022")["provenance"])),
    }


@pytest.mark.parametrize("name", ["word-export", "2022-tight-glossary-rows"])
def test_no_label_covers_a_printed_value(reports, name):
    report, pdf, printed = reports[name]
    seen = 0
    for page in layout(report, 1280)["pages"]:
        width_pt, height_pt = page_size(pdf, page["page"])
        left, top, right, bottom = page["pic"]
        to_points = width_pt / (right - left)

        def points(rect):
            return ((rect[0] - left) * to_points, (rect[1] - top) * to_points,
                    (rect[2] - left) * to_points, (rect[3] - top) * to_points)

        tags = [(points(t["rect"]), t) for t in page["tags"]]
        for rect, tag in tags:
            shrunk = (rect[0] + 0.05, rect[1] + 0.05, rect[2] - 0.05, rect[3] - 0.05)  # CSS px rounding
            covered = [v for v in printed[page["page"]] if _meets(shrunk, v)]
            assert not covered, f"page {page['page']}: the label of box {tag['box']} covers the value at {covered}"
            assert 0 <= rect[0] and rect[2] <= width_pt + 0.1 and 0 <= rect[1] and rect[3] <= height_pt + 0.1
            box = tag["box"]
            assert rect[3] >= box[1] - 32 and rect[1] <= box[3] + 32, "a label sits level with, above or below its box"
            assert tag["widths"][1] <= tag["widths"][0] + 1, f"the label of box {box} is cut short"
            others = [r for r, t in tags if t is not tag and _meets(shrunk, r)]
            assert not others, f"page {page['page']}: the label of box {box} covers another label"
        seen += len(tags)
    assert seen >= {"word-export": 45, "2022-tight-glossary-rows": 30}[name]


@pytest.mark.parametrize("name", ["word-export", "2022-tight-glossary-rows"])
def test_rows_stay_beside_the_picture_down_to_1000_px_and_nothing_scrolls_sideways_at_1280(reports, name):
    report = reports[name][0]
    for width in (1000, 1280):
        laid = layout(report, width)
        for page in laid["pages"]:
            figure, tables = page["figure"], page["tables"]
            assert tables[0] >= figure[2] and tables[1] < figure[3], (width, page["page"], "rows below the picture")
        if width == 1280:
            client, scroll = laid["widths"]
            assert scroll <= client, f"the report scrolls sideways at {width} px"
            for page in laid["pages"]:
                assert page["tablesWidths"][1] <= page["tablesWidths"][0], \
                    f"page {page['page']}'s tables scroll sideways at {width} px"
