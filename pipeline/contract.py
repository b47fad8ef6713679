"""The published contract: `pipeline.fields` rendered for the people and engines downstream.

    pipeline/fields.py ─▶ contract ─▶ schemas/datapackage.json   (Frictionless Data Package)
                                  └─▶ docs/data-dictionary.md    (the column reference)

Both files are generated here and committed; neither is edited by hand
(`python -m pipeline docs` rewrites them, a test fails when they are stale).
The descriptor is what downstream warehouses rely on: each field carries its
Frictionless type and constraints plus its exact `arrowType` (the Parquet
type) and `sqlType` (the warehouse type), because Frictionless alone cannot
tell decimal money from a float.

The contract guard, `check_contract`, runs before publish writes anything: a
build whose output columns or types differ from the committed descriptor
fails, naming each column, unless `fields.SCHEMA_VERSION` was bumped and the
descriptor regenerated on purpose. `write_docs` refuses to regenerate a
changed shape under an unchanged version, so the bump cannot be skipped by
regenerating either.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa

from pipeline import fields as F
from pipeline.errors import ContractChanged

ROOT = Path(__file__).resolve().parent.parent
#: The committed contract. A module attribute so a test can point the guard at a copy.
DESCRIPTOR = ROOT / "schemas" / "datapackage.json"
DICTIONARY = ROOT / "docs" / "data-dictionary.md"

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
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    names = {pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
             pa.string(): "VARCHAR", pa.date32(): "DATE", pa.bool_(): "BOOLEAN"}
    if t in names:
        return names[t]
    raise TypeError(f"no SQL type for Arrow type {t}")


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

def field_descriptor(f: F.Field) -> dict:
    out: dict = {"name": f.name, "type": frictionless_type(f.arrow_type), "description": f.description}
    if f.example is not None:
        out["example"] = f.example
    out["arrowType"] = str(f.arrow_type)
    out["sqlType"] = sql_type(f.arrow_type)
    constraints: dict = {"required": not f.nullable}
    if f.enum is not None:
        constraints["enum"] = list(f.enum)
    if f.pattern is not None:
        constraints["pattern"] = table_schema_pattern(f.pattern)
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.maximum is not None:
        constraints["maximum"] = f.maximum
    out["constraints"] = constraints
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


def datapackage() -> dict:
    """The Frictionless Data Package descriptor of one published guide year."""
    return {
        "name": "nanoknife-cpt-reimbursement-guide",
        "title": "NanoKnife CPT Reimbursement Guide",
        "description": (
            "Medicare payments, CPT codes, exclusions and terminology read from AngioDynamics' yearly "
            "NanoKnife CPT Reimbursement Guide. One package per guide year: resource paths are relative to "
            "a year's folder outputs/<guide_year>/ (load this descriptor with that folder as basepath to "
            "validate the year; see README). The same tables, guide_year as a Hive partition, are in "
            "outputs/dataset/<table>/guide_year=<year>/part-0.parquet. Each field's arrowType is its exact "
            "Parquet type and sqlType its warehouse type. Generated from pipeline/fields.py; version is the "
            "schema version, bumped whenever a column is added, removed, renamed or retyped."
        ),
        "version": F.SCHEMA_VERSION,
        "resources": [
            {
                "name": table.name,
                "path": f"{table.name}.csv",
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(table),
            }
            for table in F.TABLES.values()
        ],
    }


def datapackage_text() -> str:
    return json.dumps(datapackage(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- the data dictionary

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _allowed(f: F.Field) -> str:
    parts = []
    if f.enum is not None:
        parts.append(", ".join(f"`{v}`" for v in f.enum))
    if f.pattern is not None:
        parts.append(f"matches `{f.pattern}`")
    if f.minimum is not None and f.maximum is not None:
        parts.append(f"{f.minimum} to {f.maximum}")
    elif f.minimum is not None:
        parts.append(f"at least {f.minimum}")
    elif f.maximum is not None:
        parts.append(f"at most {f.maximum}")
    return "; ".join(parts)


def _table_section(table: F.Table, where: str) -> list[str]:
    lines = [f"## `{table.name}`", "", table.description, "", where, "",
             f"Primary key: {', '.join(f'`{c}`' for c in table.primary_key)}."]
    for cols, ref, ref_cols in table.foreign_keys:
        lines.append(f"Foreign key: ({', '.join(cols)}) references `{ref}` ({', '.join(ref_cols)}).")
    lines += ["", "| column | Parquet type | SQL type | null | description | allowed values | example |",
              "|---|---|---|---|---|---|---|"]
    for f in table.fields:
        example = f"`{_cell(f.example)}`" if f.example is not None else ""
        lines.append(f"| `{f.name}` | {f.arrow_type} | {sql_type(f.arrow_type)} | {'yes' if f.nullable else 'no'} "
                     f"| {_cell(f.description)} | {_cell(_allowed(f))} | {example} |")
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
        "[`schemas/datapackage.json`](../schemas/datapackage.json) (Frictionless Data Package).",
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


def generated() -> dict[Path, str]:
    """Each generated file and the text it must hold."""
    return {DESCRIPTOR: datapackage_text(), DICTIONARY: data_dictionary()}


def stale() -> list[Path]:
    """Generated files whose committed text differs from what fields.py generates now."""
    return [path for path, text in generated().items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def write_docs() -> list[Path]:
    """Regenerate the stale files; returns those written.

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
    written = stale()
    texts = generated()
    for path in written:
        _write_text(path, texts[path])
    return written
