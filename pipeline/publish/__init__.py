from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import fields as F
from pipeline import schemas
from pipeline.contract import YEAR_PACKAGE, check_contract, year_datapackage_bytes
from pipeline.publish.commit import (STAGING, Stage, clear_staging, fsync_dir, pending_journals,  # noqa: F401
                                     replace_file, step, write_file, write_folder)
from pipeline.paths import INSPECT_HTML, INSPECT_IMAGES, STATE_FILE, year_folders  # noqa: F401
from pipeline.publish.manifest import MANIFEST, manifest_bytes, manifest_for, parse_manifest  # noqa: F401

DATASET = "dataset"
PARTITION_FILE = "part-0.parquet"
#: The local record of what the last build was made from (`pipeline.run.buildstate` reads it).


# ---------------------------------------------------------------- encoders

def _csv_value(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _csv_column(column: pd.Series) -> list:
    """A column's values as `csv.writer` writes each as `_csv_value` does: the writer writes None as ""
    and any other value as its str, so only a decimal (plain digits, never an exponent) and a float NaN
    (empty) are made otherwise, and only in a column of their type."""
    values = schemas.pylist(column)
    kind = column.dtype.pyarrow_dtype if isinstance(column.dtype, pd.ArrowDtype) else None
    if kind is None:
        return [_csv_value(v) for v in values]
    if pa.types.is_decimal(kind):
        return [None if v is None else format(v, "f") for v in values]
    if pa.types.is_floating(kind):
        return [None if v is None or v != v else v for v in values]
    return values


#: Rows made Python values at once when a CSV is written (`csv_bytes`).
CSV_CHUNK = 2048


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV: header row, plain decimal strings, empty for null, "\\n" line ends."""
    return b"".join(csv_chunks(frame))


def csv_chunks(frame: pd.DataFrame) -> Iterator[bytes]:
    """`csv_bytes` a chunk of rows at a time (`CSV_CHUNK`).

    Columns are made Python values a chunk of rows at a time: iterating Arrow-backed rows one scalar at a
    time cost more than the rest of publish together, and a thousand-page guide's provenance made Python
    values all at once is a few hundred megabytes."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(frame.columns)
    for start in range(0, len(frame), CSV_CHUNK):
        part = frame.iloc[start:start + CSV_CHUNK]
        writer.writerows(zip(*(_csv_column(part[name]) for name in frame.columns)))
        yield text.getvalue().encode("utf-8")
        text.seek(0)
        text.truncate()
    if text.tell():
        yield text.getvalue().encode("utf-8")


class ChunkedFile:
    """A file's bytes made a chunk at a time each time they are asked for (`chunks`), never held whole: a
    thousand-page guide's provenance CSV is some forty megabytes. Its size and sha256 are taken as it is
    first made (written by the stage, or measured when asked for before), and kept. The same source
    gives the same bytes each time: a year's files are made from its guide, which nothing changes."""

    def __init__(self, make: Callable[[], Iterable[bytes]]):
        self._make = make
        self._measured: tuple[int, str] | None = None

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, a chunk at a time; measured on the way the first time."""
        if self._measured is not None:
            yield from self._make()
            return
        digest, size = hashlib.sha256(), 0
        for chunk in self._make():
            digest.update(chunk)
            size += len(chunk)
            yield chunk
        self._measured = (size, digest.hexdigest())

    def _measure(self) -> tuple[int, str]:
        if self._measured is None:
            for _ in self.chunks():
                pass
        return self._measured

    def __len__(self) -> int:
        return self._measure()[0]

    def sha256(self) -> str:
        return self._measure()[1]

    def __bytes__(self) -> bytes:
        return b"".join(self.chunks())


def _arrow(table: F.Table, frame: pd.DataFrame) -> pa.Table:
    fields = [pa.field(f.name, f.arrow_type, nullable=f.nullable, metadata={"description": f.description})
              for f in table.fields]
    columns = [pa.array(frame[f.name].array, type=f.arrow_type) for f in table.fields]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata={"table": table.name}))


def arrow_table(name: str, frame: pd.DataFrame) -> pa.Table:
    """`frame` as an Arrow table of the contract's schema, descriptions as field metadata."""
    return _arrow(F.TABLES[name], frame)


def sort_key(table: F.Table, arrow: pa.Table) -> list[str]:
    """The columns `arrow`'s rows are sorted by, to declare in the Parquet footer.

    The table's `sort_by` (normalize sorts by it), after a leading guide_year
    where the file has one (a year holds one value). Checked, not assumed: a
    declared order that the rows do not follow would mislead every engine that
    trusts it, so a frame out of order is a bug and stops the build.
    """
    columns = [c for c in ("guide_year", *table.sort_by) if c in arrow.column_names]
    if not table.sort_by:
        return []
    ordered = schemas.in_order([arrow.column(c) for c in columns])
    if ordered is None:  # a null in the key: Arrow's sort says where it goes
        order = pc.sort_indices(arrow, sort_keys=[(c, "ascending") for c in columns])
        ordered = bool(np.array_equal(order.to_numpy(), np.arange(arrow.num_rows)))
    if not ordered:
        raise AssertionError(f"{table.name} rows are not sorted by {', '.join(columns)}")
    return columns


def _parquet(table: F.Table, arrow: pa.Table) -> bytes:
    """Parquet bytes: zstd, a CRC32 per page, and the sort order in the footer."""
    columns = sort_key(table, arrow)
    sorting = pq.SortingColumn.from_ordering(arrow.schema, [(c, "ascending") for c in columns]) \
        if columns else None
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink, compression="zstd", write_page_checksum=True, sorting_columns=sorting)
    return sink.getvalue().to_pybytes()


