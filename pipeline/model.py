"""The light types that cross stage boundaries.

    extract(pdf) -> RawGuide -> normalize -> Guide -> validate -> publish

`RawGuide` is what the PDF says, as printed (extract's output); `Guide` is the
typed tables and document facts (normalize's output, validated and published).
Both are plain frozen records of pandas frames: no stage reaches into another's
internals, only into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class RawGuide:
    """What the PDF says, as printed: the extract stage's whole output."""

    source_name: str
    sha256: str
    page_count: int
    cells: pd.DataFrame
    lines: pd.DataFrame


@dataclass(frozen=True)
class Guide:
    """A normalized guide: document facts plus the published tables."""

    guide_year: int
    effective_date: date | None
    title: str | None
    document_number: str | None
    source_name: str
    sha256: str
    page_count: int
    #: Footnote marks split from header and cell text: {table, text, marks, page}.
    footnotes: list[dict]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: What was read but not needed, said once: {page, wording, message} (an unknown group header).
    warnings: list[dict] = field(default_factory=list)
