"""Make the edition fixtures in `tests/fixtures/editions/`: the layouts a new edition may take (issue #24).

Each layout is drawn once, as a `Document` of blocks (`tools/testkit/editions.py`), and printed by one of
three producers, named first in the fixture's name:

* **writer-**: LibreOffice Writer converting a .docx written with python-docx (merged cells, Table Grid
  rules or none, shaded cells, repeated header rows, landscape sections, a two-column section);
* **chromium-**: headless Chromium printing HTML (`<thead>` repeated by the browser, CSS fills and
  borders, `@page` landscape, CSS columns);
* **pdflatex-**: a `longtable` (`\\multirow`/`\\multicolumn` spans, `\\hline`/`\\cline` rules, its head
  repeated on each page or printed once).

`tests/test_editions.py` asserts the exact rows of each (or the one line it is refused with). The committed
PDFs are what the tests read, so the tests need none of these producers.

    python -m tools.make_edition_fixtures            # every fixture whose producer is installed
    python -m tools.make_edition_fixtures writer     # only one producer's (writer, chromium, pdflatex)
    python -m tools.make_edition_fixtures --check    # exit 1 if a fixture differs from what its producer
                                                     # makes now (producers not installed: skipped, named)

Every producer here makes the same bytes twice: LibreOffice's creation date and file identifier are fixed
by `tools.make_fixtures.reproducible`, Chromium's creation and modification dates by `reproducible` below
(Chromium 156 writes no /ID), pdfLaTeX runs under SOURCE_DATE_EPOCH with an empty trailer ID. The bytes
also depend on the producer's version and the fonts installed (Liberation Sans, TeX Live's helvet), so
`--check` is for the machine that made them.
"""

from __future__ import annotations

import html
import re
import shutil
import sys
import tempfile
from pathlib import Path

from tools.make_fixtures import convert
from tools.make_producer_fixtures import latex
from tools.testkit.chromium import Missing, print_to_pdf
from tools.testkit.editions import (
    FIXTURES, Cell, Columns, Document, Heading, PageBreak, Para, Run, Space, Table, Text,
)
from tools.testkit.paths import FIXTURES as FIXTURE_ROOT
from tools.testkit.paths import ROOT

TARGET = FIXTURE_ROOT / "editions"
PRODUCERS = ("writer", "chromium", "pdflatex")
DARK, ZEBRA, SUBHEAD = "1F3F6E", "E9EEF6", "EDEDED"
FONT = "Liberation Sans"


def producer(name: str) -> str:
    return name.split("-", 1)[0]


def _rows(table: Table) -> dict[int, list[Cell]]:
    rows: dict[int, list[Cell]] = {r: [] for r in range(table.nrows)}
    for cell in table.cells:
        rows[cell.row].append(cell)
    return {r: sorted(cells, key=lambda c: c.col) for r, cells in rows.items()}


def _zebra(table: Table) -> set[int]:
    """The body rows a zebra table fills: every other code row, subheadings not counted."""
    body = [r for r, cells in _rows(table).items() if r >= table.header_rows and not any(c.subheading for c in cells)]
    return set(body[::2])


# ---------------------------------------------------------------- Chromium: HTML printed to PDF

_CSS = """
@page { size: letter%(orientation)s; margin: 0.7in 0.6in 0.8in 0.6in; }
body { font-family: '%(font)s'; font-size: 9.5pt; line-height: 1.3; margin: 0; font-variant-ligatures: none; }
h1 { font-size: 14pt; color: #1f3f6e; margin: 0 0 8pt 0; }
p { margin: 0 0 6pt 0; }
.cover { text-align: center; padding-top: 2.2in; }
.cover .title { font-size: 26pt; font-weight: bold; line-height: 1.2; }
.cover .sub { font-size: 12pt; margin-top: 12pt; }
.break { break-before: page; }
.columns { column-count: 2; column-gap: 18pt; }
table { font-size: 8pt; line-height: 1.25; border-collapse: collapse; table-layout: fixed; margin: 0 0 6pt 0; }
th { font-weight: bold; }
td, th { padding: 2pt 3pt; vertical-align: middle; text-align: center; }
td p, th p { margin: 0; }
.left { text-align: left; } .right { text-align: right; }
sup { font-size: 65%%; line-height: 0; }
table.ruled td, table.ruled th { border: 0.5pt solid black; }
table.dark-zebra th { background: #%(dark)s; color: white; }
table.dark-zebra tr.zebra td { background: #%(zebra)s; }
td.subheading { font-weight: bold; background: #%(subhead)s; }
"""


