"""docs/warehouses.md's recipes for one year at a time, run verbatim on two years built by the real pipeline.

* `schemas/duckdb-year.sql` loads each year into a DuckDB database of one's own, replaces a corrected year
  and leaves the database as it was when a load fails;
* the shell recipe swaps a year's partitions into a copy of the Hive dataset;
* the pandas snippet reads every CSV with the contract's types, value for value equal to the Parquet.

Everything is built in a temporary folder laid out like the repository (outputs/ and schemas/ side by side).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import contract
from pipeline import fields as F
from tests.docs_snippets import doc_block
from tools.testkit.two_years import build_two_years


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A folder holding outputs/ (2022 and 2023, built) and schemas/ (the generated scripts)."""
    root = tmp_path_factory.mktemp("recipes")
    build_two_years(root)
    shutil.copytree(contract.SCHEMAS, root / "schemas")
    return root


def in_folder(folder, code: str) -> dict:
    """Run a documented Python block in `folder` as its working directory; returns its globals."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        scope: dict = {}
        exec(compile(code, "docs/warehouses.md", "exec"), scope)
        return scope
    finally:
        os.chdir(before)


def parquet_rows(folder, name: str) -> list[tuple]:
    return sorted((tuple(r.values()) for r in pq.read_table(folder / f"{name}.parquet").to_pylist()), key=repr)


def database_rows(database, name: str, year: int | None = None) -> list[tuple]:
    where = "" if year is None else f" WHERE guide_year = {year}"
    with duckdb.connect(str(database), read_only=True) as con:
        return sorted(con.execute(f'SELECT * FROM "{name}"{where}').fetchall(), key=repr)


def everything(database) -> dict[str, list[tuple]]:
    return {name: database_rows(database, name) for name in F.TABLES}


def load(database, folder) -> None:
    """schemas/duckdb-year.sql on `folder`, as the documented block runs it."""
    with duckdb.connect(str(database)) as con:
        con.execute("SET VARIABLE year_folder = ?", [str(folder)])
        con.execute(contract.SCHEMAS.joinpath("duckdb-year.sql").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- DuckDB, one year at a time

def test_the_documented_duckdb_block_loads_every_year(checkout):
    in_folder(checkout, doc_block("tested: duckdb-year"))
    database = checkout / "nanoknife.duckdb"
    for name in F.TABLES:
        for year in (2022, 2023):
            assert database_rows(database, name, year) == parquet_rows(checkout / "outputs" / str(year), name)
    with duckdb.connect(str(database), read_only=True) as con:
        types = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'payments' "
                            "ORDER BY column_index").fetchall()
        temporary = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()
    assert types == [("guide_year", "SMALLINT"), ("cpt_code", "VARCHAR"), ("setting", "VARCHAR"),
                     ("payment_status", "VARCHAR"), ("payment_usd", "DECIMAL(12,2)"), ("rvus", "DECIMAL(8,2)"),
                     ("apc", "VARCHAR"), ("indicator", "VARCHAR"), ("source_page", "SMALLINT")]
    assert temporary == [(0,)]


def test_a_corrected_year_replaces_that_year_only(checkout, tmp_path):
    database = tmp_path / "mine.duckdb"
    for year in (2022, 2023):
        load(database, checkout / "outputs" / str(year))
    before = everything(database)
    corrected = tmp_path / "2023"
    shutil.copytree(checkout / "outputs" / "2023", corrected)
    payments = pq.read_table(corrected / "payments.parquet")
    usd = [Decimal("9300.00") if v == Decimal("9278.39") else v for v in payments.column("payment_usd").to_pylist()]
    pq.write_table(payments.set_column(4, payments.schema.field(4), pa.array(usd, pa.decimal128(12, 2))),
                   corrected / "payments.parquet")
    terms = pq.read_table(corrected / "terminology.parquet")
    pq.write_table(terms.slice(0, terms.num_rows - 1), corrected / "terminology.parquet")

    load(database, corrected)
    after = everything(database)
    assert database_rows(database, "payments", 2023) == parquet_rows(corrected, "payments")
    assert [r for r in after["payments"] if r[1:3] == ("0600T", "hospital_outpatient")] == [
        (2022, "0600T", "hospital_outpatient", "national_rate", Decimal("9096.46"), None, "5362", "J1", 3),
        (2023, "0600T", "hospital_outpatient", "national_rate", Decimal("9300.00"), None, "5362", "J1", 3)]
    assert (len(before["terminology"]), len(after["terminology"])) == (22, 21)
    for name in F.TABLES:
        assert [r for r in after[name] if r[0] == 2022] == [r for r in before[name] if r[0] == 2022]


def test_a_failed_duckdb_load_leaves_what_the_database_held(checkout, tmp_path):
    database = tmp_path / "mine.duckdb"
    for year in (2022, 2023):
        load(database, checkout / "outputs" / str(year))
    before = everything(database)
    bad = tmp_path / "2023"
    shutil.copytree(checkout / "outputs" / "2023", bad)

    # a second year among the files
    codes = pa.concat_tables([pq.read_table(bad / "codes.parquet"),
                              pq.read_table(checkout / "outputs" / "2022" / "codes.parquet")])
    pq.write_table(codes, bad / "codes.parquet")
    with pytest.raises(duckdb.InvalidInputException, match="the Parquet files hold 2 guide years: load the folder "
                                                           "of one year"):
        load(database, bad)
    assert everything(database) == before

    # a value the table's checks refuse, in the last table inserted
    shutil.copy(checkout / "outputs" / "2023" / "codes.parquet", bad / "codes.parquet")
    prov = pq.read_table(bad / "provenance.parquet")
    pages = prov.column("page").to_pylist()
    pq.write_table(prov.set_column(4, prov.schema.field(4), pa.array([0] + pages[1:], pa.int16())),
                   bad / "provenance.parquet")
    with pytest.raises(duckdb.ConstraintException, match='CHECK constraint failed on table "?provenance'):
        load(database, bad)
    assert everything(database) == before

    # a missing file
    (bad / "provenance.parquet").unlink()
    with pytest.raises(duckdb.IOException, match="provenance.parquet"):
        load(database, bad)
    assert everything(database) == before


# ---------------------------------------------------------------- the Hive dataset, one year at a time

def tree(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_documented_swap_replaces_one_year_of_a_copy_of_the_dataset(checkout, tmp_path):
    published = checkout / "outputs" / "dataset"
    lake = tmp_path / "lake" / "dataset"
    # the copy holds 2022 and an older 2023 (its partitions made from 2022's files), plus one stale file
    shutil.copytree(published, lake, ignore=shutil.ignore_patterns("guide_year=2023"))
    for name in F.TABLES:
        shutil.copytree(lake / name / "guide_year=2022", lake / name / "guide_year=2023")
    (lake / "payments" / "guide_year=2023" / "part-1.parquet").write_bytes(b"stale")

    script = doc_block("tested: hive-year")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=checkout, capture_output=True, text=True,
                          env={**os.environ, "year": "2023", "lake": str(lake)})
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert tree(lake) == tree(published)
    assert sorted(p.name for p in lake.iterdir()) == sorted(F.TABLES)  # no staging left behind

    # and a year the copy never had is added the same way
    shutil.rmtree(lake / "codes" / "guide_year=2023")
    shutil.rmtree(lake / "exclusions")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=checkout, capture_output=True, text=True,
                          env={**os.environ, "year": "2023", "lake": str(lake)})
    assert (done.returncode, done.stderr) == (0, "")
    assert tree(lake) == {path: sha for path, sha in tree(published).items() if not path.startswith("exclusions/")
                          or "guide_year=2023" in path}


# ---------------------------------------------------------------- the CSVs, typed

@pytest.mark.parametrize("name", list(F.TABLES))
def test_the_documented_pandas_csv_reader_gives_the_contract_types_and_values(checkout, name):
    scope = in_folder(checkout, doc_block("tested: pandas-csv"))
    assert scope["payments"].dtypes.to_dict() == {f.name: pd.ArrowDtype(f.arrow_type) for f in F.PAYMENTS.fields}
    for year in (2022, 2023):
        folder = checkout / "outputs" / str(year)
        got = scope["read_csv"](folder / f"{name}.csv")
        table = F.TABLES[name]
        assert got.dtypes.to_dict() == {f.name: pd.ArrowDtype(f.arrow_type) for f in table.fields}
        expected = pq.read_table(folder / f"{name}.parquet").to_pandas(types_mapper=pd.ArrowDtype)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_pandas_alone_would_read_apc_as_a_float_and_a_term_na_as_missing(checkout, tmp_path):
    """Why the documented reader gives every type: what pandas guesses without them."""
    guessed = pd.read_csv(checkout / "outputs" / "2022" / "payments.csv")
    assert (str(guessed["apc"].dtype), guessed["apc"].dropna().tolist()) == ("float64", [5362.0, 5362.0])
    path = tmp_path / "terminology.csv"
    path.write_text("guide_year,term,description,source_page\n2022,NA,Not applicable,6\n", encoding="utf-8")
    assert pd.read_csv(path)["term"].isna().tolist() == [True]
    scope = in_folder(checkout, doc_block("tested: pandas-csv"))
    assert scope["read_csv"](path)["term"].tolist() == ["NA"]
