"""Extract: the only stage that opens a PDF.

PDF -> `RawGuide`: two frames of text exactly as printed, nothing parsed yet.

* `cells`: every cell of every table found on every page, with its position in
  the table's grid (row, col and spans, so merged cells stay merged), its text
  (lines joined by "\\n") and its box in PDF points.
* `lines`: every line of text outside the tables on every page, for facts
  printed around them (the guide's year, effective date, title and document number).

Only what a viewer paints is read (`pipeline.extract.visible`): a char that is
invisible, too small to see, clipped away, covered, outside the page or the
colour of what lies under it is dropped before any table or line is built, and
each run of such text is kept in `hidden` with its reason. A glyph whose font
gives no Unicode for it is read as U+FFFD (`pipeline.text.UNMAPPED`) and each
run of them is kept in `unmapped` with its font: whether it matters is decided
where it is known what was read from where (normalize, validate). Every cell and
line is read a second time from its box by PDFium (`pipeline.extract.reread`),
into `reread`.

Superscripts are kept, not guessed at: each text comes with `sup_mask`, a string
holding "^" under each character that was printed smaller and raised, and " "
elsewhere, up to the text's length; empty when nothing in the text is raised (its
readers pad it with spaces, `str.ljust`). Normalize decides what a footnote mark means.

Tables are found by `pipeline.extract.page`: ruled grids from their ruling lines
(pdfplumber's explicit strategy, fed only with real rules, not shading), and
tables without rules from their header wordings and the whitespace between
columns, continued across page breaks. Which table is which is decided by
normalize, from what the header cells say.
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect

from pipeline import schemas
from pipeline.model import RawGuide, Stop
from pipeline.digest import sha256_file as sha256_of
from pipeline.extract import visible
from pipeline.extract.first_look import first_look
from pipeline.extract.lines import line_row, page_lines
from pipeline.extract.page import page_tables
from pipeline.extract.parse import NO_UNICODE, read_page
from pipeline.extract.reread import read_again
from pipeline.extract.tables import ruled
from pipeline.extract.tables.open_table import OpenTable
from pipeline.errors import (DamagedPdf, NoTextLayer, ParseLimitExceeded, PasswordRequired, ScannedUnderOcr,
                             exception_chain, from_parser)
from pipeline.filetype import check_is_pdf as _check_is_pdf
from pipeline.text import UNMAPPED, squash

#: Largest page picture `page_images` makes: 40 million pixels (120 MB as RGB), a
#: 36 x 48 inch poster at 144 pixels per inch. A few KB of PDF can declare a
#: 200-inch page, whose picture would take gigabytes; it is refused before rendering.
MAX_PIXELS = 40_000_000

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")


def extract(path: Path, password: str | None = None, on_page=None) -> RawGuide:
    """Read every page of the PDF at `path` into raw cell and line frames.

    `on_page(done, total)` is called after each page, for progress display.
    Raises a `GuideError` subclass for files that are not readable guides.
    """
    path = Path(path)
    _check_is_pdf(path)
    read = _Read()
    with _open(path, password) as pdf, _young_collections_only():
        page_count = len(pdf.pages)
        if page_count == 0:
            raise DamagedPdf("the PDF has no pages (damaged cross-reference table, or an empty document)")
        document = _open_pdfium(path, password)
        try:
            first_look(document, pdf.pages)  # a PDF that is no guide is refused before any page is read
            for number, page in enumerate(pdf.pages, start=1):
                _read_page(read, document, number, page)
                page.close()
                gc.collect(1)
                if on_page:
                    on_page(number, page_count)
        finally:
            document.close()
        if read.chars_seen == 0:
            _no_text(pdf, page_count)
    return RawGuide(
        source_name=path.name,
        sha256=sha256_of(path),
        page_count=page_count,
        cells=schemas.RAW_CELLS.validate(read.cells.frame()),
        lines=schemas.RAW_LINES.validate(read.lines.frame()),
        hidden=schemas.RAW_HIDDEN.validate(read.hidden.frame()),
        stops=tuple(read.stops),
        unmapped=schemas.RAW_UNMAPPED.validate(schemas.coerce(read.unmapped, schemas.RAW_UNMAPPED)),
    )


def _kept_mask(row: dict) -> str:
    """A row's superscript mask as the raw frames keep it: empty when nothing in its text is raised (most
    cells: their masks of spaces were a fifth of a thousand-page guide's cells). Every reader of a mask
    pads it with spaces to its text's length."""
    mask = row["sup_mask"]
    return mask if "^" in mask else ""