def _html_runs(runs: Para) -> str:
    out = []
    for run in runs:
        t = html.escape(run.text)
        t = f"<sup>{t}</sup>" if run.sup else t
        out.append(f"<b>{t}</b>" if run.bold else t)
    return "".join(out)


def _html_table(table: Table) -> str:
    zebra = _zebra(table) if table.style == "dark-zebra" else set()

    def row(r: int, cells: list[Cell]) -> str:
        out = []
        for c in cells:
            tag = "th" if c.header else "td"
            attrs = (f' rowspan="{c.row_span}"' if c.row_span > 1 else "") + \
                    (f' colspan="{c.col_span}"' if c.col_span > 1 else "")
            classes = ([c.align] if c.align != "center" else []) + (["subheading"] if c.subheading else [])
            if classes:
                attrs += f' class="{" ".join(classes)}"'
            out.append(f"<{tag}{attrs}>" + "".join(f"<p>{_html_runs(p)}</p>" for p in c.paras) + f"</{tag}>")
        return f'<tr{" class=zebra" if r in zebra else ""}>' + "".join(out) + "</tr>"

    rows = [row(r, cells) for r, cells in _rows(table).items()]
    head, body = rows[:table.header_rows], rows[table.header_rows:]
    cols = "".join(f'<col style="width:{w}pt">' for w in table.widths)
    # <thead> is what the browser repeats on each page; a header printed once is the body's first rows
    parts = (f"<thead>{''.join(head)}</thead><tbody>{''.join(body)}</tbody>" if table.repeat_header
             else f"<tbody>{''.join(head + body)}</tbody>")
    return f'<table class="{table.style}" style="width:{sum(table.widths)}pt"><colgroup>{cols}</colgroup>{parts}</table>'


def _html_block(block) -> str:
    if isinstance(block, Heading):
        return f"<h1>{html.escape(block.text)}</h1>"
    if isinstance(block, Text):
        style = (f"font-size:{block.size}pt;" if block.size else "") + \
                (f"margin-bottom:{block.after}pt;" if block.after is not None else "") + \
                ("break-after:avoid;" if block.keep_with_next else "")
        style = f' style="{style}"' if style else ""
        body = _html_runs(block.runs)
        return f"<p{style}>{f'<b>{body}</b>' if block.bold else body}</p>"
    if isinstance(block, Space):
        return f'<div style="height:{block.points}pt"></div>'
    if isinstance(block, PageBreak):
        return '<div class="break"></div>'
    if isinstance(block, Columns):
        return '<div class="columns">' + "".join(_html_block(b) for b in block.blocks) + "</div>"
    if isinstance(block, Table):
        return _html_table(block)
    raise TypeError(block)


def document_html(doc: Document) -> str:
    css = _CSS % {"orientation": " landscape" if doc.landscape else "", "font": FONT, "dark": DARK.lower(),
                  "zebra": ZEBRA.lower(), "subhead": SUBHEAD.lower()}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(doc.title)}</title><style>{css}</style></head>
