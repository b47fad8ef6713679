"""inspect reads the PDF in the sandbox, as a build does: a page too big to picture, or a memory limit, is one line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from tools.testkit.paths import SOURCE_2022
from pipeline.cli import main
from pipeline.publish.manifest import manifest_bytes


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def big_page_pdf(path: Path) -> Path:
    """Seven pages of one line each, the third 200 inches square: a few KB of PDF.

    Each line has a guide's words ("CPT", a code, Medicare payment wording), so extract's first look
    lets the pages be read.
    """
    from reportlab.pdfgen.canvas import Canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    canvas = Canvas(str(path), pagesize=(612, 792))
    for page in range(1, 8):
        if page == 3:
            canvas.setPageSize((14400, 14400))
        canvas.drawString(72, 72, f"page {page}: CPT 0600T, Medicare 2022 National Average Payment")
        canvas.showPage()
        canvas.setPageSize((612, 792))
    canvas.save()
    return path


def test_inspect_refuses_a_huge_page_fast_in_one_line(tmp_path, published_copy):
    outputs = published_copy(tmp_path / "outputs")
    source = big_page_pdf(tmp_path / "sources" / "huge.pdf")
    assert source.stat().st_size < 5000
    manifest_path = outputs / "2022" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["source"].update(file="huge.pdf", sha256=hashlib.sha256(source.read_bytes()).hexdigest())
    manifest_path.write_bytes(manifest_bytes(manifest))
    result = run("inspect", "2022", "--outputs", str(outputs), "--sources", str(source.parent))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {source}: page 3 is 200 x 200 inches: its picture at 144 pixels per inch "
                             "would be 829 million pixels, more than the 40 million a report picture may have\n")
    assert not (outputs / "2022" / "report.html").exists()


def test_inspect_reads_the_pdf_under_the_memory_limit(tmp_path, published_copy):
    outputs = published_copy(tmp_path / "outputs")
    result = run("inspect", "2022", "--outputs", str(outputs), "--sources", str(SOURCE_2022.parent),
                 "--memory-limit", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {SOURCE_2022}: the memory limit of 1 MiB is below the ")
    assert result.stderr.endswith(" MiB the program itself needs (--memory-limit)\n")
    assert not (outputs / "2022" / "report.html").exists()
