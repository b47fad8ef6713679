"""Shared fixtures: paths, the 2022 source, and the hostile-PDF corpus when present."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

SOURCES = ROOT / "sources"
SOURCE_2022 = SOURCES / "2022" / "2022-NanoKnife-CPT-Reimbursement-Guide.reconstructed.pdf"
OUTPUTS = ROOT / "outputs"
CORPUS = ROOT.parent / "shared" / "pdf-corpus"
#: Small real PDFs of other layouts and producers, made by tools/make_fixtures.py.
FIXTURES = ROOT / "tests" / "fixtures"


def published_copy(to: Path) -> Path:
    """An outputs folder at `to` holding the committed 2022 year and its dataset partitions, as after a
    build (the local inspect report left out)."""
    shutil.copytree(OUTPUTS / "2022", to / "2022", ignore=shutil.ignore_patterns("report*"))
    shutil.copytree(OUTPUTS / "dataset", to / "dataset")
    return to


@pytest.fixture(scope="session")
def guide_2022():
    """The 2022 source, extracted, normalized and validated once per session."""
    from pipeline.run.build import parse_source

    return parse_source(SOURCE_2022, SOURCES)
