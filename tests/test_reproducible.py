"""Committed outputs and the committed source are exactly what the code makes, whatever years they hold; and a
build makes the same bytes every time.

The checks of the committed data are marked `committed`: `tests/test_yearly.py` runs them again in a copy of the
repository after the README's yearly loop has added a year.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tools.testkit.paths import OUTPUTS, ROOT, SOURCES, TEST_SOURCES
from pipeline.cli import main
from pipeline.publish import INSPECT_HTML, INSPECT_IMAGES


def _local_only(rel) -> bool:
    """The inspect report (`make build` writes it) is a local viewing artifact, not committed output."""
    return rel.name == INSPECT_HTML or INSPECT_IMAGES in rel.parts[:-1]


def _published(outputs: Path) -> dict[str, bytes]:
    """What building publishes under `outputs`: every year folder and the Hive dataset, by path. A diff, the
    warehouse, the build state and the reports are other commands' (or local) and left out."""
    tops = sorted(p.name for p in outputs.iterdir() if p.is_dir() and (p.name.isdigit() or p.name == "dataset"))
    return {p.relative_to(outputs).as_posix(): p.read_bytes() for top in tops for p in sorted((outputs / top).rglob("*"))
            if p.is_file() and not _local_only(p.relative_to(outputs))}


@pytest.mark.committed
def test_build_reproduces_committed_outputs_byte_for_byte(tmp_path):
    result = CliRunner().invoke(main, ["build", "--sources", str(SOURCES), "--outputs", str(tmp_path)])
    assert result.exit_code == 0, result.output
    built, committed = _published(tmp_path), _published(OUTPUTS)
    # every year's folder and, in the Hive dataset, one partition per year and table: no more, no fewer
    assert sorted(built) == sorted(committed)
    for name in committed:
        assert built[name] == committed[name], f"outputs/{name} differs from a fresh build"


def test_two_builds_are_byte_identical(tmp_path, outputs_2022):
    result = CliRunner().invoke(main, ["build", "--sources", str(TEST_SOURCES), "--outputs", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(_published(tmp_path)) == [
        *(f"2022/{name}" for name in ("codes.csv", "codes.parquet", "datapackage.json", "exclusions.csv",
                                      "exclusions.parquet", "manifest.json", "payments.csv", "payments.parquet",
                                      "provenance.csv", "provenance.parquet", "terminology.csv",
                                      "terminology.parquet")),
        *(f"dataset/{table}/guide_year=2022/part-0.parquet"
          for table in ("codes", "exclusions", "payments", "provenance", "terminology"))]
    assert _published(tmp_path) == _published(outputs_2022)


@pytest.mark.committed
def test_reconstruction_script_reproduces_the_committed_source():
    """The tests' 2022 guide, and the one shipped in sources/2022/ until the vendor's PDF takes its place."""
    done = subprocess.run([sys.executable, "-m", "tools.make_reconstruction", "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "reconstruction is up to date"


def test_a_csv_written_a_chunk_of_rows_at_a_time_is_the_csv_of_all_rows_at_once(monkeypatch, outputs_2022):
    """`csv_bytes` makes Python values of a chunk of rows at a time (a thousand-page guide's provenance at
    once is hundreds of megabytes): chunks of 7 rows, one row, or all make the same bytes, the committed CSV's."""
    from pipeline import publish
    from pipeline.publish import read_tables

    tables = read_tables(outputs_2022 / "2022")
    for name in ("provenance", "payments"):
        whole = publish.csv_bytes(tables[name])
        assert whole == (outputs_2022 / "2022" / f"{name}.csv").read_bytes()
        for chunk in (7, 1):
            monkeypatch.setattr(publish, "CSV_CHUNK", chunk)
            assert publish.csv_bytes(tables[name]) == whole
        monkeypatch.undo()


def test_a_csv_published_a_chunk_at_a_time_is_written_hashed_and_sized_as_its_bytes(monkeypatch, tmp_path,
                                                                                     outputs_2022):
    """A year's CSVs are `ChunkedFile`s: never held whole, made again for each use. Their size and sha256
    (the manifest's, the data package's) and the file the stage writes are those of the CSV's bytes."""
    import hashlib
    from functools import partial

    from pipeline import publish
    from pipeline.publish import read_tables
    from pipeline.publish.commit import write_file
    from pipeline.publish.manifest import sha256

    monkeypatch.setattr(publish, "CSV_CHUNK", 10)
    frame = read_tables(outputs_2022 / "2022")["provenance"]
    data = (outputs_2022 / "2022" / "provenance.csv").read_bytes()
    made = publish.ChunkedFile(partial(publish.csv_chunks, frame))
    assert len(made) == len(data) and sha256(made) == hashlib.sha256(data).hexdigest() == sha256(data)
    assert len(list(made.chunks())) == -(-len(frame) // 10) and bytes(made) == data
    write_file(tmp_path / "provenance.csv", made)
    assert (tmp_path / "provenance.csv").read_bytes() == data
    empty = publish.ChunkedFile(partial(publish.csv_chunks, frame.iloc[:0]))
    assert bytes(empty) == data.split(b"\n", 1)[0] + b"\n"
