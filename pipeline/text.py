"""Text repair shared by normalize: footnote marks, line breaks, hyphenation.

Pure functions on strings; no I/O.
"""

from __future__ import annotations

import re

#: Same-size footnote digits glued to the end of a header word: "Code1",
#: "Schedule2", "APC3 (Status", "Term8". Only applied to header cells, whose
#: wordings are then matched against the vocabulary, so a digit that is part
#: of a real wording cannot be lost silently.
_GLUED_FOOTNOTE = re.compile(r"(?<=[A-Za-z®)])(\d{1,2})(?=$|[\s(,])")
_WORD = re.compile(r"[A-Za-z]+")
_COMPOUND = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


def split_footnotes(text: str, sup_mask: str, *, glued: bool = False) -> tuple[str, list[str]]:
    """Remove footnote marks from `text`; return the clean text and the marks.

    Characters printed as superscripts (`^` in `sup_mask`) are always marks.
    With `glued`, digits glued to the end of a word are marks too (footnotes
    printed at full size).
    """
    marks: list[str] = []
    kept: list[str] = []
    run = ""
    for ch, m in zip(text, sup_mask.ljust(len(text))):
        if m == "^" and not ch.isspace():
            run += ch
            continue
        if run:
            marks.append(run)
            run = ""
        kept.append(ch)
    if run:
        marks.append(run)
    clean = "".join(kept)
    if glued:
        marks += _GLUED_FOOTNOTE.findall(clean)
        clean = _GLUED_FOOTNOTE.sub("", clean)
    return clean, marks


def squash(text: str) -> str:
    """Collapse all runs of whitespace, line breaks included, to single spaces."""
    return " ".join(text.split())


def join_lines(text: str, known_words: frozenset[str] = frozenset()) -> str:
    """Join a cell's printed lines into one line of text.

    A line ending in a hyphen before a lowercase letter is a word broken by
    the layout ("electro-" / "poration") and is rejoined without the hyphen,
    unless the document itself writes the hyphenated form and never the
    joined one (a real compound like "contractor-priced"). Before a capital or
    a digit the hyphen stays and no space is added ("ICD-" / "10-PCS").
    """
    lines = [squash(line) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    out = lines[0]
    for line in lines[1:]:
        if out.endswith("-") and line[:1].islower():
            head = _WORD.findall(out)[-1:] or [""]
            tail = _WORD.match(line)
            joined = (head[0] + tail.group(0)).casefold() if tail else ""
            hyphenated = f"{head[0]}-{tail.group(0)}".casefold() if tail else ""
            if hyphenated in known_words and joined not in known_words:
                out += line
            else:
                out = out[:-1] + line
        elif out.endswith("-"):  # "ICD-" / "10-PCS": a hyphen that stays, no space
            out += line
        else:
            out += " " + line
    return out


def vocabulary(texts) -> frozenset[str]:
    """Casefolded words, and hyphenated compounds, that a document prints within a line."""
    words: set[str] = set()
    for text in texts:
        for line in text.split("\n"):
            words.update(token.casefold() for token in _COMPOUND.findall(line))
    return frozenset(words)
