"""Publish: the one module that writes the outputs, and knows their layout.

    outputs/<guide_year>/
        codes.csv        codes.parquet
        payments.csv     payments.parquet
        exclusions.csv   exclusions.parquet
        terminology.csv  terminology.parquet
        provenance.csv   provenance.parquet
        manifest.json
    outputs/dataset/<table>/guide_year=<guide_year>/part-0.parquet

The dataset is the same tables as Hive partitions for engines that read a
folder of Parquet (DuckDB, Spark, BigQuery): each partition is written right
after its year, atomically, by the same folder swap.

A guide's outputs appear all at once or not at all: every file is written into
a staging folder on the same filesystem (`outputs/.staging/`), flushed to disk,
and the folder then takes the place of `outputs/<year>` in one atomic rename
(on Linux an atomic exchange with the previous folder, so there is no moment
without a complete `<year>` folder). A build that fails or is killed leaves the
previous outputs byte for byte as they were; a staging folder left by a killed
build is removed by the next one.

Bytes depend only on the data: rows sorted by each table's key, no timestamps,
CSV with plain decimal strings and Parquet with exact decimal128 money, so two
builds of the same sources are byte-identical.
"""

from __future__ import annotations

import csv
import ctypes
import ctypes.util
import hashlib
import io
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import __version__
from pipeline import fields as F
from pipeline.contract import check_contract

STAGING = ".staging"
MANIFEST = "manifest.json"


# ---------------------------------------------------------------- encoders

def _csv_value(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV: header row, plain decimal strings, empty for null, "\\n" line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(frame.columns)
    # Whole columns to Python values at once: iterating Arrow-backed rows one
    # scalar at a time cost more than the rest of publish together.
    columns = [_python_values(frame[name]) for name in frame.columns]
    writer.writerows([_csv_value(v) for v in row] for row in zip(*columns))
    return buf.getvalue().encode("utf-8")


def _python_values(column: pd.Series) -> list:
    if isinstance(column.dtype, pd.ArrowDtype):
        return pa.array(column.array).to_pylist()
    return column.tolist()


def arrow_table(name: str, frame: pd.DataFrame) -> pa.Table:
    """`frame` as an Arrow table of the contract's schema, descriptions as field metadata."""
    table = F.TABLES[name]
    fields = [pa.field(f.name, f.arrow_type, nullable=f.nullable, metadata={"description": f.description})
              for f in table.fields]
    columns = [pa.array(frame[f.name].array, type=f.arrow_type) for f in table.fields]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata={"table": name}))


