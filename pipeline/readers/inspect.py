"""Inspect: a report that shows where every published value came from.

Not a stage of the flow but a look back over it, for one published year:

    outputs/<year>/  (tables, provenance, manifest) ──┐
    source PDF ─▶ extract (cells, page images) ────────┼─▶ render_report ─▶ publish.write_inspect_report
                                                       │   (pure: bytes)    outputs/<year>/report.html
    validate.find_failures (published tables) ─────────┘                    outputs/<year>/report/page-N.png

For each page holding a table, the report shows a picture of the page with
every cell the extract stage found outlined: grey for cells that fed nothing
(headers, prose), coloured by dataset and labelled with the fields they fed for
the rest. Text a viewer does not paint (the extract stage's hidden runs) is
outlined dashed in magenta, its reason in the hover text, and each page says
how many characters were hidden and why. What was read but never checked, all
of it outside the published values (a build stops where it is inside one), is
outlined dotted in cyan: a run of glyphs no font maps (its font and PDFium's
reading on hover) and a line or cell the two engines read differently (both
readings on hover); each page counts them and the summary gives the totals.
The hidden runs and these oddities, read again from the source, must add up to
the manifest's counts, or the report is refused: it shows what the build saw.
Beside each picture are the published rows read from that page, the footnote
marks found there, and at the top the validation result. The HTML uses
relative image paths and inline CSS only, so it opens from disk with no server
and no network.

`render_report` is pure (frames and images in, bytes out). `inspect_year` is
the wiring: it finds the source PDF named by the manifest (and refuses one
whose sha256 differs), and hands the bytes to `publish`, which owns every
write. The PDF is read, pictured and the report rendered in a child process
under the build's time and memory limits (`pipeline.run.sandbox`), since the
PDF is as untrusted here as in a build; `extract.page_images` refuses a page
whose picture would pass `MAX_PIXELS`.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from types import SimpleNamespace
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw

from pipeline import __version__
from pipeline import fields as F
from pipeline import shape
from pipeline.run.build import find_sources
from pipeline.errors import GuideError
from pipeline.model import HIDDEN_REASONS
from pipeline.readers.refresh import made_from as stamp_of, stamp_tag
from pipeline.readers import unchecked as odd
from pipeline.readers.labels import LABEL_POINTS, LINE_HEIGHT, PAD, Rect, page_labels
from pipeline.readers.unchecked import Oddity
from pipeline.extract import extract, page_images, sha256_of
from pipeline.publish import INSPECT_HTML, INSPECT_IMAGES, MANIFEST, read_manifest, read_tables, write_inspect_report
from pipeline.run.sandbox import Limits, run_all
from pipeline.text import split_footnotes, squash
from pipeline.validate import find_failures, hidden_counts

#: Pixels per inch of the page pictures: 2 pixels per PDF point, so labels
#: stay legible when zoomed and a letter page is 150-300 KB of PNG.
RESOLUTION = 144

#: Outline colours by dataset (each table's `color` in the registry, `pipeline.fields`); a box that fed
#: several datasets takes the first.
COLORS = {name: F.TABLES[name].color for name in F.DATASETS}
FOOTNOTE_COLOR = (230, 120, 0)
CELL_COLOR = (150, 150, 150)  # a cell the extract stage found that fed no value
#: Text a viewer does not paint: a dashed outline in a colour no dataset has.
HIDDEN_COLOR = (230, 0, 230)
#: Dash and gap of the hidden-text outline, in pixels of the picture.
HIDDEN_DASH = (6, 4)
#: Text read but not checked (`pipeline.readers.unchecked`: a glyph no font maps, a line or cell the two
#: engines read differently): dotted, in a colour no dataset has, `unchecked.OUTSET` outside its box.
UNCHECKED_COLOR = (23, 190, 207)
UNCHECKED_DOTS = (2, 2)


class ReportInputError(GuideError):
    """The report cannot be made: the year is not published or its source PDF is missing or changed."""


@dataclass(frozen=True)
class Report:
    """The report's files as bytes: the HTML and the page pictures by file name."""

    html: bytes
    images: dict[str, bytes]


@dataclass
class _Box:
    """One printed box that fed published values: every provenance row pointing at it."""

    page: int
    bbox: tuple[float, float, float, float]
    raw_text: str
    feeds: list[dict]  # {dataset, key, field, value}

    @property
    def dataset(self) -> str:
        return min((f["dataset"] for f in self.feeds), key=F.DATASETS.index)

    def label(self) -> list[str]:
        """Field names that took a value from this box; the empty ones if none did."""
        filled = _distinct(f["field"] for f in self.feeds if f["value"] is not None)
        if filled:
            return filled
        return [f"{name} (empty)" for name in _distinct(f["field"] for f in self.feeds)]


