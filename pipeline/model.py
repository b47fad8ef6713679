"""The light types that cross stage boundaries.

    extract(pdf) -> RawGuide -> normalize -> Guide -> validate -> publish

`RawGuide` is what the PDF says, as printed (extract's output); `Guide` is the
typed tables and document facts (normalize's output, validated and published).
Both are plain frozen records of pandas frames: no stage reaches into another's
internals, only into these.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

#: Why a char is not painted, most decisive first; the key is what
#: `RawGuide.hidden` and the manifest record, the value how an error names it.
HIDDEN_REASONS = {
    "outside_page": "text outside the page",
    "outside_crop_box": "text outside the crop box",
    "too_small": "text too small to see",
    "invisible": "invisible text",
    "clipped": "text outside its clipping path",
    "covered": "text covered by a shape drawn over it",
    "background": "text in the colour of what lies under it",
}


@dataclass(frozen=True)
class Stop:
    """A stop extract found that holds only if the table it names is one the guide is read from.

    A ruled table whose rows cannot be told apart as drawn is an error in a payment or glossary table,
    and nothing in a page of something else: which table is which is normalize's call, so extract
    records the stop and normalize raises `error` when it reads `table` as one of the guide's. On a
    page (`pipeline.extract.page.PageLayout`) `table` is the table's place among the page's tables;
    in a `RawGuide`, its table id (the `table` of its cells).
    """

    table: int
    page: int
    error: Exception


@dataclass(frozen=True)
class RawGuide:
    """What the PDF says, as printed: the extract stage's whole output."""

    source_name: str
    sha256: str
    page_count: int
    cells: pd.DataFrame
    lines: pd.DataFrame
    #: Text on the page that a viewer does not paint, one row per run of it
    #: (page, reason, text, chars, box); `pipeline.extract.visible` says why.
    hidden: pd.DataFrame | None = None
    #: Stops that hold only for a table the guide is read from (`Stop`, each naming its table id):
    #: normalize raises one when it takes that table for a payment or terminology table.
    stops: tuple[Stop, ...] = ()
    #: Painted glyphs whose font gives no Unicode (each read as U+FFFD in `cells` and `lines`), one row
    #: per run of them (page, font, chars, PDFium's reading, box).
    unmapped: pd.DataFrame | None = None

    def font_without_map(self, page: int, box) -> str:
        """The font of the first run of glyphs without a character map in `box` of `page` (else on the page)."""
        runs = self.unmapped
        if runs is None or not len(runs):
            return "(unknown)"
        runs = runs[runs["page"] == page]
        x0, top, x1, bottom = box
        for run in runs.itertuples(index=False):
            if x0 - 1 <= (run.x0 + run.x1) / 2 <= x1 + 1 and top - 1 <= (run.top + run.bottom) / 2 <= bottom + 1:
                return run.font
        return runs.iloc[0]["font"] if len(runs) else "(unknown)"


@dataclass(frozen=True, slots=True)
class Used:
    """A box normalize read something from: a published value's cell, or a cue the reading rests on.

    Cues are a table's header cells (they say which table it is and what each column holds) and the
    lines a document fact was read from. A check that finds something wrong in a `Used` box stops
    the build, naming it by `what` ("0601T descriptor", "the payment table header cell 'ASC
    Payment'"); found anywhere else, it is counted. `strict`: its two readings must agree character
    for character (codes, money, RVUs, APCs, indicators), else on their letters and digits (text).
    `table` is the kind of table it is a cell of, if any; `value` a fact printed in it, which both
    readings must hold character for character.
    """

    page: int
    box: tuple[float, float, float, float]
    what: str
    strict: bool = False
    table: str | None = None
    value: str | None = None


