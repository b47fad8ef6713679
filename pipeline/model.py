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
    hundred thousand boxes, some four hundred thousand times. A `Used` each (its box's tuple and floats,
    its name) held to the end of the build was some fifty megabytes, and an index of every box to merge
    them by some fifteen more. Here a box is a page and four floats in arrays, its name UTF-8 in one
    buffer, its kind of table a byte: some eight megabytes.

    `add` merges a box read again into the one first read (by page and box): it keeps the name it was
    first read under, and is strict, of a table or holding a fact if any reading of it is. Iterating
    gives a `Used` per box, made as it is asked for, in the order the boxes were first read.

    A box is nearly always read again within the few readings after its first (an amount feeds three
    fields), so `add` merges against the last `RECENT` boxes only and appends the rest; the few boxes
    read again later (a table's header cell on each page, a code printed twice) are merged, with the
    same outcome, when the boxes are next looked at (`_merge`, sorting by page and box).
    """

    __slots__ = ("_pages", "_boxes", "_what", "_what_end", "_strict", "_table", "_tables", "_value",
                 "_kept", "_recent", "_merged")

    #: How many of the last boxes recorded `add` merges against as they come.
    RECENT = 64

    def __init__(self, found=()):
        self._pages = array("i")
        self._boxes = array("d")  # four per box
        self._what = bytearray()  # each name's UTF-8, one after the other
        self._what_end = array("q")  # where each name ends in `_what`
        self._strict = bytearray()
        self._table = bytearray()  # an index into `_tables`; 0 is None
        self._tables: list[str | None] = [None]
        self._value: dict[int, str] = {}  # by position: the few boxes holding a fact
        #: the positions of the boxes, once a box recorded again is passed over (`_merge`); None: every one
        self._kept: array | None = None
        self._recent: dict[bytes, int] = {}  # the packed page and box (`_packed`) -> position
        self._merged = True
        self.add(found)

    def add(self, found) -> None:
        """Record each `Used` of `found`, merged with a box recorded before."""
        recent = self._recent
        for u in found:
            key = _packed(u.page, u.box)
            i = recent.get(key)
            if i is None:
                if len(recent) >= self.RECENT:
                    recent.clear()
                if len(recent) < self._boxes_kept():
                    self._merged = False  # it may be a box read before, no longer among the recent
                recent[key] = len(self._strict)
                if self._kept is not None:
                    self._kept.append(len(self._strict))
                self._pages.append(u.page)
                self._boxes.extend(u.box)
                self._what += u.what.encode("utf-8")
                self._what_end.append(len(self._what))
                self._strict.append(bool(u.strict))
                self._table.append(self._table_code(u.table))
                if u.value:
                    self._value[len(self._strict) - 1] = u.value
                continue
            self._strict[i] = self._strict[i] or bool(u.strict)
            if not self._table[i]:
                self._table[i] = self._table_code(u.table)
            if u.value and i not in self._value:
                self._value[i] = u.value

    def _table_code(self, table: str | None) -> int:
        try:
            return self._tables.index(table)
        except ValueError:
            self._tables.append(table)
            return len(self._tables) - 1

    def done(self) -> "UsedBoxes":
        """Every box recorded: merged, and the recent boxes let go."""
        self._merge()
        self._recent = {}
        return self

    def _merge(self) -> None:
        """Each box recorded more than once made one, as `add` merges: in the place and with the name of its
        first reading, strict if any reading is, of the table and holding the fact of the first that is.
        Boxes are the same as `_packed` makes them: the same page and the same floats, 0.0 and -0.0 alike.
        The later records of a box are left where they are and passed over (`_kept`): the few of them."""
        if self._merged:
            return
        import numpy as np

        n = len(self._strict)
        live = np.arange(n) if self._kept is None else np.frombuffer(self._kept, dtype=np.int64)
        pages = np.frombuffer(self._pages, dtype=np.int32)[live]
        boxes = (np.frombuffer(self._boxes, dtype=np.float64).reshape(n, 4)[live] + 0.0).view(np.int64)
        order = np.lexsort((boxes[:, 3], boxes[:, 2], boxes[:, 1], boxes[:, 0], pages))  # stable
        same = pages[order[1:]] == pages[order[:-1]]  # a box the same as the one before it in `order`
        for k in range(4):
            same &= boxes[order[1:], k] == boxes[order[:-1], k]
        del pages, boxes
        later = np.flatnonzero(same) + 1  # in `order`: each record of a box after its first
        first = np.maximum.accumulate(np.where(np.concatenate(([True], ~same)), np.arange(len(order)), 0))
        gone = set()
        for at in later.tolist():  # in order of position within each box: its readings as they came
            i, j = int(live[order[first[at]]]), int(live[order[at]])
            self._strict[i] = self._strict[i] or self._strict[j]
            if not self._table[i]:
                self._table[i] = self._table[j]
            fact = self._value.pop(j, None)
            if fact and i not in self._value:
                self._value[i] = fact
            gone.add(j)
        if gone:
            self._kept = array("q", (i for i in live.tolist() if i not in gone))
        self._recent = {}
        self._merged = True

    def _boxes_kept(self) -> int:
        return len(self._strict) if self._kept is None else len(self._kept)

    def __len__(self) -> int:
        self._merge()
        return self._boxes_kept()

    def __getitem__(self, i: int) -> Used:
        self._merge()
        if self._kept is not None:
            i = self._kept[i]
        return Used(self._pages[i], tuple(self._boxes[4 * i:4 * i + 4]),
                    self._what[self._what_end[i - 1] if i else 0:self._what_end[i]].decode("utf-8"),
                    bool(self._strict[i]), self._tables[self._table[i]], self._value.get(i))

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def holds_fact(self, i: int) -> bool:
        """Does box `i` hold a fact (`Used.value`)? Without making its `Used`."""
        self._merge()
        return (i if self._kept is None else self._kept[i]) in self._value

    def boxes(self):
        """(page, box) of each box, in order, without making its `Used`."""
        self._merge()
        b, p = self._boxes, self._pages
        return ((p[i], (b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]))
                for i in (range(len(p)) if self._kept is None else self._kept))

    def __getstate__(self):
        self._merge()
        return {name: getattr(self, name) for name in self.__slots__ if name != "_recent"}

    def __setstate__(self, state) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._recent = {}

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
class _ArrowFrame:
    """A frame of Arrow-backed columns as `Guide` pickles it: each column's chunked Arrow array as it is
    held. (pandas pickles such a column as one array, joining its chunks first: a thousand-page guide's
    frames were copied whole to be sent from the parsing child, where Arrow sends each chunk's buffers
    as they lie, out of band under pickle protocol 5.)"""

    columns: tuple
    arrays: tuple
    dtypes: tuple
    rows: int

    @classmethod
    def of(cls, frame: pd.DataFrame):
        """`frame` so, or `frame` itself if it is not one of Arrow columns under a plain row number."""
        import pyarrow

        index = frame.index
        if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None
                and frame.columns.is_unique and not frame.attrs
                and all(isinstance(dtype, pd.ArrowDtype) for dtype in frame.dtypes)):
            return frame
        arrays = tuple(pyarrow.chunked_array(pyarrow.array(frame[c].array)) for c in frame.columns)
        return cls(tuple(frame.columns), arrays, tuple(frame.dtypes), len(frame))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({c: pd.array(a, dtype=d) for c, a, d in zip(self.columns, self.arrays, self.dtypes)},
                            index=pd.RangeIndex(self.rows))


@dataclass(frozen=True)
class Guide:
    """A normalized guide: document facts plus the published tables.

    Pickled (from the parsing child to the build) with each table's Arrow columns in their chunks
    (`_ArrowFrame`), not joined into one array each as pandas pickles them."""

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

    def __getstate__(self):
        state = dict(self.__dict__)
        state["tables"] = {name: _ArrowFrame.of(frame) for name, frame in self.tables.items()}
        return state

    def __setstate__(self, state) -> None:
        tables = {name: t.frame() if isinstance(t, _ArrowFrame) else t for name, t in state["tables"].items()}
        self.__dict__.update({**state, "tables": tables})
