"""First look: is this PDF a CPT reimbursement guide at all? Decided before any table is read.

Part of the extract stage, called by `extract()` before pdfplumber reads a page.
Reading a page's tables costs pdfplumber a quarter of a second; a 197-page
hospital chargemaster took 50 s to be refused, and was then refused by a header
wording ("'FAC#' is not a known wording; add it to the vocabulary"), advice that
sends its reader the wrong way. PDFium's text layer (pypdfium2) reads the same
pages in milliseconds, so the look is cheap whatever the length of the document.

A guide prints, in its first pages (`FIRST_PAGES` from the first page that
prints text: a cover picture or a blank page does not count), all three of

* **"CPT"**: a wording of cue `cpt` of `pipeline/vocab/guide_cues.csv`;
* **a code of a CPT shape**: five digits, or four digits and T, standing apart
  from other digits and letters (a footnote digit or a dagger may follow);
* **Medicare payment wording**: a wording of cue `payment` of `guide_cues.csv`
  ("National Average Payment", "Physician Fee Schedule", "Hospital Outpatient",
  "ASC", ...), a payment-table header of `payment_headers.csv` that names a
  care setting or the table's title, a sentinel of a contractor-priced payment
  ("No national set payment"), or a guide-year pattern of `document_facts.csv`.

The rule is lenient on purpose: it only refuses what is plainly no guide (a price
list prints CPT codes and prices, but no Medicare payment wording), since a good
guide refused is a guide retyped. Any one of the many payment wordings will do,
on any of the first pages, in any order, in any table layout or none. Wordings
are compared as the vocabulary compares headers (`vocab.header_key`: case,
spacing and line breaks do not matter), after the character repairs of
`pipeline.text`; the words of a wording may run together (PDFium's text of a
justified line can lose its spaces), and a wording of fewer than six letters
("ASC", "CPT") counts only where no letter touches it. What the look passes,
normalize still reads whole: a document that passes and holds no payment table is
refused there.

PDFium aborts the process when an allocation fails, where pdfminer raises
`MemoryError` for the sandbox to name the memory limit. So before PDFium reads a
page, pdfminer decodes the page's content streams and forms (`_decode_first`):
a decompression bomb is stopped as it always was, by the memory limit, and a
good page's decoded streams are kept for pdfplumber, which reads them next.

A document refused gets one line, `NotThisGuide`, saying which of the three its
first pages print and which they do not, and what was looked for; never advice
to edit the vocabulary, which a document that is no guide cannot need. A
document whose pages print no text at all but hold pictures is a scan: it is
refused as one (`NoTextLayer`), in the same words. A document with neither text
nor pictures is left to extract, which says what is wrong with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pypdfium2.raw as R
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import LIT

from pipeline import vocab
from pipeline.errors import NoTextLayer, NotThisGuide
from pipeline.text import normalize as as_read
from pipeline.text import squash

#: How many pages the look reads, from the first page that prints text. The 2022 guide prints every
#: cue by its page 3 (a cover, a contents page, then the table); ten leave room for a longer preface.
FIRST_PAGES = 10

#: A wording with fewer letters than this counts only where no letter touches it ("ASC", not "cascade").
SHORT_WORDING = 6

#: Pages whose characters PDFium cannot map to Unicode in this share or more cannot be judged: their
#: text is glyph numbers, not what is printed. Extract's own check names the font.
UNMAPPED_SHARE = 0.05

#: Payment-table header concepts whose wordings say Medicare payment: a care setting, or the table's title.
#: The others ("Code", "Descriptor", "Payment", "Facility", "RVUs") are printed by any price list.
PAYMENT_CONCEPTS = ("title", "physician", "non_facility", "opps", "asc", "apc")

#: A code of a CPT shape (`fields.CPT_CODE_PATTERN`), standing apart: no digit or letter before it,
#: no digit after five digits, no letter after the T (a footnote digit, a dagger, a comma may follow).
_CODE = re.compile(r"(?<![0-9A-Za-z])(?:\d{5}(?![0-9])|\d{4}T(?![A-Za-z]))")

#: The three cues in the order a refusal names them, with how it names each.
CUES = {"cpt": "'CPT'", "code": "a code of CPT shape", "payment": "Medicare payment wording"}


@dataclass
class Look:
    """What the first pages print."""

    page_count: int
    #: The pages read, in order (1-based).
    pages: list[int] = field(default_factory=list)
    #: Each cue printed -> the first page printing it (a cue not printed is absent).
    found: dict[str, int] = field(default_factory=dict)
    #: Pages that hold a picture, among those read while looking for text.
    pictures: int = 0
    #: Characters read, and those of them PDFium could not map to Unicode.
    chars: int = 0
    unmapped: int = 0

    @property
    def is_guide(self) -> bool:
        return all(cue in self.found for cue in CUES)

    @property
    def readable(self) -> bool:
        """Could the pages read be judged: is their text what they print?"""
        return self.unmapped < UNMAPPED_SHARE * self.chars


def first_look(document, pages) -> Look:
    """Look at the first pages of a PDF; raise unless it may be a CPT reimbursement guide.

    `document` is the PDF opened by PDFium, `pages` its pages opened by pdfplumber (see `_decode_first`).

    Raises `NotThisGuide` for a document whose first pages lack a cue, `NoTextLayer` for
    pictures without text. Returns the look otherwise: a guide, or a document extract
    judges itself (neither text nor pictures; text whose font maps no character).
    """
    look = read_pages(document, pages)
    if look.pages and look.readable and not look.is_guide:
        raise NotThisGuide(refusal(look))
    if not look.pages and look.pictures:
        raise NoTextLayer(f"not a CPT reimbursement guide that can be read: none of its {look.page_count} page(s) "
                          f"has a text layer (an image-only scan?), and no OCR is attempted ({looked_for()})")
    return look


def read_pages(document, pages, first_pages: int = FIRST_PAGES) -> Look:
    """Each cue's first page among the first `first_pages` pages from the first page with text."""
    look = Look(page_count=len(pages))
    patterns = {cue: wording_patterns(cue) for cue in ("cpt", "payment")}
    for index in range(min(len(pages), len(document))):  # a damaged file may count its pages differently
        if look.pages and (len(look.pages) >= first_pages or look.is_guide):
            break
        _decode_first(pages[index].page_obj)
        text, unmapped = _page_text(document, index)
        if not look.pages and not text.strip():
            look.pictures += _has_picture(document, index)
            continue
        look.pages.append(index + 1)
        look.chars += len(text)
        look.unmapped += unmapped
        for cue in cues_in(text, patterns):
            look.found.setdefault(cue, index + 1)
    return look


