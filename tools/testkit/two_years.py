"""Published years built in a temporary folder: the 2022 guide alone (what most tests compare with), and two
years for the warehouse, dataset and contract tests.

The 2023 guide is the 2022 reconstruction with known edits, rendered to a real
PDF and built with the real pipeline next to the 2022 source:

* 0600T hospital_outpatient 9096.46 -> 9278.39 (+2.00 %), ASC 6243.45 -> 6000.00 (-3.90 %);
* 0601T ASC 5063.52 -> 5163.52 (+1.97 %), hospital_outpatient unchanged (0.00 %);
* 0601T physician_facility: contractor priced -> national rate 812.30 (24.15 RVUs).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from tools.testkit.guide_2022 import GUIDE_2022
from tools.testkit.paths import SOURCE_2022
from tools.testkit.renderer import Amount, render

def edition_2023(**changes):
    """The 2022 guide as its 2023 edition: year, document number and effective date moved, plus `changes`."""
    return replace(
        GUIDE_2022,
        year=2023,
        document_number="US/ON/MS/187 REV 08 12/2022",
        intro=tuple(p.replace("January 1, 2022", "January 1, 2023") for p in GUIDE_2022.intro),
        **changes,
    )


_0600T, _0601T = GUIDE_2022.codes
GUIDE_2023 = edition_2023(codes=(
    replace(_0600T, opps=Amount.rate("9278.39"), asc=Amount.rate("6000.00")),
    replace(_0601T, asc=Amount.rate("5163.52"), facility=Amount.rate("812.30", "24.15")),
))


def build_two_years(root: Path, guide_2023=GUIDE_2023) -> Path:
    """Render `guide_2023`, build 2022 and 2023 into `root/outputs` with the real pipeline; returns outputs."""
    from pipeline.run.build import build

    sources, outputs = root / "sources", root / "outputs"
    (sources / "2022").mkdir(parents=True)
    shutil.copy(SOURCE_2022, sources / "2022" / SOURCE_2022.name)
    render(guide_2023, sources / "2023" / "2023-NanoKnife-CPT-Reimbursement-Guide.pdf")
    outcomes = build(sources, outputs)
    assert [(o.status, o.guide_year) for o in outcomes] == [("built", 2022), ("built", 2023)], \
        [o.message for o in outcomes]
    return outputs


def build_2022(outputs: Path) -> Path:
    """The reconstructed 2022 guide built by the real pipeline into `outputs` (2022/ and its dataset
    partitions): what the committed outputs/2022 is, whatever years the checkout holds; returns outputs."""
    from pipeline.run.build import build

    outcomes = build(SOURCE_2022.parent.parent, outputs)
    assert [(o.status, o.guide_year) for o in outcomes] == [("built", 2022)], [o.message for o in outcomes]
    return outputs
