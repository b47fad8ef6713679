"""Parse: one page as pdfminer reads it (the first reading), building only what extract uses.

Part of the extract stage: `extract` calls `read_page` for each page. pdfminer's
interpreter runs the page's content stream as it does under pdfplumber, but
into a device of our own (`_Device`), so that each char becomes, as it is
drawn, a small dict of the keys the pipeline reads (`CHAR_KEYS`) with exactly
the values pdfplumber gives them: its `page.chars` builds some thirty keys per
char (colours, colour spaces, marked content, ...) that nothing here reads,
which cost about as much as the parse itself. The rules and shapes (lines,
rectangles, curves, pictures: a few per page) are still handed to pdfplumber's
own `process_object`, so the edges its table finder gets are its own.

No char dict outlives its page: extract keeps only the cells and lines made of
them.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from pdfminer.converter import PDFLayoutAnalyzer
from pdfminer.layout import LTChar
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdftypes import PDFStream, resolve1
from pdfplumber.page import fix_fontname_bytes
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.text import UNMAPPED

#: What the pipeline reads of a char, with pdfplumber's meaning: its text, its box in
#: pdfplumber's page coordinates (top measured down from the top of the page), its font
#: size, its text matrix (whose last two terms are the glyph's origin, matched against
#: PDFium's in `pipeline.extract.visible`) and its font's name.
CHAR_KEYS = ("text", "x0", "x1", "top", "bottom", "size", "matrix", "fontname")

#: pdfminer's text for a glyph its font gives no Unicode for.
NO_UNICODE = re.compile(r"^\(cid:\d+\)$")


@dataclass
class PageObjects:
    """What one page prints: its chars (dicts of `CHAR_KEYS`) and pdfplumber's dicts of its shapes."""

    chars: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    rects: list[dict] = field(default_factory=list)
    curves: list[dict] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    #: How many of its chars print something (not white space), and how many its font gives no Unicode
    #: for (counted as drawn, once per glyph of a font: extract need not pass over the chars for either).
    glyphs: int = 0
    unmapped: int = 0


@contextmanager
def _content_let_go(page_obj):
    """Let go of the page's decoded content stream once the page is read.

    pdfminer decodes a content stream on first use and keeps the decoded bytes
    (several times the compressed size) in its object cache for the life of the
    document: some 15 KB a page, read once. After the page, each of its
    content streams is put back as it was before, compressed and not yet
    decoded, so a second reading of the page (`page.images`) decodes it again.
    """
    streams = []
    try:
        for ref in page_obj.contents:
            stream = resolve1(ref)
            if isinstance(stream, PDFStream) and stream.data is None and stream.rawdata is not None:
                streams.append((stream, stream.rawdata))
    except Exception:  # a broken reference: the interpreter meets it and says so
        pass
    try:
        yield
    finally:
        for stream, raw in streams:
            if stream.rawdata is None:
                stream.data, stream.rawdata = None, raw


def read_page(page) -> PageObjects:
    """Run pdfminer's interpreter over pdfplumber's `page` (its document, resources and boxes)."""
    device = _Device(page)
    interpreter = PDFPageInterpreter(page.pdf.rsrcmgr, device)
    with _content_let_go(page.page_obj):
        try:
            interpreter.process_page(page.page_obj)
        except Exception as exc:  # as pdfplumber's `page.layout` wraps it
            raise PdfminerException(exc) from exc
    out = PageObjects(chars=device.chars, glyphs=device.glyphs, unmapped=device.unmapped)
    kinds = {"line": out.lines, "rect": out.rects, "curve": out.curves, "image": out.images}
    for obj in page.iter_layout_objects(device.shapes._objs):
        kept = kinds.get(obj["object_type"])
        if kept is not None:
            kept.append(obj)
    return out


