"""pandera schemas at each stage boundary, built from `pipeline.fields`.

* `RAW_CELLS`, `RAW_LINES`, `RAW_HIDDEN`, `RAW_UNMAPPED`: what extract hands to normalize (text as
  printed, and what could not be read as printed).
* `published(name)`: the strict schema of a published table, generated from its
  `fields.Table` definition: exact columns in order, Arrow dtypes, enums,
  patterns, ranges and the primary key. Cross-table rules live in `validate`.

Every frame in the pipeline carries pandas `ArrowDtype` columns, so a decimal
stays a decimal from normalize to Parquet and is never a float on the way.
"""

from __future__ import annotations

import os
import tempfile
from collections import namedtuple
from functools import cache

import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from pipeline import fields as F


def _memory_pool_that_gives_back() -> None:
    """Arrow's allocations from the system allocator (the C library's malloc), as Python's own are.

    Arrow's default, mimalloc, keeps the memory a frame let go for later use and gives little of it back:
    sorting a thousand-page guide's provenance (a million values) into new arrays let go of the same
    data in small chunks, which stayed held beside it. Measured on a guide of 1,007 pages, whole build in
    one process: peak 410 MB on mimalloc, 365 MB on jemalloc; and once the published rows were kept on
    disk past their first chunks (`Rows`), 320 MB on jemalloc and 297 MB on the system allocator, where
    what Arrow lets go serves the next of Python's larger allocations, and the reverse. Same speed, outputs
    the same; 326 MB if only pyarrow's own calls are told (the Parquet writer and Arrow's other C++ code
    ask for the pool Arrow chose when it was imported).

    So the package sets Arrow's own setting, ARROW_DEFAULT_MEMORY_POOL, before pyarrow is imported
    (`pipeline/__init__.py`); where pyarrow was imported first, its calls are told here. A pool the user
    named in that setting rules."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL", "system") == "system":
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())


_memory_pool_that_gives_back()


def arrow(t: pyarrow.DataType) -> pd.ArrowDtype:
    return pd.ArrowDtype(t)


#: Each kind of `fields.Constraint` as a pandera check (the SQL and data packages render the same list).
_CHECKS = {
    "enum": lambda values: pa.Check.isin(list(values), error=f"one of {', '.join(values)}"),
    "pattern": lambda pattern: pa.Check.str_matches(pattern, error=f"matches {pattern}"),
    "minimum": pa.Check.ge,
    "maximum": pa.Check.le,
}


def _column(f: F.Field) -> pa.Column:
    checks = [_CHECKS[c.kind](c.value) for c in f.constraints()]
    return pa.Column(arrow(f.arrow_type), checks=checks, nullable=f.nullable, description=f.description)


@cache
def published(name: str, unique: bool = True) -> pa.DataFrameSchema:
    """The strict pandera schema of published table `name`; with `unique=False`, without its check that no
    primary key repeats (for a frame `keys_ascend` has shown holds none)."""
    table = F.TABLES[name]
    return pa.DataFrameSchema(
        {f.name: _column(f) for f in table.fields},
        name=name,
        strict=True,
        ordered=True,
        unique=list(table.primary_key) if unique else None,
        report_duplicates="all",
    )


def keys_ascend(frame: pd.DataFrame, columns) -> bool:
    """Is each row's key (its values of `columns`, in that order) greater than the row's before, as Arrow
    compares them (`in_order`)? Then no key repeats: shown by comparing each row with the next, in Arrow, a few bits a
    row. pandera's check of the same (`unique`) hashes every key, some forty megabytes over a thousand-page
    guide's provenance; it is left for a frame this cannot clear (a key out of order, repeated, or null,
    a column missing or not held by Arrow), where it finds and names what repeats.

    A published frame comes sorted by its `sort_by` columns, which with the one guide year are its key."""
    if len(frame) < 2:
        return True
    if any(c not in frame.columns or not isinstance(frame[c].dtype, pd.ArrowDtype) for c in columns):
        return False
    return in_order([pyarrow.chunked_array(pyarrow.array(frame[c].array)) for c in columns], strict=True) is True


def in_order(columns: list, *, strict: bool = False) -> bool | None:
    """Are the rows of these Arrow columns (a key: the first column, then the next) in ascending order, as
    Arrow's sort orders them: each row's key at least the row's before (`strict`: greater)? Shown by
    comparing each row with the next, a few bits a row, where sorting the rows to compare would hold an
    index of every row and the sort's own memory. None where a column holds a null (to sort, as Arrow
    does, last), or a float column a NaN: this comparison does not decide it."""
    if not columns or len(columns[0]) < 2:
        return True
    later = None  # per row but the last: is the next row's key greater (or equal), on this column and those after
    for values in reversed(columns):
        if values.null_count or (pyarrow.types.is_floating(values.type) and pc.any(pc.is_nan(values)).as_py()):
            return None
        this, after = values[:-1], values[1:]
        if later is None:
            later = pc.less(this, after) if strict else pc.less_equal(this, after)
        else:
            later = pc.or_(pc.less(this, after), pc.and_(pc.equal(this, after), later))
    return pc.all(later, skip_nulls=False).as_py() is True


def _raw(name: str, columns: dict[str, pyarrow.DataType]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {c: pa.Column(arrow(t), nullable=False) for c, t in columns.items()}, name=name, strict=True, ordered=True)


_BOX = {"x0": pyarrow.float64(), "top": pyarrow.float64(), "x1": pyarrow.float64(), "bottom": pyarrow.float64()}

#: One row per table cell as printed: grid position with spans, text, box, and
#: `reread`, the second reading of the same box by PDFium.
RAW_CELLS = _raw("raw_cells", {
    "page": pyarrow.int32(), "table": pyarrow.int32(), "row": pyarrow.int32(), "col": pyarrow.int32(),
    "row_span": pyarrow.int32(), "col_span": pyarrow.int32(),
    "text": pyarrow.string(), "sup_mask": pyarrow.string(), **_BOX, "reread": pyarrow.string(),
})

#: One row per line of text on a page, with its largest font size, its second reading and `words`: the box
#: of each word of its text (the runs between its spaces), flattened (x0, top, x1, bottom of each).
RAW_LINES = _raw("raw_lines", {
    "page": pyarrow.int32(), "line": pyarrow.int32(), "text": pyarrow.string(), "sup_mask": pyarrow.string(),
    "size": pyarrow.float64(), **_BOX, "reread": pyarrow.string(), "words": pyarrow.list_(pyarrow.float64()),
})

#: One row per run of text a viewer does not paint: its page, why, what it says, how many chars, and
#: `duplicate`: every char of it lies exactly on a painted char of the same text (text printed twice).
RAW_HIDDEN = _raw("raw_hidden", {
    "page": pyarrow.int32(), "reason": pyarrow.string(), "text": pyarrow.string(), "chars": pyarrow.int32(),
    **_BOX, "duplicate": pyarrow.bool_(),
})

#: One row per run of painted chars whose font gives no Unicode (read as U+FFFD in cells and lines): its
#: page, the font, how many chars, and PDFium's reading of the run's box.
RAW_UNMAPPED = _raw("raw_unmapped", {
    "page": pyarrow.int32(), "font": pyarrow.string(), "chars": pyarrow.int32(), "reread": pyarrow.string(),
    **_BOX,
})


class Rows:
    """The rows of a frame of `schema`, collected one at a time and kept compact until the frame is made.

    A row as a dict holds a Python object per value (some hundreds of bytes a
    row); a frame collected over a thousand pages held that way grows with the
    document. So every `CHUNK` rows are turned into Arrow arrays, as `coerce`
    turns them (a few bytes a value), and `frame()` joins the chunks: the same
    frame `coerce` makes of the same rows, for a memory that stays flat.

    The first `HELD` chunks are kept in memory; the chunks after them go to a
    temporary file as Arrow IPC record batches (`_Spill`), read back a column
    at a time when the frame is made. A small guide's rows never touch the disk;
    a thousand-page guide's published rows (some forty megabytes, most of them
    provenance) are not held while the rest of it is read, nor beside their own
    sorted copy while the frame is made.
    """

    CHUNK = 2048
    #: Chunks kept in memory before the rest are written to a temporary file (16,384 rows).
    HELD = 8

    def __init__(self, schema: pa.DataFrameSchema):
        self.schema = schema
        self._names = list(schema.columns)
        self._dtypes = [col.dtype.type for col in schema.columns.values()]
        self._pending: list[tuple] = []
        self._chunks: list[list] = []  # per chunk, one Arrow array per column
        #: the chunks after the first HELD, once there are more (False: no temporary file could be written)
        self._spill: _Spill | None | bool = None
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, row: dict) -> None:
        """One row; a column it does not name is null."""
        self._pending.append(tuple(map(row.get, self._names)))
        self._count += 1
        if len(self._pending) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            columns = zip(*self._pending)
            chunk = [_arrow_array(list(values), dtype) for values, dtype in zip(columns, self._dtypes)]
            self._pending = []
            if len(self._chunks) >= self.HELD and self._spill is not False:
                try:
                    if self._spill is None:
                        self._spill = _Spill(pyarrow.schema([(n, d.pyarrow_dtype)
                                                             for n, d in zip(self._names, self._dtypes)]))
                    self._spill.write(chunk)
                    return
                except OSError:  # no room for a temporary file: the rows are held, as a small guide's are
                    self._held_again()
            self._chunks.append(chunk)

    def _held_again(self) -> None:
        """The chunks written so far read back into memory, and no more written."""
        spill, self._spill = self._spill, False
        if spill is not None:
            try:
                self._chunks += [list(chunk) for chunk in zip(*(spill.read(k) for k in range(len(self._names))))]
            finally:
                spill.close()

    def frame(self, sort_by: tuple[str, ...] = ()) -> pd.DataFrame:
        """The frame of every row added, as `coerce` makes it; with `sort_by`, its rows in that order, as
        `frame.sort_values(list(sort_by), kind="stable").reset_index(drop=True)` orders them (Arrow's
        stable sort: strings by code point, nulls last).

        The chunks are let go column by column, and each column is made in chunks of `CHUNK` rows as
        they were kept, not one array: a sorted column's chunks reuse the memory its kept chunks let
        go (one array of a thousand-page guide's provenance column was memory the allocator kept
        beside what it had, some fifty megabytes over the frame's ten columns). The frame's values
        are the same; only how Arrow holds them differs."""
        self._flush()
        if not self._chunks:
            return coerce([], self.schema)
        chunks, self._chunks = self._chunks, []
        spill, self._spill = self._spill or None, None
        try:
            return self._frame(chunks, spill, sort_by)
        finally:
            if spill is not None:
                spill.close()

    def _frame(self, chunks: list[list], spill: _Spill | None, sort_by: tuple[str, ...]) -> pd.DataFrame:
        def column(k: int, let_go: bool) -> pyarrow.ChunkedArray:
            arrays = [chunk[k] for chunk in chunks]
            if let_go:
                for chunk in chunks:
                    chunk[k] = None
            if spill is not None:
                arrays += spill.read(k)
            return pyarrow.chunked_array(arrays, type=self._dtypes[k].pyarrow_dtype)

        order = None
        if sort_by:
            keys = pyarrow.table({c: column(self._names.index(c), let_go=False) for c in sort_by})
            order = pc.sort_indices(keys, sort_keys=[(c, "ascending") for c in sort_by])  # nulls last, the default
            del keys
        out = {}
        for k, (name, dtype) in enumerate(zip(self._names, self._dtypes)):
            values = column(k, let_go=True)
            if order is not None:
                whole = values.combine_chunks()  # taken from a chunk at a time, Arrow would join them for each take
                del values
                values = pyarrow.chunked_array([whole.take(order[at:at + self.CHUNK])
                                                for at in range(0, len(order), self.CHUNK)], type=dtype.pyarrow_dtype)
                del whole
            out[name] = pd.array(values, dtype=dtype)
        return pd.DataFrame(out, index=pd.RangeIndex(self._count))


class _Spill:
    """Chunks of rows written to an unnamed temporary file, each column of each chunk as its own Arrow
    IPC stream, read back a column at a time (`read`: one array per chunk, as written, and nothing of
    the other columns). The file has no name to leave behind: the system deletes it when it is closed,
    or when the process ends, however it ends."""

    def __init__(self, schema: pyarrow.Schema):
        self._fields = [pyarrow.schema([f]) for f in schema]
        self._file = tempfile.TemporaryFile(prefix="pipeline-rows-")
        self._at: list[list[tuple[int, int]]] = [[] for _ in self._fields]  # per column: (offset, size) a chunk
        self._cap = _memory_cap()

    def write(self, chunk: list) -> None:
        """One chunk's arrays, counted once all of them are written: an error part way leaves the chunks
        before it as they were, to be read back."""
        at = self._file.seek(0, os.SEEK_END)
        written = []
        for array, schema in zip(chunk, self._fields):
            sink = pyarrow.BufferOutputStream()
            with pyarrow.ipc.new_stream(sink, schema) as writer:
                writer.write_batch(pyarrow.record_batch([array], schema=schema))
            data = sink.getvalue()
            self._file.write(data)
            written.append((at, data.size))
            at += data.size
        self._file.flush()
        for k, place in enumerate(written):
            self._at[k].append(place)
        if self._cap is not None and at > self._cap:
            # the rows count against the limit on the process's memory as if they were held in it: a
            # document that makes rows without end fills neither the memory nor the disk
            raise MemoryError(f"the rows written to a temporary file passed {self._cap >> 20} MiB, the limit "
                              "on this process's memory")

    def read(self, k: int) -> list:
        """Column `k` of every chunk written, in order."""
        out = []
        for offset, size in self._at[k]:
            self._file.seek(offset)
            with pyarrow.ipc.open_stream(self._file.read(size)) as reader:
                out.append(reader.read_next_batch().column(0))
        return out

    def close(self) -> None:
        self._file.close()


def _memory_cap() -> int | None:
    """The limit on this process's address space in bytes (the build's `--memory-limit`, set by its sandbox
    on each child), or None."""
    try:
        import resource
    except ImportError:  # not a Unix system
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft


def _arrow_array(values: list, dtype: pd.ArrowDtype):
    """`values` as the Arrow array `pd.array(values, dtype=dtype)` holds: made by Arrow directly (None is
    null), and through pandas for what Arrow does not take as it is (pandas' NA, a value to cast)."""
    try:
        return pyarrow.array(values, type=dtype.pyarrow_dtype)
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, pyarrow.ArrowNotImplementedError):
        return pyarrow.array(pd.array(values, dtype=dtype))


