"""Bad input never corrupts the dataset: one clear line per failure, earlier outputs untouched.

Each case is a generated file (`bad_pdfs`) built through the command line into
an outputs folder that already holds the committed 2022 year. Every case must
exit 1, print exactly one line naming the file and the reason (no traceback),
and leave the 2022 outputs byte for byte as they were.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import bad_pdfs
from tests.refusals import NO_PAYMENT_TABLE, NOTHING_ONE_PAGE, not_a_guide, scan
from tools.testkit.paths import SOURCE_2022
from pipeline.run.build import build
from pipeline.cli import main
from pipeline.run.sandbox import Limits


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def published(folder: Path) -> dict[str, bytes]:
    """A year's published files: its manifest and every file the manifest lists (not local reports)."""
    listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    return {name: (folder / name).read_bytes() for name in ["manifest.json", *sorted(listed)]}


@pytest.fixture
def built_2022(outputs_2022) -> dict[str, bytes]:
    """The 2022 year's published files, as a build of the 2022 guide writes them."""
    return published(outputs_2022 / "2022")


#: The 2022 files each `outputs` folder started with, by folder: what `assert_untouched` compares with.
_STARTED_WITH: dict[Path, dict[str, bytes]] = {}


@pytest.fixture
def outputs(tmp_path, outputs_2022):
    """An outputs folder holding the 2022 year, as a user's would after an earlier build."""
    out = tmp_path / "outputs"
    (out / "2022").mkdir(parents=True)
    _STARTED_WITH[out] = published(outputs_2022 / "2022")
    for name, data in _STARTED_WITH[out].items():
        (out / "2022" / name).write_bytes(data)
    return out


def years(outputs: Path) -> list[str]:
    return sorted(p.name for p in outputs.iterdir() if p.is_dir() and p.name.isdigit())


def run(sources: Path, outputs: Path, *args: str):
    return CliRunner().invoke(main, ["build", "--sources", str(sources), "--outputs", str(outputs), *args])


def assert_untouched(outputs: Path) -> None:
    """The `outputs` fixture's folder holds its 2022 year as it started, and no other."""
    assert years(outputs) == ["2022"]
    assert tree(outputs / "2022") == _STARTED_WITH[outputs]