@dataclass
class _Read:
    """What the pages read so far hold: the rows of the raw frames, and what goes on to the next page.

    Nothing of a page but its rows outlives it (its chars go with it), and the
    rows are kept compact (`schemas.Rows`), so memory does not grow with the
    length of the guide beyond the data itself.
    """

    cells: schemas.Rows = field(default_factory=lambda: schemas.Rows(schemas.RAW_CELLS))
    lines: schemas.Rows = field(default_factory=lambda: schemas.Rows(schemas.RAW_LINES))
    hidden: schemas.Rows = field(default_factory=lambda: schemas.Rows(schemas.RAW_HIDDEN))
    unmapped: list[dict] = field(default_factory=list)
    #: Stops that hold if normalize reads the table each names (by table id).
    stops: list[Stop] = field(default_factory=list)
    tables: int = 0
    chars_seen: int = 0
    #: A table left open at the foot of the last page.
    carry: OpenTable | None = None


def _read_page(read: _Read, document, number: int, page) -> None:
    """One page: what a viewer paints of it, its tables and lines, each box read a second time."""
    printed = read_page(page)
    chars = printed.chars
    read.chars_seen += printed.glyphs
    with visible.PageSight(document, number, page) as sight:
        chars, hidden = sight.split(chars)
        if hidden and sight.scanned_under_ocr(chars, hidden):
            raise ScannedUnderOcr("the page is a scanned picture under a layer of invisible text "
                                  "(OCR); only text printed as text is read, and no OCR is trusted", page=number)
        chars, unmapped = _check_readable(number, chars) if printed.unmapped else (chars, [])
        for run in unmapped:
            run["reread"] = sight.read((run["x0"], run["top"], run["x1"], run["bottom"]))
        found = page_tables(number, chars, _ruled_tables(page, printed), ruled.band_edges(printed.lines, printed.rects),
                            page.height, read.carry, ruled.fill_boxes(printed.rects))
        read.stops += [replace(stop, table=read.tables + stop.table) for stop in found.stops]
        for cells in found.tables:
            read_again(sight, cells)
            for cell in cells:
                read.cells.add({"page": number, "table": read.tables, **cell, "sup_mask": _kept_mask(cell)})
            read.tables += 1
        read_again(sight, found.lines, lines=True)
    for line in found.lines:
        read.lines.add({"page": number, **line, "sup_mask": _kept_mask(line)})
    for run in _hidden_runs(number, hidden):
        read.hidden.add(run)
    read.unmapped += unmapped
    read.carry = found.carry


def _no_text(pdf, page_count: int) -> None:
    """Zero characters is a failure, never an empty guide.

    Pictures without text are a scan; a PDF with neither has lost its content
    (a broken cross-reference table reads as blank pages without any error).
    """
    if any(page.images for page in pdf.pages):
        raise NoTextLayer(f"none of its {page_count} page(s) has a text layer "
                          "(an image-only scan?); no OCR is attempted")
    raise DamagedPdf(f"none of its {page_count} page(s) has any text or picture: "
                     "the file is damaged or blank")


def _open_pdfium(path: Path, password: str | None):
    """The same PDF opened by PDFium, for what a viewer paints and the second reading."""
    try:
        return visible.open_document(path, password)
    except Exception as exc:  # pdfium.PdfiumError, for a file pdfminer could open
        raise DamagedPdf(f"the PDF is damaged: PDFium, the second reader, cannot open it ({exc})") from exc


def _check_readable(number: int, chars: list[dict]) -> tuple[list[dict], list[dict]]:
    """The page's chars with each glyph its font gives no Unicode for read as U+FFFD, and their runs.

    Such a glyph's character cannot be known. It is kept, as one U+FFFD, so that lines and cells
    keep their shape, and its run (one per printed line and font) is kept with its font and box:
    it stops the build only where it is part of a published value, a document fact or a reading
    cue (`pipeline.validate.check_readable`, and normalize where it cannot read a cue); anywhere
    else it is counted.
    """
    out, unmapped = [], {}
    for c in chars:
        if NO_UNICODE.match(c["text"]) or c["text"] == UNMAPPED:
            c = {**c, "text": UNMAPPED}
            font = _SUBSET_TAG.sub("", str(c.get("fontname") or "(unnamed)"))
            unmapped.setdefault(font, []).append(c)
        out.append(c)
    runs = []
    for font, glyphs in unmapped.items():
        for line in page_lines(glyphs):
            row = line_row(0, line)
            runs.append({"page": number, "font": font, "chars": len(line),
                         "x0": row["x0"], "top": row["top"], "x1": row["x1"], "bottom": row["bottom"]})
    return out, runs


