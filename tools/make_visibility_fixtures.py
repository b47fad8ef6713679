"""Make the visibility fixtures in `tests/fixtures/visibility/`: guides that show one thing and say another.

Each fixture is the 2023 guide of `tools/testkit/guides.py` (rendered by
`tools/testkit/renderer.py`) with one trick played on it, the way guides from
producers and workflows outside the other fixtures do it:

* **pikepdf content-stream edits** of the reportlab guide: text in render
  mode 3 (invisible), white text on a white cell, a digit in the colour of its
  shaded band, text outside the crop box or the media box, text outside its
  clipping path, a header line clipped into the data cell below (as a
  LibreOffice repeated header row is), a digit covered by a white box drawn
  after it, a last cent digit printed small and raised, soft hyphens (U+00AD)
  at line ends, a scanned picture of the page under its own text made invisible
  (an OCR layer); an amount printed invisibly exactly over the visible one (the
  same amount, drawn before or after it, or another), text too small to see
  (font size 0 in an amount's cell and as a whole row, a digit squashed flat by
  a degenerate text matrix);
* **a header edit** of the reportlab guide: the ASC column headed as a second
  OPPS column (two columns claiming one setting);
* **headless Chromium** printing the guide from HTML in Carlito (metrics of
  Calibri), which writes the ligatures U+FB00-FB06; and the same PDF with its
  fonts' character maps (ToUnicode) removed.

`tests/test_visibility.py` asserts what each must give: the exact rows a viewer
shows, or the exact line that stops the build. The committed PDFs are what the
tests read, so the tests need neither Chromium nor pikepdf.

    python -m tools.make_visibility_fixtures           # every fixture (Chromium for two of them)
    python -m tools.make_visibility_fixtures --check   # exit 1 if a pikepdf fixture differs from
                                                       # what this script makes (Chromium is not byte-stable)
"""

from __future__ import annotations

import html
import re
import sys
import tempfile
import zlib
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pikepdf

from tools.testkit.chromium import Missing, print_to_pdf
from tools.testkit.guides import GUIDE_2023, IRE_OPEN
from tools.testkit.paths import FIXTURES, ROOT
from tools.testkit.renderer import (
    CONTRACTOR,
    DEFAULT_HEADERS,
    NOT_APPLICABLE,
    CodeRow,
    Layout,
    _descriptor_text,
    amount_text,
    money,
    render,
)

TARGET = FIXTURES / "visibility"

#: The extra row someone hid in the payment table.
HIDDEN_ROW = ("0602T", "Ablation, irreversible electroporation, hidden", "$1.00", "$1.00")
#: The extra note someone hid under 0600T.
HIDDEN_NOTE = "(Do not report 0600T in conjunction with 12345)"
#: The guide's pages are US letter: PDF y = PAGE_HEIGHT - pdfplumber's top.
PAGE_HEIGHT = 792
#: 0600T's hospital outpatient payment as the guide prints it.
OPPS_0600T = b"($9,342.87) Tj"
#: The same, with the move to it: the amount a second text is printed exactly over (or under).
AT_OPPS_0600T = b"10.208 0 Td ($9,342.87) Tj"
#: Back to the start of that amount after showing something there: its cell's own text matrix and move.
BACK_TO_OPPS_0600T = b"1 0 0 1 0 2 Tm 10.208 0 Td"

#: The 2023 guide with 0601T's descriptor and note broken inside a word ("ul-" / "trasound",
#: "con-" / "junction"): the hyphens become soft hyphens in the content stream.
SOFT_2023 = replace(GUIDE_2023, codes=tuple(
    CodeRow(**{**row.__dict__, "excluded": (),
               "descriptor": IRE_OPEN.replace("ultrasound", "ul-\ntrasound")
               + "\n(Do not report 0601T in con-\njunction with 76940, 77002)"})
    if row.code == "0601T" else row for row in GUIDE_2023.codes))


# ---------------------------------------------------------------- helpers

def _base(style: str, tmp: Path, guide=GUIDE_2023) -> Path:
    return render(replace(guide, layout=Layout(style=style)), tmp / f"{style}-{len(list(tmp.iterdir()))}.pdf")


