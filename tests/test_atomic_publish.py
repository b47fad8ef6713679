"""One commit per year, for real: a build killed at any point of publish leaves every year whole or reported torn.

A year is its folder and its five dataset partitions; publish commits them in
an order (`pipeline.publish.commit`) whose every intermediate state is either
a whole year (old or new) or one `validate` reports as torn, and the next build
repairs. These tests stop a real `python -m pipeline build` before each of its
publish steps (`stepped_build`), look at what a kill there would leave, and
kill it for real at some of them.
"""

from __future__ import annotations

import random
import re
import shutil
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from tools.testkit.paths import SOURCE_2022
from tools.testkit.renderer import Amount, render
from tools.testkit.guide_2022 import GUIDE_2022
from pipeline.cli import main
from pipeline.publish import STAGING, write_folder
from pipeline.readers.check import check_outputs
from pipeline.run import buildstate
from pipeline.run.build import build, find_sources
from tests.stepped_build import SteppedBuild, copy_outputs, tree, year_tree
from tools.testkit.two_years import GUIDE_2023, edition_2023

YEARS = (2022, 2023)
#: Publish steps looked at, of the 51 a two-year build takes; a fixed seed, so the same ones every run.
POINTS = 30
NAMES = {2022: f"2022/{SOURCE_2022.name}", 2023: "2023/2023-NanoKnife-CPT-Reimbursement-Guide.pdf"}
TORN = re.compile(r"^(?P<folder>.+/(?P<year>\d{4})): torn by an interrupted build: \d+ file\(s\) disagree with "
                  r"its manifest\.json; run build to repair it$")


def _old_guides():
    first = replace(GUIDE_2022.codes[0], asc=Amount.rate("6000.00"))
    return {2022: replace(GUIDE_2022, codes=(first, *GUIDE_2022.codes[1:])),
            2023: edition_2023(codes=(replace(GUIDE_2023.codes[0], opps=Amount.rate("9100.00")),
                                      GUIDE_2023.codes[1]))}


def put_sources(sources: Path, which: str, pdfs: dict[str, dict[int, bytes]]) -> None:
    for year, data in pdfs[which].items():
        path = sources / NAMES[year]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Old and new PDFs of two years, the outputs of each built for real, and the old build's outputs folder."""
    root = tmp_path_factory.mktemp("atomic")
    pdfs = {"old": {}, "new": {}}
    for year, guide in _old_guides().items():
        pdfs["old"][year] = render(guide, root / "render" / f"old-{year}.pdf").read_bytes()
    pdfs["new"][2022] = SOURCE_2022.read_bytes()
    pdfs["new"][2023] = render(GUIDE_2023, root / "render" / "new-2023.pdf").read_bytes()
    sources, outputs = root / "sources", root / "outputs"
    put_sources(sources, "new", pdfs)
    assert [o.status for o in build(sources, root / "new-outputs")] == ["built", "built"]
    put_sources(sources, "old", pdfs)
    assert [o.status for o in build(sources, outputs)] == ["built", "built"]
    trees = {which: {y: year_tree(root / f, y) for y in YEARS}
             for which, f in (("old", "outputs"), ("new", "new-outputs"))}
    assert all(trees["old"][y] != trees["new"][y] for y in YEARS)
    pristine = copy_outputs(outputs, root / "pristine")
    return {"root": root, "sources": sources, "outputs": outputs, "pristine": pristine, "pdfs": pdfs,
            "trees": trees}


def reset(world) -> Path:
    """The outputs folder back to the old build's, byte for byte (its build state included)."""
    shutil.rmtree(world["outputs"])
    return copy_outputs(world["pristine"], world["outputs"])


def kind_of(outputs: Path, year: int, trees) -> str:
    got = year_tree(outputs, year)
    return "old" if got == trees["old"][year] else "new" if got == trees["new"][year] else "torn"


