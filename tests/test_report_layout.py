"""The extraction report as a browser lays it out: every value labelled, each label where it can only mean its
own box, and the rows beside the picture.

Each guide that builds among the fixtures (`tests/fixtures/*.pdf`: LibreOffice's exports of Word documents
and reportlab's renderings; `tests/fixtures/producers/`: Chromium, LaTeX, DTP-style streams and re-distilled
copies; `tests/fixtures/prose/`: guides whose prose holds text read but not checked, outlined dotted) and the
2022 guide is built and its report made by the real pipeline in a temporary folder, then
opened in one headless Chromium (`tools.screenshot.Browser`). A script asks Chromium where it laid out the
picture and every label; the checks compare those boxes, in PDF units, with what the PDF itself holds, read
here with pdfplumber and not from the report's own reckoning: the characters printed on the page, each
value's box (the published provenance), every cell outlined on the picture (the extract stage's cells) and
every dotted outline of text read but not checked (extract's runs of glyphs no font maps and validate's
lines and cells read differently, a point wider).

A label passes when it is on the picture, shows its whole text, covers no printed character and no other
label, and lies inside its own box or outside every outlined box, nearer its own box than any other: a label
in a header cell, in a neighbour's box, or level with the next row is a fault, named with its page and box.
A value read from a printed line may lie inside another value's box (the term of a "Term: description"
paragraph is its first line, inside the description's paragraph): a label beside an edge the two boxes share
is as near both and reads as the innermost, its own; anywhere else the outer box is nearer, a fault.
"""

from __future__ import annotations

import bisect
import math
import re
import shutil
from pathlib import Path

import pdfplumber
import pytest

from tools.testkit.paths import FIXTURES, SOURCE_2022, TEST_SOURCES
from pipeline.extract import extract
from pipeline.publish import INSPECT_HTML, INSPECT_IMAGES, read_tables
from pipeline.readers.inspect import inspect_year
from pipeline.readers.unchecked import OUTSET
from pipeline.run.build import build
from pipeline.validate import differing_readings
from tests.test_producers import STOPS as PRODUCER_STOPS
from tests.test_sections import STOPS as SECTION_STOPS

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (apt-get install chromium)")

#: Fixtures whose guide stops the build on purpose, no report to check: those whose one line the tests of
#: their kind pin (tests/test_sections.py, tests/test_producers.py), taken from there so that a fixture
#: added to stop is left out here as soon as its line is pinned.
STOPS = {*SECTION_STOPS, *(f"producers/{name}" for name in PRODUCER_STOPS)}
#: The edition (tests/test_editions.py) whose glossary is printed as "Term: description" paragraphs, cut by a
#: page break: its values are read from printed lines, not cells.
EDITIONS = ["editions/chromium-glossary-paragraphs-page-break-2025.pdf"]
#: Guides with value boxes that have no room even for a number beside them, and how many: the report names
#: each under its page's picture instead ("no room even for a number"), and the test holds it to that count.
#: In reportlab's two text columns the gutter is 6 points: a term's box at the top left of a right-column
#: paragraph shares its left edge with the paragraph, and the gutter is too narrow for a label nearer the term
#: than the left column's line.
NO_ROOM = {"reportlab-borderless-glossary-paragraphs-columns-2025.pdf": 5}
GUIDES = sorted({p.relative_to(FIXTURES).as_posix()
                 for p in [*FIXTURES.glob("*.pdf"), *(FIXTURES / "producers").glob("*.pdf"),
                           *(FIXTURES / "prose").glob("*.pdf")]} - STOPS) + EDITIONS

#: What Chromium laid out, in CSS px: per page section, the picture, the figure, the rows, and every label.
PROBE = """(() => {
  const r = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const root = document.documentElement;
  const pages = [...document.querySelectorAll("section[id^=page-]")].map(s => {
    const tables = s.querySelector(".tables");
    return {page: Number(s.id.slice(5)), pic: r(s.querySelector(".pic")), figure: r(s.querySelector("figure")),
            tables: r(tables), tablesWidths: [tables.clientWidth, tables.scrollWidth],
            caption: s.querySelector("figcaption").textContent,
            tags: [...s.querySelectorAll(".pic .tag")].map(t => ({
              box: t.dataset.box.split(" ").map(Number), rect: r(t), text: t.innerText,
              widths: [t.clientWidth, t.scrollWidth], heights: [t.clientHeight, t.scrollHeight]}))};
  });
  return {widths: [root.clientWidth, root.scrollWidth], pages};
})()"""

#: CSS px are whole or half device pixels: a label may touch what it must not cover by this much (points).
SLACK = 0.25


# ---------------------------------------------------------------- what the PDF holds

