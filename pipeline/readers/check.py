"""Check: whether the published outputs are exactly what publish wrote. Reads, never writes.

`validate`, `warehouse` and `diff` all call this before trusting a year, so a
year that fails is refused by every reader alike, never silently dropped.
For each year folder `outputs/<year>/` (four digits):

1. it holds `manifest.json`, which parses and is exactly as written (its own
   `self_sha256`), for this year and this schema version;
2. every file the manifest lists exists and has the listed sha256: the year's
   files and its partitions in `outputs/dataset/`; the manifest lists every
   table's CSV, Parquet and partition;
3. nothing is there that the manifest does not list (the inspect report, a
   local artifact, excepted), in the year's folder or its partition folders;
4. each Parquet file reads with every page's CRC32 verified, in the contract's
   schema, with the manifest's row count; each CSV holds the same rows as its
   Parquet file (it is byte for byte what publish writes from them); each
   partition holds the year's table, without guide_year;
5. the tables pass the published schemas and cross-table rules
   (`pipeline.validate`), and agree with the manifest's `sections` record: as
   many rows as entries were read from each section, every row from a page the
   section was found on, no printed section empty (`validate.section_failures`).

And in `outputs/dataset/`, every table folder is a published table and every
partition belongs to a year folder.

A year that a killed build left half-committed (its journal is still in
`outputs/.staging/`) is reported as torn in one line; the next build repairs
it. Checks that need a file only run on files whose sha256 matched, so one
damaged file gives one line. Every problem names its file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline import fields as F
from pipeline.digest import sha256_file
from pipeline.errors import GuideError
from pipeline.publish import (DATASET, INSPECT_HTML, INSPECT_IMAGES, MANIFEST, arrow_table, csv_bytes,
                              partition_path, partition_table, pending_journals, read_parquet, year_folders)
from pipeline.publish.commit import journal_year
from pipeline.publish.manifest import ManifestDamaged, parse_manifest, sha256

#: Validation failures named one per line before the rest are counted.
FAILURES_SHOWN = 20
#: Files a later command adds to a year's folder; not published, not listed (see `pipeline.publish`).
LOCAL_ARTIFACTS = (INSPECT_HTML, INSPECT_IMAGES)


class OutputsInvalid(GuideError):
    """A published year fails its checks; a reader refuses it rather than use or drop it."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and the file (or folder) it is wrong in."""

    path: Path
    message: str

    def line(self, display=str) -> str:
        return f"{display(self.path)}: {self.message}"


@dataclass
class YearCheck:
    """What checking one year folder found; `tables` and `manifest` are set when it passed."""

    year: int
    problems: list[Problem] = field(default_factory=list)
    manifest: dict | None = None
    manifest_sha256: str | None = None
    tables: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Report:
    """Every year folder's check, and the problems that belong to no year (stray dataset folders)."""

    years: list[YearCheck]
    other: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.other and all(y.ok for y in self.years)


# ---------------------------------------------------------------- the checks

def required_files(year: int) -> tuple[set[str], set[str]]:
    """What every year's manifest must list: each table as CSV and Parquet, and each table's partition."""
    return ({f"{name}.{ext}" for name in F.TABLES for ext in ("csv", "parquet")},
            {partition_path(name, year) for name in F.TABLES})


def _manifest(outputs: Path, year: int, check: YearCheck) -> dict | None:
    path = Path(outputs) / str(year) / MANIFEST
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        check.problems.append(Problem(path, "missing: every year folder holds one (an interrupted or failed "
                                            "copy? run build to publish the year again)"))
        return None
    except OSError as exc:
        check.problems.append(Problem(path, f"cannot be read ({exc.strerror})"))
        return None
    try:
        manifest = parse_manifest(data)
    except ManifestDamaged as exc:
        check.problems.append(Problem(path, str(exc)))
        return None
    if manifest["guide_year"] != year:
        check.problems.append(Problem(path, f"is the manifest of {manifest['guide_year']}, not {year}"))
        return None
    if manifest.get("schema_version") != F.SCHEMA_VERSION:
        check.problems.append(Problem(path, f"was published under schema version {manifest.get('schema_version')}"
                                            f", this pipeline reads {F.SCHEMA_VERSION}: rebuild the year"))
        return None
    check.manifest_sha256 = sha256(data)
    return manifest


