"""`build --refresh`: the warehouse and the out-of-date reports, after the build, in its process.

Real builds of the committed 2022 source in a temporary folder, through the
command line as `make build` runs it. What is checked: a report records the
manifest and the pipeline it was made from; a year rebuilt into the same bytes
keeps its report (the same file, carried into the new folder) and is not
pictured again; a report is stale when its year's manifest or the pipeline
changed; a refresh step that fails is one line, does not stop the next, and
makes the build exit 1 with the published years as built.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.testkit.paths import SOURCE_2022
from pipeline.paths import DATABASE, INSPECT_HTML, INSPECT_IMAGES, MANIFEST
from pipeline.publish import carry_report
from pipeline.digest import sha256_file
from pipeline.readers.refresh import report_stamp, stale_reports
from pipeline.run.buildstate import code_fingerprint

BUILT_2022 = "2022: loaded (2 codes, 8 payments, 6 exclusions, 11 terminology, 96 provenance)"


def build(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "build", "--refresh", "--quiet", *args], cwd=cwd,
                          capture_output=True, text=True)


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A folder as a user's checkout holds it: the 2022 source under sources/2022/, no outputs yet."""
    (tmp_path / "sources" / "2022").mkdir(parents=True)
    shutil.copy(SOURCE_2022, tmp_path / "sources" / "2022" / SOURCE_2022.name)
    return tmp_path


def test_a_rebuilt_year_keeps_its_report_and_is_not_pictured_again(checkout):
    done = build(checkout)
    assert (done.returncode, done.stdout, done.stderr) == (0, (
        "1 built, 0 failed\n"
        f"{BUILT_2022}\n"
        "warehouse: outputs/warehouse.duckdb\n"
        "report 2022 -> outputs/2022/report.html\n"), "")
    folder = checkout / "outputs" / "2022"
    assert report_stamp(folder / INSPECT_HTML) == (f"manifest {sha256_file(folder / MANIFEST)}; "
                                                   f"pipeline {code_fingerprint()}")
    report = (folder / INSPECT_HTML).stat()
    pictures = sorted(p.name for p in (folder / INSPECT_IMAGES).iterdir())
    assert pictures == ["page-3.png", "page-6.png"]

    done = build(checkout, "--force")
    # rebuilt, the warehouse left as it was, and no report written: the carried one is the year's
    assert (done.returncode, done.stdout, done.stderr) == (0, (
        "1 built, 0 failed\n"
        "2022: unchanged\n"
        "warehouse: outputs/warehouse.duckdb\n"), "")
    kept = (folder / INSPECT_HTML).stat()
    assert (kept.st_ino, kept.st_mtime_ns) == (report.st_ino, report.st_mtime_ns)
    assert sorted(p.name for p in (folder / INSPECT_IMAGES).iterdir()) == pictures

    done = build(checkout)  # a no-op: nothing built, nothing stale, nothing refreshed
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == ("nothing to rebuild: 1 guide(s) unchanged, and the pipeline too, since the last build "
                           "(--force rebuilds)\n")


def test_a_report_is_stale_when_its_manifest_or_the_pipeline_changed(checkout):
    assert build(checkout).returncode == 0
    outputs = checkout / "outputs"
    code = code_fingerprint()
    assert stale_reports(outputs, [2022], code) == []
    assert stale_reports(outputs, [2022], "another pipeline") == [2022]
    assert stale_reports(outputs, [2022, 2023], code) == []  # 2023 is not published: nothing to report on
    manifest = outputs / "2022" / MANIFEST
    manifest.write_bytes(manifest.read_bytes().replace(b'"guide_year": 2022', b'"guide_year":  2022'))
    assert stale_reports(outputs, [2022], code) == [2022]
    (outputs / "2022" / INSPECT_HTML).unlink()
    assert report_stamp(outputs / "2022" / INSPECT_HTML) is None
    assert stale_reports(outputs, [2022], code) == [2022]


def test_carrying_a_report_links_it_into_the_new_folder_and_leaves_the_old_untouched(tmp_path):
    published, staged = tmp_path / "2022", tmp_path / "staged" / "2022"
    (published / INSPECT_IMAGES).mkdir(parents=True)
    staged.mkdir(parents=True)
    (published / INSPECT_HTML).write_bytes(b"<html>old report</html>")
    (published / INSPECT_IMAGES / "page-2.png").write_bytes(b"picture")
    (staged / MANIFEST).write_bytes(b"{}")
    carry_report(published, staged)
    assert sorted((p.relative_to(staged).as_posix() for p in staged.rglob("*")), key=lambda p: (p.count("/"), p)) == [
        MANIFEST, INSPECT_IMAGES, INSPECT_HTML, f"{INSPECT_IMAGES}/page-2.png"]
    assert (staged / INSPECT_HTML).read_bytes() == b"<html>old report</html>"
    assert (staged / INSPECT_HTML).stat().st_ino == (published / INSPECT_HTML).stat().st_ino
    assert (published / INSPECT_HTML).read_bytes() == b"<html>old report</html>"
    carry_report(tmp_path / "no-such-year", staged)  # nothing to carry: nothing happens


def test_a_failed_refresh_step_is_one_line_and_the_next_step_still_runs(checkout):
    outputs = checkout / "outputs"
    outputs.mkdir()
    (outputs / DATABASE).write_bytes(b"not a database\n" * 100)
    done = build(checkout)
    assert done.returncode == 1
    assert done.stdout == "1 built, 0 failed\nreport 2022 -> outputs/2022/report.html\n"
    error, last = done.stderr.splitlines()
    # DuckDB's own words after the colon (its wording may change between versions; the line's shape not)
    assert error.startswith(f"Error: cannot open outputs/{DATABASE}: IO Error: ") and "not a valid DuckDB" in error
    assert last == "the warehouse or a report was not refreshed (see Error above); the published years are as built"
    assert (outputs / DATABASE).read_bytes() == b"not a database\n" * 100
    assert (outputs / "2022" / MANIFEST).is_file()
