"""The published contract: `pipeline.fields` rendered for the people and engines downstream.

    pipeline/fields.py ─▶ contract ─▶ pipeline/contract.json         (the contract the guard checks; package data)
                                  ├─▶ pipeline/ddl/                   (postgres.sql, bigquery/; package data)
                                  ├─▶ schemas/datapackage.json        (the same, for readers of the repository)
                                  ├─▶ schemas/postgres.sql            (PostgreSQL DDL, every year in one set of tables)
                                  ├─▶ schemas/{postgres,duckdb}-year.sql (one year loaded or replaced, one transaction)
                                  ├─▶ schemas/bigquery/<table>.json   (BigQuery table schemas)
                                  ├─▶ docs/data-dictionary.md         (the column reference)
                                  └─▶ outputs/<year>/datapackage.json (each year's own data package, via publish)

The files are generated here and committed; none is edited by hand
(`python -m pipeline docs` rewrites them, `--check` and a test fail when one is
stale). The wheel ships the contract and the DDL as package data (`PACKAGED`);
`write_docs(root)` writes the readers' copies, schemas/ and docs/, under any
folder, and the package's own copies only in a checkout (`write_docs()`).

The descriptor is what downstream warehouses rely on: each field
carries its Frictionless type and constraints plus its exact `arrowType` (the
Parquet type) and `sqlType` (the warehouse type), because Frictionless alone
cannot tell decimal money from a float. Every constraint comes from
`Field.constraints()`, the one list the pandera schemas and the SQL render too.

The contract guard, `check_contract`, runs before publish writes anything: a
build whose output columns or types differ from the committed contract fails,
naming each column, unless `fields.SCHEMA_VERSION` was bumped and the contract
regenerated on purpose. It reads the copy shipped inside the package
(`pipeline/contract.json`), so an installed pipeline publishes from any folder.
`write_docs` refuses to regenerate a changed shape under an unchanged version,
so the bump cannot be skipped by regenerating either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

from pipeline import fields as F
from pipeline import sql
from pipeline import vocab
from pipeline.digest import sha256_bytes
from pipeline.errors import ContractChanged

ROOT = Path(__file__).resolve().parent.parent
#: The contract the guard checks, shipped as package data. A module attribute so a test can point the
#: guard at a copy.
DESCRIPTOR = Path(__file__).resolve().with_name("contract.json")
#: The DDL shipped as package data, the same text as schemas/postgres.sql and schemas/bigquery/<table>.json,
#: so an installed pipeline has it: `PACKAGED / "postgres.sql"`, `PACKAGED / "bigquery" / "<table>.json"`.
PACKAGED = Path(__file__).resolve().with_name("ddl")
#: The repository's copies for readers: schemas/datapackage.json, postgres.sql, bigquery/<table>.json.
SCHEMAS = ROOT / "schemas"
DICTIONARY = ROOT / "docs" / "data-dictionary.md"
VOCABULARY = ROOT / "docs" / "vocabulary.md"
#: The name of each year's own data package in outputs/<year>/.
YEAR_PACKAGE = "datapackage.json"

_REGENERATE = "python -m pipeline docs"


# ---------------------------------------------------------------- type names

def frictionless_type(t: pa.DataType) -> str:
    """The Table Schema type of an Arrow type."""
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_string(t):
        return "string"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_boolean(t):
        return "boolean"
    raise TypeError(f"no Table Schema type for Arrow type {t}")


def sql_type(t: pa.DataType) -> str:
    """The SQL (DuckDB) column type of an Arrow type; money stays DECIMAL, never a float."""
    return sql.DUCKDB.type_of(t)


def table_schema_pattern(pattern: str) -> str:
    """A fields.py pattern (anchored, `^...$`) as a Table Schema pattern, which is implicitly anchored.

    The anchors are dropped; a top-level alternation is grouped so that the
    implicit anchoring covers every branch.
    """
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise ValueError(f"pattern {pattern!r} must be anchored with ^ and $ so it means one thing everywhere")
    inner, depth, escaped = pattern[1:-1], 0, False
    for ch in inner:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "|" and depth == 0:
            return f"({inner})"
    return inner


# ---------------------------------------------------------------- the descriptor

def table_schema_constraints(f: F.Field) -> dict:
    """The Table Schema `constraints` of a field: required, then each of `f.constraints()`."""
    render = {
        "enum": list,
        "pattern": table_schema_pattern,
        "minimum": lambda bound: bound,
        "maximum": lambda bound: bound,
    }
    out: dict = {"required": not f.nullable}
    out.update((c.kind, render[c.kind](c.value)) for c in f.constraints())
    return out


def field_descriptor(f: F.Field) -> dict:
    out: dict = {"name": f.name, "type": frictionless_type(f.arrow_type), "description": f.description}
    if f.example is not None:
        out["example"] = f.example
    out["arrowType"] = str(f.arrow_type)
    out["sqlType"] = sql_type(f.arrow_type)
    out["constraints"] = table_schema_constraints(f)
    return out


def table_schema(table: F.Table) -> dict:
    schema: dict = {
        "fields": [field_descriptor(f) for f in table.fields],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [{"fields": list(cols), "reference": {"resource": ref, "fields": list(ref_cols)}}
                                 for cols, ref, ref_cols in table.foreign_keys]
    return schema


_DESCRIPTION = (
    "Medicare payments, CPT codes, exclusions and terminology read from AngioDynamics' yearly NanoKnife CPT "
    "Reimbursement Guide. Generated from pipeline/fields.py; version is the schema version, bumped whenever a "
    "column is added, removed, renamed or retyped. Each field's arrowType is its exact Parquet type and sqlType "
    "its warehouse type. The same tables, guide_year as a Hive partition, are in "
    "outputs/dataset/<table>/guide_year=<year>/part-0.parquet."
)


def _resource(table: F.Table, data: bytes | None = None) -> dict:
    """One tabular data resource: a table's CSV file, with its size and sha256 when its bytes are known."""
    out: dict = {"name": table.name, "path": f"{table.name}.csv", "profile": "tabular-data-resource"}
    if data is not None:
        out["bytes"] = len(data)
        out["hash"] = "sha256:" + sha256_bytes(data)
    out.update(description=table.description, format="csv", mediatype="text/csv", encoding="utf-8",
               schema=table_schema(table))
    return out