@cache
def _row_type(columns: tuple[str, ...]):
    return namedtuple("Row", columns)


def whole_columns(frame: pd.DataFrame) -> None:
    """Each Arrow column of `frame` made one array in place, one column at a time (its chunks let go as it
    is replaced): the frame the build has always published from, since pandas joined a column's chunks
    when the frame was pickled back from the parsing child. The values are the same; how Parquet lays out
    a column past the size of its dictionary page depends on the chunks it is given, so a table of more
    than `Rows.CHUNK` rows is published the same, byte for byte, as before."""
    for name in frame.columns:
        values = frame[name].array
        if isinstance(frame[name].dtype, pd.ArrowDtype):
            chunked = pyarrow.chunked_array(pyarrow.array(values))
            if chunked.num_chunks > 1:
                frame[name] = pd.array(chunked.combine_chunks(), dtype=frame[name].dtype)
                del chunked, values


def pylist(column: pd.Series) -> list:
    """A column's values as Python values (None for null), made at once by Arrow: iterating an
    Arrow-backed column one scalar at a time (`tolist`, `to_dict`, `itertuples`) costs a Python call a value."""
    if isinstance(column.dtype, pd.ArrowDtype):
        return pyarrow.array(column.array).to_pylist()
    return column.tolist()


#: Rows made Python values at once by `tuples`: a thousand-page guide's cells made Python values all at
#: once are some forty megabytes, held only to be passed over.
TUPLES_CHUNK = 8192