def test_a_kill_before_any_publish_step_leaves_each_year_whole_or_reported_torn(world):
    outputs, sources, trees = reset(world), world["sources"], world["trees"]
    put_sources(sources, "new", world["pdfs"])
    snapshots: list[tuple[str, Path]] = []
    stepped = SteppedBuild("--sources", str(sources), "--outputs", str(outputs), "--force", "--quiet")
    while (step := stepped.next_step()) is not None:
        # What a SIGKILL now, before this step, would leave on disk.
        snapshots.append((step, copy_outputs(outputs, world["root"] / f"at-{len(snapshots) + 1}")))
        stepped.go()
    code, out, err = stepped.finish()
    assert (code, out, err) == (0, "2 built, 0 failed\n", "")
    assert len(snapshots) == 51  # per year 17 files (the data package among them), the journal, 6 swaps, its end; then the build state
    assert {y: year_tree(outputs, y) for y in YEARS} == trees["new"]

    # Looked at with the old sources back: "no source changed" since the last whole build.
    put_sources(sources, "old", world["pdfs"])
    paths = find_sources(sources)
    seen = set()
    for step, snapshot in sorted(random.Random(13).sample(snapshots, POINTS), key=lambda s: int(s[0].split()[0])):
        report = check_outputs(snapshot)
        kinds = {y: kind_of(snapshot, y, trees) for y in YEARS}
        seen.update(kinds.values())
        for check in report.years:
            if kinds[check.year] == "torn":
                [line] = [p.line() for p in check.problems]
                match = TORN.match(line)
                assert match and match["folder"] == str(snapshot / str(check.year)), (step, line)
            else:
                assert check.problems == [], (step, kinds, [p.line() for p in check.problems])
        assert report.other == []
        # The next build is never a no-op here: the staging (and journal) of the killed build says so,
        # and so, with the staging gone, do the hashes of anything that is not the last build's.
        assert buildstate.up_to_date(sources, paths, snapshot) is None, step
        shutil.rmtree(snapshot / STAGING)
        wholly_old = all(k == "old" for k in kinds.values())
        assert (buildstate.up_to_date(sources, paths, snapshot) is not None) == wholly_old, step
    assert seen == {"old", "new", "torn"}


@pytest.mark.parametrize("at, expect", [
    ("write 2023/manifest.json", {2022: "old", 2023: "old"}),
    ("swap dataset/terminology/guide_year=2022", {2022: "torn", 2023: "old"}),
    ("committed 2022", {2022: "new", 2023: "old"}),
])
def test_sigkill_mid_publish_then_the_next_build_repairs(world, at, expect):
    outputs, sources, trees = reset(world), world["sources"], world["trees"]
    put_sources(sources, "new", world["pdfs"])
    stepped = SteppedBuild("--sources", str(sources), "--outputs", str(outputs), "--force", "--quiet")
    while (step := stepped.next_step()) is not None and step.split(" ", 1)[1] != at:
        stepped.go()
    assert step is not None and step.endswith(at)
    code, _, _ = stepped.kill(signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert {y: kind_of(outputs, y, trees) for y in YEARS} == expect
    assert (outputs / STAGING).is_dir()  # left by the kill

    result = CliRunner().invoke(main, ["validate", "--outputs", str(outputs)])
    torn = [y for y, k in expect.items() if k == "torn"]
    if torn:
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0].startswith(f"{outputs / '2022'}: torn by an interrupted build: ")
        assert result.stderr.splitlines()[1:] == ["1 of 2 year(s) failed their checks"]
    else:
        assert (result.exit_code, result.stdout, result.stderr) == (0, "2022: valid\n2023: valid\n", "")

    # The old sources back, as at the last whole build: still rebuilt, back to the old outputs.
    put_sources(sources, "old", world["pdfs"])
    assert [o.status for o in build(sources, outputs)] == ["built", "built"]
    assert {y: kind_of(outputs, y, trees) for y in YEARS} == {2022: "old", 2023: "old"}
    assert not (outputs / STAGING).exists()
    assert [o.status for o in build(sources, outputs)] == ["unchanged", "unchanged"]


def test_replacing_a_year_never_leaves_a_moment_without_it(tmp_path):
    """A reader polling a folder's file while `write_folder` replaces it 200 times always finds one, old or new."""
    final = tmp_path / "outputs" / "diffs" / "2022-2023"
    write_folder({"report.md": b"0"}, final)
    missing, seen, done = [], set(), threading.Event()

    def reader():
        while not done.is_set():
            try:
                seen.add((final / "report.md").read_bytes())
            except FileNotFoundError:
                missing.append(time.monotonic())

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        for n in range(1, 201):
            write_folder({"report.md": str(n).encode(), "changes.csv": b"x" * n}, final)
    finally:
        done.set()
        watcher.join()
    assert missing == []
    assert len(seen) > 1
    assert tree(final) == {"changes.csv": b"x" * 200, "report.md": b"200"}
    assert sorted(p.name for p in final.parent.iterdir()) == ["2022-2023"]  # staging removed
