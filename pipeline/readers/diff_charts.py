"""Each code's payment in one setting across every published year, as a small SVG chart for report.html.

    payments of every year ─▶ points ─▶ chart (matplotlib, SVG backend) ─▶ inline <svg> in report.html

A chart is drawn by matplotlib, through its object interface (no pyplot, no
display, no global backend): a line through the years that print an amount,
each point labelled with the amount as published, the years that print none
labelled with what they print instead ("contractor priced", "NA"), and under
each year the APC and indicator printed with it, so a changed indicator shows.
The axis starts at zero, so a jump is seen before it is read; it has no
value ticks, since every point carries its own label.

The same payments give the same bytes on every run: ids are hashed with a
fixed salt (`svg.hashsalt`), no date or creator is written, and text stays
text (`svg.fonttype` none: no glyph outlines, and a test can read the labels).
Each chart's ids are prefixed with its code and setting, so many charts
inline in one page never share an id.

matplotlib is imported here only, and only by `diff`: the build and
`--help` never load it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

#: What a payment status other than national_rate is labelled with on a chart.
STATUS_LABELS = {"contractor_priced": "contractor priced", "not_applicable": "NA", "not_covered": "not covered",
                 "packaged": "packaged"}
#: A year whose guide does not list the code at all.
NOT_LISTED = "not listed"
_RC = {
    "svg.hashsalt": "nanoknife-diff",  # fixed, so the ids of clip paths and markers are the same every run
    "svg.fonttype": "none",  # text as <text>, not glyph paths
    "font.family": "DejaVu Sans",  # matplotlib's own font: the same layout on every machine
    "font.size": 7.5,
}
_LINE, _NOTE = "#1f5fa8", "#777777"


@dataclass(frozen=True)
class Point:
    """One guide year of a code and setting: its payment status, amount, APC and indicator (None: not listed)."""

    year: int
    status: str | None
    usd: Decimal | None
    apc: str | None = None
    indicator: str | None = None

    @property
    def tick(self) -> str:
        """The year, and under it the APC and indicator the guide prints for it (a changed indicator is seen)."""
        codes = " ".join(c for c in (self.apc, self.indicator) if c)
        return f"{self.year}\n{codes}" if codes else str(self.year)

    @property
    def label(self) -> str:
        """What the chart writes at this year: the amount as published (9,096.46), or what stands instead."""
        if self.status is None:
            return NOT_LISTED
        if self.usd is not None:
            return f"{self.usd:,.2f}"
        return STATUS_LABELS[self.status]


def _scoped(svg: str, prefix: str) -> str:
    """The SVG without its XML prologue, every id (and every reference to one) prefixed, for inlining."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}{m.group(1)}"', svg)
    return re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)


def chart(code: str, setting: str, pts: list[Point]) -> str:
    """The inline SVG of one code and setting across the years of `pts`."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(2.4, 1.4))
        ax = fig.add_axes((0.04, 0.27, 0.92, 0.68))
        xs = range(len(pts))
        # positions only: a float places the point, the label beside it is the published amount's own text
        amounts = [(x, float(p.usd)) for x, p in zip(xs, pts) if p.usd is not None]
        top = max((y for _, y in amounts), default=0.0)
        if amounts:
            ax.plot([x for x, _ in amounts], [y for _, y in amounts], color=_LINE, linewidth=1.4, marker="o",
                    markersize=3.5)
        for x, p in zip(xs, pts):
            if p.usd is not None:
                ax.annotate(p.label, (x, float(p.usd)), textcoords="offset points", xytext=(0, 5), ha="center",
                            color="#111111", parse_math=False)
            else:
                ax.annotate(p.label, (x, 0), textcoords="offset points", xytext=(0, 4), ha="center",
                            color=_NOTE, parse_math=False)
        ax.set_xlim(-0.5, len(pts) - 0.5)
        ax.set_ylim(0, top * 1.3 if top else 1.0)
        ax.set_xticks(list(xs), [p.tick for p in pts])
        ax.set_yticks([])
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return _scoped(out.getvalue(), f"{code}-{setting}-")