def _words(path: Path, page: int) -> list[dict]:
    with pdfplumber.open(path) as pdf:
        return pdf.pages[page - 1].extract_words()


def _word(path: Path, page: int, text: str, nth: int = 0) -> dict:
    return [w for w in _words(path, page) if w["text"] == text][nth]


def _run(path: Path, page: int, text: str, nth: int = 0) -> dict:
    """The box of the `nth` run of chars, in content order, that spells `text`."""
    with pdfplumber.open(path) as pdf:
        chars = [c for c in pdf.pages[page - 1].chars if not c["text"].isspace()]
    letters = "".join(c["text"] for c in chars)
    at = -1
    for _ in range(nth + 1):
        at = letters.index(text.replace(" ", ""), at + 1)
    run = chars[at:at + len(text.replace(" ", ""))]
    return {"x0": min(c["x0"] for c in run), "x1": max(c["x1"] for c in run),
            "top": min(c["top"] for c in run), "bottom": max(c["bottom"] for c in run)}


def _content(pdf: pikepdf.Pdf, index: int) -> bytes:
    return pdf.pages[index].Contents.read_bytes()


def _set_content(pdf: pikepdf.Pdf, index: int, data: bytes) -> None:
    pdf.pages[index].Contents = pdf.make_stream(data)


def _edit(base: Path, out: Path, change) -> Path:
    """Open `base`, let `change(pdf)` edit it, save it reproducibly at `out`."""
    with pikepdf.open(base) as pdf:
        change(pdf)
        out.parent.mkdir(parents=True, exist_ok=True)
        pdf.save(out, static_id=True, deterministic_id=True, compress_streams=True)
    return out


def _replace_once(pdf: pikepdf.Pdf, index: int, old: bytes, new: bytes) -> None:
    data = _content(pdf, index)
    assert data.count(old) >= 1, old
    _set_content(pdf, index, data.replace(old, new, 1))


def _append(pdf: pikepdf.Pdf, index: int, ops: bytes) -> None:
    _set_content(pdf, index, _content(pdf, index) + b"\n" + ops + b"\n")


def _pdf_string(text: str) -> bytes:
    return b"(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252") + b")"


def _row_ops(path: Path, page: int, prefix: bytes = b"") -> bytes:
    """Text operators drawing HIDDEN_ROW across the payment table's columns, as a row after its last one."""
    words = _words(path, page)
    last = next(w for w in words if w["text"] == GUIDE_2023.codes[-1].code)
    y = PAGE_HEIGHT - last["bottom"] - 14
    code_x = last["x0"]
    descriptor_x = next(w for w in words if w["text"].startswith("Ablation"))["x0"]
    opps_x = next(w for w in words if w["text"] == "$9,342.87")["x0"]
    asc_x = next(w for w in words if w["text"] == "$6,411.56")["x0"]
    ops = [b"BT", prefix, b"/F1 8 Tf"]
    for x, text in zip((code_x, descriptor_x, opps_x, asc_x), HIDDEN_ROW):
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm".encode() + b" " + _pdf_string(text) + b" Tj")
    ops.append(b"ET")
    return b" ".join(op for op in ops if op)


# ---------------------------------------------------------------- the fixtures

def invisible_row(tmp: Path, out: Path) -> Path:
    """An extra CPT row in render mode 3 over the payment table."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _append(pdf, 1, _row_ops(base, 2, b"3 Tr")))


def invisible_digit(tmp: Path, out: Path) -> Path:
    """An invisible "1" after the "$" of $9,342.87 (read as $19,342.87 by a reader of every char)."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _replace_once(pdf, 1, OPPS_0600T, b"($) Tj 3 Tr (1) Tj 0 Tr (9,342.87) Tj"))


def invisible_note(tmp: Path, out: Path) -> Path:
    """A second, invisible "(Do not report ...)" note in 0600T's descriptor cell."""
    base = _base("borderless", tmp)
    last_line = _run(base, 2, "77022)", 0)  # the end of 0600T's own note
    x = next(w for w in _words(base, 2) if w["text"].startswith("Ablation"))["x0"]
    y = PAGE_HEIGHT - last_line["bottom"] - 8
    ops = f"BT 3 Tr /F1 8 Tf 1 0 0 1 {x:.2f} {y:.2f} Tm ".encode() + _pdf_string(HIDDEN_NOTE) + b" Tj ET"
    return _edit(base, out, lambda pdf: _append(pdf, 1, ops))


