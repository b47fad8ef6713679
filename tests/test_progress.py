"""Progress on a terminal: at once, with guide names, pages and an estimate; never into a pipe or with --quiet.

No test here measures time: what is asserted is what is drawn and in which order,
with a clock the test drives where the estimate is concerned.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios

from click.testing import CliRunner

from tools.testkit.paths import FIXTURES, ROOT, SOURCE_2022, TEST_SOURCES
from pipeline.cli import main
from pipeline.run.progress import Progress, ProgressBar, Reading, estimate_text, progress_line

NAME = SOURCE_2022.name
LONG = FIXTURES / "reportlab-borderless-300-codes-2026.pdf"


def on_a_terminal(*args) -> tuple[int, str, str]:
    """Run `pipeline ARGS` with stderr on a pseudo-terminal; exit status, what the terminal showed, stdout."""
    terminal, stderr = pty.openpty()
    # a wide terminal, so no frame is cut to its width (that is tested on its own below)
    fcntl.ioctl(stderr, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "pipeline", *map(str, args)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr)
    os.close(stderr)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the terminal closed: the command has exited
            break
        if not chunk:
            break
        shown += chunk
    stdout = process.stdout.read().decode()
    process.wait()
    os.close(terminal)
    return process.returncode, shown.decode(), stdout


def frames(shown: str) -> list[str]:
    return [frame.rstrip() for frame in shown.split("\r") if frame.strip()]


def test_a_build_on_a_terminal_names_the_guide_and_its_pages_then_erases_the_line(tmp_path):
    # 42 pages, so that pages are read for several tenths of a second (the 7-page guide reads in less than one)
    status, shown, stdout = on_a_terminal("build", "--sources", LONG, "--outputs", tmp_path, "--force")
    assert status == 0
    drawn = frames(shown)
    # the first frame comes before the parser starts; the last is the finished count
    assert drawn[0] == "[........................]  0/1 guides  starting the parser"
    assert drawn[-1] == "[########################]  1/1 guides  42/42 pages"
    pages = [int(n) for n in re.findall(rf"  reading {re.escape(LONG.name)} p\. (\d+)/42", shown)]
    assert pages and pages == sorted(pages)  # throttled to one frame a tenth of a second, never backwards
    for frame in drawn:
        assert frame.startswith("[") and frame[25] == "]" and set(frame[1:25]) <= {"#", "."}
    assert shown.endswith("\r")  # the line is blanked, so the result lines start clean
    assert stdout.splitlines()[-1] == "1 built, 0 failed"


def test_the_guide_being_read_is_named_when_a_file_before_it_was_refused_or_read_once_for_two(tmp_path):
    """A parser's progress names its own file: not the file at its place in the list of sources, which
    holds those refused before the parsers start and each copy of a file read once for all its copies."""
    import shutil

    from pipeline.run.build import build

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a-notes.pdf").write_text("not a PDF")  # refused before the parsers start
    for name in ("b-guide.pdf", "c-copy.pdf"):  # the same bytes: read once, as b-guide.pdf
        shutil.copyfile(SOURCE_2022, sources / name)
    shutil.copyfile(LONG, sources / "d-long.pdf")
    seen = []
    build(sources, tmp_path / "outputs", jobs=1, on_progress=seen.append)
    names = {reading.name for progress in seen for reading in progress.reading}
    assert names == {"b-guide.pdf", "d-long.pdf"}


def test_the_first_frame_is_drawn_before_the_heavy_imports(tmp_path):
    """What was imported when the first frame was written: none of the heavy libraries yet."""
    probe = (
        "import io, sys\n"
        "from pipeline.cli import main\n"
        "seen = []\n"
        "class Terminal(io.StringIO):\n"
        "    def isatty(self): return True\n"
        "    def write(self, text):\n"
        "        if text.strip() and not seen:\n"
        "            seen.append(sorted(m for m in ('pandas', 'pandera', 'pdfplumber', 'pyarrow') if m in sys.modules))\n"
        "        return super().write(text)\n"
        "sys.stderr = Terminal()\n"
        f"main(['build', '--sources', {str(SOURCE_2022.parent)!r}, '--outputs', {str(tmp_path)!r}], "
        "standalone_mode=False)\n"
        "print(seen[0])\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_quiet_shows_nothing_on_the_terminal(tmp_path):
    status, shown, stdout = on_a_terminal("build", "--sources", SOURCE_2022.parent, "--outputs", tmp_path, "--force",
                                          "--quiet")
    assert (status, shown, stdout) == (0, "", "1 built, 0 failed\n")


def test_nothing_but_the_result_lines_when_not_a_terminal(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # sources are shown relative to the working folder
    result = CliRunner().invoke(main, ["build", "--sources", str(SOURCE_2022.parent), "--outputs", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (f"built {SOURCE_2022.relative_to(ROOT)}: 2022 guide -> {tmp_path / '2022'}\n"
                             "1 built, 0 failed\n")
    result = CliRunner().invoke(main, ["warehouse", "--outputs", str(tmp_path)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "2022: loaded (2 codes, 8 payments, 6 exclusions, 11 terminology, 96 provenance)",
        f"warehouse: {tmp_path / 'warehouse.duckdb'}"]


def test_warehouse_and_report_steps_are_shown_on_a_terminal(tmp_path, published_copy):
    published_copy(tmp_path)
    status, shown, stdout = on_a_terminal("warehouse", "--outputs", tmp_path)
    assert status == 0, shown
    assert frames(shown) == ["warehouse: loading the pipeline",
                             f"warehouse: refreshing {tmp_path / 'warehouse.duckdb'} from {tmp_path}"]
    assert stdout.splitlines()[-1] == f"warehouse: {tmp_path / 'warehouse.duckdb'}"
    status, shown, stdout = on_a_terminal("inspect", "2022", "--outputs", tmp_path, "--sources", TEST_SOURCES)
    assert status == 0, shown
    assert frames(shown) == ["report: loading the pipeline",
                             f"report 2022: reading {NAME} and drawing its pages (in the build's sandbox)",
                             f"report 2022: writing {tmp_path / '2022' / 'report.html'}"]
    assert stdout == f"report 2022 -> {tmp_path / '2022' / 'report.html'}\n"


class Terminal(io.StringIO):
    """A text stream that says it is a terminal, to watch what the bar draws frame by frame."""

    def isatty(self) -> bool:
        return True


def test_the_estimate_follows_the_rate_of_pages_read():
    now = [0.0]
    stream = Terminal()
    bar = ProgressBar(stream, interval=0, clock=lambda: now[0], columns=200)

    def at(seconds, done):
        now[0] = seconds
        bar.update(Progress(0, 1, done, 20, 1, done / 20, (Reading("guide.pdf", done, 20),)))
        return stream.getvalue().rsplit("\r", 1)[-1].rstrip()

    assert at(0.0, 1) == "[#.......................]  0/1 guides  1/20 pages  reading guide.pdf p. 1/20"
    assert "left" not in at(0.5, 2)  # under a second of reading says too little
    # 4 pages in 2 s since the first: 0.1 of the work per second, 0.75 to go
    assert at(2.0, 5) == ("[######..................]  0/1 guides  5/20 pages  about 8 s left  "
                          "reading guide.pdf p. 5/20")


def test_the_line_never_wraps_and_a_pipe_gets_nothing():
    stream = Terminal()
    bar = ProgressBar(stream, interval=0, columns=40)
    bar.update(Progress(0, 2, 3, 14, 2, 0.2, (Reading("a-very-long-guide-name.pdf", 3, 7),
                                               Reading("another.pdf", 0, None))))
    assert stream.getvalue() == "\r[#####...................]  0/2 guides  "[:40]
    piped = io.StringIO()
    ProgressBar(piped).update(Progress(0, 1, 0, 0, 0, 0.0))
    ProgressBar(piped).step("warehouse: refreshing")
    assert piped.getvalue() == ""


def test_progress_words():
    assert progress_line(Progress(1, 2, 7, 14, 1, 0.75, (Reading("b.pdf", 0, None),)), None) == \
        "[##################......]  1/2 guides  7/14 pages  reading b.pdf (opening)"
    assert [estimate_text(s) for s in (0.2, 4.1, 89, 91, 600)] == [
        "about 1 s left", "about 5 s left", "about 89 s left", "about 2 min left", "about 10 min left"]


def test_build_refresh_shows_the_build_then_the_warehouse_and_report_steps(tmp_path):
    outputs = tmp_path / "outputs"
    status, shown, stdout = on_a_terminal("build", "--refresh", "--sources", SOURCE_2022.parent, "--outputs", outputs)
    assert status == 0, shown
    drawn = frames(shown)
    assert drawn[-4:] == ["[########################]  1/1 guides  7/7 pages",
                          f"warehouse: refreshing {outputs / 'warehouse.duckdb'} from {outputs}",
                          f"report 2022: reading {NAME} and drawing its pages (in the build's sandbox)",
                          f"report 2022: writing {outputs / '2022' / 'report.html'}"]
    assert stdout.splitlines()[-4:] == [
        "1 built, 0 failed", "2022: loaded (2 codes, 8 payments, 6 exclusions, 11 terminology, 96 provenance)",
        f"warehouse: {outputs / 'warehouse.duckdb'}", f"report 2022 -> {outputs / '2022' / 'report.html'}"]
