"""Visible: which characters a PDF viewer paints, and which it does not.

Part of the extract stage. pdfminer (under pdfplumber) reports every character
the content stream shows, painted or not. A viewer paints a character only when

* it lies on the page: inside its crop box and its media box,
* it is big enough to see: its font size, scaled by its text matrix, is a
  point or more (size 0, or a matrix that squashes glyphs flat, paints nothing),
* its text render mode paints it (not 3, invisible, nor 7, clip only) with a
  colour that is not fully transparent,
* it lies inside the clipping path in force when it is shown,
* no opaque shape or picture drawn after it covers it, and
* its colour differs from what lies under it (white text on a white cell).

PDFium (pypdfium2, the renderer Chrome uses, already installed with pdfplumber)
keeps every page object with its render mode, colours, clipping path and paint
order. `PageSight` walks them once per page: each text object is visible,
hidden (with its reason) or, when a clipping path or a covering shape cuts
through it, checked character by character. A pdfminer char is matched to
PDFium's char by its origin (both engines place a glyph at the same point of
the text matrix), one to one in content order: text printed twice at one
place (invisibly over the visible amount) leaves the visible glyph visible.
`split` hands extract the visible chars and the hidden ones with their reason. No picture is rendered: the object model answers every
question above, for a few per cent of extract's time (docs/visibility.md, what it costs).

The same `PageSight` reads any box of the page a second time (`read`), from
PDFium's own text layer, for the second reading (`pipeline.extract.reread`).

A page that is a picture under a layer of invisible text (a scan with OCR) is
refused: `scanned_under_ocr` says when.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as R

from pipeline.model import HIDDEN_REASONS as REASONS

#: Two colours within this much on every channel (0-255) look the same.
SAME_COLOUR = 12
#: A filled shape thinner than this (points) is a rule: it covers no text and is no cell background.
MIN_SHAPE = 2.0
#: A shape drawn later covers a char when it holds the char's centre and this share of its box.
COVER_SHARE = 0.5
#: A page is a scan under OCR when pictures cover this share of it and this share of its text is invisible.
SCAN_AREA_SHARE = 0.5
SCAN_INVISIBLE_SHARE = 0.9
#: The share of a line's box, from its top and from its bottom, that its second reading leaves out.
LINE_TOP_INSET = 0.3
LINE_BOTTOM_INSET = 0.0
#: Origins of the same glyph in both engines agree within this many points.
ORIGIN_TOLERANCE = 0.3
#: Text whose font size, scaled by its text matrix, is under this many points cannot be seen.
MIN_SIZE = 1.0
#: A text matrix that scales some direction by less than this squashes its glyphs flat (degenerate).
SINGULAR = 1e-3

#: The verdict on a glyph painted twice at one origin: read once, hidden from nobody.
_DOUBLE = "double"
_INVISIBLE_MODES = (R.FPDF_TEXTRENDERMODE_INVISIBLE, R.FPDF_TEXTRENDERMODE_CLIP)
_STROKE_ONLY = (R.FPDF_TEXTRENDERMODE_STROKE, R.FPDF_TEXTRENDERMODE_STROKE_CLIP)
_WHITE = (255, 255, 255)


def open_document(path, password: str | None = None) -> pdfium.PdfDocument:
    """The PDF at `path` opened by PDFium (the caller closes it)."""
    return pdfium.PdfDocument(str(path), password=password or None)


# ---------------------------------------------------------------- geometry

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF page space


def _intersect(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def _area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _contains(outer: Box, inner: Box, slack: float = 0.5) -> bool:
    return (outer[0] - slack <= inner[0] and outer[1] - slack <= inner[1]
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def _inside(box: Box, x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _mul(m, n):
    """Affine matrices (a, b, c, d, e, f): m then n."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _invert(m):
    a, b, c, d, e, f = m
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def _smallest_scale(m) -> float:
    """How much the matrix (a, b, c, d, ...) shrinks the direction it shrinks most (its smaller singular value)."""
    a, b, c, d = m[:4]
    total = a * a + b * b + c * c + d * d
    det = a * d - b * c
    return max(0.0, (total - max(0.0, total * total - 4 * det * det) ** 0.5) / 2) ** 0.5


