"""Every file of the hostile-PDF corpus fails cleanly, within the limits, beside a guide that builds.

The corpus (`../shared/pdf-corpus/`, listed in its MANIFEST.tsv) holds broken,
hostile and merely unrelated PDFs from public test suites (pdfplumber, pdfminer,
qpdf, pdf.js, pypdf, camelot) and two synthetic ones. Skipped when the folder is
absent. The build runs with the default limits, so this is what a user sees.
"""

from __future__ import annotations

import csv
import shutil

import pytest

from tools.testkit.paths import CORPUS, SOURCE_2022
from pipeline.run.build import build
from tests.refusals import NOTHING, NOTHING_ONE_PAGE, not_a_guide, scan

pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(), reason=f"no corpus at {CORPUS}")

#: What the first look says of a one-page PDF that is no guide (tests/test_first_look.py: the rule).
NOT_THIS_GUIDE = not_a_guide("its only page", NOTHING_ONE_PAGE)
NO_PAGES = ("DamagedPdf", "the PDF has no pages (damaged cross-reference table, or an empty document)")

EXPECTED = {
    "qpdf__bad1.pdf": ("NotAPdf", "not a PDF: no %PDF- header in its first 1024 bytes (it starts 'oops\\n')"),
    "pdfplumber__empty.pdf": ("NotAPdf", "the file is empty (0 bytes)"),
    "qpdf__bad2.pdf": ("DamagedPdf", "the PDF is damaged or truncated and cannot be read "
                                     "(PDFSyntaxError: No /Root object! - Is this really a PDF?)"),
    # pdfminer finds no page content in its broken cross-reference table; PDFium rebuilds it and reads 'Potato'
    "qpdf__bad3.pdf": NOT_THIS_GUIDE,
    "pdfjs__REDHAT-1531897-0.pdf": NO_PAGES,
    "pdfjs__GHOSTSCRIPT-698804-1-fuzzed.pdf": NO_PAGES,
    "qpdf__empty.pdf": NO_PAGES,
    "pdfminer__aes-256-r6.pdf": NOT_THIS_GUIDE,  # opened with its password
    "camelot__health_protected.pdf": NOT_THIS_GUIDE,  # opened with its password
    "pdfminer__issue-1113-evil-xobjects.pdf": NOT_THIS_GUIDE,
    "qpdf__append-xref-loop.pdf": ("DamagedPdf", "the PDF is damaged: its structure loops back on itself "
                                                 "(the parser recursed without end)"),
    "qpdf__outlines-with-loop.pdf": not_a_guide("its first 10 pages (of 30)", NOTHING),
    "pdfjs__operator_list_cycle.pdf": ("DamagedPdf", "the PDF is damaged: the parser failed on it "
                                                     "(TypeError: 'NoneType' object is not iterable)"),
    "pdfminer__zen_of_python_corrupted.pdf": NOT_THIS_GUIDE,
    "pypdf__imagemagick-CCITTFaxDecode.pdf": scan(1),
    "pdfplumber__malformed-from-issue-932.pdf": NOT_THIS_GUIDE,
    "pdfplumber__nics-background-checks-2015-11.pdf": NOT_THIS_GUIDE,
    "camelot__foo.pdf": NOT_THIS_GUIDE,
    "camelot__row_span_1.pdf": NOT_THIS_GUIDE,
    "camelot__missing_values.pdf": NOT_THIS_GUIDE,
    "synthetic/flate_bomb_double.pdf": (
        "ParseLimitExceeded", "stopped before finishing page 1: it needed more than the memory limit of 1024 MiB "
                              "(--memory-limit); a decompression bomb, or a guide too large for the limit?"),
    "synthetic/truncated_nics_half.pdf": ("DamagedPdf", "the PDF is damaged or truncated and cannot be read "
                                                        "(PDFNoValidXRef: Unexpected EOF)"),
}


def manifest() -> list[dict[str, str]]:
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """Every corpus file, and the 2022 guide in its year folder, under one sources folder."""
    root = tmp_path_factory.mktemp("corpus") / "sources"
    for row in manifest():
        (root / row["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / row["path"], root / row["path"])
    (root / "2022").mkdir()
    shutil.copy(SOURCE_2022, root / "2022" / SOURCE_2022.name)
    return root


def test_every_corpus_file_is_expected():
    assert sorted(row["path"] for row in manifest()) == sorted(EXPECTED)


def test_every_corpus_file_fails_cleanly_within_the_limits_and_the_guide_still_builds(sources, tmp_path,
                                                                                   outputs_2022):
    # An encrypted file's user password (the first in the MANIFEST) opens it, as --password would.
    passwords = [row["password"].split("|")[0] for row in manifest() if row["password"]]
    outcomes = {o.source.relative_to(sources).as_posix(): o
                for o in build(sources, tmp_path / "outputs", passwords=passwords)}
    guide = outcomes.pop(f"2022/{SOURCE_2022.name}")
    assert (guide.status, guide.guide_year) == ("built", 2022)
    assert (tmp_path / "outputs" / "2022" / "payments.csv").read_bytes() == \
        (outputs_2022 / "2022" / "payments.csv").read_bytes()
    assert {path: (o.status, o.error, o.message) for path, o in outcomes.items()} == {
        path: ("failed", error, message) for path, (error, message) in EXPECTED.items()}
    for path, outcome in outcomes.items():
        assert outcome.seconds < 60, (path, outcome.seconds)
        assert outcome.peak_mb < 1024, (path, outcome.peak_mb)
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir() if p.name[0].isdigit()) == ["2022"]
    assert not (tmp_path / "outputs" / ".staging").exists()


def test_encrypted_corpus_files_ask_for_a_password_and_open_with_the_owner_password(sources, tmp_path):
    encrypted = {row["path"]: row["password"].split("|") for row in manifest() if row["password"]}
    assert sorted(encrypted) == ["camelot__health_protected.pdf", "pdfminer__aes-256-r6.pdf"]
    for path, (user, owner) in encrypted.items():
        [asked] = build(sources / path, tmp_path / "outputs")
        assert (asked.error, asked.message) == ("PasswordRequired",
                                                "the PDF needs a password to open (give it with --password)")
        [opened] = build(sources / path, tmp_path / "outputs", passwords=[owner])
        assert (opened.error, opened.message) == NOT_THIS_GUIDE