def _distinct(items) -> list:
    return list(dict.fromkeys(items))


def image_name(page: int) -> str:
    return f"page-{page}.png"


# ---------------------------------------------------------------- wiring (I/O through extract and publish)

def find_source(manifest: dict, sources: Path, manifest_path: Path) -> Path:
    """The PDF under `sources` the manifest was built from: same file name and same sha256."""
    name, expected = manifest["source"]["file"], manifest["source"]["sha256"]
    named = [p for p in find_sources(sources) if p.name == name]
    if not named:
        raise ReportInputError(f"{manifest_path}: its source {name} is not under {sources}/ "
                               "(put the PDF there, or pass --sources)")
    hashes = {p: sha256_of(p) for p in named}
    for path, digest in hashes.items():
        if digest == expected:
            return path
    path = named[0]
    raise ReportInputError(f"{path}: sha256 {hashes[path]} is not the {expected} recorded in {manifest_path}; "
                           "the outputs were built from another version of this PDF (rebuild with make build)")


def report_pages(cells: pd.DataFrame, provenance: pd.DataFrame, hidden: pd.DataFrame | None = None,
                 unchecked: list[Oddity] = ()) -> list[int]:
    """Pages holding a table, a box a published value came from, text a viewer does not paint, or text
    read but not checked (`unchecked`): a page of prose alone is pictured when it holds one of those."""
    pages = {int(p) for p in cells["page"]} | {int(p) for p in provenance["page"]}
    pages |= {int(p) for p in hidden["page"]} if hidden is not None else set()
    return sorted(pages | {o.page for o in unchecked})


def inspect_year(year: int, outputs: Path, sources: Path, *, password: str | None = None,
                 resolution: float = RESOLUTION, limits: Limits | None = None, on_step=None) -> Path:
    """Write `outputs/<year>/report.html` and its page pictures. Returns the HTML's path.

    Raises `ReportInputError` when the year is not published or its source is
    missing or changed, and a `GuideError` naming the file when the PDF cannot
    be read within `limits` (a build's by default). `on_step(text)` is told each
    step as it starts, for a progress line.
    """
    step = on_step or (lambda text: None)
    folder = Path(outputs) / str(year)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ReportInputError(f"{manifest_path}: not found; the {year} guide is not published under "
                               f"{outputs}/ (build it first with make build)")
    manifest = read_manifest(folder)
    tables = read_tables(folder)
    source = find_source(manifest, Path(sources), manifest_path)
    step(f"report {year}: reading {source.name} and drawing its pages (in the build's sandbox)")
    call = (source, password, manifest, tables, find_failures(tables, year), resolution,
            stamp_of(manifest_path))
    [(_, result)] = list(run_all(_report_of, [call], workers=1, limits=limits or Limits(),
                                 preload=("pipeline.run._preload", "pipeline.readers.inspect")))
    if result.failure is not None:  # the build names the file in front; so does the report
        raise GuideError(f"{source}: {result.failure.message}")
    report = result.value
    step(f"report {year}: writing {folder / INSPECT_HTML}")
    return write_inspect_report(folder, report.html, report.images)


def _report_of(source: Path, password, manifest, tables, failures, resolution, stamp, on_page=None) -> Report:
    """In the sandboxed child: read the PDF, picture its table pages, render the report's bytes.

    Each page drawn counts as progress, as each page read does (`on_page` is
    told again of the pages read): the time limit is for one step, so a long
    guide's report is not cut short for having many pages to draw.
    """
    read = [0, 0]

    def tell(done: int, total: int) -> None:
        read[:] = [done, total]
        if on_page:
            on_page(done, total)

    raw = extract(source, password=password, on_page=tell)
    unchecked = odd.oddities_of(raw)
    images = page_images(source, report_pages(raw.cells, tables["provenance"], raw.hidden, unchecked),
                         resolution, password)
    return render_report(manifest, tables, failures, raw.cells, images, resolution, lines=raw.lines,
                         hidden=raw.hidden, unchecked=unchecked, made_from=stamp,
                         on_step=lambda n, page: tell(*read))


# ---------------------------------------------------------------- values and boxes

def _plain(value):
    """A published value as Python: None for null (pandas may hand back NA)."""
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _bbox(row: dict) -> tuple[float, float, float, float]:
    return (round(float(row["x0"]), 2), round(float(row["top"]), 2),
            round(float(row["x1"]), 2), round(float(row["bottom"]), 2))


