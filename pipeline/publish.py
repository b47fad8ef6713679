"""Publish: the one module that writes the outputs, and knows their layout.

    outputs/<guide_year>/
        codes.csv        codes.parquet
        payments.csv     payments.parquet
        exclusions.csv   exclusions.parquet
        terminology.csv  terminology.parquet
        provenance.csv   provenance.parquet
        manifest.json

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
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_value(v) for v in row])
    return buf.getvalue().encode("utf-8")


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
    """Write one validated guide to `outputs/<guide_year>/`, all at once. Returns the folder."""
    return write_folder(render_files(guide), Path(outputs) / str(guide.guide_year))


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