def parquet_bytes(name: str, frame: pd.DataFrame) -> bytes:
    return _parquet(F.TABLES[name], arrow_table(name, frame))


def encoded(guide) -> dict[str, pa.Table]:
    """Every table of `guide` as an Arrow table of the contract, encoded once for all that is written of it.

    The contract guard runs on these: output whose columns or types differ
    from the contract is refused (`ContractError`) before anything is written.
    """
    arrows = {name: arrow_table(name, guide.tables[name]) for name in F.TABLES}
    check_contract({name: arrow.schema for name, arrow in arrows.items()})
    return arrows


def render_files(guide, dataset: dict[str, bytes], arrows: dict[str, pa.Table]) -> dict[str, bytes | ChunkedFile]:
    """Every file of one guide's year folder, by file name, as bytes (or made as written: `ChunkedFile`);
    the manifest last.

    The manifest covers these files and `dataset` (the year's partitions,
    `render_partitions`), so a module that adds a file to the year adds it to
    `files` before the manifest is made. `arrows` are the guide's `encoded` tables.
    """
    files: dict[str, bytes | ChunkedFile] = {}
    for name in F.TABLES:
        files[f"{name}.csv"] = ChunkedFile(partial(csv_chunks, guide.tables[name]))
        files[f"{name}.parquet"] = _parquet(F.TABLES[name], arrows[name])
    # The data package and the manifest hold the CSVs' sizes and hashes: made when they are written, after
    # the CSVs (measured as the stage writes them, so that a CSV is made once, not once more to be hashed).
    csvs = dict(files)
    files[YEAR_PACKAGE] = ChunkedFile(lambda: [year_datapackage_bytes(guide.guide_year, csvs)])
    year = dict(files)
    files[MANIFEST] = ChunkedFile(lambda: [manifest_bytes(manifest_for(guide, year, dataset))])
    return files


@dataclass(frozen=True)
class YearFiles:
    """Everything one guide year publishes, by path under `outputs/`, and the folders that hold it."""

    guide_year: int
    files: dict[str, bytes]
    #: Folders under `outputs/` replaced whole, in commit order: partitions first, the year (manifest) last.
    folders: tuple[str, ...]


