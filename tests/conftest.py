"""Shared fixtures: the 2022 source, extracted once per session.

Paths (`ROOT`, `SOURCE_2022`, `FIXTURES`, ...) and `published_copy` live in `tools.testkit.paths`;
tests import them from there, not from this file.
"""

from __future__ import annotations

import pytest

from tools.testkit.paths import SOURCE_2022, SOURCES


@pytest.fixture(scope="session")
def guide_2022():
    """The 2022 source, extracted, normalized and validated once per session."""
    from pipeline.run.build import parse_source

    return parse_source(SOURCE_2022, SOURCES)
