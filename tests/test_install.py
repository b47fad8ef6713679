"""A non-editable install builds a guide from any folder: nothing is read from the repository at run time.

`pip install` of a copy of the package (pyproject.toml, README.md, pipeline/)
into a fresh virtualenv, then the console script run from an empty folder.
The contract the build's guard checks and the vocabulary must come from the
installed package data. One test; it takes some 20-40 s, most of it pip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tools.testkit.paths import OUTPUTS, ROOT, SOURCE_2022

#: pip's ways of saying the package index cannot be reached or lacks a dependency: then the test cannot run here.
_UNREACHABLE = ("No matching distribution", "Could not find a version", "Failed to establish a new connection",
                "Temporary failure in name resolution", "Network is unreachable")


def test_an_installed_pipeline_builds_from_an_empty_folder(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "pipeline", source / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # this environment's pip installs into the new one (--python): quicker than bootstrapping a pip there
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                           "--no-compile", str(source)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0 and any(s in done.stderr for s in _UNREACHABLE):
        pytest.skip(f"the package index cannot provide the dependencies here: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    shutil.rmtree(source)  # the installed copy must stand alone

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run([str(python), "-c", "import pipeline; print(pipeline.__file__)"], cwd=empty, env=env,
                           capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(venv)), where.stdout

    build = subprocess.run([str(venv / "bin" / "nanoknife-pipeline"), "build", "--quiet", "--jobs", "1",
                            "--sources", str(SOURCE_2022), "--outputs", "out"],
                           cwd=empty, env=env, capture_output=True, text=True, timeout=300)
    assert (build.returncode, build.stderr) == (0, ""), build.stdout
    assert build.stdout == "1 built, 0 failed\n"
    year = empty / "out" / "2022"
    # the CSVs and their data package are the committed ones byte for byte (Parquet bytes name the
    # writer's pyarrow version, which the fresh environment may resolve differently)
    for name in ("codes.csv", "payments.csv", "exclusions.csv", "terminology.csv", "provenance.csv",
                 "datapackage.json"):
        assert (year / name).read_bytes() == (OUTPUTS / "2022" / name).read_bytes(), name
    manifest = json.loads((year / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["row_counts"] == {"codes": 2, "payments": 8, "exclusions": 6, "terminology": 11, "provenance": 96}
