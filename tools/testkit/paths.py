"""Where things are in the repository, and copies of it (its published outputs, a clone's files), for the
tests and the tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "sources"
SOURCE_2022 = SOURCES / "2022" / "2022-NanoKnife-CPT-Reimbursement-Guide.reconstructed.pdf"
OUTPUTS = ROOT / "outputs"
CORPUS = ROOT.parent / "shared" / "pdf-corpus"
#: Small real PDFs of other layouts and producers, made by tools/make_fixtures.py and the other make_* tools.
FIXTURES = ROOT / "tests" / "fixtures"


def published_copy(to: Path) -> Path:
    """An outputs folder at `to` holding the committed 2022 year and its dataset partitions, as after a
    build (the local inspect report left out)."""
    shutil.copytree(OUTPUTS / "2022", to / "2022", ignore=shutil.ignore_patterns("report*"))
    shutil.copytree(OUTPUTS / "dataset", to / "dataset")
    return to


def copy_repo(to: Path) -> Path:
    """The files a clone would hold (tracked, plus new ones not ignored), copied into `to`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    return to