class UsedBoxes:
    """Every box normalize read from, one `Used` per box, kept compact: a thousand-page guide reads some
    hundred thousand boxes, and a `Used` each (with its box's tuple and floats) held to the end of the
    build was some fifty megabytes.

    `add` merges a box read again into the one first read (by page and box): it keeps the name it was
    first read under, and is strict, of a table or holding a fact if any reading of it is. Iterating
    gives a `Used` per box, made as it is asked for, in the order the boxes were first read.
    """

    __slots__ = ("_at", "_pages", "_boxes", "_what", "_strict", "_table", "_value")

    def __init__(self, found=()):
        self._at: dict[bytes, int] = {}  # the packed page and box (`_packed`) -> position
        self._pages = array("i")
        self._boxes = array("d")  # four per box
        self._what: list[str] = []
        self._strict = bytearray()
        self._table: list[str | None] = []
        self._value: list[str | None] = []
        self.add(found)

    def add(self, found) -> None:
        """Record each `Used` of `found`, merged with a box recorded before."""
        if self._at is None:
            self._at = {_packed(page, box): i for i, (page, box) in enumerate(self.boxes())}
        for u in found:
            key = _packed(u.page, u.box)
            i = self._at.get(key)
            if i is None:
                self._at[key] = len(self._what)
                self._pages.append(u.page)
                self._boxes.extend(u.box)
                self._what.append(u.what)
                self._strict.append(bool(u.strict))
                self._table.append(u.table)
                self._value.append(u.value)
                continue
            self._strict[i] = self._strict[i] or bool(u.strict)
            self._table[i] = self._table[i] or u.table
            self._value[i] = self._value[i] or u.value

    def done(self) -> "UsedBoxes":
        """Let go of the index merging needs once every box is recorded (some fifteen megabytes at a thousand
        pages; the checks find boxes by their own key). It is made again if more boxes come."""
        self._at = None
        return self

    def __len__(self) -> int:
        return len(self._what)

    def __getitem__(self, i: int) -> Used:
        return Used(self._pages[i], tuple(self._boxes[4 * i:4 * i + 4]), self._what[i], bool(self._strict[i]),
                    self._table[i], self._value[i])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def boxes(self):
        """(page, box) of each box, in order, without making its `Used`."""
        b = self._boxes
        return ((page, (b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3])) for i, page in enumerate(self._pages))

    def __eq__(self, other) -> bool:
        return isinstance(other, UsedBoxes) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"UsedBoxes({len(self)} boxes)"


def _packed(page: int, box) -> bytes:
    x0, top, x1, bottom = box
    return _BOX.pack(page, x0 + 0.0, top + 0.0, x1 + 0.0, bottom + 0.0)  # + 0.0: -0.0 is 0.0, as in a tuple


_BOX = struct.Struct("<i4d")


@dataclass(frozen=True)
class Section:
    """One section of the guide as read: what announced it, where, and how many entries came from it.

    The manifest's `sections` record; `pipeline.validate.section_failures` checks it against the tables.
    """

    #: What announced it, as printed (a heading, the table's title, a note's wording); None: not printed.
    printed: str | None
    #: How it was printed ("table", "table without header", "paragraphs", "paragraphs in columns", "notes").
    form: str | None = None
    pages: tuple[int, ...] = ()
    entries: int = 0

    def record(self) -> dict:
        return {"printed": self.printed is not None, "heading": self.printed, "form": self.form,
                "pages": list(self.pages), "entries": self.entries}


@dataclass(frozen=True)
class Guide:
    """A normalized guide: document facts plus the published tables."""

    guide_year: int
    effective_date: date | None
    title: str | None
    document_number: str | None
    source_name: str
    sha256: str
    page_count: int
    #: Footnote marks split from header and cell text: {table, text, marks, page}.
    footnotes: list[dict]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Characters not painted, by page then reason: {page: {reason: count}} (the manifest's record).
    hidden: dict[int, dict[str, int]] = field(default_factory=dict)
    #: What was read but not needed, said once: {page, wording, message} (an unknown group header).
    warnings: list[dict] = field(default_factory=list)
    #: Every box a published value or a cue was read from (a `Used` each), in reading order.
    used: UsedBoxes = field(default_factory=UsedBoxes)
    #: Outside the published data and its cues, by page: glyphs no font maps to Unicode, and
    #: lines or cells the two engines read differently (the manifest's record; the report shows where).
    unmapped: dict[int, int] = field(default_factory=dict)
    differing: dict[int, int] = field(default_factory=dict)
    #: Each section the guide prints (payments, exclusions, terminology), as read: `Section`.
    sections: dict[str, Section] = field(default_factory=dict)
    #: The layout the guide was read in (the manifest's `layout`): `tables`, its payment tables in printed
    #: order, each {"pages", "settings", "columns"} (what each column holds, in printed order), and
    #: `settings`, the care settings the guide prints (`pipeline.normalize.tables.layout`). Other facts of
    #: the shape met (how amounts are printed, marks, subheadings) are keys of their own after these.
    layout: dict = field(default_factory=dict)
