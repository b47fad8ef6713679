"""The 2022 guide end to end: the exact rows issue #2 asks for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from tools.testkit.paths import SOURCE_2022


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in r) for r in frame[columns].itertuples(index=False)]


def test_codes(guide_2022):
    assert rows(guide_2022.tables["codes"], ["guide_year", "cpt_code", "code_category", "descriptor", "source_page"]) == [
        (2022, "0600T", "III", "Ablation, irreversible electroporation; 1 or more tumors per organ, including imaging "
                               "guidance, when performed, percutaneous", 3),
        (2022, "0601T", "III", "Ablation, irreversible electroporation; 1 or more tumors, including fluoroscopic and "
                               "ultrasound guidance, when performed, open", 3),
    ]


def test_payments(guide_2022):
    got = rows(guide_2022.tables["payments"],
               ["cpt_code", "setting", "payment_status", "payment_usd", "rvus", "apc", "indicator", "source_page"])
    assert got == [
        ("0600T", "ambulatory_surgical_center", "national_rate", Decimal("6243.45"), None, None, "J8", 3),
        ("0600T", "hospital_outpatient", "national_rate", Decimal("9096.46"), None, "5362", "J1", 3),
        ("0600T", "physician_facility", "contractor_priced", None, None, None, None, 3),
        ("0600T", "physician_non_facility", "contractor_priced", None, None, None, None, 3),
        ("0601T", "ambulatory_surgical_center", "national_rate", Decimal("5063.52"), None, None, "J8", 3),
        ("0601T", "hospital_outpatient", "national_rate", Decimal("9096.46"), None, "5362", "J1", 3),
        ("0601T", "physician_facility", "contractor_priced", None, None, None, None, 3),
        ("0601T", "physician_non_facility", "contractor_priced", None, None, None, None, 3),
    ]
    assert str(guide_2022.tables["payments"]["payment_usd"].dtype) == "decimal128(12, 2)[pyarrow]"


def test_exclusions(guide_2022):
    assert rows(guide_2022.tables["exclusions"], ["cpt_code", "excluded_code", "source_page"]) == [
        ("0600T", "76940", 3), ("0600T", "77002", 3), ("0600T", "77013", 3), ("0600T", "77022", 3),
        ("0601T", "76940", 3), ("0601T", "77002", 3),
    ]


def test_terminology(guide_2022):
    terms = guide_2022.tables["terminology"]
    assert list(terms["term"]) == ["AMA", "CMS", "CPT", "ICD-10-PCS", "IDE", "IRE", "LCD", "NCD", "OPPS",
                                   "RBRVS", "RVU"]
    described = dict(zip(terms["term"], terms["description"]))
    assert described["IRE"] == "Irreversible Electroporation (Procedure performed with the NanoKnife System)"
    assert described["ICD-10-PCS"] == ("International Classification of Diseases, 10th Revision, "
                                       "Procedure Coding System")
    assert described["RVU"] == "Relative Value Unit"
    assert set(terms["source_page"]) == {6}


def test_footnote_marks_are_split_off_and_kept(guide_2022):
    found = {(f["table"], f["text"]): f["marks"] for f in guide_2022.footnotes}
    assert found == {
        ("payments", "CPT® Code"): ["1"], ("payments", "CPT® Descriptor"): ["1"],
        ("payments", "Physician Fee Schedule"): ["2"], ("payments", "Hospital OPPS Payment"): ["3"],
        ("payments", "APC (Status Indicator)"): ["3"], ("payments", "ASC Payment (Payment Indicator)"): ["4"],
        ("terminology", "Term"): ["8"], ("terminology", "Description"): ["8"],
    }
    for term in guide_2022.tables["terminology"]["term"]:
        assert not term[-1].isdigit()


def test_document_facts(guide_2022):
    assert guide_2022.guide_year == 2022
    assert guide_2022.effective_date == date(2022, 1, 1)
    assert guide_2022.title == "2022 NanoKnife CPT Reimbursement Guide"
    assert guide_2022.document_number == "US/ON/MS/187 REV 07 12/2021"
    assert guide_2022.page_count == 7
    assert guide_2022.source_name == SOURCE_2022.name


def test_every_value_has_one_provenance_row(guide_2022):
    prov = guide_2022.tables["provenance"]
    assert not prov.duplicated(["dataset", "key", "field"]).any()
    # every column but guide_year and source_page:
    # codes 2 rows x 3 + payments 8 x 7 + exclusions 6 x 2 + terminology 11 x 2
    assert len(prov) == 2 * 3 + 8 * 7 + 6 * 2 + 11 * 2
    row = prov[(prov["key"] == "0600T|hospital_outpatient") & (prov["field"] == "payment_usd")].iloc[0]
    assert row["raw_text"] == "$9,096.46" and row["page"] == 3