<body>
<div class="cover"><div class="title">{html.escape(doc.title)}</div><div class="sub">AngioDynamics, Inc.</div>
<div class="sub">{html.escape(doc.document_number)}</div></div>
<div class="break"></div>
{"".join(_html_block(b) for b in doc.blocks)}
</body></html>
"""


_CHROMIUM_DATES = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})")


def reproducible(pdf: bytes) -> bytes:
    """Chromium's PDF with the run's time (creation and modification dates) made 2023-01-01 00:00:00, the
    same number of bytes, so the cross-reference offsets stay right."""
    fixed, n = _CHROMIUM_DATES.subn(lambda m: b"/" + m.group(1) + b" (D:20230101000000", pdf)
    if n != 2:
        raise SystemExit(f"Chromium's PDF has {n} dates where 2 were expected: update "
                         "tools/make_edition_fixtures.py's reproducible() for this Chromium version")
    return fixed


def make_chromium(doc: Document, target: Path) -> Path:
    print_to_pdf(document_html(doc), target)
    target.write_bytes(reproducible(target.read_bytes()))
    return target


# ---------------------------------------------------------------- LibreOffice Writer: a .docx converted

def write_docx(doc: Document, path: Path) -> Path:
    """`doc` as a Word document, the way an author lays it out in Word."""
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt, RGBColor

    out = Docx()
    section = out.sections[0]
    if doc.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Inches(11), Inches(8.5)
    else:
        section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(0.6)
    section.top_margin, section.bottom_margin = Inches(0.7), Inches(0.8)
    normal = out.styles["Normal"]
    normal.font.name = FONT
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.font.size = Pt(9.5)
    normal.paragraph_format.space_after = Pt(6)
    aligns = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}

    def runs_into(p, runs: Para, *, size=None, bold=False, white=False):
        for run in runs:
            r = p.add_run(run.text)
            r.bold = run.bold or bold
            r.font.superscript = run.sup
            if size:
                r.font.size = Pt(size)
            if white:
                r.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)

    def para(text_runs: Para = (), *, size=None, bold=False, align=None, before=0.0, after=None, keep=False):
        p = out.add_paragraph()
        p.paragraph_format.keep_with_next = keep or None
        if breaking:  # "page break before", as Word writes it: no empty paragraph left on the page before
            p.paragraph_format.page_break_before = True
            breaking.clear()
        runs_into(p, text_runs, size=size, bold=bold)
        if align is not None:
            p.alignment = aligns[align]
        if before:
            p.paragraph_format.space_before = Pt(before)
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        return p

    breaking = []  # a page break waiting for the next paragraph

    def page_break():
        breaking.append(True)

    def shade(cell, fill: str):
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().append(shd)

    def columns(sect, count: int):
        cols = sect._sectPr.find(qn("w:cols"))
        if cols is None:
            cols = OxmlElement("w:cols")
            sect._sectPr.append(cols)
        cols.set(qn("w:num"), str(count))
        cols.set(qn("w:space"), "360")

    def table(t: Table):
        if breaking:
            para((), size=1, after=0)
        grid = out.add_table(rows=t.nrows, cols=len(t.widths))
        if t.style == "ruled":
            grid.style = out.styles["Table Grid"]
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        grid._tbl.tblPr.append(layout)
        mar = OxmlElement("w:tblCellMar")
        for edge, twips in (("top", 50), ("bottom", 50), ("left", 60), ("right", 60)):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:w"), str(twips))
            el.set(qn("w:type"), "dxa")
            mar.append(el)
        grid._tbl.tblPr.append(mar)
        for col, w in zip(grid._tbl.tblGrid.findall(qn("w:gridCol")), t.widths):
            col.set(qn("w:w"), str(int(w * 20)))  # LibreOffice lays columns out by the grid, in twips
        for row in grid.rows:
            for cell, w in zip(row.cells, t.widths):
                cell.width = Pt(w)
        zebra = _zebra(t) if t.style == "dark-zebra" else set()
        for c in t.cells:
            cell = grid.cell(c.row, c.col)
            if c.row_span > 1 or c.col_span > 1:
                cell = cell.merge(grid.cell(c.row + c.row_span - 1, c.col + c.col_span - 1))
            cell.text = ""
            dark = c.header and t.style == "dark-zebra"
            for k, p_runs in enumerate(c.paras):
                p = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                p.paragraph_format.space_after = Pt(0)
                p.alignment = aligns[c.align]
                runs_into(p, p_runs, size=t.size, bold=c.header, white=dark)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if dark:
                shade(cell, DARK)
            elif c.subheading:
                shade(cell, SUBHEAD)
            elif c.row in zebra:
                shade(cell, ZEBRA)
        if t.repeat_header:
            for r in range(t.header_rows):
                grid.rows[r]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))

    def block(b):
        if isinstance(b, Heading):
            para((Run(b.text),), size=14, bold=True)
        elif isinstance(b, Text):
            para(b.runs, size=b.size, bold=b.bold, after=b.after, keep=b.keep_with_next)
        elif isinstance(b, Space):
            para((), before=b.points, after=0, size=1)
        elif isinstance(b, PageBreak):
            page_break()
        elif isinstance(b, Columns):
            columns(out.add_section(WD_SECTION.CONTINUOUS), b.count)
            for inner in b.blocks:
                block(inner)
            columns(out.add_section(WD_SECTION.CONTINUOUS), 1)
        elif isinstance(b, Table):
            table(b)
        else:
            raise TypeError(b)

    para((Run(doc.title),), size=24, bold=True, align="center", before=150)
    para((Run("AngioDynamics, Inc."),), size=12, align="center")
    para((Run(doc.document_number),), size=12, align="center")
    page_break()
    for b in doc.blocks:
        block(b)
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(str(path))
    return path


def make_writer(doc: Document, target: Path) -> Path:
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        raise Missing("LibreOffice (soffice)")
    with tempfile.TemporaryDirectory() as tmp:
        return convert(write_docx(doc, Path(tmp) / (target.stem + ".docx")), target)


# ---------------------------------------------------------------- pdfLaTeX: a longtable

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "®": r"\textsuperscript{\textregistered}", "\u2020": r"\textdagger{}",
                "\u2021": r"\textdaggerdbl{}", "\u2014": r"\textemdash{}", "*": r"\textasteriskcentered{}"}
_PAD = 6.0  # \tabcolsep on both sides
_ALIGN = {"left": r"\raggedright", "right": r"\raggedleft", "center": r"\centering"}


def _tex(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


def _tex_runs(runs: Para) -> str:
    out = []
    for run in runs:
        t = _tex(run.text)
        t = rf"\textsuperscript{{{t}}}" if run.sup else t
        out.append(rf"\textbf{{{t}}}" if run.bold else t)
    return "".join(out)


def _tex_table(t: Table) -> str:
    ruled = t.style == "ruled"
    if t.style not in ("ruled", "borderless"):
        raise ValueError(f"pdflatex fixtures draw ruled or borderless tables, not {t.style!r}")
    bar = "|" if ruled else ""
    n = len(t.widths)
    spec = bar + bar.join(f"m{{{w - _PAD:.1f}pt}}" for w in t.widths) + bar
    rows = _rows(t)

    def row_tex(r: int) -> str:
        out, col = [], 0
        starts = {c.col: c for c in rows[r]}
        above = {c.col: c for c in t.cells if c.row < r < c.row + c.row_span}  # multirow cells going on
        while col < n:
            cell = starts.get(col) or above.get(col)
            span = cell.col_span if cell else 1
            width = sum(t.widths[col:col + span]) - _PAD
            tex, align = "", "center"
            if cell is not None and cell.row == r:
                align = cell.align
                tex = r"\par ".join(_tex_runs(p) for p in cell.paras)
                if cell.row_span > 1:
                    tex = rf"\multirow{{{cell.row_span}}}{{{width:.1f}pt}}{{{_ALIGN[align]} {tex}}}"
            # every cell says its own alignment, vertically centred (m), and its rules
            out.append(rf"\multicolumn{{{span}}}{{{bar if col == 0 else ''}>{{{_ALIGN[align]}\arraybackslash}}"
                       rf"m{{{width:.1f}pt}}{bar}}}{{{tex}}}")
            col += span
        return " & ".join(out) + r" \\"

    def rule_under(r: int) -> str:
        if not ruled:
            return ""
        ending = sorted({k for c in t.cells if c.row + c.row_span - 1 == r for k in range(c.col, c.col + c.col_span)})
        if len(ending) == n:
            return r"\hline"
        return " ".join(rf"\cline{{{k + 1}-{k + 1}}}" for k in ending)

    top = r"\hline" if ruled else ""
    head = top + "\n" + "\n".join(row_tex(r) + " " + rule_under(r) for r in range(t.header_rows))
    if not ruled:
        head += "\n\\addlinespace[2pt]"
    body = "\n".join(row_tex(r) + " " + (rule_under(r) if ruled else r"\addlinespace[2pt]")
                     for r in range(t.header_rows, t.nrows))
    repeated = head if t.repeat_header else ""
    return rf"""\begin{{longtable}}{{{spec}}}
{head}
\endfirsthead
{repeated}
\endhead
{body}
\end{{longtable}}"""


def _tex_block(b) -> str:
    if isinstance(b, Heading):
        return rf"{{\large\bfseries {_tex(b.text)}\par}}\medskip" + "\n"
    if isinstance(b, Text):
        body = _tex_runs(b.runs)
        body = rf"\textbf{{{body}}}" if b.bold else body
        if b.size:
            body = rf"{{\fontsize{{{b.size}}}{{{b.size * 1.25:.1f}}}\selectfont {body}\par}}"
        after = rf"\vspace{{{b.after}pt}}" if b.after is not None else r"\smallskip"
        if b.keep_with_next:
            after += r"\nopagebreak"
        return rf"\noindent {body}\par{after}" + "\n"
    if isinstance(b, Space):
        return rf"\vspace*{{{b.points}pt}}" + "\n"
    if isinstance(b, PageBreak):
        return r"\newpage" + "\n"
    if isinstance(b, Columns):
        return (rf"\begin{{multicols}}{{{b.count}}}" + "\n" + "".join(_tex_block(x) for x in b.blocks)
                + r"\end{multicols}" + "\n")
    if isinstance(b, Table):
        return "{\\footnotesize\n" + _tex_table(b) + "\n}\n"
    raise TypeError(b)


def document_tex(doc: Document) -> str:
    landscape = ",landscape" if doc.landscape else ""
    return rf"""\documentclass[10pt]{{article}}
