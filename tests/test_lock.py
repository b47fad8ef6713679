"""One writer per outputs folder: build, warehouse and inspect hold outputs/.lock; readers never need it.

A holder here is a real process holding the lock (`pipeline.run.lock.hold`)
until the test closes its stdin, so every wait in these tests ends on an
event, never on a timer. The stress test then races two real builds on one
folder twenty times.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tools.testkit.paths import ROOT, SOURCE_2022
from dataclasses import replace
from tools.testkit.renderer import Amount, render
from tools.testkit.guide_2022 import GUIDE_2022
from pipeline.cli import main
from pipeline.readers.check import check_outputs
from pipeline.run.lock import EXIT_LOCKED, LOCK_FILE
from tests.stepped_build import year_tree

HOLDER = ("import sys\nfrom pipeline.run.lock import hold\n"
          "with hold(sys.argv[1], 'holder'):\n    print('held', flush=True)\n    sys.stdin.read()\n")


class Holder:
    """A process holding the outputs folder's lock until `release()`."""

    def __init__(self, outputs: Path):
        self.process = subprocess.Popen([sys.executable, "-c", HOLDER, str(outputs)], cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.process.stdout.readline() == "held\n"

    @property
    def pid(self) -> int:
        return self.process.pid

    def release(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


@pytest.fixture
def outputs(tmp_path, published_copy) -> Path:
    return published_copy(tmp_path / "outputs")


def pipeline(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_second_writer_waits_naming_the_holder_then_runs(outputs):
    holder = Holder(outputs)
    waiter = pipeline("warehouse", "--outputs", str(outputs), "--wait", "600")
    line = waiter.stderr.readline()  # it says so as soon as it finds the lock taken
    assert line == (f"waiting for {outputs}: pid {holder.pid} (holder) is writing it "
                    "(giving up after 600 s, --wait)\n")
    assert waiter.poll() is None  # and really waits
    holder.release()
    out, err = waiter.communicate(timeout=120)
    assert (waiter.returncode, err) == (0, "")
    assert out.splitlines()[0] == "2022: loaded (2 codes, 8 payments, 6 exclusions, 11 terminology, 96 provenance)"


@pytest.mark.parametrize("command", [["build", "--sources", str(SOURCE_2022.parent)], ["warehouse"],
                                     ["inspect", "2022", "--sources", str(SOURCE_2022.parent)]])
def test_every_writer_gives_up_after_wait_seconds(outputs, command):
    holder = Holder(outputs)
    before = year_tree(outputs, 2022)
    try:
        result = CliRunner().invoke(main, [*command, "--outputs", str(outputs), "--wait", "0.2"])
    finally:
        holder.release()
    assert result.exit_code == EXIT_LOCKED == 75
    assert result.stderr.splitlines() == [
        f"waiting for {outputs}: pid {holder.pid} (holder) is writing it (giving up after 0.2 s, --wait)",
        f"Error: {outputs} is still locked by pid {holder.pid} (holder) after 0.2 s (--wait); is another build "
        "running? try again later"]
    assert year_tree(outputs, 2022) == before
    assert sorted(p.name for p in outputs.iterdir()) == [LOCK_FILE, "2022", "dataset"]


def test_readers_never_need_the_lock(outputs):
    holder = Holder(outputs)
    try:
        result = CliRunner().invoke(main, ["validate", "--outputs", str(outputs)])
    finally:
        holder.release()
    assert (result.exit_code, result.stdout) == (0, "2022: valid\n")


def test_a_killed_holder_leaves_no_stale_lock(outputs):
    holder = Holder(outputs)
    holder.process.send_signal(signal.SIGKILL)
    holder.process.wait(timeout=60)
    result = CliRunner().invoke(main, ["warehouse", "--outputs", str(outputs), "--wait", "0"])
    assert result.exit_code == 0, result.output
    assert "waiting" not in result.output


# ---------------------------------------------------------------- the stress test

ROUNDS = 20


def test_two_builds_on_one_folder_twenty_times(tmp_path):
    """Two real builds of different sources race for one folder: one builds, the other builds after or gives up.

    Every round ends with the year whole (the bytes of exactly one of the two
    builds, the last to build), validate passing, and no staging left.
    """
    sources = {"a": tmp_path / "a", "b": tmp_path / "b"}
    shutil.copytree(SOURCE_2022.parent, sources["a"] / "2022")
    first = replace(GUIDE_2022.codes[0], asc=Amount.rate("6000.00"))
    render(replace(GUIDE_2022, codes=(first, *GUIDE_2022.codes[1:])), sources["b"] / "2022" / SOURCE_2022.name)
    outputs = tmp_path / "outputs"
    trees = {}
    for name, folder in sources.items():
        result = CliRunner().invoke(main, ["build", "--sources", str(folder), "--outputs",
                                           str(tmp_path / f"expected-{name}"), "--quiet"])
        assert result.exit_code == 0, result.output
        trees[name] = year_tree(tmp_path / f"expected-{name}", 2022)
    assert trees["a"] != trees["b"]

    outcomes = []
    for round_ in range(ROUNDS):
        runs = {name: pipeline("build", "--sources", str(folder), "--outputs", str(outputs), "--force",
                               "--quiet", "--jobs", "1", "--wait", "0")
                for name, folder in sources.items()}
        done = {name: (p.communicate(timeout=300), p.returncode, p.pid) for name, p in runs.items()}
        built = []
        for name, ((out, err), code, pid) in done.items():
            other_pid = done["b" if name == "a" else "a"][2]
            if code == 0:
                assert (out, err) == ("1 built, 0 failed\n", ""), (round_, name)
                built.append(name)
            else:
                assert code == EXIT_LOCKED, (round_, name, code, err)
                assert err.splitlines() == [
                    f"waiting for {outputs}: pid {other_pid} (build) is writing it (giving up after 0 s, --wait)",
                    f"Error: {outputs} is still locked by pid {other_pid} (build) after 0 s (--wait); is "
                    "another build running? try again later"], (round_, name)
        assert built, round_
        got = year_tree(outputs, 2022)
        assert got in (trees["a"], trees["b"]), round_
        if len(built) == 1:
            assert got == trees[built[0]], round_
        report = check_outputs(outputs)
        assert report.ok and [y.year for y in report.years] == [2022], round_
        assert sorted(p.name for p in outputs.iterdir()) == [".build-state.json", LOCK_FILE, "2022", "dataset"]
        outcomes.append(tuple(sorted(built)))
    assert len(outcomes) == ROUNDS
