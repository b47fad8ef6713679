"""Make the layout fixtures in `tests/fixtures/`: guides as other years and producers print them.

Each fixture is a small real PDF named by what it shows. Two independent producers:

* **reportlab**, through `tools/testkit/renderer.py` (ruled, borderless, shaded; header
  rewordings; page breaks with and without a repeated header; a long guide);
* **LibreOffice** converting a .docx written with python-docx, the way a word
  processor exports a guide (Table Grid rules, merged cells, repeated header rows,
  rows that break across pages, top-aligned cells, the fonts it substitutes).

The data each fixture carries is `tools/testkit/guides.py`; `tests/test_layouts.py` asserts the
exact rows that must come out. The committed PDFs are what the tests read, so the
tests need neither LibreOffice nor this script.

    python -m tools.make_fixtures                 # every fixture (needs soffice on PATH)
    python -m tools.make_fixtures --reportlab     # only the reportlab ones
    python -m tools.make_fixtures --check         # exit 1 if a fixture differs from what this script
                                                  # renders (the LibreOffice ones too when soffice is
                                                  # on PATH; --reportlab: those only)
    python -m tools.make_fixtures NAME.pdf ...    # only the fixtures named (a new one, say)

LibreOffice's own run-dependent bytes (creation date, file identifier) are made
fixed (`reproducible`), so the committed PDFs are what LibreOffice 7.4 with
fonts-liberation2 and fonts-crosextra-carlito writes, byte for byte, on every run.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.testkit.guides import (BREAK_2025, GUIDE_2023, GUIDE_2024, LONG_2026, NO_GLOSSARY_2023,
                                  NOTES_UNDER_TABLE_2023, RENAMED_HEADER, UNKNOWN_HEADING)
from tools.testkit.paths import FIXTURES, ROOT
from tools.testkit.renderer import CONTRACTOR, DEFAULT_HEADERS, NOT_APPLICABLE, Guide, amount_text, money, render

# ---------------------------------------------------------------- reportlab fixtures

#: name -> (guide, layout changes)
REPORTLAB = {
    "reportlab-ruled-2023.pdf": (GUIDE_2023, {"style": "ruled"}),
    "reportlab-borderless-2023.pdf": (GUIDE_2023, {"style": "borderless"}),
    "reportlab-shaded-2023.pdf": (GUIDE_2023, {"style": "shaded"}),
    "reportlab-borderless-reworded-headers-2024.pdf": (GUIDE_2024, {}),
    # the payment table runs on without its header; a top-aligned row's note and a glossary
    # description go over the page break
    "reportlab-borderless-break-no-repeated-header-2025.pdf":
        (BREAK_2025, {"style": "borderless", "repeat_header": False, "split_rows": True, "valign": "top",
                      "space_before_table": 0, "space_before_terms": 42}),
    "reportlab-shaded-break-repeated-header-2025.pdf":
        (BREAK_2025, {"style": "shaded", "repeat_header": True, "split_rows": True, "valign": "top",
                      "space_before_table": 198, "space_before_terms": 42}),
    "reportlab-ruled-break-no-repeated-header-2025.pdf":
        (BREAK_2025, {"style": "ruled", "repeat_header": False, "split_rows": True, "valign": "top",
                      "space_before_table": 0, "space_before_terms": 42}),
    # centred rows: the page break cuts a row above its code, which goes to the next page
    "reportlab-borderless-centred-break-2025.pdf":
        (BREAK_2025, {"style": "borderless", "repeat_header": False, "split_rows": True, "valign": "middle",
                      "space_before_table": 0, "space_before_terms": 42}),
    "reportlab-borderless-300-codes-2026.pdf": (LONG_2026, {"style": "borderless", "repeat_header": True}),
}

#: A fixture with a header wording no vocabulary file knows, for the "stops, then an alias
#: fixes it" test: the 2023 guide, borderless, its physician header renamed.
REPORTLAB["reportlab-borderless-unknown-header-2023.pdf"] = (
    GUIDE_2023, {"style": "borderless", "headers": {"physician": RENAMED_HEADER + "{fn2}"}})


#: A line printed across both columns of a two-column glossary, between their lines: in which order the
#: columns' lines are read is not printed (the twin of the glossary in columns, refused).
ACROSS_GUTTER = ("The terms below are those of the hospital outpatient and ambulatory surgical center payment "
                 "systems.")

#: Sections printed in forms the pipeline did not know (issue #26): each builds exactly, or stops naming
#: its section (tests/test_sections.py says which).
REPORTLAB.update({
    # the glossary: "Term: description" paragraphs, one term a paragraph (one cut by the page break)
    "reportlab-borderless-glossary-paragraphs-2023.pdf": (GUIDE_2023, {"style": "borderless", "glossary": "paragraphs"}),
    "reportlab-borderless-glossary-paragraphs-break-2025.pdf":
        (BREAK_2025, {"style": "borderless", "glossary": "paragraphs", "space_before_terms": 0}),
    # the glossary: two columns without a "Term / Description" header row, under its heading
    "reportlab-ruled-glossary-without-header-2023.pdf": (GUIDE_2023, {"style": "ruled", "glossary": "headerless"}),
    "reportlab-borderless-glossary-without-header-2023.pdf":
        (GUIDE_2023, {"style": "borderless", "glossary": "headerless"}),
    "reportlab-borderless-glossary-without-header-break-2025.pdf":
        (BREAK_2025, {"style": "borderless", "glossary": "headerless", "split_rows": True, "valign": "top",
                      "space_before_terms": 58}),
    # the glossary: those paragraphs in two text columns side by side, over the page break (issue #24), and
    # its ambiguous twin, a line printed across both columns between their lines (stops)
    "reportlab-borderless-glossary-paragraphs-columns-2025.pdf":
        (BREAK_2025, {"style": "borderless", "glossary": "columns", "space_before_terms": 0}),
    "reportlab-borderless-glossary-columns-line-across-gutter-2025.pdf":
        (BREAK_2025, {"style": "borderless", "glossary": "columns", "space_before_terms": 0,
                      "across_gutter": (10, ACROSS_GUTTER)}),
    # the glossary: terms printed in bold before their description, with nothing between (stops)
    "reportlab-borderless-glossary-paragraphs-without-separator-2023.pdf":
        (GUIDE_2023, {"style": "borderless", "glossary": "paragraphs", "entry_separator": ""}),
    # the glossary under a heading no vocabulary file knows (stops: it is printed, and not announced)
    "reportlab-borderless-glossary-paragraphs-unknown-heading-2023.pdf":
        (GUIDE_2023, {"style": "borderless", "glossary": "paragraphs", "glossary_heading": UNKNOWN_HEADING}),
    "reportlab-ruled-glossary-without-header-unknown-heading-2023.pdf":
        (GUIDE_2023, {"style": "ruled", "glossary": "headerless", "glossary_heading": UNKNOWN_HEADING}),
    # no glossary at all
    "reportlab-borderless-no-glossary-2023.pdf": (NO_GLOSSARY_2023, {"style": "borderless", "glossary": "none"}),
    # the payment table continued on the next page under a "(continued)" heading, its header not repeated
    "reportlab-borderless-continued-heading-2025.pdf":
        (BREAK_2025, {"style": "borderless", "break_after": 6, "repeat_header": False}),
    "reportlab-ruled-continued-heading-2025.pdf":
        (BREAK_2025, {"style": "ruled", "break_after": 6, "repeat_header": False}),
    # each "Do not report" note in a row of its own under its code's row: a ruled row reads it; rows
    # without rules are centred, so the note lands in the next code's row (stops)
    "reportlab-ruled-note-rows-2023.pdf": (GUIDE_2023, {"style": "ruled", "note_rows": True}),
    "reportlab-borderless-note-rows-2023.pdf": (GUIDE_2023, {"style": "borderless", "note_rows": True}),
    # the notes printed under the table, one a line (stops)
    "reportlab-borderless-notes-under-table-2023.pdf": (NOTES_UNDER_TABLE_2023, {"style": "borderless"}),
})


def make_reportlab(target: Path, only: list[str] = ()) -> list[Path]:
    out = []
    for name, (guide, changes) in REPORTLAB.items():
        if not only or name in only:
            out.append(render(guide.with_layout(**changes), target / name))
    return out


# ---------------------------------------------------------------- LibreOffice fixtures

#: name -> (guide, how the .docx draws its tables)
LIBREOFFICE = {
    "libreoffice-ruled-2023.pdf": (GUIDE_2023, {"style": "ruled"}),
    "libreoffice-borderless-2023.pdf": (GUIDE_2023, {"style": "borderless"}),
    "libreoffice-shaded-2023.pdf": (GUIDE_2023, {"style": "shaded"}),
    # a row's note and a glossary description go over the page break, under a repeated header
    "libreoffice-ruled-break-repeated-header-2025.pdf":
        (BREAK_2025, {"style": "ruled", "repeat_header": True, "space_before_table": 120,
                      "space_before_terms": 160}),
    "libreoffice-borderless-break-no-repeated-header-2025.pdf":
        (BREAK_2025, {"style": "borderless", "repeat_header": False, "space_before_table": 120}),
    # sections in forms the pipeline did not know (issue #26): the glossary as paragraphs (over a page
    # break) or without its header row, each note in a row of its own
    "libreoffice-ruled-glossary-paragraphs-2023.pdf": (GUIDE_2023, {"style": "ruled", "glossary": "paragraphs"}),
    "libreoffice-borderless-glossary-paragraphs-break-2025.pdf":
        (BREAK_2025, {"style": "borderless", "glossary": "paragraphs", "repeat_header": False,
                      "space_before_table": 120}),
    "libreoffice-ruled-glossary-without-header-2023.pdf": (GUIDE_2023, {"style": "ruled", "glossary": "headerless"}),
    "libreoffice-borderless-glossary-without-header-2023.pdf":
        (GUIDE_2023, {"style": "borderless", "glossary": "headerless"}),
    "libreoffice-ruled-note-rows-2023.pdf": (GUIDE_2023, {"style": "ruled", "note_rows": True}),
}

_FOOTNOTE = re.compile(r"\{fn(\d)\}")


def _runs(text: str, superscripts: bool) -> list[tuple[str, bool]]:
    """A header wording as runs of (text, superscript): "{fn2}" is footnote mark 2."""
    runs, last = [], 0
    for m in _FOOTNOTE.finditer(text):
        runs.append((text[last:m.start()], False))
        runs.append((m.group(1), superscripts))
        last = m.end()
    runs.append((text[last:], False))
    return [(t, s) for t, s in runs if t]


def write_docx(guide: Guide, path: Path, *, style: str = "ruled", repeat_header: bool = True,
               space_before_table: float = 12, space_before_terms: float = 0, glossary: str = "table",
               note_rows: bool = False) -> Path:
    """Write `guide` as a Word document the way an author would lay it out in Word.

    `glossary` is "table" (headed "Term" / "Description"), "headerless" (the same table without its
    header row) or "paragraphs" ("Term: description", the term in bold, one term a paragraph);
    `note_rows` puts each "(Do not report ...)" note in a row of its own under its code's row.
    """
    from docx import Document
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    lay = guide.layout
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(0.6)
    section.top_margin, section.bottom_margin = Inches(0.7), Inches(0.8)
    normal = doc.styles["Normal"]
    normal.font.name = "Liberation Sans"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Liberation Sans")
    normal.font.size = Pt(9.5)
    normal.paragraph_format.space_after = Pt(6)

    footer = section.footer.paragraphs[0]
    footer.text = (guide.document_number or "") + "\t\t"
    run = footer.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.text = text
            run._r.append(instr)

    def para(text: str = "", size: float | None = None, bold: bool = False, align=None, before: float = 0):
        p = doc.add_paragraph()
        if text:
            r = p.add_run(text)
            r.bold = bold
            if size:
                r.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        if before:
            p.paragraph_format.space_before = Pt(before)
        return p

    def page_break():
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def shade(cell, fill: str):
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().append(shd)

    def cell_margins(table, top: int, side: int):
        mar = OxmlElement("w:tblCellMar")
        for edge, twips in (("top", top), ("bottom", top), ("left", side), ("right", side)):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:w"), str(twips))
            el.set(qn("w:type"), "dxa")
            mar.append(el)
        table._tbl.tblPr.append(mar)

    def fixed(table, widths: list[float]):
        layout_el = OxmlElement("w:tblLayout")
        layout_el.set(qn("w:type"), "fixed")
        table._tbl.tblPr.append(layout_el)
        for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
            col.set(qn("w:w"), str(int(w * 20)))  # LibreOffice lays columns out by the grid, in twips
        for row in table.rows:
            for cell, w in zip(row.cells, widths):
                cell.width = Pt(w)

    def header_row(row):
        trpr = row._tr.get_or_add_trPr()
        el = OxmlElement("w:tblHeader")
        trpr.append(el)

    def put(cell, parts: list[list[tuple[str, bool]]], *, bold=False, centre=True, size=8):
        """Write paragraphs of runs into `cell`, replacing what it holds."""
        cell.text = ""
        first = True
        for runs in parts:
            p = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            p.paragraph_format.space_after = Pt(0)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.LEFT
            for text, sup in runs:
                r = p.add_run(text)
                r.bold = bold
                r.font.size = Pt(size)
                r.font.superscript = sup

    def heading_text(concept: str) -> list[tuple[str, bool]]:
        text = lay.headers.get(concept, DEFAULT_HEADERS[concept]).replace("{year}", str(guide.year))
        return _runs(text, lay.superscripts)

    def with_indicator(value: str, indicator: str | None) -> list[list[tuple[str, bool]]]:
        if indicator is None:
            return [[(value, False)]]
        if lay.apc_one_line:
            return [[(f"{value} ({indicator})", False)]]
        return [[(value, False)], [(f"({indicator})", False)]]

    # cover, contents
    title = guide.title.format(year=guide.year)
    para(title, size=24, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=150)
    para("AngioDynamics, Inc.", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    if guide.document_number:
        para(guide.document_number, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    page_break()

    para("CATEGORY III CPT BILLING CODES FOR PERCUTANEOUS AND OPEN IRE", size=14, bold=True)
    for text in guide.intro:
        para(text)
    para("", before=space_before_table)

    # payment table: 4 header rows with merged cells, then one row per code
    opps_cols, asc_col = ((7, 8), 6) if lay.asc_before_opps else ((6, 7), 8)
    noted = [row for row in guide.codes if note_rows and row.excluded]
    table = doc.add_table(rows=4 + len(guide.codes) + len(noted), cols=9)
    if style == "ruled":
        table.style = doc.styles["Table Grid"]
    fixed(table, [44, 128, 46, 36, 46, 36, 58, 62, 70])
    cell_margins(table, top=50, side=60)
    c = table.cell
    c(0, 0).merge(c(0, 1))
    put(c(0, 2).merge(c(0, 8)), [heading_text("title")], bold=True)
    put(c(1, 0).merge(c(1, 1)), [heading_text("service")], bold=True)
    put(c(1, 2).merge(c(1, 5)), [heading_text("physician")], bold=True)
    put(c(1, opps_cols[0]).merge(c(1, opps_cols[1])), [heading_text("opps")], bold=True)
    put(c(1, asc_col).merge(c(3, asc_col)), [heading_text("asc")], bold=True)
    put(c(2, 0).merge(c(3, 0)), [heading_text("code")], bold=True)
    put(c(2, 1).merge(c(3, 1)), [heading_text("descriptor")], bold=True)
    put(c(2, 2).merge(c(2, 3)), [heading_text("non_facility")], bold=True)
    put(c(2, 4).merge(c(2, 5)), [heading_text("facility")], bold=True)
    put(c(2, opps_cols[0]).merge(c(3, opps_cols[0])), [heading_text("apc")], bold=True)
    put(c(2, opps_cols[1]).merge(c(3, opps_cols[1])), [heading_text("payment")], bold=True)
    for i, concept in enumerate(("payment", "rvus", "payment", "rvus")):
        put(c(3, 2 + i), [heading_text(concept)], bold=True)
    for r in range(4):
        if repeat_header:
            header_row(table.rows[r])
        for cell in table.rows[r].cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if style == "shaded":
                shade(cell, "D9E2F3")
    r = 3
    for row in guide.codes:
        r += 1
        put(c(r, 0), [[(row.code, False)]])
        descriptor = [[(" ".join(row.descriptor.split()), False)]]
        if row.excluded:
            note = f"(Do not report {row.code} in conjunction with {', '.join(row.excluded)})"
            if note_rows:
                put(c(r + 1, 1), [[(note, False)]], centre=False)
            elif row.note_on_new_line:
                descriptor.append([(note, False)])
            else:
                descriptor[0][0] = (descriptor[0][0][0] + " " + note, False)
        put(c(r, 1), descriptor, centre=False)
        physician = (row.non_facility, row.facility)
        if all(a.status == "contractor_priced" for a in physician):
            put(c(r, 2).merge(c(r, 5)), [[(CONTRACTOR, False)]])
        else:
            for j, a in enumerate(physician):
                if a.status == "national_rate":
                    put(c(r, 2 + 2 * j), [[(money(a.usd), False)]])
                    put(c(r, 3 + 2 * j), [[(amount_text(a, rvus=True), False)]])
                else:
                    put(c(r, 2 + 2 * j).merge(c(r, 3 + 2 * j)), [[(amount_text(a), False)]])
        put(c(r, opps_cols[0]), with_indicator(row.apc if row.apc is not None else NOT_APPLICABLE,
                                               row.opps_indicator))
        put(c(r, opps_cols[1]), [[(amount_text(row.opps), False)]])
        put(c(r, asc_col), with_indicator(amount_text(row.asc), row.asc_indicator))
        if style == "shaded" and (r - 4) % 2 == 0:
            for cell in table.rows[r].cells:
                shade(cell, "F2F2F2")
        if note_rows and row.excluded:
            r += 1
    for text in guide.after_table:
        para(text)
    page_break()

    para(lay.glossary_heading, size=14, bold=True)
    if space_before_terms:
        para("", before=space_before_terms)
    if glossary == "paragraphs":
        for term, description in guide.terms:
            p = doc.add_paragraph()
            p.add_run(f"{term}:").bold = True
            p.add_run(f" {description}")
        return _save(doc, guide, path, para)
    header = 0 if glossary == "headerless" else 1
    terms = doc.add_table(rows=header + len(guide.terms), cols=2)
    if style == "ruled":
        terms.style = doc.styles["Table Grid"]
    fixed(terms, [90, 400])
    cell_margins(terms, top=50, side=60)
    if header:
        put(terms.cell(0, 0), [_runs(DEFAULT_HEADERS["term"], lay.superscripts)], bold=True, centre=False)
        put(terms.cell(0, 1), [_runs(DEFAULT_HEADERS["description"], lay.superscripts)], bold=True, centre=False)
        if repeat_header:
            header_row(terms.rows[0])
    for i, (term, description) in enumerate(guide.terms, start=header):
        put(terms.cell(i, 0), [[(term, False)]], centre=False)
        put(terms.cell(i, 1), [[(description, False)]], centre=False)
    for r, row in enumerate(terms.rows):
        if style == "shaded" and (r == 0 or r % 2 == 0):
            for cell in row.cells:
                shade(cell, "D9E2F3" if r == 0 else "F2F2F2")
    return _save(doc, guide, path, para)


def _save(doc, guide: Guide, path: Path, para) -> Path:
    """The prose after the glossary, then the .docx written at `path`."""
    for text in guide.after_terms:
        para(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(docx: Path, target: Path) -> Path:
    """PDF of `docx` by LibreOffice, at `target`."""
    soffice = _soffice()
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer "
                         "fonts-liberation2 fonts-crosextra-carlito (the fonts the committed fixtures embed)")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, str(docx)], check=True, capture_output=True, timeout=300)
        produced = Path(tmp) / (docx.stem + ".pdf")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(reproducible(produced.read_bytes()))
    return target


#: What LibreOffice writes differently on each run (7.4 ignores SOURCE_DATE_EPOCH): the creation
#: date in the document information, and the file identifier (with the checksum beside it).
_CREATION_DATE = re.compile(rb"/CreationDate\(D:(\d{14})([^)]*)\)")
_FILE_ID = re.compile(rb"/ID \[ <([0-9A-F]{32})>\n<([0-9A-F]{32})> \]\n/DocChecksum /([0-9A-F]{32})")


def reproducible(pdf: bytes) -> bytes:
    """LibreOffice's PDF with its run-dependent bytes made fixed, each replaced by as many bytes.

    The creation date becomes 2023-01-01 00:00:00 (its zone as written), and the identifier and
    checksum an MD5 of the rest of the file, so the same .docx gives the same PDF
    on every run. Same lengths, so the cross-reference offsets stay right.
    """
    date = _CREATION_DATE.search(pdf)
    ident = _FILE_ID.search(pdf)
    if date is None or ident is None:
        raise SystemExit("LibreOffice's PDF has no /CreationDate or /ID where expected: "
                         "update tools/make_fixtures.py's reproducible() for this LibreOffice version")
    fixed = pdf[:date.start(1)] + b"20230101000000" + pdf[date.end(1):]
    rest = fixed[:ident.start()] + fixed[ident.end():]
    digest = hashlib.md5(rest).hexdigest().upper().encode()
    ident = _FILE_ID.search(fixed)
    out = (fixed[:ident.start()] + b"/ID [ <" + digest + b">\n<" + digest + b"> ]\n/DocChecksum /" + digest
           + fixed[ident.end():])
    assert len(out) == len(pdf)
    return out


def make_libreoffice(target: Path, only: list[str] = ()) -> list[Path]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (guide, options) in LIBREOFFICE.items():
            if only and name not in only:
                continue
            docx = write_docx(guide, Path(tmp) / name.replace(".pdf", ".docx"), **options)
            out.append(convert(docx, target / name))
    return out


def main(argv: list[str]) -> int:
    if "--check" in argv:
        kinds = ["reportlab"] + (["LibreOffice"] if "--reportlab" not in argv and _soffice() else [])
        with tempfile.TemporaryDirectory() as tmp:
            made = make_reportlab(Path(tmp)) + (make_libreoffice(Path(tmp)) if "LibreOffice" in kinds else [])
            stale = [p.name for p in made
                     if not (FIXTURES / p.name).exists() or p.read_bytes() != (FIXTURES / p.name).read_bytes()]
        checked = " and ".join(kinds) + (" (no soffice on PATH: LibreOffice ones not checked)"
                                         if "LibreOffice" not in kinds and "--reportlab" not in argv else "")
        print(f"{checked} fixtures are up to date" if not stale else f"differ from this script: {', '.join(stale)}")
        return 1 if stale else 0
    only = [a for a in argv[1:] if a.endswith(".pdf")]
    unknown = sorted(set(only) - set(REPORTLAB) - set(LIBREOFFICE))
    if unknown:
        raise SystemExit(f"no such fixture: {', '.join(unknown)}")
    for path in make_reportlab(FIXTURES, only):
        print(path.relative_to(ROOT))
    if "--reportlab" not in argv and (not only or set(only) & set(LIBREOFFICE)):
        for path in make_libreoffice(FIXTURES, only):
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