def white_row(tmp: Path, out: Path) -> Path:
    """The extra row in white, on the white page."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _append(pdf, 1, b"q 1 1 1 rg " + _row_ops(base, 2)
                                                 + b" Q"))


def band_coloured_digit(tmp: Path, out: Path) -> Path:
    """A "1" in the grey of 0600T's shaded band, after the "$" of its OPPS payment."""
    base = _base("shaded", tmp)
    grey = f"{0xf2 / 255:.4f}".encode()
    return _edit(base, out, lambda pdf: _replace_once(
        pdf, 1, OPPS_0600T, b"($) Tj " + grey + b" " + grey + b" " + grey + b" rg (1) Tj 0 0 0 rg (9,342.87) Tj"))


def outside_crop_box(tmp: Path, out: Path) -> Path:
    """The extra row printed above the crop box (in the media box, cut off by the viewer)."""
    base = _base("borderless", tmp)

    def change(pdf):
        pdf.pages[1].CropBox = pikepdf.Array([0, 0, 612, 760])
        ops = [b"BT /F1 8 Tf"]
        for x, text in zip((43, 90, 400, 470), HIDDEN_ROW):
            ops.append(f"1 0 0 1 {x} 775 Tm ".encode() + _pdf_string(text) + b" Tj")
        _append(pdf, 1, b" ".join(ops + [b"ET"]))
    return _edit(base, out, change)


def outside_media_box(tmp: Path, out: Path) -> Path:
    """The extra row printed left of the media box."""
    base = _base("borderless", tmp)
    ops = [b"BT /F1 8 Tf"]
    for x, text in zip((-500, -450, -200, -120), HIDDEN_ROW):
        ops.append(f"1 0 0 1 {x} 400 Tm ".encode() + _pdf_string(text) + b" Tj")
    return _edit(base, out, lambda pdf: _append(pdf, 1, b" ".join(ops + [b"ET"])))


def clipped_row(tmp: Path, out: Path) -> Path:
    """The extra row drawn inside a clipping path one point square, far from it."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _append(
        pdf, 1, b"q 0 0 1 1 re W n " + _row_ops(base, 2) + b" Q"))


def clipped_header_line(tmp: Path, out: Path) -> Path:
    """A header's lower line clipped by its cell, lying over the data cell below ("Ind5i3c6a2tor)").

    A LibreOffice repeated header row of fixed height clips its lower line; the
    clipped words are still in the content stream, over the first data row.
    """
    base = _base("ruled", tmp)
    apc = _word(base, 2, "5362", 0)
    header = _run(base, 2, "Indicator)", 0)  # "APC (Status Indicator)": its cell's bottom is the clip
    with pdfplumber.open(base) as pdf:
        page = pdf.pages[1]
        rules = sorted({round(e["top"], 2) for e in page.horizontal_edges if e["top"] > header["bottom"]})
    clip_bottom = 792 - rules[0]
    y = 792 - apc["bottom"] + 1.5
    ops = (f"q {header['x0'] - 10:.2f} {clip_bottom:.2f} 80 60 re W n BT /F1 8 Tf 1 0 0 1 {apc['x0'] - 1:.2f} "
           f"{y:.2f} Tm 0.9 Tc (Indicator\\)) Tj ET Q").encode()
    return _edit(base, out, lambda pdf: _append(pdf, 1, ops))


def covered_digit(tmp: Path, out: Path) -> Path:
    """$19,342.87 printed, then a white box drawn over its "1": a viewer shows $9,342.87."""
    base = _base("borderless", tmp)
    step = tmp / "covered-step.pdf"
    _edit(base, step, lambda pdf: _replace_once(pdf, 1, OPPS_0600T, b"($19,342.87) Tj"))
    with pdfplumber.open(step) as pdf:
        chars = pdf.pages[1].chars
        k = next(i for i, c in enumerate(chars) if c["text"] == "$" and chars[i + 1]["text"] == "1"
                 and chars[i + 2]["text"] == "9")
        one = chars[k + 1]
    box = f"q 1 1 1 rg {one['x0'] - 0.2:.2f} {792 - one['bottom']:.2f} {one['x1'] - one['x0'] + 0.4:.2f} " \
          f"{one['bottom'] - one['top']:.2f} re f Q"
    return _edit(step, out, lambda pdf: _append(pdf, 1, box.encode()))


def raised_cent_digit(tmp: Path, out: Path) -> Path:
    """$9,342.87 printed with its last cent digit small and raised: "$9,342.8" and a raised "7"."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _replace_once(pdf, 1, OPPS_0600T,
                                                      b"($9,342.8) Tj /F1 5 Tf 3 Ts (7) Tj 0 Ts /F1 8 Tf"))


