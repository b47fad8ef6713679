"""Reread: every cell and line read a second time, from the same box, by another engine.

Part of the extract stage. pdfminer (under pdfplumber) reads the page for the
tables; PDFium (pypdfium2) reads each box they came from again, from its own
text layer: its own font decoding, its own character map, its own order. The
two readings are compared after `pipeline.text.normalize` by
`pipeline.validate.check_second_reading` on every build; a disagreement
stops the build naming page, box and both readings, so a value published is
one two engines read the same.

Both readings see only what a viewer paints (`pipeline.extract.visible`).
"""

from __future__ import annotations

from pipeline.extract.visible import PageSight


def read_again(sight: PageSight, rows: list[dict], *, lines: bool = False) -> None:
    """Set `reread` on each row (a cell, or with `lines` a printed line) to PDFium's reading of its box."""
    for row in rows:
        row["reread"] = sight.read((row["x0"], row["top"], row["x1"], row["bottom"]), line=lines)


def second_reading(sight: PageSight, box: tuple[float, float, float, float]) -> str:
    """PDFium's reading of one box (x0, top, x1, bottom) of the page `sight` looks at."""
    return sight.read(box)
