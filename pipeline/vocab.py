"""The guide's vocabulary, kept as data in `pipeline/vocab/*.csv`.

A new year's guide that rewords a header, prints a new sentinel or a new way of
stating its year is a data edit here, not a code edit:

* `concepts.csv`: what a header can stand for, per table kind, with its meaning
  (listed in `docs/vocabulary.md`, which `pipeline docs` generates from these files).
* `payment_headers.csv`: payment-table header wordings, each mapped to a payment concept.
  `{year}` stands for any four-digit year.
* `terminology_headers.csv`: the glossary's header wordings (`term`, `description`).
* `running_text.csv`: lines a producer prints on every page of a table, inside or under it, that
  belong to no cell ("Continued on next page", "Page {n} of {n}"; `{n}` stands for a number).
* `sentinels.csv`: cell wordings that stand for a payment status instead of an amount.
* `marks.csv`: the symbols a footnote mark may be printed as beside a code or an amount ("0600T*",
  "+47383", "$9,874.41‡"): split off the value and recorded (`pipeline.text.split_marks`).
* `document_facts.csv`: regular expressions for facts printed in the prose
  (guide year, effective date, document number).
* `characters.csv`: code points read as something else (ligatures as their
  letters, other hyphens and spaces, zero-width characters dropped, the soft
  hyphen); `pipeline.text` applies them to every extracted character.
* `guide_cues.csv`: what tells a CPT reimbursement guide from any other PDF at a first
  look (`pipeline.extract.first_look`): the wordings of "CPT" and of Medicare payment.
  The payment-table headers that name a setting or the table's title, the sentinels of a
  contractor-priced payment and the guide-year patterns are payment wording too.
* `reading_equivalents.csv`: forms the two readings of a box (pdfminer's and
  PDFium's) may print differently for one thing, each with the producer it was
  seen from (typographic quotes, dashes, list bullets);
  `pipeline.validate` compares the readings after them.
* `glossary_forms.csv`: the glossary's headings ("Reimbursement Terminology", "Glossary"), which
  announce it, and the separators of a "Term: description" entry printed as a paragraph.

Wordings are compared after `header_key`: case, spacing, line breaks (a break after
a hyphen too), "®" and footnote marks do not matter.

Extract uses the same wordings to find a table drawn without rules (lines
printed in header words, `header_words`, naming at least two columns in full);
normalize uses them to say which table is which and what each column holds.
`use` reads them from a copy, to try a new wording before editing the files.

Every file is checked as it is read (`REGISTRY`: its columns, and what each value
may be); a bad entry raises `VocabularyError` naming the file, the line and what is
wrong, and `check()` reads them all (the build does so before it starts).
"""

from __future__ import annotations

import csv
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipeline import shape
from pipeline.errors import GuideError

VOCAB_DIR = Path(__file__).parent / "vocab"
_WORD = re.compile(r"[A-Za-z]+")


_HYPHEN_BREAK = re.compile(r"-\s+")


def header_key(text: str) -> str:
    """Comparison form of a header wording: casefolded, no ®, single spaces, and a word
    broken after its hyphen at a line end ("Non-" / "Facility") kept whole."""
    return _HYPHEN_BREAK.sub("-", " ".join(text.replace("®", " ").casefold().split()))


class VocabularyError(GuideError):
    """A vocabulary file with a bad entry: the message names the file and line."""


def _one_of(*allowed: str):
    def check(value: str) -> str | None:
        return None if value in allowed else f"{value!r} is not one of {', '.join(allowed)}"
    return check


def _present(value: str) -> str | None:
    return None if value.strip() else "is empty"