def invisible_amount_over_amount(tmp: Path, out: Path) -> Path:
    """Another amount, $1,234.56, printed invisibly exactly where $9,342.87 is (same glyph origins)."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _replace_once(
        pdf, 1, AT_OPPS_0600T, b"10.208 0 Td 3 Tr ($1,234.56) Tj 0 Tr " + BACK_TO_OPPS_0600T + b" ($9,342.87) Tj"))


def invisible_same_amount_under(tmp: Path, out: Path) -> Path:
    """$9,342.87 printed invisibly, then visibly at the same place (PDFium's text layer keeps only the first)."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _replace_once(
        pdf, 1, AT_OPPS_0600T, b"10.208 0 Td 3 Tr ($9,342.87) Tj 0 Tr " + BACK_TO_OPPS_0600T + b" ($9,342.87) Tj"))


def invisible_same_amount_over(tmp: Path, out: Path) -> Path:
    """$9,342.87 printed visibly, then invisibly again at the same place."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _replace_once(
        pdf, 1, AT_OPPS_0600T, AT_OPPS_0600T + b" " + BACK_TO_OPPS_0600T + b" 3 Tr ($9,342.87) Tj 0 Tr"))


def zero_size_amount(tmp: Path, out: Path) -> Path:
    """$1,234.56 in font size 0 after 0600T's $9,342.87, in the same cell."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _replace_once(
        pdf, 1, OPPS_0600T, OPPS_0600T + b" /F1 0 Tf ($1,234.56) Tj /F1 8 Tf"))


def zero_size_row(tmp: Path, out: Path) -> Path:
    """The extra row in font size 0, after the last row."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _append(pdf, 1, _row_ops(base, 2).replace(b"/F1 8 Tf", b"/F1 0 Tf")))


def flattened_digit(tmp: Path, out: Path) -> Path:
    """A "1" after the "$" of $9,342.87 under a text matrix that squashes it flat (no height): a viewer
    shows $9,342.87."""
    base = _base("borderless", tmp)
    return _edit(base, out, lambda pdf: _replace_once(
        pdf, 1, AT_OPPS_0600T, b"10.208 0 Td ($) Tj 1 0 0 0 14.656 2 Tm (1) Tj 1 0 0 1 14.656 2 Tm (9,342.87) Tj"))


def two_opps_columns(tmp: Path, out: Path) -> Path:
    """The ASC column headed "Hospital OPPS Payment" too, beside a group header no vocabulary knows
    ("Procedure", over columns that name themselves): two columns claim one setting."""
    guide = replace(GUIDE_2023, layout=Layout(style="borderless", headers={
        "service": "Procedure", "asc": "Hospital OPPS Payment{fn3}"}))
    return render(guide, out)


_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def /CMapType 2 def
1 begincodespacerange <00> <FF> endcodespacerange
1 beginbfrange <20> <7E> <0020> endbfrange
2 beginbfchar <AD> <00AD> <AE> <00AE> endbfchar
endcmap CMapName currentdict /CMap defineresource pop end end"""


def soft_hyphens(tmp: Path, out: Path) -> Path:
    """0601T's "ultrasound" and its note's "conjunction" broken at a line end by a soft hyphen (U+00AD)."""
    base = render(replace(SOFT_2023, layout=Layout(style="borderless")), tmp / "soft.pdf")

    def change(pdf):
        data = _content(pdf, 1)
        for word in (b"ul-", b"con-"):
            data = re.sub(rb"\b" + re.escape(word) + rb"\) Tj", word[:-1] + b"\\255) Tj", data, count=1)
        _set_content(pdf, 1, data)
        font = pdf.pages[1].Resources.Font.F1
        font.ToUnicode = pdf.make_stream(_TO_UNICODE)
    return _edit(base, out, change)


