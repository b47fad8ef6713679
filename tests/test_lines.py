"""Printed lines and rules, on char and shape dicts as pdfplumber reports them."""

from __future__ import annotations

from pipeline.extract.tables.ruled import rule_edges
from pipeline.extract.lines import line_text, page_lines


def char(text: str, x0: float, top: float, size: float = 8.0, rise: float = 0.0) -> dict:
    width = 0.55 * size
    return {"text": text, "x0": x0, "x1": x0 + width, "top": top - rise, "bottom": top - rise + size, "size": size}


def word(text: str, x0: float, top: float, size: float = 8.0) -> list[dict]:
    return [char(t, x0 + i * 0.55 * size, top, size) for i, t in enumerate(text)]


def test_lines_of_cells_side_by_side_stay_apart_when_offset():
    # a centred cell's line sits 5 pt below its neighbour's: two lines, not one that
    # creeps down the page taking in every line it touches
    chars = word("Ablation", 90, 100) + word("0600T", 50, 105) + word("tumors", 90, 110) + word("$9.00", 300, 105)
    assert [line_text(ln)[0] for ln in page_lines(chars)] == ["Ablation", "0600T $9.00", "tumors"]


def test_a_raised_footnote_mark_joins_the_word_it_touches():
    # "ASC Payment" with its raised 4, beside a header line that starts 7 pt higher
    chars = word("Physician", 250, 175) + word("Payment", 506, 182) + [char("4", 506 + 7 * 4.4, 182, 5.6, rise=2.5)]
    lines = page_lines(chars)
    assert [line_text(ln) for ln in lines] == [("Physician", "         "), ("Payment4", "       ^")]


def test_a_band_of_shading_is_no_rule_but_a_hairline_fill_is():
    band = {"object_type": "rect", "x0": 40, "x1": 560, "top": 200, "bottom": 230, "width": 520, "height": 30,
            "y0": 562, "y1": 592, "doctop": 200, "stroke": False, "fill": True}
    hairline = dict(band, top=300, bottom=300.5, height=0.5, y0=491.5, y1=492)
    vertical, horizontal = rule_edges([], [band, hairline], [])
    assert vertical == [] and [(e["top"], e["x0"], e["x1"]) for e in horizontal] == [(300, 40, 560), (300.5, 40, 560)]
