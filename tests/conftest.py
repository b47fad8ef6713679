"""Shared fixtures: the tests' 2022 guide, extracted once and built once per session.

Paths (`ROOT`, `SOURCE_2022`, `TEST_SOURCES`, `FIXTURES`, ...) and the copy helpers live in
`tools.testkit.paths`; tests import them from there, not from this file. No test but the checks of the committed
data (`@pytest.mark.committed`) reads the repository's sources/ or outputs/: those hold whatever years a user
has committed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.testkit.paths import SOURCE_2022, TEST_SOURCES
from tools.testkit.paths import published_copy as copy_of
from tools.testkit.two_years import build_2022


@pytest.fixture(scope="session")
def guide_2022():
    """The 2022 guide, extracted, normalized and validated once per session."""
    from pipeline.run.build import parse_source

    return parse_source(SOURCE_2022, TEST_SOURCES)


@pytest.fixture(scope="session")
def outputs_2022(tmp_path_factory) -> Path:
    """The 2022 guide built by the real pipeline into a temporary outputs folder, once per session: what the
    committed outputs/2022 must be (`tests/test_reproducible.py`). Read it; copy it (`published_copy`) to
    change it."""
    return build_2022(tmp_path_factory.mktemp("published") / "outputs")


@pytest.fixture
def published_copy(outputs_2022):
    """`published_copy(to)`: an outputs folder at `to` holding the 2022 year and its dataset partitions, as
    after a build (nothing local: no report, warehouse or build state)."""
    return lambda to: copy_of(to, outputs_2022)
