"""The code blocks of docs/warehouses.md that tests run verbatim, found by the HTML comment above each."""

from __future__ import annotations

import re
from pathlib import Path

WAREHOUSES_DOC = Path(__file__).resolve().parent.parent / "docs" / "warehouses.md"


def doc_block(marker: str) -> str:
    """The fenced code block right after `<!-- marker -->` in docs/warehouses.md, verbatim."""
    text = WAREHOUSES_DOC.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {re.escape(marker)} -->\n```\w*\n(.*?)\n```\n", text, re.S)
    assert found, f"docs/warehouses.md has no code block marked {marker!r}"
    return found.group(1)
