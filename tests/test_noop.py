"""No-op rebuilds: unchanged sources and pipeline mean nothing is parsed and nothing rewritten.

The build state (`pipeline.run.buildstate`) lives in `outputs/.build-state.json`;
anything that could change the outputs (a source's bytes, the code, a
published file) makes the next build a real one, and so does a state file that
is missing or unreadable.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.testkit.paths import OUTPUTS, ROOT, SOURCE_2022
from pipeline.run.build import build
from pipeline.run.buildstate import STATE_FILE, code_fingerprint


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
    (sources / "notes.pdf").write_bytes(b"not a guide")


@pytest.mark.parametrize("change", [_edit_source, _corrupt_state, _other_code, _other_library, _missing_state,
                                    _deleted_output, _edited_output, _deleted_year, _new_source],
                         ids=lambda f: f.__name__.strip("_"))
def test_what_makes_a_real_rebuild(change, built):
    sources, outputs = built
    change(sources, outputs)
    outcomes = build(sources, outputs)
    assert "unchanged" not in [o.status for o in outcomes]
    if change is _new_source:
        assert [o.status for o in outcomes] == ["built", "failed"]
        assert statuses(sources, outputs) == ["built", "failed"]  # a failure is tried again every time
    else:
        assert [o.status for o in outcomes] == ["built"]
        assert (outputs / "2022" / "codes.csv").read_bytes() == (OUTPUTS / "2022" / "codes.csv").read_bytes()
        assert statuses(sources, outputs) == ["unchanged"]  # and then it is current again


def test_force_rebuilds(built):
    sources, outputs = built
    assert statuses(sources, outputs, force=True) == ["built"]


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
