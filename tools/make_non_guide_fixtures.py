"""Make the non-guide fixtures in `tests/fixtures/non-guides/`: PDFs a user may drop into sources/ by mistake.

Each is a readable document that is no CPT reimbursement guide, rendered by
reportlab (platypus) from data made here, so it is the same bytes on every run
(`invariant=1`, seeded random numbers):

* **a price list** with CPT codes and dollar prices: a hospital's charges for
  common procedures, headed "CPT Code", "Description", "Price";
* **a long table of charges**, 220 pages: a chargemaster of charge codes,
  revenue codes, CPT and HCPCS codes and prices, its header repeated on every page;
* **a report**: prose about a hospital's year, mentioning Medicare and Medicaid
  patients, with no table and no code.

`tests/test_first_look.py` asserts the exact line each is refused with (the first
look, `pipeline/extract/first_look.py`), and `make bench` times the refusal of the
long one. The committed PDFs are what the tests read.

    python -m tools.make_non_guide_fixtures           # write the three fixtures
    python -m tools.make_non_guide_fixtures --check   # exit 1 if a fixture differs from what this script renders
"""

from __future__ import annotations

import random
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tools.testkit.paths import FIXTURES, ROOT

TARGET = FIXTURES / "non-guides"

PRICE_LIST = "reportlab-price-list-cpt-codes.pdf"
LONG_CHARGES = "reportlab-charges-220-pages.pdf"
REPORT = "reportlab-annual-report-medicare.pdf"

#: Rows of the long table of charges: 220 pages of 35.
CHARGE_ROWS = 7699

_STYLES = getSampleStyleSheet()

#: Common outpatient procedures with their CPT codes (public code numbers; the prices are made up).
PROCEDURES = (
    ("99213", "Office visit, established patient, 15 minutes"),
    ("99283", "Emergency department visit, moderate severity"),
    ("80048", "Basic metabolic panel"),
    ("80053", "Comprehensive metabolic panel"),
    ("80061", "Lipid panel"),
    ("85025", "Complete blood count with differential"),
    ("84443", "Thyroid stimulating hormone"),
    ("81001", "Urinalysis with microscopy"),
    ("71046", "Chest X-ray, two views"),
    ("70450", "CT scan, head or brain, without contrast"),
    ("74160", "CT scan, abdomen, with contrast"),
    ("72148", "MRI, lumbar spine, without contrast"),
    ("76700", "Ultrasound, abdomen, complete"),
    ("93000", "Electrocardiogram, complete"),
    ("45378", "Colonoscopy, diagnostic"),
    ("43239", "Upper GI endoscopy with biopsy"),
    ("66984", "Cataract removal with lens implant"),
    ("29881", "Knee arthroscopy with meniscectomy"),
    ("97110", "Physical therapy, therapeutic exercise, 15 minutes"),
    ("0042T", "Cerebral perfusion analysis using CT"),
)

WORDS = ("catheter tray dressing suture kit bandage splint collar brace syringe needle gauze sterile disposable "
         "adult pediatric small medium large left right single double lumbar cervical thoracic knee ankle wrist "
         "elbow shoulder foam rigid adjustable molded prefab custom").split()


def _doc(path: Path, pagesize=letter) -> SimpleDocTemplate:
    path.parent.mkdir(parents=True, exist_ok=True)
    return SimpleDocTemplate(str(path), pagesize=pagesize, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
                             topMargin=0.6 * inch, bottomMargin=0.6 * inch, invariant=1, pageCompression=1,
                             title=path.stem, author="tools/make_non_guide_fixtures.py")


def _price(rng: random.Random, low: int, high: int) -> str:
    return f"${Decimal(rng.randint(low * 100, high * 100)) / 100:,.2f}"


def price_list(path: Path) -> Path:
    """A hospital's price list of common procedures: CPT codes and dollar prices, two pages."""
    rng = random.Random(2023)
    rows = [["CPT Code", "Description", "Price"]]
    for _ in range(2):  # every procedure in two settings of the hospital, to fill a second page
        rows += [[code, text, _price(rng, 20, 9000)] for code, text in PROCEDURES]
    rows += [[code, f"{text}, repeat visit", _price(rng, 20, 9000)] for code, text in PROCEDURES]
    table = Table(rows, colWidths=[1.0 * inch, 4.6 * inch, 1.2 * inch], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                               ("ALIGN", (2, 1), (2, -1), "RIGHT")]))
    story = [Paragraph("Riverside Community Hospital", _STYLES["Title"]),
             Paragraph("Price List of Common Procedures, effective January 1, 2023", _STYLES["Heading2"]),
             Paragraph("The prices below are the hospital's standard charges before any discount. What a patient "
                       "pays depends on the plan of his insurer; ask the billing office for an estimate.",
                       _STYLES["BodyText"]),
             Spacer(1, 12), table]
    _doc(path).build(story)
    return path


