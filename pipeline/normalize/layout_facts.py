"""What normalize met of the guide's layout in its rows: how the amounts were printed, the marks split off
values, and the subheadings. Pure: computed from what `values` and `stitch` recorded while reading.

These are three facts of the manifest's `layout` record (issue #24: a user who gets a new edition sees at
once what changed in its shape, and the diff says so in one line): `amounts` is "cents", "whole dollars",
"both", or None when no amount is printed; `marks` the marks split off codes, descriptors and value cells,
each once, in the order first met (the marks of header cells are not a layout change: every edition
prints them); `subheadings` each subheading row met (text and page), in printed order.
"""

from __future__ import annotations

from collections.abc import Iterable

#: How an amount may be printed (`values.Values.forms`).
FORMS = ("cents", "whole dollars")


def layout_facts(forms: Iterable[str], value_footnotes: Iterable[dict], subheadings: Iterable[dict]) -> dict:
    """{"amounts", "marks", "subheadings"} from every amount's form, the footnote records of the marks
    split off values (`values.Values.footnotes`) and the subheadings met (`stitch.Stitcher.subheadings`)."""
    found = set(forms)
    unknown = found - set(FORMS)
    if unknown:
        raise ValueError(f"no such amount form: {', '.join(sorted(unknown))} (known: {', '.join(FORMS)})")
    amounts = None if not found else "both" if len(found) > 1 else found.pop()
    marks = list(dict.fromkeys(mark for footnote in value_footnotes for mark in footnote["marks"]))
    return {"amounts": amounts, "marks": marks,
            "subheadings": [{"text": s["text"], "page": s["page"]} for s in subheadings]}