class _Device(PDFLayoutAnalyzer):
    """pdfminer's layout device, with each char kept as a `CHAR_KEYS` dict instead of an `LTChar`.

    Shapes and pictures go into the layout tree as usual (`shapes`), for
    pdfplumber's `process_object`. Chars are appended in the order they are
    drawn, which is the order of pdfplumber's `page.chars` (a form's chars sit
    in the tree where the form is drawn). The box of a horizontal char is
    computed by the same arithmetic as `LTChar`'s, and moved to pdfplumber's
    coordinates as `Page.process_object` moves it; a char of a vertical font
    (rare) is built as an `LTChar` and read from it.
    """

    def __init__(self, page):
        super().__init__(page.pdf.rsrcmgr, pageno=page.page_number, laparams=None)
        self.chars: list[dict] = []
        self.glyphs = self.unmapped = 0
        self.shapes = None
        #: (font, cid) -> `_glyph`: a page draws a few dozen glyphs thousands of times.
        self._glyphs: dict[tuple, tuple] = {}
        self._height = page.height
        self._mb_x0, self._mb_top = page.mediabox[0], page.mediabox[1]

    def end_page(self, page) -> None:
        self.shapes = self.cur_item
        super().end_page(page)

    def render_string_horizontal(self, seq, matrix, pos, font, fontsize, scaling, charspace, wordspace, rise,
                                 dxscale, ncs, graphicstate):
        """pdfminer's `PDFTextDevice.render_string_horizontal` with `render_char` inlined for a horizontal
        font: the same loop and the same float arithmetic, without a call and a translated matrix tuple
        per char made twice. A vertical font's chars (rare) go through `render_char`."""
        if font.is_vertical():
            return super().render_string_horizontal(seq, matrix, pos, font, fontsize, scaling, charspace,
                                                    wordspace, rise, dxscale, ncs, graphicstate)
        (x, y) = pos
        a, b, c, d, e, f = matrix
        glyphs, chars, height, mb_x0, mb_top = self._glyphs, self.chars, self._height, self._mb_x0, self._mb_top
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    glyph = glyphs.get((font, cid))
                    if glyph is None:
                        glyph = glyphs[(font, cid)] = self._glyph(font, cid)
                    text, textwidth, _, descent, fontname, printing, unmapped = glyph
                    # pdfminer's translate_matrix, then LTChar's box (apply_matrix_rect over
                    # (0, descent + rise, adv, descent + rise + fontsize)), term for term: the same floats
                    e1, f1 = x * a + y * c + e, x * b + y * d + f
                    adv = textwidth * fontsize * scaling
                    low = descent * fontsize + rise
                    high = descent * fontsize + rise + fontsize
                    left1, bottom1 = a * 0 + c * low + e1, b * 0 + d * low + f1
                    right1, bottom2 = a * adv + c * low + e1, b * adv + d * low + f1
                    right2, top1 = a * adv + c * high + e1, b * adv + d * high + f1
                    left2, top2 = a * 0 + c * high + e1, b * 0 + d * high + f1
                    x0, y0 = min(left1, left2, right1, right2), min(bottom1, bottom2, top1, top2)
                    x1, y1 = max(left1, left2, right1, right2), max(bottom1, bottom2, top1, top2)
                    if mb_x0 != 0:
                        x0, x1 = x0 + mb_x0, x1 + mb_x0
                    chars.append({"text": text, "x0": x0, "x1": x1, "top": (height - y1) + mb_top,
                                  "bottom": (height - y0) + mb_top, "size": y1 - y0, "matrix": (a, b, c, d, e1, f1),
                                  "fontname": fontname})
                    self.glyphs += printing
                    self.unmapped += unmapped
                    x += adv
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
            else:
                super().render_string_horizontal([obj], matrix, (x, y), font, fontsize, scaling, charspace,
                                                 wordspace, rise, dxscale, ncs, graphicstate)  # pdfminer's warning
        return (x, y)

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        """A char drawn through pdfminer's own loop: a vertical font's (rare; a horizontal font's are drawn
        in `render_string_horizontal`), built as an `LTChar` and read from it."""
        glyph = self._glyphs.get((font, cid))
        if glyph is None:
            glyph = self._glyphs[(font, cid)] = self._glyph(font, cid)
        text, textwidth, _, _, fontname, printing, unmapped = glyph
        item = LTChar(matrix, font, fontsize, scaling, rise, text, textwidth, font.char_disp(cid), ncs, graphicstate)
        x0, y0, x1, y1 = item.bbox
        if self._mb_x0 != 0:
            x0, x1 = x0 + self._mb_x0, x1 + self._mb_x0
        self.chars.append({"text": text, "x0": x0, "x1": x1, "top": (self._height - y1) + self._mb_top,
                           "bottom": (self._height - y0) + self._mb_top, "size": item.size, "matrix": matrix,
                           "fontname": fontname})
        self.glyphs += printing
        self.unmapped += unmapped
        return item.adv

    def _glyph(self, font, cid: int) -> tuple:
        """What `render_char` needs of a font's glyph, as `LTChar` and pdfplumber read it: its text, width,
        whether the font is vertical, the font's descent per point of size, and the font's name; and
        whether it prints something (1: not white space) and has no Unicode (1), to count."""
        try:
            text = font.to_unichr(cid)
            assert isinstance(text, str), str(type(text))
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        fontname = font.fontname
        if isinstance(fontname, bytes):
            fontname = fix_fontname_bytes(fontname)
        return (text, font.char_width(cid), font.is_vertical(), font.get_descent(), fontname,
                int(not text.isspace()), int(bool(NO_UNICODE.match(text)) or text == UNMAPPED))
