"""What a source file is, from its first bytes: a PDF, or not (and then what it looks like).

Extract checks every file with `check_is_pdf` before it opens it with a PDF
library; the build checks them the same way before it starts its parsers, so a
folder of files that are not PDFs is refused without importing one
(`pipeline.run.build`). Reads 1024 bytes; imports nothing but the errors.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import NotAPdf


def check_is_pdf(path: Path) -> None:
    """Raise `NotAPdf` for a file with no `%PDF-` header in its first 1024 bytes, saying what it looks like."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not head:
        raise NotAPdf("the file is empty (0 bytes)")
    if b"%PDF-" not in head:
        sniff = head.lstrip()[:15].lower()
        if sniff.startswith((b"<!doctype", b"<html", b"<?xml")):
            raise NotAPdf("an HTML page, not a PDF (no %PDF- header in its first 1024 bytes; "
                          "a web page saved as .pdf?)")
        raise NotAPdf(f"not a PDF: no %PDF- header in its first 1024 bytes "
                      f"(it starts {head[:16].decode('latin-1')!r})")