def value_boxes(tables: dict[str, pd.DataFrame]) -> list[_Box]:
    """Every printed box a published value came from, with the values it fed, top to bottom."""
    values: dict[tuple[str, str, str], object] = {}
    for dataset in F.DATASETS:
        for row in tables[dataset].to_dict("records"):
            key = F.TABLES[dataset].row_key(row)
            for column in F.TABLES[dataset].value_columns:
                values[(dataset, key, column)] = _plain(row[column])
    boxes: dict[tuple, _Box] = {}
    for row in tables["provenance"].to_dict("records"):
        where = (int(row["page"]), _bbox(row))
        box = boxes.setdefault(where, _Box(where[0], where[1], row["raw_text"], []))
        box.feeds.append({"dataset": row["dataset"], "key": row["key"], "field": row["field"],
                          "value": values.get((row["dataset"], row["key"], row["field"]))})
    for box in boxes.values():
        box.feeds.sort(key=lambda f: (F.DATASETS.index(f["dataset"]), f["key"],
                                      F.TABLES[f["dataset"]].value_columns.index(f["field"])))
    # a box inside another from the same corner (a glossary term's line in its paragraph) comes after it: its
    # hover target lies over the outer one's, which stays reachable over the rest of its lines
    return sorted(boxes.values(), key=lambda b: (b.page, b.bbox[1], b.bbox[0], -b.bbox[3], -b.bbox[2]))


def _footnote_cells(cells: pd.DataFrame, footnotes: list[dict]) -> dict[tuple, list[str]]:
    """Boxes of the cells whose printed text carries a footnote mark the manifest lists."""
    listed = {(int(f["page"]), f["text"]) for f in footnotes}
    out = {}
    for cell in cells.to_dict("records"):
        wording, marks = split_footnotes(cell["text"], cell["sup_mask"], glued=True)
        if marks and (int(cell["page"]), squash(wording)) in listed:
            out[(int(cell["page"]), _bbox(cell))] = marks
    return out


# ---------------------------------------------------------------- page pictures

def _hidden_on(hidden: pd.DataFrame | None, page: int) -> list[dict]:
    """The hidden runs of one page, top to bottom (the extract stage's `RawGuide.hidden` rows)."""
    if hidden is None or not len(hidden):
        return []
    runs = hidden[hidden["page"] == page].to_dict("records")
    return sorted(runs, key=lambda r: (float(r["top"]), float(r["x0"])))


def _on_picture(bbox, width: float, height: float):
    """`bbox` cut to the page picture (0, 0, width, height) in points; None when none of it is on it."""
    x0, top, x1, bottom = max(bbox[0], 0), max(bbox[1], 0), min(bbox[2], width), min(bbox[3], height)
    return (x0, top, x1, bottom) if x0 < x1 and top < bottom else None


def _dashed_rectangle(draw: ImageDraw.ImageDraw, box, color, width: int = 2, dash=HIDDEN_DASH) -> None:
    """A rectangle outline in dashes: `dash` = (on, off) pixels, starting on at each corner."""
    x0, y0, x1, y1 = box
    on, off = dash

    def line(a, b, fixed, horizontal):
        start = a
        while start <= b:
            end = min(start + on - 1, b)
            if horizontal:
                draw.rectangle((start, fixed, end, fixed + width - 1), fill=color)
            else:
                draw.rectangle((fixed, start, fixed + width - 1, end), fill=color)
            start += on + off

    line(x0, x1, y0, True)
    line(x0, x1, y1 - width + 1, True)
    line(y0, y1, x0, False)
    line(y0, y1, x1 - width + 1, False)


def draw_page(image: Image.Image, page: int, cells: pd.DataFrame, boxes: list[_Box],
              footnote_cells: dict[tuple, list[str]], resolution: float,
              hidden: pd.DataFrame | None = None, unchecked: list[Oddity] = ()) -> Image.Image:
    """The page picture with every extracted cell outlined, value boxes in their dataset's colour,
    each oddity of `unchecked` outlined dotted in `UNCHECKED_COLOR` a point outside its box, and
    each run of hidden text (`hidden`, the extract stage's) outlined dashed in `HIDDEN_COLOR`.

    The labels are not drawn here but laid over the picture in the HTML (`labels`), where they
    are placed clear of the print and a browser can be asked where they are.
    """
    scale = resolution / 72
    out = image.convert("RGB")  # a copy: the caller's picture stays clean
    draw = ImageDraw.Draw(out, "RGBA")

    def px(bbox):
        return tuple(round(v * scale) for v in bbox)

    for cell in cells[cells["page"] == page].to_dict("records"):
        draw.rectangle(px(_bbox(cell)), outline=CELL_COLOR, width=1)
    for (p, bbox), marks in footnote_cells.items():
        if p == page:
            draw.rectangle(px(bbox), outline=FOOTNOTE_COLOR, width=2)
    for box in (b for b in boxes if b.page == page):
        draw.rectangle(px(box.bbox), outline=COLORS[box.dataset], width=2)

    def dashed(bbox, color, dash):
        shown = _on_picture(bbox, out.size[0] / scale, out.size[1] / scale)
        if shown is not None:
            x0, y0, x1, y1 = px(shown)
            _dashed_rectangle(draw, (x0, y0, min(x1, out.size[0] - 1), min(y1, out.size[1] - 1)), color, dash=dash)

    for oddity in (o for o in unchecked if o.page == page):
        dashed(oddity.outline, UNCHECKED_COLOR, UNCHECKED_DOTS)
    for run in _hidden_on(hidden, page):
        dashed(_bbox(run), HIDDEN_COLOR, HIDDEN_DASH)
    return out


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    # zlib's default level: optimize=True (level 9 and a filter search) took 0.15 s a page for 4% fewer bytes
    image.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


