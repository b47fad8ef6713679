"""Paths: the names of what lies in an outputs folder, in one place that imports nothing heavy.

Publish writes these, the readers and the build read them. Commands that only
look (the no-op build, the check for out-of-date reports) import this module
and not publish, which imports pandas and pyarrow.
"""

from __future__ import annotations

import re
from pathlib import Path

#: A published year's record of every file it holds, with their sha256.
MANIFEST = "manifest.json"
#: Where a build stages whole years before it commits them (`pipeline.publish.commit`).
STAGING = ".staging"
#: What the last build was made from (`pipeline.run.buildstate`).
STATE_FILE = ".build-state.json"
#: The local DuckDB warehouse (`pipeline.readers.warehouse`).
DATABASE = "warehouse.duckdb"
#: The inspect report and its page pictures, inside a year's folder; local, not the contract.
INSPECT_HTML = "report.html"
INSPECT_IMAGES = "report"

_YEAR = re.compile(r"^\d{4}$")


def year_folders(outputs: Path) -> list[int]:
    """Years with a folder under `outputs` (named by four digits), published whole or not, oldest first."""
    outputs = Path(outputs)
    if not outputs.is_dir():
        return []
    return sorted(int(p.name) for p in outputs.iterdir() if p.is_dir() and _YEAR.match(p.name))
