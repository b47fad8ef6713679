"""Known guide data for the layout tests: what went into a rendered guide, as published rows.

`expected(guide)` turns a `renderer.Guide` into the rows the pipeline must
publish for it, and `published(tables)` puts the pipeline's tables in the same
shape, so a test compares the two with one `==`. `random_guide(rng, ...)` makes
guide data from a seeded `random.Random`, for the long fixture and the benchmark.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pandas as pd

from tools.testkit.renderer import NA, Amount, CodeRow, Guide, Layout, CONTRACTOR_PRICED

#: Descriptor words: medical prose, none of them a header word, so no descriptor line
#: can pass for a header.
WORDS = ("ablation imaging guidance percutaneous open tumor tumors organ resection biopsy catheter hepatic "
         "renal pancreatic lesion ultrasound fluoroscopic cryoablation radiofrequency microwave laparoscopic "
         "approach unilateral bilateral single multiple including when performed each additional irreversible "
         "electroporation liver kidney prostate lung bone soft tissue").split()


#: The care settings a guide prints, in the order `expected` lists them.
SETTINGS = ("physician_non_facility", "physician_facility", "hospital_outpatient", "ambulatory_surgical_center")


def expected(guide: Guide, settings: tuple[str, ...] = SETTINGS) -> dict[str, list[tuple]]:
    """The rows the pipeline must publish for `guide`, sorted as published (no provenance).

    `settings`: the care settings the guide prints; a setting it does not print has no payment rows
    (decided for issue #24: what is not printed is not published).
    """
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"no such setting: {sorted(unknown)}")
    codes, payments, exclusions = [], [], []
    for row in guide.codes:
        descriptor = re.sub(r"\{fn\d\}", "", row.descriptor)  # a footnote mark is no part of it
        codes.append((row.code, "I" if row.code.isdigit() else "III", " ".join(descriptor.split())))
        printed = {
            "physician_non_facility": (row.non_facility, None, None),
            "physician_facility": (row.facility, None, None),
            "hospital_outpatient": (row.opps, row.apc, row.opps_indicator),
            "ambulatory_surgical_center": (row.asc, None, row.asc_indicator),
        }
        for setting, (amount, apc, indicator) in printed.items():
            if setting not in settings:
                continue
            rvus = amount.rvus if setting.startswith("physician") and amount.status == "national_rate" else None
            payments.append((row.code, setting, amount.status, amount.usd, rvus, apc, indicator))
        exclusions += [(row.code, other) for other in row.excluded]
    terms = [(t, " ".join(d.split())) for t, d in guide.terms]
    return {"codes": sorted(codes), "payments": sorted(payments, key=lambda r: r[:2]),
            "exclusions": sorted(exclusions), "terminology": sorted(terms)}


def published(tables: dict[str, pd.DataFrame]) -> dict[str, list[tuple]]:
    """The pipeline's tables in the shape of `expected`."""
    columns = {
        "codes": ["cpt_code", "code_category", "descriptor"],
        "payments": ["cpt_code", "setting", "payment_status", "payment_usd", "rvus", "apc", "indicator"],
        "exclusions": ["cpt_code", "excluded_code"],
        "terminology": ["term", "description"],
    }
    return {name: [tuple(None if pd.isna(v) else v for v in r) for r in tables[name][cols].itertuples(index=False)]
            for name, cols in columns.items()}


def _money(rng: random.Random, most: int) -> Decimal:
    return Decimal(rng.randint(100, most)) / 100


def random_code_row(rng: random.Random, code: str) -> CodeRow:
    """One code's row: a descriptor of 3 to 30 words, maybe a note, any mix of payment statuses."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(3, 30))]
    if len(words) > 4 and rng.random() < 0.5:
        words[rng.randrange(1, len(words) - 1)] += rng.choice([",", ";"])
    excluded = tuple(sorted({f"{rng.randint(70000, 79999)}" for _ in range(rng.choice([0, 0, 1, 2, 4]))}))

    def physician() -> Amount:
        kind = rng.choice(["rate", "rate", "contractor", "na"])
        if kind == "rate":
            rvus = Decimal(rng.randint(1, 9999)) / 100 if rng.random() < 0.9 else None
            return Amount("national_rate", _money(rng, 999999), rvus)
        return CONTRACTOR_PRICED if kind == "contractor" else NA

    opps_kind = rng.choice(["rate", "rate", "rate", "na", "contractor"])
    asc_kind = rng.choice(["rate", "rate", "na", "contractor"])
    return CodeRow(
        code=code,
        descriptor=" ".join(words).capitalize(),
        excluded=excluded,
        note_on_new_line=rng.random() < 0.3,
        non_facility=physician(),
        facility=physician(),
        opps=Amount("national_rate", _money(rng, 9999999)) if opps_kind == "rate"
        else NA if opps_kind == "na" else CONTRACTOR_PRICED,
        apc=f"{rng.randint(5000, 5999)}" if opps_kind == "rate" else None,
        opps_indicator=rng.choice(["J1", "T", "Q1", "S"]) if opps_kind == "rate" else None,
        asc=Amount("national_rate", _money(rng, 9999999)) if asc_kind == "rate"
        else NA if asc_kind == "na" else CONTRACTOR_PRICED,
        asc_indicator=rng.choice(["J8", "A2", "G2", "P3"]) if asc_kind == "rate" else None,
    )


def random_codes(rng: random.Random, n: int) -> list[str]:
    """`n` distinct codes, Category I (five digits) and Category III (four digits and T), mixed."""
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(f"{rng.randint(10000, 69999)}" if rng.random() < 0.6 else f"0{rng.randint(100, 999)}T")
    return sorted(codes)


def random_terms(rng: random.Random, n: int) -> tuple[tuple[str, str], ...]:
    """`n` glossary entries: an acronym and a description of 2 to 25 words."""
    terms: dict[str, str] = {}
    while len(terms) < n:
        acronym = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVW") for _ in range(rng.randint(2, 6)))
        terms[acronym] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 25))).capitalize()
    return tuple(sorted(terms.items()))


def random_guide(rng: random.Random, codes: int, terms: int, year: int = 2026,
                 layout: Layout | None = None) -> Guide:
    return Guide(
        year=year,
        codes=tuple(random_code_row(rng, c) for c in random_codes(rng, codes)),
        terms=random_terms(rng, terms),
        document_number=f"US/ON/MS/{rng.randint(100, 999)} REV {rng.randint(1, 20):02d} 12/{year - 1}",
        intro=(f"The following CPT codes and average payment amounts are effective as of January 1, {year}.",),
        layout=layout or Layout(),
    )
