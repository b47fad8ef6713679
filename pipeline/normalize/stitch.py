"""Step 4 of normalize, stitch: the tables' printed rows made whole logical rows, across page breaks.

A code row is every piece of one CPT code's row: from one printed row, or from
the parts a page break cut it into (the package docstring says which parts join).
A terminology row is a term and its description, with what the page break (or a
wrapped row) carried below it. Values are not read here: `values` parses the
pieces of each whole row.

A "(Do not report CODE in conjunction with ...)" note printed in a row of its own
under its code's row, under the descriptor or across the table (or the rest of a
note its descriptor cell starts) is that code's note: the note names its code, so
nothing is guessed (`_note_row`).

Any other row of one cell across the table (`Grid.across`) is a subheading
("Liver", "Percutaneous"): no value, and part of no code row. It finishes the row
above it, is never taken for a row a page break cut or for the rest of a
descriptor, and is recorded (`Stitcher.subheadings`, text and page).

Post-condition: each code's pieces come from one printed row of one table; the
only exception is the row a page break cuts (see `_check_one_row`). A note row
is no value of the row: it is kept apart (`CodeRow.notes`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from pipeline.errors import LayoutError
from pipeline.normalize.columns import Columns, Role
from pipeline.normalize.grids import Piece, piece, read_code
from pipeline.normalize.tables import Part
from pipeline.text import split_footnotes, squash

#: A printed row's pieces by column.
Pieces = dict[int, Piece]
#: Each payment table's first and last printed data rows, by table id: where a row broken by a page
#: break may end (the last) and go on (the first of the next page's table).
Bounds = dict[int, tuple[int, int]]


@dataclass(frozen=True)
class CodeRow:
    """One whole payment table row: its code and the pieces of each column."""

    code: str
    pieces: Pieces
    columns: Columns
    #: Its "Do not report" note, printed in a row (or rows) of its own under the code's row.
    notes: tuple[Piece, ...] = ()
    #: The footnote marks printed on its code ("*" of "0600T*", "+" of "+47383").
    marks: tuple[str, ...] = ()
    #: The printed table it was read from (the id of the table's first part: `tables.Reading.table`).
    table: int = 0

    def at(self, role: Role) -> Piece | None:
        """The piece under the column holding `role`, if there is one."""
        column = self.columns.column(role)
        return self.pieces.get(column) if column is not None else None


@dataclass(frozen=True)
class TermRow:
    """One whole terminology row: its term and the piece(s) of its description."""

    term: str
    term_piece: Piece
    description: Piece


@dataclass(frozen=True)
class _Open:
    """What a page break may still continue."""

    #: The last code row, held back in case the next page finishes it, with its table's columns
    #: and the note rows printed under it.
    pending: tuple[Pieces, Columns, tuple[Piece, ...]] | None = None
    #: The top part of a row broken by a page break whose code is printed on the next page.
    orphan: Pieces | None = None


def join(first: Pieces, then: Pieces) -> Pieces:
    """The cells of a row broken by a page break, put back together column by column.

    An empty part gives way to the printed one, so provenance points at the text.
    A merged cell continues in every column it covers, even where the part after
    the break is narrower ("No national set" over four columns, "payment" under two).
    """
    out = dict(first)
    done: set[int] = set()
    for c, p in then.items():
        if c in done or not p.text.strip():
            continue
        columns = {k for k, q in then.items() if q.box == p.box and q.page == p.page}
        for k in list(columns):
            base = first.get(k)
            if base is not None and base.text.strip():
                columns |= {j for j, q in first.items() if q.box == base.box and q.page == base.page
                            and not (j in then and then[j].text.strip() and then[j].box != p.box)}
        for k in columns:
            base = first.get(k)
            out[k] = base.extend(p) if base is not None and base.text.strip() else p
        done |= columns
    return out


def _fills_gaps(first: Pieces, then: Pieces) -> bool:
    """Is every printed cell of `then` under a column `first` (a row of the same table) left empty?"""
    tables = {t for p in first.values() for _, t, _ in p.rows}
    return all(not p.text.strip() or ((q := first.get(c)) is None or not q.text.strip())
               and {t for _, t, _ in p.rows} <= tables for c, p in then.items())


_NOTE_OPEN = re.compile(r"\(\s*Do\s+not\s+report\s+(?P<code>\S+)(?![^)]*\))", re.I)
_NOTE_START = re.compile(r"^\(\s*Do\s+not\s+report\s+(?P<code>\S+)", re.I)


def _note_row(pending: tuple[Pieces, Columns, tuple[Piece, ...]], pieces: Pieces, cols: Columns) -> Piece | None:
    """The note a code-less row prints for the code row above it, if that is all it prints.

    Its only printed cell is under the descriptor column and either starts "(Do not report
    CODE" for that row's own code, or finishes the note the row's descriptor (or a note row
    above) left open. Anything else is no note of that row (None).
    """
    column = cols.roles.index((None, "descriptor"))
    note = pieces.get(column)
    if note is None or not note.text.strip() or any(p.text.strip() and p.box != note.box for p in pieces.values()):
        return None
    above, _, notes = pending
    code_piece = above.get(cols.roles.index((None, "code")))
    code = code_piece.code if code_piece else ""
    start = _NOTE_START.match(squash(note.text))
    if start is not None:
        return note if start.group("code").rstrip(")") == code else None
    desc = above.get(column)
    before = "\n".join([desc.text if desc is not None else "", *(p.text for p in notes)])
    open_note = _NOTE_OPEN.search(squash(before))
    return note if open_note is not None and open_note.group("code") == code else None


def _across(state: _Open, across: Piece, pieces: Pieces, part: Part
            ) -> tuple[_Open, tuple[Pieces, Columns, tuple[Piece, ...]] | None, Piece | None]:
    """A row printing one cell across the table (`Grid.across`): the new state, the code row it
    finishes, and the subheading it is (None: it is the note of the code row above it, kept with it).

    A subheading ends the row above it: no note or page break carries that row on past it, and a row's
    top part left by a page break above it is never finished (`_check_no_orphan` stops).
    """
    if state.pending is not None and _note_row(state.pending, pieces, part.reading.columns) is not None:
        return replace(state, pending=(*state.pending[:2], state.pending[2] + (across,))), None, None
    _check_no_orphan(state)
    return _Open(), state.pending, across


def _step(state: _Open, r: int, pieces: Pieces, part: Part
          ) -> tuple[_Open, tuple[Pieces, Columns, tuple[Piece, ...]] | None]:
    """What printed row `r` of `part` does to the open rows: the new state, and the code row it finishes."""
    reading, cols = part.reading, part.reading.columns
    code_piece = pieces.get(cols.roles.index((None, "code")))
    first = r == reading.start and reading.continues
    if code_piece is not None and code_piece.text.strip():
        whole = join(state.orphan, pieces) if state.orphan is not None else pieces
        return _Open((whole, cols, ())), state.pending
    if first and state.orphan is not None:
        return replace(state, orphan=join(state.orphan, pieces)), None
    if first and state.pending is not None and not state.pending[2]:
        # the rest of the row the page break cut off (a top-aligned row's note)
        return replace(state, pending=(join(state.pending[0], pieces), cols, ())), None
    note = _note_row(state.pending, pieces, cols) if state.pending is not None else None
    if note is not None:
        # the row's "Do not report" note, in a row of its own (or the rest of one) under it
        return replace(state, pending=(*state.pending[:2], state.pending[2] + (note,))), None
    if r == part.grid.nrows - 1:
        # the top of a row the page break cut off; its code comes on the next page. A top part still
        # open from the page before never met its code: it stops here, rather than being dropped
        _check_no_orphan(state)
        return _Open(orphan=pieces), state.pending
    if state.pending is not None and _fills_gaps(state.pending[0], pieces):
        # the cells the code's row left empty, printed in the row below: taken as its row's,
        # so that `_check_one_row` names both rows and stops (a code's values come from one row)
        return replace(state, pending=(join(state.pending[0], pieces), cols, state.pending[2])), None
    printed = next(p for p in pieces.values() if p.text.strip())
    if _NOTE_START.match(squash(printed.text)):
        above = f" under {_code_of(state.pending)}'s row" if state.pending is not None else ""
        raise LayoutError(f"exclusions: a \"Do not report\" note in a row of its own{above} names no code of the "
                          f"row above it: {squash(printed.text)!r}", page=printed.page, box=printed.box,
                          what="a payment table cell")
    raise LayoutError(f"payment table row with no CPT code: {squash(printed.text)!r}", page=printed.page,
                      box=printed.box, what="a payment table cell")


def _code_of(pending: tuple[Pieces, Columns, tuple[Piece, ...]]) -> str:
    code_piece = pending[0].get(pending[1].roles.index((None, "code")))
    return code_piece.code if code_piece is not None else "?"


def _numbered(noun: str, numbers: list[int]) -> str:
    """"row 3", "rows 3 and 4", "rows 3, 4 and 5"."""
    if len(numbers) == 1:
        return f"{noun.rstrip('s')} {numbers[0]}"
    return f"{noun.rstrip('s')}s {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def _role_label(role: Role) -> str:
    setting, kind = role
    return kind if setting is None else f"{setting} {kind}"


def _cut_by_page_breaks(by_table: dict[tuple[int, int], list[int]], printed: Bounds) -> bool:
    """Are these the rows a page break cuts: one row of each of tables on consecutive pages, every row but
    the last its table's last printed row, every row but the first its table's first printed row?"""
    tables = sorted(by_table)
    bounds = {t: printed.get(t[1], (None, None)) for t in tables}
    return all(len(rows) == 1 for rows in by_table.values()) and all(
        b[0] == a[0] + 1 and by_table[a][0] == bounds[a][1] and by_table[b][0] == bounds[b][0]
        for a, b in zip(tables, tables[1:]))


def _check_one_row(code: str, page: int, pieces: Pieces, cols: Columns, printed: Bounds) -> None:
    """Post-condition: a code's values come from one printed row of the extracted tables.

    The one exception is a row cut by page breaks: one row of each of tables on consecutive
    pages, where every row but the last is its table's last printed row and every row but the
    first its table's first printed row. Anything else stops the build, naming the rows.
    """
    origins = sorted({o for p in pieces.values() for o in p.rows})
    if len(origins) <= 1:
        return
    by_table: dict[tuple[int, int], list[int]] = {}
    for o_page, table, row in origins:
        by_table.setdefault((o_page, table), []).append(row)
    if _cut_by_page_breaks(by_table, printed):
        return
    tables = sorted(by_table)
    if len(tables) == 1:
        where = f"{_numbered('rows', [r + 1 for r in by_table[tables[0]]])} of the table"
    else:
        where = " and ".join(f"{_numbered('row', [r + 1 for r in by_table[t]])} of the table on page {t[0]}"
                             for t in tables)
    held = []
    for o_page, table, row in origins:
        labels = [_role_label(cols.roles[c]) for c, p in sorted(pieces.items())
                  if p.text.strip() and (o_page, table, row) in p.rows]
        if labels:
            page_of = f" on page {o_page}" if len(tables) > 1 else ""
            held.append(f"{', '.join(labels)} from row {row + 1}{page_of}")
    raise LayoutError(f"{code}: its values come from {where}: {'; '.join(held)}", page=page)


def _check_no_orphan(state: _Open) -> None:
    """A row's top part left by a page break must be finished by the next page's table."""
    if state.orphan is not None:
        first = next(p for p in state.orphan.values() if p.text.strip())
        raise LayoutError(f"payment table row with no CPT code, not continued on the next page: "
                          f"{squash(first.text)!r}", page=first.page)


def _whole(pieces: Pieces, cols: Columns, notes: tuple[Piece, ...], printed: Bounds,
           owner: dict[int, int] | None = None) -> CodeRow:
    """The finished code row: its code read (it names the row) and the post-condition checked.
    `owner`: the printed table each part's table id belongs to."""
    code_piece = pieces[cols.roles.index((None, "code"))]
    code, marks = read_code(code_piece)
    _check_one_row(code, code_piece.page, pieces, cols, printed)
    part = code_piece.rows[0][1] if code_piece.rows else 0
    return CodeRow(code, pieces, cols, notes, tuple(marks), (owner or {}).get(part, part))


