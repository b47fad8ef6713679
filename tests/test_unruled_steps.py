"""Steps of the unruled table finder, each alone, on printed lines built by hand.

Chars are 8 pt and 4.4 pt wide, as in tests/test_lines.py; each line is cut into
chunks (`make_line`) as the finder cuts a page's printed lines.
"""

from __future__ import annotations

from pipeline.extract.tables.unruled.chunks import gaps, make_line
from pipeline.extract.tables.unruled.columns import separators
from pipeline.extract.tables.unruled.rows import Anchor, Body, Breaks, anchor_runs, row_starts, rows

SIZE = 8.0
FIRST_PAGE = Breaks(continued=False, open_at_foot=False, top_aligned=None)


def word(text: str, x0: float, top: float) -> list[dict]:
    return [{"text": t, "x0": x0 + i * 4.4, "x1": x0 + (i + 1) * 4.4, "top": top, "bottom": top + SIZE,
             "size": SIZE, "fontname": "Helvetica"} for i, t in enumerate(text)]


def lines(*printed: tuple[float, list[tuple[str, float]]]):
    """Printed lines from (top, [(text, x0), ...]), numbered from 0."""
    return [make_line([c for text, x0 in cells for c in word(text, x0, top)], k)
            for k, (top, cells) in enumerate(printed)]


def body(printed, seps: list[float], header_bottom: float = 90.0) -> Body:
    return Body(printed, gaps(printed, header_bottom), seps, [])


def test_a_separator_goes_in_the_middle_of_the_whitespace_between_two_leaf_columns():
    # leaf headers over 50..90 and 200..260; a row prints a code at 50..72 and a payment at 210..232
    row = lines((100, [("0600T", 50), ("$9.00", 210)]))
    assert separators([(50.0, 90.0), (200.0, 260.0)], row, SIZE) == [145.0]


def test_the_widest_whitespace_wins():
    # a text printed at 114.8..150 leaves 90..114.8 and 150..200 free: the wider holds the separator
    printed = lines((100, [("0600T", 50), ("$9.00", 210)]), (110, [("Ablation", 114.8), ("$1.00", 210)]))
    assert separators([(50.0, 90.0), (200.0, 260.0)], printed, SIZE) == [175.0]


def test_with_no_whitespace_left_the_separator_goes_where_the_fewest_cells_cross():
    # the last words of merged cells a page break cut fill 88..180 and 150..203: 90..150 is crossed once
    printed = lines((100, [("electroporation under", 88)]), (110, [("image guided", 150)]))
    assert separators([(50.0, 90.0), (200.0, 260.0)], printed, SIZE) == [120.0]


def test_overlapping_leaf_headers_are_no_table_header():
    assert separators([(50.0, 120.0), (100.0, 200.0)], [], SIZE) is None


def test_two_codes_a_line_apart_are_two_row_starts_but_a_wrapped_term_is_one():
    printed = lines((100, [("0600T", 50), ("Ablation", 160)]),
                    (110, [("0601T", 50), ("Ablation", 160)]),
                    (125, [("Irreversible", 50), ("Ablation", 160)]),
                    (135, [("electroporation", 50)]))
    found = body(printed, [145.0])
    assert row_starts(printed, [145.0]) == [0, 1, 2, 3]
    assert anchor_runs(found, [0, 1, 2, 3]) == [Anchor(0, 0), Anchor(1, 1), Anchor(2, 3)]


def test_top_aligned_rows_start_at_their_first_column_cell():
    # each row prints its code on its first line; its description wraps a line below
    printed = lines((100, [("0600T", 50), ("Ablation", 160)]), (110, [("tumors", 160)]),
                    (125, [("0601T", 50), ("Ablation", 160)]), (135, [("tumors", 160)]))
    assert rows(body(printed, [145.0]), row_starts(printed, [145.0]), FIRST_PAGE) == ([0, 2], True)


def test_centred_rows_start_where_every_row_comes_out_centred():
    # each code sits on the middle line of its row's three-line description
    printed = lines((100, [("Ablation", 160)]), (110, [("0600T", 50), ("of", 160)]), (120, [("tumors", 160)]),
                    (135, [("Ablation", 160)]), (145, [("0601T", 50), ("of", 160)]), (155, [("tumors", 160)]))
    assert rows(body(printed, [145.0]), row_starts(printed, [145.0]), FIRST_PAGE) == ([0, 3], False)


def test_a_continued_page_keeps_the_last_pages_alignment():
    printed = lines((100, [("tumors", 160)]), (115, [("0601T", 50), ("Ablation", 160)]))
    carried = Breaks(continued=True, open_at_foot=False, top_aligned=True)
    # the line above the first row start finishes the row the page break cut
    assert rows(body(printed, [145.0]), row_starts(printed, [145.0]), carried) == ([0, 1], True)