def datapackage() -> dict:
    """The contract: the v1 tabular data package of one guide year, without the year's own data.

    Resource paths are relative to a year's folder; `year_datapackage` is the
    same package filled in for one published year.
    """
    return {
        "profile": "tabular-data-package",
        "name": "nanoknife-cpt-reimbursement-guide",
        "title": "NanoKnife CPT Reimbursement Guide",
        "description": _DESCRIPTION + " This is the contract every year is published under: each "
                       "outputs/<guide_year>/datapackage.json is this package for that year's CSV files.",
        "version": F.SCHEMA_VERSION,
        "resources": [_resource(table) for table in F.TABLES.values()],
    }


def year_datapackage(guide_year: int, files: Mapping[str, bytes]) -> dict:
    """outputs/<guide_year>/datapackage.json: the contract for one year's CSV files, with their sizes and sha256.

    `files` are the year's output files by name; only the CSVs are resources
    (the Parquet files hold the same rows). `frictionless validate` checks the
    bytes and hash of each file as well as every row.
    """
    package = datapackage()
    package.update(
        name=f"nanoknife-cpt-reimbursement-guide-{guide_year}",
        title=f"NanoKnife CPT Reimbursement Guide {guide_year}",
        description=_DESCRIPTION + f" This package holds guide year {guide_year}.",
        resources=[_resource(table, files[f"{table.name}.csv"]) for table in F.TABLES.values()],
    )
    return package


