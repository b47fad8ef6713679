"""The diff's two reports, report.md and report.html, rendered from one list of sections.

    Diff (pipeline.readers.diff) ─▶ sections ─┬─▶ markdown ─▶ report.md
                                              └─▶ html ─────▶ report.html (+ a chart per code and setting,
                                                                           pipeline.readers.diff_charts)

A `Section` is a heading, paragraphs, a table and a note, all plain text;
`markdown` and `html` render the same sections, so the two files never say
different things. report.md reads: the counts, what to check against the PDF
(always there, "0 to check" when nothing is flagged), then every change.
report.html opens on what to check, each line linking to its chart, then
shows each code's payment per setting across every published year as a small
chart, then the same tables as report.md. `pipeline.publish.publish_diff`
writes both, with the change table.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, replace

import pandas as pd

from pipeline import fields as F
from pipeline import shape
from pipeline.readers.diff import Diff, Flag, _key_columns, _plain, _rows_by_key, _text, _value_columns, flags
from pipeline.readers.diff_charts import Point, chart

RULES = "pipeline/vocab/diff_checks.csv"


@dataclass(frozen=True)
class Section:
    """One part of a report: an optional heading, paragraphs, a table (one alignment letter per column,
    l or r) and a note under it. Cells are plain text; each renderer escapes them its own way."""

    title: str | None
    text: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    align: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    note: tuple[str, ...] = ()
    #: The HTML id of the section.
    name: str = ""


def _str(value) -> str:
    text = _text(value)
    return "" if text is None else text


def _pct(value) -> str:
    value = _plain(value)
    return "" if value is None else f"{value:+}%"


def title(diff: Diff) -> str:
    return f"Changes from the {diff.old_year} to the {diff.new_year} guide"


def counts(diff: Diff) -> Section:
    """The change rows per dataset and kind, or the one line saying nothing changed."""
    o, n = diff.old_year, diff.new_year
    if not diff.changed:
        tables = ", ".join(F.TABLES[name].title.lower() for name in F.DATASETS)
        return Section(None, (f"No changes: {tables} and document facts of {n} are as in {o}.",), name="counts")
    return Section(None, columns=("dataset", "added", "removed", "changed"), align="lrrr",
                   rows=tuple((name, *(str(c) for c in kinds.values())) for name, kinds in diff.counts().items()),
                   note=("Counts are rows of `changes.csv`: an added or removed row counts once, a changed row once "
                         "per changed field. Page numbers and provenance are not compared.",), name="counts")


def check(diff: Diff, flagged: list[Flag]) -> Section:
    """What to check against the PDF: always a section, "0 to check" when no rule flags anything."""
    o, n = diff.old_year, diff.new_year
    if not flagged:
        return Section("Check against the PDF", (f"0 to check: no change matches a rule of `{RULES}`.",),
                       name="check")
    return Section(
        "Check against the PDF",
        (f"{len(flagged)} to check: a misread would make each of these changes too (a table left empty, a code "
         "added or removed, a payment status, APC or indicator changed, an amount moved by more than its "
         f"threshold). Open both PDFs at the pages named before trusting them (rules: `{RULES}`).",),
        columns=("dataset", "key", "field", str(o), str(n), "change", "why", f"{o} page", f"{n} page"),
        align="lllrrrlrr",
        rows=tuple((f.dataset, _str(f.key), _str(f.field), _str(f.old_value), _str(f.new_value), _pct(f.pct_change),
                    f.why, _str(f.old_pages), _str(f.new_pages)) for f in flagged),
        name="check")


def details(diff: Diff) -> list[Section]:
    """Every change, by kind: payment changes, rows added and removed per dataset, other changed fields."""
    o, n = diff.old_year, diff.new_year
    records = diff.changes.to_dict("records")
    out = []
    payments = [r for r in records if r["dataset"] == "payments" and r["change"] == "changed"]
    if payments:
        out.append(Section("Payment changes", columns=("code", "setting", "field", str(o), str(n), "change"),
                           align="lllrrr", name="payment-changes",
                           rows=tuple((*r["key"].split("|"), r["field"], _str(r["old_value"]), _str(r["new_value"]),
                                       _pct(r["pct_change"])) for r in payments)))
    for name in F.DATASETS:
        table = F.TABLES[name]
        columns = tuple(_key_columns(table) + _value_columns(table))
        for kind, tables in (("added", diff.new_tables), ("removed", diff.old_tables)):
            keys = [r["key"] for r in records if r["dataset"] == name and r["change"] == kind]
            if not keys:
                continue
            by_key = {"|".join(k): row for k, row in _rows_by_key(tables[name], table).items()}
            out.append(Section(f"{table.title} {kind}", columns=columns, align="l" * len(columns),
                               rows=tuple(tuple(_str(by_key[key][c]) for c in columns) for key in keys),
                               name=f"{name}-{kind}"))
    other = [r for r in records if r["change"] == "changed" and r["dataset"] != "payments"]
    if other:
        out.append(Section("Other changes", columns=("dataset", "key", "field", str(o), str(n)), align="lllll",
                           rows=tuple((r["dataset"], _str(r["key"]), r["field"], _str(r["old_value"]),
                                       _str(r["new_value"])) for r in other), name="other-changes"))
    return out


# ---------------------------------------------------------------- report.md

def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _md_row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_section(section: Section) -> list[str]:
    lines = [f"## {section.title}", ""] if section.title else []
    for paragraph in section.text:
        lines += [paragraph, ""]
    if section.columns:
        lines += [_md_row(section.columns), "|" + "".join("--:|" if a == "r" else "---|" for a in section.align)]
        lines += [_md_row(_md_cell(c) for c in row) for row in section.rows]
        lines.append("")
    for paragraph in section.note:
        lines += [paragraph, ""]
    return lines


def markdown(diff: Diff) -> str:
    """report.md: the counts, what to check against the PDF, then every change."""
    lines = [f"# {title(diff)}", ""]
    for section in (counts(diff), check(diff, flags(diff)), *details(diff)):
        lines += _md_section(section)
    return "\n".join(lines[:-1]) + "\n"


# ---------------------------------------------------------------- report.html

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 74em; padding: 0 1em; color: #111; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
#check { border-left: 4px solid #c0392b; padding-left: 1em; }
.code { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; align-items: flex-start; }
.code h3 { flex-basis: 100%; margin: 1em 0 0; }
figure { margin: 0; padding: 0.3em; border: 1px solid transparent; }
figure.flagged { border-color: #c0392b; }
figcaption { font-size: 13px; color: #333; }
"""


