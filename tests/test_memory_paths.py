"""What keeps a thousand-page guide's memory flat, checked for the values it must not change (#25).

Each step here holds less at once than before; each test asserts that what it makes is what the plain
way makes: the same frames, the same boxes found, the same order, the same bytes published.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading

import pandas as pd
import pyarrow
import pytest

from pipeline import schemas
from pipeline.model import Guide, _ArrowFrame
from pipeline.publish import parquet_bytes
from pipeline.run import sandbox
from tools.testkit.paths import SOURCE_2022


def _chunked(frame: pd.DataFrame, size: int) -> pd.DataFrame:
    """`frame` with each Arrow column held in chunks of `size` rows."""
    out = {}
    for name in frame.columns:
        whole = pyarrow.chunked_array(pyarrow.array(frame[name].array)).combine_chunks()
        out[name] = pd.array(pyarrow.chunked_array([whole[at:at + size] for at in range(0, len(whole), size)],
                                                   type=whole.type), dtype=frame[name].dtype)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _chunks(frame: pd.DataFrame) -> list[int]:
    return [pyarrow.chunked_array(pyarrow.array(frame[c].array)).num_chunks for c in frame.columns]


@pytest.fixture(scope="module")
def raw_2022():
    from pipeline.extract import extract

    return extract(SOURCE_2022)


def test_a_guide_comes_back_from_its_child_whole_through_a_pipe(guide_2022):
    """`sandbox._send_result` sends a guide's Arrow buffers out of band, in their chunks (`Guide` pickles its
    frames as `_ArrowFrame`s, not as pandas joins them); what arrives is the same guide."""
    tables = {name: _chunked(frame, 3) for name, frame in guide_2022.tables.items()}
    guide = Guide(**{**guide_2022.__dict__, "tables": tables})
    receiving, sending = multiprocessing.Pipe(duplex=False)
    thread = threading.Thread(target=sandbox._send_result, args=(sending, ("ok", (guide, None), 12.5)))
    thread.start()
    kind, buffers = receiving.recv()
    kind, (back, password), peak = sandbox._receive_result(receiving, buffers)
    thread.join()
    assert (kind, password, peak) == ("ok", None, 12.5) and buffers > 0
    for name, frame in guide.tables.items():
        pd.testing.assert_frame_equal(back.tables[name], frame, check_exact=True)
        assert list(back.tables[name].dtypes) == list(frame.dtypes)
        assert _chunks(back.tables[name]) == _chunks(frame), name  # not joined on the way
    assert back.used == guide.used and back.sections == guide.sections and back.layout == guide.layout
    # and with a plain pickle (protocol 4: buffers in band), as before
    again = pickle.loads(pickle.dumps(guide, protocol=4))
    pd.testing.assert_frame_equal(again.tables["provenance"], guide.tables["provenance"], check_exact=True)


def test_a_frame_that_is_not_plain_arrow_is_pickled_as_pandas_pickles_it():
    frame = pd.DataFrame({"a": [1, 2]}, index=[5, 6])
    assert _ArrowFrame.of(frame) is frame
    arrow = pd.DataFrame({"a": pd.array([1, None], dtype=pd.ArrowDtype(pyarrow.int16()))})
    assert isinstance(_ArrowFrame.of(arrow), _ArrowFrame)
    pd.testing.assert_frame_equal(_ArrowFrame.of(arrow).frame(), arrow)


def test_whole_columns_publish_the_bytes_a_frame_of_whole_columns_publishes(guide_2022):
    """How Parquet lays out a column can depend on the chunks it is given: the build makes each column of
    the published frames one array (`schemas.whole_columns`), as pandas' pickling always did, so a table
    is published the same byte for byte however its rows were collected."""
    for name, frame in guide_2022.tables.items():
        chunked = _chunked(frame, 7)
        schemas.whole_columns(chunked)
        assert set(_chunks(chunked)) <= {1}, name
        pd.testing.assert_frame_equal(chunked, frame, check_exact=True)
        assert parquet_bytes(name, chunked) == parquet_bytes(name, _chunked(frame, len(frame) or 1)), name


def test_a_column_past_its_dictionary_page_is_published_as_from_whole_columns():
    """Past a dictionary page (a megabyte of distinct values), Parquet falls back to plain encoding at a point
    that depends on the chunks it is given: a table of whole columns and the same in chunks of `Rows.CHUNK`
    rows are different bytes. Made whole (`schemas.whole_columns`), the chunked one is published as the
    whole one, as the build always published it."""
    rows = [{"guide_year": 2022, "dataset": "codes", "key": f"{i:06d}", "field": "descriptor", "page": 1 + i // 60,
             "x0": 1.0, "top": 2.0, "x1": 3.0, "bottom": 4.0, "raw_text": f"descriptor number {i} of many"}
            for i in range(60000)]
    frame = schemas.coerce(rows, schemas.published("provenance"))
    chunked = _chunked(frame, schemas.Rows.CHUNK)
    whole = parquet_bytes("provenance", frame)
    assert parquet_bytes("provenance", chunked) != whole
    schemas.whole_columns(chunked)
    assert parquet_bytes("provenance", chunked) == whole


def test_rows_in_order_are_shown_in_order_as_arrow_sorts_them():
    col = lambda values, t=pyarrow.string(): pyarrow.chunked_array([values[:2], values[2:]], type=t)  # noqa: E731
    assert schemas.in_order([col(["a", "a", "b", "c"])]) is True
    assert schemas.in_order([col(["a", "a", "b", "c"])], strict=True) is False
    assert schemas.in_order([col(["a", "a", "b"]), col(["x", "y", "a"])], strict=True) is True
    assert schemas.in_order([col(["a", "a", "b"]), col(["y", "x", "a"])]) is False
    assert schemas.in_order([col(["B", "a", "é"])]) is True  # by code point, as Arrow sorts strings
    assert schemas.in_order([col(["a", None, "b"])]) is None  # where a null sorts: Arrow's sort decides
    assert schemas.in_order([col([1.0, float("nan"), 2.0], pyarrow.float64())]) is None
    assert schemas.in_order([col(["only"])]) is True and schemas.in_order([]) is True


def test_a_table_out_of_order_is_still_refused_by_publish(guide_2022):
    from pipeline import fields as F
    from pipeline.publish import _parquet, arrow_table

    frame = guide_2022.tables["provenance"]
    backwards = frame.iloc[::-1].reset_index(drop=True)
    with pytest.raises(AssertionError, match="provenance rows are not sorted"):
        _parquet(F.TABLES["provenance"], arrow_table("provenance", backwards))


def test_the_boxes_of_a_frame_are_found_at_once_as_one_at_a_time(raw_2022, guide_2022):
    """`_UsedAt.positions` (a frame's boxes found a chunk of rows at a time in one sorted array) finds each
    row's box where `get` finds it, and nothing where it finds nothing."""
    from pipeline import validate as V

    at = V._UsedAt(guide_2022.used)
    for frame in (raw_2022.cells, raw_2022.lines):
        rows = list(schemas.tuples(frame, ["page", "x0", "top", "x1", "bottom"]))
        found = list(at.positions(frame))
        expected = [at.get(V._key(*row)) for row in rows]
        assert [guide_2022.used[i] if i >= 0 else None for i in found] == expected
        assert any(i >= 0 for i in found)
    assert at.get((99, 1.0, 2.0, 3.0, 4.0)) is None and (99, 1.0, 2.0, 3.0, 4.0) not in at


def test_a_mask_with_nothing_raised_is_kept_empty(raw_2022):
    """The raw frames keep a superscript mask only where something is raised (`extract._kept_mask`)."""
    for frame in (raw_2022.cells, raw_2022.lines):
        masks = schemas.pylist(frame["sup_mask"])
        assert all(mask == "" or "^" in mask for mask in masks)
    assert any("^" in mask for mask in schemas.pylist(raw_2022.cells["sup_mask"]))  # the 2022 guide's marks


def test_reading_then_the_guide_is_normalize(raw_2022, guide_2022):
    """`normalize.read` then `Reading.guide` is `normalize`; the boxes read from are there before the frames
    are made, for the checks that run between (`build.checked`), and they count what a guide's checks count."""
    from pipeline.normalize import normalize, read
    from pipeline.run.build import checked

    reading = read(raw_2022)
    assert reading.guide_year == 2022 and reading.used == guide_2022.used
    counts = checked(raw_2022, reading)
    assert counts == {"hidden": guide_2022.hidden, "unmapped": guide_2022.unmapped,
                      "differing": guide_2022.differing}
    guide, plain = reading.guide(), normalize(raw_2022)
    for name in plain.tables:
        pd.testing.assert_frame_equal(guide.tables[name], plain.tables[name], check_exact=True)
        pd.testing.assert_frame_equal(guide.tables[name], guide_2022.tables[name], check_exact=True)
    assert (guide.sections, guide.layout, guide.footnotes) == (plain.sections, plain.layout, plain.footnotes)


def test_an_answer_cut_off_part_way_reads_as_the_child_dying():
    """A child that dies after announcing its answer, before all its buffers came, is an EOFError to the
    parent (`sandbox._collect` reports it as the parsing process dying), not a half-made guide."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    sending.send((sandbox._RESULT, 2))
    sending.send_bytes(b"not the whole answer")
    sending.close()
    kind, buffers = receiving.recv()
    assert (kind, buffers) == (sandbox._RESULT, 2)
    with pytest.raises(EOFError):
        sandbox._receive_result(receiving, buffers)