def _box_through(m, box: Box) -> Box:
    xs, ys = zip(*(_apply(m, x, y) for x in (box[0], box[2]) for y in (box[1], box[3])))
    return min(xs), min(ys), max(xs), max(ys)


# ---------------------------------------------------------------- page objects

@dataclass
class _Shape:
    """An opaque filled rectangle or picture: it hides what lies under it."""

    order: int
    box: Box
    colour: tuple[int, int, int] | None  # None for a picture


@dataclass
class _Text:
    order: int
    box: Box
    colour: tuple[int, int, int]
    #: Whole-object verdict: a reason, or None (visible unless `partial`).
    reason: str | None = None
    #: Clipping region, when it cuts through the object.
    clip: Box | None = None
    #: Shapes drawn later that cut through the object.
    covers: list[_Shape] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.reason is None and (self.clip is not None or bool(self.covers))


_f = [ctypes.c_float() for _ in range(4)]
_u = [ctypes.c_uint() for _ in range(4)]
_i = [ctypes.c_int() for _ in range(2)]
_d = [ctypes.c_double() for _ in range(4)]


def _bounds(obj) -> Box:
    R.FPDFPageObj_GetBounds(obj, *_f)
    return _f[0].value, _f[1].value, _f[2].value, _f[3].value


def _colour(getter, obj) -> tuple[int, int, int, int]:
    getter(obj, *_u)
    return _u[0].value, _u[1].value, _u[2].value, _u[3].value


def _clip_box(obj, matrix) -> Box | None:
    """The region the object's clipping path leaves open (each path's bounding box, intersected)."""
    clip = R.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    region = None
    x, y = ctypes.c_float(), ctypes.c_float()
    for p in range(max(0, R.FPDFClipPath_CountPaths(clip))):
        xs, ys = [], []
        for s in range(max(0, R.FPDFClipPath_CountPathSegments(clip, p))):
            seg = R.FPDFClipPath_GetPathSegment(clip, p, s)
            if seg and R.FPDFPathSegment_GetPoint(seg, x, y):
                xs.append(x.value)
                ys.append(y.value)
        if not xs:
            continue
        box = _box_through(matrix, (min(xs), min(ys), max(xs), max(ys)))
        region = box if region is None else (_intersect(region, box) or (box[0], box[1], box[0], box[1]))
    return region


def _too_small(obj, matrix, box: Box) -> bool:
    """Text no one can see: its glyphs squashed flat by a degenerate matrix, or under `MIN_SIZE` points.

    The font size times the matrix's smaller scale is the glyphs' size; a Type 3 font scales its
    glyphs once more by its own matrix, so a small size counts only when the object's box is small too.
    """
    size = ctypes.c_float()
    R.FPDFTextObj_GetFontSize(obj, size)
    m = R.FS_MATRIX()
    R.FPDFPageObj_GetMatrix(obj, m)
    scale = _smallest_scale(_mul((m.a, m.b, m.c, m.d, m.e, m.f), matrix))
    if scale < SINGULAR:
        return True
    return scale * size.value < MIN_SIZE and min(box[2] - box[0], box[3] - box[1]) < MIN_SIZE


def _is_rectangle(path) -> bool:
    """A path of straight axis-aligned segments only (a filled rectangle, as cells and bands are)."""
    n = R.FPDFPath_CountSegments(path)
    if n < 4 or n > 6:
        return False
    x, y = ctypes.c_float(), ctypes.c_float()
    xs, ys = set(), set()
    for s in range(n):
        seg = R.FPDFPath_GetPathSegment(path, s)
        if R.FPDFPathSegment_GetType(seg) == R.FPDF_SEGMENT_BEZIERTO:
            return False
        R.FPDFPathSegment_GetPoint(seg, x, y)
        xs.add(round(x.value, 2))
        ys.add(round(y.value, 2))
    return len(xs) <= 2 and len(ys) <= 2


