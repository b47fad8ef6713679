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

#: Why a char is not painted, most decisive first; the key is what
#: `RawGuide.hidden` and the manifest record, the value how an error names it.
HIDDEN_REASONS = {
    "outside_page": "text outside the page",
    "invisible": "invisible text",
    "clipped": "text outside its clipping path",
    "covered": "text covered by a shape drawn over it",
    "background": "text in the colour of what lies under it",
}


@dataclass(frozen=True)
class RawGuide:
    """What the PDF says, as printed: the extract stage's whole output."""

    source_name: str
    sha256: str
    page_count: int
    cells: pd.DataFrame
    lines: pd.DataFrame
    #: Text on the page that a viewer does not paint, one row per run of it
    #: (page, reason, text, chars, box); `pipeline.extract.visible` says why.
    hidden: pd.DataFrame | None = None
    #: Stops that hold only for a table the guide is read from, by table id: normalize raises
    #: one when it takes that table for the payment or terminology table.
    stops: dict = field(default_factory=dict)


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
    #: Characters not painted, by page then reason: {page: {reason: count}} (the manifest's record).
    hidden: dict[int, dict[str, int]] = field(default_factory=dict)
    #: What was read but not needed, said once: {page, wording, message} (an unknown group header).
    warnings: list[dict] = field(default_factory=list)
