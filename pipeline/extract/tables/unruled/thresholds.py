"""Thresholds of the unruled finder: each a share of the font size or a count of points, and why.

Part of the extract stage (`pipeline.extract.tables.unruled`): every step reads its
thresholds from here, so they are tuned in one place.
"""

#: Gap between two chars on one line, as a share of font size, that separates
#: two cells: a word space is about 0.28 em, cell padding is more.
CELL_GAP_RATIO = 0.5
#: Lines of one cell (a wrapped paragraph) sit closer than this share of the
#: font size; rows of a table and levels of a header are further apart.
PARAGRAPH_GAP_RATIO = 0.6
#: Two header lines further apart than this share of the font size are not one header.
HEADER_GAP_RATIO = 2.5
#: A table's next line is no longer the table when its gap is this many times the
#: widest gap seen inside the table so far (and at least MIN_END_GAP_RATIO em). Mostly
#: a table ends at a line printed across its first column; this catches the rest.
END_GAP_FACTOR = 2.5
MIN_END_GAP_RATIO = 2.0
#: A row the page break may have cut need not be centred: its asymmetry counts up to
#: this share of the font size.
CUT_ROW_CAP = 0.75
#: What a row boundary inside a cell (at a paragraph's line gap) costs, in points of
#: a centred row's asymmetry: more than any real row is off its centre.
INSIDE_CELL_COST = 20.0
#: A rule or a band edge is a row boundary when it runs over this share of the table's width.
BAND_EDGE_SHARE = 0.5
#: Wrapped lines of one header cell share a centre, left or right edge within this many points.
ALIGN_TOLERANCE = 3.0
#: A word space is about a quarter em; a wider gap between two chars ends a word.
SPACE_GAP = 0.2
#: A separator never cuts through a leaf header: it counts as this many crossing cells.
LEAF_WEIGHT = 10_000
#: Share of the page height at its foot where page numbers and footers sit: no table
#: reaches into it, and a table followed by nothing but it runs on to the next page.
FOOT_SHARE = 0.06
