"""`pipeline.fields` as SQL: column types, NOT NULL and CHECK constraints, for each database we feed.

    fields.py ─▶ sql ─▶ DuckDB DDL      (pipeline.readers.warehouse, outputs/warehouse.duckdb)
                    └─▶ PostgreSQL DDL  (schemas/postgres.sql, via pipeline.contract)
                    └─▶ one year loaded or replaced, in one transaction
                        (schemas/postgres-year.sql for psql, schemas/duckdb-year.sql for DuckDB)
                    └─▶ BigQuery schema (schemas/bigquery/<table>.json, via pipeline.contract)
                    └─▶ Spark schema    (docs/warehouses.md: reading the Hive dataset)

A `Dialect` says how one database spells a type and a regular-expression
match; everything else (which columns, which constraints, in which order) is
the same for all of them, so a pattern is anchored and money is exact in every
database alike. Constraints come from `Field.constraints()`, the one list the
pandera schemas and the data packages render too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from pipeline import fields as F


def quote(name: str) -> str:
    """An SQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    """An SQL string literal (standard quoting; backslashes are not escapes in either dialect)."""
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Dialect:
    """How one database names the Arrow types we publish and matches a whole string against a pattern."""

    name: str
    types: dict[pa.DataType, str]
    #: (quoted column, anchored pattern) -> a boolean expression true when the column matches
    full_match: Callable[[str, str], str]

    def type_of(self, t: pa.DataType) -> str:
        if pa.types.is_decimal(t):
            return self.types["decimal"].format(precision=t.precision, scale=t.scale)
        if t in self.types:
            return self.types[t]
        raise TypeError(f"no {self.name} type for Arrow type {t}")


DUCKDB = Dialect(
    "DuckDB",
    {"decimal": "DECIMAL({precision},{scale})", pa.int16(): "SMALLINT", pa.int32(): "INTEGER",
     pa.int64(): "BIGINT", pa.float64(): "DOUBLE", pa.string(): "VARCHAR", pa.date32(): "DATE",
     pa.bool_(): "BOOLEAN"},
    lambda col, pattern: f"regexp_full_match({col}, {literal(pattern)})",
)

POSTGRES = Dialect(
    "PostgreSQL",
    {"decimal": "numeric({precision},{scale})", pa.int16(): "smallint", pa.int32(): "integer",
     pa.int64(): "bigint", pa.float64(): "double precision", pa.string(): "text", pa.date32(): "date",
     pa.bool_(): "boolean"},
    # the patterns are anchored (^...$), so ~ (a search) matches the whole string
    lambda col, pattern: f"{col} ~ {literal(pattern)}",
)


SPARK = Dialect(
    "Spark SQL",
    {"decimal": "DECIMAL({precision},{scale})", pa.int16(): "SMALLINT", pa.int32(): "INT", pa.int64(): "BIGINT",
     pa.float64(): "DOUBLE", pa.string(): "STRING", pa.date32(): "DATE", pa.bool_(): "BOOLEAN"},
    lambda col, pattern: f"{col} RLIKE {literal(pattern)}",
)


def spark_schema(table: F.Table) -> str:
    """The DDL schema string Spark reads a table of the Hive dataset with (`spark.read.schema(...)`).

    The file columns, then guide_year last, as Spark places a partition
    column; naming its type here stops Spark inferring INT from the folder names.
    """
    year = table.field("guide_year")
    columns = [f for f in table.fields if f.name != year.name] + [year]
    return ", ".join(f"{f.name} {SPARK.type_of(f.arrow_type)}" for f in columns)


def check_sql(dialect: Dialect, f: F.Field) -> str | None:
    """The CHECK expression of `f`'s constraints in `dialect`, or None when it has none."""
    col = quote(f.name)
    render = {
        "enum": lambda values: f"{col} IN ({', '.join(literal(v) for v in values)})",
        "pattern": lambda pattern: dialect.full_match(col, pattern),
        "minimum": lambda bound: f"{col} >= {bound}",
        "maximum": lambda bound: f"{col} <= {bound}",
    }
    parts = [render[c.kind](c.value) for c in f.constraints()]
    return " AND ".join(parts) if parts else None


def column_sql(dialect: Dialect, f: F.Field) -> str:
    """One column definition: name, type, NOT NULL, CHECK."""
    parts = [quote(f.name), dialect.type_of(f.arrow_type)]
    if not f.nullable:
        parts.append("NOT NULL")
    check = check_sql(dialect, f)
    if check:
        parts.append(f"CHECK ({check})")
    return " ".join(parts)


