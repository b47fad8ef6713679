"""`pipeline.fields` as SQL: column types, NOT NULL and CHECK constraints, for each database we feed.

    fields.py ─▶ sql ─▶ DuckDB DDL      (pipeline.readers.warehouse, outputs/warehouse.duckdb)
                    └─▶ PostgreSQL DDL  (schemas/postgres.sql, via pipeline.contract)
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


def create_table_sql(dialect: Dialect, table: F.Table, foreign_keys: bool = True) -> str:
    """CREATE TABLE for one table of fields.py: types, NOT NULL, CHECKs, primary key and (optionally) foreign keys."""
    lines = [column_sql(dialect, f) for f in table.fields]
    lines.append(f"PRIMARY KEY ({', '.join(quote(c) for c in table.primary_key)})")
    if foreign_keys:
        lines += [f"FOREIGN KEY ({', '.join(quote(c) for c in cols)}) "
                  f"REFERENCES {quote(ref)} ({', '.join(quote(c) for c in ref_cols)})"
                  for cols, ref, ref_cols in table.foreign_keys]
    return f"CREATE TABLE {quote(table.name)} (\n    " + ",\n    ".join(lines) + "\n)"


def comments_sql(table: F.Table | F.View, kind: str = "TABLE") -> list[str]:
    """COMMENT statements giving the table (or view) and each column its description."""
    out = [f"COMMENT ON {kind} {quote(table.name)} IS {literal(table.description)}"]
    out += [f"COMMENT ON COLUMN {quote(table.name)}.{quote(f.name)} IS {literal(f.description)}"
            for f in table.fields]
    return out


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
