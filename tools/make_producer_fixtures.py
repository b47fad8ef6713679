"""Make the producer matrix in `tests/fixtures/producers/`: one guide's data, printed by other producers.

Every fixture in `tools/make_fixtures.py` comes from reportlab or LibreOffice. Vendors make their
guides with web-to-PDF services, TeX, DTP tools and print shops, and re-distill them on the way, and
each leaves other cues for a table's structure. The same guide data (`tools/testkit/guides.py`) is
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

    python -m tools.make_producer_fixtures           # every fixture whose producer is installed
    python -m tools.make_producer_fixtures --check   # exit 1 if a fixture differs from what its
                                                     # producer makes now (producers not installed
                                                     # are skipped and named)

Reproducible bytes: the DTP fixtures (this script), pdfLaTeX and LuaLaTeX (SOURCE_DATE_EPOCH,
`\\pdftrailerid{}`, a fixed `\\pdfvariable trailerid` for LuaTeX), qpdf (`--deterministic-id`) and
Ghostscript (`-dOmitInfoDate -dOmitID -dOmitXMP`) make the same bytes twice. Chromium does not (it
stamps each PDF with the time and a random document ID), nor does pdftocairo here (cairo 1.16 stamps
the time and ignores SOURCE_DATE_EPOCH; 1.17.2 and later honour it): `--check` compares those by
what the pipeline reads from them, not by their bytes.
"""

from __future__ import annotations

import html
import os
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tools.testkit.chromium import Missing, print_to_pdf
from tools.testkit.guide_data import published, random_guide
from tools.testkit.guides import BREAK_2025, GUIDE_2023
from tools.testkit.paths import FIXTURES, ROOT
from tools.testkit.renderer import CONTRACTOR, DEFAULT_HEADERS, NOT_APPLICABLE, Guide, Layout, amount_text, money

TARGET = FIXTURES / "producers"
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


def _runs(wording: str, year: int, superscripts: bool = True) -> tuple[tuple[str, bool], ...]:
    """A header wording as runs: "{fn2}" is footnote mark 2, printed raised (or full size)."""
    text = wording.replace("{year}", str(year))
    out, rest = [], text
    while "{fn" in rest:
        before, _, after = rest.partition("{fn")
        digit, _, rest = after.partition("}")
        if before:
            out.append((before, False))
        out.append((digit, superscripts))
    if rest:
        out.append((rest, False))
    return tuple(out)


def _plain(*paragraphs: str) -> tuple[tuple[tuple[str, bool], ...], ...]:
    return tuple(((p, False),) for p in paragraphs)


