"""Make the prose fixtures in `tests/fixtures/prose/`: good guides whose prose reads oddly to one engine.

Every check on what a PDF shows (a glyph no font maps, two readings that differ, hidden text) stops
the build only where a published value, a document fact or a reading cue is at stake; anywhere else
it counts what it found. These guides are the 2023 guide of `tools/testkit/guides.py` with prose
around its tables, printed by everyday producers that each leave one oddity in it:

* **reportlab**, base-14 fonts without character maps: bullets "•" (a glyph Helvetica's encoding
  leaves unmapped for pdfminer, which PDFium reads) and symbols set in the Symbol font ("→", "≥",
  which pdfminer reads as other characters);
* **WeasyPrint** printing HTML lists: each list marker is painted after its line's text, so
  PDFium's reading has the bullet at the end;
* **LibreOffice Writer** (a .docx as Word writes it): justified paragraphs, their word spacing
  stretched; and Word-style bullets, U+F0B7 in the Symbol font, which PDFium reads as nothing;
* **pdfLaTeX**: typographic quotes (’ “ ”) in prose and inside a published descriptor; PDFium
  reads a right quote as nothing;
* **cairo** (`pdftocairo -pdf`) re-drawing a reportlab guide with raised footnote marks at the
  ends of prose lines and on a descriptor: the mark of a line reaches into the box of the line
  above, where PDFium reads it too;
* **a PostScript round trip** (Ghostscript: pdf -> ps -> pdf) of a reportlab guide set in embedded
  TrueType fonts (Liberation Sans, regular and bold): the character maps of the glyphs outside ASCII
  (bullets, typographic quotes, dashes, in regular and bold text) are lost.

`tests/test_prose.py` asserts each fixture's exact rows and what its manifest counts, page by page.

The same oddities where they do matter, in `tests/fixtures/stops/` (reportlab, and pikepdf edits of
it): a glyph no font maps in a published descriptor, in a header cell and in the line printing the
effective date; an amount and a descriptor letter set in the Symbol font, whose built-in encoding
PDFium reads ("$" as "∃", "a" as "α") and pdfminer does not. `tests/test_stops.py` asserts the line
each stops with, naming the value or cue.

The committed PDFs are what the tests read, so `make test` needs none of these producers.

    python -m tools.make_prose_fixtures           # every fixture whose producer is installed
    python -m tools.make_prose_fixtures --check   # exit 1 if one differs from what its producer makes
                                                  # now (bytes; published rows and counts for cairo,
                                                  # which stamps the time); producers not installed
                                                  # are skipped and named
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from tools.make_fixtures import convert, write_docx
from tools.make_producer_fixtures import SOURCE_DATE_EPOCH, guide_html, guide_tex, latex
from tools.testkit.chromium import Missing
from tools.testkit.guides import GUIDE_2023, IRE_OPEN
from tools.testkit.paths import FIXTURES, ROOT
from tools.testkit.renderer import CodeRow, Guide, Layout, render

TARGET = FIXTURES / "prose"
STOPS = FIXTURES / "stops"

#: Prose paragraphs a guide prints after its payment table: what none of its tables holds.
BULLETS = ("• Guarantee coverage by third party health payors.",
           "• Verify each code with the payer before the procedure is performed.")
SYMBOLS = ("Payments shown → national averages; a payer may pay ≥ or ≤ these amounts. "
           "Amounts may vary ± 2% by locality. © 2023 AngioDynamics, Inc.",)
JUSTIFIED = ("The IRE procedures described in this guide are reported with the Category III codes above; "
             "payers set their own rules, and a provider should confirm coverage with each payer before the "
             "procedure is performed, as the amounts shown are national averages that are not adjusted for "
             "geographic differences by the local Medicare administrative contractor.",
             "Reimbursement is not guaranteed: the codes and amounts in this guide are given for information "
             "only, and the provider alone is responsible for the codes it reports and the claims it files with "
             "each payer, whatever this guide or any other source may say.")
QUOTES = ("The payer’s “medical necessity” rules apply: a claim’s codes must match what the record "
          "shows, and the provider’s notes should say why the procedure was “necessary” for the patient.",)
#: Raised footnote marks at the ends of prose lines (reportlab's <super>).
FOOTNOTED = ("Payments shown are national averages and are not adjusted for geographic differences by the local "
             "contractor.<super>6</super> Local contractors set the amounts for codes whose payment is "
             "contractor priced.<super>7</super>",)
#: Prose with glyphs outside ASCII, in regular and in bold, for the PostScript round trip.
ROUND_TRIP = ("<b>Coverage • Payment — “Notes”</b> plain • bullet’s “quote” — dash",) + BULLETS

#: The guides, their prose added (and, for two, a descriptor changed).
REPORTLAB_2023 = replace(GUIDE_2023, after_table=BULLETS + SYMBOLS, layout=Layout(style="ruled"))
PROSE_2023 = replace(GUIDE_2023, after_table=BULLETS + JUSTIFIED)
#: 47382's descriptor printed with typographic quotes in it.
QUOTED_2023 = replace(GUIDE_2023, after_terms=QUOTES, codes=tuple(
    replace(row, descriptor="Ablation, 1 or more liver tumor(s); “percutaneous”, the surgeon’s radiofrequency")
    if row.code == "47382" else row for row in GUIDE_2023.codes))
#: 0601T's descriptor ending in a raised footnote mark (its note on a line of its own).
FOOTNOTED_2023 = replace(GUIDE_2023, after_table=FOOTNOTED, layout=Layout(style="ruled"), codes=tuple(
    CodeRow(**{**row.__dict__, "descriptor": IRE_OPEN + "{fn5}"}) if row.code == "0601T" else row
    for row in GUIDE_2023.codes))
#: The guide in embedded TrueType fonts: header wordings without "®", whose glyph the round trip would
#: leave unmapped in a header (a cue), which stops the build.
ROUND_TRIP_2023 = replace(GUIDE_2023, after_table=ROUND_TRIP, layout=Layout(style="ruled", headers={
    "code": "CPT Code{fn1}", "descriptor": "CPT Descriptor{fn1}"}))

_TTF = {"Helvetica": Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
        "Helvetica-Bold": Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf")}


# ---------------------------------------------------------------- reportlab, and what re-draws it

def reportlab_bullets(tmp: Path, out: Path) -> Path:
    """Bullets and Symbol-font symbols in prose, in Helvetica without a character map."""
    return render(REPORTLAB_2023, out)


def _run(command: list[str], **kw) -> None:
    if shutil.which(command[0]) is None:
        raise Missing(command[0])
    subprocess.run(command, check=True, capture_output=True, timeout=300,
                   env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}, **kw)


def cairo_footnotes(tmp: Path, out: Path) -> Path:
    """The reportlab guide with raised footnote marks at prose line ends and on a descriptor, re-drawn by cairo."""
    source = render(FOOTNOTED_2023, tmp / "footnoted.pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(["pdftocairo", "-pdf", str(source), str(out)])
    return out


@contextmanager
def _truetype_helvetica():
    """reportlab's Helvetica and Helvetica-Bold as embedded TrueType fonts (Liberation Sans) while inside,
    bold text (`<b>`) in the bold one; reportlab's font tables as they were after."""
    from reportlab.lib import fonts
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not all(path.exists() for path in _TTF.values()):
        raise Missing("Liberation Sans (fonts-liberation2)")
    before = {name: pdfmetrics._fonts.get(name) for name in _TTF}
    maps = fonts._tt2ps_map.copy(), fonts._ps2tt_map.copy()
    try:
        for name, path in _TTF.items():
            pdfmetrics._fonts.pop(name, None)
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily("Helvetica", normal="Helvetica", bold="Helvetica-Bold",
                                      italic="Helvetica", boldItalic="Helvetica-Bold")
        yield
    finally:
        for name, font in before.items():
            pdfmetrics._fonts.pop(name, None)
            if font is not None:
                pdfmetrics._fonts[name] = font
        fonts._tt2ps_map.clear()
        fonts._tt2ps_map.update(maps[0])
        fonts._ps2tt_map.clear()
        fonts._ps2tt_map.update(maps[1])


