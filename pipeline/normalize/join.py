"""Step 6 of normalize, join: the payment tables of one guide made one set of rows, joined by code.

A guide prints its payments in one table of every setting, or in a table of each setting (or of
some), each with its own title and header (`tables` stops a setting printed by two). Each printed
table's rows give its own settings' payments; every table prints the code and its descriptor, so:

* the code's row of `codes` is read from the first table that prints it, and a later table must print
  the same descriptor (its note aside): which of two descriptors the dataset holds is not known;
* its exclusions are read from the table whose descriptor carries the "(Do not report ...)" note; a
  later note must exclude the same codes;
* a code printed in one table and not in another stops the build, naming it and the pages: the
  payments of one code are read from every table that prints its settings. A code printed twice in
  one table is left as it is printed: validation refuses its key printed twice, listing every row.

The cells of a code and descriptor printed again are cues of the reading (`Guide.used`): they say
which row a payment belongs to, so the checks of what the PDF showed look there too. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import LayoutError
from pipeline.model import Used
from pipeline.normalize.provenance import used
from pipeline.normalize.stitch import CodeRow
from pipeline.normalize.values import Record


@dataclass(frozen=True)
class _Code:
    """What the first table that printed a code said of it: its descriptor and page, its exclusions, where.

    Not its record: a thousand-page table's codes would hold every code cell's pieces to the end."""

    descriptor: str
    page: int
    excluded: frozenset[str]
    #: The table its exclusions were read from (None: no table printed a note for it yet).
    noted_in: int | None
    table: int


class Joined:
    """The payment tables read so far, joined by code: each code as first read, and each table's codes."""

    def __init__(self) -> None:
        self.codes: dict[str, _Code] = {}
        #: Printed table -> (its first page, the settings it prints).
        self.tables: dict[int, tuple[int, tuple[str, ...]]] = {}
        #: Printed table -> the codes it printed, in printed order (a dict for its keys: a thousand-page
        #: table's eleven thousand codes are looked up as each is read, and once more at the end).
        self.printed: dict[int, dict[str, None]] = {}
        #: The cells of codes and descriptors printed again: cues of the reading.
        self.cues: list[Used] = []

    def table(self, table: int, page: int, settings: tuple[str, ...]) -> None:
        """A printed payment table starts, on `page`, printing `settings`."""
        self.tables.setdefault(table, (page, settings))
        self.printed.setdefault(table, {})

    def add(self, row: CodeRow, records: list[Record]) -> list[Record]:
        """The records of one code row that the dataset publishes: all of them for a code seen first, its
        payments (and exclusions a table before did not print) for a code another table printed."""
        codes = self.printed.setdefault(row.table, {})
        page = records[0].source_page
        if row.code in codes:
            return records  # its key printed twice: validation lists every row of it
        codes[row.code] = None
        code_record = next(r for r in records if r.dataset == "codes")
        excluded = frozenset(r.fields["excluded_code"].value for r in records if r.dataset == "exclusions")
        first = self.codes.get(row.code)
        if first is None:
            self.codes[row.code] = _Code(code_record.fields["descriptor"].value, code_record.source_page, excluded,
                                         row.table if excluded else None, row.table)
            return records
        self.cues += used(code_record)
        if code_record.fields["descriptor"].value != first.descriptor:
            raise LayoutError(f"{row.code}: the descriptor printed on page {page} is not the one printed on page "
                              f"{first.page}: which of the two the dataset holds is not known",
                              page=page)
        out = [r for r in records if r.dataset == "payments"]
        if excluded and first.noted_in is None:
            self.codes[row.code] = _Code(first.descriptor, first.page, excluded, row.table, first.table)
            out = [r for r in records if r.dataset == "exclusions"] + out
        elif excluded:
            if excluded != first.excluded:
                raise LayoutError(f"exclusions: the note of {row.code} on page {page} excludes other codes than "
                                  f"the one on page {self.tables.get(first.noted_in, (page,))[0]}", page=page)
            self.cues += [cue for r in records if r.dataset == "exclusions" for cue in used(r)]
        return out

    def check(self) -> None:
        """Once every table is read: each code is printed in every payment table."""
        for table, codes in self.printed.items():
            missing = [code for code in self.codes if code not in codes]
            if missing:
                code = missing[0]
                there = self.codes[code].table
                page, settings = self.tables.get(table, (None, ()))
                first_page, first_settings = self.tables.get(there, (None, ()))
                raise LayoutError(f"payments: {code} is printed in the payment table on page {first_page} "
                                  f"({', '.join(first_settings)}) but not in the one on page {page} "
                                  f"({', '.join(settings)}): its payments there are not known", page=page)
