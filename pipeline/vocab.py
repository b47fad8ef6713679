"""The guide's vocabulary, kept as data in `pipeline/vocab/*.csv`.

A new year's guide that rewords a header, prints a new sentinel or a new way of
stating its year is a data edit here, not a code edit:

* `payment_headers.csv`: payment-table header wordings, each mapped to a concept
  (`code`, `descriptor`, `physician`, `non_facility`, `facility`, `opps`, `apc`,
  `asc`, `payment`, `rvus`, and `title`/`service`, which carry no column).
  `{year}` stands for any four-digit year.
* `terminology_headers.csv`: the glossary's two header wordings (`term`, `description`).
* `running_text.csv`: lines a producer prints on every page of a table, inside or under it, that
  belong to no cell ("Continued on next page", "Page {n} of {n}"; `{n}` stands for a number).
* `sentinels.csv`: cell wordings that stand for a payment status instead of an amount.
* `document_facts.csv`: regular expressions for facts printed in the prose
  (guide year, effective date, document number).
* `characters.csv`: code points read as something else (ligatures as their
  letters, other hyphens and spaces, zero-width characters dropped, the soft
  hyphen); `pipeline.text` applies them to every extracted character.

Wordings are compared after `header_key`: case, spacing, line breaks (a break after
a hyphen too), "®" and footnote marks do not matter.

Extract uses the same wordings to find a table drawn without rules (lines
printed in header words, `header_words`, naming at least two columns in full);
normalize uses them to say which table is which and what each column holds.
`use` reads them from a copy, to try a new wording before editing the files.
"""

from __future__ import annotations

import csv
import re
from contextlib import contextmanager
from functools import cache
from pathlib import Path

VOCAB_DIR = Path(__file__).parent / "vocab"
_WORD = re.compile(r"[A-Za-z]+")


_HYPHEN_BREAK = re.compile(r"-\s+")


def header_key(text: str) -> str:
    """Comparison form of a header wording: casefolded, no ®, single spaces, and a word
    broken after its hyphen at a line end ("Non-" / "Facility") kept whole."""
    return _HYPHEN_BREAK.sub("-", " ".join(text.replace("®", " ").casefold().split()))


def _rows(name: str) -> list[dict[str, str]]:
    with open(VOCAB_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@contextmanager
def use(directory: Path):
    """Read the vocabulary from `directory` instead of `pipeline/vocab/` while inside.

    For trying a new wording on a copy of the files before editing them.
    """
    global VOCAB_DIR
    before = VOCAB_DIR
    VOCAB_DIR = Path(directory)
    _forget()
    try:
        yield
    finally:
        VOCAB_DIR = before
        _forget()


def _forget() -> None:
    for loaded in (_header_patterns, _sentinels, fact_patterns, header_words, characters, _running_patterns):
        loaded.cache_clear()


@cache
def _header_patterns(kind: str) -> tuple[tuple[re.Pattern, str], ...]:
    out = []
    for row in _rows(f"{kind}_headers.csv"):
        key = re.escape(header_key(row["wording"])).replace(re.escape("{year}"), r"\d{4}")
        out.append((re.compile(rf"^{key}$"), row["concept"]))
    return tuple(out)


def header_concept(kind: str, text: str) -> str | None:
    """The concept a header wording stands for in a `kind` table, or None if unknown."""
    key = header_key(text)
    for pattern, concept in _header_patterns(kind):
        if pattern.match(key):
            return concept
    return None


@cache
def header_words() -> frozenset[str]:
    """Every word of every payment and terminology header wording, casefolded.

    A chunk of text made only of these words (footnote marks and numbers aside)
    reads as a header; a line of prose almost never does.
    """
    words: set[str] = set()
    for kind in ("payment", "terminology"):
        for row in _rows(f"{kind}_headers.csv"):
            words.update(w.casefold() for w in _WORD.findall(row["wording"].replace("{year}", " ")))
    return frozenset(words)


@cache
def _running_patterns() -> tuple[re.Pattern, ...]:
    out = []
    for row in _rows("running_text.csv"):
        key = re.escape(header_key(row["wording"])).replace(re.escape("{n}"), r"\d{1,4}")
        out.append(re.compile(rf"^{key}$"))
    return tuple(out)


def is_running_text(text: str) -> bool:
    """Is this whole printed line a running head or foot ("Continued on next page"), part of no cell?"""
    key = header_key(text)
    return any(p.match(key) for p in _running_patterns())


@cache
def _sentinels() -> dict[str, str]:
    return {header_key(r["wording"]): r["payment_status"] for r in _rows("sentinels.csv")}


def sentinel_status(text: str) -> str | None:
    """Payment status a sentinel wording stands for ("NA" -> not_applicable), or None."""
    return _sentinels().get(header_key(text))


@cache
def fact_patterns(fact: str) -> tuple[re.Pattern, ...]:
    """Compiled patterns for one document fact, in file order."""
    return tuple(re.compile(r["pattern"]) for r in _rows("document_facts.csv") if r["fact"] == fact)


@cache
def characters() -> dict[str, tuple[str, str]]:
    """Code points read as something else: char -> (kind, reads_as), from `characters.csv`.

    kind is `letters` (a ligature), `hyphen`, `space`, `drop` (zero-width) or `soft_hyphen`.
    """
    return {chr(int(r["code_point"], 16)): (r["kind"], r["reads_as"]) for r in _rows("characters.csv")}
