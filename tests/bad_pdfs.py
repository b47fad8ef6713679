"""Generated bad sources: each function writes one small real file that is wrong in one way.

What users drop into sources/ besides the guide: a login page saved as .pdf, a
half-finished download, a scan, an encrypted file, another document; and what
a hostile or broken PDF does to the parser: a cross-reference loop, a
decompression bomb, a page too heavy to lay out. Hand-made PDFs are written
object by object with a correct cross-reference table, so each carries exactly
the one defect it is named for.
"""

from __future__ import annotations

import shutil
import zlib
from dataclasses import replace
from pathlib import Path

from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tools.testkit.paths import SOURCE_2022
from tools.testkit.renderer import render
from tools.testkit.guide_2022 import GUIDE_2022

MIB = 1 << 20


def pdf_bytes(objects: list[bytes], trailer: bytes = b"", *, loop_xref: bool = False) -> bytes:
    """A PDF of `objects` (object 1 is the catalog) with a correct cross-reference table.

    `loop_xref` points the trailer's /Prev at its own cross-reference table,
    a loop a reader following the chain of updates never leaves.
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    prev = b" /Prev %d" % xref if loop_xref else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, prev, trailer, xref)
    return bytes(out)


def _page_objects(content: bytes, filters: bytes = b"") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(content), filters, content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def write(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- not a readable PDF

def html_page(path: Path) -> Path:
    """A sign-in page a browser saved under the PDF's name."""
    return write(path, b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n"
                       b"<body><form action=\"/login\">Please sign in to download the guide.</form></body></html>\n")


def empty(path: Path) -> Path:
    return write(path, b"")


def truncated(path: Path) -> Path:
    """The first half of the 2022 guide: an interrupted download."""
    data = SOURCE_2022.read_bytes()
    return write(path, data[: len(data) // 2])


def zero_pages(path: Path) -> Path:
    """A well-formed PDF whose page tree is empty."""
    return write(path, pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]))


def blank_page(path: Path) -> Path:
    """One page with nothing on it: no text and no picture."""
    return write(path, pdf_bytes(_page_objects(b"")))


def xref_loop(path: Path) -> Path:
    """A one-page PDF whose cross-reference chain points back at itself."""
    return write(path, pdf_bytes(_page_objects(b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET"), loop_xref=True))


def image_only_scan(path: Path) -> Path:
    """A page that is one picture of text, with no text layer: what a scanner makes."""
    picture = Image.new("L", (200, 100), 255)
    for x in range(20, 180, 6):  # dark strokes where the "words" are
        for y in range(30, 70):
            picture.putpixel((x, y), 0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    page.drawImage(ImageReader(picture), 72, 500, width=400, height=200)
    page.showPage()
    page.save()
    return path


# ---------------------------------------------------------------- hostile to the parser

def flate_bomb(path: Path, mib: int) -> Path:
    """A page whose content stream is Flate-compressed twice and inflates to `mib` MiB of spaces.

    Written from one compressed MiB repeated: after a full flush a deflate
    block does not depend on what came before, so the stream is the same
    block `mib` times and the file stays a few KB.
    """
    chunk = b" " * MIB
    deflate = zlib.compressobj(9)
    header = (deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH))[:2]
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(mib):
        adler = zlib.adler32(chunk, adler)
    inner = header + block * mib + b"\x03\x00" + adler.to_bytes(4, "big")  # empty final block, checksum
    content = zlib.compress(inner, 9)
    return write(path, pdf_bytes(_page_objects(content, b" /Filter [/FlateDecode /FlateDecode]")))


def heavy_page(path: Path, grid: int = 140) -> Path:
    """Page 1 a guide's words; page 2 a ruled grid of grid x grid cells, which takes pdfplumber many seconds.

    Page 1 prints what the first look seeks ("CPT", a code, Medicare payment wording), so the pages are read.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    doc.drawString(72, 720, "CPT code 0600T: Medicare 2022 National Average Payment.")
    doc.showPage()
    for i in range(grid + 1):
        doc.line(20 + 4 * i, 20, 20 + 4 * i, 20 + 4 * grid)
        doc.line(20, 20 + 4 * i, 20 + 4 * grid, 20 + 4 * i)
    doc.showPage()
    doc.save()
    return path


# ---------------------------------------------------------------- readable, but not (this) guide

def other_document(path: Path) -> Path:
    """A readable PDF with a ruled table that is not a reimbursement guide."""
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [["State", "Permit", "Handgun", "Long gun"], ["Alabama", "2", "6", "7"], ["Alaska", "0", "3", "4"]]
    table = Table(rows)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    SimpleDocTemplate(str(path), pagesize=letter, invariant=1).build([table])
    return path


def guide_words_without_table(path: Path) -> Path:
    """A page that speaks of CPT codes and Medicare payments, as a guide does, but holds no payment table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    for i, line in enumerate(["Coding notes for irreversible electroporation",
                              "The CPT codes 0600T and 0601T report percutaneous and open IRE.",
                              "Medicare 2022 National Average Payment amounts are in the guide itself."]):
        doc.drawString(72, 720 - 18 * i, line)
    doc.showPage()
    doc.save()
    return path


def guide_2022(path: Path, **options) -> Path:
    """The 2022 guide itself, rendered (with `render`'s options, such as passwords) or copied."""
    if options:
        return render(GUIDE_2022, path, **options)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(SOURCE_2022, path))


def code_printed_twice(path: Path) -> Path:
    """The 2022 guide with its first code's row printed a second time: readable, but not valid."""
    return render(replace(GUIDE_2022, codes=GUIDE_2022.codes + GUIDE_2022.codes[:1]), path)