def _inline(text: str) -> str:
    """Paragraph text as HTML: escaped, `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _html.escape(text, quote=False))


def _chart_id(key: str) -> str:
    """The HTML id of the chart of a payments key (`0600T|hospital_outpatient`)."""
    return "chart-" + key.replace("|", "-")


def _html_section(section: Section, links: dict[int, str] | None = None) -> list[str]:
    """A <section>; `links` makes row i's key cell a link to a chart."""
    out = [f'<section id="{section.name}">']
    if section.title:
        out.append(f"<h2>{_html.escape(section.title)}</h2>")
    out += [f"<p>{_inline(p)}</p>" for p in section.text]
    if section.columns:
        out.append("<table>")
        out.append("<tr>" + "".join(f'<th class="{a}">{_html.escape(c)}</th>'
                                    for c, a in zip(section.columns, section.align)) + "</tr>")
        for i, row in enumerate(section.rows):
            cells = [_html.escape(c) for c in row]
            if links and i in links:
                cells[1] = f'<a href="#{links[i]}">{cells[1]}</a>'
            out.append("<tr>" + "".join(f'<td class="{a}">{c}</td>' for c, a in zip(cells, section.align)) + "</tr>")
        out.append("</table>")
    out += [f"<p>{_inline(p)}</p>" for p in section.note]
    out.append("</section>")
    return out


def chart_points(history: dict[int, pd.DataFrame], code: str, setting: str) -> list[Point]:
    """One point per published year (`history`: year -> its payments), in year order."""
    out = []
    for year in sorted(history):
        payments = history[year]
        row = payments[(payments["cpt_code"] == code) & (payments["setting"] == setting)]
        if not len(row):
            out.append(Point(year, None, None))
            continue
        first = row.iloc[0]
        out.append(Point(year, str(first["payment_status"]), _plain(first["payment_usd"]), _plain(first["apc"]),
                         _plain(first["indicator"])))
    return out


def _setting_words(name: str) -> str:
    """A setting as a reader says it (`pipeline.shape`); a name no longer declared, as published."""
    return shape.setting(name).words if name in shape.SETTING_NAMES else name.replace("_", " ")


def _charts(history: dict[int, pd.DataFrame], flagged_keys: set[str]) -> list[str]:
    keys = sorted({(code, setting) for payments in history.values()
                   for code, setting in zip(payments["cpt_code"], payments["setting"])},
                  key=lambda k: (k[0], F.SETTINGS.index(k[1])))
    years = sorted(history)
    out = ['<section id="charts">', "<h2>Payments per setting, every published year</h2>",
           f"<p>Each code's Medicare national average payment in US dollars, per setting, in the guides of "
           f"{', '.join(map(str, years))}, labelled with the amount as published; a year that prints no amount is "
           "labelled with what it prints instead. A chart with a red frame holds a change to check.</p>"]
    for code in dict.fromkeys(code for code, _ in keys):
        out += [f'<div class="code" id="code-{code}">', f"<h3>{code}</h3>"]
        for setting in (s for c, s in keys if c == code):
            key = f"{code}|{setting}"
            flagged = ' class="flagged"' if key in flagged_keys else ""
            out += [f'<figure id="{_chart_id(key)}"{flagged} data-code="{code}" data-setting="{setting}">',
                    f"<figcaption>{code}, {_setting_words(setting)}</figcaption>",
                    chart(code, setting, chart_points(history, code, setting)).rstrip("\n"),
                    "</figure>"]
        out.append("</div>")
    out.append("</section>")
    return out


def html(diff: Diff, history: dict[int, pd.DataFrame]) -> str:
    """report.html: what to check first (each line linking to its chart), the charts, then every change."""
    flagged = flags(diff)
    payment_keys = {f.key for f in flagged if f.dataset == "payments"}
    # a flagged payment links to its chart, a flagged code to its row of charts
    links = {i: _chart_id(f.key) if f.dataset == "payments" else f"code-{f.key}"
             for i, f in enumerate(flagged) if f.dataset in ("payments", "codes") and f.key}
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{_html.escape(title(diff))}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
           f"<h1>{_html.escape(title(diff))}</h1>"]
    out += _html_section(check(diff, flagged), links)
    out += _charts(history, payment_keys)
    for section in (replace(counts(diff), title="All changes"), *details(diff)):
        out += _html_section(section)
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