def parquet_bytes(name: str, frame: pd.DataFrame) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(arrow_table(name, frame), sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def manifest_for(guide, files: dict[str, bytes]) -> dict:
    """The manifest of one guide's outputs: document facts, counts, hashes. No timestamps."""
    return {
        "title": guide.title,
        "guide_year": guide.guide_year,
        "effective_date": guide.effective_date.isoformat() if guide.effective_date else None,
        "document_number": guide.document_number,
        "source": {"file": guide.source_name, "sha256": guide.sha256, "page_count": guide.page_count},
        "pipeline_version": __version__,
        "schema_version": F.SCHEMA_VERSION,
        "row_counts": {name: int(len(frame)) for name, frame in guide.tables.items()},
        "footnotes": guide.footnotes,
        **({"warnings": guide.warnings} if guide.warnings else {}),  # only when there are any (#12)
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }


def render_files(guide) -> dict[str, bytes]:
    """Every output file of one guide, by file name, as bytes."""
    files: dict[str, bytes] = {}
    for name in F.TABLES:
        frame = guide.tables[name]
        files[f"{name}.csv"] = csv_bytes(frame)
        files[f"{name}.parquet"] = parquet_bytes(name, frame)
    manifest = manifest_for(guide, files)
    files[MANIFEST] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


# ---------------------------------------------------------------- atomic writes

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def clear_staging(outputs: Path) -> None:
    """Remove what a killed build may have left half-written."""
    shutil.rmtree(Path(outputs) / STAGING, ignore_errors=True)
    for staging in (Path(outputs) / DATASET).glob(f"*/{STAGING}"):  # each dataset table stages its own
        shutil.rmtree(staging, ignore_errors=True)


def write_folder(files: dict[str, bytes], final: Path) -> Path:
    """Write `files` into folder `final` atomically, replacing any previous folder whole."""
    final = Path(final)
    staging_root = final.parent / STAGING
    staging_root.mkdir(parents=True, exist_ok=True)
    stage = staging_root / f"{final.name}.{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    for name, data in files.items():
        with open(stage / name, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    _fsync_dir(stage)
    if not final.exists():
        os.rename(stage, final)
    elif _exchange(stage, final):
        shutil.rmtree(stage)  # now holds the previous outputs
    else:  # no atomic exchange here: two renames, the gap is as short as it can be
        old = staging_root / f"{final.name}.{os.getpid()}.old"
        os.rename(final, old)
        os.rename(stage, final)
        shutil.rmtree(old)
    _fsync_dir(final.parent)
    try:
        staging_root.rmdir()
    except OSError:
        pass  # another build's staging is in use
    return final


def publish(guide, outputs: Path) -> Path:
    """Write one validated guide to `outputs/<guide_year>/`, all at once, then its dataset partitions.

    The contract guard runs first: output whose columns or types differ from
    the published contract (`pipeline.contract`) is refused before anything is
    written. Returns the year's folder.
    """
    check_contract({name: arrow_table(name, guide.tables[name]).schema for name in F.TABLES})
    folder = write_folder(render_files(guide), Path(outputs) / str(guide.guide_year))
    publish_partitions(guide, outputs)
    return folder


# ---------------------------------------------------------------- the Hive dataset

DATASET = "dataset"
PARTITION_FILE = "part-0.parquet"


def partition_folder(outputs: Path, name: str, guide_year: int) -> Path:
    """`outputs/dataset/<table>/guide_year=<year>/`: one Hive partition of one table."""
    return Path(outputs) / DATASET / name / f"guide_year={guide_year}"


def partition_bytes(name: str, frame: pd.DataFrame) -> bytes:
    """One year of a table as its partition file: the year's Parquet without guide_year.

    Hive layout keeps the partition column in the folder name only; Spark and
    BigQuery refuse or duplicate a partition column that is also in the file.
    """
    sink = pa.BufferOutputStream()
    pq.write_table(arrow_table(name, frame).drop_columns(["guide_year"]), sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def publish_partitions(guide, outputs: Path) -> list[Path]:
    """Write one guide's partition of every table into `outputs/dataset/`, each partition atomically.

    Written per year as the year is published, from the same frames, so the
    dataset never needs a pass over all years and its bytes are as stable as
    the year's own files.
    """
    return [write_folder({PARTITION_FILE: partition_bytes(name, guide.tables[name])},
                         partition_folder(outputs, name, guide.guide_year))
            for name in F.TABLES]


def write_report(frame: pd.DataFrame, path: Path) -> Path:
    """Write a failure report (CSV) atomically; used for validation failures."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(csv_bytes(frame))
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------- reading back

def published_years(outputs: Path) -> list[int]:
    """Years with a published folder (one holding a manifest) under `outputs`, oldest first."""
    outputs = Path(outputs)
    if not outputs.is_dir():
        return []
    return sorted(int(p.name) for p in outputs.iterdir()
                  if p.is_dir() and p.name.isdigit() and (p / MANIFEST).exists())


def read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The published tables of one year, from Parquet, with the pipeline's Arrow dtypes."""
    return {name: pq.read_table(Path(folder) / f"{name}.parquet").to_pandas(types_mapper=pd.ArrowDtype)
            for name in F.TABLES}


# ---------------------------------------------------------------- diffs between years

DIFFS = "diffs"


def diff_folder(outputs: Path, old_year: int, new_year: int) -> Path:
    """Where the diff of two published years goes: `outputs/diffs/<old>-<new>/`."""
    return Path(outputs) / DIFFS / f"{old_year}-{new_year}"


def table_parquet_bytes(table: F.Table, frame: pd.DataFrame) -> bytes:
    """Parquet of `frame` in `table`'s schema, for a table outside `F.TABLES` (such as `F.CHANGES`)."""
    fields = [pa.field(f.name, f.arrow_type, nullable=f.nullable, metadata={"description": f.description})
              for f in table.fields]
    columns = [pa.array(frame[f.name].array, type=f.arrow_type) for f in table.fields]
    arrow = pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata={"table": table.name}))
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def publish_diff(changes: pd.DataFrame, report: str, outputs: Path, old_year: int, new_year: int) -> Path:
    """Write changes.csv, changes.parquet and report.md for two years, all at once. Returns the folder."""
    files = {
        "changes.csv": csv_bytes(changes[F.CHANGES.columns]),
        "changes.parquet": table_parquet_bytes(F.CHANGES, changes),
        "report.md": report.encode("utf-8"),
    }
    return write_folder(files, diff_folder(outputs, old_year, new_year))


# ---------------------------------------------------------------- inspect report (local, not the contract)

#: `pipeline inspect` writes these into a published year's folder. They are
#: local viewing artifacts: the manifest does not list them, .gitignore keeps
#: them out of the repository, and the byte-for-byte check skips them.
INSPECT_HTML = "report.html"
INSPECT_IMAGES = "report"


def write_inspect_report(folder: Path, html: bytes, images: dict[str, bytes]) -> Path:
    """Write `report/` (the page pictures) and then `report.html` into year `folder`. Returns the HTML's path.

    Each is replaced atomically, pictures first, so the HTML never names a
    picture that is not there. Rebuilding the year replaces its folder whole,
    report included; `make build` writes the report again afterwards.
    """
    folder = Path(folder)
    write_folder(images, folder / INSPECT_IMAGES)
    final = folder / INSPECT_HTML
    tmp = folder / f".{INSPECT_HTML}.{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(html)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    _fsync_dir(folder)
    return final


# ---------------------------------------------------------------- build state (local, not the contract)

def write_build_state(outputs: Path, state: dict) -> Path:
    """Record what the last build was made from (`pipeline.run.buildstate`), atomically.

    Local to this checkout and gitignored: it holds a fingerprint of the code,
    which must not change the committed outputs.
    """
    from pipeline.run.buildstate import STATE_FILE

    path = Path(outputs) / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