def render_year(guide) -> YearFiles:
    """The year folder and its dataset partitions, with the manifest covering both.

    Each table is encoded to Arrow once (`encoded`, which also guards the
    contract) and its Parquet file and partition are written from that.
    """
    arrows = encoded(guide)
    dataset = render_partitions(guide, arrows)
    year = str(guide.guide_year)
    files = {f"{year}/{name}": data for name, data in render_files(guide, dataset, arrows).items()}
    folders = tuple(sorted({p.rsplit("/", 1)[0] for p in dataset})) + (year,)
    return YearFiles(guide.guide_year, {**dataset, **files}, folders)


# ---------------------------------------------------------------- publishing

def stage_years(years: list[YearFiles], outputs: Path) -> tuple[Stage, list[YearFiles]]:
    """Write every rendered year (`render_year`) into a new staging folder; nothing published yet.

    A failure while writing (a full disk) removes the staging and publishes nothing.
    """
    outputs = Path(outputs)
    stage = Stage(outputs)
    try:
        outputs.mkdir(parents=True, exist_ok=True)
        stage.open()
        for year in years:
            stage.write(year.files)
    except BaseException:
        stage.discard()
        raise
    return stage, years


def commit_years(stage: Stage, years: list[YearFiles]) -> list[Path]:
    """Commit each staged year whole (`pipeline.publish.commit`), then remove the staging. Returns the folders."""
    try:
        for year in years:
            carry_report(stage.outputs / str(year.guide_year), stage.root / "new" / str(year.guide_year))
            stage.commit(list(year.folders), year.guide_year)
    finally:
        stage.discard()
    fsync_dir(stage.outputs)
    return [stage.outputs / str(year.guide_year) for year in years]


def publish_all(guides: list, outputs: Path) -> list[Path]:
    """Publish validated guides into `outputs/`: all staged first, so a write failure publishes nothing."""
    return commit_years(*stage_years([render_year(guide) for guide in guides], outputs))


def publish(guide, outputs: Path) -> Path:
    """Write one validated guide to `outputs/<guide_year>/` and its dataset partitions, as one commit."""
    return publish_all([guide], outputs)[0]


# ---------------------------------------------------------------- the Hive dataset

def partition_folder(outputs: Path, name: str, guide_year: int) -> Path:
    """`outputs/dataset/<table>/guide_year=<year>/`: one Hive partition of one table."""
    return Path(outputs) / partition_path(name, guide_year)


def partition_path(name: str, guide_year: int) -> str:
    """The partition file of one table and year, as a path under `outputs/`."""
    return f"{DATASET}/{name}/guide_year={guide_year}/{PARTITION_FILE}"


def partition_table(name: str, arrow: pa.Table) -> pa.Table:
    """One year of a table as its partition holds it: without guide_year.

    Hive layout keeps the partition column in the folder name only; Spark and
    BigQuery refuse or duplicate a partition column that is also in the file.
    """
    return arrow.drop_columns(["guide_year"])


def partition_bytes(name: str, frame: pd.DataFrame) -> bytes:
    """One year of a table as its partition file: the year's Parquet without guide_year."""
    return _parquet(F.TABLES[name], partition_table(name, arrow_table(name, frame)))


def render_partitions(guide, arrows: dict[str, pa.Table]) -> dict[str, bytes]:
    """The guide's partition of every table, by path under `outputs/`.

    Made per year from the same Arrow tables as the year's own files (`encoded`),
    so the dataset never needs a pass over all years.
    """
    return {partition_path(name, guide.guide_year): _parquet(F.TABLES[name], partition_table(name, arrows[name]))
            for name in F.TABLES}


def write_report(frame: pd.DataFrame, path: Path) -> Path:
    """Write a failure report (CSV) atomically; used for validation failures."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return replace_file(path, csv_bytes(frame))


# ---------------------------------------------------------------- reading back

def published_years(outputs: Path) -> list[int]:
    """Years with a published folder (one holding a manifest) under `outputs`, oldest first."""
    return [y for y in year_folders(outputs) if (Path(outputs) / str(y) / MANIFEST).exists()]


def read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def read_parquet(path: Path) -> pa.Table:
    """A published Parquet file, every page's CRC32 verified as it is read."""
    return pq.read_table(path, page_checksum_verification=True)


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The published tables of one year, from Parquet, with the pipeline's Arrow dtypes."""
    return {name: read_parquet(Path(folder) / f"{name}.parquet").to_pandas(types_mapper=pd.ArrowDtype)
            for name in F.TABLES}


