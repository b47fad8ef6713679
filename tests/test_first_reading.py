"""The first reading (`pipeline.extract.parse`): pdfplumber's chars, built only as far as extract reads them.

extract builds each char straight from pdfminer's interpreter instead of taking
pdfplumber's `page.chars` (issue #25, for speed). These tests hold it to
pdfplumber's values, key for key, on every committed PDF: a char's box, size,
text, matrix and font name are exactly what pdfplumber reports, in its order,
and the shapes are pdfplumber's own dicts. And what extract keeps between pages
is compact: each page's decoded content is let go, and the rows are Arrow
chunks (`schemas.Rows`) that make exactly the frame `schemas.coerce` makes.
"""

from __future__ import annotations

import random

import pdfplumber
import pytest
from pdfminer.pdftypes import resolve1

from pipeline import schemas
from pipeline.extract.parse import CHAR_KEYS, NO_UNICODE, read_page
from pipeline.text import UNMAPPED
from tools.testkit.paths import FIXTURES, ROOT

PDFS = sorted(p for p in (*FIXTURES.rglob("*.pdf"), *(ROOT / "sources").rglob("*.pdf")))


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_chars_and_shapes_are_pdfplumbers(pdf):
    with pdfplumber.open(pdf) as ours, pdfplumber.open(pdf) as theirs:
        for mine, page in zip(ours.pages, theirs.pages):
            read = read_page(mine)
            assert [{k: c[k] for k in CHAR_KEYS} for c in read.chars] == \
                   [{k: c[k] for k in CHAR_KEYS} for c in page.chars]
            # counted as drawn: the chars that print something, and those no font maps to Unicode
            assert read.glyphs == sum(not c["text"].isspace() for c in page.chars)
            assert read.unmapped == sum(bool(NO_UNICODE.match(c["text"])) or c["text"] == UNMAPPED
                                        for c in page.chars)
            for kind in ("lines", "rects", "curves", "images"):
                # pdfplumber's own dicts, less the marked-content keys its device adds (and a picture's
                # stream, an object of each opened document)
                left_out = ("mcid", "tag", "stream")
                expected = [{k: v for k, v in obj.items() if k not in left_out} for obj in getattr(page, kind)]
                assert [{k: v for k, v in obj.items() if k not in left_out} for obj in getattr(read, kind)] \
                    == expected


def test_a_pages_decoded_content_is_let_go_and_read_again_the_same():
    pdf_path = FIXTURES / "reportlab-borderless-300-codes-2026.pdf"
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[3]
        streams = [resolve1(ref) for ref in page.page_obj.contents]
        raw = [s.rawdata for s in streams]
        first = read_page(page).chars
        assert [(s.data, s.rawdata) for s in streams] == [(None, r) for r in raw]  # as before the page was read
        assert read_page(page).chars == first
        assert len(first) == 2165


