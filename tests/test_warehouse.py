"""outputs/warehouse.duckdb: two years built by the real pipeline, loaded, queried with SQL.

The 2023 guide's edits (tools/testkit/two_years.py) give known year-over-year changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline import fields as F
from pipeline.cli import main
from pipeline.sql import DUCKDB
from pipeline.publish import csv_bytes, parquet_bytes, partition_bytes, partition_folder, read_tables
from pipeline.publish.manifest import manifest_bytes
from pipeline.readers.warehouse import (DATABASE, STORAGE_NUMBER, STORAGE_VERSION, WarehouseError, create_schema,
                                       create_views, refresh, storage_number)
from tools.testkit.two_years import build_two_years

D = Decimal
TABLES = ["guides", *F.TABLES]
VIEWS = ["latest_payments", "payment_changes"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    outputs = build_two_years(tmp_path_factory.mktemp("warehouse"))
    result = CliRunner().invoke(main, ["warehouse", "--outputs", str(outputs)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "2022: loaded (2 codes, 8 payments, 6 exclusions, 11 terminology, 96 provenance)\n"
        "2023: loaded (2 codes, 8 payments, 6 exclusions, 11 terminology, 96 provenance)\n"
        f"warehouse: {outputs / DATABASE}\n")
    return outputs


def sql(outputs, query: str) -> list[tuple]:
    with duckdb.connect(str(outputs / DATABASE), read_only=True) as con:
        return con.execute(query).fetchall()


def snapshot(database) -> dict:
    """Everything in the warehouse: each table's and view's rows, sorted, and their definitions."""
    with duckdb.connect(str(database), read_only=True) as con:
        out = {name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in TABLES + VIEWS}
        out["ddl"] = con.execute("SELECT table_name, sql FROM duckdb_tables() WHERE table_name IN ? ORDER BY 1",
                                 [TABLES]).fetchall()
        out["views"] = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    return out


PAYMENTS_2022 = [
    (2022, "0600T", "ambulatory_surgical_center", "national_rate", D("6243.45"), None, None, "J8", 3),
    (2022, "0600T", "hospital_outpatient", "national_rate", D("9096.46"), None, "5362", "J1", 3),
    (2022, "0600T", "physician_facility", "contractor_priced", None, None, None, None, 3),
    (2022, "0600T", "physician_non_facility", "contractor_priced", None, None, None, None, 3),
    (2022, "0601T", "ambulatory_surgical_center", "national_rate", D("5063.52"), None, None, "J8", 3),
    (2022, "0601T", "hospital_outpatient", "national_rate", D("9096.46"), None, "5362", "J1", 3),
    (2022, "0601T", "physician_facility", "contractor_priced", None, None, None, None, 3),
    (2022, "0601T", "physician_non_facility", "contractor_priced", None, None, None, None, 3),
]
PAYMENTS_2023 = [
    (2023, "0600T", "ambulatory_surgical_center", "national_rate", D("6000.00"), None, None, "J8", 3),
    (2023, "0600T", "hospital_outpatient", "national_rate", D("9278.39"), None, "5362", "J1", 3),
    (2023, "0600T", "physician_facility", "contractor_priced", None, None, None, None, 3),
    (2023, "0600T", "physician_non_facility", "contractor_priced", None, None, None, None, 3),
    (2023, "0601T", "ambulatory_surgical_center", "national_rate", D("5163.52"), None, None, "J8", 3),
    (2023, "0601T", "hospital_outpatient", "national_rate", D("9096.46"), None, "5362", "J1", 3),
    (2023, "0601T", "physician_facility", "national_rate", D("812.30"), D("24.15"), None, None, 3),
    (2023, "0601T", "physician_non_facility", "contractor_priced", None, None, None, None, 3),
]


def test_payments_of_both_years(outputs):
    got = sql(outputs, "SELECT * FROM payments ORDER BY guide_year, cpt_code, setting")
    assert got == PAYMENTS_2022 + PAYMENTS_2023


def test_codes_exclusions_and_guides(outputs):
    assert sql(outputs, "SELECT guide_year, cpt_code, code_category, source_page FROM codes ORDER BY ALL") == [
        (2022, "0600T", "III", 3), (2022, "0601T", "III", 3), (2023, "0600T", "III", 3), (2023, "0601T", "III", 3)]
    assert sql(outputs, "SELECT guide_year, cpt_code, excluded_code FROM exclusions WHERE guide_year = 2023 "
                        "ORDER BY ALL") == [
        (2023, "0600T", "76940"), (2023, "0600T", "77002"), (2023, "0600T", "77013"), (2023, "0600T", "77022"),
        (2023, "0601T", "76940"), (2023, "0601T", "77002")]
    assert sql(outputs, "SELECT guide_year, title, effective_date, document_number, source_file, page_count, "
                        "schema_version FROM guides ORDER BY guide_year") == [
        (2022, "2022 NanoKnife CPT Reimbursement Guide", date(2022, 1, 1), "US/ON/MS/187 REV 07 12/2021",
         "2022-NanoKnife-CPT-Reimbursement-Guide.reconstructed.pdf", 7, F.SCHEMA_VERSION),
        (2023, "2023 NanoKnife CPT Reimbursement Guide", date(2023, 1, 1), "US/ON/MS/187 REV 08 12/2022",
         "2023-NanoKnife-CPT-Reimbursement-Guide.pdf", 7, F.SCHEMA_VERSION)]
    assert sql(outputs, "SELECT manifest_sha256 FROM guides ORDER BY guide_year") == [
        (hashlib.sha256((outputs / str(y) / "manifest.json").read_bytes()).hexdigest(),)
        for y in (2022, 2023)]


@pytest.mark.parametrize("name", list(F.TABLES))
def test_every_table_holds_exactly_the_published_rows(outputs, name):
    expected = []
    for year in (2022, 2023):
        expected += [tuple(r.values()) for r in pq.read_table(outputs / str(year) / f"{name}.parquet").to_pylist()]
    got = sql(outputs, f'SELECT * FROM "{name}"')
    assert sorted(got, key=repr) == sorted(expected, key=repr)


def test_typed_columns_and_primary_keys(outputs):
    types = dict(sql(outputs, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'payments'"))
    assert types == {"guide_year": "SMALLINT", "cpt_code": "VARCHAR", "setting": "VARCHAR",
                     "payment_status": "VARCHAR", "payment_usd": "DECIMAL(12,2)", "rvus": "DECIMAL(8,2)",
                     "apc": "VARCHAR", "indicator": "VARCHAR", "source_page": "SMALLINT"}
    keys = sql(outputs, "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                        "WHERE constraint_type = 'PRIMARY KEY' ORDER BY table_name")
    assert keys == [("codes", ["guide_year", "cpt_code"]), ("exclusions", ["guide_year", "cpt_code", "excluded_code"]),
                    ("guides", ["guide_year"]), ("payments", ["guide_year", "cpt_code", "setting"]),
                    ("provenance", ["guide_year", "dataset", "key", "field"]), ("terminology", ["guide_year", "term"])]
    assert sql(outputs, "SELECT comment FROM duckdb_columns() WHERE table_name = 'payments' "
                        "AND column_name = 'payment_usd'") == [(F.PAYMENTS.field("payment_usd").description,)]


def test_constraints_from_fields_refuse_bad_rows():
    with duckdb.connect() as con:
        create_schema(con)
        con.execute("INSERT INTO codes VALUES (2023, '0600T', 'III', 'x', 3)")
        with pytest.raises(duckdb.ConstraintException, match="Duplicate key"):
            con.execute("INSERT INTO codes VALUES (2023, '0600T', 'III', 'y', 3)")
        with pytest.raises(duckdb.ConstraintException, match="CHECK constraint"):
            con.execute("INSERT INTO codes VALUES (2023, '060T', 'III', 'x', 3)")
        with pytest.raises(duckdb.ConstraintException, match="CHECK constraint"):
            con.execute("INSERT INTO payments VALUES (2023, '0600T', 'home', 'national_rate', 1, NULL, NULL, NULL, 3)")


def test_latest_payments_are_the_newer_years(outputs):
    assert sql(outputs, "SELECT * FROM latest_payments ORDER BY cpt_code, setting") == PAYMENTS_2023


def test_payment_changes_with_percentages(outputs):
    OPPS, ASC, NONE = (None, None, "5362", "5362", "J1", "J1"), (None, None, None, None, "J8", "J8"), (None,) * 6
    assert sql(outputs, "SELECT * FROM payment_changes ORDER BY cpt_code, setting") == [
        ("0600T", "ambulatory_surgical_center", 2022, 2023, "national_rate", "national_rate",
         D("6243.45"), D("6000.00"), D("-243.45"), D("-3.90"), *ASC[2:]),
        ("0600T", "hospital_outpatient", 2022, 2023, "national_rate", "national_rate",
         D("9096.46"), D("9278.39"), D("181.93"), D("2.00"), *OPPS[2:]),
        ("0600T", "physician_facility", 2022, 2023, "contractor_priced", "contractor_priced",
         None, None, None, None, *NONE[2:]),
        ("0600T", "physician_non_facility", 2022, 2023, "contractor_priced", "contractor_priced",
         None, None, None, None, *NONE[2:]),
        ("0601T", "ambulatory_surgical_center", 2022, 2023, "national_rate", "national_rate",
         D("5063.52"), D("5163.52"), D("100.00"), D("1.97"), *ASC[2:]),
        ("0601T", "hospital_outpatient", 2022, 2023, "national_rate", "national_rate",
         D("9096.46"), D("9096.46"), D("0.00"), D("0.00"), *OPPS[2:]),
        ("0601T", "physician_facility", 2022, 2023, "contractor_priced", "national_rate",
         None, D("812.30"), None, None, *NONE[2:]),
        ("0601T", "physician_non_facility", 2022, 2023, "contractor_priced", "contractor_priced",
         None, None, None, None, *NONE[2:]),
    ]


def test_payment_changes_show_both_years_apc_and_indicator():
    """An ASC payment indicator J8 -> G2 and an APC 5362 -> 5361 are in the view, beside the amounts."""
    with duckdb.connect() as con:
        create_schema(con)
        create_views(con)
        for year, apc, opps, asc in ((2022, "5362", "J1", "J8"), (2023, "5361", "J1", "G2")):
            con.execute("INSERT INTO payments VALUES (?, '0600T', 'hospital_outpatient', 'national_rate', 9096.46, "
                        "NULL, ?, ?, 3)", [year, apc, opps])
            con.execute("INSERT INTO payments VALUES (?, '0600T', 'ambulatory_surgical_center', 'national_rate', "
                        "6243.45, NULL, NULL, ?, 3)", [year, asc])
        got = con.execute("SELECT setting, previous_apc, apc, previous_indicator, indicator FROM payment_changes "
                          "ORDER BY setting").fetchall()
    assert got == [("ambulatory_surgical_center", None, None, "J8", "G2"),
                   ("hospital_outpatient", "5362", "5361", "J1", "J1")]


def test_percent_is_exact_and_rounds_half_away_from_zero():
    # 0.005 % and -0.005 % sit exactly on the rounding boundary, where a float can fall either way
    cases = [("00001", "200.00", "200.01", "0.01"), ("00002", "200.01", "200.00", "-0.00"),
             ("00003", "200.00", "199.99", "-0.01"), ("00004", "3.00", "1.00", "-66.67"),
             ("00005", "0.00", "5.00", None), ("00006", "9096.46", "9278.39", "2.00")]
    with duckdb.connect() as con:
        create_schema(con)
        create_views(con)
        for code, old, new, _ in cases:
            for year, usd in ((2022, old), (2024, new)):
                con.execute("INSERT INTO payments VALUES (?, ?, 'hospital_outpatient', 'national_rate', ?, "
                            "NULL, NULL, NULL, 3)", [year, code, D(usd)])
        got = con.execute("SELECT cpt_code, previous_year, guide_year, change_pct FROM payment_changes "
                          "ORDER BY cpt_code").fetchall()
    assert got == [(code, 2022, 2024, None if pct is None else D(pct)) for code, _, _, pct in cases]


def test_running_twice_changes_nothing(outputs):
    database = outputs / DATABASE
    before, before_bytes = snapshot(database), database.read_bytes()
    result = CliRunner().invoke(main, ["warehouse", "--outputs", str(outputs)])
    assert result.exit_code == 0, result.output
    assert result.output == f"2022: unchanged\n2023: unchanged\nwarehouse: {database}\n"
    assert snapshot(database) == before
    assert database.read_bytes() == before_bytes


def _rewrite(folder, name, frame):
    """Republish one table of a year by hand: its file, its dataset partition and the manifest's hashes, so the
    year verifies and the warehouse, not the integrity checks, meets the bad rows."""
    year = int(folder.name)
    data = parquet_bytes(name, frame)
    (folder / f"{name}.parquet").write_bytes(data)
    part = partition_folder(folder.parent, name, year)
    part_data = partition_bytes(name, frame)
    part.write_bytes(part_data)
    csv = csv_bytes(frame)
    (folder / f"{name}.csv").write_bytes(csv)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["outputs"][f"{name}.parquet"] = hashlib.sha256(data).hexdigest()
    manifest["outputs"][f"{name}.csv"] = hashlib.sha256(csv).hexdigest()
    manifest["dataset"][part.relative_to(folder.parent).as_posix()] = hashlib.sha256(part_data).hexdigest()
    manifest["row_counts"][name] = len(frame)
    (folder / "manifest.json").write_bytes(manifest_bytes(manifest))


def test_a_load_failing_mid_way_leaves_the_previous_contents(outputs, tmp_path):
    copy = tmp_path / "outputs"
    shutil.copytree(outputs, copy)
    before = snapshot(copy / DATABASE)
    saved = {p: p.read_bytes() for p in (copy / "2023").iterdir()}
    saved.update({p: p.read_bytes() for p in (copy / "dataset").glob("*/guide_year=2023/*")})

    # 2022 changes validly (loaded first), then 2023's payments break the primary key
    codes = read_tables(copy / "2022")["codes"]
    codes["descriptor"] = codes["descriptor"].str.upper()
    _rewrite(copy / "2022", "codes", codes)
    payments = read_tables(copy / "2023")["payments"]
    _rewrite(copy / "2023", "payments", payments.iloc[[0, 0, 1]].reset_index(drop=True))

    with pytest.raises(WarehouseError) as exc:
        refresh(copy)
    message = str(exc.value)
    # the year's own checks refuse the duplicate key before DuckDB meets it (readers verify before they trust)
    assert message.startswith(f"{copy / '2023' / 'payments.parquet'}: row ")
    assert message.endswith(f"`python -m pipeline validate --outputs {copy}` lists every problem")
    assert "\n" not in message
    assert snapshot(copy / DATABASE) == before

    # once 2023 is whole again, the next refresh loads the 2022 change and leaves 2023 alone
    for path, data in saved.items():
        path.write_bytes(data)
    assert [(y.guide_year, y.status) for y in refresh(copy)] == [(2022, "loaded"), (2023, "unchanged")]
    assert sql(copy, "SELECT DISTINCT left(descriptor, 9) FROM codes WHERE guide_year = 2022") == [("ABLATION,",)]


def test_a_file_changed_after_publishing_is_refused(outputs, tmp_path):
    copy = tmp_path / "outputs"
    shutil.copytree(outputs, copy)
    before = snapshot(copy / DATABASE)
    (copy / "2023" / "terminology.parquet").write_bytes(b"not parquet")
    result = CliRunner().invoke(main, ["warehouse", "--outputs", str(copy)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {copy / '2023' / 'terminology.parquet'}: does not match the sha256 in "
                             "2023/manifest.json (changed or damaged after publishing); "
                             f"`python -m pipeline validate --outputs {copy}` lists every problem\n")
    assert snapshot(copy / DATABASE) == before


def test_a_year_no_longer_published_is_removed(outputs, tmp_path):
    copy = tmp_path / "outputs"
    shutil.copytree(outputs, copy)
    shutil.rmtree(copy / "2023")
    assert [(y.guide_year, y.status) for y in refresh(copy)] == [(2022, "unchanged"), (2023, "removed")]
    assert sql(copy, "SELECT * FROM latest_payments ORDER BY cpt_code, setting") == PAYMENTS_2022
    assert sql(copy, "SELECT count(*) FROM payment_changes") == [(0,)]
    assert {t: sql(copy, f'SELECT DISTINCT guide_year FROM "{t}"') for t in TABLES} == {t: [(2022,)] for t in TABLES}


def test_nothing_published_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["warehouse", "--outputs", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"Error: no published year under {tmp_path}: run `python -m pipeline build` first\n"
    assert not (tmp_path / DATABASE).exists()


def test_a_changed_contract_rebuilds_the_warehouse_and_keeps_other_tables(outputs, tmp_path):
    copy = tmp_path / "outputs"
    shutil.copytree(outputs, copy)
    before = snapshot(copy / DATABASE)
    with duckdb.connect(str(copy / DATABASE)) as con:
        # as a warehouse made by an older pipeline would be: other words for a column
        con.execute("COMMENT ON COLUMN payments.payment_usd IS 'older words'")
        con.execute("CREATE TABLE my_notes AS SELECT 'keep me' AS note")
    assert [(y.guide_year, y.status) for y in refresh(copy)] == [(2022, "loaded"), (2023, "loaded")]
    assert snapshot(copy / DATABASE) == before
    assert sql(copy, "SELECT comment FROM duckdb_columns() WHERE table_name = 'payments' "
                     "AND column_name = 'payment_usd'") == [(F.PAYMENTS.field("payment_usd").description,)]
    assert sql(copy, "SELECT note FROM my_notes") == [("keep me",)]


# ---------------------------------------------------------------- older DuckDB readers open it

#: The oldest DuckDB docs/warehouses.md promises, and the CLI the issue was reported with (the newest CLI on
#: the package index, which lags the Python package).
OLD_PYTHON_DUCKDB = "1.1.3"
OLD_CLI = "1.5.6"


@pytest.fixture(scope="module")
def old_duckdb(tmp_path_factory):
    """A virtualenv holding an older DuckDB for Python and the DuckDB CLI from the package index."""
    venv = tmp_path_factory.mktemp("old-duckdb") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                           "--cache-dir", str(venv.parent / "pip-cache"),
                           f"duckdb=={OLD_PYTHON_DUCKDB}", f"duckdb-cli=={OLD_CLI}"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        pytest.skip(f"cannot install duckdb {OLD_PYTHON_DUCKDB} and duckdb-cli {OLD_CLI} from the package index: "
                    f"{last}")
    return venv / "bin"


LATEST_QUERY = ("SELECT guide_year, cpt_code, setting, payment_status, CAST(payment_usd AS VARCHAR) AS usd "
                "FROM latest_payments WHERE setting IN ('hospital_outpatient', 'physician_facility') ORDER BY ALL")
LATEST_ROWS = [[2023, "0600T", "hospital_outpatient", "national_rate", "9278.39"],
               [2023, "0600T", "physician_facility", "contractor_priced", None],
               [2023, "0601T", "hospital_outpatient", "national_rate", "9096.46"],
               [2023, "0601T", "physician_facility", "national_rate", "812.30"]]


def test_the_file_is_in_the_pinned_storage_format(outputs):
    assert (STORAGE_VERSION, STORAGE_NUMBER) == ("v1.1.0", 64)
    assert storage_number(outputs / DATABASE) == STORAGE_NUMBER
    # what the running DuckDB writes by default is newer, which is why the format is pinned
    with duckdb.connect(str(outputs.parent / "default.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert storage_number(outputs.parent / "default.duckdb") > STORAGE_NUMBER


def test_older_duckdb_readers_open_the_warehouse(outputs, old_duckdb, tmp_path):
    database = tmp_path / DATABASE
    shutil.copy(outputs / DATABASE, database)
    script = ("import duckdb, json, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
              "print(json.dumps([duckdb.__version__, [list(r) for r in con.execute(sys.argv[2]).fetchall()]]))")
    done = subprocess.run([str(old_duckdb / "python"), "-c", script, str(database), LATEST_QUERY],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [OLD_PYTHON_DUCKDB, LATEST_ROWS]

    version = subprocess.run([str(old_duckdb / "duckdb"), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith(f"v{OLD_CLI} "), version.stdout
    done = subprocess.run([str(old_duckdb / "duckdb"), "-readonly", "-json", str(database), "-c",
                           LATEST_QUERY + ";" + "SELECT comment FROM duckdb_columns() WHERE table_name = 'payments' "
                           "AND column_name = 'payment_usd'"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    results = [json.loads(part) for part in done.stdout.replace("]\n[", "]\0[").split("\0")]
    assert [list(row.values()) for row in results[0]] == LATEST_ROWS
    assert results[1] == [{"comment": F.PAYMENTS.field("payment_usd").description}]


def test_a_warehouse_in_a_newer_format_is_rewritten_in_the_pinned_one(outputs, tmp_path):
    copy = tmp_path / "outputs"
    shutil.copytree(outputs, copy)
    database = copy / DATABASE
    database.unlink()
    # as the pipeline wrote it before the format was pinned: DuckDB's newest, plus a table of the user's
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE TABLE my_notes AS SELECT 'keep me' AS note")
    assert storage_number(database) > STORAGE_NUMBER
    assert [(y.guide_year, y.status) for y in refresh(copy)] == [(2022, "loaded"), (2023, "loaded")]
    assert storage_number(database) == STORAGE_NUMBER
    assert sql(copy, "SELECT note FROM my_notes") == [("keep me",)]
    assert sql(copy, "SELECT * FROM latest_payments ORDER BY cpt_code, setting") == PAYMENTS_2023
    assert [(y.guide_year, y.status) for y in refresh(copy)] == [(2022, "unchanged"), (2023, "unchanged")]


def test_views_have_the_columns_fields_py_defines(outputs):
    for view in F.VIEWS.values():
        got = sql(outputs, "SELECT column_name, data_type FROM information_schema.columns "
                           f"WHERE table_name = '{view.name}' ORDER BY ordinal_position")
        assert got == [(f.name, DUCKDB.type_of(f.arrow_type)) for f in view.fields]
        assert sql(outputs, f"SELECT comment FROM duckdb_views() WHERE view_name = '{view.name}'") == \
            [(view.description,)]