\usepackage[letterpaper{landscape},left=0.6in,right=0.6in,top=0.7in,bottom=0.8in]{{geometry}}
\usepackage[T1]{{fontenc}}
\usepackage{{helvet}}
\renewcommand{{\familydefault}}{{\sfdefault}}
\pdftrailerid{{}}
\usepackage{{longtable,multirow,booktabs,array,multicol,textcomp}}
\setlength{{\tabcolsep}}{{3pt}}
\setlength{{\extrarowheight}}{{2pt}}
\renewcommand{{\arraystretch}}{{1.15}}
\setlength{{\parindent}}{{0pt}}
\pagestyle{{plain}}
\begin{{document}}
\begin{{center}}
\vspace*{{2in}}
{{\fontsize{{26}}{{32}}\selectfont\bfseries {_tex(doc.title)}\par}}
\vspace{{18pt}}
{{\large AngioDynamics, Inc.\par}}
\vspace{{8pt}}
{{\large {_tex(doc.document_number)}\par}}
\end{{center}}
\newpage
{"".join(_tex_block(b) for b in doc.blocks)}
\end{{document}}
"""


def make_pdflatex(doc: Document, target: Path) -> Path:
    return latex(document_tex(doc), "pdflatex", target)


# ---------------------------------------------------------------- main

MAKERS = {"writer": make_writer, "chromium": make_chromium, "pdflatex": make_pdflatex}


def make(target: Path, only: list[str]) -> tuple[list[Path], list[str]]:
    """Every fixture of the producers in `only` (all when empty) into `target`: (made, producers skipped)."""
    made, skipped = [], []
    for kind in PRODUCERS:
        if only and kind not in only:
            continue
        try:
            for name, edition in FIXTURES.items():
                if producer(name) == kind:
                    made.append(MAKERS[kind](edition.document, target / name))
        except Missing as exc:
            skipped.append(f"{kind} ({exc} is not installed)")
    return made, skipped


def main(argv: list[str]) -> int:
    only = [a for a in argv[1:] if not a.startswith("--")]
    unknown = set(only) - set(PRODUCERS)
    if unknown:
        print(f"no such producer: {', '.join(sorted(unknown))} (known: {', '.join(PRODUCERS)})", file=sys.stderr)
        return 2
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as tmp:
            made, skipped = make(Path(tmp), only)
            stale = [p.name for p in made
                     if not (TARGET / p.name).exists() or p.read_bytes() != (TARGET / p.name).read_bytes()]
        for line in skipped:
            print(f"skipped {line}")
        print("edition fixtures are up to date" if not stale else f"differ from what their producers make: "
              f"{', '.join(stale)}")
        return 1 if stale else 0
    TARGET.mkdir(parents=True, exist_ok=True)
    made, skipped = make(TARGET, only)
    for path in made:
        print(path.relative_to(ROOT))
    for line in skipped:
        print(f"skipped {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