def _listed(outputs: Path, year: int, manifest: dict) -> dict[Path, str]:
    """Every file the manifest covers, by path, with its sha256."""
    folder = Path(outputs) / str(year)
    files = {folder / name: digest for name, digest in manifest["outputs"].items()}
    files.update({Path(outputs) / rel: digest for rel, digest in manifest["dataset"].items()})
    return files


def _hash_problems(outputs: Path, year: int, manifest: dict) -> tuple[list[Problem], set[Path]]:
    """Listed files missing or changed, required files not listed; and the files that matched."""
    problems, matched = [], set()
    folder = Path(outputs) / str(year)
    year_files, partitions = required_files(year)
    for name in sorted(year_files - set(manifest["outputs"])):
        problems.append(Problem(folder / MANIFEST, f"does not list {name}"))
    for rel in sorted(partitions - set(manifest["dataset"])):
        problems.append(Problem(folder / MANIFEST, f"does not list {rel}"))
    for path, digest in sorted(_listed(outputs, year, manifest).items()):
        try:
            actual = sha256_file(path)
        except FileNotFoundError:
            problems.append(Problem(path, f"missing: listed in {year}/{MANIFEST}"))
            continue
        except OSError as exc:
            problems.append(Problem(path, f"cannot be read ({exc.strerror})"))
            continue
        if actual != digest:
            problems.append(Problem(path, f"does not match the sha256 in {year}/{MANIFEST} "
                                          "(changed or damaged after publishing)"))
        else:
            matched.add(path)
    return problems, matched


def _unlisted(outputs: Path, year: int, manifest: dict) -> list[Problem]:
    """Files in the year's folder or its partition folders that the manifest does not list."""
    folder = Path(outputs) / str(year)
    listed = set(_listed(outputs, year, manifest)) | {folder / MANIFEST}
    problems = []
    for entry in sorted(folder.iterdir()):
        if entry not in listed and entry.name not in LOCAL_ARTIFACTS:
            problems.append(Problem(entry, f"not listed in {year}/{MANIFEST}"))
    for part in sorted((Path(outputs) / DATASET).glob(f"*/guide_year={year}")):
        for entry in sorted(part.iterdir()):
            if entry not in listed:
                problems.append(Problem(entry, f"not listed in {year}/{MANIFEST}"))
    return problems


def _same_schema(arrow: pa.Table, expected: pa.Schema) -> bool:
    return arrow.schema.equals(expected, check_metadata=False)


def _content_problems(outputs: Path, year: int, manifest: dict, matched: set[Path], check: YearCheck) -> dict:
    """Read each table (page checksums verified) and compare it with its CSV, partition and row count."""
    folder = Path(outputs) / str(year)
    tables = {}
    for name, table in F.TABLES.items():
        parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
        part = Path(outputs) / partition_path(name, year)
        if parquet not in matched:
            continue
        arrow = _read(parquet, check)
        if arrow is None:
            continue
        if not _same_schema(arrow, table.arrow_schema()):
            check.problems.append(Problem(parquet, f"columns or types differ from the contract's {name} table"))
            continue
        if arrow.num_rows != manifest["row_counts"].get(name):
            check.problems.append(Problem(parquet, f"holds {arrow.num_rows} rows, manifest.json says "
                                                   f"{manifest['row_counts'].get(name)}"))
        frame = arrow.to_pandas(types_mapper=pd.ArrowDtype)
        tables[name] = frame
        if csv in matched and csv.read_bytes() != csv_bytes(frame):
            check.problems.append(Problem(csv, f"does not hold the same rows as {name}.parquet"))
        if part in matched:
            stored = _read(part, check)
            if stored is not None and not stored.equals(partition_table(name, arrow_table(name, frame)),
                                                        check_metadata=True):
                check.problems.append(Problem(part, f"does not hold the same rows as {year}/{name}.parquet"))
    return tables