def scanned_under_ocr(tmp: Path, out: Path) -> Path:
    """Page 2 replaced by a picture of itself, its own text kept on top in render mode 3 (an OCR layer)."""
    import pypdfium2 as pdfium

    base = _base("borderless", tmp)
    doc = pdfium.PdfDocument(str(base))
    picture = doc[1].render(scale=100 / 72).to_pil().convert("RGB")
    doc.close()

    def change(pdf):
        image = pdf.make_stream(zlib.compress(picture.tobytes(), 9))
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height = picture.width, picture.height
        image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
        image.Filter = pikepdf.Name.FlateDecode
        page = pdf.pages[1]
        resources = page.Resources
        if "/XObject" not in resources:
            resources.XObject = pikepdf.Dictionary()
        resources.XObject.Scan = image
        text = re.sub(rb"\bBT\b", b"BT 3 Tr", _content(pdf, 1))
        _set_content(pdf, 1, b"q 612 0 0 792 0 0 cm /Scan Do Q\n" + text)
    return _edit(base, out, change)


# ---------------------------------------------------------------- Chromium

def _head(concept: str, year: int) -> str:
    text = html.escape(DEFAULT_HEADERS[concept].replace("{year}", str(year)))
    for n in range(1, 10):
        text = text.replace(f"{{fn{n}}}", f"<sup>{n}</sup>")
    return text