def payment_cells(guide: Guide, *, money_align: str = "center", group_align: str = "center",
                  headers: dict[str, str] | None = None, asc_leaf: str | None = None
                  ) -> tuple[list[Cell], list[float]]:
    """The payment table as cells (4 header rows with spans, one row per code) and column widths.

    The same grid `tools/testkit/renderer.py` draws: code, descriptor, physician non-facility and
    facility (payment, RVUs), OPPS (APC, payment), ASC. The header wordings and footnote
    marks are the guide layout's (`Layout.headers`, `superscripts`); `headers` rewords more;
    `asc_leaf` prints the ASC column as a group header over a leaf of that wording.
    """
    year, raised = guide.year, guide.layout.superscripts
    wordings = {**DEFAULT_HEADERS, **guide.layout.headers, **(headers or {})}

    def h(row, col, concept, row_span=1, col_span=1, wording=None):
        align = group_align if col_span > 1 else "center"  # a group header over several columns
        return Cell(row, col, (_runs(wording or wordings[concept], year, raised),), row_span, col_span, True,
                    align)

    cells = [
        Cell(0, 0, (), col_span=2, header=True),  # empty, above "Service Provided"
        h(0, 2, "title", col_span=7),
        h(1, 0, "service", col_span=2), h(1, 2, "physician", col_span=4), h(1, 6, "opps", col_span=2),
        *([h(1, 8, "asc"), h(2, 8, "payment", row_span=2, wording=asc_leaf)] if asc_leaf else [h(1, 8, "asc", row_span=3)]),
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


def guide_html(guide: Guide, *, style: str, font: str, headers: dict[str, str] | None = None,
               asc_leaf: str | None = None) -> str:
    """The guide as one HTML document: cover, payment table, glossary, each on its own page."""
    zebra = style == "zebra"
    cells, widths = payment_cells(guide, money_align="right" if zebra else "center",
                                  group_align="left" if zebra else "center", headers=headers, asc_leaf=asc_leaf)
    rows: dict[int, list[Cell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)
    head = "".join("<tr>" + "".join(_html_cell(c) for c in sorted(rows[r], key=lambda c: c.col)) + "</tr>"
                   for r in range(4))
    body = "".join("<tr>" + "".join(_html_cell(c) for c in sorted(rows[r], key=lambda c: c.col)) + "</tr>"
                   for r in sorted(rows) if r >= 4)
    cols = "".join(f'<col style="width:{w}pt">' for w in widths)
    raised = guide.layout.superscripts
    term_head = (f'<tr><th class="left">{_html_runs(_runs(DEFAULT_HEADERS["term"], guide.year, raised))}</th>'
                 f'<th class="left">{_html_runs(_runs(DEFAULT_HEADERS["description"], guide.year, raised))}'
                 '</th></tr>')
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


#: The CMS abbreviations for the indicators: "APC (SI)" (status indicator), and the ASC column
#: as "ASC Payment" over "Payment (PI)" (payment indicator).
CMS_ABBREVIATIONS = {"headers": {"apc": "APC (SI){fn3}", "asc": "ASC Payment{fn4}"}, "asc_leaf": "Payment (PI)"}
#: A group header with an unknown wording over columns that name themselves.
PROCEDURE = {"headers": {"service": "Procedure"}}
#: A group header with an unknown wording that its columns need: APC and Payment name no setting.
OPPS_UNKNOWN = "Hospital Outpatient Department"
NEEDED_UNKNOWN = {"headers": {"opps": OPPS_UNKNOWN + "{fn3}"}}

#: name -> (guide, style, font, header changes)
CHROMIUM = {
    "chromium-ruled-carlito-2023.pdf": (GUIDE_2023, "ruled", "Carlito", {}),
    "chromium-zebra-carlito-2023.pdf": (GUIDE_2023, "zebra", "Carlito", {}),
    "chromium-ruled-sans-2023.pdf": (GUIDE_2023, "ruled", "Liberation Sans", {}),
    "chromium-zebra-sans-2023.pdf": (GUIDE_2023, "zebra", "Liberation Sans", {}),
    "chromium-ruled-cms-abbreviations-2023.pdf": (GUIDE_2023, "ruled", "Liberation Sans", CMS_ABBREVIATIONS),
    "chromium-zebra-procedure-group-header-2023.pdf": (GUIDE_2023, "zebra", "Carlito", PROCEDURE),
    "chromium-zebra-unknown-opps-group-header-2023.pdf": (GUIDE_2023, "zebra", "Carlito", NEEDED_UNKNOWN),
}


def make_chromium(target: Path) -> list[Path]:
    return [print_to_pdf(guide_html(guide, style=style, font=font, **changes), target / name)
            for name, (guide, style, font, changes) in CHROMIUM.items()]



def chromium_guide(guide: Guide, path: Path, *, style: str, font: str) -> Path:
    """`guide` printed by Chromium (its data, header wordings and footnote marks): the round trip's producer."""
    return print_to_pdf(guide_html(guide, style=style, font=font), path)


#: A committed sample of the round trip through Chromium, for `make test` (the property test itself,
#: 200 drawn guides, runs with `make roundtrip`): name -> (seed, codes, terms, style, font, layout).
ROUNDTRIP_SAMPLES = {
    "chromium-zebra-carlito-seed-1.pdf": (1, 12, 15, "zebra", "Carlito", {}),
    "chromium-ruled-sans-seed-2.pdf": (2, 8, 30, "ruled", "Liberation Sans", {}),
    "chromium-zebra-sans-reworded-seed-3.pdf": (3, 5, 6, "zebra", "Liberation Sans", {
        "superscripts": False,
        "headers": {"title": "CY {year} Medicare National Average Payment", "physician": "Physician (PFS){fn2}",
                    "opps": "Hospital Outpatient (OPPS){fn3}", "asc": "Ambulatory Surgery Center{fn4}",
                    "non_facility": "In Office (Non-Facility)", "descriptor": "Description{fn1}",
                    "apc": "APC (SI){fn3}", "rvus": "RVU"}}),
    "chromium-ruled-carlito-seed-4.pdf": (4, 3, 4, "ruled", "Carlito", {}),
    # the header Chromium repeats on page 3 is put in other rows than on page 2, its title reaches one
    # column less, and under it goes on a note cut from the last row of page 2
    "chromium-zebra-sans-repeated-header-seed-7.pdf": (7, 12, 6, "zebra", "Liberation Sans", {}),
}
ROUNDTRIP = TARGET / "roundtrip"


def roundtrip_sample(name: str) -> Guide:
    """The guide data of one committed round-trip sample."""
    seed, codes, terms, _, _, layout = ROUNDTRIP_SAMPLES[name]
    return random_guide(random.Random(seed), codes=codes, terms=terms, year=2026 + seed, layout=Layout(**layout))


def make_roundtrip(target: Path) -> list[Path]:
    return [chromium_guide(roundtrip_sample(name), target / "roundtrip" / name, style=v[3], font=v[4])
            for name, v in ROUNDTRIP_SAMPLES.items()]

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


# ---------------------------------------------------------------- DTP: content streams written by hand

#: Liberation Sans (Arial's metrics), embedded as an Identity-H CID font.
_TTF = {False: Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
        True: Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf")}
#: Every char the guide prints (ASCII and "®"): the embedded subset, in this order.
_CHARSET = [chr(c) for c in range(32, 127)] + ["®"]
_DARK = "0.122 0.247 0.431"  # header fill, #1f3f6e
PAGE_HEIGHT = 792.0


class _Font:
    """A font as a DTP tool uses it: its metrics, and how it writes a run of text."""

    def __init__(self, resource: str, bold: bool, cid: bool):
        self.resource, self.bold, self.cid = resource, bold, cid
        if cid:
            from reportlab.pdfbase.ttfonts import TTFontFile

            self.ttf = TTFontFile(str(_TTF[bold]))
            self.glyph: dict[str, int] = {}
            seen: dict[int, int] = {0: 0}
            for ch in _CHARSET:  # the subset numbers glyphs in order of first use, as makeSubset does
                old = self.ttf.charToGlyph.get(ord(ch), 0)
                seen.setdefault(old, len(seen))
                self.glyph[ch] = seen[old]
        else:
            from reportlab.pdfbase import pdfmetrics

            self.name = "Helvetica-Bold" if bold else "Helvetica"
            self._metrics = pdfmetrics

    def width(self, text: str, size: float) -> float:
        if self.cid:
            return sum(self.ttf.charWidths.get(ord(ch), 0) for ch in text) * size / 1000
        return self._metrics.stringWidth(text, self.name, size)

    def code(self, text: str) -> bytes:
        """How `text` is written in a string operand."""
        if self.cid:
            return b"<" + "".join(f"{self.glyph[ch]:04X}" for ch in text).encode() + b">"
        escaped = text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        return b"(" + escaped + b")"


@dataclass(frozen=True)
class _Style:
    """How a DTP fixture writes text: one glyph per text matrix, or TJ arrays with offsets for spaces."""

    glyphs: bool
    cid: bool
    #: Cells ruled with stroked boxes instead of dark fills.
    ruled: bool = False
    #: On a continuation page, the repeated header's tallest cell loses its last line.
    clip_repeated_header: bool = False


def _show(out: list[bytes], font: _Font, style: _Style, text: str, x: float, y: float, size: float) -> None:
    """Write `text` with its baseline at (x, y) in PDF space."""
    out.append(b"BT /%s %.2f Tf\n" % (font.resource.encode(), size))
    if style.glyphs:
        # one positioned glyph at a time; a space is no glyph, only the next glyph's position
        for ch in text:
            if ch != " ":
                out.append(b"1 0 0 1 %.3f %.3f Tm %s Tj\n" % (x, y, font.code(ch)))
            x += font.width(ch, size)
    else:
        # one TJ array per run; word gaps are offsets, no space glyph is written
        space = font.width(" ", size) * 1000 / size
        parts = []
        for k, word in enumerate(text.split(" ")):
            if k:
                parts.append(b"%.0f" % -space)
            if word:
                parts.append(font.code(word))
        out.append(b"1 0 0 1 %.3f %.3f Tm [%s] TJ\n" % (x, y, b" ".join(parts)))
    out.append(b"ET\n")


def _wrap(font: _Font, text: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        trial = f"{line} {word}" if line else word
        if line and font.width(trial, size) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + [line] if line else lines


#: Where a DTP fixture's page starts and ends (points from the top): its margins.
DTP_TOP, DTP_BOTTOM = 50.0, 734.0


class _Canvas:
    """A page's content stream, laid out from the top of the page down; `pages` holds them all."""

    def __init__(self, style: _Style, fonts: dict[bool, _Font], pages: list):
        self.style, self.fonts, self.out, self.pages = style, fonts, [], pages
        pages.append(self)

    def next_page(self) -> "_Canvas":
        return _Canvas(self.style, self.fonts, self.pages)

    def box(self, x0: float, top: float, x1: float, bottom: float) -> None:
        """A cell's ruled box: four stroked sides."""
        self.out.append(b"0 G 0.5 w %.2f %.2f %.2f %.2f re S\n" % (x0, PAGE_HEIGHT - bottom, x1 - x0, bottom - top))

    def fill(self, x0: float, top: float, x1: float, bottom: float, rgb: str) -> None:
        self.out.append(b"%s rg %.2f %.2f %.2f %.2f re f\n"
                        % (rgb.encode(), x0, PAGE_HEIGHT - bottom, x1 - x0, bottom - top))

    def text(self, runs, x: float, baseline: float, size: float, bold: bool, white: bool = False) -> None:
        """Runs of (text, superscript) from x; superscripts smaller and raised."""
        font = self.fonts[bold]
        self.out.append(b"1 g\n" if white else b"0 g\n")
        for text, sup in runs:
            s = size * 0.65 if sup else size
            _show(self.out, font, self.style, text, x, PAGE_HEIGHT - baseline + (size * 0.33 if sup else 0), s)
            x += font.width(text, s)

    def width(self, runs, size: float, bold: bool) -> float:
        return sum(self.fonts[bold].width(t, size * 0.65 if sup else size) for t, sup in runs)

    def paragraph(self, text: str, x: float, top: float, width: float, size: float, bold: bool = False,
                  leading: float | None = None) -> float:
        leading = leading or size * 1.3
        for k, line in enumerate(_wrap(self.fonts[bold], text, size, width)):
            self.text(((line, False),), x, top + size + k * leading, size, bold)
        return top + leading * max(1, len(_wrap(self.fonts[bold], text, size, width)))


def _cell_lines(canvas: _Canvas, cell: Cell, width: float, size: float) -> list[tuple]:
    """A cell's printed lines, each runs of (text, superscript), wrapped to `width`."""
    out = []
    for paragraph in cell.text:
        if any(sup for _, sup in paragraph):  # a header wording with its footnote mark: wrap the words
            words, line = [], []
            for text, sup in paragraph:
                if sup:
                    line.append((text, True))
                    continue
                for k, word in enumerate(text.split(" ")):
                    if k and line:
                        words.append(line)
                        line = []
                    if word:
                        line.append((word, False))
            words.append(line)
            current: list = []
            for word in words:
                trial = current + ([(" ", False)] if current else []) + word
                if current and canvas.width(trial, size, cell.header) > width:
                    out.append(tuple(current))
                    current = list(word)
                else:
                    current = trial
            out.append(tuple(current))
        else:
            text = "".join(t for t, _ in paragraph)
            out += [((line, False),) for line in _wrap(canvas.fonts[cell.header], text, size, width)]
    return out


def _draw_table(canvas: "_Canvas", cells: list[Cell], widths: list[float], header_rows: int, x: float, top: float,
                size: float = 8.0) -> "_Canvas":
    """Lay a table out from `top`, on as many pages as it needs (`canvas.next_page`): header
    cells each their own filled box (dark, white text) or ruled box, body rows top-aligned,
    money right-aligned, the header repeated on each new page. Returns the last page."""
    leading, pad, gap = size * 1.25, 3.0, 1.0
    lefts = [x + sum(widths[:c]) for c in range(len(widths) + 1)]
    laid = {id(c): _cell_lines(canvas, c, lefts[c.col + c.col_span] - lefts[c.col] - 2 * pad, size) for c in cells}
    nrows = max(c.row + c.row_span for c in cells)
    heights = [2 * leading + 2 * pad if r < header_rows else 0.0 for r in range(nrows)]
    for c in cells:
        if c.row >= header_rows:
            heights[c.row] = max(heights[c.row], len(laid[id(c)]) * leading + 2 * pad)

    def draw(c: Cell, y0: float, y1: float, lines: list) -> None:
        x0, x1 = lefts[c.col], lefts[c.col + c.col_span]
        if canvas.style.ruled:
            canvas.box(x0, y0, x1, y1)
        elif c.header:
            canvas.fill(x0 + gap / 2, y0 + gap / 2, x1 - gap / 2, y1 - gap / 2, _DARK)
        first = (y0 + y1) / 2 - len(laid[id(c)]) * leading / 2 if c.header else y0 + pad  # header centred
        for k, runs in enumerate(lines):
            w = canvas.width(runs, size, c.header)
            lx = {"left": x0 + pad, "right": x1 - pad - w, "center": (x0 + x1 - w) / 2}[c.align]
            canvas.text(runs, lx, first + k * leading + size * 0.8, size, c.header,
                        white=c.header and not canvas.style.ruled)

    def header(y: float, repeated: bool) -> float:
        tops = [y + sum(heights[:r]) for r in range(header_rows + 1)]
        for c in cells:
            if c.row < header_rows:
                lines = laid[id(c)]
                if repeated and canvas.style.clip_repeated_header and len(lines) > 2:
                    lines = lines[:-1]  # the producer clips the repeated header's tallest cell
                draw(c, tops[c.row], tops[c.row + c.row_span], lines)
        return tops[-1]

    y = header(top, False)
    for r in range(header_rows, nrows):
        if y + heights[r] > DTP_BOTTOM:
            canvas = canvas.next_page()
            y = header(DTP_TOP, True)
        for c in cells:
            if c.row == r:
                draw(c, y, y + heights[r], laid[id(c)])
        y += heights[r]
    return canvas


def _glossary_cells(guide: Guide) -> tuple[list[Cell], list[float]]:
    cells = [Cell(0, 0, (_runs(DEFAULT_HEADERS["term"], guide.year),), header=True, align="left"),
             Cell(0, 1, (_runs(DEFAULT_HEADERS["description"], guide.year),), header=True, align="left")]
    for r, (term, description) in enumerate(guide.terms, start=1):
        cells += [Cell(r, 0, _plain(term), align="left"), Cell(r, 1, _plain(description), align="left")]
    return cells, [90, 400]


def dtp_pages(guide: Guide, style: _Style, fonts: dict[bool, _Font]) -> list[bytes]:
    """The guide's pages as content streams: cover, payment table, glossary (each from a new page)."""
    pages: list[_Canvas] = []
    cover = _Canvas(style, fonts, pages)
    title = guide.title.format(year=guide.year)
    cover.text(((title, False),), (612 - cover.width(((title, False),), 24, True)) / 2, 220, 24, True)
    for k, text in enumerate(("AngioDynamics, Inc.", guide.document_number or "")):
        cover.text(((text, False),), (612 - cover.width(((text, False),), 12, False)) / 2, 260 + 18 * k, 12, False)
    table = cover.next_page()
    y = table.paragraph("CATEGORY III CPT BILLING CODES FOR PERCUTANEOUS AND OPEN IRE", 43.2, DTP_TOP, 525, 14, True)
    y = table.paragraph(effective(guide), 43.2, y + 6, 525, 9.5)
    cells, widths = payment_cells(guide, money_align="right")
    last = _draw_table(table, cells, widths, 4, 43.2, y + 12)
    terms = last.next_page()
    y = terms.paragraph("REIMBURSEMENT TERMINOLOGY", 43.2, DTP_TOP, 525, 14, True)
    cells, widths = _glossary_cells(guide)
    _draw_table(terms, cells, widths, 1, 43.2, y + 12)
    return [b"".join(page.out) for page in pages]


def _cid_font_objects(pdf: "_Writer", font: _Font) -> int:
    """Type0 font, Identity-H, over an embedded TrueType subset, with a ToUnicode map."""
    ttf = font.ttf
    program = ttf.makeSubset([ord(ch) for ch in _CHARSET])
    name = ("NKBOLD+" if font.bold else "NKREGU+") + ttf.name.decode()
    file2 = pdf.stream(f"/Length1 {len(program)}", program)
    bbox = " ".join(f"{v:.0f}" for v in ttf.bbox)
    descriptor = pdf.add(f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{bbox}] /ItalicAngle 0 "
                         f"/Ascent {ttf.ascent:.0f} /Descent {ttf.descent:.0f} /CapHeight {ttf.capHeight:.0f} "
                         f"/StemV {ttf.stemV} /FontFile2 {file2} 0 R >>")
    glyphs = sorted({(g, ch) for ch, g in font.glyph.items()})
    widths = " ".join(f"{g} [{ttf.charWidths.get(ord(ch), 0):.0f}]" for g, ch in glyphs)
    cidfont = pdf.add(f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) "
                      f"/Ordering (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /W [{widths}] "
                      f"/CIDToGIDMap /Identity >>")
    bfchar = "\n".join(f"<{g:04X}> <{ord(ch):04X}>" for g, ch in glyphs)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) "
            "/Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(glyphs)} beginbfchar\n{bfchar}\nendbfchar endcmap CMapName currentdict /CMap defineresource pop "
            "end end").encode()
    to_unicode = pdf.stream("", cmap)
    return pdf.add(f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
                   f"/DescendantFonts [{cidfont} 0 R] /ToUnicode {to_unicode} 0 R >>")


