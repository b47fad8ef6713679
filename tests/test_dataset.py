"""The Hive dataset under outputs/dataset/: read by DuckDB, pyarrow and pandas without this package.

The snippets of docs/warehouses.md marked "tested" are run here verbatim.

Two years built by the real pipeline; both readers must give back exactly the
rows of the per-year outputs, with guide_year taken from the partition folder.
"""

from __future__ import annotations

import ast
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from pipeline import fields as F
from pipeline.sql import spark_schema
from tests.docs_snippets import doc_block
from tools.testkit.two_years import build_two_years

YEAR_PARTITION = ds.partitioning(pa.schema([("guide_year", pa.int16())]), flavor="hive")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    return build_two_years(tmp_path_factory.mktemp("dataset"))


def per_year_rows(outputs, name: str) -> list[tuple]:
    """Every row of `name` in outputs/2022 and outputs/2023, as published (Parquet), sorted."""
    rows = []
    for year in (2022, 2023):
        rows += [tuple(r.values()) for r in pq.read_table(outputs / str(year) / f"{name}.parquet").to_pylist()]
    return sorted(rows, key=repr)


def test_layout(outputs):
    files = sorted(p.relative_to(outputs / "dataset").as_posix() for p in (outputs / "dataset").rglob("*")
                   if p.is_file())
    assert files == [f"{name}/guide_year={year}/part-0.parquet" for name in sorted(F.TABLES) for year in (2022, 2023)]
    # Hive layout: the partition column lives in the folder name, not in the file
    schema = pq.read_schema(outputs / "dataset" / "payments" / "guide_year=2023" / "part-0.parquet")
    assert schema.names == F.PAYMENTS.columns[1:]
    assert schema.field("payment_usd").type == pa.decimal128(12, 2)
    assert schema.field("payment_usd").metadata[b"description"] == F.PAYMENTS.field("payment_usd").description.encode()


@pytest.mark.parametrize("name", list(F.TABLES))
def test_pyarrow_dataset_reads_back_the_per_year_outputs(outputs, name):
    table = ds.dataset(outputs / "dataset" / name, format="parquet", partitioning=YEAR_PARTITION).to_table()
    table = table.select(F.TABLES[name].columns)
    assert table.schema.types == F.TABLES[name].arrow_schema().types
    assert sorted((tuple(r.values()) for r in table.to_pylist()), key=repr) == per_year_rows(outputs, name)


@pytest.mark.parametrize("name", list(F.TABLES))
def test_duckdb_reads_back_the_per_year_outputs(outputs, name):
    columns = ", ".join(f'"{c}"' for c in F.TABLES[name].columns)
    got = duckdb.sql(f"SELECT {columns} FROM read_parquet('{outputs}/dataset/{name}/*/*.parquet', "
                     "hive_partitioning = true, hive_types = {'guide_year': SMALLINT})").fetchall()
    assert sorted(got, key=repr) == per_year_rows(outputs, name)


def test_exact_amounts_of_both_years_by_both_readers(outputs):
    where = "cpt_code = '0600T' AND setting = 'hospital_outpatient'"
    got = duckdb.sql(f"SELECT guide_year, payment_usd FROM read_parquet('{outputs}/dataset/payments/*/*.parquet', "
                     f"hive_partitioning = true) WHERE {where} ORDER BY guide_year").fetchall()
    assert got == [(2022, Decimal("9096.46")), (2023, Decimal("9278.39"))]
    table = ds.dataset(outputs / "dataset" / "payments", format="parquet", partitioning="hive").to_table(
        filter=(ds.field("cpt_code") == "0600T") & (ds.field("setting") == "hospital_outpatient"))
    assert sorted(zip(table["guide_year"].to_pylist(), table["payment_usd"].to_pylist())) == got


def test_republishing_a_year_replaces_its_partitions_byte_for_byte(outputs):
    from tools.testkit.paths import SOURCE_2022
    from pipeline.run.build import build

    before = {p: p.read_bytes() for p in (outputs / "dataset").rglob("guide_year=2022/*")}
    assert build(SOURCE_2022, outputs)[0].ok
    assert {p: p.read_bytes() for p in (outputs / "dataset").rglob("guide_year=2022/*")} == before
    assert not list((outputs / "dataset").rglob(".staging"))


# ---------------------------------------------------------------- docs/warehouses.md, run as written

NATIONAL_RATES = [
    (2022, "0600T", "ambulatory_surgical_center", Decimal("6243.45")),
    (2022, "0600T", "hospital_outpatient", Decimal("9096.46")),
    (2022, "0601T", "ambulatory_surgical_center", Decimal("5063.52")),
    (2022, "0601T", "hospital_outpatient", Decimal("9096.46")),
    (2023, "0600T", "ambulatory_surgical_center", Decimal("6000.00")),
    (2023, "0600T", "hospital_outpatient", Decimal("9278.39")),
    (2023, "0601T", "ambulatory_surgical_center", Decimal("5163.52")),
    (2023, "0601T", "hospital_outpatient", Decimal("9096.46")),
    (2023, "0601T", "physician_facility", Decimal("812.30")),
]


def test_the_docs_pyarrow_snippet(outputs, monkeypatch):
    monkeypatch.chdir(outputs.parent)
    scope: dict = {}
    exec(doc_block("tested: pyarrow"), scope)
    payments = scope["payments"]
    assert payments.schema.field("guide_year").type == pa.int16()
    assert payments.schema.field("payment_usd").type == pa.decimal128(12, 2)
    rows = payments.select(["guide_year", "cpt_code", "setting", "payment_usd"]).to_pylist()
    assert sorted(tuple(r.values()) for r in rows) == NATIONAL_RATES


def test_the_docs_pandas_snippet(outputs, monkeypatch):
    monkeypatch.chdir(outputs.parent)
    scope: dict = {}
    exec(doc_block("tested: pandas"), scope)
    payments = scope["payments"]
    assert str(payments["guide_year"].dtype) == "int16[pyarrow]"
    assert str(payments["payment_usd"].dtype) == "decimal128(12, 2)[pyarrow]"
    national = payments[payments["payment_status"] == "national_rate"]
    rows = zip(national["guide_year"], national["cpt_code"], national["setting"], national["payment_usd"])
    assert sorted(rows) == NATIONAL_RATES


def test_the_docs_duckdb_snippet(outputs, monkeypatch):
    monkeypatch.chdir(outputs.parent)
    with duckdb.connect() as con:
        result = con.execute(doc_block("tested: duckdb"))
        assert [str(d[1]) for d in result.description] == ["SMALLINT", "VARCHAR", "VARCHAR", "DECIMAL(12,2)"]
        assert result.fetchall() == NATIONAL_RATES


def test_the_docs_spark_schema_is_the_contract():
    tree = ast.parse(doc_block("spark schema: payments"))
    schema = next(node.value for node in ast.walk(tree)
                  if isinstance(node, ast.Assign) and node.targets[0].id == "schema")
    assert ast.literal_eval(schema) == spark_schema(F.PAYMENTS)