def _regex(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as exc:
        return f"{value!r} is not a regular expression ({exc})"
    return None


#: What a value prints besides letters and digits: a mark may not be one of them ("$9,874.41", "5362 (J1)", "N/A").
_VALUE_PUNCTUATION = "$.,()-/%:"


def _mark(value: str) -> str | None:
    """A mark is one symbol that no value prints, so it cannot be part of the value it is printed on."""
    if len(value) != 1 or value.isalnum() or value.isspace() or value in _VALUE_PUNCTUATION:
        return f"{value!r} is not one symbol (a letter, a digit, a space or {_VALUE_PUNCTUATION!r} may be part of " \
               "a value)"
    return None


def _code_point(value: str) -> str | None:
    return None if re.fullmatch(r"[0-9A-Fa-f]{4,6}", value) and int(value, 16) <= 0x10FFFF \
        else f"{value!r} is not a hexadecimal code point"


@cache
def concepts(kind: str) -> tuple[str, ...]:
    """The concepts a `kind` table's header can stand for, from `concepts.csv`, in file order."""
    return tuple(r["concept"] for r in rows("concepts.csv") if r["kind"] == kind)


def _concept_of(kind: str):
    def check(value: str) -> str | None:
        known = concepts(kind)
        return None if value in known else f"{value!r} is not a {kind} concept of concepts.csv ({', '.join(known)})"
    return check


def _number_or_blank(value: str) -> str | None:
    return None if not value.strip() or re.fullmatch(r"\d+(\.\d+)?", value.strip()) \
        else f"{value!r} is not a percentage (or blank, for any change)"


@dataclass(frozen=True)
class VocabFile:
    """One file of the vocabulary: its columns, and a check for each that has one."""

    name: str
    columns: tuple[str, ...]
    checks: dict = field(default_factory=dict)


#: The payment statuses a sentinel wording may stand for, and the facts a pattern may find: as the guide's
#: shape declares them (`pipeline.shape`).
_PAYMENT_STATUSES = shape.SENTINEL_STATUSES
_CHARACTER_KINDS = ("letters", "hyphen", "space", "drop", "soft_hyphen")
_EQUIVALENT_KINDS = ("same", "mark")
_FACTS = shape.PATTERNED_FACTS
_CUES = ("cpt", "payment")
#: What `diff` can flag: a row added or removed, a field changed, a table that had rows and has none.
_DIFF_CHANGES = ("added", "removed", "changed", "vanished")
_GLOSSARY_KINDS = ("heading", "separator", "spaced_separator")

#: Every vocabulary file, what its columns are and what each value may be.
REGISTRY: dict[str, VocabFile] = {f.name: f for f in (
    VocabFile("concepts.csv", ("kind", "concept", "meaning"),
              {"kind": _one_of("payment", "terminology"), "concept": _present, "meaning": _present}),
    VocabFile("payment_headers.csv", ("concept", "wording"),
              {"concept": _concept_of("payment"), "wording": _present}),
    VocabFile("terminology_headers.csv", ("concept", "wording"),
              {"concept": _concept_of("terminology"), "wording": _present}),
    VocabFile("running_text.csv", ("wording",), {"wording": _present}),
    VocabFile("sentinels.csv", ("wording", "payment_status"),
              {"wording": _present, "payment_status": _one_of(*_PAYMENT_STATUSES)}),
    VocabFile("marks.csv", ("mark", "name"), {"mark": _mark, "name": _present}),
    VocabFile("document_facts.csv", ("fact", "pattern"), {"fact": _one_of(*_FACTS), "pattern": _regex}),
    VocabFile("characters.csv", ("code_point", "kind", "reads_as", "name"),
              {"code_point": _code_point, "kind": _one_of(*_CHARACTER_KINDS)}),
    VocabFile("guide_cues.csv", ("cue", "wording"), {"cue": _one_of(*_CUES), "wording": _present}),
    VocabFile("reading_equivalents.csv", ("code_point", "kind", "reads_as", "producer", "name"),
              {"code_point": _code_point, "kind": _one_of(*_EQUIVALENT_KINDS), "producer": _present}),
    VocabFile("glossary_forms.csv", ("kind", "wording"), {"kind": _one_of(*_GLOSSARY_KINDS), "wording": _present}),
    VocabFile("diff_checks.csv", ("dataset", "change", "field", "beyond_pct"),
              {"dataset": _present, "change": _one_of(*_DIFF_CHANGES), "beyond_pct": _number_or_blank}),
)}


def rows(name: str) -> list[dict[str, str]]:
    """The rows of `pipeline/vocab/<name>` (or of the copy in `use`), each checked against `REGISTRY`."""
    spec = REGISTRY[name]
    path = VOCAB_DIR / name
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != spec.columns:
            raise VocabularyError(f"{path}: line 1: the columns are {', '.join(reader.fieldnames or ())}; "
                                  f"they should be {', '.join(spec.columns)}")
        rows = []
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise VocabularyError(f"{path}: line {reader.line_num}: {len(spec.columns)} values expected "
                                      f"({', '.join(spec.columns)})")
            for column, check in spec.checks.items():
                problem = check(row[column])
                if problem:
                    raise VocabularyError(f"{path}: line {reader.line_num}: {column} {problem}")
            rows.append(row)
    return rows


#: What each file is for, in the generated reference (`docs/vocabulary.md`).
_ABOUT = {
    "concepts.csv": "What a header can stand for, per table kind. A concept normalize does not handle is a code "
                    "change; every other edit here is data.",
    "payment_headers.csv": "Payment-table header wordings, each mapped to a payment concept (`{year}`: any year).",
    "terminology_headers.csv": "The glossary's header wordings, mapped to `term` or `description`.",
    "running_text.csv": "Lines printed on every page of a table that belong to no cell (`{n}`: a number).",
    "sentinels.csv": "Cell wordings that stand for a payment status instead of an amount.",
    "marks.csv": "Symbols a footnote mark is printed as beside a code or an amount (\"0600T*\", \"+47383\", "
                 "\"$9,874.41‡\"): split off the value and recorded in the manifest's `footnotes`.",
    "document_facts.csv": "Regular expressions for facts printed in the prose; the named group is the value.",
    "characters.csv": "Code points read as something else before any pattern is matched.",
    "guide_cues.csv": "What a first look at a PDF seeks to tell a CPT reimbursement guide from any other document: "
                      "\"CPT\" and Medicare payment wording (docs/layouts.md, the first look).",
    "reading_equivalents.csv": "Forms the two readings of a box may print differently for one thing (`same`: read "
                               "as `reads_as`; `mark`: a list marker, left out), each with the producer it was "
                               "seen from; the second reading compares after them.",
    "glossary_forms.csv": "The glossary's headings (a line that is one of them announces the glossary: it is read "
                          "whole or the build stops) and the separators of a \"Term: description\" paragraph.",
    "diff_checks.csv": "Changes `diff` flags as \"check against the PDF\": a row added or removed, a field changed "
                       "(blank field: any; beyond a percentage, for an amount), a table left empty.",
}


def markdown() -> str:
    """`docs/vocabulary.md`: each file, its columns and allowed values, and the concepts with their meaning."""
    out = ["# Vocabulary reference", "",
           "Generated from `pipeline/vocab.py` and `pipeline/vocab/*.csv` by `make docs`; do not edit by hand,",
           "`make test` fails when it is stale. Every file is checked as it is read: a bad entry stops the build",
           "with one line naming the file, the line and what is wrong. [layouts.md](layouts.md) says when to add",
           "a wording.", "", "| file | columns | rows | what it is for |", "|---|---|---|---|"]
    for name, spec in REGISTRY.items():
        out.append(f"| `pipeline/vocab/{name}` | {', '.join(f'`{c}`' for c in spec.columns)} | "
                   f"{len(rows(name))} | {_ABOUT[name]} |")
    out += ["", "## Concepts", "", "A header wording in `payment_headers.csv` or `terminology_headers.csv` maps to one "
            "of these.", "", "| table | concept | meaning |", "|---|---|---|"]
    out += [f"| {r['kind']} | `{r['concept']}` | {r['meaning']} |" for r in rows("concepts.csv")]
    out += ["", "## Allowed values", "",
            f"- `sentinels.csv` `payment_status`: {', '.join(f'`{v}`' for v in _PAYMENT_STATUSES)}",
            f"- `marks.csv` `mark`: one symbol, no letter, digit or `{_VALUE_PUNCTUATION}` (a value prints those)",
            f"- `document_facts.csv` `fact`: {', '.join(f'`{v}`' for v in _FACTS)}; `pattern` must compile",
            f"- `guide_cues.csv` `cue`: {', '.join(f'`{v}`' for v in _CUES)}",
            f"- `characters.csv` `kind`: {', '.join(f'`{v}`' for v in _CHARACTER_KINDS)}; `code_point` in hexadecimal",
            f"- `reading_equivalents.csv` `kind`: {', '.join(f'`{v}`' for v in _EQUIVALENT_KINDS)}; `code_point` in "
            "hexadecimal; `producer` must say where the form was seen",
            f"- `glossary_forms.csv` `kind`: {', '.join(f'`{v}`' for v in _GLOSSARY_KINDS)} (a `separator` may "
            "follow the term at once, a `spaced_separator` has a space on each side)",
            f"- `diff_checks.csv` `change`: {', '.join(f'`{v}`' for v in _DIFF_CHANGES)}; `beyond_pct`: a number "
            "(a changed `payment_usd` or `rvus` only), or blank for any change", ""]
    return "\n".join(out)


def check() -> None:
    """Read every vocabulary file; the first bad entry raises `VocabularyError`."""
    for name in REGISTRY:
        rows(name)
    for kind in ("payment", "terminology"):
        _header_patterns(kind)
    _running_patterns()
    characters()
    marks()
    equivalents()
    _glossary_headings()
    entry_pattern()


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
    for loaded in (_header_patterns, _sentinels, marks, fact_patterns, header_words, characters, _running_patterns,
                   concepts, guide_cues, equivalents, _glossary_headings, entry_pattern):
        loaded.cache_clear()


@cache
def _header_patterns(kind: str) -> tuple[tuple[re.Pattern, str], ...]:
    out = []
    for row in rows(f"{kind}_headers.csv"):
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
        for row in rows(f"{kind}_headers.csv"):
            words.update(w.casefold() for w in _WORD.findall(row["wording"].replace("{year}", " ")))
    return frozenset(words)


@cache
def _running_patterns() -> tuple[re.Pattern, ...]:
    out = []
    for row in rows("running_text.csv"):
        key = re.escape(header_key(row["wording"])).replace(re.escape("{n}"), r"\d{1,4}")
        out.append(re.compile(rf"^{key.replace(re.escape('{text}'), '.+')}$"))
    return tuple(out)


def is_running_text(text: str) -> bool:
    """Is this whole printed line a running head or foot ("Continued on next page", a heading
    printed again with "(continued)"), part of no cell?"""
    key = header_key(text)
    return any(p.match(key) for p in _running_patterns())


@cache
def _sentinels() -> dict[str, str]:
    return {header_key(r["wording"]): r["payment_status"] for r in rows("sentinels.csv")}


def sentinel_status(text: str) -> str | None:
    """Payment status a sentinel wording stands for ("NA" -> not_applicable), or None."""
    return _sentinels().get(header_key(text))


@cache
def marks() -> str:
    """The symbols a footnote mark may be printed as beside a value (`marks.csv`), in file order."""
    return "".join(r["mark"] for r in rows("marks.csv"))


@cache
def fact_patterns(fact: str) -> tuple[re.Pattern, ...]:
    """Compiled patterns for one document fact, in file order."""
    return tuple(re.compile(r["pattern"]) for r in rows("document_facts.csv") if r["fact"] == fact)


@cache
def characters() -> dict[str, tuple[str, str]]:
    """Code points read as something else: char -> (kind, reads_as), from `characters.csv`.

    kind is `letters` (a ligature), `hyphen`, `space`, `drop` (zero-width) or `soft_hyphen`.
    """
    return {chr(int(r["code_point"], 16)): (r["kind"], r["reads_as"]) for r in rows("characters.csv")}


@cache
def guide_cues(cue: str) -> tuple[str, ...]:
    """The wordings of one first-look cue (`cpt` or `payment`) in `guide_cues.csv`, in file order."""
    return tuple(r["wording"] for r in rows("guide_cues.csv") if r["cue"] == cue)


@cache
def equivalents() -> dict[str, str]:
    """Forms two readings of one box may differ by, each as what it is compared as: char -> text
    ("" for a list marker), from `reading_equivalents.csv`."""
    return {chr(int(r["code_point"], 16)): "" if r["kind"] == "mark" else r["reads_as"]
            for r in rows("reading_equivalents.csv")}


@cache
def _glossary_headings() -> frozenset[str]:
    return frozenset(header_key(r["wording"]) for r in rows("glossary_forms.csv") if r["kind"] == "heading")


_CONTINUED = re.compile(r"^(?P<heading>.+?)[\s,]*(?P<continued>\(?\s*(?:continued|cont\.|cont'd)\s*\)?)$")


def glossary_heading(text: str) -> bool:
    """Is this whole printed line a heading of the glossary ("REIMBURSEMENT TERMINOLOGY"), or that
    heading printed again over its continuation ("Glossary (continued)")?"""
    key = header_key(text)
    if key in _glossary_headings():
        return True
    m = _CONTINUED.match(key)
    return bool(m) and m.group("heading") in _glossary_headings()


@cache
def entry_pattern() -> re.Pattern:
    """A printed line that starts a "Term: description" entry: groups `term` and `description`.

    A `separator` may follow the term at once (":"); a `spaced_separator` (a dash) has a space on
    each side, so a hyphen inside a term ("ICD-10-PCS") separates nothing. The term's shape is
    normalize's to judge (`pipeline.normalize.sections`).
    """
    glued = [re.escape(r["wording"]) for r in rows("glossary_forms.csv") if r["kind"] == "separator"]
    spaced = [re.escape(r["wording"]) for r in rows("glossary_forms.csv") if r["kind"] == "spaced_separator"]
    seps = [rf"\s*(?:{'|'.join(glued)})"] if glued else []
    seps += [rf"\s+(?:{'|'.join(spaced)})"] if spaced else []
    if not seps:
        return re.compile(r"(?!)")
    return re.compile(rf"^(?P<term>\S.*?)(?:{'|'.join(seps)})\s+(?P<description>\S.*)$", re.S)