class _Writer:
    """The PDF file: numbered objects, a cross-reference table, a trailer. Same input, same bytes."""

    def __init__(self):
        self.objects: list[bytes] = []

    def add(self, body: str | bytes) -> int:
        self.objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(self.objects)

    def stream(self, entries: str, data: bytes) -> int:
        import zlib

        packed = zlib.compress(data, 9)
        return self.add(b"<< /Filter /FlateDecode /Length %d %s >>\nstream\n" % (len(packed), entries.encode())
                        + packed + b"\nendstream")

    def bytes(self, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                % (len(self.objects) + 1, root, info, xref))
        return bytes(out)


def dtp_pdf(guide: Guide, style: _Style, target: Path) -> Path:
    """Write `guide` the way a DTP tool's PDF export writes it (see `_Style`)."""
    pdf = _Writer()
    fonts = {bold: _Font("F%d" % bold, bold, style.cid) for bold in (False, True)}
    if style.cid:
        refs = {bold: _cid_font_objects(pdf, font) for bold, font in fonts.items()}
    else:
        refs = {bold: pdf.add(f"<< /Type /Font /Subtype /Type1 /BaseFont /{font.name} /Encoding /WinAnsiEncoding >>")
                for bold, font in fonts.items()}
    resources = "<< /Font << " + " ".join(f"/F{int(b)} {refs[b]} 0 R" for b in (False, True)) + " >> >>"
    contents = [pdf.stream("", page) for page in dtp_pages(guide, style, fonts)]
    pages_ref = len(pdf.objects) + len(contents) + 1
    kids = [pdf.add(f"<< /Type /Page /Parent {pages_ref} 0 R /MediaBox [0 0 612 792] /Resources {resources} "
                    f"/Contents {c} 0 R >>") for c in contents]
    assert pdf.add(f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>") == pages_ref
    root = pdf.add(f"<< /Type /Catalog /Pages {pages_ref} 0 R >>")
    info = pdf.add("<< /Producer (tools/make_producer_fixtures.py, written as a DTP export writes) >>")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf.bytes(root, info))
    return target