def long_charges(path: Path) -> Path:
    """A chargemaster: 220 landscape pages of charge codes, descriptions, revenue codes, CPT codes and prices."""
    rng = random.Random(106154)
    header = ["Charge Code", "Description", "Rev Code", "CPT / HCPCS", "Price", "Effective"]
    rows = [header]
    for i in range(CHARGE_ROWS):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).upper()
        code = rng.choice([f"{rng.randint(10000, 99999)}", f"L{rng.randint(1000, 9999)}",
                           f"A{rng.randint(4000, 9999)}", ""])
        rows.append([f"{17100000 + i * 3}", words, f"{rng.choice([250, 272, 274, 300, 320, 360, 420])}", code,
                     _price(rng, 0, 2500), f"{rng.randint(1, 12):02d}/01/2018"])
    table = Table(rows, colWidths=[1.1 * inch, 4.4 * inch, 0.8 * inch, 1.1 * inch, 1.0 * inch, 0.9 * inch],
                  rowHeights=[13.9] * len(rows), repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                               ("FONTSIZE", (0, 0), (-1, -1), 8), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                               ("ALIGN", (4, 1), (4, -1), "RIGHT")]))
    story = [Paragraph("Charge Master Listing, Bakersfield Rehabilitation Hospital, July 2018", _STYLES["Heading2"]),
             table]
    _doc(path, landscape(letter)).build(story)
    return path


REPORT_TEXT = (
    ("Annual Report 2022", "Title"),
    ("Riverside Community Hospital", "Heading2"),
    ("A year of care", "Heading3"),
    ("In 2022 the hospital cared for more patients than in any year before: its emergency department saw "
     "a visit every eight minutes, and its surgeons operated on patients from every town of the county. "
     "Two new operating rooms opened in the spring, and the imaging centre added a second scanner.", "BodyText"),
    ("Who our patients are", "Heading3"),
    ("More than half of the patients admitted were covered by Medicare or Medicaid. Medicare patients stayed "
     "four and a half days on average, a day less than five years ago, as more of their care moved to the "
     "clinics. One patient in twelve had no insurance at all; the hospital's charity care programme covered "
     "the bills of those whose household income is below four times the poverty line.", "BodyText"),
    ("Our community", "Heading3"),
    ("Volunteers gave more than forty thousand hours. The mobile clinic visited schools in every district, "
     "and the diabetes education classes were attended by nine hundred people. The hospital remains the "
     "largest employer of the county.", "BodyText"),
    ("Finances", "Heading3"),
    ("Revenue grew with the number of patients, and costs grew faster, with the wages of nurses and the "
     "price of supplies. The hospital ended the year with a small surplus, which goes to the new wing. "
     "Gifts to the foundation paid for the second scanner.", "BodyText"),
    ("Contact", "Heading3"),
    ("Riverside Community Hospital, 1200 River Road, Bakersfield, CA 93301. Write to the foundation at the "
     "same address.", "BodyText"),
)


def report(path: Path) -> Path:
    """A hospital's annual report: prose that mentions Medicare, no table and no code, three pages."""
    story = []
    for campus in range(3):  # the same chapters for three campuses, each on its own page
        story += [PageBreak()] if campus else []
        for text, style in REPORT_TEXT:
            story += [Paragraph(text, _STYLES[style]), Spacer(1, 6)]
    _doc(path).build(story)
    return path


FIXTURES_MADE = {PRICE_LIST: price_list, LONG_CHARGES: long_charges, REPORT: report}


def make(target: Path) -> list[Path]:
    return [make_one(target / name) for name, make_one in FIXTURES_MADE.items()]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as tmp:
            stale = [p.name for p in make(Path(tmp))
                     if not (TARGET / p.name).exists() or p.read_bytes() != (TARGET / p.name).read_bytes()]
        print("non-guide fixtures are up to date" if not stale else f"differ from this script: {', '.join(stale)}")
        return 1 if stale else 0
    for path in make(TARGET):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
