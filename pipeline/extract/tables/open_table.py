"""Open tables: a table a page break cut, as the next page's finders pick it up.

Part of the extract stage: `pipeline.extract.page` keeps the `OpenTable` a page
leaves and hands it to the finders of the next page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnruledFacts:
    """What a table without rules carries beyond its column edges.

    Its continuation draws no rules to go by: it is found again by what it printed.
    """

    #: Leaf columns' extents (x0, x1), from the last page's header.
    leaves: tuple[tuple[float, float], ...]
    #: The header's lines as printed, to know a repeated header when the next page starts with one.
    header_texts: tuple[str, ...]
    max_gap: float
    size: float
    #: Rows start with their first-column cell (else they are centred on it); None when
    #: the last page held no row to tell.
    top_aligned: bool | None


@dataclass(frozen=True)
class OpenTable:
    """A table still open at the foot of a page, for the next page to continue.

    Both finders carry the table's column edges, left to right from its left edge to
    its right one. The two carry different facts beyond them, so this is one type with
    the shared part and a place for the rest: a ruled table's continuation draws its
    own rules, and its edges only restore the columns a page of merged cells draws no
    rule between; a table without rules is found again by its columns, its header and
    its spacing (`unruled`, None for a ruled table). The edges of a table without rules
    are its outer edges alone when the last page held only its header: its separators
    are then measured again on the rows.
    """

    edges: tuple[float, ...]
    unruled: UnruledFacts | None = None

    @property
    def ruled(self) -> bool:
        """Was it left open by the ruled finder?"""
        return self.unruled is None

    @property
    def x0(self) -> float:
        return self.edges[0]

    @property
    def x1(self) -> float:
        return self.edges[-1]

    @property
    def seps(self) -> list[float]:
        """The column separators inside the table (its edges but the outer two)."""
        return list(self.edges[1:-1])
