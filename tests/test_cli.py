"""The command line: --help everywhere, the validate command, the console script."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tools.testkit.paths import OUTPUTS
from pipeline.cli import main
from pipeline.publish import published_years


@pytest.mark.parametrize("args", [[], ["build"], ["validate"]])
def test_help(args):
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


@pytest.mark.committed
def test_validate_committed_outputs():
    """`make validate` passes on what is committed, every year of it."""
    years = published_years(OUTPUTS)
    result = CliRunner().invoke(main, ["validate", "--outputs", str(OUTPUTS)])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert result.stdout.splitlines() == [f"{year}: valid" for year in years]


def test_validate_reports_a_tampered_year(tmp_path, published_copy):
    published_copy(tmp_path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "2022" / "codes.parquet"
    table = pq.read_table(path)
    table = table.set_column(2, "code_category", pa.array(["III", "X"]))
    pq.write_table(table, path)
    result = CliRunner().invoke(main, ["validate", "--outputs", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}: does not match the sha256 in 2022/manifest.json (changed or damaged after publishing)",
        "1 of 1 year(s) failed their checks"]


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "pipeline, version 0.1.0"


def test_the_wrong_year_folder_is_caught_when_sources_names_the_file(tmp_path):
    """`--sources sources/2023/guide.pdf` is checked like `--sources sources`: the folder still says 2023."""
    from tools.testkit.paths import SOURCE_2022

    source = tmp_path / "sources" / "2023" / "guide.pdf"
    source.parent.mkdir(parents=True)
    shutil.copy(SOURCE_2022, source)
    result = CliRunner().invoke(main, ["build", "--sources", str(source), "--outputs", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr == (f"FAILED {source}: it is in folder 2023/ but the document is the 2022 guide "
                             '("Medicare 2022 National Average Payment"); move it to 2022/\n')
    assert not (tmp_path / "out" / "2022").exists()
