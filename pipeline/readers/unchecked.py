"""What the build read but never checked, for the extraction report: found, counted, said in words.

A build stops where a trust check finds something in a published value, a document fact or a reading
cue (`pipeline.validate`); anywhere else what it finds is counted in the manifest, by page:

    extract's `RawGuide.unmapped` (runs of glyphs no font maps)  ──┐
    validate.differing_readings (lines and cells read two ways) ──┴─▶ oddities_of ─▶ [Oddity]
                                                                        │
    inspect draws each dotted, counts them per page (`statement`) and ◀─┘
    in the summary (`summary`), and refuses a source whose oddities are not the
    manifest's (`counts`): the report shows what the build saw, or nothing.

Pure: frames in, records and words out. The HTML is `pipeline.readers.inspect`'s.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pipeline.readers.labels import Rect, reading_order
from pipeline.text import UNMAPPED, squash
from pipeline.validate import differing_readings

#: The outline of an oddity lies this many points outside its box, so it leaves the print clear and a
#: glyph its font gives no width (pdfminer's box of it has none) still shows.
OUTSET = 1.0


@dataclass(frozen=True)
class Oddity:
    """Text read but not checked, outside every published value and cue (inside one, the build stops).

    `kind` "unmapped": a run of `chars` glyphs whose font (`font`) gives no Unicode; `pdfium` is PDFium's
    reading of its box, and `around` the line or cell it lies in as (pdfminer's, PDFium's) reading.
    `kind` "line" or "cell": a line of text outside the tables, or a table cell, whose two readings
    (`pdfminer`, `pdfium`) do not hold the same letters and digits (`validate.differing_readings`).
    """

    page: int
    kind: str
    bbox: tuple[float, float, float, float]
    pdfminer: str
    pdfium: str
    font: str | None = None
    chars: int = 0
    around: tuple[str, str] | None = None

    @property
    def outline(self) -> tuple[float, float, float, float]:
        """The box drawn on the picture: `OUTSET` outside `bbox`."""
        x0, top, x1, bottom = self.bbox
        return (x0 - OUTSET, top - OUTSET, x1 + OUTSET, bottom + OUTSET)


def _box(row) -> tuple[float, float, float, float]:
    """A box as the report shows it: (x0, top, x1, bottom) in points, to 2 decimals."""
    return tuple(round(float(row[k]), 2) for k in ("x0", "top", "x1", "bottom"))


def oddities_of(raw) -> list[Oddity]:
    """What extract read but no check could vouch for, page by page in reading order: every run of glyphs
    no font maps (`RawGuide.unmapped`) and every line and cell whose two readings differ
    (`validate.differing_readings`). In a published guide none of it is in a value or a cue."""
    cells = {(int(r["page"]), _box(r)) for r in raw.cells.to_dict("records")}
    found = []
    for d in differing_readings(raw):
        box = _box(dict(zip(("x0", "top", "x1", "bottom"), d["box"])))
        found.append(Oddity(d["page"], "cell" if (d["page"], box) in cells else "line", box, d["text"], d["reread"]))
    if raw.unmapped is not None:
        printed: dict[int, list[dict]] = {}
        for row in (r for frame in (raw.cells, raw.lines) for r in frame.to_dict("records")):
            printed.setdefault(int(row["page"]), []).append(row)
        for run in raw.unmapped.to_dict("records"):
            page, box = int(run["page"]), _box(run)
            found.append(Oddity(page, "unmapped", box, UNMAPPED * int(run["chars"]), run["reread"], font=run["font"],
                                chars=int(run["chars"]), around=_around(box, printed.get(page, []))))
    out = []
    for page in sorted({o.page for o in found}):  # as a reader goes through each page: line by line
        on_page = [o for o in found if o.page == page]
        out += [on_page[i] for i in reading_order([Rect(*o.bbox) for o in on_page])]
    return out


def _around(box, printed: list[dict]) -> tuple[str, str] | None:
    """Both readings of the line or cell of `printed` (one page's) that holds the middle of `box`."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for row in printed:
        x0, top, x1, bottom = _box(row)
        if x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1:
            return row["text"], row["reread"]
    return None


def counts(found: list[Oddity]) -> dict[str, dict[str, int]]:
    """`found` counted as the manifest records it: `unmapped_characters` and `differing_readings`, by page."""
    out: dict[str, dict[str, int]] = {"unmapped_characters": {}, "differing_readings": {}}
    for o in found:
        key, n = ("unmapped_characters", o.chars) if o.kind == "unmapped" else ("differing_readings", 1)
        out[key][str(o.page)] = out[key].get(str(o.page), 0) + n
    return out


# ---------------------------------------------------------------- in words

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _pages(pages) -> str:
    pages = sorted(set(pages))
    return f"page{'s' if len(pages) != 1 else ''} {', '.join(map(str, pages))}"


def readable(text: str) -> str:
    """Text as read, on one line, with each control or private-use character (PDFium gives a glyph's
    code when its font maps none) shown as its code point: [U+0001]."""
    return "".join(f"[U+{ord(ch):04X}]" if unicodedata.category(ch) in ("Cc", "Co", "Cs") else ch
                   for ch in squash(text))


def _differing(found: list[Oddity], where: str = "") -> str | None:
    """"1 line and 2 cells read differently by the two engines" (then `where`), or None when there is none."""
    lines, cells = (sum(1 for o in found if o.kind == kind) for kind in ("line", "cell"))
    parts = [_plural(n, kind) for n, kind in ((lines, "line"), (cells, "cell")) if n]
    return f"{' and '.join(parts)} read differently by the two engines{where}" if parts else None


def _unmapped(found: list[Oddity], where: str = "") -> str | None:
    """"3 characters without a character map (font Helvetica)" (`where` before the fonts), or None when
    there is none."""
    fonts: dict[str, int] = {}
    for o in found:
        if o.kind == "unmapped":
            fonts[o.font] = fonts.get(o.font, 0) + o.chars
    if not fonts:
        return None
    named = (f"font {next(iter(fonts))}" if len(fonts) == 1
             else "fonts " + ", ".join(f"{font}: {n}" for font, n in fonts.items()))
    return f"{_plural(sum(fonts.values()), 'character')} without a character map{where} ({named})"


def statement(found: list[Oddity]) -> str:
    """One page's oddities in words: "3 characters without a character map (font Helvetica), 1 line read
    differently by the two engines", or that there is none."""
    parts = [part for part in (_unmapped(found), _differing(found)) if part]
    if not parts:
        return ("Nothing unchecked: every glyph printed here has a character map, and the two engines read "
                "every line and cell alike.")
    return ", ".join(parts)


def summary(hidden: dict[int, dict[str, int]], found: list[Oddity]) -> str:
    """The totals of the whole report: characters hidden (`hidden`, by page and reason), characters without
    a character map, lines and cells read differently, each with its pages; or that there is none."""
    parts = []
    if hidden:
        parts.append(f"{_plural(sum(sum(c.values()) for c in hidden.values()), 'character')} hidden, not read, "
                     f"on {_pages(hidden)}")
    parts.append(_unmapped(found, f" on {_pages(o.page for o in found if o.kind == 'unmapped')}"))
    parts.append(_differing(found, f" on {_pages(o.page for o in found if o.kind != 'unmapped')}"))
    parts = [part for part in parts if part]
    if not parts:
        return ("Outside the published values, nothing unchecked: no text hidden, every glyph with a character "
                "map, every line and cell read alike by the two engines.")
    return f"Outside the published values, not checked: {'; '.join(parts)}. Each is outlined on its page."


def _box_words(o: Oddity) -> str:
    x0, top, x1, bottom = o.bbox
    return f"box {x0:g}, {top:g}, {x1:g}, {bottom:g} pt"


def _pdfium_said(o: Oddity) -> str:
    """What PDFium reads in the box of a run of glyphs no font maps (nothing, for a glyph its font gives
    no width: pdfminer's box of it has none)."""
    return f"PDFium reads “{readable(o.pdfium)}”" if o.pdfium.strip() else "PDFium reads no character in its box"


def title(o: Oddity) -> str:
    """The hover text of one oddity: what it is, PDFium's reading (with its line's) or both readings, its box."""
    if o.kind == "unmapped":
        said = _pdfium_said(o) + (" there" if o.pdfium.strip() else "")
        around = "" if o.around is None else \
            f"\nits line: pdfminer “{readable(o.around[0])}” · PDFium “{readable(o.around[1])}”"
        return (f"not checked: {_plural(o.chars, 'character')} without a character map (font {o.font}), "
                f"not published\n{said}{around}\n{_box_words(o)}")
    return (f"not checked: a {o.kind} read differently by the two engines, not published\n"
            f"pdfminer: “{readable(o.pdfminer)}”\nPDFium: “{readable(o.pdfium)}”\n{_box_words(o)}")


def item(o: Oddity) -> str:
    """One oddity as the list under its page's note says it."""
    if o.kind == "unmapped":
        around = "" if o.around is None else f" (its line: “{readable(o.around[1])}”)"
        return (f"{_plural(o.chars, 'character')} in font {o.font} without a character map: {_pdfium_said(o)}"
                f"{around}, {_box_words(o)}")
    return f"{o.kind} read differently: pdfminer “{readable(o.pdfminer)}”, PDFium “{readable(o.pdfium)}”, " \
           f"{_box_words(o)}"
