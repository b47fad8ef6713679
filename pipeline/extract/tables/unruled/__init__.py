"""Unruled: tables drawn without rules, found by what their header says.

Part of the extract stage (`pipeline.extract.page` calls `find` for each page). Pure
functions on the page's printed lines; no PDF is opened here.

A run of lines whose words are header wordings (`pipeline.vocab`) and that names
at least two columns in full is a header. Its lowest cells (no header cell under
them) are the leaf columns; a column separator goes in the widest whitespace
between two neighbouring leaf columns, over the header and every row below it.
The table ends at a line printed across its first column (prose), at a gap far
wider than any inside it, or at the foot of the page.

A row starts at each cell of the first column (a CPT code, a term). Rows that
start with it (top-aligned) end where the next starts; rows centred on it are
cut where every row comes out centred, since a blank line inside a cell can be
wider than the gap between rows; the edge of a shaded band, where there is one,
is a boundary. A text that runs over several columns (a merged cell) keeps its
span. A table that runs to the foot of a page carries its columns over, and
continues at the top of the next page with or without a repeated header; the
part of a row the break cut is a row of its own, for normalize to join.

Which table is which (payments, terminology, or neither) is normalize's call.

The steps, one module each, as `find` drives them:

* `chunks`: the page's printed lines, cut into chunks (one cell's text on one line);
* `header`: the header run, its leaf columns (`Head`) and its cells;
* `body`: how far the table runs below its header, and the columns its rows settle;
* `columns`: header blocks, leaves, separators, and the spans of cells;
* `rows`: row starts, top-aligned, single-spaced or centred rows;
* `cells`: each row's chunks made into cells, merged cells keeping their span;
* `find`: the scan of one page, and the `OpenTable` it leaves at the foot;
* `thresholds`: every threshold the steps share, with why it is what it is.
"""

from pipeline.extract.tables.unruled.find import find
from pipeline.extract.tables.unruled.thresholds import FOOT_SHARE

__all__ = ["FOOT_SHARE", "find"]