def _meets(a, b, slack: float = 0.0) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


def _inside(a, b, slack: float = SLACK) -> bool:
    return b[0] - slack <= a[0] and a[2] <= b[2] + slack and b[1] - slack <= a[1] and a[3] <= b[3] + slack


def _distance(a, b) -> float:
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return math.hypot(dx, dy)


def _level_with(held: dict, rect) -> list[tuple]:
    """The page's characters (sorted by top) whose top lies from one character's height above `rect` down to
    its bottom: all that can meet it."""
    chars = held["chars"]
    if "tops" not in held:  # worked out once a page
        held["tops"] = [c[1] for c in chars]
        held["tallest"] = max((c[3] - c[1] for c in chars), default=0)
    tops = held["tops"]
    return chars[bisect.bisect_left(tops, rect[1] - held["tallest"]):bisect.bisect_right(tops, rect[3])]


def printed(pdf: Path) -> dict[int, dict]:
    """Per page: its size, the box of every printed character, every value box, every cell and every dotted
    outline of text read but not checked, in points."""
    raw = extract(pdf)
    odd = [(int(r.page), (r.x0, r.top, r.x1, r.bottom)) for r in raw.unmapped.itertuples(index=False)]
    odd += [(d["page"], d["box"]) for d in differing_readings(raw)]
    out = {}
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            out[number] = {"size": (float(page.width), float(page.height)),
                           "chars": sorted(((c["x0"], c["top"], c["x1"], c["bottom"])
                                            for c in page.chars if c["text"].strip()), key=lambda c: c[1]),
                           "cells": [tuple(map(float, c)) for c in raw.cells.loc[
                               raw.cells["page"] == number, ["x0", "top", "x1", "bottom"]].itertuples(index=False)],
                           "unchecked": [(float(b[0]) - OUTSET, float(b[1]) - OUTSET,
                                          float(b[2]) + OUTSET, float(b[3]) + OUTSET)
                                         for p, b in odd if p == number],
                           "values": set()}
    return out


def value_boxes(provenance, pages: dict[int, dict]) -> None:
    for page, *box in provenance[["page", "x0", "top", "x1", "bottom"]].drop_duplicates().itertuples(index=False):
        pages[int(page)]["values"].add(tuple(round(float(v), 2) for v in box))


# ---------------------------------------------------------------- the checks

def label_faults(page: dict, held: dict) -> list[str]:
    """Every way the labels of one laid-out page mislead, in words; empty when none does."""
    width_pt, height_pt = held["size"]
    left, top, right, _ = page["pic"]
    to_points = width_pt / (right - left)

    def points(rect):
        return ((rect[0] - left) * to_points, (rect[1] - top) * to_points,
                (rect[2] - left) * to_points, (rect[3] - top) * to_points)

    faults = []
    tags = [(points(t["rect"]), tuple(round(float(v), 2) for v in t["box"]), t) for t in page["tags"]]
    labelled = [box for _, box, _ in tags]
    for box in sorted(held["values"]):
        if box not in labelled:
            faults.append(f"page {page['page']}: the value box {box} has no label")
    for rect, box, tag in tags:
        where = f"page {page['page']}: the label {tag['text']!r} of box {box}"
        if box not in held["values"]:
            faults.append(f"{where} labels no value box")
            continue
        if labelled.count(box) != 1:
            faults.append(f"{where} is one of {labelled.count(box)} labels of that box")
        if not (-SLACK <= rect[0] and rect[2] <= width_pt + SLACK and -SLACK <= rect[1]
                and rect[3] <= height_pt + SLACK):
            faults.append(f"{where} is off the picture")
        if tag["widths"][1] > tag["widths"][0] + 1 or tag["heights"][1] > tag["heights"][0] + 1:
            faults.append(f"{where} is cut short")
        covered = [c for c in _level_with(held, rect) if _meets(rect, c, SLACK)]
        if covered:
            faults.append(f"{where} covers {len(covered)} printed characters")
        own = _inside(rect, box)
        outlined = held["cells"] + held.get("unchecked", []) + sorted(held["values"])
        cells = [c for c in outlined if _meets(rect, c, SLACK) and not (own and _inside(box, c, 0.5))]
        if cells:
            faults.append(f"{where} lies in another box: {cells[0]}")
        elif not own:
            near = _distance(rect, box)
            # a box around its own (a "Term: description" paragraph around the term's line) is as near
            # beside an edge the two share, and nearer anywhere else: only there is it not a rival
            nearer = [c for c in outlined
                      if _distance(rect, c) <= near and not (_inside(box, c, 0.5) and _inside(c, box, 0.5))
                      and not (_inside(box, c, 0.5) and _distance(rect, c) >= near - SLACK)]
            if nearer:
                faults.append(f"{where} is outside its box and as near {nearer[0]}")
        others = [b for r, b, t in tags if t is not tag and _meets(rect, r, SLACK)]
        if others:
            faults.append(f"{where} covers the label of box {others[0]}")
    return faults


