"""Atomic publish, for real: a build killed mid-write leaves the previous outputs whole.

A guide's outputs are written into `outputs/.staging/` and swapped into place
in one rename (`pipeline.publish.write_folder`). These tests kill a real build
process with SIGKILL while it is writing, and watch a folder being replaced.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from conftest import OUTPUTS, ROOT, SOURCE_2022
from guide_renderer import Amount, render
from make_reconstruction import GUIDE_2022
from pipeline.run.build import build
from pipeline.publish import STAGING, write_folder

YEAR_FILES = 11  # five tables as CSV and Parquet, and the manifest


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def published(folder: Path) -> dict[str, bytes]:
    """A year's published files: its manifest and every file the manifest lists (not local reports)."""
    listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    return {name: (folder / name).read_bytes() for name in ["manifest.json", *sorted(listed)]}


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _stop_while_writing(process: subprocess.Popen, stage: Path) -> list[str] | None:
    """SIGSTOP `process` once its staging folder holds a file; the names written so far, or None if it ended."""
    while process.poll() is None:
        try:
            written = os.listdir(stage)
        except FileNotFoundError:
            continue
        if written:
            os.kill(process.pid, signal.SIGSTOP)
            while _state(process.pid) != "T":
                time.sleep(0.001)
            return sorted(os.listdir(stage))
    return None


def test_sigkill_mid_write_leaves_no_partial_year_and_the_old_outputs_byte_identical(tmp_path):
    # The previous outputs: an earlier 2022 guide whose ASC payment for 0600T differed.
    earlier = replace(GUIDE_2022, codes=(replace(GUIDE_2022.codes[0], asc=Amount.rate("6000.00")),
                                         *GUIDE_2022.codes[1:]))
    render(earlier, tmp_path / "earlier" / "2022" / SOURCE_2022.name)
    outputs = tmp_path / "outputs"
    assert [o.status for o in build(tmp_path / "earlier", outputs)] == ["built"]
    old = tree(outputs / "2022")
    assert old != published(OUTPUTS / "2022")
    entries_before = sorted(p.name for p in outputs.iterdir())

    # The new build, of the real 2022 guide, is stopped while it writes the year and killed.
    for attempt in range(10):
        build_process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "build", "--sources", str(SOURCE_2022.parent),
             "--outputs", str(outputs), "--force", "--quiet"], cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stage = outputs / STAGING / f"2022.{build_process.pid}"
        written = _stop_while_writing(build_process, stage)
        mid_write = written is not None and tree(outputs / "2022") == old
        build_process.kill()
        build_process.wait()
        if mid_write:
            break
        # Too late: the year was already swapped in. Put the old outputs back and try again.
        assert tree(outputs / "2022") in (old, published(OUTPUTS / "2022"))
        assert [o.status for o in build(tmp_path / "earlier", outputs, force=True)] == ["built"]
    else:
        raise AssertionError("could not stop the build while it was writing in 10 attempts")

    assert build_process.returncode == -signal.SIGKILL
    assert 1 <= len(written) < YEAR_FILES  # it really was killed half-way through the year's files
    assert tree(outputs / "2022") == old  # the old outputs, byte for byte
    assert sorted(p.name for p in outputs.iterdir()) == sorted({*entries_before, STAGING})
    assert not [p for p in outputs.iterdir() if p.name.startswith("2022") and p.name != "2022"]
    assert sorted(os.listdir(stage)) == written  # the half-written year stayed in staging

    # The next build clears what the killed one left and publishes the new year whole.
    assert [o.status for o in build(SOURCE_2022.parent, outputs, force=True)] == ["built"]
    assert not (outputs / STAGING).exists()
    assert tree(outputs / "2022") == published(OUTPUTS / "2022")


def test_replacing_a_year_never_leaves_a_moment_without_it(tmp_path):
    """A reader polling the year's manifest while it is replaced 200 times always finds one, old or new."""
    final = tmp_path / "outputs" / "2022"
    write_folder({"manifest.json": b"0"}, final)
    missing, seen, done = [], set(), threading.Event()

    def reader():
        while not done.is_set():
            try:
                seen.add((final / "manifest.json").read_bytes())
            except FileNotFoundError:
                missing.append(time.monotonic())

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        for n in range(1, 201):
            write_folder({"manifest.json": str(n).encode(), "codes.csv": b"x" * n}, final)
    finally:
        done.set()
        watcher.join()
    assert missing == []
    assert len(seen) > 1
    assert tree(final) == {"codes.csv": b"x" * 200, "manifest.json": b"200"}
    assert sorted(p.name for p in final.parent.iterdir()) == ["2022"]  # staging removed