def ps_round_trip(tmp: Path, out: Path) -> Path:
    """The guide in embedded TrueType fonts, printed to PostScript and distilled back by Ghostscript."""
    with _truetype_helvetica():
        source = render(ROUND_TRIP_2023, tmp / "truetype.pdf")
    ps = tmp / "guide.ps"
    _run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=ps2write", f"-sOutputFile={ps}", str(source)])
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-dOmitInfoDate", "-dOmitID",
          "-dOmitXMP", f"-sOutputFile={out}", str(ps)])
    return out


# ---------------------------------------------------------------- WeasyPrint

def _html_list(items) -> str:
    import html

    return "<ul>" + "".join(f"<li>{html.escape(item.lstrip('• '))}</li>" for item in items) + "</ul>"


def weasyprint_lists(tmp: Path, out: Path) -> Path:
    """The guide's HTML (as Chromium prints it) with a list after the payment table, printed by WeasyPrint."""
    page = guide_html(GUIDE_2023, style="ruled", font="Liberation Sans")
    after_payments = "</table>\n</div>\n<div class=\"page\">\n<h1>REIMBURSEMENT TERMINOLOGY</h1>"
    assert page.count(after_payments) == 1
    page = page.replace(after_payments, after_payments.replace("</table>\n", "</table>\n" + _html_list(BULLETS)))
    source = tmp / "guide.html"
    source.write_text(page, encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(["weasyprint", str(source), str(out)])
    return out


# ---------------------------------------------------------------- LibreOffice Writer

def _docx(guide: Guide, path: Path, change) -> Path:
    from docx import Document

    write_docx(guide, path)
    document = Document(str(path))
    change(document)
    document.save(str(path))
    return path


def _justify(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for paragraph in document.paragraphs:
        if paragraph.text in JUSTIFIED:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _symbol_bullets(document) -> None:
    """Each "• " paragraph as Word writes a bulleted one: U+F0B7 in the Symbol font, then a tab."""
    from docx.oxml.ns import qn

    for paragraph in document.paragraphs:
        if paragraph.text.startswith("• "):
            text = paragraph.text[2:]
            for run in list(paragraph.runs):
                run._element.getparent().remove(run._element)
            bullet = paragraph.add_run("\uf0b7")
            bullet.font.name = "Symbol"
            for attribute in ("w:hAnsi", "w:cs", "w:eastAsia"):
                bullet._element.rPr.rFonts.set(qn(attribute), "Symbol")
            paragraph.add_run("\t" + text)


def writer_justified(tmp: Path, out: Path) -> Path:
    """Justified paragraphs after the payment table, printed by LibreOffice Writer from a .docx."""
    return convert(_docx(PROSE_2023, tmp / "justified.docx", _justify), out)


def writer_symbol_bullets(tmp: Path, out: Path) -> Path:
    """Word-style Symbol-font bullets (U+F0B7) before justified paragraphs, printed by LibreOffice Writer."""
    return convert(_docx(PROSE_2023, tmp / "bullets.docx", lambda d: (_symbol_bullets(d), _justify(d))), out)


def _soffice(maker):
    def make(tmp: Path, out: Path) -> Path:
        if not (shutil.which("soffice") or shutil.which("libreoffice")):
            raise Missing("soffice")
        return maker(tmp, out)
    return make


# ---------------------------------------------------------------- pdfLaTeX

def latex_quotes(tmp: Path, out: Path) -> Path:
    """Typographic quotes in prose after the glossary and in 47382's descriptor, set by pdfLaTeX."""
    after = "\n\n".join(QUOTES)
    return latex(guide_tex(QUOTED_2023, engine="pdflatex", rules="grid", after_terms="\\medskip\n" + after),
                 "pdflatex", out)


# ---------------------------------------------------------------- where they stop the build

#: 0601T's descriptor with a bullet in it: a glyph Helvetica's encoding leaves unmapped for pdfminer.
UNMAPPED_IN_DESCRIPTOR = replace(GUIDE_2023, layout=Layout(style="ruled"), codes=tuple(
    replace(row, descriptor=row.descriptor.replace("; 1 or more", "; • 1 or more")) if row.code == "0601T" else row
    for row in GUIDE_2023.codes))
#: The ASC column's header with a bullet after its wording.
UNMAPPED_IN_HEADER = replace(GUIDE_2023, layout=Layout(style="ruled", headers={"asc": "ASC Payment{fn4} •"}))
#: The effective date's line ending in a bullet.
UNMAPPED_IN_FACT_LINE = replace(GUIDE_2023, layout=Layout(style="ruled"), intro=(GUIDE_2023.intro[0] + " •",))


def _symbol_font(pdf) -> None:
    """The Symbol font (base 14, no character map) as resource /FS of page 2."""
    import pikepdf

    pdf.pages[1].Resources.Font.FS = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Symbol))