def create_table_sql(dialect: Dialect, table: F.Table, foreign_keys: bool = True,
                     if_not_exists: bool = False) -> str:
    """CREATE TABLE for one table of fields.py: types, NOT NULL, CHECKs, primary key and (optionally) foreign keys.

    `if_not_exists` makes it safe to run again: a table already there is left as it is, rows and all.
    """
    lines = [column_sql(dialect, f) for f in table.fields]
    lines.append(f"PRIMARY KEY ({', '.join(quote(c) for c in table.primary_key)})")
    if foreign_keys:
        lines += [f"FOREIGN KEY ({', '.join(quote(c) for c in cols)}) "
                  f"REFERENCES {quote(ref)} ({', '.join(quote(c) for c in ref_cols)})"
                  for cols, ref, ref_cols in table.foreign_keys]
    create = "CREATE TABLE IF NOT EXISTS" if if_not_exists else "CREATE TABLE"
    return f"{create} {quote(table.name)} (\n    " + ",\n    ".join(lines) + "\n)"


def comments_sql(table: F.Table | F.View, kind: str = "TABLE") -> list[str]:
    """COMMENT statements giving the table (or view) and each column its description."""
    out = [f"COMMENT ON {kind} {quote(table.name)} IS {literal(table.description)}"]
    out += [f"COMMENT ON COLUMN {quote(table.name)}.{quote(f.name)} IS {literal(f.description)}"
            for f in table.fields]
    return out


# ---------------------------------------------------------------- scripts: the tables, and one year loaded or replaced

#: The first line of every generated script.
GENERATED = "-- Generated from pipeline/fields.py by `python -m pipeline docs`. Do not edit by hand."


def _columns(table: F.Table) -> str:
    return ", ".join(quote(c) for c in table.columns)


def _incoming(table: F.Table) -> str:
    """The temporary table a year's rows of `table` are read into before they replace anything."""
    return quote(f"incoming_{table.name}")


#: The guide years the incoming rows hold (one, or the load is refused): a temporary table of the load.
INCOMING_YEAR = quote("incoming_year")


def _incoming_year_sql() -> str:
    """The statement that fills INCOMING_YEAR from every incoming table (after the CREATE ... AS of each dialect)."""
    union = "\n    UNION ".join(f"SELECT guide_year FROM {_incoming(t)}" for t in F.TABLES.values())
    return f"SELECT DISTINCT guide_year FROM (\n    {union}\n) AS incoming;"


def _year_count() -> str:
    return f"(SELECT count(*) FROM {INCOMING_YEAR})"


def _replace_year() -> list[str]:
    """Delete the incoming year from every table (children first), then insert its rows (codes first)."""
    lines = [f"DELETE FROM {quote(t.name)} WHERE guide_year IN (SELECT guide_year FROM {INCOMING_YEAR});"
             for t in reversed(F.TABLES.values())]
    lines += [f"INSERT INTO {quote(t.name)} ({_columns(t)})\n    SELECT {_columns(t)} FROM {_incoming(t)};"
              for t in F.TABLES.values()]
    return lines


def postgres_schema() -> str:
    """schemas/postgres.sql: every per-year table, holding any number of years, with every constraint.

    Types keep every digit (numeric(12,2), smallint), patterns are anchored,
    the keys include guide_year so a second year is appended beside the first,
    and the foreign keys of the contract are declared. Safe to run again
    (CREATE TABLE IF NOT EXISTS; a comment is set again to the same text).
    """
    lines = [
        GENERATED,
        f"-- NanoKnife CPT Reimbursement Guide, schema version {F.SCHEMA_VERSION}: every guide year in one set of",
        "-- tables. Safe to run again: a table already there is left as it is, with its rows. To load or replace",
        "-- one year in one transaction, run schemas/postgres-year.sql (it runs this file first):",
        "--   psql -d nanoknife -v year_folder=outputs/2023 -f schemas/postgres-year.sql",
        "",
    ]
    for table in F.TABLES.values():
        lines.append(create_table_sql(POSTGRES, table, if_not_exists=True) + ";")
        lines += [statement + ";" for statement in comments_sql(table)]
        lines.append("")
    return "\n".join(lines)


