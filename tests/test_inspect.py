"""The inspect report (issue #7): page pictures with every value's box, beside the rows, opened offline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from tools.testkit.paths import FIXTURES, SOURCE_2022, TEST_SOURCES
from tools.testkit.paths import published_copy as copy_of
from pipeline.readers import inspect as report
from pipeline.cli import main
from pipeline.extract import extract, page_images, sha256_of
from pipeline.publish import read_manifest, read_tables
from pipeline.validate import find_failures

LETTER = (612, 792)  # page size in points: tools/testkit/renderer.py renders the guide on US Letter
CHROMIUM = Path("/usr/bin/chromium")


def run(*args):
    return CliRunner().invoke(main, ["inspect", *map(str, args)])


@pytest.fixture(scope="module")
def folder(tmp_path_factory, outputs_2022) -> Path:
    outputs = copy_of(tmp_path_factory.mktemp("outputs"), outputs_2022)
    result = run("2022", "--outputs", outputs, "--sources", TEST_SOURCES)
    assert result.exit_code == 0, result.output
    assert result.output == f"report 2022 -> {outputs / '2022' / 'report.html'}\n"
    return outputs / "2022"


@pytest.fixture(scope="module")
def html(folder) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def test_a_picture_per_table_page_with_the_page_size(folder):
    assert sorted(p.name for p in (folder / "report").iterdir()) == ["page-3.png", "page-6.png"]
    size = (LETTER[0] * report.RESOLUTION // 72, LETTER[1] * report.RESOLUTION // 72)
    assert size == (1224, 1584)
    for name in ("page-3.png", "page-6.png"):
        with Image.open(folder / "report" / name) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "RGB", size)


def test_picture_size_follows_the_resolution(tmp_path, published_copy):
    outputs = published_copy(tmp_path)
    report.inspect_year(2022, outputs, TEST_SOURCES, resolution=100)
    with Image.open(outputs / "2022" / "report" / "page-6.png") as image:
        assert image.size == (850, 1100)  # 612 x 792 points at 100/72 pixels per point


def test_the_value_box_is_outlined_where_provenance_puts_it(folder):
    """$9,096.46 for 0600T hospital_outpatient: box (437.0, 223.9, 499.0, 299.9) pt on page 3."""
    clean = page_images(SOURCE_2022, [3], report.RESOLUTION)[3]
    with Image.open(folder / "report" / "page-3.png") as drawn:
        # left edge, halfway down, at 2 pixels per point: the table rule, drawn over in the payments colour
        assert clean.getpixel((874, 524)) != report.COLORS["payments"]
        assert drawn.getpixel((874, 524)) == report.COLORS["payments"]
        # the top edge of "Medicare 2022 National Average Payment", a header cell that fed no value
        assert drawn.getpixel((784, 308)) == report.CELL_COLOR
        # the printed value in the middle of the box is left as it was
        assert drawn.crop((880, 500, 990, 550)).tobytes() == clean.crop((880, 500, 990, 550)).tobytes()


def test_each_box_is_labelled_by_the_fields_it_fed(outputs_2022):
    boxes = report.value_boxes(read_tables(outputs_2022 / "2022"))
    labels = {(b.page, b.bbox): b.label() for b in boxes}
    assert labels[(3, (437.0, 223.9, 499.0, 299.9))] == ["setting", "payment_status", "payment_usd"]
    assert labels[(3, (379.0, 223.9, 437.0, 299.9))] == ["apc", "indicator"]
    assert labels[(3, (499.0, 223.9, 569.0, 299.9))] == ["setting", "payment_status", "payment_usd", "indicator"]
    assert labels[(3, (215.0, 223.9, 379.0, 299.9))] == ["setting", "payment_status"]  # "No national set payment"
    assert labels[(3, (43.0, 223.9, 87.0, 299.9))] == ["cpt_code", "code_category"]
    assert labels[(3, (87.0, 223.9, 215.0, 299.9))] == ["descriptor", "excluded_code"]
    assert labels[(6, (61.0, 109.4, 151.0, 125.4))] == ["term"]
    assert [(p, sum(len(b.feeds) for b in boxes if b.page == p), sum(1 for b in boxes if b.page == p))
            for p in (3, 6)] == [(3, 74, 12), (6, 22, 22)]


def test_every_value_box_has_one_label_and_a_number_stands_in_for_fields_with_no_room(html):
    """Issue #23: the 0600T descriptor fills its box, and around it are the header cell, the code's box, the
    payment's box and the 0601T row: its fields have no room by it, so a number stands for them and the
    caption under the picture says, in words, what the number stands for. The 0601T descriptor's label fits
    in its own box, between "performed, open" and "(Do not report"."""
    tags = re.findall(r'<span class="(tag(?: numbered)?)" data-box="([^"]*)" style="[^"]*">(.*?)</span>', html)
    assert len(tags) == 34 == len({box for _, box, _ in tags})  # 12 boxes on page 3, 22 on page 6
    by_box = {box: (kind, text) for kind, box, text in tags}
    assert by_box["87 223.9 215 299.9"] == ("tag numbered", "1")
    assert by_box["87 299.9 215 385.9"] == ("tag", "descriptor, excluded_code")
    assert by_box["499 223.9 569 299.9"] == ("tag", "setting, payment_status<br>payment_usd, indicator")  # ASC
    assert [kind for kind, _, _ in tags].count("tag numbered") == 1
    assert re.findall(r"<figcaption>(.*?)</figcaption>", html) == [
        "12 boxes fed 74 published values. Hover a box for what it fed; click it to jump to its row. Where a box "
        'has no room for its label, a number stands for it:<ol class="numbered"><li value="1">“Ablation, '
        "irreversible electroporation;…” (codes 0600T and 4 exclusions rows): descriptor, excluded_code</li>"
        '</ol><a href="report/page-3.png">Picture at full size</a>.',
        "22 boxes fed 22 published values. Hover a box for what it fed; click it to jump to its row. "
        '<a href="report/page-6.png">Picture at full size</a>.']


def test_html_lists_every_code_row_and_footnote(folder, html):
    tables = read_tables(folder)
    for code in tables["codes"]["cpt_code"]:
        assert f'<tr id="row-codes-{code}"><td title="printed “{code}” · page 3 · box 43.0, ' in html
    for code, setting in zip(tables["payments"]["cpt_code"], tables["payments"]["setting"]):
        assert f'<tr id="row-payments-{code}-{setting}">' in html
    for code, other in zip(tables["exclusions"]["cpt_code"], tables["exclusions"]["excluded_code"]):
        assert f'<tr id="row-exclusions-{code}-{other}">' in html
    for term in tables["terminology"]["term"]:
        assert f'<tr id="row-terminology-{term}"><td title="printed “{term}” · page 6 · box 61.0, ' in html
    assert ('title="printed “$9,096.46” · page 3 · box 437.0, 223.9, 499.0, 299.9 pt">9096.46</td>'
            in html)
    for note in read_manifest(folder)["footnotes"]:
        assert f"{note['table']}: “{note['text']}” carries mark {note['marks'][0]}" in html
    assert 'Validation: <strong class="ok">valid</strong>: every schema and cross-table rule holds for the ' \
           "123 published rows in 5 tables." in html


def test_nothing_unchecked_is_said_page_by_page_and_in_the_summary(html):
    """The 2022 guide: no text hidden, no glyph without a character map, no line or cell read differently."""
    assert re.findall(r'<p id="unchecked">([^<]*)</p>', html) == [
        "Outside the published values, nothing unchecked: no text hidden, every glyph with a character map, "
        "every line and cell read alike by the two engines."]
    nothing = ("Nothing unchecked: every glyph printed here has a character map, and the two engines read every "
               "line and cell alike.")
    assert re.findall(r'<p class="unchecked-note" id="unchecked-(\d+)"><strong>([^<]*)</strong></p>', html) == [
        ("3", nothing), ("6", nothing)]
    assert '<span class="unchecked"' not in html


def test_html_opens_offline(folder, html):
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    pictures = [s for s in sources if not s.startswith("#")]
    assert pictures == ["report/page-3.png", "report/page-3.png", "report/page-6.png", "report/page-6.png"]
    assert all((folder / p).is_file() for p in pictures)
    for needle in ("http:", "https:", "//", "<script", "<link", "@import", "url("):
        assert needle not in html.replace("<!doctype html>", "")


def test_validation_failures_are_shown(tmp_path, outputs_2022):
    tables = read_tables(outputs_2022 / "2022")
    tables["codes"].loc[0, "code_category"] = "X"
    failures = find_failures(tables, 2022)
    images = page_images(SOURCE_2022, [3, 6], 36)
    out = report.render_report(read_manifest(outputs_2022 / "2022"), tables, failures, extract(SOURCE_2022).cells,
                               images, 36)
    text = out.html.decode("utf-8")
    assert 'Validation: <strong class="bad">1 failure(s)</strong>' in text
    assert "<td>codes</td><td>code_category</td><td>0</td><td>X</td><td>one of I, III</td>" in text
    assert sorted(out.images) == ["page-3.png", "page-6.png"]


def test_changed_source_is_refused_in_one_line(tmp_path, published_copy):
    outputs = published_copy(tmp_path / "outputs")
    changed = tmp_path / "sources" / "2022" / SOURCE_2022.name
    changed.parent.mkdir(parents=True)
    changed.write_bytes(SOURCE_2022.read_bytes() + b"%changed\n")
    result = run("2022", "--outputs", outputs, "--sources", tmp_path / "sources")
    assert result.exit_code == 1
    expected = read_manifest(outputs / "2022")["source"]["sha256"]
    assert result.output == (
        f"Error: {changed}: sha256 {sha256_of(changed)} is not the {expected} recorded in "
        f"{outputs / '2022' / 'manifest.json'}; the outputs were built from another version of this PDF "
        "(rebuild with make build)\n")
    assert not (outputs / "2022" / "report.html").exists()


def test_missing_source_and_unpublished_year_are_one_line(tmp_path, published_copy):
    outputs = published_copy(tmp_path / "outputs")
    (tmp_path / "empty").mkdir()
    result = run("2022", "--outputs", outputs, "--sources", tmp_path / "empty")
    assert (result.exit_code, result.output) == (1, (
        f"Error: {outputs / '2022' / 'manifest.json'}: its source {SOURCE_2022.name} is not under "
        f"{tmp_path / 'empty'}/ (put the PDF there, or pass --sources)\n"))
    result = run("2023", "--outputs", outputs, "--sources", TEST_SOURCES)
    assert (result.exit_code, result.output) == (1, (
        f"Error: {outputs / '2023' / 'manifest.json'}: not found; the 2023 guide is not published under "
        f"{outputs}/ (build it first with make build)\n"))
    result = run("--all", "--outputs", tmp_path / "empty", "--sources", TEST_SOURCES)
    assert (result.exit_code, result.output) == (1, f"Error: no published year under {tmp_path / 'empty'}\n")
    assert run("--outputs", outputs).exit_code == 2  # neither YEAR nor --all


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (apt-get install chromium)")
def test_headless_browser_shows_the_page_picture(folder, tmp_path):
    """Chromium, offline, shows the page-3 picture pixel for pixel (1.5 device pixels per CSS pixel
    draws the 1224-pixel picture at its 816 CSS px print size, one to one, in a window wide enough
    for print size). The labels laid over the picture are hidden here: tests/test_report_layout.py
    checks where they go."""
    from tools.screenshot import screenshot

    bare = folder / "bare.html"
    bare.write_text((folder / "report.html").read_text(encoding="utf-8").replace(
        "</style>", ".pic .tag { display: none; }</style>"), encoding="utf-8")
    shot = screenshot(bare, tmp_path / "shot.png", width=1920, height=1800, scale=1.5)
    bare.unlink()
    with Image.open(shot) as im:
        screen = im.convert("RGB")
    with Image.open(folder / "report" / "page-3.png") as im:
        page = im.convert("RGB")
    width, height = page.size
    # find the picture by one row through the 0600T payment row, then compare all of it
    row = 524
    needle = page.crop((0, row, width, row + 1)).tobytes()
    found = None
    for y in range(screen.size[1]):
        line = screen.crop((0, y, screen.size[0], y + 1)).tobytes()
        at = line.find(needle)
        while at >= 0 and at % 3:
            at = line.find(needle, at + 1)
        if at >= 0:
            found = (at // 3, y - row)
            break
    assert found is not None, "the page picture is not in the screenshot"
    x, y = found
    assert y + height <= screen.size[1]
    assert screen.crop((x, y, x + width, y + height)).tobytes() == page.tobytes()


def test_hidden_text_is_counted_and_outlined_dashed_where_it_was(tmp_path):
    """The clipped-header fixture builds with 10 hidden characters on page 2 ("Indicator)", clipped by
    its header cell, lying over the APC cell below): the report says so on page 2 and outlines the run."""
    fixture = FIXTURES / "visibility" / "clipped-header-line-2023.pdf"
    sources = tmp_path / "sources" / "2023"
    sources.mkdir(parents=True)
    shutil.copy(fixture, sources)
    built = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "sources"),
                                      "--outputs", str(tmp_path / "outputs"), "--quiet"])
    assert built.exit_code == 0, built.output
    result = run("2023", "--outputs", tmp_path / "outputs", "--sources", tmp_path / "sources")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "outputs" / "2023"
    text = (folder / "report.html").read_text(encoding="utf-8")
    [run_box] = extract(fixture).hidden[["x0", "top", "x1", "bottom"]].itertuples(index=False)
    assert tuple(round(v, 2) for v in run_box) == (398.1, 228.72, 439.54, 236.72)

    # the count per page, as the manifest records it
    assert read_manifest(folder)["hidden_characters"] == {"2": {"clipped": 10}}
    assert re.findall(r'<p class="hidden-note" id="hidden-(\d+)"><strong>([^<]*)</strong>', text) == [
        ("2", "10 characters hidden (clipped: 10)"),
        ("3", "No character hidden: the extract stage read every character this page shows.")]
    assert ("<li>clipped (text outside its clipping path): “Indicator)”, 10 characters, "
            "box 398.1, 228.72, 439.54, 236.72 pt</li>") in text
    assert re.findall(r'<p id="unchecked">([^<]*)</p>', text) == [
        "Outside the published values, not checked: 10 characters hidden, not read, on page 2. Each is outlined "
        "on its page."]
    # the outline element over the run's box, its reason in the hover text
    assert re.findall(r'<span class="hidden-run"[^>]*>', text) == [
        '<span class="hidden-run" data-reason="clipped" data-box="398.1 228.72 439.54 236.72" '
        'style="left:65.049%;top:28.879%;width:6.771%;height:1.010%" '
        'title="hidden, not read: text outside its clipping path (clipped)\n'
        '“Indicator)” · 10 characters · box 398.1, 228.72, 439.54, 236.72 pt">']
    # and on the picture: a dashed outline at twice the box's points, dashes of 6 pixels, gaps of 4
    clean = page_images(fixture, [2], report.RESOLUTION)[2]
    with Image.open(folder / "report" / "page-2.png") as drawn:
        top = [drawn.getpixel((x, 457)) == report.HIDDEN_COLOR for x in range(796, 816)]
        assert top == [True] * 6 + [False] * 4 + [True] * 6 + [False] * 4
        assert drawn.getpixel((796, 470)) == report.HIDDEN_COLOR  # left edge, lower down
        assert clean.getpixel((796, 457)) != report.HIDDEN_COLOR