def _read(path: Path, check: YearCheck) -> pa.Table | None:
    try:
        return read_parquet(path)
    except (OSError, pa.ArrowException) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        check.problems.append(Problem(path, f"cannot be read as Parquet ({reason})"))
        return None


def _validation_problems(outputs: Path, year: int, tables: dict, manifest: dict) -> list[Problem]:
    from pipeline.validate import find_failures

    folder = Path(outputs) / str(year)
    if not isinstance(manifest.get("sections"), dict):
        return [Problem(folder / MANIFEST, "has no 'sections' record of what each section of the guide held "
                                           "(published by an older pipeline? rebuild the year)")]
    if not isinstance(manifest.get("layout"), dict):
        return [Problem(folder / MANIFEST, "has no 'layout' record of the tables and settings the guide was read "
                                           "in (published by an older pipeline? rebuild the year)")]
    failures = find_failures(tables, year, manifest["sections"], manifest["layout"]).to_dict("records")
    problems = []
    for f in failures[:FAILURES_SHOWN]:
        where = f"row {f['row']}" if f["row"] is not None else "the table"
        column = f" {f['column']}" if f["column"] else ""
        value = f" value {f['value']!r}" if f["value"] is not None else ""
        problems.append(Problem(folder / f"{f['table']}.parquet", f"{where}{column}{value} fails: {f['check']}"))
    if len(failures) > FAILURES_SHOWN:
        problems.append(Problem(folder, f"and {len(failures) - FAILURES_SHOWN} more validation failure(s)"))
    return problems


def check_year(outputs: Path, year: int, *, torn: bool = False) -> YearCheck:
    """Every check of one year folder. `torn`: a build was killed while committing this year."""
    outputs = Path(outputs)
    check = YearCheck(year)
    manifest = _manifest(outputs, year, check)
    if manifest is None:
        return check
    hashes, matched = _hash_problems(outputs, year, manifest)
    if hashes and torn:
        check.problems.append(Problem(outputs / str(year), f"torn by an interrupted build: {len(hashes)} file(s) "
                                                           f"disagree with its {MANIFEST}; run build to repair it"))
        return check
    check.problems += hashes
    check.problems += _unlisted(outputs, year, manifest)
    tables = _content_problems(outputs, year, manifest, matched, check)
    if check.ok and len(tables) == len(F.TABLES):
        check.problems += _validation_problems(outputs, year, tables, manifest)
    if check.ok:
        check.manifest, check.tables = manifest, tables
    return check


def _stray(outputs: Path, years: list[int]) -> list[Problem]:
    """Dataset folders that belong to no published table or no year folder."""
    root = Path(outputs) / DATASET
    if not root.is_dir():
        return []
    problems = []
    for entry in sorted(root.iterdir()):
        if entry.name not in F.TABLES:
            problems.append(Problem(entry, "not a published table"))
            continue
        for part in sorted(entry.iterdir()):
            year = part.name.removeprefix("guide_year=")
            if not (part.name.startswith("guide_year=") and year.isdigit() and int(year) in years):
                problems.append(Problem(part, "a partition of no year folder"))
    return problems


def torn_years(outputs: Path) -> set[int]:
    """Years a killed build was committing (their journals are still in `outputs/.staging/`)."""
    return {y for y in (journal_year(j) for j in pending_journals(outputs)) if y is not None}


def check_outputs(outputs: Path) -> Report:
    """Every check of every year folder under `outputs`, and of the dataset folders."""
    years = year_folders(outputs)
    torn = torn_years(outputs)
    return Report([check_year(outputs, y, torn=y in torn) for y in years], _stray(outputs, years))


def verified_year(outputs: Path, year: int) -> YearCheck:
    """One year's check, passed; else `OutputsInvalid` naming the first problem (validate lists all)."""
    check = check_year(outputs, year, torn=year in torn_years(outputs))
    if not check.ok:
        more = len(check.problems) - 1
        rest = f" (and {more} more problem(s))" if more else ""
        raise OutputsInvalid(f"{check.problems[0].line()}{rest}; `python -m pipeline validate --outputs "
                             f"{outputs}` lists every problem")
    return check