def postgres_year_script() -> str:
    """schemas/postgres-year.sql: one guide year loaded or replaced from its CSVs, in one psql transaction.

    The year replaced is the one the CSVs hold (their guide_year), never one
    given beside them, so a folder cannot overwrite another year; CSVs holding
    no year or two are refused. The CSVs are read into temporary tables first,
    with `\\copy` (psql reads the files, so the server needs no access to them),
    and only then is the year deleted and inserted again.
    """
    lines = [
        GENERATED,
        f"-- Load one guide year into the tables of schemas/postgres.sql (schema version {F.SCHEMA_VERSION}), or",
        "-- replace it, in one transaction, from the CSVs of the year's folder:",
        "--   psql -d nanoknife -v year_folder=outputs/2023 -f schemas/postgres-year.sql",
        "-- (without year_folder, from psql's current folder). It creates the tables if they are missing, reads",
        "-- every CSV, checks they hold one guide year, deletes that year from every table and inserts the new",
        "-- rows. Any error (a bad value, a missing file, a second year) stops it and rolls everything back: the",
        "-- database keeps what it held. Needs psql and PostgreSQL 15 or later (HEADER match).",
        "",
        "\\set ON_ERROR_STOP on",
        "BEGIN;",
        "SET LOCAL client_min_messages = warning;  -- no notice for each table that already exists",
        "\\ir postgres.sql",
        "\\if :{?year_folder}",
        "\\cd :year_folder",
        "\\endif",
    ]
    for table in F.TABLES.values():
        lines.append(f"CREATE TEMPORARY TABLE {_incoming(table)} (LIKE {quote(table.name)}) ON COMMIT DROP;")
    for table in F.TABLES.values():
        lines.append(f"\\copy {_incoming(table)} FROM '{table.name}.csv' WITH (FORMAT csv, HEADER match)")
    lines += [
        f"CREATE TEMPORARY TABLE {INCOMING_YEAR} ON COMMIT DROP AS {_incoming_year_sql()}",
        "DO $$",
        "BEGIN",
        f"    IF {_year_count()} <> 1 THEN",
        f"        RAISE EXCEPTION 'the CSVs hold % guide years: load the folder of one year', {_year_count()};",
        "    END IF;",
        "END",
        "$$;",
        *_replace_year(),
        "COMMIT;",
        "",
    ]
    return "\n".join(lines)


def duckdb_year_script() -> str:
    """schemas/duckdb-year.sql: the tables, and one guide year loaded or replaced from its Parquet files.

    For a DuckDB database of one's own (outputs/warehouse.duckdb is kept by
    `pipeline warehouse`, which does the same for every year). The Parquet
    files carry the exact types, so nothing is parsed. No foreign keys:
    DuckDB checks them eagerly, so a year's codes could not be replaced in the
    same transaction as the payments that point at them.
    """
    lines = [
        GENERATED,
        f"-- The tables of the NanoKnife guide (schema version {F.SCHEMA_VERSION}) in a DuckDB database of your own,",
        "-- and one guide year loaded into them or replaced, in one transaction, from the Parquet files of the",
        "-- year's folder (set year_folder first; docs/warehouses.md). It creates the tables if they are missing,",
        "-- reads every file, checks they hold one guide year, deletes that year from every table and inserts the",
        "-- new rows. Any error rolls the transaction back: the database keeps what it held.",
        "",
    ]
    for table in F.TABLES.values():
        lines.append(create_table_sql(DUCKDB, table, foreign_keys=False, if_not_exists=True) + ";")
    lines.append("BEGIN TRANSACTION;")
    for table in F.TABLES.values():
        lines.append(f"CREATE OR REPLACE TEMPORARY TABLE {_incoming(table)} AS SELECT * FROM "
                     f"read_parquet(getvariable('year_folder') || '/{table.name}.parquet');")
    lines += [
        f"CREATE OR REPLACE TEMPORARY TABLE {INCOMING_YEAR} AS {_incoming_year_sql()}",
        f"SELECT CASE WHEN {_year_count()} <> 1",
        f"    THEN error('the Parquet files hold ' || {_year_count()} || ' guide years: load the folder of one year')",
        "END;",
        *_replace_year(),
        "COMMIT;",
        *[f"DROP TABLE {_incoming(table)};" for table in F.TABLES.values()],
        f"DROP TABLE {INCOMING_YEAR};",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- BigQuery

#: BigQuery has one integer type (INT64) and one float type; NUMERIC takes a precision and scale.
_BIGQUERY_TYPES = {pa.int16(): "INT64", pa.int32(): "INT64", pa.int64(): "INT64", pa.float64(): "FLOAT64",
                   pa.string(): "STRING", pa.date32(): "DATE", pa.bool_(): "BOOL"}


def bigquery_field(f: F.Field) -> dict:
    """One field of a BigQuery table schema (JSON), money as NUMERIC(p, s) so no cent is rounded away."""
    out: dict = {"name": f.name}
    if pa.types.is_decimal(f.arrow_type):
        out.update(type="NUMERIC", precision=str(f.arrow_type.precision), scale=str(f.arrow_type.scale))
    elif f.arrow_type in _BIGQUERY_TYPES:
        out["type"] = _BIGQUERY_TYPES[f.arrow_type]
    else:
        raise TypeError(f"no BigQuery type for Arrow type {f.arrow_type}")
    out["mode"] = "NULLABLE" if f.nullable else "REQUIRED"
    out["description"] = f.description
    return out


def bigquery_schema(table: F.Table) -> list[dict]:
    """The BigQuery schema of one table, as `bq load --schema` and the console take it."""
    return [bigquery_field(f) for f in table.fields]
