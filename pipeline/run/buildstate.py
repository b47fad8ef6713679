"""Build state: what the last build was made from, so that an unchanged rebuild does nothing.

`make build` when no source and no pipeline code changed must finish at once
and rewrite nothing. The state of the last build records:

* the pipeline version and a fingerprint of its code (`pipeline/**/*.py`) and
  vocabulary (`pipeline/vocab/*.csv`), and the versions of the libraries that
  shape the output bytes (a pyarrow upgrade changes the Parquet footer);
* every source: its path under the sources folder, its sha256, what became of it;
* the sha256 of every file publishing each year wrote (`_year_files`).

When all of these still hold, and no interrupted build left its staging behind
(`outputs/.staging/`, holding the journal of a year it was committing), `build`
returns at once; otherwise it rebuilds, which repairs a year a kill left torn. The check runs before
pandas, pandera or pdfplumber are imported (this module imports none of them),
so a no-op build costs only the Python start-up and reading the files.

The state is `outputs/.build-state.json`, gitignored: it changes with every code
edit, which the committed `manifest.json` must not. `publish.write_build_state`
writes it after every build; this module only reads it. A missing, stale or
unreadable state means "rebuild", never an error.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from pipeline import __version__
from pipeline.digest import sha256_file
from pipeline.paths import STAGING, STATE_FILE  # noqa: F401  (re-exported)

FORMAT = 1
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


def state_of(sources_root: Path, outputs: Path, sources: list[tuple[Path, str, str | None, int | None]]) -> dict:
    """The state to record after a build.

    `sources` holds (path, status, sha256, guide_year) for every source of the
    build; the sha256 is the one of the bytes that were parsed (None if unknown).
    """
    years = sorted({year for _, status, _, year in sources if status == "built"})
    return {
        "format": FORMAT,
        "pipeline_version": __version__,
        "code": code_fingerprint(),
        "libraries": library_versions(),
        "sources_root": Path(sources_root).resolve().as_posix(),
        "sources": {_source_key(path, sources_root): {"status": status, "sha256": sha, "guide_year": year}
                    for path, status, sha, year in sources},
        "outputs": {str(year): _year_files(outputs, year) for year in years},
    }


def up_to_date(sources_root: Path, paths: list[Path], outputs: Path) -> dict[Path, int] | None:
    """The guide year of each source if the last build of `outputs` is still current, else None.

    Current means: same pipeline version, code and libraries; the same sources
    with the same sha256, all built last time; every published file as written.
    """
    if (Path(outputs) / STAGING).exists():
        return None  # an interrupted build: a year may be torn, and rebuilding repairs it
    try:
        state = json.loads((Path(outputs) / STATE_FILE).read_text(encoding="utf-8"))
        if (state.get("format") != FORMAT or state.get("pipeline_version") != __version__
                or state.get("sources_root") != Path(sources_root).resolve().as_posix()):
            return None
        recorded = state["sources"]
        keys = {_source_key(p, sources_root): p for p in paths}
        if set(keys) != set(recorded) or any(r["status"] != "built" for r in recorded.values()):
            return None
        if state.get("code") != code_fingerprint() or state.get("libraries") != library_versions():
            return None
        for key, path in keys.items():
            if sha256_file(path) != recorded[key]["sha256"]:
                return None
        for year, files in state["outputs"].items():
            if _year_files(outputs, year) != files:
                return None
        return {path: int(recorded[key]["guide_year"]) for key, path in keys.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no state, or one this code cannot read: rebuild