# ---------------------------------------------------------------- HTML

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1b1b;
       margin: 0; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 14px 0 4px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0 14px; margin: 8px 0; }
.facts dt { color: #555; } .facts dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; }
.ok { color: #1a7f37; } .bad { color: #c62828; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 12px; height: 12px; border: 2px solid; vertical-align: -2px;
            margin-right: 4px; }
.page-row { display: grid; grid-template-columns: minmax(0, 4fr) minmax(0, 3fr); gap: 20px;
            align-items: start; max-width: 1480px; }
@media (max-width: 999px) { .page-row { grid-template-columns: minmax(0, 1fr); } }
figure { margin: 0; }
.pic { position: relative; max-width: 816px; outline: 1px solid #bbb; container-type: inline-size; }
.pic .tag { position: absolute; box-sizing: border-box; overflow: hidden; white-space: pre; color: #fff;
            font-family: "DejaVu Sans Condensed", "Arial Narrow", Arial, sans-serif; text-align: right;
            pointer-events: none; }
.pic .tag.numbered { text-align: center; }
.pic img { display: block; width: 100%; height: auto; }
.pic a { position: absolute; display: block; }
.pic a:hover { background: rgba(255, 214, 0, 0.35); outline: 2px solid #e0a800; }
.pic .hidden-run { position: absolute; display: block; box-sizing: border-box; }
.pic .hidden-run:hover { background: rgba(230, 0, 230, 0.2); }
.hidden-note { margin: 4px 0 8px; } .hidden-note strong { color: rgb(150, 0, 150); }
.pic .unchecked { position: absolute; display: block; box-sizing: border-box; }
.pic .unchecked:hover { background: rgba(23, 190, 207, 0.25); }
.unchecked-note { margin: 4px 0 8px; } .unchecked-note strong { color: rgb(0, 110, 125); }
figcaption { color: #555; font-size: 12px; margin-top: 4px; }
figcaption ol.numbered { margin: 2px 0 4px; padding-left: 28px; }
.tables { min-width: 0; overflow-x: auto; }
table { border-collapse: collapse; margin-bottom: 8px; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #f1f3f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.null { color: #999; }
tr:target td { background: #fff3bf; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _breakable(value) -> str:
    """Escaped text that may wrap after an underscore, so a long enum value fits a narrow column."""
    return _e(value).replace("_", "_<wbr>")


def _slug(dataset: str, key: str) -> str:
    return "row-" + "".join(ch if ch.isalnum() or ch in "_-" else "-" for ch in f"{dataset}-{key}")


def _where(row: dict) -> str:
    x0, top, x1, bottom = _bbox(row)
    return f"printed “{row['raw_text']}” · page {int(row['page'])} · box {x0}, {top}, {x1}, {bottom} pt"


def _facts(manifest: dict) -> str:
    source = manifest["source"]
    rows = [
        ("guide year", manifest["guide_year"]), ("effective", manifest.get("effective_date")),
        ("document", manifest.get("document_number")), ("source", source["file"]),
        ("sha256", source["sha256"]), ("pages", source["page_count"]),
        ("rows", ", ".join(f"{n} {name}" for name, n in manifest["row_counts"].items())),
        ("layout", shape.layout_words(manifest.get("layout"))),
        ("pipeline", f"{manifest['pipeline_version']} (schema {manifest['schema_version']}); "
                     f"report by {__version__}"),
    ]
    return '<dl class="facts">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows) + "</dl>"


def _validation(failures: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> str:
    rows = sum(len(t) for t in tables.values())
    if not len(failures):
        return (f'<p id="validation">Validation: <strong class="ok">valid</strong>: every schema and cross-table '
                f"rule holds for the {rows} published rows in {len(tables)} tables.</p>")
    head = "".join(f"<th>{_e(c)}</th>" for c in failures.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(_plain(v))}</td>" for v in r) + "</tr>"
                   for r in failures.itertuples(index=False, name=None))
    return (f'<div id="validation"><p>Validation: <strong class="bad">{len(failures)} failure(s)</strong> '
            f"in the published tables.</p><table><tr>{head}</tr>{body}</table></div>")


def _legend() -> str:
    items = [(COLORS[d], f"{d} value") for d in F.DATASETS]
    items += [(FOOTNOTE_COLOR, "header with a footnote mark"), (CELL_COLOR, "cell that fed no value")]
    return '<p class="legend">' + "".join(
        f'<span><i style="border-color: rgb{c}"></i>{_e(t)}</span>' for c, t in items) + \
        f'<span><i style="border-color: rgb{HIDDEN_COLOR}; border-style: dashed"></i>text a viewer does not ' \
        "paint (hidden, not read)</span>" \
        f'<span><i style="border-color: rgb{UNCHECKED_COLOR}; border-style: dotted"></i>text read but not ' \
        "checked: no character map, or read differently by the two engines (not published)</span>" \
        "<span>(a box that fed several datasets takes the first one's colour)</span></p>"


def hidden_statement(counts: dict[str, int]) -> str:
    """One page's hidden characters in words: "10 characters hidden (clipped: 10)"."""
    total = sum(counts.values())
    if not total:
        return "No character hidden: the extract stage read every character this page shows."
    reasons = ", ".join(f"{r}: {counts[r]}" for r in HIDDEN_REASONS if counts.get(r))
    return f"{total} character{'s' if total != 1 else ''} hidden ({reasons})"


def _hidden_title(run: dict) -> str:
    x0, top, x1, bottom = _bbox(run)
    return (f"hidden, not read: {HIDDEN_REASONS[run['reason']]} ({run['reason']})\n"
            f"“{squash(run['text'])}” · {int(run['chars'])} characters · box {x0:g}, {top:g}, {x1:g}, {bottom:g} pt")


def _hidden_overlay(run: dict, width: float, height: float) -> str:
    """The hover target of one hidden run: its box (in points, as `data-box`) and its reason as the title."""
    shown = _on_picture(_bbox(run), width, height)
    if shown is None:
        return ""
    x0, top, x1, bottom = shown
    b = _bbox(run)
    style = (f"left:{100 * x0 / width:.3f}%;top:{100 * top / height:.3f}%;"
             f"width:{100 * (x1 - x0) / width:.3f}%;height:{100 * (bottom - top) / height:.3f}%")
    return (f'<span class="hidden-run" data-reason="{_e(run["reason"])}" '
            f'data-box="{b[0]:g} {b[1]:g} {b[2]:g} {b[3]:g}" style="{style}" title="{_e(_hidden_title(run))}"></span>')


def _hidden_section(page: int, runs: list[dict], width: float, height: float) -> str:
    """The page's statement of what was hidden, and each run with its reason and box."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run["reason"]] = counts.get(run["reason"], 0) + int(run["chars"])
    out = f'<p class="hidden-note" id="hidden-{page}"><strong>{_e(hidden_statement(counts))}</strong>'
    if not runs:
        return out + "</p>"
    items = []
    for run in runs:
        x0, top, x1, bottom = _bbox(run)
        off = "" if _on_picture((x0, top, x1, bottom), width, height) else " (off the picture: not outlined)"
        items.append(f"<li>{_e(run['reason'])} ({_e(HIDDEN_REASONS[run['reason']])}): “{_e(squash(run['text']))}”, "
                     f"{int(run['chars'])} characters, box {x0:g}, {top:g}, {x1:g}, {bottom:g} pt{off}</li>")
    return (out + ", outlined dashed on the picture; none of it was read.</p>"
            f"<ul>{''.join(items)}</ul>")


def _unchecked_overlay(o: Oddity, width: float, height: float) -> str:
    """The hover target of one oddity: its outline (in points, as `data-box`) and what it is as the title."""
    shown = _on_picture(o.outline, width, height)
    if shown is None:
        return ""
    x0, top, x1, bottom = shown
    b = o.bbox
    style = (f"left:{100 * x0 / width:.3f}%;top:{100 * top / height:.3f}%;"
             f"width:{100 * (x1 - x0) / width:.3f}%;height:{100 * (bottom - top) / height:.3f}%")
    return (f'<span class="unchecked" data-kind="{o.kind}" data-box="{b[0]:g} {b[1]:g} {b[2]:g} {b[3]:g}" '
            f'style="{style}" title="{_e(odd.title(o))}"></span>')


def _unchecked_section(page: int, found: list[Oddity], width: float, height: float) -> str:
    """The page's statement of what was read but not checked, and each oddity with its readings and box."""
    out = f'<p class="unchecked-note" id="unchecked-{page}"><strong>{_e(odd.statement(found))}</strong>'
    if not found:
        return out + "</p>"
    items = "".join(f"<li>{_e(odd.item(o))}"
                    f"{'' if _on_picture(o.outline, width, height) else ' (off the picture: not outlined)'}</li>"
                    for o in found)
    return f"{out}, outlined dotted on the picture; nothing was published from them.</p><ul>{items}</ul>"


def _overlay(bbox, width: float, height: float, title: str, href: str) -> str:
    """A hover target over a box of the page picture, placed in % so it scales with the picture."""
    x0, top, x1, bottom = bbox
    style = (f"left:{100 * x0 / width:.3f}%;top:{100 * top / height:.3f}%;"
             f"width:{100 * (x1 - x0) / width:.3f}%;height:{100 * (bottom - top) / height:.3f}%")
    return f'<a href="{_e(href)}" style="{style}" title="{_e(title)}"></a>'


def _value_overlay(box: _Box, width: float, height: float) -> str:
    fed = "\n".join(f"{f['dataset']} {f['key']} · {f['field']} = "
                    f"{'(empty)' if f['value'] is None else f['value']}" for f in box.feeds)
    first = box.feeds[0]
    return _overlay(box.bbox, width, height, f"printed “{box.raw_text}”\n{fed}",
                    f"#{_slug(first['dataset'], first['key'])}")


def _data_table(dataset: str, frame: pd.DataFrame, prov: dict[tuple, dict]) -> str:
    columns = F.TABLES[dataset].value_columns
    head = "".join(f"<th>{_breakable(c)}</th>" for c in columns)
    body = []
    for row in frame.to_dict("records"):
        key = F.TABLES[dataset].row_key(row)
        cells = []
        for column in columns:
            value = _plain(row[column])
            source = prov.get((dataset, key, column))
            title = f' title="{_e(_where(source))}"' if source else ""
            kind = "null" if value is None else "num" if column in ("payment_usd", "rvus") else ""
            cls = f' class="{kind}"' if kind else ""
            cells.append(f"<td{cls}{title}>{'—' if value is None else _breakable(value)}</td>")
        body.append(f'<tr id="{_slug(dataset, key)}">{"".join(cells)}</tr>')
    return (f"<h3>{_e(dataset)} ({len(frame)} row{'s' if len(frame) != 1 else ''})</h3>"
            f"<table><tr>{head}</tr>{''.join(body)}</table>")


def _rects(frame: pd.DataFrame | None, page: int) -> list[Rect]:
    if frame is None:
        return []
    return [Rect(*_bbox(row)) for row in frame[frame["page"] == page].to_dict("records")]


def _tag(label, color, width: float, height: float) -> str:
    """A label over the picture, placed and sized in % of it, its type in % of the picture's width."""
    r = label.rect
    font = 100 * LABEL_POINTS / width
    pad = 100 * PAD / width
    solid = label.number is not None  # a number is set solid: no padding above or below (labels.size_of)
    style = (f"left:{100 * r.x0 / width:.3f}%;top:{100 * r.top / height:.3f}%;"
             f"width:{100 * r.width / width:.3f}%;height:{100 * r.height / height:.3f}%;"
             f"padding:{0 if solid else pad:.3f}cqw {pad:.3f}cqw;font-size:{font:.3f}cqw;"
             f"line-height:{font * (1 if solid else LINE_HEIGHT):.3f}cqw;background:rgba{(*color, 0.92)}")
    b = label.box
    kind = "tag" if label.number is None else "tag numbered"
    return (f'<span class="{kind}" data-box="{b.x0:g} {b.top:g} {b.x1:g} {b.bottom:g}" style="{style}">'
            + "<br>".join(_e(line) for line in label.lines) + "</span>")


def _short(text: str, most: int = 40) -> str:
    """Printed text on one line, cut to `most` characters."""
    line = squash(text)
    return line if len(line) <= most else line[:most - 1].rstrip() + "…"


def _in_words(box: _Box) -> str:
    """A value box as a reader finds it, with no coordinates: what is printed in it, the rows it fed
    ("codes 0600T and 4 exclusions rows") and the fields that took a value from it."""
    keys: dict[str, list[str]] = {}
    for feed in box.feeds:
        keys.setdefault(feed["dataset"], [])
        if feed["key"] not in keys[feed["dataset"]]:
            keys[feed["dataset"]].append(feed["key"])
    rows = [f"{dataset} {found[0].replace('|', ', ')}" if len(found) == 1 else f"{len(found)} {dataset} rows"
            for dataset, found in keys.items()]
    return f"“{_short(box.raw_text)}” ({' and '.join(rows)}): {', '.join(box.label())}"


def _caption(on_page: list[_Box], placed, unplaced: list[int]) -> str:
    """What the picture shows and, as a list, what each numbered label stands for: in words, as HTML."""
    caption = _e(f"{len(on_page)} boxes fed {sum(len(b.feeds) for b in on_page)} published values. "
                 "Hover a box for what it fed; click it to jump to its row. ")
    labelled = [b for i, b in enumerate(on_page) if i not in unplaced]
    numbered = sorted(((label.number, box) for label, box in zip(placed, labelled) if label.number is not None),
                      key=lambda pair: pair[0])
    if numbered:
        caption += ("Where a box has no room for its label, a number stands for it:"
                    '<ol class="numbered">' + "".join(f'<li value="{n}">{_e(_in_words(box))}</li>'
                                                      for n, box in numbered) + "</ol>")
    if unplaced:
        caption += _e(f"{len(unplaced)} box{'es' if len(unplaced) != 1 else ''} had no room even for a number "
                      "(hover it for what it fed): " + "; ".join(_in_words(on_page[i]) for i in unplaced) + ". ")
    return caption


def _page_section(page: int, image: Image.Image, resolution: float, tables, boxes, prov, footnotes,
                  footnote_cells, cells: pd.DataFrame, lines: pd.DataFrame | None,
                  hidden: pd.DataFrame | None = None, unchecked: list[Oddity] = ()) -> str:
    scale = resolution / 72
    width, height = image.size[0] / scale, image.size[1] / scale
    runs = _hidden_on(hidden, page)
    found = [o for o in unchecked if o.page == page]
    overlays = "".join(_value_overlay(b, width, height) for b in boxes if b.page == page)
    overlays += "".join(_unchecked_overlay(o, width, height) for o in found)
    overlays += "".join(_hidden_overlay(run, width, height) for run in runs)
    overlays += "".join(_overlay(bbox, width, height, f"footnote mark {', '.join(marks)}", f"#footnotes-{page}")
                        for (p, bbox), marks in footnote_cells.items() if p == page)
    on_page = [b for b in boxes if b.page == page]
    # a dotted outline is a box too: no label goes in it, or nearer it than its own box
    placed, unplaced = page_labels(image, scale, [(Rect(*b.bbox), b.label()) for b in on_page],
                                   _rects(cells, page) + [Rect(*b.bbox) for b in on_page]
                                   + [Rect(*o.outline) for o in found], _rects(lines, page))
    overlays += "".join(_tag(label, COLORS[box.dataset], width, height)
                        for label, box in zip(placed, [b for i, b in enumerate(on_page) if i not in unplaced]))
    caption = _caption(on_page, placed, unplaced)
    src = f"{INSPECT_IMAGES}/{image_name(page)}"
    # Shown at print size (96 CSS px per inch) where the window allows.
    pic = (f'<figure><div class="pic"><img src="{src}" width="{width * 4 / 3:g}" height="{height * 4 / 3:g}" '
           f'alt="Page {page} of the source PDF with each extracted cell outlined">{overlays}</div>'
           f'<figcaption>{caption}<a href="{src}">Picture at full size</a>.</figcaption></figure>')
    parts = [_hidden_section(page, runs, width, height), _unchecked_section(page, found, width, height)]
    for dataset in F.DATASETS:
        frame = tables[dataset]
        frame = frame[frame["source_page"] == page]
        if len(frame):
            parts.append(_data_table(dataset, frame, prov))
    marks = [f for f in footnotes if int(f["page"]) == page]
    if marks:
        items = "".join(f"<li>{_e(f['table'])}: “{_e(f['text'])}” carries mark "
                        f"{_e(', '.join(f['marks']))}</li>" for f in marks)
        parts.append(f'<h3 id="footnotes-{page}">Footnote references</h3><ul>{items}</ul>')
    if len(parts) == 2:
        parts.append("<p>No published value was read from this page.</p>")
    return (f'<section id="page-{page}"><h2>Page {page}</h2><div class="page-row">{pic}'
            f'<div class="tables">{"".join(parts)}</div></div></section>')


def _hidden_counts(hidden: pd.DataFrame | None) -> dict[int, dict[str, int]]:
    return hidden_counts(SimpleNamespace(hidden=hidden))


def _check_hidden(manifest: dict, hidden: pd.DataFrame | None) -> None:
    """The hidden runs read again from the source add up to the manifest's record, page by page and reason."""
    if hidden is None or "hidden_characters" not in manifest:
        return
    read = {str(page): counts for page, counts in _hidden_counts(hidden).items()}
    if read != manifest["hidden_characters"]:
        raise ReportInputError(f"the source's hidden characters {read} are not the {manifest['hidden_characters']} "
                               "its manifest records (built by another pipeline version? rebuild with make build)")


def _check_unchecked(manifest: dict, unchecked: list[Oddity]) -> None:
    """The oddities read again from the source add up to the manifest's record, page by page: characters
    without a character map, and lines and cells read differently by the two engines."""
    read = odd.counts(unchecked)
    for key, what in (("unmapped_characters", "characters without a character map"),
                      ("differing_readings", "lines and cells read differently")):
        if key in manifest and read[key] != manifest[key]:
            raise ReportInputError(f"the source's {what} {read[key]} are not the {manifest[key]} its manifest "
                                   "records (built by another pipeline version? rebuild with make build)")


def render_report(manifest: dict, tables: dict[str, pd.DataFrame], failures: pd.DataFrame,
                  cells: pd.DataFrame, images: dict[int, Image.Image], resolution: float = RESOLUTION,
                  on_step=None, lines: pd.DataFrame | None = None, hidden: pd.DataFrame | None = None,
                  made_from: str | None = None, unchecked: list[Oddity] | None = None) -> Report:
    """The report for one published year, as bytes. Pure: no file is read or written.

    `images` are the pictures of the report's pages at `resolution` pixels per
    inch (from `extract.page_images`); `cells` are the extract stage's raw cells.
    `on_step(n, page)` is told as the n-th page starts to be drawn and labelled; `lines` (the
    extract stage's lines of text outside tables) are print the labels keep clear of; `hidden`
    (the extract stage's hidden runs) are outlined dashed and counted page by page. Their counts
    must be the manifest's `hidden_characters`, else `ReportInputError`. `unchecked`
    (`unchecked.oddities_of` the extract stage's output) are outlined dotted and counted page by page and in the summary;
    their counts must be the manifest's `unmapped_characters` and `differing_readings`. `made_from`
    (`pipeline.readers.refresh.made_from`) is recorded in the <head>, so that a build
    can tell whether the report is still that of the published year.
    """
    _check_hidden(manifest, hidden)
    if unchecked is not None:
        _check_unchecked(manifest, unchecked)
    unchecked = unchecked or []
    boxes = value_boxes(tables)
    prov = {(r["dataset"], r["key"], r["field"]): r for r in tables["provenance"].to_dict("records")}
    footnote_cells = _footnote_cells(cells, manifest.get("footnotes", []))
    pages = sorted(images)
    pngs = {}
    sections = []
    for n, p in enumerate(pages, start=1):
        if on_step:
            on_step(n, p)
        pngs[image_name(p)] = png_bytes(draw_page(images[p], p, cells, boxes, footnote_cells, resolution, hidden,
                                                  unchecked))
        sections.append(_page_section(p, images[p], resolution, tables, boxes, prov, manifest.get("footnotes", []),
                                      footnote_cells, cells, lines, hidden, unchecked))
    title = manifest.get("title") or f"{manifest['guide_year']} guide"
    nav = " · ".join(f'<a href="#page-{p}">page {p}</a>' for p in pages)
    body = "".join(sections)
    doc = (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8">{stamp_tag(_e(made_from)) if made_from else ""}'
        f'<title>{_e(title)}: extraction report</title>'
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}: extraction report</h1>"
        "<p>Each page that holds a table (or text hidden or not checked), as the source PDF prints it. "
        "Every cell the extract stage found is "
        "outlined; a coloured box, a cell or printed lines, fed published values and is labelled with the fields "
        "that took a value from it, inside the box or just outside it where no other box is nearer (a line "
        "inside a paragraph's box, as a glossary term's: level with the line; where the fields have no room, a "
        "number the list under the picture explains); text a viewer does not paint is outlined dashed and was "
        "not read; text read but not checked, outside the published values (a glyph no font maps, a line or "
        "cell the two engines read differently), is outlined dotted. Beside each page are the rows "
        "read from it; hover a value for the text it was read from.</p>"
        f"{_facts(manifest)}{_validation(failures, tables)}"
        f'<p id="unchecked">{_e(odd.summary(_hidden_counts(hidden), unchecked))}</p>'
        f"{_legend()}<p>Pages: {nav}</p>{body}"
        "</body></html>\n"
    )
    return Report(html=doc.encode("utf-8"), images=pngs)