def _walk(container, count, get, matrix, out: list) -> None:
    """Every page object in paint order, forms opened, with the matrix to page space."""
    for k in range(count(container)):
        obj = get(container, k)
        kind = R.FPDFPageObj_GetType(obj)
        if kind == R.FPDF_PAGEOBJ_FORM:
            m = R.FS_MATRIX()
            R.FPDFPageObj_GetMatrix(obj, m)
            inner = _mul((m.a, m.b, m.c, m.d, m.e, m.f), matrix)
            _walk(obj, R.FPDFFormObj_CountObjects, R.FPDFFormObj_GetObject, inner, out)
        else:
            out.append((obj, kind, matrix))


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _objects(page) -> tuple[dict[int, _Text], list[_Shape], list[Box]]:
    """Text objects by address (with their verdicts), opaque shapes, and picture boxes."""
    listed: list = []
    _walk(page, R.FPDFPage_CountObjects, R.FPDFPage_GetObject, _IDENTITY, listed)
    texts: dict[int, _Text] = {}
    shapes: list[_Shape] = []
    pictures: list[Box] = []
    for order, (obj, kind, matrix) in enumerate(listed):
        nested = matrix is not _IDENTITY
        if kind == R.FPDF_PAGEOBJ_TEXT:
            box = _bounds(obj)
            box = _box_through(matrix, box) if nested else box
            mode = R.FPDFTextObj_GetTextRenderMode(obj)
            getter = R.FPDFPageObj_GetStrokeColor if mode in _STROKE_ONLY else R.FPDFPageObj_GetFillColor
            r, g, b, a = _colour(getter, obj)
            text = _Text(order, box, (r, g, b))
            if _too_small(obj, matrix, box):
                text.reason = "too_small"
            elif mode in _INVISIBLE_MODES or a == 0:
                text.reason = "invisible"
            else:
                clip = _clip_box(obj, matrix)
                if clip is not None and not _contains(clip, box, slack=0.1):
                    inside = _intersect(clip, box)
                    if inside is None:
                        text.reason = "clipped"
                    else:
                        text.clip = clip
            texts[ctypes.cast(obj, ctypes.c_void_p).value] = text
            continue
        if kind == R.FPDF_PAGEOBJ_IMAGE:
            box = _bounds(obj)
            box = _box_through(matrix, box) if nested else box
            pictures.append(box)
            if not R.FPDFPageObj_HasTransparency(obj):
                shapes.append(_Shape(order, box, None))
            continue
        if kind != R.FPDF_PAGEOBJ_PATH:
            continue
        if not R.FPDFPath_GetDrawMode(obj, _i[0], _i[1]) or _i[0].value == 0:
            continue  # stroked only: a rule
        box = _bounds(obj)
        box = _box_through(matrix, box) if nested else box
        if box[2] - box[0] < MIN_SHAPE or box[3] - box[1] < MIN_SHAPE:
            continue
        r, g, b, a = _colour(R.FPDFPageObj_GetFillColor, obj)
        if a < 255 or R.FPDFPageObj_HasTransparency(obj) or not _is_rectangle(obj):
            continue
        shapes.append(_Shape(order, box, (r, g, b)))
    if shapes:
        _cover_and_ground(texts, shapes)
    else:
        for text in texts.values():
            if text.reason is None and _same(text.colour, _WHITE):
                text.reason = "background"
    return texts, shapes, pictures


def _same(a, b) -> bool:
    return all(abs(x - y) <= SAME_COLOUR for x, y in zip(a, b))


