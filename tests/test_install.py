"""The installed package: a wheel built from the repository and installed into a fresh virtualenv builds a guide
from any folder, ships the contract and the DDL, and writes its docs where the user says, never into itself.

`pip wheel` of a copy of the package (pyproject.toml, README.md, pipeline/), as
`pip install .` would build it, then `pip install` of that wheel into a fresh
virtualenv, and the console script run from empty folders. The contract the
build's guard checks, the vocabulary and the DDL must come from the installed
package data. One test; it takes some 20-40 s, most of it pip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools.testkit.paths import ROOT, SOURCE_2022

#: pip's ways of saying the package index cannot be reached or lacks a dependency: then the test cannot run here.
_UNREACHABLE = ("No matching distribution", "Could not find a version", "Failed to establish a new connection",
                "Temporary failure in name resolution", "Network is unreachable")
#: What `docs` writes: the readers' copies of the contract, and the references.
DOCS = ["docs/commands.md", "docs/data-dictionary.md", "docs/vocabulary.md", "schemas/bigquery/codes.json",
        "schemas/bigquery/exclusions.json", "schemas/bigquery/payments.json", "schemas/bigquery/provenance.json",
        "schemas/bigquery/terminology.json", "schemas/datapackage.json", "schemas/duckdb-year.sql",
        "schemas/postgres-year.sql", "schemas/postgres.sql"]


def pip(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=600)
    if done.returncode != 0 and any(s in done.stderr for s in _UNREACHABLE):
        pytest.skip(f"the package index cannot provide the dependencies here: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    return done


def files(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its sha256, bytecode caches left out (importing writes them)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_an_installed_pipeline_builds_and_writes_its_docs_outside_itself(tmp_path, outputs_2022):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "pipeline", source / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))

    pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path / "dist"), str(source))
    [wheel] = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.startswith("pipeline/") and
                   not name.endswith(".py") and not name.startswith("pipeline/vocab/")}
    assert sorted(shipped) == ["pipeline/contract.json", "pipeline/ddl/bigquery/codes.json",
                               "pipeline/ddl/bigquery/exclusions.json", "pipeline/ddl/bigquery/payments.json",
                               "pipeline/ddl/bigquery/provenance.json", "pipeline/ddl/bigquery/terminology.json",
                               "pipeline/ddl/duckdb-year.sql", "pipeline/ddl/postgres-year.sql",
                               "pipeline/ddl/postgres.sql"]
    # building leaves build/ beside pyproject.toml, as `pip install .` does in a checkout: git ignores it there
    assert (source / "build" / "lib" / "pipeline" / "cli.py").is_file()
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "build/lib/pipeline/cli.py"], cwd=ROOT,
                             capture_output=True, text=True)
    assert ignored.stdout == "build/lib/pipeline/cli.py\n"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # this environment's pip installs into the new one (--python): quicker than bootstrapping a pip there
    pip("--python", str(python), "install", "--quiet", "--no-compile", str(wheel))
    shutil.rmtree(source)  # the installed copy must stand alone

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        cwd.mkdir(exist_ok=True)
        return subprocess.run([str(venv / "bin" / "nanoknife-pipeline"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)

    where = subprocess.run([str(python), "-c", "import pipeline; print(pipeline.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=True)
    package = Path(where.stdout.strip()).parent
    assert package.is_relative_to(venv), where.stdout
    site_packages = files(package.parent)

    build = run("build", "--quiet", "--jobs", "1", "--sources", str(SOURCE_2022), "--outputs", "out",
                cwd=tmp_path / "empty")
    assert (build.returncode, build.stderr) == (0, ""), build.stdout
    assert build.stdout == "1 built, 0 failed\n"
    year = tmp_path / "empty" / "out" / "2022"
    # the CSVs and their data package are a build's byte for byte (Parquet bytes name the writer's pyarrow
    # version, which the fresh environment may resolve differently)
    for name in ("codes.csv", "payments.csv", "exclusions.csv", "terminology.csv", "provenance.csv",
                 "datapackage.json"):
        assert (year / name).read_bytes() == (outputs_2022 / "2022" / name).read_bytes(), name
    manifest = json.loads((year / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["row_counts"] == {"codes": 2, "payments": 8, "exclusions": 6, "terminology": 11, "provenance": 96}

    # the DDL is package data, the repository's schemas/ byte for byte, and the installed code finds it
    for name in ("postgres.sql", "postgres-year.sql", "duckdb-year.sql", "bigquery/payments.json"):
        assert (package / "ddl" / name).read_bytes() == (ROOT / "schemas" / name).read_bytes(), name
    read = subprocess.run([str(python), "-c", "from pipeline import contract; "
                                              "print(contract.PACKAGED / 'postgres.sql')"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert read.stdout == f"{package / 'ddl' / 'postgres.sql'}\n"

    # docs: into the current folder by default, or --to; the files are the repository's own
    done = run("docs", cwd=tmp_path / "here")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [f"wrote {name}" for name in (
        "schemas/datapackage.json", "schemas/postgres.sql", "schemas/postgres-year.sql", "schemas/duckdb-year.sql",
        "schemas/bigquery/codes.json",
        "schemas/bigquery/payments.json", "schemas/bigquery/exclusions.json", "schemas/bigquery/terminology.json",
        "schemas/bigquery/provenance.json", "docs/data-dictionary.md", "docs/vocabulary.md", "docs/commands.md")]
    assert sorted(files(tmp_path / "here")) == DOCS
    for name in DOCS:
        assert (tmp_path / "here" / name).read_bytes() == (ROOT / name).read_bytes(), name
    done = run("docs", "--to", str(tmp_path / "there"), cwd=tmp_path / "empty")
    assert (done.returncode, len(done.stdout.splitlines())) == (0, len(DOCS))
    assert files(tmp_path / "there") == files(tmp_path / "here")
    done = run("docs", "--check", "--to", str(tmp_path / "there"), cwd=tmp_path / "empty")
    assert (done.returncode, done.stdout) == (0, f"schemas/ and docs/ in {tmp_path / 'there'} are up to date\n")
    # never into the installation, even when asked
    done = run("docs", "--to", str(package), cwd=tmp_path / "empty")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"Error: {package} is inside the installed pipeline's folder {package.parent}: write the "
                           "docs into a folder of yours (--to FOLDER)\n")
    assert files(package.parent) == site_packages
