"""Step 6 of normalize, provenance: where each published value came from.

One row per value of every published row (every column of its table but
guide_year and source_page), keyed by the row's natural key, pointing at the
box of the piece the value was read from, with its text as printed.
"""

from __future__ import annotations

from pipeline import fields as F
from pipeline.normalize.values import Record


def provenance(year: int, record: Record) -> list[dict]:
    """The provenance rows of one published row, in its table's column order."""
    table = F.TABLES[record.dataset]
    key = table.row_key({c: record.fields[c].value for c in table.natural_key})
    out = []
    for name in table.value_columns:
        piece = record.fields[name].piece
        x0, top, x1, bottom = piece.box
        out.append({
            "guide_year": year, "dataset": record.dataset, "key": key, "field": name, "page": piece.page,
            "x0": round(x0, 2), "top": round(top, 2), "x1": round(x1, 2), "bottom": round(bottom, 2),
            "raw_text": piece.text,
        })
    return out
