"""Text as a person reads it, in one place: characters, footnote marks, line breaks, hyphenation.

Pure functions on strings; no I/O. Extract reads every character through
`reading` (`pipeline.extract.lines`), so what normalize matches its patterns
against (dates, notes, headers, sentinels) and what is published are already
in this form; `normalize` does the same for a whole string (the second reading).

The code points read as something else are data, `pipeline/vocab/characters.csv`:
ligatures (U+FB00-FB06, as Chromium writes them for Calibri-like fonts) as their
letters, other hyphen and dash code points as "-", non-breaking and thin spaces
as a space, zero-width characters dropped. The soft hyphen (U+00AD), which
ISO 32000-1 14.8.2.2.3 recommends for a hyphenation at a line break, is kept by
extract only at the end of a line, where it joins the word (`squash`,
`join_lines`); anywhere else it is dropped.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pipeline import vocab

SOFT_HYPHEN = "\xad"
#: What extract reads for a glyph whose font gives no Unicode for it (pdfminer's "(cid:N)"): one
#: character that stands for a character nobody can know.
UNMAPPED = "\ufffd"
_SOFT_BREAK = re.compile("\xad\\s*")
#: A gap between two printed characters wider than this share of the font size reads as a space
#: (extract's lines and cells; normalize's lines of a text column made again from their words).
SPACE_GAP_RATIO = 0.2

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


def split_marks(text: str, sup_mask: str) -> tuple[str, list[str]]:
    """Remove the footnote marks printed on a value (a code, an amount, an APC); return the rest and the
    marks, in printed order.

    A mark is split off only where it cannot be part of the value: a raised character (as
    `split_footnotes`; a raised digit glued to the value's digits is ambiguous, and the caller
    stops on it first: `glued_raised_digits`), or a run of the symbols of `vocab/marks.csv` that
    begins or ends a word ("0600T*", "+47383", "$9,874.41‡ (J1)"). A symbol inside a word, and any
    character printed full size that a value may print (a digit, a letter), stays: "473831" is then
    no code, and the value's own reading stops on it.
    """
    if "^" not in sup_mask and not any(ch in text for ch in vocab.marks()):
        return text, []  # nothing raised, no mark symbol: most cells, read as they are
    mask = sup_mask.ljust(len(text))
    kept: list[tuple[int, str]] = []
    found: list[tuple[int, str]] = []
    for k, (ch, m) in enumerate(zip(text, mask)):
        if m == "^" and not ch.isspace():
            if found and found[-1][0] + len(found[-1][1]) == k:
                found[-1] = (found[-1][0], found[-1][1] + ch)
            else:
                found.append((k, ch))
        else:
            kept.append((k, ch))
    clean = "".join(ch for _, ch in kept)
    symbols = _mark_runs()
    found += [(kept[m.start()][0], m.group()) for m in symbols.finditer(clean)]
    return symbols.sub("", clean), [mark for _, mark in sorted(found)]


def code_text(text: str, sup_mask: str) -> str:
    """A code cell's text without its footnote marks (`split_marks`), spaces squashed: what a CPT code
    pattern is matched against, wherever a row is told by its code (extract and normalize)."""
    return squash(split_marks(text, sup_mask)[0])


def glued_raised_digits(text: str, sup_mask: str) -> tuple[str, str] | None:
    """The first run of raised digits glued to the digit before it, as (the text before it, the run), or None.

    "$9,096.4" and a raised "6", "47383" and a raised "1": a digit printed small or a footnote mark?
    Nothing on the page says which, so a value printed so is not read at all.
    """
    if "^" not in sup_mask:
        return None
    mask = sup_mask.ljust(len(text))
    for k, (ch, m) in enumerate(zip(text, mask)):
        if m == "^" and ch.isdigit() and k and text[k - 1].isdigit() and mask[k - 1] != "^":
            end = k
            while end < len(text) and mask[end] == "^" and not text[end].isspace():
                end += 1
            raised = text[k:end]
            if raised.isdigit():
                return text[:k], raised
    return None


def _mark_runs() -> re.Pattern:
    """A run of mark symbols (`vocab.marks`) at the start or the end of a word."""
    return _runs_of(vocab.marks())


@functools.lru_cache(maxsize=8)
def _runs_of(marks: str) -> re.Pattern:
    symbols = re.escape(marks)
    if not symbols:
        return re.compile(r"(?!)")
    return re.compile(rf"(?<!\S)[{symbols}]+|[{symbols}]+(?!\S)")


def reading(ch: str) -> str:
    """One extracted character's text as read: a ligature's letters, "-" for a dash, "" for a zero-width char.

    A soft hyphen is returned as it is; its line decides what it means.
    """
    found = vocab.characters().get(ch)
    if found is None:
        if len(ch) > 1:
            return "".join(reading(c) for c in ch)
        return ch
    kind, reads_as = found
    return SOFT_HYPHEN if kind == "soft_hyphen" else reads_as


def normalize(text: str) -> str:
    """A whole string as read: every character through `reading`, soft hyphens resolved.

    A soft hyphen before a line break (or at the end) joins the word; elsewhere it is dropped.
    """
    table = vocab.characters()
    if not any(ch in table for ch in text):
        return text
    out = "".join(reading(ch) if ch in table else ch for ch in text)
    return _SOFT_BREAK.sub("", out)


def squash(text: str) -> str:
    """Collapse all runs of whitespace, line breaks included, to single spaces.

    A soft hyphen at a line end joins the word it breaks ("ultra\xad" / "sound").
    """
    if SOFT_HYPHEN in text:
        text = _SOFT_BREAK.sub("", text)
    return " ".join(text.split())


def join_lines(text: str, known_words: frozenset[str] = frozenset()) -> str:
    """Join a cell's printed lines into one line of text.

    A line ending in a soft hyphen is a word broken by the layout: the next
    line continues it without a hyphen or a space. A line ending in a hyphen before a lowercase letter is a word broken by
    the layout ("electro-" / "poration") and is rejoined without the hyphen,
    unless the document itself writes the hyphenated form and never the
    joined one (a real compound like "contractor-priced"). Before a capital or
    a digit the hyphen stays and no space is added ("ICD-" / "10-PCS").
    """
    soft = []
    lines = []
    for line in text.split("\n"):
        broken = line.rstrip().endswith(SOFT_HYPHEN)
        line = squash(line)
        if line:
            lines.append(line)
            soft.append(broken)
    if not lines:
        return ""
    out = lines[0]
    for line, after_soft in zip(lines[1:], soft):
        if after_soft:  # a soft hyphen at the line end: one word, no hyphen, no space
            out += line
        elif out.endswith("-") and line[:1].islower():
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


def legible(text: str, reread: str) -> str:
    """A text holding glyphs no font maps (U+FFFD), as a message quotes it: the second reading (PDFium's)
    when it reads every glyph, as many as there are, as a printable character; else the text with
    U+FFFD where it could not."""
    clean = squash(reread)
    if len("".join(clean.split())) == len("".join(text.split())) and not any(
            unicodedata.category(ch) in ("Cc", "Co", "Cs") or ch == UNMAPPED for ch in clean):
        return clean
    return squash(text)