def cues_in(text: str, patterns: dict[str, tuple[re.Pattern, ...]]) -> set[str]:
    """Which of the three cues a page's text prints (`patterns`: `wording_patterns` of each wording cue)."""
    printed = squash(as_read(text))
    key = vocab.header_key(printed)
    found = set()
    if any(p.search(key) for p in patterns["cpt"]):
        found.add("cpt")
    if _CODE.search(printed):
        found.add("code")
    if any(p.search(key) for p in patterns["payment"]) or \
            any(p.search(printed) for p in vocab.fact_patterns("guide_year")):
        found.add("payment")
    return found


def refusal(look: Look) -> str:
    """The one line for a document that is no guide: what its first pages print, and what was looked for."""
    found = [name for cue, name in CUES.items() if cue in look.found]
    missing = [f"no {name.removeprefix('a ')}" for cue, name in CUES.items() if cue not in look.found]
    says = (f"{_and(found)} but {_and(missing)}" if found else _and(missing))
    pages = _pages(look)
    verb = "prints" if pages == "its only page" else "print"
    return f"not a CPT reimbursement guide: {pages} {verb} {says} ({looked_for()})"


def looked_for() -> str:
    """What a guide prints that the look sought, with the first payment wordings as examples."""
    payment = vocab.guide_cues("payment")[:3]
    examples = ", ".join(f"'{w}'" for w in payment[:-1]) + f" or '{payment[-1]}'"
    return (f"looked for: '{vocab.guide_cues('cpt')[0]}', codes of five digits or four digits and T, and "
            f"Medicare payment wording such as {examples}")


def _pages(look: Look) -> str:
    first, last, count = look.pages[0], look.pages[-1], look.page_count
    if count == 1:
        return "its only page"
    if first == 1 and last == count:
        return f"its {count} pages"
    if first == 1:
        return f"its first {last} pages (of {count})"
    return f"its pages {first}-{last} (of {count}), the first with text"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


_FORM = LIT("Form")


def _decode_first(page) -> None:
    """Have pdfminer decode a page's content streams and forms (a pdfminer `PDFPage`) before PDFium reads them.

    A stream that inflates past the memory limit raises `MemoryError` here, in Python, where the
    sandbox reports the limit; in PDFium the same allocation would abort the process. pdfminer keeps
    what it decoded, so pdfplumber does not decode it again.
    """
    for stream in page.contents:
        stream = resolve1(stream)
        if isinstance(stream, PDFStream):
            stream.get_data()
    resources, seen = [page.resources], set()
    while resources:
        found = resolve1(resources.pop())
        xobjects = resolve1(found.get("XObject")) if isinstance(found, dict) else None
        for xobject in (xobjects or {}).values() if isinstance(xobjects, dict) else ():
            xobject = resolve1(xobject)
            # a form's own resources may hold forms; pictures are not decoded (PDFium reads no text from them)
            if isinstance(xobject, PDFStream) and xobject.get("Subtype") is _FORM and id(xobject) not in seen:
                seen.add(id(xobject))
                xobject.get_data()
                resources.append(xobject.get("Resources"))


def _page_text(document, index: int) -> tuple[str, int]:
    """A page's text as PDFium reads it, and how many of its characters have no Unicode mapping."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            unmapped = sum(R.FPDFText_HasUnicodeMapError(textpage.raw, i) for i in range(textpage.count_chars()))
            return textpage.get_text_range(), unmapped
        finally:
            textpage.close()
    finally:
        page.close()


def _has_picture(document, index: int) -> bool:
    page = document[index]
    try:
        return any(True for _ in page.get_objects(filter=[R.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    finally:
        page.close()


def wording_patterns(cue: str) -> tuple[re.Pattern, ...]:
    """Regular expressions over `header_key` text for each wording of a cue (see the module docstring).

    Read from the vocabulary at each look, so a wording added (or tried with `vocab.use`) counts at once.
    """
    wordings = list(vocab.guide_cues(cue))
    if cue == "payment":
        wordings += [r["wording"] for r in vocab.rows("payment_headers.csv") if r["concept"] in PAYMENT_CONCEPTS]
        wordings += [r["wording"] for r in vocab.rows("sentinels.csv") if r["payment_status"] == "contractor_priced"]
    out = []
    for wording in dict.fromkeys(wordings):
        key = vocab.header_key(wording)
        body = " ?".join(re.escape(word).replace(re.escape("{year}"), r"\d{4}") for word in key.split(" "))
        letters = sum(ch.isalpha() for ch in key.replace("{year}", ""))
        out.append(re.compile(rf"(?<![a-z]){body}(?![a-z])" if letters < SHORT_WORDING else body))
    return tuple(out)
