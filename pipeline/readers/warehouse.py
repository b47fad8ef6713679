"""Warehouse: every published year in one embedded DuckDB database.

It runs after publish, on what publish wrote:

    outputs/<year>/ ... ─▶ warehouse ─▶ outputs/warehouse.duckdb
    (manifest + Parquet)                tables guides, codes, payments, exclusions,
                                        terminology, provenance; views latest_payments,
                                        payment_changes

Tables are created from `pipeline.fields` (via `pipeline.sql`): typed
columns (money DECIMAL(12,2)), NOT NULL, primary keys, CHECK constraints for
enums, patterns and ranges, and each column's description as its comment.
`guides` holds each year's manifest, including the sha256 of manifest.json.
Foreign keys are in the published contract but not declared here: DuckDB
checks them eagerly, so a year's codes could not be replaced in the same
transaction as the payments that point at them.

A refresh is one transaction. Each published year whose manifest changed
since the last refresh has its rows deleted from every table and loaded
again; a year no longer published is deleted; unchanged years are left alone,
so a second refresh changes nothing. Any failure rolls the whole transaction
back and the database keeps its previous contents. Before loading, every year
passes the checks `validate` makes (`pipeline.readers.check`): a year that
fails them is refused, naming the file, never dropped.

This module writes outputs/warehouse.duckdb itself, through DuckDB: the
database is DuckDB's own store, the one file under outputs/ that
`pipeline.publish` does not write. It is a local artifact (gitignored),
rebuilt from the committed outputs by `make warehouse` and `make build`. It is
written in a pinned storage format (`STORAGE_VERSION`), so DuckDB releases
older than the one writing it open it too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline import fields as F
from pipeline import sql
from pipeline.errors import GuideError
from pipeline.paths import DATABASE  # noqa: F401  (re-exported)
from pipeline.publish import arrow_table, read_tables, year_folders
from pipeline.readers.check import OutputsInvalid, verified_year

#: Load order; deletes run in reverse (children first), though no foreign key requires it today.
TABLES: tuple[F.Table, ...] = (F.GUIDES, *F.TABLES.values())


class WarehouseError(GuideError):
    """The warehouse cannot be refreshed; its previous contents are kept."""


@dataclass
class YearLoad:
    """What a refresh did with one guide year."""

    guide_year: int
    status: str  # loaded | unchanged | removed
    rows: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """`2023: loaded (2 codes, 8 payments, ...)`, as `warehouse` and `build --refresh` print it."""
        rows = ", ".join(f"{n} {name}" for name, n in self.rows.items())
        return f"{self.guide_year}: {self.status}" + (f" ({rows})" if rows else "")


# ---------------------------------------------------------------- DDL from fields.py

def create_table_sql(table: F.Table) -> str:
    """CREATE TABLE for one table of fields.py in DuckDB: types, NOT NULL, CHECKs, primary key.

    No foreign keys: DuckDB checks them eagerly, so a year's codes could not be
    replaced in the same transaction as the payments that point at them.
    """
    return sql.create_table_sql(sql.DUCKDB, table, foreign_keys=False)


# ---------------------------------------------------------------- views

_PAYMENT_COLUMNS = ", ".join(sql.quote(c) for c in F.PAYMENTS.columns)

#: The SQL of each view in `fields.VIEWS` (which defines its columns and descriptions).
VIEWS = {
    "latest_payments": f"""
        SELECT {_PAYMENT_COLUMNS}
        FROM payments
        QUALIFY row_number() OVER (PARTITION BY cpt_code, setting ORDER BY guide_year DESC) = 1
    """,
    # Percent is computed in whole cents and rounded half away from zero, so it is
    # exact (DuckDB divides DECIMALs as DOUBLE); null when the earlier amount is 0.
    "payment_changes": """
        WITH steps AS (
            SELECT cpt_code, setting,
                   lag(guide_year) OVER w AS previous_year, guide_year,
                   lag(payment_status) OVER w AS previous_status, payment_status,
                   lag(payment_usd) OVER w AS previous_usd, payment_usd,
                   lag(apc) OVER w AS previous_apc, apc,
                   lag(indicator) OVER w AS previous_indicator, indicator
            FROM payments
            WINDOW w AS (PARTITION BY cpt_code, setting ORDER BY guide_year)
        ), cents AS (
            SELECT *, CAST((payment_usd - previous_usd) * 100 AS BIGINT) AS change_cents,
                      CAST(previous_usd * 100 AS BIGINT) AS previous_cents
            FROM steps
            WHERE previous_year IS NOT NULL
        )
        SELECT cpt_code, setting, previous_year, guide_year, previous_status, payment_status,
               previous_usd, payment_usd,
               payment_usd - previous_usd AS change_usd,
               CAST(CAST(sign(change_cents) * sign(previous_cents)
                         * ((2 * abs(change_cents) * 10000 + abs(previous_cents))
                            // NULLIF(2 * abs(previous_cents), 0)) AS DECIMAL(18,0)) * 0.01
                    AS DECIMAL(18,2)) AS change_pct,
               previous_apc, apc, previous_indicator, indicator
        FROM cents
    """,
}


# ---------------------------------------------------------------- reading a published year

def _verified_year(outputs: Path, year: int) -> tuple[dict, str]:
    """The year's manifest and its sha256, after every check `validate` makes; `WarehouseError` if one fails."""
    try:
        check = verified_year(outputs, year)
    except OutputsInvalid as exc:
        raise WarehouseError(str(exc)) from None
    return check.manifest, check.manifest_sha256


def _guide_row(manifest: dict, manifest_sha256: str) -> pa.Table:
    source = manifest.get("source", {})
    effective = manifest.get("effective_date")
    values = {
        "guide_year": manifest["guide_year"],
        "title": manifest.get("title"),
        "effective_date": date.fromisoformat(effective) if effective else None,
        "document_number": manifest.get("document_number"),
        "source_file": source.get("file"),
        "source_sha256": source.get("sha256"),
        "page_count": source.get("page_count"),
        "pipeline_version": manifest.get("pipeline_version"),
        "schema_version": manifest.get("schema_version"),
        "manifest_sha256": manifest_sha256,
    }
    return pa.table({f.name: pa.array([values[f.name]], type=f.arrow_type) for f in F.GUIDES.fields})


# ---------------------------------------------------------------- the refresh

# ---------------------------------------------------------------- the file's storage format

#: The DuckDB storage format the warehouse is written in. DuckDB writes its newest
#: format by default, which every older release refuses to open ("can only read
#: versions between 64 and 68"), and the Python package on the index runs ahead of
#: the CLI. v1.1.0 is read by every DuckDB from 1.1.0 on: the 1.x CLIs and clients
#: and 2.x alike (docs/warehouses.md; tests/test_warehouse.py opens it with 1.1.3).
STORAGE_VERSION = "v1.1.0"
#: The number DuckDB writes into the file header for that format.
STORAGE_NUMBER = 64
_CONFIG = {"storage_compatibility_version": STORAGE_VERSION}
_MAGIC = b"DUCK"


def storage_number(database: Path) -> int | None:
    """The storage format number in a DuckDB file's header, or None if it is not a DuckDB file.

    The header (DuckDB's storage documentation): 8 bytes of checksum, the magic
    bytes "DUCK", then the format number as a little-endian 64-bit integer.
    """
    with open(database, "rb") as fh:
        head = fh.read(20)
    if len(head) < 20 or head[8:12] != _MAGIC:
        return None
    return int.from_bytes(head[12:20], "little")


def _rewrite_in_storage_version(database: Path) -> None:
    """Copy a warehouse written in another storage format into STORAGE_VERSION, in place, atomically.

    A warehouse made before the format was pinned would otherwise stay
    unreadable to older DuckDBs forever, since a refresh leaves unchanged years
    alone. Tables a user added are copied too.
    """
    with duckdb.connect(str(database)) as con:
        con.execute("CHECKPOINT")  # fold any write-ahead log into the file, so the copy misses nothing
    tmp = database.with_name(f".{database.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp), config=_CONFIG) as con:
        target = con.execute("SELECT current_database()").fetchone()[0]
        con.execute(f"ATTACH {sql.literal(str(database))} AS previous (READ_ONLY)")
        con.execute(f"COPY FROM DATABASE previous TO {sql.quote(target)}")
        con.execute("DETACH previous")
    os.replace(tmp, database)


def _connect(database: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse in STORAGE_VERSION's format."""
    try:
        if database.exists() and storage_number(database) not in (None, STORAGE_NUMBER):
            _rewrite_in_storage_version(database)
        # the setting chooses the format of a new file; an existing one keeps its own
        return duckdb.connect(str(database), config=_CONFIG)
    except duckdb.IOException as exc:
        first = str(exc).splitlines()[0]
        held = " (is it open in another process?)" if "lock" in first.lower() else ""
        raise WarehouseError(f"cannot open {database}{held}: {first}") from None


def _catalog(con) -> dict[str, list[tuple]]:
    """What defines the warehouse's own tables and views, as DuckDB stores it (it normalizes the SQL).

    Other tables a user added to the database are not looked at.
    """
    tables = [t.name for t in TABLES]
    return {
        "tables": con.execute("SELECT table_name, sql, comment FROM duckdb_tables() "
                              "WHERE table_name IN ? ORDER BY table_name", [tables]).fetchall(),
        "columns": con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() "
                               "WHERE table_name IN ? ORDER BY table_name, column_index", [tables]).fetchall(),
        "views": con.execute("SELECT view_name, sql, comment FROM duckdb_views() "
                             "WHERE view_name IN ? ORDER BY view_name", [list(VIEWS)]).fetchall(),
    }


def _expected_catalog() -> dict[str, list[tuple]]:
    """The catalog fields.py asks for, made in a scratch in-memory database.

    Comparing with it tells whether the contract (types, constraints,
    descriptions) or a view changed since the last refresh, while leaving a
    current warehouse untouched: a refresh that loads nothing writes nothing.
    """
    with duckdb.connect() as scratch:
        create_schema(scratch)
        create_views(scratch)
        return _catalog(scratch)


def create_schema(con) -> None:
    """(Re)create every table and view: the warehouse is derived, so a new contract starts it afresh."""
    for view in VIEWS:
        con.execute(f"DROP VIEW IF EXISTS {sql.quote(view)}")
    for table in reversed(TABLES):
        con.execute(f"DROP TABLE IF EXISTS {sql.quote(table.name)}")
    for table in TABLES:
        con.execute(create_table_sql(table))
        for statement in sql.comments_sql(table):
            con.execute(statement)


def create_views(con) -> None:
    for name, query in VIEWS.items():
        view = F.VIEWS[name]
        con.execute(f"CREATE OR REPLACE VIEW {sql.quote(name)} AS {query}")
        con.execute(f"COMMENT ON VIEW {sql.quote(name)} IS {sql.literal(view.description)}")


def _insert(con, table: F.Table, rows: pa.Table, year: int) -> None:
    columns = ", ".join(sql.quote(c) for c in table.columns)
    con.register("incoming", rows)
    try:
        con.execute(f"INSERT INTO {sql.quote(table.name)} ({columns}) SELECT {columns} FROM incoming")
    except duckdb.Error as exc:
        # the transaction is aborted now; the caller rolls it back, which drops the view too
        first = str(exc).splitlines()[0]
        raise WarehouseError(f"loading {year} {table.name} failed: {first}") from None
    con.unregister("incoming")


def _delete_year(con, year: int) -> None:
    for table in reversed(TABLES):
        con.execute(f"DELETE FROM {sql.quote(table.name)} WHERE guide_year = ?", [year])


def refresh(outputs: Path, database: Path | None = None) -> list[YearLoad]:
    """Load every published year under `outputs` into the DuckDB `database`, in one transaction.

    `database` defaults to `outputs/warehouse.duckdb`. Returns one `YearLoad`
    per year loaded, left unchanged or removed. Raises `WarehouseError` (the
    database unchanged) when a year cannot be read or loaded.
    """
    outputs = Path(outputs)
    database = Path(database) if database is not None else outputs / DATABASE
    years = year_folders(outputs)
    if not years:
        raise WarehouseError(f"no published year under {outputs}: run `python -m pipeline build` first")
    verified = {year: _verified_year(outputs, year) for year in years}

    con = _connect(database)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            done = _refresh(con, outputs, verified)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise WarehouseError(f"warehouse refresh failed, {database} keeps its previous contents: {first}") \
            from None
    except WarehouseError as exc:
        raise WarehouseError(f"{exc}; {database} keeps its previous contents") from None
    finally:
        con.close()
    return done


def _refresh(con, outputs: Path, verified: dict[int, tuple[dict, str]]) -> list[YearLoad]:
    expected, current = _expected_catalog(), _catalog(con)
    if (current["tables"], current["columns"]) != (expected["tables"], expected["columns"]):
        create_schema(con)  # empties the tables, so every year is loaded again below
    loaded = dict(con.execute("SELECT guide_year, manifest_sha256 FROM guides").fetchall())
    done: list[YearLoad] = []
    for year, (manifest, manifest_sha) in verified.items():
        if loaded.get(year) == manifest_sha:
            done.append(YearLoad(year, "unchanged"))
            continue
        _delete_year(con, year)
        tables = read_tables(outputs / str(year))
        _insert(con, F.GUIDES, _guide_row(manifest, manifest_sha), year)
        rows = {}
        for name, frame in tables.items():
            _insert(con, F.TABLES[name], arrow_table(name, frame), year)
            rows[name] = len(frame)
        done.append(YearLoad(year, "loaded", rows))
    for year in sorted(set(loaded) - set(verified)):
        _delete_year(con, year)
        done.append(YearLoad(year, "removed"))
    if _catalog(con)["views"] != expected["views"]:
        create_views(con)
    return sorted(done, key=lambda d: d.guide_year)
