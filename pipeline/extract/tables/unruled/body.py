"""Body: how far a table runs below its header, and the columns its rows settle.

Part of the extract stage (`pipeline.extract.tables.unruled`). First by spacing: the
table ends at a gap far wider than any inside it, at a heading set off by its type,
at its header printed again, or at the foot of the page. Then by structure: it ends
at a line printed across its first column (prose).
"""

from __future__ import annotations

from pipeline.extract.tables.open_table import OpenTable
from pipeline.extract.tables.unruled.chunks import Line, PageText, is_bold, span
from pipeline.extract.tables.unruled.columns import Columns, fits, separators
from pipeline.extract.tables.unruled.header import Head
from pipeline.extract.tables.unruled.thresholds import END_GAP_FACTOR, MIN_END_GAP_RATIO


def spaced_end(page: PageText, hend: int, head: Head, carry: OpenTable | None) -> tuple[int, float]:
    """End (exclusive) of the body that starts at line `hend`, by spacing alone, and the
    widest gap inside the table: lines while the gap to the line above stays table-like,
    up to the table's header printed again (a new part of the table)."""
    lines, end, low, max_gap = page.lines, hend, head.bottom, head.max_gap
    # On a continued page the rest of a row the break cut may stand apart from the next
    # row by any gap (a producer may keep the cut row's full height): no gap ends the
    # table before its first row start there.
    started = carry is None or not carry.seps
    while end < len(lines):
        line = lines[end]
        if line.top > page.foot or (end > hend and _repeats_heading(line, head.first_text)):
            break
        if end > hend and sets_off(line, lines[hend:end]):
            break  # a heading after the table ends it, however close it is set
        if low is not None:
            gap = line.top - low
            if started and gap > max(END_GAP_FACTOR * max_gap, MIN_END_GAP_RATIO * head.size):
                break
            max_gap = max(max_gap, gap) if started else max_gap
        started = started or any(span(carry.seps, ch)[0] == 0 for ch in line.chunks)
        low = line.bottom if low is None else max(low, line.bottom)
        end += 1
    return end, max_gap


def _repeats_heading(line: Line, first_heading: str | None) -> bool:
    """Is `line` the header's first line printed again?"""
    if first_heading is None:
        return False
    return sum(len(c["text"]) for c in line.chars) == len(first_heading.replace(" ", "")) \
        and line.text == first_heading


def sets_off(line: Line, body: list[Line]) -> bool:
    """Is `line` set off from the table rows above it by its type: bold where no row line is,
    or larger than every row line? Then it is a heading after the table, not a row."""
    if not body:
        return False
    if line.size > max(ln.size for ln in body) + 0.5:
        return True
    return is_bold(line) and not any(is_bold(ln) for ln in body)


def settle_columns(page: PageText, head: Head, hend: int, end: int, carry: OpenTable | None
                   ) -> tuple[Columns, int] | None:
    """The table's columns and the end of its body, by structure: the table ends at a line
    printed across its first column. None when its leaf headers overlap (no table)."""
    body = page.lines[hend:end]
    carried = carry.seps if carry is not None and not head.lines else []
    seps = carried or separators(head.leaves, body, head.size)
    if seps is None:
        return None
    columns = Columns(seps, head.x0, head.x1)
    for k, line in enumerate(body):
        if not fits(line, columns):
            end = hend + k
            body = body[:k]
            break
    # Columns are measured on this page's rows (the last page's may rest on a few rows);
    # the carried ones only said where this part of the table ends.
    seps = separators(head.leaves, body, head.size)
    if seps is None:
        return None
    x0, x1 = head.x0, head.x1
    if body:
        x0 = min(x0, min(ch.x0 for ln in body for ch in ln.chunks))
        x1 = max(x1, max(ch.x1 for ln in body for ch in ln.chunks))
    return Columns(seps, x0, x1), end
