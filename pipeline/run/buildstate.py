"""Build state: what the last build was made from, so that an unchanged guide is not read again.

`make build` when no source and no pipeline code changed must finish at once
and rewrite nothing, and adding a year must read only the new guide. The state
of the last build records:

* the pipeline version and a fingerprint of its code (`pipeline/**/*.py`) and
  vocabulary (`pipeline/vocab/*.csv`), and the versions of the libraries that
  shape the output bytes (a pyarrow upgrade changes the Parquet footer);
* every source: its path under the sources folder, its sha256, what became of
  it, its guide year, and which password opened it (a digest, never the
  password; none when it was read without one);
* the sha256 of every file publishing each year wrote (`_year_files`).

A source is unchanged (`unchanged`) when the pipeline, code and libraries are
the ones recorded, its path and bytes are, it was published last time, the
password that opened it is still given, and its year's published files are as
written. `build` reads only the other sources and publishes only their years.
When every source is unchanged and no other is recorded, and no interrupted
build left its staging behind (`outputs/.staging/`, holding the journal of a
year it was committing), `build` returns at once (`up_to_date`); an interrupted
build makes every source be read again, which repairs a year a kill left torn.
These checks run before pandas, pandera or pdfplumber are imported (this
module imports none of them), so a no-op build costs only the Python start-up
and reading the files.

The state is `outputs/.build-state.json`, gitignored: it changes with every code
edit, which the committed `manifest.json` must not. `publish.write_build_state`
writes it after every build; this module only reads it. A missing, stale or
unreadable state means "read every source again", never an error.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from pipeline import __version__
from pipeline.digest import sha256_file
from pipeline.paths import STAGING, STATE_FILE  # noqa: F401  (re-exported)

FORMAT = 2  # 2: a source's password digest; an unchanged source is recorded as published
PACKAGE = Path(__file__).resolve().parent.parent
#: Libraries whose version changes what is read from a PDF or the bytes written.
LIBRARIES = ("pdfplumber", "pdfminer.six", "pandas", "pandera", "pyarrow")


def code_fingerprint(package: Path = PACKAGE) -> str:
    """sha256 over the pipeline's code and vocabulary files, names included."""
    files = [p for p in package.rglob("*.py") if "__pycache__" not in p.parts]
    files += list((package / "vocab").glob("*.csv"))
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(package).as_posix()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def library_versions() -> dict[str, str | None]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _source_key(path: Path, sources_root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(sources_root).resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()


def _year_files(outputs: Path, year: int | str) -> dict[str, str]:
    """sha256 of what publishing one year writes, by path under `outputs`.

    The year's manifest, every file it lists (its folder's and its dataset
    partitions), and whatever else is in the year's partition folders
    (`dataset/<table>/guide_year=<year>/`). Other files a later command adds
    to the year's folder (the inspect report) are not the build's.
    """
    outputs = Path(outputs)
    manifest = json.loads((outputs / str(year) / "manifest.json").read_text(encoding="utf-8"))
    listed = {f"{year}/{name}" for name in manifest["outputs"]} | set(manifest.get("dataset", {}))
    listed.add(f"{year}/manifest.json")
    listed |= {p.relative_to(outputs).as_posix() for p in outputs.glob(f"dataset/*/guide_year={year}/*")}
    return {name: sha256_file(outputs / name) for name in sorted(listed)}


def password_digest(sha256: str, password: str | None) -> str | None:
    """What the state records of the password that opened a source: a digest salted with the source's sha256.

    Whoever can read the state can read the PDF too, and try passwords on it; the digest tells them no more.
    """
    if password is None:
        return None
    return hashlib.sha256(f"{sha256}\0{password}".encode("utf-8")).hexdigest()


#: What a source's entry records for it to count as published (built, or carried over unchanged).
PUBLISHED = ("built", "unchanged")


def state_of(sources_root: Path, outputs: Path, sources: list[tuple]) -> dict:
    """The state to record after a build.

    `sources` holds (path, status, guide_year, sha256, password) for every
    source of the build: the sha256 of the bytes that were parsed and the
    `password_digest` of the password that opened them (None if unknown, or
    none did). A source left unchanged is recorded as built: its year's files
    are the ones its earlier build wrote.
    """
    years = sorted({year for _, status, year, _, _ in sources if status in PUBLISHED})
    return {
        "format": FORMAT,
        "pipeline_version": __version__,
        "code": code_fingerprint(),
        "libraries": library_versions(),
        "sources_root": Path(sources_root).resolve().as_posix(),
        "sources": {_source_key(path, sources_root): {
            "status": "built" if status in PUBLISHED else status, "sha256": sha, "guide_year": year,
            "password": password} for path, status, year, sha, password in sources},
        "outputs": {str(year): _year_files(outputs, year) for year in years},
    }


def _current_state(sources_root: Path, outputs: Path) -> dict | None:
    """The last build's state if this pipeline, code and libraries made it from `sources_root`, else None."""
    if (Path(outputs) / STAGING).exists():
        return None  # an interrupted build: a year may be torn, and rebuilding repairs it
    state = json.loads((Path(outputs) / STATE_FILE).read_text(encoding="utf-8"))
    if (state.get("format") != FORMAT or state.get("pipeline_version") != __version__
            or state.get("sources_root") != Path(sources_root).resolve().as_posix()):
        return None
    if state.get("code") != code_fingerprint() or state.get("libraries") != library_versions():
        return None
    return state


def unchanged(sources_root: Path, paths: list[Path], outputs: Path, passwords=()) -> dict[Path, tuple]:
    """The sources among `paths` that need not be read again: path -> (guide year, sha256, password digest).

    One is when the state is current (`_current_state`), and the source is
    recorded at the same path with the same sha256, published, opened by no
    password or by one of `passwords`, and its year's published files are
    the ones recorded. Anything unreadable in the state means no source is.
    """
    try:
        state = _current_state(sources_root, outputs)
        if state is None:
            return {}
        given = set(passwords if not isinstance(passwords, str) else [passwords])
        out, intact = {}, {}
        for path in paths:
            entry = state["sources"].get(_source_key(path, sources_root))
            if entry is None or entry["status"] != "built":
                continue
            year = str(int(entry["guide_year"]))
            sha = sha256_file(path)
            if sha != entry["sha256"]:
                continue
            if entry["password"] is not None and entry["password"] not in {password_digest(sha, p) for p in given}:
                continue
            if year not in intact:
                intact[year] = _intact(outputs, year, state["outputs"].get(year))
            if intact[year]:
                out[path] = (int(year), sha, entry["password"])
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # no state, or one this code cannot read: read every source


def _intact(outputs: Path, year: str, recorded: dict | None) -> bool:
    """Whether the year's published files are the ones the last build wrote (a deleted year is not)."""
    try:
        return recorded is not None and _year_files(outputs, year) == recorded
    except (OSError, ValueError, KeyError, TypeError):
        return False


def records_only(sources_root: Path, paths: list[Path], outputs: Path) -> bool:
    """Whether the last build's state lists exactly `paths` (none gone, none added since)."""
    try:
        recorded = json.loads((Path(outputs) / STATE_FILE).read_text(encoding="utf-8"))["sources"]
        return set(recorded) == {_source_key(p, sources_root) for p in paths}
    except (OSError, ValueError, KeyError, TypeError):
        return False


def up_to_date(sources_root: Path, paths: list[Path], outputs: Path, passwords=()) -> dict[Path, int] | None:
    """The guide year of each source if none needs reading again and the state lists no other, else None.

    Then `build` does nothing at all: nothing is read, written or recorded.
    """
    kept = unchanged(sources_root, paths, outputs, passwords)
    if len(kept) != len(paths) or not records_only(sources_root, paths, outputs):
        return None
    return {path: year for path, (year, _, _) in kept.items()}
