"""Where things are in the repository, and copies of it (a published outputs folder, a clone's files), for the
tests and the tools.

The repository's own `sources/` and `outputs/` are the user's: a year is added to them every year, and the
reconstructed 2022 guide may be replaced by the vendor's PDF. So the tests read their 2022 guide from
`tests/fixtures/sources/` (`SOURCE_2022`) and compare with a build of it made in a temporary folder; only the
checks of the committed data (marked `committed`) read `SOURCES` and `OUTPUTS`, and they hold for any set of
committed years.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The committed sources and outputs: only the `committed` checks read them.
SOURCES = ROOT / "sources"
OUTPUTS = ROOT / "outputs"
CORPUS = ROOT.parent / "shared" / "pdf-corpus"
#: Small real PDFs of other layouts and producers, made by tools/make_fixtures.py and the other make_* tools.
FIXTURES = ROOT / "tests" / "fixtures"
#: The tests' sources folder: the reconstructed 2022 guide in its year folder, rendered by
#: tools/make_reconstruction.py, which renders the same bytes into sources/2022/ for a user.
TEST_SOURCES = FIXTURES / "sources"
SOURCE_2022 = TEST_SOURCES / "2022" / "2022-NanoKnife-CPT-Reimbursement-Guide.reconstructed.pdf"
#: Where the reconstruction ships for a user, until the vendor's PDF takes its place.
SHIPPED_2022 = SOURCES / "2022" / SOURCE_2022.name

#: What a build or a later command leaves in an outputs folder that is not published data.
_LOCAL = shutil.ignore_patterns("report.html", "report", "warehouse.duckdb*", ".build-state.json*", ".lock",
                                ".staging", "reports")


def published_copy(to: Path, built: Path | None = None) -> Path:
    """An outputs folder at `to` holding the years and dataset partitions published in `built`, as after a
    build (the local inspect report, warehouse, lock and build state left out).

    `built` defaults to the 2022 guide built once per process in a temporary folder; the tests take the
    `published_copy` fixture instead, which copies the session's build (`tests/conftest.py`).
    """
    shutil.copytree(built or _built_2022(), to, ignore=_LOCAL, dirs_exist_ok=True)
    return to


_BUILT: list[Path] = []


def _built_2022() -> Path:
    if not _BUILT:
        from tools.testkit.two_years import build_2022

        folder = Path(tempfile.mkdtemp(prefix="published-2022-"))
        atexit.register(shutil.rmtree, folder, True)
        _BUILT.append(build_2022(folder / "outputs"))
    return _BUILT[0]


def copy_repo(to: Path, outputs: Path | None = None) -> Path:
    """A clone of the repository at its first year, in `to`.

    Its code, docs and tests (the tracked files, and new ones not ignored, as in this checkout); in
    `sources/` only the reconstructed 2022 guide; in `outputs/` what `outputs` publishes (a build of that
    guide), or nothing. The years this checkout's own sources/ and outputs/ hold are left out.
    """
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not name.startswith(("sources/", "outputs/")):
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    (to / "sources" / "2022").mkdir(parents=True)
    shutil.copy2(SOURCE_2022, to / "sources" / "2022" / SOURCE_2022.name)
    if outputs is not None:
        published_copy(to / "outputs", outputs)
    return to
