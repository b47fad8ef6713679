"""The published contract: generated from fields.py, fresh, true of the CSVs, and guarded at build time."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from frictionless import Package

from tools.testkit.paths import OUTPUTS, TEST_SOURCES
from pipeline import contract, sql
from pipeline import fields as F
from pipeline.schemas import published as published_schema
from pipeline.cli import main
from pipeline.errors import ContractChanged
from pipeline.publish import publish, published_years
from tools.testkit.two_years import build_two_years


def committed_descriptor() -> dict:
    return json.loads(contract.DESCRIPTOR.read_text(encoding="utf-8"))


def frictionless_errors(folder) -> list[tuple]:
    report = Package(committed_descriptor(), basepath=str(folder)).validate()
    assert report.stats["tasks"] == len(F.TABLES)
    return [(task.name, error.type, getattr(error, "row_number", None), getattr(error, "field_name", None))
            for task in report.tasks for error in task.errors]


def with_field_type(monkeypatch, table: str, column: str, arrow_type: pa.DataType) -> None:
    """fields.py as if `table.column` had been retyped (the committed contract stays as it is)."""
    old = F.TABLES[table]
    fields = tuple(replace(f, arrow_type=arrow_type) if f.name == column else f for f in old.fields)
    monkeypatch.setitem(F.TABLES, table, replace(old, fields=fields))


# ---------------------------------------------------------------- generated, and fresh

def test_generated_files_are_fresh():
    assert contract.stale() == [], "run `python -m pipeline docs` and commit the result"
    result = CliRunner().invoke(main, ["docs", "--check"])
    assert result.exit_code == 0, result.output


def test_descriptor_says_what_fields_py_says():
    descriptor = committed_descriptor()
    assert descriptor["version"] == F.SCHEMA_VERSION
    assert [r["name"] for r in descriptor["resources"]] == list(F.TABLES)
    payments = descriptor["resources"][1]
    assert payments["path"] == "payments.csv"
    assert payments["schema"]["primaryKey"] == ["guide_year", "cpt_code", "setting"]
    key = ["guide_year", "cpt_code"]
    assert payments["schema"]["foreignKeys"] == [{"fields": key, "reference": {"resource": "codes", "fields": key}}]
    fields = {f["name"]: f for f in payments["schema"]["fields"]}
    assert fields["payment_usd"] == {
        "name": "payment_usd", "type": "number", "description": F.PAYMENTS.field("payment_usd").description,
        "example": "9096.46", "arrowType": "decimal128(12, 2)", "sqlType": "DECIMAL(12,2)",
        "constraints": {"required": False, "minimum": 0}}
    assert fields["rvus"]["constraints"] == {"required": False, "minimum": 0}
    assert fields["cpt_code"]["constraints"] == {"required": True, "pattern": r"(\d{5}|\d{4}T)"}
    assert fields["setting"]["constraints"] == {"required": True, "enum": list(F.SETTINGS)}
    assert fields["guide_year"]["constraints"] == {"required": True, "minimum": 2000, "maximum": 2100}


def test_data_dictionary_lists_every_column():
    text = contract.DICTIONARY.read_text(encoding="utf-8")
    assert f"Schema version **{F.SCHEMA_VERSION}**" in text
    assert ("| `payment_usd` | decimal128(12, 2) | DECIMAL(12,2) | yes | National average payment in US dollars, "
            "exact to the cent. Present if and only if payment_status is national_rate. | at least 0 | `9096.46` |") in text
    for table in [*F.TABLES.values(), F.GUIDES]:
        assert f"## `{table.name}`" in text
        for f in table.fields:
            assert f"| `{f.name}` |" in text


def test_patterns_keep_their_meaning_when_implicitly_anchored():
    assert contract.table_schema_pattern(r"^(\d{5}|\d{4}T)$") == r"(\d{5}|\d{4}T)"
    assert contract.table_schema_pattern(r"^\d{5}|\d{4}T$") == r"(\d{5}|\d{4}T)"
    assert contract.table_schema_pattern(r"^[A-Z][A-Z0-9]?$") == "[A-Z][A-Z0-9]?"
    with pytest.raises(ValueError, match="must be anchored"):
        contract.table_schema_pattern(r"\d{4}")


# ---------------------------------------------------------------- true of the CSVs

@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    return build_two_years(tmp_path_factory.mktemp("contract"))


@pytest.mark.committed
def test_descriptor_validates_the_committed_csvs():
    assert published_years(OUTPUTS)
    for year in published_years(OUTPUTS):
        assert frictionless_errors(OUTPUTS / str(year)) == []


def test_descriptor_validates_a_second_year(two_years):
    for year in (2022, 2023):
        assert frictionless_errors(two_years / str(year)) == []


def test_descriptor_catches_bad_csvs(tmp_path, outputs_2022):
    folder = tmp_path / "2022"
    shutil.copytree(outputs_2022 / "2022", folder)

    def edit(name, old, new):
        path = folder / f"{name}.csv"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    edit("payments", "0600T,hospital_outpatient,national_rate,9096.46", "0600T,home,national_rate,9096.46")
    edit("payments", "0601T,ambulatory_surgical_center,national_rate,5063.52", "0601T,ambulatory_surgical_center,"
                                                                                 "national_rate,about 5000")
    edit("exclusions", "2022,0601T,77002,3", "2022,0602T,77002,3")
    edit("codes", "2022,0601T,III", "2022,0601T,II")
    edit("terminology", "2022,CMS,", "2022,AMA,")
    assert frictionless_errors(folder) == [
        ("codes", "constraint-error", 3, "code_category"),
        ("payments", "constraint-error", 3, "setting"),
        ("payments", "type-error", 6, "payment_usd"),
        ("exclusions", "foreign-key", 7, None),
        ("terminology", "primary-key", 3, None),
    ]


# ---------------------------------------------------------------- the guard

def test_build_fails_naming_the_column_when_the_contract_differs(tmp_path, monkeypatch):
    descriptor = committed_descriptor()
    payments = next(r for r in descriptor["resources"] if r["name"] == "payments")
    usd = next(f for f in payments["schema"]["fields"] if f["name"] == "payment_usd")
    usd["arrowType"] = "double"  # a test copy of the contract, retyped without a version bump
    copy = tmp_path / "datapackage.json"
    copy.write_text(json.dumps(descriptor), encoding="utf-8")
    monkeypatch.setattr(contract, "DESCRIPTOR", copy)

    out = tmp_path / "outputs"
    result = CliRunner().invoke(main, ["build", "--sources", str(TEST_SOURCES), "--outputs", str(out)])
    assert result.exit_code == 1
    assert f"output differs from the published contract {copy} (schema version {F.SCHEMA_VERSION}) without a " \
           "version bump: payments.payment_usd is decimal128(12, 2) but the contract says double. If the change " \
           "is on purpose, bump SCHEMA_VERSION in pipeline/fields.py and run `python -m pipeline docs`" \
           in result.output
    assert not (out / "2022").exists() and not (out / "dataset").exists()


def test_a_retyped_field_is_refused_before_anything_is_written(guide_2022, tmp_path, monkeypatch):
    with_field_type(monkeypatch, "payments", "payment_usd", pa.float64())
    with pytest.raises(ContractChanged) as exc:
        publish(guide_2022, tmp_path)
    assert "without a version bump: payments.payment_usd is double but the contract says decimal128(12, 2)." \
           in str(exc.value)
    assert list(tmp_path.iterdir()) == []


def test_every_kind_of_difference_is_named():
    published = {"codes": [("guide_year", "int16", False), ("cpt_code", "string", False), ("old", "string", True)],
                 "gone": [("x", "int16", False)]}
    built = {"codes": [("cpt_code", "string", True), ("guide_year", "int32", False), ("new", "string", True)],
             "extra": [("y", "int16", False)]}
    assert contract.differences(published, built) == [
        "codes.guide_year is int32 but the contract says int16",
        "codes.guide_year is column 2 but the contract says column 1",
        "codes.cpt_code is nullable but the contract says required",
        "codes.cpt_code is column 1 but the contract says column 2",
        "codes.old is in the contract but not written",
        "codes.new is written but not in the contract",
        "table gone is in the contract but not written",
        "table extra is written but not in the contract",
    ]


def generated_files_in(tmp_path, monkeypatch) -> None:
    """Point every generated file of the contract at a copy under `tmp_path`, so a test may rewrite them."""
    for name in ("DESCRIPTOR", "DICTIONARY"):
        path = tmp_path / getattr(contract, name).name
        shutil.copy(getattr(contract, name), path)
        monkeypatch.setattr(contract, name, path)
    shutil.copytree(contract.SCHEMAS, tmp_path / "schemas")
    monkeypatch.setattr(contract, "SCHEMAS", tmp_path / "schemas")
    shutil.copytree(contract.PACKAGED, tmp_path / "ddl")
    monkeypatch.setattr(contract, "PACKAGED", tmp_path / "ddl")


def test_docs_refuse_a_shape_change_without_a_version_bump(tmp_path, monkeypatch):
    generated_files_in(tmp_path, monkeypatch)
    before = contract.DESCRIPTOR.read_bytes()
    with_field_type(monkeypatch, "codes", "source_page", pa.int32())
    with pytest.raises(ContractChanged) as exc:
        contract.write_docs()
    assert str(exc.value) == (
        "the contract would change (codes.source_page is int32 but the contract says int16) but SCHEMA_VERSION "
        f"is still {F.SCHEMA_VERSION}: bump it in pipeline/fields.py on purpose, then run `python -m pipeline docs` "
        "again")
    assert contract.DESCRIPTOR.read_bytes() == before


def test_a_version_bump_lets_the_change_through_once_published(guide_2022, tmp_path, monkeypatch):
    generated_files_in(tmp_path, monkeypatch)
    with_field_type(monkeypatch, "codes", "source_page", pa.int32())
    monkeypatch.setattr(F, "SCHEMA_VERSION", "2.0.0")

    # bumped in fields.py but not yet published: still refused, with the way out named
    with pytest.raises(ContractChanged) as exc:
        contract.check_contract()
    assert str(exc.value) == (
        f"pipeline/fields.py is at schema version 2.0.0 but the published contract {contract.DESCRIPTOR} is at "
        f"{committed_descriptor()['version']}: publish the new contract with `python -m pipeline docs` before building")

    schemas = tmp_path / "schemas"
    # every generated file says source_page is int32 now (or the new version), except BigQuery's, which has one
    # integer type
    assert contract.write_docs() == [contract.DESCRIPTOR, schemas / "datapackage.json", schemas / "postgres.sql",
                                     schemas / "postgres-year.sql", schemas / "duckdb-year.sql",
                                     tmp_path / "ddl" / "postgres.sql", tmp_path / "ddl" / "postgres-year.sql",
                                     tmp_path / "ddl" / "duckdb-year.sql", contract.DICTIONARY]
    assert (tmp_path / "ddl" / "postgres.sql").read_bytes() == (schemas / "postgres.sql").read_bytes()
    assert '"source_page" integer NOT NULL' in (schemas / "postgres.sql").read_text(encoding="utf-8")
    regenerated = json.loads(contract.DESCRIPTOR.read_text(encoding="utf-8"))
    assert regenerated["version"] == "2.0.0"
    assert regenerated["resources"][0]["schema"]["fields"][-1]["arrowType"] == "int32"
    contract.check_contract()
    folder = publish(guide_2022, tmp_path / "outputs")
    assert json.loads((folder / "manifest.json").read_text())["schema_version"] == "2.0.0"


# ---------------------------------------------------------------- each year's own data package

FRICTIONLESS = Path(sys.executable).with_name("frictionless")


def frictionless_cli(target: Path) -> tuple[int, list[tuple]]:
    """`frictionless validate --json YEAR/datapackage.json` (or `YEAR`), as a user runs it from the outputs'
    parent folder: the exit code and each (resource, error, row, field)."""
    assert FRICTIONLESS.exists(), "frictionless is a dev dependency: make .venv/.installed"
    cwd = target.parent.parent if target.name == "datapackage.json" else target.parent
    done = subprocess.run([str(FRICTIONLESS), "validate", "--json", str(target.relative_to(cwd))],
                          capture_output=True, text=True, cwd=cwd)
    report = json.loads(done.stdout)
    return done.returncode, [(t["name"], e["type"], e.get("rowNumber"), e.get("fieldName"))
                             for t in report["tasks"] for e in t["errors"]]


def test_each_year_folder_is_a_valid_data_package_from_the_command_line(two_years):
    assert published_years(two_years) == [2022, 2023]
    for year in published_years(two_years):
        assert frictionless_cli(two_years / str(year) / "datapackage.json") == (0, [])
    # the folder alone works too: frictionless finds the package in it (no resource named twice)
    assert frictionless_cli(two_years / "2022") == (0, [])


def test_the_year_package_is_the_contract_for_that_years_csv_files(outputs_2022):
    folder = outputs_2022 / "2022"
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    assert package["name"] == "nanoknife-cpt-reimbursement-guide-2022"
    assert package["version"] == F.SCHEMA_VERSION
    assert [(r["name"], r["path"], r["profile"]) for r in package["resources"]] == [
        (name, f"{name}.csv", "tabular-data-resource") for name in F.TABLES]
    for resource, template in zip(package["resources"], committed_descriptor()["resources"]):
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["schema"] == template["schema"]
    # publish wrote it, so the manifest vouches for it like every other file
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["datapackage.json"] == hashlib.sha256((folder / "datapackage.json").read_bytes()).hexdigest()


def test_the_year_package_catches_a_negative_amount_and_a_changed_file(tmp_path, outputs_2022):
    folder = tmp_path / "2022"
    shutil.copytree(outputs_2022 / "2022", folder)
    path = folder / "payments.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("0600T,hospital_outpatient,national_rate,9096.46",
                                 "0600T,hospital_outpatient,national_rate,-9096.46"), encoding="utf-8")
    assert frictionless_cli(folder / "datapackage.json") == (1, [
        ("payments", "constraint-error", 3, "payment_usd"), ("payments", "hash-count", None, None),
        ("payments", "byte-count", None, None)])


def test_the_contract_ships_inside_the_package():
    assert contract.DESCRIPTOR.parent == Path(contract.__file__).resolve().parent
    assert contract.DESCRIPTOR.read_bytes() == (contract.SCHEMAS / "datapackage.json").read_bytes()


# ---------------------------------------------------------------- DDL and schemas for other warehouses

def test_bigquery_schema_keeps_cents_and_modes():
    schema = json.loads((contract.SCHEMAS / "bigquery" / "payments.json").read_text(encoding="utf-8"))
    assert [(f["name"], f["type"], f["mode"]) for f in schema] == [
        ("guide_year", "INT64", "REQUIRED"), ("cpt_code", "STRING", "REQUIRED"), ("setting", "STRING", "REQUIRED"),
        ("payment_status", "STRING", "REQUIRED"), ("payment_usd", "NUMERIC", "NULLABLE"),
        ("rvus", "NUMERIC", "NULLABLE"), ("apc", "STRING", "NULLABLE"), ("indicator", "STRING", "NULLABLE"),
        ("source_page", "INT64", "REQUIRED")]
    assert (schema[4]["precision"], schema[4]["scale"]) == ("12", "2")
    assert schema[4]["description"] == F.PAYMENTS.field("payment_usd").description
    assert sorted(p.name for p in (contract.SCHEMAS / "bigquery").iterdir()) == sorted(f"{t}.json" for t in F.TABLES)


def test_postgres_ddl_states_every_constraint_anchored():
    text = (contract.SCHEMAS / "postgres.sql").read_text(encoding="utf-8")
    assert '"payment_usd" numeric(12,2) CHECK ("payment_usd" >= 0),' in text
    assert '"cpt_code" text NOT NULL CHECK ("cpt_code" ~ \'^(\\d{5}|\\d{4}T)$\'),' in text
    assert '"guide_year" smallint NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),' in text
    assert text.count("REFERENCES \"codes\" (\"guide_year\", \"cpt_code\")") == 2
    assert text.count("CREATE TABLE") == len(F.TABLES)


def test_one_translation_of_constraints():
    # the same Field.constraints() list, in each target's syntax
    usd, code = F.PAYMENTS.field("payment_usd"), F.CPT_CODE
    assert usd.constraints() == (F.Constraint("minimum", 0),)
    assert contract.table_schema_constraints(code) == {"required": True, "pattern": r"(\d{5}|\d{4}T)"}
    assert sql.check_sql(sql.POSTGRES, code) == '"cpt_code" ~ \'^(\\d{5}|\\d{4}T)$\''
    assert sql.check_sql(sql.DUCKDB, code) == 'regexp_full_match("cpt_code", \'^(\\d{5}|\\d{4}T)$\')'
    assert [c.error for c in published_schema("codes").columns["cpt_code"].checks] == [r"matches ^(\d{5}|\d{4}T)$"]


# ---------------------------------------------------------------- the dictionary: views and the manifest

def _keys(manifest: dict) -> list[str]:
    out = []
    for key, value in manifest.items():
        out.append(key)
        if key in ("source", "layout"):
            out += [f"{key}.{inner}" for inner in value]
    return out


def test_the_manifest_has_exactly_the_documented_keys(two_years):
    documented = [key.name for key in F.MANIFEST]
    for folder in (two_years / "2022", two_years / "2023"):
        assert _keys(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))) == documented


def test_data_dictionary_documents_views_and_manifest():
    text = contract.DICTIONARY.read_text(encoding="utf-8")
    for view in F.VIEWS.values():
        assert f"## view `{view.name}`" in text
    assert ("| `change_pct` | decimal128(18, 2) | DECIMAL(18,2) | yes | (payment_usd - previous_usd) / previous_usd "
            "x 100, exact, rounded half away from zero to 2 places; null unless both amounts are present and "
            "previous_usd is not 0. |  | `2.00` |") in text
    assert "## `manifest.json`" in text
    for key in F.MANIFEST:
        assert f"| `{key.name}` | {key.json_type} |" in text
