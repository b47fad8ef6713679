"""Named errors, each one line a user can act on.

Every failure that a bad guide can cause is a `GuideError`. Its message names
what is wrong and, where known, the page and the text involved; the build adds
the file name in front, so a user sees one line such as

    sources/2023/guide.pdf: page 3: header 'Fee Sched.' is not a known wording ...

Anything that is not a `GuideError` is a bug in the pipeline, and `--debug`
shows its traceback.
"""

from __future__ import annotations


class GuideError(Exception):
    """A source that cannot be turned into a dataset; the message says why."""

    def __init__(self, message: str, *, page: int | None = None):
        self.page = page
        super().__init__(f"page {page}: {message}" if page is not None else message)


class NotAPdf(GuideError):
    """The file is not a PDF at all (an HTML page saved as .pdf, an empty file)."""


class DamagedPdf(GuideError):
    """The PDF is truncated or damaged beyond what the parser can read."""


class PasswordRequired(GuideError):
    """The PDF needs a password to open."""


class NoTextLayer(GuideError):
    """Pages without text: an image-only scan. No OCR is attempted."""


class NotThisGuide(GuideError):
    """A readable PDF that holds no CPT payment table."""


class LayoutError(GuideError):
    """A header, row or cell the pipeline cannot place; nothing is guessed."""


class ValueNotParsed(GuideError):
    """A cell whose text is not a value of the kind its column holds."""


class YearConflict(GuideError):
    """The document's year disagrees with its folder, or two sources claim one year."""


class ParseLimitExceeded(GuideError):
    """The parser ran past its time or memory limit (a hostile or pathological PDF)."""


class ValidationFailed(GuideError):
    """The normalized tables break the published schema; the report lists every failure."""

    def __init__(self, message: str, *, failures=None, report_path=None):
        self.failures = failures
        self.report_path = report_path
        super().__init__(message)


class ContractChanged(GuideError):
    """Output columns or types differ from the published contract without a version bump."""