# (how to make the source, extra options, the one line's reason)
CASES = {
    "html page saved as .pdf": (
        bad_pdfs.html_page, [],
        "an HTML page, not a PDF (no %PDF- header in its first 1024 bytes; a web page saved as .pdf?)"),
    "empty file": (bad_pdfs.empty, [], "the file is empty (0 bytes)"),
    "truncated download": (
        bad_pdfs.truncated, [],
        "the PDF is damaged or truncated and cannot be read (PDFNoValidXRef: Unexpected EOF)"),
    "password needed": (
        lambda p: bad_pdfs.guide_2022(p, user_password="open-sesame"), [],
        "the PDF needs a password to open (give it with --password)"),
    "wrong password": (
        lambda p: bad_pdfs.guide_2022(p, user_password="open-sesame"), ["--password", "guess"],
        "the password given does not open this PDF"),
    "wrong passwords": (
        lambda p: bad_pdfs.guide_2022(p, user_password="open-sesame"), ["--password", "a", "--password", "b"],
        "none of the 2 passwords given opens this PDF"),
    "image-only scan": (bad_pdfs.image_only_scan, [], scan(1)[1]),
    "zero pages": (
        bad_pdfs.zero_pages, [], "the PDF has no pages (damaged cross-reference table, or an empty document)"),
    "nothing on the page": (
        bad_pdfs.blank_page, [], "none of its 1 page(s) has any text or picture: the file is damaged or blank"),
    "not this guide": (bad_pdfs.other_document, [], not_a_guide("its only page", NOTHING_ONE_PAGE)[1]),
    "a guide's words without its table": (bad_pdfs.guide_words_without_table, [], NO_PAYMENT_TABLE[1]),
    "cross-reference loop": (
        bad_pdfs.xref_loop, [],
        "the PDF is damaged: its structure loops back on itself (the parser recursed without end)"),
    "decompression bomb": (
        lambda p: bad_pdfs.flate_bomb(p, 600), ["--memory-limit", "400"],
        "stopped before finishing page 1: it needed more than the memory limit of 400 MiB (--memory-limit); "
        "a decompression bomb, or a guide too large for the limit?"),
    "pathological page": (
        bad_pdfs.heavy_page, ["--time-limit", "2"],
        "stopped on page 2 of 2: no progress for 2 s (--time-limit); a loop in the file, or a pathological page?"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_clear_line_and_earlier_outputs_untouched(case, tmp_path, outputs):
    make, options, reason = CASES[case]
    source = make(tmp_path / "sources" / "guide.pdf")
    result = run(tmp_path / "sources", outputs, *options)
    assert result.exit_code == 1
    assert result.stderr == f"FAILED {source}: {reason}\n"
    assert result.stdout == "0 built, 1 failed\n"
    assert_untouched(outputs)


def test_folder_year_that_disagrees_with_the_document(tmp_path, outputs):
    source = bad_pdfs.guide_2022(tmp_path / "sources" / "2023" / "guide.pdf")
    result = run(tmp_path / "sources", outputs)
    assert result.exit_code == 1
    assert result.stderr == (f"FAILED {source}: it is in folder 2023/ but the document is the 2022 guide "
                             '("Medicare 2022 National Average Payment"); move it to 2022/\n')
    assert_untouched(outputs)


def test_two_sources_claiming_one_year_both_fail(tmp_path, outputs):
    a = bad_pdfs.guide_2022(tmp_path / "sources" / "a" / "guide.pdf")
    b = bad_pdfs.guide_2022(tmp_path / "sources" / "b" / "guide.pdf")
    result = run(tmp_path / "sources", outputs)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"FAILED {a}: two sources claim the 2022 guide: this one and {b}; keep one",
        f"FAILED {b}: two sources claim the 2022 guide: this one and {a}; keep one",
    ]
    assert result.stdout == "0 built, 2 failed\n"
    assert_untouched(outputs)


def test_validation_failure_names_the_report_listing_every_failure(tmp_path, outputs):
    source = bad_pdfs.code_printed_twice(tmp_path / "sources" / "guide.pdf")
    result = run(tmp_path / "sources", outputs)
    report = outputs / "reports" / "guide.validation.csv"
    assert result.exit_code == 1
    assert result.stderr == (f"FAILED {source}: 364 validation failure(s): 4 in codes, 24 in exclusions, "
                             f"24 in payments, 312 in provenance; every failure is listed in {report}\n")
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "table,column,row,value,check" and len(lines) == 1 + 364
    assert lines[1:3] == ["codes,guide_year,0,2022,multiple_fields_uniqueness",
                          "codes,guide_year,1,2022,multiple_fields_uniqueness"]
    assert_untouched(outputs)


def test_debug_shows_the_traceback(tmp_path, outputs):
    source = bad_pdfs.xref_loop(tmp_path / "sources" / "guide.pdf")
    quiet = run(tmp_path / "sources", outputs)
    loud = run(tmp_path / "sources", outputs, "--debug")
    assert "Traceback" not in quiet.output
    lines = loud.stderr.splitlines()
    assert lines[0] == (f"FAILED {source}: the PDF is damaged: its structure loops back on itself "
                        "(the parser recursed without end)")
    assert lines[1] == "Traceback (most recent call last):"
    assert "RecursionError: maximum recursion depth exceeded" in loud.stderr
    assert lines[-1] == "pipeline.errors.DamagedPdf: the PDF is damaged: its structure loops back on itself " \
                        "(the parser recursed without end)"


def test_a_memory_limit_below_the_program_itself(tmp_path, outputs):
    source = bad_pdfs.guide_2022(tmp_path / "sources" / "guide.pdf")
    result = run(tmp_path / "sources", outputs, "--memory-limit", "1")
    assert result.exit_code == 1
    prefix = f"FAILED {source}: the memory limit of 1 MiB is below the "
    assert result.stderr.startswith(prefix)
    assert result.stderr[len(prefix):].split(" ", 1)[1] == "MiB the program itself needs (--memory-limit)\n"
    assert_untouched(outputs)


def test_fail_fast_stops_at_the_first_failure_and_publishes_nothing(tmp_path):
    sources = tmp_path / "sources"
    first = bad_pdfs.empty(sources / "a.pdf")
    second = bad_pdfs.guide_2022(sources / "b.pdf")
    result = run(sources, tmp_path / "outputs", "--fail-fast", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"FAILED {first}: the file is empty (0 bytes)",
        f"skipped {second}: not built: the build stopped at the first failure (--fail-fast)",
    ]
    assert result.stdout == "0 built, 1 failed, 1 skipped\n"
    assert not (tmp_path / "outputs" / "2022").exists()


def test_a_good_guide_is_built_beside_every_bad_file(tmp_path, built_2022):
    """One run over every generated bad file and the 2022 guide: the guide is built, each bad file fails."""
    sources = tmp_path / "sources"
    for case, (make, _, _) in CASES.items():
        make(sources / f"{case.replace(' ', '-')}.pdf")
    bad_pdfs.guide_2022(sources / "2022" / SOURCE_2022.name)
    outcomes = build(sources, tmp_path / "outputs", limits=Limits(time_limit=2, memory_limit=400))
    got = {o.source.name: (o.status, o.error) for o in outcomes}
    assert got.pop(SOURCE_2022.name) == ("built", None)
    assert set(got) == {f"{case.replace(' ', '-')}.pdf" for case in CASES}
    assert all(status == "failed" for status, _ in got.values())
    assert tree(tmp_path / "outputs" / "2022") == built_2022


def _children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def test_a_parser_process_that_dies_is_reported_not_waited_for(tmp_path):
    """The process parsing a source is killed from outside (as the system's OOM killer would)."""
    source = bad_pdfs.heavy_page(tmp_path / "sources" / "guide.pdf")
    killed = []

    def kill_the_parser(progress):
        if progress.pages_done == 1 and not killed:  # page 2 (the heavy one) is being read
            servers = [p for p in _children_of(os.getpid())
                       if b"forkserver" in Path(f"/proc/{p}/cmdline").read_bytes()]
            for parser in (c for s in servers for c in _children_of(s)):
                os.kill(parser, signal.SIGKILL)
                killed.append(parser)

    [outcome] = build(tmp_path / "sources", tmp_path / "outputs", jobs=1, on_progress=kill_the_parser)
    assert len(killed) == 1
    assert (outcome.source, outcome.status, outcome.error) == (source, "failed", "ParserCrashed")
    assert outcome.message == ("the parsing process died on page 2 of 2 (killed by SIGKILL); "
                               "a crash in the PDF library, or the system ran out of memory?")
    assert outcome.seconds < 10


# ---------------------------------------------------------------- passwords

def published_tables(folder: Path) -> dict[str, bytes]:
    return {name: data for name, data in published(folder).items() if name.endswith(".csv")}


def test_owner_password_only_opens_and_builds_normally(tmp_path, outputs_2022):
    """Vendors set permissions with an owner password and no open password; such a PDF builds as usual."""
    source = bad_pdfs.guide_2022(tmp_path / "sources" / "2022" / "guide.pdf", owner_password="vendor-only")
    assert b"/Encrypt" in source.read_bytes()
    result = run(tmp_path / "sources", tmp_path / "outputs")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"built {source}: 2022 guide -> {tmp_path / 'outputs' / '2022'}",
                                          "1 built, 0 failed"]
    assert published_tables(tmp_path / "outputs" / "2022") == published_tables(outputs_2022 / "2022")


