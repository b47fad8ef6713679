"""Extract: the only stage that opens a PDF.

PDF -> `RawGuide`: two frames of text exactly as printed, nothing parsed yet.

* `cells`: every cell of every table found on every page, with its position in
  the table's grid (row, col and spans, so merged cells stay merged), its text
  (lines joined by "\\n") and its box in PDF points.
* `lines`: every line of text outside the tables on every page, for facts
  printed around them (the guide's year, effective date, title and document number).

Superscripts are kept, not guessed at: each text comes with `sup_mask`, a string
as long as the text holding "^" under each character that was printed smaller
and raised, and " " elsewhere. Normalize decides what a footnote mark means.

Tables are found from their ruling lines (pdfplumber's "lines" strategy). Which
table is which is decided by normalize, from what the header cells say.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect

from pipeline import schemas
from pipeline.errors import DamagedPdf, NotAPdf, NoTextLayer, PasswordRequired

#: A char counts as a superscript when printed this much smaller than the
#: line's main text and raised above its baseline.
SUPERSCRIPT_SIZE_RATIO = 0.85
#: Gap between two chars, as a share of font size, that reads as a space.
SPACE_GAP_RATIO = 0.2


@dataclass(frozen=True)
class RawGuide:
    """What the PDF says, as printed: the extract stage's whole output."""

    source_name: str
    sha256: str
    page_count: int
    cells: pd.DataFrame
    lines: pd.DataFrame


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract(path: Path, password: str | None = None, on_page=None) -> RawGuide:
    """Read every page of the PDF at `path` into raw cell and line frames.

    `on_page(done, total)` is called after each page, for progress display.
    Raises a `GuideError` subclass for files that are not readable guides.
    """
    path = Path(path)
    _check_is_pdf(path)
    cell_rows: list[dict] = []
    line_rows: list[dict] = []
    table_id = 0
    with _open(path, password) as pdf:
        page_count = len(pdf.pages)
        if page_count == 0:
            raise DamagedPdf("the PDF has no pages (damaged cross-reference table, or an empty document)")
        chars_seen = 0
        for number, page in enumerate(pdf.pages, start=1):
            chars = [c for c in page.chars if c["text"] is not None]
            chars_seen += sum(1 for c in chars if not c["text"].isspace())
            boxes = []
            for table in page.find_tables():
                cell_rows += _table_cells(number, table_id, table.cells, chars)
                boxes.append(table.bbox)
                table_id += 1
            line_rows += _page_lines(number, [c for c in chars if not _inside_any(c, boxes)])
            page.close()
            if on_page:
                on_page(number, page_count)
        if chars_seen == 0:
            raise NoTextLayer(f"none of its {page_count} page(s) has a text layer "
                              "(an image-only scan?); no OCR is attempted")
    return RawGuide(
        source_name=path.name,
        sha256=sha256_of(path),
        page_count=page_count,
        cells=schemas.RAW_CELLS.validate(schemas.coerce(cell_rows, schemas.RAW_CELLS)),
        lines=schemas.RAW_LINES.validate(schemas.coerce(line_rows, schemas.RAW_LINES)),
    )


