"""A real `python -m pipeline build` that the test stops at each publish step (`PIPELINE_STEP_FDS`).

`pipeline.publish.commit.step` writes each step's name to a pipe and waits
for one byte before going on, so a test can look at the outputs, snapshot
them, kill the build or signal it at an exact point: no sleeps, no timing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tools.testkit.paths import ROOT
from pipeline.publish.commit import STEP_FDS


class SteppedBuild:
    """One build process, paused before each publish step until `go()`."""

    def __init__(self, *args: str, env: dict | None = None):
        self._from_build, self._to_test = os.pipe()
        self._from_test, self._to_build = os.pipe()
        environment = {**os.environ, **(env or {}), STEP_FDS: f"{self._from_test},{self._to_test}"}
        self.process = subprocess.Popen([sys.executable, "-m", "pipeline", "build", *args], cwd=ROOT,
                                        env=environment, pass_fds=(self._from_test, self._to_test),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(self._from_test)
        os.close(self._to_test)
        self._steps = os.fdopen(self._from_build, "rb")

    def next_step(self) -> str | None:
        """Wait for the build to reach its next step; the step's "N name", or None once it has ended."""
        line = self._steps.readline()
        return line.decode().rstrip("\n") if line else None

    def go(self) -> None:
        """Let the build take the step it is paused at."""
        os.write(self._to_build, b"g")

    def finish(self) -> tuple[int, str, str]:
        """Let it run to the end; (exit code, stdout, stderr)."""
        try:
            while self.next_step() is not None:
                self.go()
        finally:
            self.close_pipes()
        out, err = self.process.communicate(timeout=120)
        return self.process.returncode, out.decode(), err.decode()

    def kill(self, signum: int) -> tuple[int, str, str]:
        """Send `signum`, let it carry on from its pause, and wait for it to end."""
        self.process.send_signal(signum)
        return self.finish()

    def close_pipes(self) -> None:
        self._steps.close()
        try:
            os.close(self._to_build)
        except OSError:
            pass


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path; the outputs' local files (lock, state) left out."""
    skip = {".lock", ".build-state.json"}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in skip}


def year_tree(outputs: Path, year: int) -> dict[str, bytes]:
    """One year as published: its folder and its dataset partitions, by path under `outputs`."""
    files = {f"{year}/{k}": v for k, v in tree(outputs / str(year)).items()} if (outputs / str(year)).exists() \
        else {}
    for part in sorted((outputs / "dataset").glob(f"*/guide_year={year}")):
        files.update({f"{part.relative_to(outputs).as_posix()}/{k}": v for k, v in tree(part).items()})
    return files


def copy_outputs(outputs: Path, to: Path) -> Path:
    shutil.copytree(outputs, to, symlinks=True)
    return to


def listed(outputs: Path, year: int) -> dict:
    return json.loads((outputs / str(year) / "manifest.json").read_text(encoding="utf-8"))
