"""No-op rebuilds: an unchanged source is not read again, and its year not rewritten.

The build state (`pipeline.run.buildstate`) lives in `outputs/.build-state.json`;
anything that could change a year's outputs (its source's bytes or password,
the code, a published file) makes its guide be read again, and a state file that
is missing or unreadable makes every guide be. Which guides were read is seen
from the progress callback, which names each guide as it is read.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import bad_pdfs
from tools.testkit.paths import FIXTURES, ROOT, SOURCE_2022
from tools.testkit.renderer import render
from tools.testkit.two_years import GUIDE_2023
from pipeline.run.build import build
from pipeline.run.buildstate import STATE_FILE, code_fingerprint

NEW = "2023-NanoKnife-CPT-Reimbursement-Guide.pdf"


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file with its inode and modification time: a rewrite changes one or the other."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def built(tmp_path):
    """A sources folder with the 2022 guide, built once into an outputs folder."""
    sources = tmp_path / "sources"
    (sources / "2022").mkdir(parents=True)
    shutil.copy(SOURCE_2022, sources / "2022" / SOURCE_2022.name)
    outputs = tmp_path / "outputs"
    assert [o.status for o in build(sources, outputs)] == ["built"]
    return sources, outputs


def statuses(sources: Path, outputs: Path, **options) -> list[str]:
    return [o.status for o in build(sources, outputs, **options)]


def reading(sources: Path, outputs: Path, **options) -> tuple[list[str], set[str]]:
    """Each source's status, and the file names of the guides the build read (parsed)."""
    read: set[str] = set()
    outcomes = build(sources, outputs, on_progress=lambda p: read.update(r.name for r in p.reading), **options)
    return [o.status for o in outcomes], read


def year_files(outputs: Path, year: int) -> dict[str, tuple[int, int, bytes]]:
    """A year's folder and its dataset partitions, each file with its inode and modification time."""
    files = snapshot(outputs / str(year))
    for part in sorted((outputs / "dataset").glob(f"*/guide_year={year}")):
        files.update({f"{part.relative_to(outputs)}/{k}": v for k, v in snapshot(part).items()})
    return files


def test_an_unchanged_rebuild_rewrites_nothing(built):
    sources, outputs = built
    before = snapshot(outputs)
    [outcome] = build(sources, outputs)
    assert (outcome.status, outcome.guide_year) == ("unchanged", 2022)
    assert outcome.message == (f"2022 guide -> {outputs / '2022'} "
                               "(source and pipeline unchanged since the last build)")
    assert snapshot(outputs) == before