# ---------------------------------------------------------------- diffs between years

DIFFS = "diffs"


def diff_folder(outputs: Path, old_year: int, new_year: int) -> Path:
    """Where the diff of two published years goes: `outputs/diffs/<old>-<new>/`."""
    return Path(outputs) / DIFFS / f"{old_year}-{new_year}"


def table_parquet_bytes(table: F.Table, frame: pd.DataFrame) -> bytes:
    """Parquet of `frame` in `table`'s schema, for a table outside `F.TABLES` (such as `F.CHANGES`)."""
    return _parquet(table, _arrow(table, frame))


def publish_diff(changes: pd.DataFrame, report: str, report_html: str, outputs: Path, old_year: int,
                 new_year: int) -> Path:
    """Write changes.csv, changes.parquet, report.md and report.html for two years, all at once.

    Returns the folder. The folder is replaced whole, so a reader never finds
    a report.html of one run beside the changes of another.
    """
    files = {
        "changes.csv": csv_bytes(changes[F.CHANGES.columns]),
        "changes.parquet": table_parquet_bytes(F.CHANGES, changes),
        "report.html": report_html.encode("utf-8"),
        "report.md": report.encode("utf-8"),
    }
    return write_folder(files, diff_folder(outputs, old_year, new_year))


# ---------------------------------------------------------------- inspect report (local, not the contract)

#: `pipeline inspect` writes these into a published year's folder. They are
#: local viewing artifacts: the manifest does not list them, .gitignore keeps
#: them out of the repository, and the byte-for-byte check skips them.


def write_inspect_report(folder: Path, html: bytes, images: dict[str, bytes]) -> Path:
    """Write `report/` (the page pictures) and then `report.html` into year `folder`. Returns the HTML's path.

    Each is replaced atomically, pictures first, so the HTML never names a
    picture that is not there. Rebuilding the year carries the report into the
    new folder (`carry_report`); it is replaced only by its new version.
    """
    folder = Path(folder)
    write_folder(images, folder / INSPECT_IMAGES)
    return replace_file(folder / INSPECT_HTML, html)


def carry_report(published: Path, staged: Path) -> None:
    """Put the report of the `published` year folder into the `staged` one, which replaces it.

    Hard links (a copy where the filesystem has none), so the published folder
    is not touched before its commit. The report records the manifest it was
    made from (`pipeline.readers.refresh`): if the year's outputs changed, it is
    seen as stale and written again after the build, and until then it stays,
    whole, rather than leaving the year without one.
    """
    published, staged = Path(published), Path(staged)
    if not (published / INSPECT_HTML).is_file() or not staged.is_dir():
        return
    pictures = published / INSPECT_IMAGES
    names = sorted(p.name for p in pictures.iterdir() if p.is_file()) if pictures.is_dir() else []
    if names:
        (staged / INSPECT_IMAGES).mkdir(exist_ok=True)
    for rel in [f"{INSPECT_IMAGES}/{name}" for name in names] + [INSPECT_HTML]:
        try:
            os.link(published / rel, staged / rel)
        except OSError:
            shutil.copy2(published / rel, staged / rel)


# ---------------------------------------------------------------- build state (local, not the contract)

def write_build_state(path: Path, state: dict) -> Path:
    """Record what the last build was made from at `path` (`pipeline.run.buildstate` names it), atomically.

    Local to this checkout and gitignored: it holds a fingerprint of the code,
    which must not change the committed outputs.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    step("write build state")
    return replace_file(path, (json.dumps(state, indent=2, sort_keys=True) + "\n").encode("utf-8"))