def _json_text(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def year_datapackage_bytes(guide_year: int, files: Mapping[str, bytes]) -> bytes:
    """`year_datapackage` as the bytes publish writes."""
    return _json_text(year_datapackage(guide_year, files)).encode("utf-8")


def datapackage_text() -> str:
    return _json_text(datapackage())


# ---------------------------------------------------------------- DDL for other warehouses

def postgres_sql() -> str:
    """schemas/postgres.sql, safe to run again (`pipeline.sql.postgres_schema`)."""
    return sql.postgres_schema()


def bigquery_text(table: F.Table) -> str:
    """schemas/bigquery/<table>.json: the table's BigQuery schema (`bq load --schema`, `bq mk --schema`)."""
    return _json_text(sql.bigquery_schema(table))


# ---------------------------------------------------------------- the data dictionary

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _allowed(f: F.Field) -> str:
    """`f.constraints()` in words; a minimum and a maximum together read as one range."""
    rules = {c.kind: c.value for c in f.constraints()}
    render = {
        "enum": lambda values: ", ".join(f"`{v}`" for v in values),
        "pattern": lambda pattern: f"matches `{pattern}`",
        "minimum": lambda bound: f"at least {bound}",
        "maximum": lambda bound: f"at most {bound}",
    }
    if "minimum" in rules and "maximum" in rules:
        top = rules.pop("maximum")
        render["minimum"] = lambda bound: f"{bound} to {top}"
    return "; ".join(render[kind](value) for kind, value in rules.items())


def _columns(fields: tuple[F.Field, ...]) -> list[str]:
    lines = ["| column | Parquet type | SQL type | null | description | allowed values | example |",
             "|---|---|---|---|---|---|---|"]
    for f in fields:
        example = f"`{_cell(f.example)}`" if f.example is not None else ""
        lines.append(f"| `{f.name}` | {f.arrow_type} | {sql_type(f.arrow_type)} | {'yes' if f.nullable else 'no'} "
                     f"| {_cell(f.description)} | {_cell(_allowed(f))} | {example} |")
    return lines


def _table_section(table: F.Table, where: str) -> list[str]:
    lines = [f"## `{table.name}`", "", table.description, "", where, "",
             f"Primary key: {', '.join(f'`{c}`' for c in table.primary_key)}."]
    for cols, ref, ref_cols in table.foreign_keys:
        lines.append(f"Foreign key: ({', '.join(cols)}) references `{ref}` ({', '.join(ref_cols)}).")
    return lines + ["", *_columns(table.fields), ""]


def _view_section(view: F.View) -> list[str]:
    return [f"## view `{view.name}`", "", view.description, "",
            "In the warehouse only (`outputs/warehouse.duckdb`), computed from its tables. "
            f"One row per {', '.join(f'`{c}`' for c in view.key)}.", "", *_columns(view.fields), ""]


def _manifest_section() -> list[str]:
    lines = ["## `manifest.json`", "",
             "One per guide year, `outputs/<guide_year>/manifest.json`: the document's facts, where it came "
             "from, and the sha256 of every other file of the year. No timestamps, so two builds of the same "
             "source are byte-identical. A dotted key is a key inside an object.", "",
             "| key | JSON type | null | description | example |", "|---|---|---|---|---|"]
    for key in F.MANIFEST:
        example = f"`{_cell(key.example)}`" if key.example is not None else ""
        lines.append(f"| `{key.name}` | {key.json_type} | {'yes' if key.nullable else 'no'} "
                     f"| {_cell(key.description)} | {example} |")
    return lines + [""]


def other_tables() -> list[F.Table]:
    """Tables defined in fields.py that are not per-year outputs (warehouse, diffs), in definition order."""
    return [v for v in vars(F).values() if isinstance(v, F.Table) and v.name not in F.TABLES]


def data_dictionary() -> str:
    """docs/data-dictionary.md: every table and column of fields.py, as Markdown."""
    lines = [
        "# Data dictionary",
        "",
        f"<!-- Generated from pipeline/fields.py by `{_REGENERATE}`. Do not edit by hand. -->",
        "",
        f"Schema version **{F.SCHEMA_VERSION}**. The machine-readable contract is "
        "[`schemas/datapackage.json`](../schemas/datapackage.json) (Frictionless Data Package); each "
        "year's `outputs/<guide_year>/datapackage.json` is that package for the year's CSV files. "
        "The same columns as database tables: [`schemas/postgres.sql`](../schemas/postgres.sql) "
        "(PostgreSQL) and [`schemas/bigquery/`](../schemas/bigquery/) (BigQuery); how to load them is in "
        "[`docs/warehouses.md`](warehouses.md).",
        "",
        "Every published table is written per guide year as `outputs/<guide_year>/<table>.csv` and "
        "`.parquet`, and into the Hive-partitioned dataset "
        "`outputs/dataset/<table>/guide_year=<guide_year>/part-0.parquet` (there `guide_year` is the "
        "partition, not a column of the file). `make warehouse` loads every year into "
        "`outputs/warehouse.duckdb` with the SQL types below.",
        "",
        "CSV: UTF-8, a header row, empty for null, plain decimal strings (`9096.46`). "
        "Parquet: the types below exactly, money as `decimal128(12, 2)`, never a float.",
        "",
    ]
    for table in F.TABLES.values():
        lines += _table_section(table, f"Files: `outputs/<guide_year>/{table.name}.csv`, "
                                       f"`outputs/<guide_year>/{table.name}.parquet`, "
                                       f"`outputs/dataset/{table.name}/`.")
    for table in other_tables():
        where = ("In the warehouse only (`outputs/warehouse.duckdb`)." if table.name == F.GUIDES.name
                 else "Not a per-year table: written by its own command (see README).")
        lines += _table_section(table, where)
    for view in F.VIEWS.values():
        lines += _view_section(view)
    lines += _manifest_section()
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------- the guard

def _shape_of_descriptor(descriptor: dict) -> dict[str, list[tuple[str, str, bool]]]:
    return {r["name"]: [(f["name"], f["arrowType"], not f.get("constraints", {}).get("required", False))
                        for f in r["schema"]["fields"]]
            for r in descriptor["resources"]}


def _shape_of_schemas(schemas: dict[str, pa.Schema]) -> dict[str, list[tuple[str, str, bool]]]:
    return {name: [(f.name, str(f.type), f.nullable) for f in schema] for name, schema in schemas.items()}


def contract_schemas() -> dict[str, pa.Schema]:
    """The Arrow schema of every published table, as fields.py defines it now."""
    return {name: table.arrow_schema() for name, table in F.TABLES.items()}


def differences(published: dict, built: dict) -> list[str]:
    """Each difference between two shapes ({table: [(column, arrow type, nullable)]}), naming the column."""
    out = []
    for table in [*published, *(t for t in built if t not in published)]:
        if table not in built:
            out.append(f"table {table} is in the contract but not written")
            continue
        if table not in published:
            out.append(f"table {table} is written but not in the contract")
            continue
        old = {c: (i, t, n) for i, (c, t, n) in enumerate(published[table])}
        new = {c: (i, t, n) for i, (c, t, n) in enumerate(built[table])}
        for column in [*old, *(c for c in new if c not in old)]:
            if column not in new:
                out.append(f"{table}.{column} is in the contract but not written")
            elif column not in old:
                out.append(f"{table}.{column} is written but not in the contract")
            else:
                (i, t, n), (j, u, m) = old[column], new[column]
                if t != u:
                    out.append(f"{table}.{column} is {u} but the contract says {t}")
                if n != m:
                    out.append(f"{table}.{column} is {'nullable' if m else 'required'} but the contract "
                               f"says {'nullable' if n else 'required'}")
                if i != j:
                    out.append(f"{table}.{column} is column {j + 1} but the contract says column {i + 1}")
    return out


def read_descriptor(path: Path | None = None) -> dict:
    path = Path(path or DESCRIPTOR)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContractChanged(f"the published contract {path} is missing; generate it with `{_REGENERATE}`") \
            from None
    except json.JSONDecodeError as exc:
        raise ContractChanged(f"the published contract {path} is not valid JSON ({exc})") from None


def check_contract(schemas: dict[str, pa.Schema] | None = None, path: Path | None = None) -> None:
    """Raise `ContractChanged` if `schemas` (the Arrow schemas about to be written) differ from the contract.

    `schemas` defaults to fields.py's own; `path` to the committed descriptor.
    """
    path = Path(path or DESCRIPTOR)
    descriptor = read_descriptor(path)
    version = descriptor.get("version")
    diffs = differences(_shape_of_descriptor(descriptor), _shape_of_schemas(schemas or contract_schemas()))
    if version != F.SCHEMA_VERSION:
        raise ContractChanged(
            f"pipeline/fields.py is at schema version {F.SCHEMA_VERSION} but the published contract {path} "
            f"is at {version}: publish the new contract with `{_REGENERATE}` before building")
    if diffs:
        raise ContractChanged(
            f"output differs from the published contract {path} (schema version {version}) without a "
            f"version bump: {'; '.join(diffs)}. If the change is on purpose, bump SCHEMA_VERSION in "
            f"pipeline/fields.py and run `{_REGENERATE}`")


# ---------------------------------------------------------------- writing the files

def _write_text(path: Path, text: str) -> None:
    # Same-folder temporary file and rename: a reader never sees half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def generated(root: Path | None = None) -> dict[Path, str]:
    """Each generated file and the text it must hold.

    In this checkout (`root` None): the package's own copies (the contract, the DDL) and the readers' ones
    (schemas/, docs/). Under another `root`: the readers' copies alone, in `root/schemas` and `root/docs`.
    """
    if root is None:
        schemas, dictionary, vocabulary = SCHEMAS, DICTIONARY, VOCABULARY
    else:
        root = Path(root)
        schemas, docs = root / "schemas", root / "docs"
        dictionary, vocabulary = docs / DICTIONARY.name, docs / VOCABULARY.name
    files = {DESCRIPTOR: datapackage_text()} if root is None else {}
    files.update({schemas / "datapackage.json": datapackage_text(), schemas / "postgres.sql": postgres_sql(),
                  schemas / "postgres-year.sql": sql.postgres_year_script(),
                  schemas / "duckdb-year.sql": sql.duckdb_year_script()})
    files.update((schemas / "bigquery" / f"{name}.json", bigquery_text(table)) for name, table in F.TABLES.items())
    if root is None:
        files.update((PACKAGED / name, files[schemas / name])
                     for name in ("postgres.sql", "postgres-year.sql", "duckdb-year.sql"))
        files.update((PACKAGED / "bigquery" / f"{name}.json", files[schemas / "bigquery" / f"{name}.json"])
                     for name in F.TABLES)
    files[dictionary] = data_dictionary()
    files[vocabulary] = vocab.markdown()
    return files


def stale(root: Path | None = None) -> list[Path]:
    """Generated files (`generated(root)`) whose text differs from what fields.py generates now."""
    return [path for path, text in generated(root).items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def write_docs(root: Path | None = None) -> list[Path]:
    """Regenerate the stale files (`generated(root)`); returns those written.

    Refuses (`ContractChanged`) when the descriptor's columns or types would
    change under the same schema version: that change needs a bump first.
    """
    if DESCRIPTOR.exists():
        old = read_descriptor(DESCRIPTOR)
        if old.get("version") == F.SCHEMA_VERSION:
            diffs = differences(_shape_of_descriptor(old), _shape_of_descriptor(datapackage()))
            if diffs:
                raise ContractChanged(
                    f"the contract would change ({'; '.join(diffs)}) but SCHEMA_VERSION is still "
                    f"{F.SCHEMA_VERSION}: bump it in pipeline/fields.py on purpose, then run `{_REGENERATE}` again")
    written = stale(root)
    texts = generated(root)
    for path in written:
        _write_text(path, texts[path])
    return written