def html_guide(guide) -> str:
    """The guide as an HTML page in Carlito, laid out as the reportlab guide is (ruled tables, same spans)."""
    y = guide.year
    rows = [
        f'<tr><th colspan="2"></th><th colspan="7">{_head("title", y)}</th></tr>',
        f'<tr><th colspan="2">{_head("service", y)}</th><th colspan="4">{_head("physician", y)}</th>'
        f'<th colspan="2">{_head("opps", y)}</th><th rowspan="3">{_head("asc", y)}</th></tr>',
        f'<tr><th rowspan="2">{_head("code", y)}</th><th rowspan="2">{_head("descriptor", y)}</th>'
        f'<th colspan="2">{_head("non_facility", y)}</th><th colspan="2">{_head("facility", y)}</th>'
        f'<th rowspan="2">{_head("apc", y)}</th><th rowspan="2">{_head("payment", y)}</th></tr>',
        "<tr>" + "".join(f"<th>{_head(c, y)}</th>" for c in ("payment", "rvus", "payment", "rvus")) + "</tr>",
    ]
    for r in guide.codes:
        cells = [f"<td>{r.code}</td>",
                 f'<td class="d">{html.escape(_descriptor_text(r)).replace(chr(10), "<br>")}</td>']
        physician = (r.non_facility, r.facility)
        if all(a.status == "contractor_priced" for a in physician):
            cells.append(f'<td colspan="4">{CONTRACTOR}</td>')
        else:
            for a in physician:
                if a.status == "national_rate":
                    cells += [f"<td>{money(a.usd)}</td>", f"<td>{amount_text(a, rvus=True)}</td>"]
                else:
                    cells.append(f'<td colspan="2">{amount_text(a)}</td>')
        apc = r.apc or NOT_APPLICABLE
        cells.append(f"<td>{apc}<br>({r.opps_indicator})</td>" if r.opps_indicator else f"<td>{apc}</td>")
        cells.append(f"<td>{amount_text(r.opps)}</td>")
        asc = amount_text(r.asc)
        cells.append(f"<td>{asc}<br>({r.asc_indicator})</td>" if r.asc_indicator else f"<td>{asc}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    terms = "".join(f"<tr><td>{html.escape(t)}</td><td>{html.escape(d)}</td></tr>" for t, d in guide.terms)
    title = guide.title.format(year=y)
    intro = "".join(f"<p>{html.escape(p)}</p>" for p in guide.intro)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title><style>
@page {{ size: letter; margin: 0.6in; }}
body {{ font-family: Carlito; font-size: 10pt; }}
h1 {{ font-size: 14pt; }}
.cover {{ font-size: 26pt; text-align: center; margin-top: 2in; break-after: page; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 0.5pt solid black; font-size: 8pt; padding: 2pt 3pt; text-align: center; vertical-align: middle; }}
td.d {{ text-align: left; width: 128pt; }}
.terms td, .terms th {{ text-align: left; vertical-align: top; }}
.next {{ break-before: page; }}
</style></head><body>
<div class="cover">{title}<br><span style="font-size:12pt">AngioDynamics, Inc.</span></div>
<h1>CATEGORY III CPT BILLING CODES FOR PERCUTANEOUS AND OPEN IRE</h1>
{intro}
<table>{"".join(rows)}</table>
<h1 class="next">REIMBURSEMENT TERMINOLOGY</h1>
<table class="terms"><tr><th>{_head("term", y)}</th><th>{_head("description", y)}</th></tr>{terms}</table>
<p style="font-size:7pt">{html.escape(guide.document_number or "")}</p>
</body></html>
"""


def chromium(page: str, out: Path) -> Path:
    """Print an HTML page to PDF with headless Chromium."""
    try:
        return print_to_pdf(page, out)
    except Missing:
        raise SystemExit("Chromium is not installed: apt-get install chromium fonts-crosextra-carlito") from None


def ligatures_chromium(tmp: Path, out: Path) -> Path:
    """The 2023 guide printed by Chromium in Carlito: "ﬂuoroscopic", "eﬀective", "classiﬁcation"."""
    return chromium(html_guide(GUIDE_2023), out)


def no_character_map(tmp: Path, out: Path) -> Path:
    """The Chromium guide with every font's ToUnicode character map removed."""
    printed = chromium(html_guide(GUIDE_2023), tmp / "chromium.pdf")

    def change(pdf):
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                if "/ToUnicode" in font:
                    del font["/ToUnicode"]
    return _edit(printed, out, change)


EDITED = {
    "invisible-row-2023.pdf": invisible_row,
    "invisible-digit-2023.pdf": invisible_digit,
    "invisible-note-2023.pdf": invisible_note,
    "white-row-2023.pdf": white_row,
    "band-coloured-digit-2023.pdf": band_coloured_digit,
    "outside-crop-box-2023.pdf": outside_crop_box,
    "outside-media-box-2023.pdf": outside_media_box,
    "clipped-row-2023.pdf": clipped_row,
    "clipped-header-line-2023.pdf": clipped_header_line,
    "covered-digit-2023.pdf": covered_digit,
    "raised-cent-digit-2023.pdf": raised_cent_digit,
    "soft-hyphens-2023.pdf": soft_hyphens,
    "scanned-under-ocr-2023.pdf": scanned_under_ocr,
    "invisible-amount-over-amount-2023.pdf": invisible_amount_over_amount,
    "invisible-same-amount-under-2023.pdf": invisible_same_amount_under,
    "invisible-same-amount-over-2023.pdf": invisible_same_amount_over,
    "zero-size-amount-2023.pdf": zero_size_amount,
    "zero-size-row-2023.pdf": zero_size_row,
    "flattened-digit-2023.pdf": flattened_digit,
    "two-opps-columns-2023.pdf": two_opps_columns,
}
PRINTED = {
    "chromium-ligatures-2023.pdf": ligatures_chromium,
    "chromium-no-character-map-2023.pdf": no_character_map,
}


def make(names, target: Path) -> list[Path]:
    out = []
    for name, maker in names.items():
        with tempfile.TemporaryDirectory() as tmp:
            out.append(maker(Path(tmp), target / name))
    return out


def main(argv: list[str]) -> int:
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as tmp:
            made = make(EDITED, Path(tmp))
            stale = [p.name for p in made if p.read_bytes() != (TARGET / p.name).read_bytes()]
        if stale:
            print("stale visibility fixtures (run python -m tools.make_visibility_fixtures):", ", ".join(stale))
            return 1
        print(f"{len(made)} visibility fixtures are what this script makes")
        return 0
    for path in make(EDITED, TARGET) + make(PRINTED, TARGET):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
