"""The guides the layout fixtures are made from: other years as this repository imagines them.

`tools/make_fixtures.py` renders them with reportlab and LibreOffice into `tests/fixtures/`, the other
make_* tools print them through other producers, and `tests/test_layouts.py` asserts the exact rows
each fixture must give.
"""

from __future__ import annotations

import random
from dataclasses import replace

from tools.testkit.guide_2022 import GUIDE_2022
from tools.testkit.guide_data import random_guide
from tools.testkit.renderer import NA, Amount, CodeRow, Guide, Layout

TERMS_2022 = GUIDE_2022.terms

IRE_PERCUTANEOUS = ("Ablation, irreversible electroporation; 1 or more tumors per organ, including imaging "
                    "guidance, when performed, percutaneous")
IRE_OPEN = ("Ablation, irreversible electroporation; 1 or more tumors, including fluoroscopic and ultrasound "
            "guidance, when performed, open")

#: The 2023 guide as this repository imagines it: the two IRE codes with new amounts, three
#: Category I codes added (physician payments with RVUs, "NA" cells, a code with no OPPS or
#: ASC payment), and a new glossary term ("ASC", whose every word is also a header word).
GUIDE_2023 = Guide(
    year=2023,
    document_number="US/ON/MS/187 REV 08 12/2022",
    intro=("The following CPT codes and average payment amounts are effective as of January 1, 2023.",),
    codes=(
        CodeRow("0600T", IRE_PERCUTANEOUS, excluded=("76940", "77002", "77013", "77022"),
                opps=Amount.rate("9342.87"), apc="5362", opps_indicator="J1",
                asc=Amount.rate("6411.56"), asc_indicator="J8"),
        CodeRow("0601T", IRE_OPEN, excluded=("76940", "77002"), note_on_new_line=True,
                opps=Amount.rate("9342.87"), apc="5362", opps_indicator="J1",
                asc=Amount.rate("5199.64"), asc_indicator="J8"),
        CodeRow("47382", "Ablation, 1 or more liver tumor(s); percutaneous, radiofrequency",
                non_facility=NA, facility=Amount.rate("742.89", "21.36"),
                opps=Amount.rate("5110.22"), apc="5361", opps_indicator="J1",
                asc=Amount.rate("2718.35"), asc_indicator="J8"),
        CodeRow("50593", "Ablation, renal tumor(s), unilateral, percutaneous, cryotherapy",
                excluded=("76940",),
                non_facility=NA, facility=Amount.rate("480.44", "13.81"),
                opps=Amount.rate("9342.87"), apc="5362", opps_indicator="J1",
                asc=Amount.rate("5875.99"), asc_indicator="J8"),
        CodeRow("76940", "Ultrasound guidance for, and monitoring of, parenchymal tissue ablation",
                non_facility=Amount.rate("209.96", "6.04"), facility=Amount.rate("209.96", "6.04"),
                opps=NA, asc=NA),
    ),
    terms=TERMS_2022[:1] + (("ASC", "Ambulatory Surgical Center"),) + TERMS_2022[1:],
)

#: The 2024 guide reworded: every header the issue lists, ASC before OPPS, APC and indicator
#: on one line, footnote digits printed full size. 76940 is dropped, 32998 added; two new
#: terms ("SI", "PFS": a term and description made only of header words).
GUIDE_2024 = Guide(
    year=2024,
    document_number="US/ON/MS/187 REV 09 12/2023",
    intro=("The following CPT codes and average payment amounts are effective as of January 1, 2024.",),
    codes=(
        CodeRow("0600T", IRE_PERCUTANEOUS, excluded=("76940", "77002", "77013", "77022"),
                opps=Amount.rate("9617.04"), apc="5362", opps_indicator="J1",
                asc=Amount.rate("6623.88"), asc_indicator="J8"),
        CodeRow("0601T", IRE_OPEN, excluded=("76940", "77002"),
                opps=Amount.rate("9617.04"), apc="5362", opps_indicator="J1",
                asc=Amount.rate("5371.90"), asc_indicator="J8"),
        CodeRow("32998", "Ablation therapy for reduction or eradication of 1 or more pulmonary tumor(s) "
                         "including pleura or chest wall when involved by tumor extension, percutaneous, "
                         "including imaging guidance when performed, unilateral; radiofrequency",
                non_facility=Amount.rate("4126.51", "125.44"), facility=Amount.rate("497.30", "15.12"),
                opps=Amount.rate("5356.61"), apc="5361", opps_indicator="J1", asc=NA),
        CodeRow("47382", "Ablation, 1 or more liver tumor(s); percutaneous, radiofrequency",
                non_facility=NA, facility=Amount.rate("735.48", "21.25"),
                opps=Amount.rate("5356.61"), apc="5361", opps_indicator="J1",
                asc=Amount.rate("2865.93"), asc_indicator="J8"),
        CodeRow("50593", "Ablation, renal tumor(s), unilateral, percutaneous, cryotherapy",
                excluded=("76940",), non_facility=NA, facility=Amount.rate("473.81", "13.70"),
                opps=Amount.rate("9617.04"), apc="5362", opps_indicator="J1",
                asc=Amount.rate("6101.14"), asc_indicator="J8"),
    ),
    terms=TERMS_2022 + (("PFS", "Physician Fee Schedule"), ("SI", "Status Indicator")),
    layout=Layout(
        style="borderless", superscripts=False, asc_before_opps=True, apc_one_line=True,
        headers={
            "title": "CY {year} Medicare National Average Payment",
            "physician": "Physician (PFS){fn2}",
            "opps": "Hospital Outpatient (OPPS){fn3}",
            "asc": "Ambulatory Surgery Center{fn4}",
            "non_facility": "In Office (Non-Facility)",
            "descriptor": "Description{fn1}",
            "apc": "APC (SI){fn3}",
        },
    ),
)


def _break_guide(rng_seed: int = 2025) -> Guide:
    """The 2025 guide: enough codes that the payment table runs onto a second page, long
    descriptors with notes (so a page break can fall inside a row), a long glossary."""
    rng = random.Random(rng_seed)
    guide = random_guide(rng, codes=14, terms=40, year=2025)
    return replace(guide, intro=guide.intro + (
        "Payments are national averages and are not adjusted for geographic differences. Local Medicare "
        "contractors set the amounts for codes whose physician payment is contractor priced.",))


BREAK_2025 = _break_guide()

#: Hundreds of rows over tens of pages.
LONG_2026 = random_guide(random.Random(2026), codes=300, terms=60, year=2026)

#: A header wording no vocabulary file knows, for the "stops, then an alias fixes it" test.
RENAMED_HEADER = "Professional Services Schedule"

#: The 2023 guide with no glossary at all: no heading, no table (its terminology is empty).
NO_GLOSSARY_2023 = replace(GUIDE_2023, terms=())

#: The 2023 guide whose notes are printed under the table, one a line, instead of in the descriptors:
#: the pipeline reads notes only in the table, so these stop the build (exclusions).
NOTES_UNDER_TABLE_2023 = replace(
    GUIDE_2023,
    codes=tuple(replace(row, excluded=()) for row in GUIDE_2023.codes),
    after_table=tuple(f"{row.code}: Do not report {row.code} in conjunction with {', '.join(row.excluded)}."
                      for row in GUIDE_2023.codes if row.excluded),
)

#: A glossary heading no vocabulary file knows.
UNKNOWN_HEADING = "TERMS USED IN THIS GUIDE"
