"""The yearly job through the Makefile, as the README tells a newcomer to run it.

On a copy of the repository at its first year (its code, docs and tests as a
fresh clone would have them, the 2022 guide in `sources/` and its build in
`outputs/`, whatever years this checkout holds), committed to a git repository
of its own, this runs, with the real pipeline, the loop of the README's "Each
year": the committed 2022 guide builds; a new 2023 guide lands in
`sources/2023/` beside a bad download (`sources/2024/`, a sign-in page saved as
.pdf); `make build` reads the new guides alone (2022 is unchanged), publishes
2023, refreshes the warehouse and writes the new year's report (2022's is kept),
names the bad file in one line and exits non-zero; `make diff` (and `NEW=2023`,
`OLD=2022`) compares 2022 with 2023 and says what to check against the PDF;
`make validate` and `make report` answer; with the bad file gone `make build`
has nothing to rebuild. The new source and outputs are committed, which leaves
nothing untracked; then the suite's own checks of the committed data
(`make test PYTEST_ARGS="-m committed"`) run in the copy, on its two years,
and pass. The copy reuses this checkout's virtualenv (`make ... PY=...`
installs nothing).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tools.testkit.paths import ROOT, copy_repo
from tools.testkit.renderer import render
from tools.testkit.two_years import GUIDE_2023

GUIDE_2022 = "sources/2022/2022-NanoKnife-CPT-Reimbursement-Guide.reconstructed.pdf"
UNCHANGED = "(source and pipeline unchanged since the last build)"
GUIDE_2023_PATH = "sources/2023/2023-NanoKnife-CPT-Reimbursement-Guide.pdf"
BAD_DOWNLOAD = "sources/2024/2024-NanoKnife-CPT-Reimbursement-Guide.pdf"
SIGN_IN_PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in</body></html>\n"
HTML_REASON = "an HTML page, not a PDF (no %PDF- header in its first 1024 bytes; a web page saved as .pdf?)"


def make(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}  # not pytest's own make flags
    # stderr into the same pipe as stdout, so the lines come in the order a terminal shows them
    return subprocess.run(["make", "--no-print-directory", *args, f"PY={sys.executable}"], cwd=repo,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def pipeline_lines(done: subprocess.CompletedProcess) -> list[str]:
    """What the pipeline said, without the commands make echoes."""
    return [line for line in done.stdout.splitlines()
            if not line.startswith((sys.executable, "touch ", "make: ", "make["))]


def as_typed(stdout: str) -> str:
    """`make build`'s output as a user sees it, make's own last line (which names a Makefile line number,
    quoted in prose in the docs) left out."""
    return "\n".join(stdout.splitlines()[:-1]) + "\n"


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def warehouse_years(repo: Path) -> list[int]:
    import duckdb

    with duckdb.connect(str(repo / "outputs" / "warehouse.duckdb"), read_only=True) as db:
        return [row[0] for row in db.execute("SELECT guide_year FROM guides ORDER BY 1").fetchall()]


#: The checks of the committed data (`@pytest.mark.committed`), which must pass whatever years are committed.
COMMITTED_CHECKS = [
    "tests.test_cli::test_validate_committed_outputs",
    "tests.test_contract::test_descriptor_validates_the_committed_csvs",
    "tests.test_reproducible::test_build_reproduces_committed_outputs_byte_for_byte",
    "tests.test_reproducible::test_reconstruction_script_reproduces_the_committed_source",
]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Analyst", "-c", "user.email=analyst@example.com", *args],
                          cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory, outputs_2022) -> Path:
    repo = copy_repo(tmp_path_factory.mktemp("clone"), outputs_2022)
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "the 2022 guide")
    return repo


def passed_tests(junit: Path) -> list[str]:
    """The tests a pytest run passed, as module::name, from its JUnit XML (failed, errored or skipped: left out)."""
    cases = ET.parse(junit).getroot().iter("testcase")
    return sorted(f"{case.get('classname')}::{case.get('name')}" for case in cases if not len(case))


def test_the_yearly_loop_through_the_makefile(repo):
    committed_2022 = tree(repo / "outputs" / "2022")

    # a fresh clone: make build builds the committed guide, its warehouse and its report
    done = make(repo, "build")
    assert done.returncode == 0, done.stdout
    assert pipeline_lines(done) == [
        f"built {GUIDE_2022}: 2022 guide -> outputs/2022",
        "1 built, 0 failed",
        "2022: loaded (2 codes, 8 payments, 6 exclusions, 11 terminology, 96 provenance)",
        "warehouse: outputs/warehouse.duckdb",
        "report 2022 -> outputs/2022/report.html",
    ]
    assert {k: v for k, v in tree(repo / "outputs" / "2022").items() if not k.startswith("report")} \
        == committed_2022

    # the new year and a bad download beside it
    render(GUIDE_2023, repo / GUIDE_2023_PATH)
    (repo / BAD_DOWNLOAD).parent.mkdir(parents=True)
    (repo / BAD_DOWNLOAD).write_bytes(SIGN_IN_PAGE)
    report_2022 = (repo / "outputs" / "2022" / "report.html").read_bytes()
    done = make(repo, "build")
    assert done.returncode == 2, done.stdout  # make's own status when a step failed; the pipeline's: "Error 1"
    lines = pipeline_lines(done)
    assert lines[:4] == [  # the 2022 guide is not read again: only the new files are
        f"unchanged {GUIDE_2022}: 2022 guide -> outputs/2022 {UNCHANGED}",
        f"built {GUIDE_2023_PATH}: 2023 guide -> outputs/2023",
        f"FAILED {BAD_DOWNLOAD}: {HTML_REASON}",
        "1 built, 1 unchanged, 1 failed",
    ]
    # the warehouse, then only the new year's report: 2022's still records the published manifest
    assert lines[4:] == [
        "2022: unchanged", "2023: loaded (2 codes, 8 payments, 6 exclusions, 11 terminology, 96 provenance)",
        "warehouse: outputs/warehouse.duckdb",
        "report 2023 -> outputs/2023/report.html",
        "a guide failed (see FAILED above); every other year is published, and refreshed",
    ]
    assert done.stdout.splitlines()[-1].endswith("build] Error 1")
    assert warehouse_years(repo) == [2022, 2023]
    assert (repo / "outputs" / "2022" / "report.html").read_bytes() == report_2022
    assert (repo / "outputs" / "2023" / "report.html").is_file()
    assert not (repo / "outputs" / "2024").exists()
    # the README's example of a failed guide is this run's own lines, and so is failures.md's
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "$ make build\n" + "\n".join(lines[:4]) + f"\n...\n{lines[-1]}\n```" in readme
    assert f"```console\n$ make build\n{as_typed(done.stdout)}```" in (ROOT / "docs" / "failures.md").read_text(
        encoding="utf-8")

    # what changed, three ways of asking for the same pair
    expected = [
        "2022 -> 2023: 7 change(s)",
        "  payments: 6 changed",
        "  guide: 1 changed",
        "  check against the PDF: 1 change(s), listed first in report.md",
        "report: outputs/diffs/2022-2023/report.md",
        "report: outputs/diffs/2022-2023/report.html",
    ]
    for args in (("NEW=2023",), ("OLD=2022",)):  # the default pair and OLD NEW: tests/test_diff.py
        done = make(repo, "diff", *args)
        assert (done.returncode, pipeline_lines(done)) == (0, expected), args
    report = (repo / "outputs" / "diffs" / "2022-2023" / "report.md").read_text(encoding="utf-8")
    assert ("| payments | 0601T\\|physician_facility | payment_status | contractor_priced | national_rate |  "
            "| payment_status changed | 3 | 3 |") in report.splitlines()
    done = make(repo, "diff", "NEW=2022")
    assert done.returncode == 2
    assert pipeline_lines(done) == [
        "Error: need two published years to diff under outputs; years present: 2022, 2023"]

    done = make(repo, "validate")
    assert (done.returncode, pipeline_lines(done)) == (0, ["2022: valid", "2023: valid"])
    done = make(repo, "report", "YEAR=2023")
    assert (done.returncode, pipeline_lines(done)) == (0, ["report 2023 -> outputs/2023/report.html"])

    # the bad download removed: nothing to rebuild. The build state, which recorded the failure, is written
    # anew, so the warehouse (older than it) is checked once more; then a build refreshes nothing at all
    shutil.rmtree(repo / "sources" / "2024")
    nothing = [
        f"unchanged {GUIDE_2022}: 2022 guide -> outputs/2022 {UNCHANGED}",
        f"unchanged {GUIDE_2023_PATH}: 2023 guide -> outputs/2023 {UNCHANGED}",
        "nothing to rebuild: 2 guide(s) unchanged, and the pipeline too, since the last build (--force rebuilds)",
    ]
    done = make(repo, "build")
    assert (done.returncode, pipeline_lines(done)) == (0, [
        *nothing, "2022: unchanged", "2023: unchanged", "warehouse: outputs/warehouse.duckdb"]), done.stdout
    warehouse = (repo / "outputs" / "warehouse.duckdb").stat().st_mtime_ns
    done = make(repo, "build")
    assert (done.returncode, pipeline_lines(done)) == (0, nothing), done.stdout
    assert (repo / "outputs" / "warehouse.duckdb").stat().st_mtime_ns == warehouse

    # commit the new source and outputs/, as the README says: nothing is left over (the rest is ignored)
    git(repo, "add", "sources", "outputs")
    git(repo, "commit", "--quiet", "-m", "the 2023 guide")
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert sorted({Path(name).parts[1] for name in git(repo, "ls-files", "outputs").splitlines()}) == [
        "2022", "2023", "dataset", "diffs"]

    # then the suite's own checks of the committed data pass on the two committed years
    done = make(repo, "test", "PYTEST_ARGS=-m committed -p no:cacheprovider --junitxml=committed.xml")
    assert done.returncode == 0, done.stdout
    assert passed_tests(repo / "committed.xml") == COMMITTED_CHECKS


def test_make_build_stops_at_a_usage_error_without_refreshing_anything(tmp_path):
    repo = copy_repo(tmp_path)
    shutil.rmtree(repo / "sources")
    done = make(repo, "build")
    assert done.returncode == 2
    assert pipeline_lines(done)[-1] == "Error: Invalid value for '--sources': Path 'sources' does not exist."
    assert not (repo / "outputs" / "warehouse.duckdb").exists()
    assert "inspect" not in done.stdout and "warehouse" not in done.stdout


def _pipeline_build_running(session: int) -> bool:
    """Whether a `pipeline build` process of this session has started."""
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.getsid(int(proc.name)) == session and \
                    b"pipeline\0build" in (proc / "cmdline").read_bytes():
                return True
        except (OSError, ProcessLookupError):
            continue
    return False


def test_ctrl_c_stops_make_build_before_the_warehouse_and_the_reports(tmp_path, outputs_2022):
    """Ctrl-C reaches the whole foreground process group: make, its shell and the build. Whenever it lands
    during the build, make stops non-zero, the committed year is intact and nothing after the build runs."""
    repo = copy_repo(tmp_path, outputs_2022)
    committed = tree(repo / "outputs" / "2022")
    render(GUIDE_2023, repo / GUIDE_2023_PATH)  # two guides, so the build is still running when the signal comes
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    # As a terminal's foreground job: Ctrl-C at its default. A test run in the background (`cmd &` in a
    # script) inherits SIGINT ignored, and a signal landing before the build sets its handler would be lost.
    process = subprocess.Popen(["make", "--no-print-directory", "build", f"PY={sys.executable}"], cwd=repo, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while not _pipeline_build_running(process.pid) and process.poll() is None:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)
    output = process.communicate(timeout=120)[0].decode()
    assert process.returncode != 0, output
    assert {k: v for k, v in tree(repo / "outputs" / "2022").items()} == committed
    assert not (repo / "outputs" / "warehouse.duckdb").exists()
    assert not list((repo / "outputs").glob("*/report.html"))