# ---------------------------------------------------------------- the reports

def _report(pdf: Path, root: Path) -> tuple[Path, dict]:
    """The report of `pdf` made by the real pipeline under `root`, and what its PDF holds page by page."""
    year = re.search(r"(\d{4})\.pdf$", pdf.name).group(1)
    source = root / "sources" / year / pdf.name
    source.parent.mkdir(parents=True)
    shutil.copy(pdf, source)
    [outcome] = build(root / "sources", root / "outputs")
    assert outcome.status == "built", outcome.message  # one made to stop: pin its line where STOPS looks
    report = inspect_year(int(year), root / "outputs", root / "sources")
    held = printed(pdf)
    value_boxes(read_tables(report.parent)["provenance"], held)
    return report, held


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """`reports(name)`: the report of fixture `name` and what its PDF holds, made once for the module."""
    made: dict[str, tuple[Path, dict]] = {}

    def report(name: str) -> tuple[Path, dict]:
        if name not in made:
            made[name] = _report(FIXTURES / name, tmp_path_factory.mktemp("report"))
        return made[name]

    return report


@pytest.fixture(scope="module")
def browser():
    from tools.screenshot import Browser

    with Browser(width=1280, height=900) as opened:
        yield opened


@pytest.fixture(scope="module")
def report_2022(tmp_path_factory, outputs_2022) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("2022")
    shutil.copytree(outputs_2022 / "2022", folder / "2022",
                    ignore=shutil.ignore_patterns(INSPECT_HTML, INSPECT_IMAGES))
    report = inspect_year(2022, folder, TEST_SOURCES)
    held = printed(SOURCE_2022)
    value_boxes(read_tables(outputs_2022 / "2022")["provenance"], held)
    return report, held


def _check(browser, report: Path, held: dict, no_room: int = 0) -> None:
    laid = browser.evaluate(report, PROBE)
    faults = [f for page in laid["pages"] for f in label_faults(page, held[page["page"]])]
    unlabelled = [f for f in faults if f.endswith(" has no label")]
    assert [f for f in faults if f not in unlabelled] == [] and len(unlabelled) == no_room, faults
    named = re.findall(r"no room even for a number \(hover it for what it fed\): (.*?)\s*<",
                       report.read_text(encoding="utf-8"))
    assert sum(len(n.split("; ")) for n in named) == no_room, named
    boxes = sum(len(h["values"]) for h in held.values())
    assert sum(len(page["tags"]) for page in laid["pages"]) == boxes - no_room > 0
    for page in laid["pages"]:
        assert not re.search(r"\bpt\b|\bpoints?\b", page["caption"]), page["caption"]


@pytest.mark.parametrize("name", GUIDES)
def test_every_value_is_labelled_and_no_label_misleads(browser, reports, name):
    _check(browser, *reports(name), no_room=NO_ROOM.get(name, 0))


def test_every_value_of_the_2022_guide_is_labelled_and_no_label_misleads(browser, report_2022):
    _check(browser, *report_2022)


