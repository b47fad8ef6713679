"""Named errors, each one line a user can act on.

Every failure that a bad guide can cause is a `GuideError`. Its message names
what is wrong and, where known, the page and the text involved; the build adds
the file name in front, so a user sees one line such as

    sources/2023/guide.pdf: page 3: header 'Fee Sched.' is not a known wording ...

Anything that is not a `GuideError` is a bug in the pipeline, and `--debug`
shows its traceback. The PDF parser is the exception to that rule: on broken
files it raises bare `TypeError`s and `RecursionError`s as well as its own
types, so `from_parser` turns whatever comes out of it into a `GuideError` at
the extract boundary.
"""

from __future__ import annotations


class GuideError(Exception):
    """A source that cannot be turned into a dataset; the message says why.

    `box` (x0, top, x1, bottom) is the cell the message is about, when there is one, and `what`
    how the message names it ("0600T hospital_outpatient"): normalize looks in that cell for a
    cause the message could not see (a glyph no font maps, hidden text) before it stops.
    """

    def __init__(self, message: str, *, page: int | None = None, box: tuple | None = None, what: str | None = None):
        self.page = page
        self.box = box
        self.what = what
        super().__init__(f"page {page}: {message}" if page is not None else message)


class NotAPdf(GuideError):
    """The file is not a PDF at all (an HTML page saved as .pdf, an empty file)."""


class DamagedPdf(GuideError):
    """The PDF is truncated or damaged beyond what the parser can read."""


class PasswordRequired(GuideError):
    """The PDF needs a password to open."""


class NoTextLayer(GuideError):
    """Pages without text: an image-only scan. No OCR is attempted."""


class ScannedUnderOcr(NoTextLayer):
    """A page that is a picture under a layer of invisible text: a scan with OCR, not printed text."""


class UnreadableText(GuideError):
    """Text whose font has no usable character map: its characters cannot be known."""


class HiddenText(GuideError):
    """Text a viewer does not paint that reads like a value: a CPT row, an amount, a note."""


class ReadingsDisagree(GuideError):
    """The two readings of one box (pdfminer and PDFium) disagree: neither is trusted."""


class NotThisGuide(GuideError):
    """A readable PDF that holds no CPT payment table."""


class LayoutError(GuideError):
    """A header, row or cell the pipeline cannot place; nothing is guessed."""


class DuplicateSetting(LayoutError):
    """Two columns of a payment table claim one care setting's value: which one holds it cannot be known."""


class ValueNotParsed(GuideError):
    """A cell whose text is not a value of the kind its column holds."""


class YearConflict(GuideError):
    """The document's year disagrees with its folder, or two sources claim one year."""


class ParseLimitExceeded(GuideError):
    """The parser ran past its time or memory limit (a hostile or pathological PDF)."""


class ParserCrashed(GuideError):
    """The process parsing the PDF died without an answer (a crash in a C library, a kill)."""


class ValidationFailed(GuideError):
    """The normalized tables break the published schema; the report lists every failure."""

    def __init__(self, message: str, *, failures=None, report_path=None):
        self.failures = failures
        self.report_path = report_path
        super().__init__(message)


class ContractChanged(GuideError):
    """Output columns or types differ from the published contract without a version bump."""


# ---------------------------------------------------------------- errors the PDF parser raises

def exception_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception behind it, outermost first.

    pdfplumber wraps parser errors in `PdfminerException` holding the original
    in its args and `__context__` rather than `__cause__`, so all three are followed.
    """
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [e.__cause__, e.__context__, *(a for a in e.args if isinstance(a, BaseException))]
    return seen


def from_parser(exc: BaseException) -> BaseException:
    """What to raise for an exception that came out of the PDF parser.

    Every exception is caught, not only pdfplumber's own type: pdfminer lets
    bare `TypeError`, `KeyError` or `RecursionError` escape on broken files.
    A `MemoryError` is passed on as it is, for the sandbox to report against
    the memory limit; a `GuideError` raised inside is kept.
    """
    chain = exception_chain(exc)
    for e in chain:
        if isinstance(e, (GuideError, MemoryError)):
            return e
    if any(isinstance(e, RecursionError) for e in chain):
        return DamagedPdf("the PDF is damaged: its structure loops back on itself "
                          "(the parser recursed without end)")
    root = chain[-1]
    detail = f"{type(root).__name__}: {root}" if str(root) else type(root).__name__
    if type(root).__module__.split(".")[0] in ("pdfminer", "pdfplumber"):
        return DamagedPdf(f"the PDF is damaged or truncated and cannot be read ({detail})")
    # not the parser's own error type: it tripped over the file rather than reporting it
    return DamagedPdf(f"the PDF is damaged: the parser failed on it ({detail})")