def add_terms(terms: tuple[TermRow, ...], part: Part) -> tuple[TermRow, ...]:
    """`terms` and the rows of a terminology table (or its continuation); a row with an empty term
    finishes the description above it."""
    grid = part.grid
    for r in range(part.reading.start, grid.nrows):
        term_cell, desc_cell = grid.at(r, 0), grid.at(r, 1)
        if term_cell is not None and term_cell is desc_cell and term_cell["text"].strip():
            raise LayoutError(f"terminology row printed across both columns: {squash(term_cell['text'])!r}",
                              page=int(term_cell["page"]))
        term_p = piece(term_cell) if term_cell is not None else None
        desc_p = piece(desc_cell) if desc_cell is not None else None
        term = squash(split_footnotes(term_p.text, term_p.sup_mask)[0]) if term_p else ""
        if term:
            terms += (TermRow(term, term_p, desc_p or Piece("", "", term_p.page, term_p.box)),)
        elif desc_p is not None and desc_p.text.strip():
            if not terms:
                raise LayoutError(f"terminology row with no term: {squash(desc_p.text)!r}", page=desc_p.page)
            # a description the page break (or a wrapped row) carried below its term
            last = terms[-1].description
            terms = terms[:-1] + (replace(terms[-1], description=last.extend(desc_p) if last.text.strip()
                                          else desc_p),)
    return terms