def _hidden_runs(number: int, hidden: list[tuple[dict, str, bool]]) -> list[dict]:
    """Hidden chars as runs of text, one per printed line and reason; a run is a `duplicate` when every
    char of it lies on a painted char of the same text (text printed twice, once hidden)."""
    out = []
    doubles = {id(c) for c, _, d in hidden if d}
    for reason in visible.REASONS:
        chars = [c for c, r, _ in hidden if r == reason]
        lines = _flat_lines(chars) if reason == "too_small" else page_lines(
            [c for c in chars if not c["text"].isspace()])
        for line in lines:
            glyphs = [c for c in line if not c["text"].isspace()]
            if not glyphs:
                continue
            row = line_row(0, glyphs)
            text = squash("".join(c["text"] for c in line)) if reason == "too_small" else row["text"]
            out.append({"page": number, "reason": reason, "text": text, "chars": len(glyphs),
                        "x0": row["x0"], "top": row["top"], "x1": row["x1"], "bottom": row["bottom"],
                        "duplicate": all(id(c) in doubles for c in glyphs)})
    return out


def _flat_lines(chars: list[dict]) -> list[list[dict]]:
    """Text too small to see, as lines: by baseline, each in the order it was shown, a space where one
    run of it stops and the next starts elsewhere (its glyphs may all lie on one point, so neither their
    heights nor the gaps between them say where lines and words end)."""
    lines: dict[float, list[dict]] = {}
    for c in chars:
        lines.setdefault(round(c["matrix"][5], 1), []).append(c)
    out = []
    for _, line in sorted(lines.items(), key=lambda item: -item[0]):
        shown = [line[0]]
        for before, c in zip(line, line[1:]):
            if abs(c["x0"] - before["x1"]) > visible.MIN_SIZE:
                shown.append({**c, "text": " "})
            shown.append(c)
        out.append(shown)
    return out


@contextmanager
def _young_collections_only():
    """Collect only young objects while pages are read, the whole heap once after.

    The cells and lines kept from every page are long-lived; with the default
    collector each full collection walks all of them again, so the cost of a
    page grew with the pages before it (17% of extract time at 150 pages).
    Collecting generations 0 and 1 after each page still frees the parser's
    short-lived cycles, at a cost that does not grow with the document.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _open(path: Path, password: str | None):
    try:
        return pdfplumber.open(path, password=password or "")
    except Exception as exc:  # pdfplumber wraps most, not all, parser errors
        if any(isinstance(e, PDFPasswordIncorrect) for e in exception_chain(exc)):
            if password:
                raise PasswordRequired("the password given does not open this PDF") from exc
            raise PasswordRequired("the PDF needs a password to open (give it with --password)") from exc
        error = from_parser(exc)
        if isinstance(error, MemoryError):
            raise  # the sandbox reports it against the memory limit
        raise error from exc


# ---------------------------------------------------------------- tables

def _ruled_tables(page, printed) -> list[list[tuple]]:
    """Cell boxes of each table pdfplumber builds from the page's ruling lines.

    The "explicit" strategy fed with `ruled.rule_edges` is the "lines" strategy
    without shading: a filled band behind a row is not a cell border.
    """
    vertical, horizontal = ruled.rule_edges(printed.lines, printed.rects, printed.curves)
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal}
    return [table.cells for table in page.find_tables(settings)]


# ---------------------------------------------------------------- page pictures

def page_images(path: Path, pages, resolution: float, password: str | None = None) -> dict:
    """Pictures of `pages` (1-based) of the PDF at `path`, for the inspect report.

    Each is a PIL RGB image of the whole page at `resolution` pixels per inch,
    so a box in PDF points maps to pixels by multiplying by resolution / 72.
    Rendered with pdfplumber's `page.to_image` (pypdfium2), anti-aliased for reading.
    A page whose picture would pass `MAX_PIXELS` raises `ParseLimitExceeded` before it is rendered.
    """
    path = Path(path)
    _check_is_pdf(path)
    out = {}
    with _open(path, password) as pdf:
        for number in sorted(set(int(p) for p in pages)):
            if not 1 <= number <= len(pdf.pages):
                raise DamagedPdf(f"asked for page {number} but the PDF has {len(pdf.pages)} page(s)")
            page = pdf.pages[number - 1]
            _check_pixels(number, page.width, page.height, resolution)
            out[number] = page.to_image(resolution=resolution, antialias=True).original
            page.close()
    return out


def _check_pixels(number: int, width_pt: float, height_pt: float, resolution: float) -> None:
    """Refuse a page whose picture at `resolution` would pass `MAX_PIXELS`."""
    pixels = (width_pt * resolution / 72) * (height_pt * resolution / 72)
    if pixels > MAX_PIXELS:
        raise ParseLimitExceeded(
            f"page {number} is {width_pt / 72:.4g} x {height_pt / 72:.4g} inches: its picture at "
            f"{resolution:g} pixels per inch would be {pixels / 1e6:,.0f} million pixels, more than the "
            f"{MAX_PIXELS / 1e6:,.0f} million a report picture may have")