#: name -> (guide, how its text is written)
DTP = {
    "dtp-positioned-glyphs-2023.pdf": (GUIDE_2023, _Style(glyphs=True, cid=False)),
    "dtp-identity-h-tj-offsets-2023.pdf": (GUIDE_2023, _Style(glyphs=False, cid=True)),
    # the payment table and glossary run over pages under a repeated header whose tallest cell
    # ("ASC Payment (Payment Indicator)") the producer clipped to "ASC Payment (Payment"
    "dtp-filled-clipped-repeated-header-2025.pdf":
        (BREAK_2025, _Style(glyphs=False, cid=True, clip_repeated_header=True)),
    "dtp-ruled-clipped-repeated-header-2025.pdf":
        (BREAK_2025, _Style(glyphs=True, cid=False, ruled=True, clip_repeated_header=True)),
}


def make_dtp(target: Path) -> list[Path]:
    if not all(path.exists() for path in _TTF.values()):
        raise Missing("Liberation Sans (fonts-liberation2)")
    return [dtp_pdf(guide, style, target / name) for name, (guide, style) in DTP.items()]


# ---------------------------------------------------------------- main

PRODUCERS = {"chromium": make_chromium, "roundtrip": make_roundtrip, "latex": make_latex,
             "redistill": make_redistilled, "dtp": make_dtp}


