"""Committed outputs and the committed source are exactly what the code makes."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from tools.testkit.paths import OUTPUTS, ROOT, SOURCES
from pipeline.cli import main
from pipeline.publish import INSPECT_HTML, INSPECT_IMAGES


def _local_only(rel) -> bool:
    """The inspect report (`make build` writes it) is a local viewing artifact, not committed output."""
    return rel.name == INSPECT_HTML or INSPECT_IMAGES in rel.parts[:-1]


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not _local_only(p.relative_to(folder))}


def test_build_reproduces_committed_outputs_byte_for_byte(tmp_path):
    result = CliRunner().invoke(main, ["build", "--sources", str(SOURCES), "--outputs", str(tmp_path)])
    assert result.exit_code == 0, result.output
    built = _tree(tmp_path / "2022")
    committed = _tree(OUTPUTS / "2022")
    assert sorted(built) == sorted(committed)
    for name in committed:
        assert built[name] == committed[name], f"outputs/2022/{name} differs from a fresh build"
    # the Hive dataset is committed too, one partition per year and table
    built, committed = _tree(tmp_path / "dataset"), _tree(OUTPUTS / "dataset")
    assert sorted(built) == sorted(committed)
    for name in committed:
        assert built[name] == committed[name], f"outputs/dataset/{name} differs from a fresh build"


def test_two_builds_are_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert CliRunner().invoke(main, ["build", "--sources", str(SOURCES), "--outputs", str(out)]).exit_code == 0
    assert _tree(a) == _tree(b)


def test_reconstruction_script_reproduces_the_committed_source():
    done = subprocess.run([sys.executable, "-m", "tools.make_reconstruction", "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