def _cover_and_ground(texts: dict[int, _Text], shapes: list[_Shape]) -> None:
    """Shapes drawn after a text object that cover it; the colour under each text object."""
    for text in texts.values():
        if text.reason is not None:
            continue
        cx, cy = (text.box[0] + text.box[2]) / 2, (text.box[1] + text.box[3]) / 2
        ground = _WHITE
        for shape in shapes:
            if shape.order < text.order:
                if _inside(shape.box, cx, cy):
                    ground = shape.colour  # the last one drawn under it; None for a picture
                continue
            overlap = _intersect(shape.box, text.box)
            if overlap is None:
                continue
            if _contains(shape.box, text.box):
                text.reason = "covered"
                break
            if overlap[3] - overlap[1] >= COVER_SHARE * (text.box[3] - text.box[1]):
                text.covers.append(shape)
        if text.reason is None and ground is not None and _same(text.colour, ground):
            text.reason = "background"


# ---------------------------------------------------------------- one page

class PageSight:
    """One page as PDFium sees it: which chars are painted, and a second reading of any box.

    `page` is pdfplumber's page of the same number, for its coordinates: boxes
    given to and returned by this class are in pdfplumber's (x0, top, x1, bottom).
    """

    def __init__(self, document: pdfium.PdfDocument, number: int, page):
        self._page = R.FPDF_LoadPage(document.raw, number - 1)
        self._text = R.FPDFText_LoadPage(self._page)
        self._count = R.FPDFText_CountChars(self._text)
        # pdfminer places chars in device space: the page's space moved to the
        # media box's origin and turned by /Rotate; pdfplumber then measures `top`
        # from the top. These two matrices go between PDF page space and that device space.
        x0, y0, x1, y1 = page.page_obj.mediabox
        ctm = {90: (0, -1, 1, 0, -y0, x1), 180: (-1, 0, 0, -1, x1, y1),
               270: (0, 1, -1, 0, y1, -x0)}.get(page.rotation, (1, 0, 0, 1, -x0, -y0))
        self._to_device, self._to_page = ctm, _invert(ctm)
        self._mb_x0, self._mb_top, self._height = page.mediabox[0], page.mediabox[1], page.height
        rect = R.FS_RECTF()
        R.FPDF_GetPageBoundingBox(self._page, rect)
        self.bounds: Box = (min(rect.left, rect.right), min(rect.top, rect.bottom),
                            max(rect.left, rect.right), max(rect.top, rect.bottom))
        self._media: Box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        self._texts, _, self._pictures = _objects(self._page)
        #: PDFium's chars, on a page where some text is hidden: [centre x, y, text, reason], in its order.
        self._chars: list | None = None
        #: The same chars' origins: [device x, device y, text, reason, index in `_chars`], for matching pdfminer's.
        self._origins: list[list] = []
        self.any_hidden = any(t.reason is not None or t.partial for t in self._texts.values())
        #: Every text object lies on the page: no char can be outside it.
        self._all_on_page = all(_contains(self.bounds, t.box, slack=0.0) for t in self._texts.values())
        if self.any_hidden:
            self._read_chars()

    # -- coordinates
    def _device(self, px: float, py: float) -> tuple[float, float]:
        return _apply(self._to_device, px, py)

    def _plumber_to_page(self, x: float, top: float) -> tuple[float, float]:
        return _apply(self._to_page, x - self._mb_x0, self._height + self._mb_top - top)

    def _page_box(self, box) -> Box:
        x0, top, x1, bottom = box
        (ax, ay), (bx, by) = self._plumber_to_page(x0, top), self._plumber_to_page(x1, bottom)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    # -- chars, one by one (only on pages where some text is hidden)
    def _outside(self, x: float, y: float) -> str | None:
        """Why a point of PDF page space is not on the page, or None: off the media box, or only off the crop box."""
        if _inside(self.bounds, x, y):
            return None
        return "outside_crop_box" if _inside(self._media, x, y) else "outside_page"

    def _read_chars(self) -> None:
        tp = self._text
        chars, origins = [], []
        ox, oy = ctypes.c_double(), ctypes.c_double()
        for i in range(self._count):
            code = R.FPDFText_GetUnicode(tp, i)
            ch = chr(code) if 0 < code < 0x110000 else ""
            if not ch or ch.isspace():
                continue
            obj = R.FPDFText_GetTextObject(tp, i)
            info = self._texts.get(ctypes.cast(obj, ctypes.c_void_p).value) if obj else None
            R.FPDFText_GetCharBox(tp, i, *_d)
            left, right, bottom, top = _d[0].value, _d[1].value, _d[2].value, _d[3].value
            cx, cy = (left + right) / 2, (bottom + top) / 2
            reason = self._outside(cx, cy)
            if reason is None and info is not None:
                reason = info.reason or (self._partial_reason(info, (left, bottom, right, top)) if info.partial
                                         else None)
            if obj:
                R.FPDFText_GetCharOrigin(tp, i, ox, oy)
                dx, dy = self._device(ox.value, oy.value)
                origins.append([dx, dy, ch, reason, len(chars)])
            chars.append([cx, cy, ch, reason])
        self._chars, self._origins = chars, origins

    @staticmethod
    def _partial_reason(info: _Text, box: Box) -> str | None:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if info.clip is not None and not _inside(info.clip, cx, cy):
            return "clipped"
        area = _area(box)
        for shape in info.covers:
            overlap = _intersect(shape.box, box)
            if overlap is not None and _inside(shape.box, cx, cy) and _area(overlap) >= COVER_SHARE * area:
                return "covered"
        return None

    # -- what extract asks
    def split(self, chars: list[dict]) -> tuple[list[dict], list[tuple[dict, str, bool]]]:
        """pdfminer's `chars` of this page as (painted chars, [(hidden char, reason, duplicate)]).

        Each pdfminer char takes the verdict of the PDFium char at its origin, one to one in content
        order (the one with its text first): an amount printed invisibly exactly over the visible one
        leaves the visible one painted. `duplicate` says a hidden char lies exactly on a painted
        char of the same text (text printed twice, once hidden), so it changes nothing a viewer reads.
        """
        if not chars:
            return chars, []
        if not self.any_hidden and self._all_on_page:
            return chars, []
        at: dict[tuple[int, int], list[list]] = {}
        for entry in self._origins:
            at.setdefault((round(entry[0]), round(entry[1])), []).append(entry + [False])
        verdicts = []
        for c in chars:
            cx, cy = self._plumber_to_page((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2)
            reason = self._outside(cx, cy)
            if reason is None and at:
                # a space is no glyph of PDFium's; it goes with its text only when that is too small to see
                reason = ("too_small" if c["size"] < MIN_SIZE else None) if c["text"].isspace() \
                    else self._paired_reason(c, at)
            verdicts.append((c, reason))
        kept = [c for c, reason in verdicts if reason is None]
        painted: dict[tuple[int, int], list[dict]] = {}
        for c in kept:
            painted.setdefault((round(c["matrix"][4]), round(c["matrix"][5])), []).append(c)
        hidden = [(c, reason, self._on_painted(c, painted)) for c, reason in verdicts
                  if reason is not None and reason != _DOUBLE]
        return kept, hidden

    def _paired_reason(self, c: dict, at: dict) -> str | None:
        """The verdict on one pdfminer char: that of the first PDFium char at its origin not yet taken."""
        dx, dy = c["matrix"][4], c["matrix"][5]
        near = sorted((e for key in ((round(dx) + i, round(dy) + j) for i in (0, -1, 1) for j in (0, -1, 1))
                       for e in at.get(key, ()) if abs(e[0] - dx) <= ORIGIN_TOLERANCE
                       and abs(e[1] - dy) <= ORIGIN_TOLERANCE), key=lambda e: e[4])
        free = [e for e in near if not e[5]]
        entry = next((e for e in free if e[2] == c["text"]), free[0] if free else None)
        if entry is not None:
            entry[5] = True
            return entry[3]
        twin = next((e for e in near if e[2] == c["text"]), None)
        if twin is not None:
            return self._twin_reason(c, twin)
        # PDFium has no char here: text of size 0 is left out of its text layer
        return "too_small" if c["size"] < MIN_SIZE else None

    def _twin_reason(self, c: dict, twin: list) -> str | None:
        """A glyph printed twice at one origin, which PDFium's text layer reads once (as its first copy).

        The other copy is painted if a painted text object holds it, and then PDFium's reading of it
        counts as painted too; it is hidden if the first copy was painted and a hidden object holds it.
        """
        x, y = self._plumber_to_page((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2)
        holders = [t for t in self._texts.values() if _inside(t.box, x, y)]
        if twin[3] is not None:
            if any(t.reason is None and not t.partial for t in holders):
                self._chars[twin[4]][3] = None
                return None
            return twin[3]
        hidden = next((t.reason for t in holders if t.reason is not None), None)
        return hidden or _DOUBLE  # painted twice: it reads once

    @staticmethod
    def _on_painted(c: dict, painted: dict) -> bool:
        dx, dy = c["matrix"][4], c["matrix"][5]
        return any(p["text"] == c["text"] and abs(p["matrix"][4] - dx) <= ORIGIN_TOLERANCE
                   and abs(p["matrix"][5] - dy) <= ORIGIN_TOLERANCE
                   for key in ((round(dx) + i, round(dy) + j) for i in (0, -1, 1) for j in (0, -1, 1))
                   for p in painted.get(key, ()))

    def scanned_under_ocr(self, chars: list[dict], hidden: list[tuple[dict, str]]) -> bool:
        """A picture over most of the page, and nearly all its text invisible: a scan with an OCR layer."""
        glyphs = sum(1 for c in chars if not c["text"].isspace())
        invisible = sum(1 for c, r, _ in hidden if r == "invisible" and not c["text"].isspace())
        if not invisible or invisible < SCAN_INVISIBLE_SHARE * (glyphs + invisible):
            return False
        covered = sum(_area(_intersect(b, self.bounds) or (0, 0, 0, 0)) for b in self._pictures)
        return covered >= SCAN_AREA_SHARE * _area(self.bounds)

    def read(self, box, *, line: bool = False) -> str:
        """PDFium's own reading of the painted text in `box` (pdfplumber coordinates), in its order.

        PDFium takes every glyph that touches the box. A line's box is as tall as
        its font, so the descenders of the line above can reach into it: `line`
        leaves the top of the box out (a raised footnote mark still touches the rest).
        """
        if line:
            x0, top, x1, bottom = box
            height = bottom - top
            box = (x0, top + LINE_TOP_INSET * height, x1, bottom - LINE_BOTTOM_INSET * height)
        rect = self._page_box(box)
        if self._chars is None:
            return _bounded_text(self._text, rect)
        return "".join(ch for cx, cy, ch, reason in self._chars if reason is None and _inside(rect, cx, cy))

    def close(self) -> None:
        if self._text:
            R.FPDFText_ClosePage(self._text)
            self._text = None
        if self._page:
            R.FPDF_ClosePage(self._page)
            self._page = None

    def __enter__(self) -> "PageSight":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_BUFFER = (ctypes.c_ushort * 8193)()


def _bounded_text(tp, rect: Box) -> str:
    left, bottom, right, top = rect
    # with a buffer, the count includes the terminating NUL; without one, it does not
    n = R.FPDFText_GetBoundedText(tp, left, top, right, bottom, _BUFFER, len(_BUFFER)) - 1
    if n >= len(_BUFFER) - 1:  # perhaps cut short: ask its length, then read it whole
        n = R.FPDFText_GetBoundedText(tp, left, top, right, bottom, None, 0)
        buf = (ctypes.c_ushort * (n + 1))()
        n = R.FPDFText_GetBoundedText(tp, left, top, right, bottom, buf, n + 1) - 1
        return _utf16(buf, n)
    return _utf16(_BUFFER, max(n, 0))


def _utf16(buf, n: int) -> str:
    return bytes(memoryview(buf).cast("B")[: 2 * n]).decode("utf-16-le", "replace")