def _in_symbol(tmp: Path, out: Path, old: bytes, new: bytes) -> Path:
    """The ruled reportlab guide with `old` (a text operator of page 2) shown as `new`, /FS being Symbol."""
    import pikepdf

    base = render(replace(GUIDE_2023, layout=Layout(style="ruled")), tmp / "ruled.pdf")
    with pikepdf.open(base) as pdf:
        data = pdf.pages[1].Contents.read_bytes()
        assert data.count(old) >= 1, old
        pdf.pages[1].Contents = pdf.make_stream(data.replace(old, new, 1))
        _symbol_font(pdf)
        out.parent.mkdir(parents=True, exist_ok=True)
        pdf.save(out, static_id=True, deterministic_id=True, compress_streams=True)
    return out


def symbol_dollar(tmp: Path, out: Path) -> Path:
    """0600T's OPPS payment with its "$" shown in the Symbol font, whose code for "$" is "∃"."""
    return _in_symbol(tmp, out, b"($9,342.87) Tj", b"/FS 8 Tf ($) Tj /F1 8 Tf (9,342.87) Tj")


def symbol_letter(tmp: Path, out: Path) -> Path:
    """47382's descriptor with the "a" of "Ablation" shown in the Symbol font ("α")."""
    return _in_symbol(tmp, out, b"(Ablation, 1 or more liver",
                      b"(Abl) Tj /FS 8 Tf (a) Tj /F1 8 Tf (tion, 1 or more liver")


