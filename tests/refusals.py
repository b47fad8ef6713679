"""The exact lines a document that is no CPT reimbursement guide is refused with, for the tests that assert them.

Written out here, not taken from the pipeline, so a test fails when the pipeline's wording changes.
"""

from __future__ import annotations

#: What the first look sought, said at the end of each of its refusals.
LOOKED_FOR = ("(looked for: 'CPT', codes of five digits or four digits and T, and Medicare payment wording such as "
              "'National Average Payment', 'Physician Fee Schedule' or 'Hospital Outpatient')")


def not_a_guide(pages: str, prints: str) -> tuple[str, str]:
    """The first look's refusal: `pages` is what it read ("its 2 pages"), `prints` what they print."""
    return "NotThisGuide", f"not a CPT reimbursement guide: {pages} {prints} {LOOKED_FOR}"


def scan(pages: int) -> tuple[str, str]:
    """The first look's refusal of pictures without text."""
    return "NoTextLayer", (f"not a CPT reimbursement guide that can be read: none of its {pages} page(s) has a text "
                           f"layer (an image-only scan?), and no OCR is attempted {LOOKED_FOR}")


NOTHING = "print no 'CPT', no code of CPT shape and no Medicare payment wording"
NOTHING_ONE_PAGE = "prints no 'CPT', no code of CPT shape and no Medicare payment wording"
CODES_ONLY = "print a code of CPT shape but no 'CPT' and no Medicare payment wording"
CPT_AND_CODES = "print 'CPT' and a code of CPT shape but no Medicare payment wording"

#: Normalize's refusal of a document that passed the first look but holds no payment table.
NO_PAYMENT_TABLE = ("NotThisGuide", "not a CPT reimbursement guide: it prints 'CPT', codes and Medicare payment "
                                    "wording, but no table has a header naming CPT codes and their payments (looked "
                                    "for: a table headed by payment-table wordings such as 'CPT Code', 'Physician Fee "
                                    "Schedule', 'Hospital OPPS Payment' or 'ASC Payment')")