class Stitcher:
    """Turns the tables' printed rows, part by part in page order, into whole rows.

    The only state is what a page break may still continue (`_Open`), each payment
    table's first and last printed data rows (where a row broken by a page break may
    end and go on), and the terminology rows so far (a later row may still finish one).
    """

    def __init__(self) -> None:
        self.open = _Open()
        #: Each payment table's first and last printed data rows, by table id.
        self.printed: Bounds = {}
        #: The printed table each payment table part belongs to, by the part's table id.
        self.owner: dict[int, int] = {}
        self.terms: tuple[TermRow, ...] = ()
        #: The subheading rows met, in printed order: their text and page (no value: the layout's record).
        self.subheadings: list[dict] = []

    def take(self, part: Part) -> Iterator[CodeRow]:
        """The code rows finished by `part`, in printed order (a terminology table finishes none).

        A payment table that continues none (another setting's table) first finishes the last row
        of the table before it: a page break joins rows of one table only."""
        if part.reading.kind != "payment":
            self.terms = add_terms(self.terms, part)
            return
        if not part.reading.continues:
            _check_no_orphan(self.open)
            if self.open.pending is not None:
                yield _whole(*self.open.pending, self.printed, self.owner)
                self.open = _Open()
        self.owner[part.grid.table] = part.reading.table
        rows = part.grid.printed_rows(part.reading.start)
        if rows:
            self.printed[part.grid.table] = (rows[0], rows[-1])
        for r in range(part.reading.start, part.grid.nrows):
            pieces = part.grid.pieces(r)
            if not any(p.text.strip() for p in pieces.values()):
                continue
            across = part.grid.across(r)
            if across is not None:
                self.open, done, heading = _across(self.open, piece(across), pieces, part)
                if heading is not None:
                    self.subheadings.append({"text": squash(heading.text), "page": heading.page})
            else:
                self.open, done = _step(self.open, r, pieces, part)
            if done is not None:
                yield _whole(*done, self.printed, self.owner)

    def close(self) -> Iterator[CodeRow | TermRow]:
        """The rows still open once every table is read: the last code row, then every terminology row."""
        if self.open.pending is not None:
            yield _whole(*self.open.pending, self.printed, self.owner)
            self.open = replace(self.open, pending=None)
        _check_no_orphan(self.open)
        yield from self.terms