def test_a_label_in_a_header_cell_or_a_neighbours_box_or_a_row_low_is_a_fault():
    """The checks themselves: a label placed as the report of issue #23 placed them is named."""
    held = {"size": (612.0, 792.0), "chars": [(100.0, 105.0, 140.0, 115.0)],
            "cells": [(90.0, 80.0, 200.0, 100.0), (90.0, 100.0, 200.0, 140.0), (200.0, 100.0, 300.0, 140.0),
                      (90.0, 140.0, 200.0, 160.0)],
            "values": {(90.0, 100.0, 200.0, 140.0), (200.0, 100.0, 300.0, 140.0), (90.0, 140.0, 200.0, 160.0)}}

    def page(*tags):
        return {"page": 4, "pic": [0, 0, 612, 792],
                "tags": [{"box": list(box), "rect": list(rect), "text": "x", "widths": [10, 10], "heights": [7, 7]}
                         for box, rect in tags]}

    fine = page(((90, 100, 200, 140), (150, 120, 198, 130)), ((200, 100, 300, 140), (250, 130, 298, 138)),
                ((90, 140, 200, 160), (150, 145, 198, 155)))
    assert label_faults(fine, held) == []
    header = page(((90, 100, 200, 140), (150, 85, 198, 95)), ((200, 100, 300, 140), (250, 130, 298, 138)),
                  ((90, 140, 200, 160), (150, 145, 198, 155)))
    assert label_faults(header, held) == [
        "page 4: the label 'x' of box (90.0, 100.0, 200.0, 140.0) lies in another box: (90.0, 80.0, 200.0, 100.0)"]
    neighbour = page(((90, 100, 200, 140), (210, 120, 250, 130)), ((200, 100, 300, 140), (250, 130, 298, 138)),
                     ((90, 140, 200, 160), (150, 145, 198, 155)))
    assert label_faults(neighbour, held) == [
        "page 4: the label 'x' of box (90.0, 100.0, 200.0, 140.0) lies in another box: (200.0, 100.0, 300.0, 140.0)"]
    row_low = page(((90, 100, 200, 140), (40, 145, 80, 155)), ((200, 100, 300, 140), (250, 130, 298, 138)),
                   ((90, 140, 200, 160), (150, 145, 198, 155)))
    assert label_faults(row_low, held) == [
        "page 4: the label 'x' of box (90.0, 100.0, 200.0, 140.0) is outside its box and as near "
        "(90.0, 140.0, 200.0, 160.0)"]
    over_text = page(((90, 100, 200, 140), (120, 110, 160, 120)), ((200, 100, 300, 140), (250, 130, 298, 138)))
    assert label_faults(over_text, held) == [
        "page 4: the value box (90.0, 140.0, 200.0, 160.0) has no label",
        "page 4: the label 'x' of box (90.0, 100.0, 200.0, 140.0) covers 1 printed characters"]
    # a dotted outline of prose read but not checked, under the table: a label there reads as the prose's
    prose = {**held, "unchecked": [(89.0, 169.0, 301.0, 181.0)]}
    under_row = page(((90, 100, 200, 140), (150, 120, 198, 130)), ((200, 100, 300, 140), (250, 130, 298, 138)),
                     ((90, 140, 200, 160), (120, 162, 160, 170)))
    assert label_faults(under_row, held) == []
    assert label_faults(under_row, prose) == [
        "page 4: the label 'x' of box (90.0, 140.0, 200.0, 160.0) lies in another box: (89.0, 169.0, 301.0, 181.0)"]


def test_a_label_beside_a_line_inside_a_paragraph_reads_as_the_lines_only_level_with_it():
    """A "Term: description" paragraph of two lines: the term's box is its first line, inside the
    description's box. Beside the first line, the term's label is as near both and reads as the line's; level
    with the second line it is nearer the paragraph, and the description's label beside the first line reads as
    the term's: both are faults."""
    term, description = (90.0, 200.0, 290.0, 210.0), (90.0, 200.0, 290.0, 222.0)
    held = {"size": (612.0, 792.0), "chars": [(90.0, 200.0, 290.0, 210.0), (90.0, 212.0, 200.0, 222.0)],
            "cells": [], "values": {term, description}}

    def page(term_rect, description_rect):
        return {"page": 4, "pic": [0, 0, 612, 792],
                "tags": [{"box": list(box), "rect": list(rect), "text": "x", "widths": [10, 10], "heights": [7, 7]}
                         for box, rect in ((term, term_rect), (description, description_rect))]}

    assert label_faults(page((291.5, 201, 305, 209), (230, 213, 270, 221)), held) == []
    assert label_faults(page((291.5, 213, 305, 221), (230, 213, 270, 221)), held) == [
        "page 4: the label 'x' of box (90.0, 200.0, 290.0, 210.0) is outside its box and as near "
        "(90.0, 200.0, 290.0, 222.0)"]
    assert label_faults(page((70, 201, 88.5, 209), (291.5, 201, 305, 209)), held) == [
        "page 4: the label 'x' of box (90.0, 200.0, 290.0, 222.0) is outside its box and as near "
        "(90.0, 200.0, 290.0, 210.0)"]


@pytest.mark.parametrize("width", [1000, 1280])
def test_rows_stay_beside_the_picture_down_to_1000_px_and_nothing_scrolls_sideways_at_1280(report_2022, reports,
                                                                                          width):
    from tools.screenshot import Browser

    with Browser(width=width, height=900) as window:
        for report in (report_2022[0], reports("libreoffice-ruled-2023.pdf")[0]):
            laid = window.evaluate(report, PROBE)
            for page in laid["pages"]:
                figure, tables = page["figure"], page["tables"]
                assert tables[0] >= figure[2] and tables[1] < figure[3], (width, page["page"], "rows below the picture")
            if width == 1280:
                client, scroll = laid["widths"]
                assert scroll <= client, f"the report scrolls sideways at {width} px"
                for page in laid["pages"]:
                    assert page["tablesWidths"][1] <= page["tablesWidths"][0], \
                        f"page {page['page']}'s tables scroll sideways at {width} px"
