"""The progress bar: drawn on a terminal while pages are read, never into a pipe or with --quiet."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from click.testing import CliRunner

from conftest import ROOT, SOURCE_2022
from pipeline.cli import main


def build_on_a_terminal(outputs, *options) -> tuple[int, str, str]:
    """Run `build` with stderr on a pseudo-terminal; exit status, what the terminal showed, stdout."""
    terminal, stderr = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "build", "--sources", str(SOURCE_2022.parent),
                                "--outputs", str(outputs), "--force", *options],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr)
    os.close(stderr)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the terminal closed: the build has exited
            break
        if not chunk:
            break
        shown += chunk
    stdout = process.stdout.read().decode()
    process.wait()
    os.close(terminal)
    return process.returncode, shown.decode(), stdout


def test_a_terminal_shows_the_bar_then_erases_it(tmp_path):
    status, shown, stdout = build_on_a_terminal(tmp_path)
    assert status == 0
    frames = [frame for frame in shown.split("\r") if frame.strip()]
    assert frames, "no progress bar was drawn"
    for frame in frames:
        bar, counts = frame.rstrip().split("] ")
        assert bar.startswith("[") and len(bar) == 31 and set(bar[1:]) <= {"#", "."}
        assert counts.startswith("0/1 guides, ") or counts.startswith("1/1 guides, ")
    assert "7 page(s) read" in shown
    assert shown.endswith("\r")  # the line is blanked, so the summary starts clean
    assert stdout.splitlines()[-1] == "1 built, 0 failed"


def test_quiet_shows_no_bar(tmp_path):
    status, shown, stdout = build_on_a_terminal(tmp_path, "--quiet")
    assert (status, shown, stdout) == (0, "", "1 built, 0 failed\n")


def test_no_bar_when_not_a_terminal(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # sources are shown relative to the working folder
    result = CliRunner().invoke(main, ["build", "--sources", str(SOURCE_2022.parent), "--outputs", str(tmp_path)])
    assert result.exit_code == 0
    assert "\r" not in result.output
    assert result.stdout == (f"built {SOURCE_2022.relative_to(ROOT)}: 2022 guide -> {tmp_path / '2022'}\n"
                             "1 built, 0 failed\n")
