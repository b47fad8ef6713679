"""Make the producer matrix in `tests/fixtures/producers/`: one guide's data, printed by other producers.

Every fixture in `tools/make_fixtures.py` comes from reportlab or LibreOffice. Vendors make their
guides with web-to-PDF services, TeX, DTP tools and print shops, and re-distill them on the way, and
each leaves other cues for a table's structure. The same guide data (`tools/make_fixtures.py`) is
printed here by:

* **headless Chromium** printing HTML (`chromium --headless --print-to-pdf`): a table ruled with CSS
  borders, and one with zebra fills and no borders (each header cell its own filled box), in Carlito
  (Calibri's metrics, narrow) and in a plain sans;
* **pdfLaTeX and LuaLaTeX**: a `longtable` whose head and foot repeat on every page (the foot says
  "Continued on next page"), `multirow`/`multicolumn` header spans, `booktabs` rules (horizontal only)
  and a glossary whose rows sit a single line apart;
* **re-distillers** of a committed fixture: Ghostscript `pdfwrite`, `pdftocairo -pdf`, and
  `qpdf --object-streams=generate`;
* **content streams written the way DTP tools write them** (this script writes the PDF objects itself):
  one positioned glyph at a time, `TJ` arrays whose word gaps are offsets with no space glyph, an
  Identity-H CID font, white header text on dark filled cells, right-aligned money.

`tests/test_producers.py` asserts each fixture's exact rows. The committed PDFs are what the tests
read, so `make test` needs none of these producers.

    python tools/make_producer_fixtures.py           # every fixture whose producer is installed
    python tools/make_producer_fixtures.py --check   # exit 1 if a fixture differs from what its
                                                     # producer makes now (producers not installed
                                                     # are skipped and named)

Reproducible bytes: the DTP fixtures (this script), pdfLaTeX and LuaLaTeX (SOURCE_DATE_EPOCH,
`\\pdftrailerid{}`, a fixed `\\pdfvariable trailerid` for LuaTeX), qpdf (`--deterministic-id`), Ghostscript (its
dates and ID fixed by `-dOmitInfoDate -dOmitID -dOmitXMP`) and pdftocairo (SOURCE_DATE_EPOCH) make the
same bytes twice. Chromium does not: it stamps each PDF with the time and a random document ID, so
`--check` compares a Chromium fixture by what the pipeline reads from it, not by its bytes.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))

from guide_renderer import (  # noqa: E402
    CONTRACTOR,
    DEFAULT_HEADERS,
    NOT_APPLICABLE,
    Guide,
    amount_text,
    money,
)
from make_fixtures import BREAK_2025, GUIDE_2023  # noqa: E402

TARGET = ROOT / "tests" / "fixtures" / "producers"
#: 2023-01-01T00:00:00Z: the date every reproducible producer stamps.
SOURCE_DATE_EPOCH = "1672531200"


# ---------------------------------------------------------------- the guide as cells

@dataclass(frozen=True)
class Cell:
    """One printed cell of the payment table: grid position, spans and its lines of text.

    `lines` are paragraphs; a paragraph is runs of (text, superscript).
    """

    row: int
    col: int
    text: tuple[tuple[tuple[str, bool], ...], ...]
    row_span: int = 1
    col_span: int = 1
    header: bool = False
    align: str = "center"  # center | left | right


def _runs(wording: str, year: int) -> tuple[tuple[str, bool], ...]:
    """A header wording as runs: "{fn2}" is footnote mark 2, printed raised."""
    text = wording.replace("{year}", str(year))
    out, rest = [], text
    while "{fn" in rest:
        before, _, after = rest.partition("{fn")
        digit, _, rest = after.partition("}")
        if before:
            out.append((before, False))
        out.append((digit, True))
    if rest:
        out.append((rest, False))
    return tuple(out)


def _plain(*paragraphs: str) -> tuple[tuple[tuple[str, bool], ...], ...]:
    return tuple(((p, False),) for p in paragraphs)


def payment_cells(guide: Guide, *, money_align: str = "center",
                  group_align: str = "center") -> tuple[list[Cell], list[float]]:
    """The payment table as cells (4 header rows with spans, one row per code) and column widths.

    The same grid `tools/guide_renderer.py` draws: code, descriptor, physician non-facility and
    facility (payment, RVUs), OPPS (APC, payment), ASC.
    """
    year = guide.year

    def h(row, col, concept, row_span=1, col_span=1):
        align = group_align if col_span > 1 else "center"  # a group header over several columns
        return Cell(row, col, (_runs(DEFAULT_HEADERS[concept], year),), row_span, col_span, True, align)

    cells = [
        Cell(0, 0, (), col_span=2, header=True),  # empty, above "Service Provided"
        h(0, 2, "title", col_span=7),
        h(1, 0, "service", col_span=2), h(1, 2, "physician", col_span=4), h(1, 6, "opps", col_span=2),
        h(1, 8, "asc", row_span=3),
        h(2, 0, "code", row_span=2), h(2, 1, "descriptor", row_span=2), h(2, 2, "non_facility", col_span=2),
        h(2, 4, "facility", col_span=2), h(2, 6, "apc", row_span=2), h(2, 7, "payment", row_span=2),
    ]
    cells += [h(3, 2 + i, concept) for i, concept in enumerate(("payment", "rvus", "payment", "rvus"))]
    for r, row in enumerate(guide.codes, start=4):
        cells.append(Cell(r, 0, _plain(row.code)))
        descriptor = " ".join(row.descriptor.split())
        if row.excluded:
            note = f"(Do not report {row.code} in conjunction with {', '.join(row.excluded)})"
            cells.append(Cell(r, 1, _plain(descriptor, note) if row.note_on_new_line
                              else _plain(f"{descriptor} {note}"), align="left"))
        else:
            cells.append(Cell(r, 1, _plain(descriptor), align="left"))
        physician = (row.non_facility, row.facility)
        if all(a.status == "contractor_priced" for a in physician):
            cells.append(Cell(r, 2, _plain(CONTRACTOR), col_span=4))
        else:
            for j, a in enumerate(physician):
                if a.status == "national_rate":
                    cells.append(Cell(r, 2 + 2 * j, _plain(money(a.usd)), align=money_align))
                    cells.append(Cell(r, 3 + 2 * j, _plain(amount_text(a, rvus=True)), align=money_align))
                else:
                    cells.append(Cell(r, 2 + 2 * j, _plain(amount_text(a)), col_span=2))
        apc = row.apc if row.apc is not None else NOT_APPLICABLE
        cells.append(Cell(r, 6, _plain(apc, f"({row.opps_indicator})") if row.opps_indicator else _plain(apc)))
        cells.append(Cell(r, 7, _plain(amount_text(row.opps)),
                          align=money_align if row.opps.status == "national_rate" else "center"))
        asc = amount_text(row.asc)
        cells.append(Cell(r, 8, _plain(asc, f"({row.asc_indicator})") if row.asc_indicator else _plain(asc),
                          align=money_align if row.asc.status == "national_rate" else "center"))
    return cells, [44, 128, 46, 36, 46, 36, 58, 62, 70]


def effective(guide: Guide) -> str:
    return f"The following CPT codes and average payment amounts are effective as of January 1, {guide.year}."


# ---------------------------------------------------------------- Chromium: HTML printed to PDF

_CSS_COMMON = """
@page { size: letter; margin: 0.7in 0.6in 0.8in 0.6in; }
body { font-family: '%(font)s'; font-size: 9.5pt; line-height: 1.3; margin: 0; }
h1 { font-size: 14pt; color: #1f3f6e; margin: 0 0 8pt 0; }
.cover { text-align: center; padding-top: 2.2in; }
.cover .title { font-size: 26pt; font-weight: bold; line-height: 1.2; }
.cover .sub { font-size: 12pt; margin-top: 12pt; }
.page { break-before: page; }
table { font-size: 8pt; line-height: 1.25; margin-top: 12pt; }
th { font-weight: bold; text-align: center; vertical-align: middle; }
td { vertical-align: middle; text-align: center; }
td.left, th.left { text-align: left; }
td.right { text-align: right; }
td, th { padding: 3pt 3pt; }
td p, th p { margin: 0; }
sup { font-size: 65%%; line-height: 0; }
/* Ligatures off: Chromium maps them to U+FB00-FB06, which is issue #11's to read; these fixtures
   are about table structure. */
body { font-variant-ligatures: none; }
table.terms td { vertical-align: top; text-align: left; }
"""

_CSS_RULED = """
table { border-collapse: collapse; }
td, th { border: 0.5pt solid black; }
"""

#: Zebra rows and filled header cells, no borders: each cell paints its own box, with a
#: white gap between neighbours (border-spacing), the way many web tables look.
_CSS_ZEBRA = """
table { border-collapse: separate; border-spacing: 1.5pt; }
th { background: #d9e2f3; }
/* group headers set flush left in their filled box: their words reach only part of their span */
th.left { text-align: left; }
tbody tr:nth-child(odd) td { background: #f2f2f2; }
"""


def _html_runs(runs) -> str:
    return "".join(f"<sup>{html.escape(t)}</sup>" if sup else html.escape(t) for t, sup in runs)


def _html_cell(cell: Cell) -> str:
    tag = "th" if cell.header else "td"
    attrs = ""
    if cell.row_span > 1:
        attrs += f' rowspan="{cell.row_span}"'
    if cell.col_span > 1:
        attrs += f' colspan="{cell.col_span}"'
    if cell.align != "center":
        attrs += f' class="{cell.align}"'
    body = "".join(f"<p>{_html_runs(p)}</p>" for p in cell.text)
    return f"<{tag}{attrs}>{body}</{tag}>"


def guide_html(guide: Guide, *, style: str, font: str) -> str:
    """The guide as one HTML document: cover, payment table, glossary, each on its own page."""
    zebra = style == "zebra"
    cells, widths = payment_cells(guide, money_align="right" if zebra else "center",
                                  group_align="left" if zebra else "center")
    rows: dict[int, list[Cell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)
    head = "".join("<tr>" + "".join(_html_cell(c) for c in sorted(rows[r], key=lambda c: c.col)) + "</tr>"
                   for r in range(4))
    body = "".join("<tr>" + "".join(_html_cell(c) for c in sorted(rows[r], key=lambda c: c.col)) + "</tr>"
                   for r in sorted(rows) if r >= 4)
    cols = "".join(f'<col style="width:{w}pt">' for w in widths)
    term_head = (f'<tr><th class="left">{_html_runs(_runs(DEFAULT_HEADERS["term"], guide.year))}</th>'
                 f'<th class="left">{_html_runs(_runs(DEFAULT_HEADERS["description"], guide.year))}</th></tr>')
    terms = "".join(f"<tr><td>{html.escape(t)}</td><td>{html.escape(d)}</td></tr>" for t, d in guide.terms)
    css = _CSS_COMMON % {"font": font} + (_CSS_RULED if style == "ruled" else _CSS_ZEBRA)
    title = html.escape(guide.title.format(year=guide.year))
    number = html.escape(guide.document_number or "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{css}</style></head>
<body>
<div class="cover"><div class="title">{title}</div><div class="sub">AngioDynamics, Inc.</div>
<div class="sub">{number}</div></div>
<div class="page">
<h1>CATEGORY III CPT BILLING CODES<br>FOR PERCUTANEOUS AND OPEN IRE</h1>
<p>{html.escape(effective(guide))}</p>
<table class="payments"><colgroup>{cols}</colgroup><thead>{head}</thead><tbody>{body}</tbody></table>
</div>
<div class="page">
<h1>REIMBURSEMENT TERMINOLOGY</h1>
<table class="terms"><colgroup><col style="width:90pt"><col style="width:400pt"></colgroup>
<thead>{term_head}</thead><tbody>{terms}</tbody></table>
</div>
</body></html>
"""


def chromium(html_text: str, target: Path) -> Path:
    """Print `html_text` to `target` with headless Chromium, as a user would from the command line."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise Missing("chromium")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "guide.html"
        page.write_text(html_text, encoding="utf-8")
        out = Path(tmp) / "out.pdf"
        profile = Path(tmp) / "profile"
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={out}",
                        page.as_uri()], check=True, capture_output=True, timeout=120)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, target)
    return target


class Missing(Exception):
    """A producer is not installed here."""


#: name -> (guide, style, font)
CHROMIUM = {
    "chromium-ruled-carlito-2023.pdf": (GUIDE_2023, "ruled", "Carlito"),
    "chromium-zebra-carlito-2023.pdf": (GUIDE_2023, "zebra", "Carlito"),
    "chromium-ruled-sans-2023.pdf": (GUIDE_2023, "ruled", "Liberation Sans"),
    "chromium-zebra-sans-2023.pdf": (GUIDE_2023, "zebra", "Liberation Sans"),
}


def make_chromium(target: Path) -> list[Path]:
    return [chromium(guide_html(guide, style=style, font=font), target / name)
            for name, (guide, style, font) in CHROMIUM.items()]


# ---------------------------------------------------------------- pdfLaTeX and LuaLaTeX

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "®": r"\textsuperscript{\textregistered}"}


def _tex(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


def _tex_runs(runs) -> str:
    return "".join(rf"\textsuperscript{{{_tex(t)}}}" if sup else _tex(t) for t, sup in runs)


def _tex_cell(cell: Cell, width: float) -> str:
    """A cell's paragraphs in a box `width` points wide (spans already summed)."""
    align = {"left": r"\raggedright", "right": r"\raggedleft", "center": r"\centering"}[cell.align]
    body = r"\par ".join(_tex_runs(p) for p in cell.text)
    if cell.header:
        body = rf"\textbf{{{body}}}"
    return rf"\parbox[c]{{{width:.1f}pt}}{{{align} {body}}}"


#: The running foot longtable prints under each page's part of a table, and the head of a
#: continued part: wording a producer adds that belongs to no cell (pipeline/vocab/running_text.csv).
CONTINUED = "Continued on next page"


def payment_longtable(guide: Guide, *, rules: str) -> str:
    """The payment table as a longtable: head repeated on every page, a "continued" foot.

    `rules`: "grid" (vertical and horizontal rules, \\hline and |) or "booktabs" (horizontal
    rules only: \\toprule, \\cmidrule, \\midrule, \\bottomrule).
    """
    cells, widths = payment_cells(guide)
    pad = 6.0  # \tabcolsep on both sides
    bar = "|" if rules == "grid" else ""
    spec = bar + bar.join(f"p{{{w - pad:.1f}pt}}" for w in widths) + bar
    rows: dict[int, list[Cell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)

    def row_tex(r: int) -> str:
        out, col = [], 0
        by_col = {c.col: c for c in rows[r]}
        covered = {k for c in cells if c.row < r < c.row + c.row_span for k in range(c.col, c.col + c.col_span)}
        while col < 9:
            cell = by_col.get(col)
            if cell is None:
                out.append("")
                col += 1
                continue
            width = sum(widths[col:col + cell.col_span]) - pad
            tex = _tex_cell(cell, width) if cell.text else ""
            if cell.row_span > 1:
                tex = rf"\multirow{{{cell.row_span}}}{{{width:.1f}pt}}{{{tex}}}"
            if cell.col_span > 1 or (rules == "grid" and cell.row_span == 1):
                spec_ = f"{bar}p{{{width:.1f}pt}}{bar if col + cell.col_span == 9 or True else ''}"
                left = bar if col == 0 else ""
                tex = rf"\multicolumn{{{cell.col_span}}}{{{left}p{{{width:.1f}pt}}{bar}}}{{{tex}}}"
            out.append(tex)
            col += cell.col_span
        del covered
        return " & ".join(out) + r" \\"

    def rule_under(r: int) -> str:
        if rules == "grid":
            # under a row, a rule only below cells that end there (a multirow cell goes on)
            spans = [c for c in cells if c.row <= r < c.row + c.row_span and c.row + c.row_span - 1 == r]
            ends = sorted({k for c in spans for k in range(c.col, c.col + c.col_span)})
            if len(ends) == 9:
                return r"\hline"
            return " ".join(rf"\cline{{{k + 1}-{k + 1}}}" for k in ends)
        groups = [c for c in rows.get(r, []) if c.header and c.col_span > 1 and c.text]
        return " ".join(rf"\cmidrule(lr){{{c.col + 1}-{c.col + c.col_span}}}" for c in groups)

    top = r"\hline" if rules == "grid" else r"\toprule"
    mid = r"\hline" if rules == "grid" else r"\midrule"
    bottom = r"\hline" if rules == "grid" else r"\bottomrule"
    head = top + "\n" + "\n".join(row_tex(r) + " " + (rule_under(r) if r < 3 else "") for r in range(4))
    head += "\n" + mid
    body = "\n".join(row_tex(r) + (" " + mid if rules == "grid" else r" \addlinespace[2pt]")
                     for r in sorted(rows) if r >= 4)
    return rf"""\begin{{longtable}}{{{spec}}}
{head}
\endfirsthead
{head}
\endhead
{bottom}
\multicolumn{{9}}{{r}}{{\footnotesize\itshape {CONTINUED}}} \\
\endfoot
{bottom}
\endlastfoot
{body}
\end{{longtable}}"""


def glossary_longtable(guide: Guide, *, rules: str) -> str:
    """The glossary: booktabs rules, rows a single line apart (no rule, no space between them)."""
    term = _tex_runs(_runs(DEFAULT_HEADERS["term"], guide.year))
    desc = _tex_runs(_runs(DEFAULT_HEADERS["description"], guide.year))
    bar = "|" if rules.startswith("grid") else ""
    top, mid, bottom = ((r"\hline",) * 3) if bar else (r"\toprule", r"\midrule", r"\bottomrule")
    head = rf"{top}" + "\n" + rf"\textbf{{{term}}} & \textbf{{{desc}}} \\ {mid}"
    between = r" \hline" if rules == "grid" else ""  # "grid-open": vertical rules, none between rows
    body = "\n".join(rf"{_tex(t)} & {_tex(d)} \\{between}" for t, d in guide.terms)
    return rf"""\begin{{longtable}}{{{bar}p{{84pt}}{bar}p{{394pt}}{bar}}}
{head}
\endfirsthead
{head}
\endhead
{bottom}
\multicolumn{{2}}{{r}}{{\footnotesize\itshape {CONTINUED}}} \\
\endfoot
{bottom}
\endlastfoot
{body}
\end{{longtable}}"""


def guide_tex(guide: Guide, *, engine: str, rules: str, glossary_rules: str | None = None,
              after_terms: str = "") -> str:
    """The guide as a LaTeX document: cover, payment table, glossary (each from a new page)."""
    if engine == "lualatex":
        fonts = (r"\usepackage{fontspec}" "\n"
                 r"\setmainfont{Liberation Sans}[Ligatures=NoCommon]" "\n"
                 r"\pdfvariable trailerid {[<6E616E6F6B6E696665> <6E616E6F6B6E696665>]}")
    else:
        fonts = (r"\usepackage[T1]{fontenc}" "\n" r"\usepackage{helvet}" "\n"
                 r"\renewcommand{\familydefault}{\sfdefault}" "\n" r"\pdftrailerid{}")
    title = _tex(guide.title.format(year=guide.year))
    return rf"""\documentclass[10pt]{{article}}
\usepackage[letterpaper,left=0.6in,right=0.6in,top=0.7in,bottom=0.8in]{{geometry}}
{fonts}
\usepackage{{longtable,multirow,booktabs,array}}
\setlength{{\tabcolsep}}{{3pt}}
\pagestyle{{plain}}
\begin{{document}}
\begin{{center}}
\vspace*{{2in}}
{{\fontsize{{26}}{{32}}\selectfont\bfseries {title}\par}}
\vspace{{18pt}}
{{\large AngioDynamics, Inc.\par}}
\vspace{{8pt}}
{{\large {_tex(guide.document_number or "")}\par}}
\end{{center}}
\newpage
{{\large\bfseries CATEGORY III CPT BILLING CODES FOR PERCUTANEOUS AND OPEN IRE\par}}
\medskip
{_tex(effective(guide))}

{{\footnotesize
{payment_longtable(guide, rules=rules)}
}}
\newpage
{{\large\bfseries REIMBURSEMENT TERMINOLOGY\par}}
\medskip
{{\small
{glossary_longtable(guide, rules=glossary_rules or rules)}
}}
{after_terms}
\end{{document}}
"""


def latex(tex: str, engine: str, target: Path) -> Path:
    """Typeset `tex` with `engine` (pdflatex or lualatex), reproducibly: SOURCE_DATE_EPOCH fixes
    the dates, an empty trailer ID (in the source) the /ID; run twice so longtable settles."""
    exe = shutil.which(engine)
    if exe is None:
        raise Missing(engine)
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "guide.tex").write_text(tex, encoding="utf-8")
        for _ in range(3):
            done = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "guide.tex"], cwd=tmp,
                                  env=env, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                raise RuntimeError(f"{engine} failed:\n{done.stdout[-3000:]}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "guide.pdf", target)
    return target


#: A bold heading set a few points under the glossary: it ends the table, it is no term.
HEADING_AFTER_TERMS = (r"\vspace{-14pt}" "\n" r"{\small\bfseries OTHER RESOURCES\par}" "\n"
                       r"For inpatient reimbursement information, please refer to the NanoKnife System "
                       r"Inpatient Hospital IRE Reimbursement Guidelines.")

#: name -> (guide, engine, rules of the payment table, rules of the glossary, after the glossary)
LATEX = {
    "pdflatex-longtable-grid-2025.pdf": (BREAK_2025, "pdflatex", "grid", "grid", ""),
    "pdflatex-longtable-booktabs-2025.pdf": (BREAK_2025, "pdflatex", "booktabs", "booktabs", HEADING_AFTER_TERMS),
    "lualatex-booktabs-2023.pdf": (GUIDE_2023, "lualatex", "booktabs", "booktabs", HEADING_AFTER_TERMS),
    # a ruled glossary with no rule between its rows: the rows cannot be told apart as drawn
    "pdflatex-grid-glossary-without-row-rules-2023.pdf": (GUIDE_2023, "pdflatex", "grid", "grid-open", ""),
}


def make_latex(target: Path) -> list[Path]:
    return [latex(guide_tex(guide, engine=engine, rules=rules, glossary_rules=glossary, after_terms=after),
                  engine, target / name)
            for name, (guide, engine, rules, glossary, after) in LATEX.items()]


# ---------------------------------------------------------------- re-distilled copies

FIXTURES = ROOT / "tests" / "fixtures"

#: producer -> command line, with {src} and {out}; each rewrites every object of the PDF its own way
#: (Ghostscript re-encodes fonts and content streams, cairo re-draws every page, qpdf packs the
#: objects into object streams).
REDISTILLERS = {
    "gs-pdfwrite": ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-dOmitInfoDate",
                    "-dOmitID", "-dOmitXMP", "-sOutputFile={out}", "{src}"],
    "pdftocairo": ["pdftocairo", "-pdf", "{src}", "{out}"],
    "qpdf-object-streams": ["qpdf", "--object-streams=generate", "--deterministic-id", "{src}", "{out}"],
}

#: name -> (re-distiller, committed fixture it re-distills)
REDISTILLED = {
    f"{tool}-of-{src}": (tool, src)
    for tool in REDISTILLERS
    for src in ("libreoffice-ruled-break-repeated-header-2025.pdf", "reportlab-shaded-2023.pdf")
}


def redistill(tool: str, src: Path, target: Path) -> Path:
    command = REDISTILLERS[tool]
    if shutil.which(command[0]) is None:
        raise Missing(command[0])
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.pdf"
        subprocess.run([a.format(src=src, out=out) for a in command], check=True, capture_output=True,
                       env=env, timeout=300)
        shutil.copyfile(out, target)
    return target


def make_redistilled(target: Path) -> list[Path]:
    return [redistill(tool, FIXTURES / src, target / name) for name, (tool, src) in REDISTILLED.items()]


# ---------------------------------------------------------------- main

PRODUCERS = {"chromium": make_chromium, "latex": make_latex, "redistill": make_redistilled}


def main(argv: list[str]) -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    only = [a for a in argv[1:] if not a.startswith("--")]
    for name, make in PRODUCERS.items():
        if only and name not in only:
            continue
        try:
            for path in make(TARGET):
                print(path.relative_to(ROOT))
        except Missing as exc:
            print(f"skipped {name}: {exc} is not installed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
