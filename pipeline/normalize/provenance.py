"""Step 6 of normalize, provenance: where each published value came from.

One row per value of every published row (every column of its table but
guide_year and source_page), keyed by the row's natural key, pointing at the
box of the piece the value was read from, with its text as printed.

`used` records every cell a value was read from (a cell broken by a page break
is two) as a `model.Used`, named as a stop names it ("0601T descriptor"), for
the checks that stop only where a published value is at stake.
"""

from __future__ import annotations

from pipeline import fields as F
from pipeline.model import Used
from pipeline.normalize.values import Record

#: How a stop names each field's cell, after the row's code (and setting).
_NAMES = {"cpt_code": "code", "code_category": "code", "descriptor": "descriptor", "excluded_code": "exclusions",
          "setting": "payment", "payment_status": "payment", "payment_usd": "payment", "rvus": "RVUs",
          "apc": "APC", "indicator": "indicator", "term": "term", "description": "definition"}
#: Fields whose two readings are compared on their letters and digits; all others character for character.
TEXT_FIELDS = frozenset({"descriptor", "excluded_code", "term", "description"})


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


def used(record: Record) -> list[Used]:
    """Every cell one published row's values were read from, each named for a stop, in column order."""
    fields = record.fields
    if record.dataset == "terminology":
        term = fields["term"].value
        names = {"term": f"term {term!r}", "description": f"{term!r} definition"}
    elif record.dataset == "payments":
        head = f"{fields['cpt_code'].value} {fields['setting'].value}"
        names = {name: f"{head} {_NAMES[name]}" for name in fields if name in _NAMES}
    else:
        names = {name: f"{fields['cpt_code'].value} {_NAMES[name]}" for name in fields if name in _NAMES}
    table = F.TABLES[record.dataset].printed_in
    return [Used(page, box, what, strict=name not in TEXT_FIELDS, table=table)
            for name, what in names.items() for page, box in fields[name].piece.parts]