def tuples(frame: pd.DataFrame, columns: list[str]):
    """`frame[columns].itertuples(index=False)` for a frame of non-null columns (the raw frames), made
    from each column's Python values a chunk of rows at a time (`pylist`, `TUPLES_CHUNK`): a pass over
    every cell of a thousand-page guide."""
    row = _row_type(tuple(columns))
    for start in range(0, len(frame), TUPLES_CHUNK):
        part = frame.iloc[start:start + TUPLES_CHUNK]
        yield from map(row._make, zip(*(pylist(part[c]) for c in columns)))


def records(frame: pd.DataFrame) -> list[dict]:
    """`frame.to_dict("records")` for a frame of non-null columns (the raw frames), made from each column's
    Python values at once (`pylist`)."""
    names = list(frame.columns)
    return [dict(zip(names, row)) for row in zip(*(pylist(frame[c]) for c in names))]


def coerce(rows: list[dict], schema: pa.DataFrameSchema) -> pd.DataFrame:
    """A frame of `rows` with exactly `schema`'s columns, in order, as its Arrow dtypes.

    Built from plain Python values (None for null, Decimal for money), so no
    value passes through a float or NaN on the way.
    """
    return pd.DataFrame({
        name: pd.array([row.get(name) for row in rows], dtype=col.dtype.type)
        for name, col in schema.columns.items()
    }, index=pd.RangeIndex(len(rows)))