def test_the_noop_check_runs_before_the_heavy_imports(built):
    sources, outputs = built
    command = [sys.executable, "-m", "pipeline", "build", "--sources", str(sources), "--outputs", str(outputs)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"unchanged {sources / '2022' / SOURCE_2022.name}: 2022 guide -> {outputs / '2022'} "
        "(source and pipeline unchanged since the last build)",
        "nothing to rebuild: 1 guide(s) unchanged, and the pipeline too, since the last build (--force rebuilds)",
    ]
    probe = ("import sys\nfrom pipeline.cli import main\n"
             f"main(['build', '--sources', {str(sources)!r}, '--outputs', {str(outputs)!r}, '-q'], "
             "standalone_mode=False)\n"
             "print(sorted(m for m in ('pandas', 'pandera', 'pdfplumber', 'pdfminer', 'pyarrow') "
             "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.splitlines()[-1] == "[]", done.stderr
    # How fast it is belongs in `make bench` (tools/bench.py), not here: a busy machine would fail it.


def _edit_source(sources, outputs):
    path = sources / "2022" / SOURCE_2022.name
    path.write_bytes(path.read_bytes() + b"\n")  # still the same guide, other bytes


def _corrupt_state(sources, outputs):
    (outputs / STATE_FILE).write_text("{not json", encoding="utf-8")


def _other_code(sources, outputs):
    state = json.loads((outputs / STATE_FILE).read_text(encoding="utf-8"))
    state["code"] = "0" * 64  # what the state of a build by other pipeline code holds
    (outputs / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")


def _other_library(sources, outputs):
    state = json.loads((outputs / STATE_FILE).read_text(encoding="utf-8"))
    state["libraries"]["pyarrow"] = "1.0.0"
    (outputs / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")


def _missing_state(sources, outputs):
    (outputs / STATE_FILE).unlink()


def _deleted_output(sources, outputs):
    (outputs / "2022" / "payments.parquet").unlink()


def _edited_output(sources, outputs):
    with open(outputs / "2022" / "codes.csv", "a", encoding="utf-8") as fh:
        fh.write("2022,0602T,III,made up,3\n")


def _deleted_year(sources, outputs):
    shutil.rmtree(outputs / "2022")


def _new_source(sources, outputs):
    # a real PDF that is no guide, so a parser reads it (a file that is no PDF is refused before any parser)
    shutil.copy(FIXTURES / "non-guides" / "reportlab-price-list-cpt-codes.pdf", sources / "notes.pdf")


@pytest.mark.parametrize("change", [_edit_source, _corrupt_state, _other_code, _other_library, _missing_state,
                                    _deleted_output, _edited_output, _deleted_year, _new_source],
                         ids=lambda f: f.__name__.strip("_"))
def test_what_makes_a_real_rebuild(change, built, outputs_2022):
    sources, outputs = built
    change(sources, outputs)
    got, read = reading(sources, outputs)
    if change is _new_source:  # the new file alone is read: the 2022 guide is as it was
        assert (got, read) == (["unchanged", "failed"], {"notes.pdf"})
        assert reading(sources, outputs) == (["unchanged", "failed"], {"notes.pdf"})  # a failure is tried again
    else:
        assert (got, read) == (["built"], {SOURCE_2022.name})
        assert (outputs / "2022" / "codes.csv").read_bytes() == (outputs_2022 / "2022" / "codes.csv").read_bytes()
        assert statuses(sources, outputs) == ["unchanged"]  # and then it is current again


def test_force_rebuilds(built):
    sources, outputs = built
    assert statuses(sources, outputs, force=True) == ["built"]


# ---------------------------------------------------------------- adding a year reads the new guide alone

def test_adding_a_year_reads_the_new_guide_alone(built):
    """The README's yearly step: the 2022 guide is not read again and none of its files is rewritten; a code
    change reads both; a published file edited by hand reads its own guide again, and only it."""
    sources, outputs = built
    committed = year_files(outputs, 2022)
    render(GUIDE_2023, sources / "2023" / NEW)
    assert reading(sources, outputs) == (["unchanged", "built"], {NEW})
    assert year_files(outputs, 2022) == committed
    state = json.loads((outputs / STATE_FILE).read_text(encoding="utf-8"))
    assert {key: (entry["status"], entry["guide_year"]) for key, entry in state["sources"].items()} == {
        f"2022/{SOURCE_2022.name}": ("built", 2022), f"2023/{NEW}": ("built", 2023)}
    assert sorted(state["outputs"]) == ["2022", "2023"]
    assert reading(sources, outputs) == (["unchanged", "unchanged"], set())

    with open(outputs / "2022" / "codes.csv", "a", encoding="utf-8") as fh:
        fh.write("2022,0602T,III,made up,3\n")
    assert reading(sources, outputs) == (["built", "unchanged"], {SOURCE_2022.name})
    _other_code(sources, outputs)
    assert reading(sources, outputs) == (["built", "built"], {SOURCE_2022.name, NEW})


def test_a_new_file_claiming_an_unchanged_year_fails_beside_it(built, outputs_2022):
    """The unchanged guide still claims its year: a second 2022 guide makes both fail, as when both are read."""
    sources, outputs = built
    committed = year_files(outputs, 2022)
    second = bad_pdfs.guide_2022(sources / "vendor" / "2022-guide.pdf", user_password="open-sesame")
    outcomes = build(sources, outputs, passwords=["open-sesame"])
    assert [(o.source, o.status, o.message) for o in outcomes] == [
        (sources / "2022" / SOURCE_2022.name, "failed", f"two sources claim the 2022 guide: this one and {second}; "
                                                        "keep one"),
        (second, "failed", f"two sources claim the 2022 guide: this one and {sources / '2022' / SOURCE_2022.name}; "
                           "keep one")]
    assert year_files(outputs, 2022) == committed
    second.unlink()  # the failed guide is read again next time, and builds
    assert reading(sources, outputs) == (["built"], {SOURCE_2022.name})


def test_a_guide_that_needs_a_password_is_read_again_when_that_password_is_not_given(tmp_path):
    """Its state records which password opened it (a digest, never the password): given again, among others,
    the guide is unchanged; not given, it is read again and says so. A guide that needs none ignores them."""
    sources, outputs = tmp_path / "sources", tmp_path / "outputs"
    locked = bad_pdfs.guide_2022(sources / "2022" / "guide.pdf", user_password="open-sesame")
    render(GUIDE_2023, sources / "2023" / NEW)
    assert reading(sources, outputs, passwords=["open-sesame"]) == (["built", "built"], {"guide.pdf", NEW})
    assert "open-sesame" not in (outputs / STATE_FILE).read_text(encoding="utf-8")
    assert reading(sources, outputs, passwords=["guess", "open-sesame"]) == (["unchanged", "unchanged"], set())
    [first, second] = build(sources, outputs, passwords=["guess"])
    assert (first.source, first.status, first.message) == (locked, "failed",
                                                           "the password given does not open this PDF")
    assert second.status == "unchanged"  # opened by "open-sesame": the 2023 guide needs no password
    assert reading(sources, outputs) == (["failed", "unchanged"], {"guide.pdf"})
    assert reading(sources, outputs, passwords=["open-sesame"]) == (["built", "unchanged"], {"guide.pdf"})


def test_code_fingerprint_covers_code_and_vocabulary_only(tmp_path):
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    original = code_fingerprint(package)
    assert original == code_fingerprint()
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "build.cpython-311.pyc").write_bytes(b"compiled")
    assert code_fingerprint(package) == original
    vocab = package / "vocab" / "sentinels.csv"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "N/A,not_applicable\n", encoding="utf-8")
    assert code_fingerprint(package) != original
    shutil.copy(ROOT / "pipeline" / "vocab" / "sentinels.csv", vocab)
    assert code_fingerprint(package) == original
    (package / "run" / "build.py").write_text((package / "run" / "build.py").read_text(encoding="utf-8") + "\n# edit\n",
                                      encoding="utf-8")
    assert code_fingerprint(package) != original


def test_the_state_stays_out_of_the_committed_outputs(built):
    sources, outputs = built
    manifest = json.loads((outputs / "2022" / "manifest.json").read_text(encoding="utf-8"))
    assert code_fingerprint() not in json.dumps(manifest)
    state = json.loads((outputs / STATE_FILE).read_text(encoding="utf-8"))
    assert state["code"] == code_fingerprint()
    ignored = subprocess.run(["git", "check-ignore", "outputs/" + STATE_FILE], cwd=ROOT, capture_output=True,
                             text=True)
    assert ignored.stdout.strip() == "outputs/" + STATE_FILE
