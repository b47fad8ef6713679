"""Where the report's labels go (`pipeline/readers/labels.py`), on drawn boxes: inside the box clear of its
print, else just beside it where no other box is as near, else a number; never in another box.

`tests/test_report_layout.py` checks the labels of real reports where Chromium lays them out; these pin
each rule on a page small enough to reason about. Boxes are in points; the page picture is blank (2 pixels
a point) and the print is given as ink boxes, as `ink_boxes` finds it on a real picture.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from pipeline.readers.labels import GAP, LABEL_POINTS, Rect, _dark, ink_boxes, place_labels, reading_order, size_of

PAGE = Rect(0, 0, 300, 200)
SCALE = 2


def place(boxes, ink, cells=None, picture=None):
    mask = _dark(picture or Image.new("RGB", (PAGE.x1 * SCALE, PAGE.bottom * SCALE), "white"))
    return place_labels(boxes, ink, cells if cells is not None else [b for b, _ in boxes], mask, SCALE, PAGE)


def test_a_label_sits_inside_its_box_in_the_top_right_corner_when_the_print_leaves_it_free():
    box = Rect(50, 50, 150, 100)
    [label], unplaced = place([(box, ["setting", "payment_status"])], [Rect(55, 55, 80, 65)])
    w, h = size_of(("setting, payment_status",))
    assert (label.lines, label.rect, label.number, unplaced) == (
        ("setting, payment_status",), Rect(150 - GAP - w, 50 + GAP, 150 - GAP, 50 + GAP + h), None, [])


def test_a_label_finds_the_gap_between_two_lines_of_type_at_the_end_of_a_short_line():
    """A descriptor's box full of type but for the end of its middle line: the label goes there, snug on the
    line under it, though the gap is not a whole number of steps from the box's top."""
    box = Rect(50, 50, 150, 80.3)
    lines = [Rect(51, 51, 149, 62.2), Rect(51, 62.2, 100, 71), Rect(51, 70.05, 149, 79.9)]
    [label], unplaced = place([(box, ["descriptor"])], lines)
    w, h = size_of(("descriptor",))
    assert unplaced == [] and label.rect == Rect(150 - GAP - w, 70.05 - h, 150 - GAP, 70.05 - h + h)
    assert not any(label.rect.meets(line) for line in lines)


def test_a_box_full_of_print_puts_its_label_just_beside_it_where_no_other_box_is_nearer():
    """The last column of a table: to the right of the box, level with it, outside every cell."""
    box, left = Rect(100, 50, 140, 70), Rect(60, 50, 100, 70)
    [code, label], unplaced = place([(left, ["cpt_code"]), (box, ["setting", "payment_usd"])],
                                    [left.grown(-1, -1), box.grown(-1, -1)])
    w, h = size_of(("setting, payment_usd",))
    assert unplaced == [] and code.rect.x1 <= left.x0 and label.lines == ("setting, payment_usd",)
    assert label.rect == Rect(140 + GAP, 60 - h / 2, 140 + GAP + w, 60 + h / 2)


def test_a_label_is_never_put_in_the_header_cell_above_nor_level_with_the_next_row_a_number_stands_for_it():
    """A glossary row 10 pt high between a header cell and the next row: above it is the header's cell, and
    a label 7.45 pt high beside it comes within 2 pt of the header or of the next row's box, as near them as
    its own. A number, set solid (5 pt high), fits level with its row, clearly nearer it. The last row's
    label has nothing under it: it goes beside its row, as far from the row above as it must be."""
    header, row, last = Rect(50, 40, 150, 50), Rect(50, 50, 150, 60), Rect(50, 60, 150, 70)
    assert size_of(("description",))[1] == LABEL_POINTS * 1.25 + 1.2 and size_of(("1",), numbered=True)[1] == 5
    (first, second), unplaced = place([(row, ["description"]), (last, ["description"])],
                                      [row.grown(-0.5, -0.5), last.grown(-0.5, -0.5)], cells=[header, row, last])
    w, h = size_of(("1",), numbered=True)
    assert unplaced == [] and (first.lines, first.number) == (("1",), 1)
    assert first.rect == Rect(150 + GAP, 52.5, 150 + GAP + w, 52.5 + h)  # centred on its row
    assert second.number is None and second.rect.x0 == 150 + GAP and second.rect.top == 62
    for label, own in ((first, row), (second, last)):
        assert not any(label.rect.meets(c) for c in (header, row, last))
        assert all(label.rect.distance(c) > label.rect.distance(own) for c in (header, row, last) if c != own)


def test_a_label_never_sits_in_a_neighbours_box():
    """A box full of print between two boxes with room to spare: its label goes above it, outside every box,
    set on two lines so that it is nearer its own box than either neighbour."""
    left, middle, right = Rect(20, 50, 100, 120), Rect(100, 50, 160, 120), Rect(160, 50, 260, 120)
    labels, unplaced = place([(left, ["setting"]), (middle, ["descriptor", "excluded_code"]), (right, ["apc"])],
                             [middle.grown(-1, -1)])
    label = labels[1]
    assert unplaced == [] and label.lines == ("descriptor", "excluded_code") and label.rect.bottom == 50 - GAP
    assert not any(label.rect.meets(c) for c in (left, middle, right))
    assert label.rect.distance(left) > label.rect.distance(middle) < label.rect.distance(right)


def test_ink_is_found_band_by_band_so_the_end_of_a_short_line_is_free():
    picture = Image.new("RGB", (PAGE.x1 * SCALE, PAGE.bottom * SCALE), "white")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((110, 110, 289, 125), fill="black")  # a long line: 55 to 145 pt, 55 to 63 pt down
    draw.rectangle((110, 132, 189, 147), fill="black")  # a short one under it: 55 to 95 pt
    ink = ink_boxes(_dark(picture), [Rect(50, 50, 150, 80)], [], SCALE)
    assert ink == [Rect(54, 52.5, 146, 65.5), Rect(54, 63.5, 96, 76.5)]


def test_numbers_go_row_by_row_left_to_right():
    boxes = [Rect(200, 50.4, 240, 60), Rect(20, 51, 60, 61), Rect(100, 50, 140, 60), Rect(20, 70, 60, 80)]
    assert reading_order(boxes) == [1, 2, 0, 3]


def test_a_lines_label_goes_beside_it_level_with_it_when_the_paragraph_around_it_is_full_of_print():
    """A "Term: description" paragraph of two lines, as the glossary prints it: the term's box is its first
    line, inside the description's box. No point outside the line is nearer it than the paragraph; beside the
    line, on an edge the two share, the label is as near both and reads as the line's. The description's
    label goes in the paragraph, at the end of its short second line."""
    line, paragraph = Rect(50, 50, 250, 60), Rect(50, 50, 250, 72)
    ink = [Rect(50, 50, 250, 60), Rect(50, 62, 120, 72)]
    (term, description), unplaced = place([(line, ["term"]), (paragraph, ["description"])], ink)
    w, h = size_of(("term",))
    assert unplaced == [] and (term.lines, term.number) == (("term",), None)
    assert term.rect == Rect(250 + GAP, 55 - h / 2, 250 + GAP + w, 55 + h / 2)
    assert paragraph.holds(description.rect) and not description.rect.meets(line)
    assert not any(label.rect.meets(i) for label in (term, description) for i in ink)