@pytest.fixture(params=["held", "spilled", "no temporary file", "disk full"])
def held(request, monkeypatch):
    """`Rows` with every chunk in memory; with all but the first written to a temporary file (the files
    each test made are checked closed, i.e. gone, once its frames are made); with no temporary file to be
    had; and with the disk full after one chunk (those written are read back, the rest held)."""
    import errno
    import tempfile

    if request.param == "held":
        yield
        return
    monkeypatch.setattr(schemas.Rows, "HELD", 1)
    made, temporary, write = [], tempfile.TemporaryFile, schemas._Spill.write

    def temporary_file(*args, **kwargs):
        if request.param == "no temporary file":
            raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found")
        made.append(temporary(*args, **kwargs))
        return made[-1]

    def write_one(spill, chunk):
        if spill._at[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        write(spill, chunk)

    monkeypatch.setattr(schemas.tempfile, "TemporaryFile", temporary_file)
    if request.param == "disk full":
        monkeypatch.setattr(schemas._Spill, "write", write_one)
    yield
    assert all(f.closed for f in made)
    assert bool(made) == (request.param != "no temporary file")


def test_rows_make_the_frame_coerce_makes(held):
    rng = random.Random(25)
    rows = [{"page": i // 40 + 1, "line": i % 40, "text": f"line {i}", "sup_mask": " " * 6, "size": rng.random(),
             "x0": rng.random() * 600, "top": rng.random() * 800, "x1": 612.5, "bottom": -0.0, "reread": f"line {i}"}
            for i in range(2 * schemas.Rows.CHUNK + 7)]
    kept = schemas.Rows(schemas.RAW_LINES)
    for row in rows:
        kept.add(row)
    assert len(kept) == len(rows)
    frame, expected = kept.frame(), schemas.coerce(rows, schemas.RAW_LINES)
    assert frame.equals(expected)
    assert list(frame.dtypes) == list(expected.dtypes)
    assert frame.to_dict("records") == expected.to_dict("records")
    assert schemas.Rows(schemas.RAW_LINES).frame().equals(schemas.coerce([], schemas.RAW_LINES))
    # in the chunks the rows were kept in, whether held or read back
    import pyarrow

    assert [len(c) for c in pyarrow.array(frame["text"].array).chunks] == [schemas.Rows.CHUNK] * 2 + [7]


@pytest.mark.parametrize("name", ["payments", "terminology", "provenance"])
def test_rows_sorted_in_arrow_are_in_the_order_pandas_sorts_them(name, held):
    """normalize's frames are sorted by Arrow as the chunks are let go (`Rows.frame(sort_by=...)`): the
    same rows, in the order `sort_values(kind="stable")` gives, over chunks, with ties, nulls and letters
    beyond ASCII."""
    from decimal import Decimal

    from pipeline import fields as F

    rng = random.Random(24)
    words = ["ASC", "APC", "Ablation", "ablation", "Éclair", "Zebra", "zebra", "0600T", "0601T", "", "Ω", "a b"]
    schema, table = schemas.published(name), F.TABLES[name]
    rows = []
    for i in range(2 * schemas.Rows.CHUNK + 11):
        row = {"guide_year": 2025, "source_page": rng.randint(1, 9), "page": rng.randint(1, 9)}
        for column, check in schema.columns.items():
            if column in row:
                continue
            kind = str(check.dtype)
            if "decimal" in kind:
                row[column] = None if rng.random() < 0.2 else Decimal(rng.randint(0, 99999)) / 100
            elif "double" in kind:
                row[column] = rng.random() * 600
            elif "int" in kind:
                row[column] = rng.randint(1, 9)
            else:
                row[column] = None if check.nullable and rng.random() < 0.2 else rng.choice(words)
        rows.append(row)
    kept = schemas.Rows(schema)
    for row in rows:
        kept.add(row)
    expected = schemas.coerce(rows, schema).sort_values(list(table.sort_by), kind="stable").reset_index(drop=True)
    frame = kept.frame(sort_by=tuple(table.sort_by))
    assert frame.equals(expected)
    assert frame.to_dict("records") == expected.to_dict("records")
    # made in the chunks the rows were kept in, so that the sorted column reuses the memory they let go
    import pyarrow

    for column in frame.columns:
        sizes = [len(c) for c in pyarrow.array(frame[column].array).chunks]
        assert sizes == [schemas.Rows.CHUNK] * 2 + [11]


def test_rows_written_to_disk_count_against_the_memory_limit(monkeypatch):
    """Rows past the first chunks go to a temporary file, which passes for memory: past the process's
    memory limit (the build's --memory-limit) it stops with the `MemoryError` the sandbox reports as that
    limit, and the file is closed by the system."""
    monkeypatch.setattr(schemas.Rows, "HELD", 1)
    monkeypatch.setattr(schemas, "_memory_cap", lambda: 1_000_000)
    kept = schemas.Rows(schemas.RAW_LINES)
    row = {"page": 1, "line": 0, "text": "x" * 40, "sup_mask": "", "size": 7.5, "x0": 1.0, "top": 2.0, "x1": 3.0,
           "bottom": 4.0, "reread": "x" * 40}
    with pytest.raises(MemoryError, match="the limit on this process.s memory"):
        for _ in range(20 * schemas.Rows.CHUNK):
            kept.add(row)
    assert 2 * schemas.Rows.CHUNK < len(kept) < 20 * schemas.Rows.CHUNK
    monkeypatch.setattr(schemas, "_memory_cap", lambda: None)
    kept = schemas.Rows(schemas.RAW_LINES)
    for _ in range(20 * schemas.Rows.CHUNK):
        kept.add(row)
    assert len(kept.frame()) == 20 * schemas.Rows.CHUNK


def test_the_memory_cap_is_the_address_space_limit():
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    assert schemas._memory_cap() == (None if soft == resource.RLIM_INFINITY else soft)


def test_rows_take_what_arrow_will_not_as_pandas_does():
    """`Rows` makes each chunk with Arrow directly; a value Arrow will not take as it is (pandas' NA, a
    number printed as text) goes through pandas, so the frame is still the one `coerce` makes."""
    import pandas as pd

    rows = [{"page": 1, "line": 0, "text": pd.NA, "sup_mask": "", "size": "7.5", "x0": 1, "top": 2.0, "x1": 3.0,
             "bottom": 4.0, "reread": "x"}]
    kept = schemas.Rows(schemas.RAW_LINES)
    kept.add(rows[0])
    frame, expected = kept.frame(), schemas.coerce(rows, schemas.RAW_LINES)
    assert frame.equals(expected)
    assert frame["size"].tolist() == [7.5] and frame["text"].isna().tolist() == [True]


def test_records_and_tuples_are_pandas_rows_over_chunks(monkeypatch):
    """`schemas.records` and `schemas.tuples` make the raw frames' rows from whole columns, a chunk at a
    time: the same rows, values and types as pandas' `to_dict("records")` and `itertuples`."""
    from pipeline.extract import extract
    from tools.testkit.paths import SOURCE_2022

    monkeypatch.setattr(schemas, "TUPLES_CHUNK", 7)
    raw = extract(SOURCE_2022)
    for frame in (raw.cells, raw.lines):
        expected = frame.to_dict("records")
        assert schemas.records(frame) == expected
        assert [type(v) for v in schemas.records(frame)[0].values()] == [type(v) for v in expected[0].values()]
        columns = ["page", "text", "x0", "bottom"]
        assert [tuple(r) for r in schemas.tuples(frame, columns)] == \
               [tuple(r) for r in frame[columns].itertuples(index=False)]
        assert len(frame) > 7