def _byte_stable(producer: str, name: str) -> bool:
    """Does this producer make the same bytes twice? Chromium stamps the time and a random
    document ID; cairo 1.16 (under pdftocairo) stamps the time and ignores SOURCE_DATE_EPOCH."""
    if producer in ("chromium", "roundtrip"):
        return False
    return not (producer == "redistill" and name.startswith("pdftocairo-"))


def _rows(path: Path):
    """What the pipeline publishes from `path`, or the line it stops with."""
    from pipeline.errors import GuideError
    from pipeline.run.build import parse_source

    try:
        guide = parse_source(path, path.parent)
    except GuideError as exc:
        return str(exc)
    return published(guide.tables), guide.warnings


def check(names: list[str]) -> int:
    """Make every fixture again in a scratch folder and compare: bytes where the producer is
    reproducible, published rows where it is not. Producers not installed are skipped."""
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for producer, make in PRODUCERS.items():
            if names and producer not in names:
                continue
            try:
                made = make(Path(tmp))
            except Missing as exc:
                print(f"skipped {producer}: {exc} is not installed")
                continue
            for path in made:
                committed = TARGET / path.relative_to(tmp)
                if not committed.exists():
                    stale.append(f"{path.name} (not committed)")
                elif _byte_stable(producer, path.name):
                    if path.read_bytes() != committed.read_bytes():
                        stale.append(path.name)
                elif _rows(path) != _rows(committed):
                    stale.append(f"{path.name} (reads differently)")
    print("producer fixtures are up to date" if not stale else f"differ from what their producers make: "
          f"{', '.join(stale)}")
    return 1 if stale else 0


def main(argv: list[str]) -> int:
    only = [a for a in argv[1:] if not a.startswith("--")]
    if "--check" in argv:
        return check(only)
    TARGET.mkdir(parents=True, exist_ok=True)
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