def _check_is_pdf(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not head:
        raise NotAPdf("the file is empty (0 bytes)")
    if b"%PDF-" not in head:
        sniff = head.lstrip()[:15].lower()
        kind = "an HTML page" if sniff.startswith((b"<!doctype", b"<html", b"<?xml")) else "not a PDF"
        raise NotAPdf(f"{kind}, not a PDF (no %PDF- header in its first 1024 bytes)")


def _open(path: Path, password: str | None):
    try:
        return pdfplumber.open(path, password=password or "")
    except Exception as exc:  # pdfplumber wraps most, not all, parser errors
        cause = exc.__cause__ or exc
        if isinstance(cause, PDFPasswordIncorrect) or isinstance(exc, PDFPasswordIncorrect):
            if password:
                raise PasswordRequired("the password given does not open this PDF") from exc
            raise PasswordRequired("the PDF needs a password to open (give it with --password)") from exc
        detail = str(cause) or type(cause).__name__
        raise DamagedPdf(f"the PDF is damaged or truncated and cannot be read ({detail})") from exc


# ---------------------------------------------------------------- text layout

def _group_lines(chars: list[dict]) -> list[list[dict]]:
    """Group chars into lines of text, top to bottom, each sorted left to right.

    Two chars share a line when their vertical extents overlap by a good part of
    the smaller one, which keeps a raised superscript on its word's line.
    """
    glyphs = sorted((c for c in chars if not c["text"].isspace()), key=lambda c: (c["top"], c["x0"]))
    lines: list[list] = []  # [top, bottom, chars]
    for c in glyphs:
        height = c["bottom"] - c["top"]
        placed = False
        for line in reversed(lines[-3:]):
            overlap = min(line[1], c["bottom"]) - max(line[0], c["top"])
            if overlap > 0.3 * min(height, line[1] - line[0]):
                line[0], line[1] = min(line[0], c["top"]), max(line[1], c["bottom"])
                line[2].append(c)
                placed = True
                break
        if not placed:
            lines.append([c["top"], c["bottom"], [c]])
    lines.sort(key=lambda line: line[0])
    return [sorted(line[2], key=lambda c: c["x0"]) for line in lines]


def _line_text(line: list[dict]) -> tuple[str, str]:
    """Text of one line and its superscript mask ("^" under raised small chars)."""
    main_size = max(c["size"] for c in line)
    baseline = max(c["bottom"] for c in line if c["size"] == main_size)
    text, mask = [], []
    prev = None
    for c in line:
        if prev is not None and c["x0"] - prev["x1"] > SPACE_GAP_RATIO * min(c["size"], prev["size"]):
            text.append(" ")
            mask.append(" ")
        sup = c["size"] < SUPERSCRIPT_SIZE_RATIO * main_size and c["bottom"] < baseline - 0.5
        text.append(c["text"])
        mask.append("^" * len(c["text"]) if sup else " " * len(c["text"]))
        prev = c
    return "".join(text), "".join(mask)


def _text_block(chars: list[dict]) -> tuple[str, str]:
    lines = [_line_text(line) for line in _group_lines(chars)]
    return "\n".join(t for t, _ in lines), "\n".join(m for _, m in lines)


def _inside_any(ch: dict, boxes: list[tuple]) -> bool:
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _page_lines(page: int, chars: list[dict]) -> list[dict]:
    rows = []
    for i, line in enumerate(_group_lines(chars)):
        text, mask = _line_text(line)
        rows.append({
            "page": page, "line": i, "text": text, "sup_mask": mask,
            "size": max(c["size"] for c in line),
            "x0": min(c["x0"] for c in line), "top": min(c["top"] for c in line),
            "x1": max(c["x1"] for c in line), "bottom": max(c["bottom"] for c in line),
        })
    return rows


# ---------------------------------------------------------------- tables

def _edges(values) -> list[float]:
    """Distinct grid edges, merging coordinates closer than a point."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > 1.0:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    """Index of the grid edge nearest to `v`."""
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def _table_cells(page: int, table: int, boxes: list[tuple], chars: list[dict]) -> list[dict]:
    """One row per cell box: grid position and spans, text and superscript mask.

    pdfplumber reports a merged cell as one box covering several grid columns
    or rows; the spans are recovered from the distinct edges of all boxes.
    """
    xs = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    placed = []
    owner: dict[tuple[int, int], int] = {}
    for k, (x0, top, x1, bottom) in enumerate(boxes):
        c0, c1, r0, r1 = _index(xs, x0), _index(xs, x1), _index(ys, top), _index(ys, bottom)
        placed.append((r0, c0, r1 - r0, c1 - c0))
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner[(r, c)] = k
    inside: dict[int, list[dict]] = {k: [] for k in range(len(boxes))}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        c, r = bisect_right(xs, cx) - 1, bisect_right(ys, cy) - 1
        k = owner.get((r, c))
        if k is not None:
            inside[k].append(ch)
    rows = []
    for k, (x0, top, x1, bottom) in enumerate(boxes):
        r0, c0, rs, cs = placed[k]
        text, mask = _text_block(inside[k])
        rows.append({
            "page": page, "table": table, "row": r0, "col": c0, "row_span": rs, "col_span": cs,
            "text": text, "sup_mask": mask, "x0": x0, "top": top, "x1": x1, "bottom": bottom,
        })
    rows.sort(key=lambda r: (r["row"], r["col"]))
    return rows