def test_the_right_password_among_several_opens_the_pdf(tmp_path, outputs_2022):
    source = bad_pdfs.guide_2022(tmp_path / "sources" / "2022" / "guide.pdf", user_password="open-sesame")
    result = run(tmp_path / "sources", tmp_path / "outputs", "--password", "guess", "--password", "open-sesame")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"built {source}: 2022 guide -> {tmp_path / 'outputs' / '2022'}"
    assert published_tables(tmp_path / "outputs" / "2022") == published_tables(outputs_2022 / "2022")


# ---------------------------------------------------------------- what a refusal imports

HEAVY = ("pandas", "pandera", "pyarrow", "pdfplumber", "pdfminer", "pypdfium2")


def _imported_after(*args: str) -> tuple[str, str]:
    """Run `pipeline ARGS` in a fresh interpreter: its last line says the exit status, the heavy
    libraries it imported and the fork server's pid (None: no parser was started); and its stderr."""
    import subprocess
    import sys

    from tools.testkit.paths import ROOT

    probe = ("import sys\nfrom pipeline.cli import main\n"
             "try:\n"
             f"    main({list(args)!r})\n"
             "except SystemExit as done:\n"
             "    code = done.code\n"
             "import multiprocessing.forkserver as fs\n"
             f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules), fs._forkserver._forkserver_pid)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    return done.stdout.splitlines()[-1], done.stderr


def test_help_imports_no_pdf_or_frame_library():
    last, _ = _imported_after("--help")
    assert last == "0 [] None"


def test_a_folder_of_files_that_are_not_pdfs_is_refused_without_a_parser_or_a_heavy_import(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "notes.pdf").write_bytes(b"Dear reader,\n")
    (sources / "page.pdf").write_bytes(b"<!DOCTYPE html><html></html>\n")
    last, err = _imported_after("build", "--sources", str(sources), "--outputs", str(tmp_path / "outputs"))
    # exit 1, nothing heavy imported, and no fork server started
    assert last == "1 [] None"
    assert err.splitlines() == [
        f"FAILED {sources / 'notes.pdf'}: not a PDF: no %PDF- header in its first 1024 bytes "
        "(it starts 'Dear reader,\\n')",
        f"FAILED {sources / 'page.pdf'}: an HTML page, not a PDF (no %PDF- header in its first 1024 bytes; "
        "a web page saved as .pdf?)"]