def _rendered(guide: Guide):
    return lambda tmp, out: render(guide, out)


# ---------------------------------------------------------------- the fixtures

#: name -> (the guide data it must publish, how it is made)
FIXTURES_MADE = {
    "reportlab-bullets-symbols-2023.pdf": (REPORTLAB_2023, reportlab_bullets),
    "weasyprint-lists-2023.pdf": (GUIDE_2023, weasyprint_lists),
    "writer-justified-2023.pdf": (PROSE_2023, _soffice(writer_justified)),
    "writer-symbol-bullets-2023.pdf": (PROSE_2023, _soffice(writer_symbol_bullets)),
    "pdflatex-typographic-quotes-2023.pdf": (QUOTED_2023, latex_quotes),
    "pdftocairo-footnote-marks-2023.pdf": (FOOTNOTED_2023, cairo_footnotes),
    "ps-round-trip-2023.pdf": (ROUND_TRIP_2023, ps_round_trip),
}
#: name -> how it is made, in `STOPS`.
STOPS_MADE = {
    "unmapped-glyph-in-descriptor-2023.pdf": _rendered(UNMAPPED_IN_DESCRIPTOR),
    "unmapped-glyph-in-header-2023.pdf": _rendered(UNMAPPED_IN_HEADER),
    "unmapped-glyph-in-effective-date-line-2023.pdf": _rendered(UNMAPPED_IN_FACT_LINE),
    "symbol-font-dollar-in-amount-2023.pdf": symbol_dollar,
    "symbol-font-letter-in-descriptor-2023.pdf": symbol_letter,
}
#: Producers that stamp each PDF with the time: compared by what the pipeline reads, not by bytes.
NOT_BYTE_STABLE = {"pdftocairo-footnote-marks-2023.pdf"}


def make(names, target: Path) -> tuple[list[Path], list[str]]:
    """Make each named fixture in `target` (a prose one) or `target`'s sibling `stops/` (a stop): the paths
    made, and the producers not installed."""
    made, missing = [], []
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                if name in STOPS_MADE:
                    made.append(STOPS_MADE[name](Path(tmp), target.parent / STOPS.name / name))
                else:
                    made.append(FIXTURES_MADE[name][1](Path(tmp), target / name))
            except Missing as exc:
                missing.append(f"{name} ({exc} is not installed)")
    return made, missing


def _reading(path: Path):
    """What the pipeline publishes from `path` and what its manifest counts, or the line it stops with."""
    from pipeline.errors import GuideError
    from pipeline.run.build import parse_source
    from tools.testkit.guide_data import published

    try:
        guide = parse_source(path, path.parent)
    except GuideError as exc:
        return str(exc)
    return published(guide.tables), guide.hidden, guide.unmapped, guide.differing


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        made, missing = make([*FIXTURES_MADE, *STOPS_MADE], Path(tmp) / TARGET.name)
        stale = []
        for path in made:
            committed = (STOPS if path.name in STOPS_MADE else TARGET) / path.name
            if not committed.exists():
                stale.append(f"{path.name} (not committed)")
            elif path.name in NOT_BYTE_STABLE:
                if _reading(path) != _reading(committed):
                    stale.append(f"{path.name} (reads differently)")
            elif path.read_bytes() != committed.read_bytes():
                stale.append(path.name)
    for line in missing:
        print(f"skipped {line}")
    print("prose fixtures are up to date" if not stale else f"differ from what their producers make: {', '.join(stale)}")
    return 1 if stale else 0


def main(argv: list[str]) -> int:
    if "--check" in argv:
        return check()
    made, missing = make([*FIXTURES_MADE, *STOPS_MADE], TARGET)
    for path in made:
        print(path.relative_to(ROOT))
    for line in missing:
        print(f"skipped {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
