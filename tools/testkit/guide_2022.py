"""The 2022 NanoKnife CPT Reimbursement Guide as data: what `tools/make_reconstruction.py` renders into
`sources/2022/`, and the base the tests' other editions are made from.

Rebuilt from the guide's published text (the data section as the vendor's text layer reads, and the
cover, contents and document number from its public listing). Prose is abridged; tables, headers,
footnote marks and values are as published.
"""

from __future__ import annotations

from tools.testkit.renderer import CONTRACTOR_PRICED, PAGE_BREAK, Amount, CodeRow, Guide

GUIDE_2022 = Guide(
    year=2022,
    document_number="US/ON/MS/187 REV 07 12/2021",
    contents=(
        ("Category III CPT Billing Codes for Percutaneous and Open IRE", 3),
        ("Payment Considerations", 4),
        ("Reimbursement Terminology", 6),
        ("Other Resources", 6),
        ("Reimbursement Support", 6),
        ("References", 7),
    ),
    disclaimer=(
        "[Reconstruction: the vendor's general reimbursement disclaimer stands on this page. Its text is "
        "not part of the published data section this file was rebuilt from.]",
        "The information in this guide is provided for general reimbursement information only and is "
        "not legal advice. Providers are responsible for the codes they report and the claims they submit.",
    ),
    intro=(
        "The American Medical Association (AMA) CPT Editorial Panel approved two Category III CPT codes for "
        "reporting of percutaneous and open IRE ablation of tumors<super>1</super>. The following Category III "
        "CPT IRE codes and average payment amounts are effective as of January 1, 2022.",
    ),
    codes=(
        CodeRow(
            code="0600T",
            descriptor="Ablation, irreversible\nelectroporation; 1 or more\ntumors per organ, including\n"
                       "imaging guidance, when\nperformed, percutaneous",
            excluded=("76940", "77002", "77013", "77022"),
            non_facility=CONTRACTOR_PRICED, facility=CONTRACTOR_PRICED,
            opps=Amount.rate("9096.46"), apc="5362", opps_indicator="J1",
            asc=Amount.rate("6243.45"), asc_indicator="J8",
        ),
        CodeRow(
            code="0601T",
            descriptor="Ablation, irreversible\nelectroporation; 1 or more\ntumors, including fluoroscopic\n"
                       "and ultrasound guidance, when\nperformed, open",
            excluded=("76940", "77002"),
            note_on_new_line=True,
            non_facility=CONTRACTOR_PRICED, facility=CONTRACTOR_PRICED,
            opps=Amount.rate("9096.46"), apc="5362", opps_indicator="J1",
            asc=Amount.rate("5063.52"), asc_indicator="J8",
        ),
    ),
    after_table=(
        "The IRE procedures described by the Category III CPT codes include the imaging guidance procedures, "
        "so those imaging guidance CPT codes are not separately billed on the CMS Form 1500 claim form.",
        "Category III codes are for emerging technologies, services, and procedures. They enable physicians "
        "and outpatient facilities to report accurately and gather data on the clinical efficacy, utilization, "
        "and outcomes of emerging technologies. According to the AMA CPT, a Category III code must be used in "
        "place of an unlisted procedure code<super>1</super>.",
        "Importantly, the approval of these Category III IRE codes does not: guarantee coverage by third party "
        "health payors; set a national or local payment level for physician services.",
    ),
    considerations=(
        "Third party health payors use different payment methodologies for Category III codes. Private payors "
        "that accept and cover Category III CPT codes can pay based on physician charges, a percentage of those "
        "charges, or if available, Medicare fee schedule amounts, as examples. Medicare/CMS does not set "
        "national physician payment levels for Category III CPT codes, so these codes are "
        "\u201ccarrier/contractor-priced\u201d.",
        "Physicians should be prepared to submit information to the payor that helps coverage and payment "
        "decisions. CGS also requests an operative or procedure report as well as documentation to support "
        "medical necessity<super>5</super>.",
        "Procedures performed in an office setting may also require data about office expenses, supplies and "
        "equipment. An evidence-based dialogue with the payor contributes to accurate and equitable payment "
        "levels. Payors may describe these payment methods as crosswalking or negotiated rate setting.",
        PAGE_BREAK,
        "Crosswalk payment from a similar procedure to the Category III code. Medicare has used the crosswalk "
        "process in various settings<super>6</super>.",
        "Value-based Negotiated rates. Documents that payors can request include the surgical/operative note, "
        "letter of medical necessity, and national Medicare coverage under the DIRECT and PRESERVE clinical "
        "trials<super>7</super>.",
    ),
    terms=(
        ("AMA", "American Medical Association"),
        ("CMS", "Centers for Medicare and Medicaid Services"),
        ("CPT", "Current Procedural Terminology"),
        ("ICD-10-PCS", "International Classification of Diseases, 10th Revision, Procedure Coding System"),
        ("IDE", "Investigational Device Exemption"),
        ("IRE", "Irreversible Electroporation (Procedure performed with the NanoKnife System)"),
        ("LCD", "Local Coverage Determination"),
        ("NCD", "National Coverage Determination"),
        ("OPPS", "Outpatient Prospective Payment System"),
        ("RBRVS", "Resource Based Relative Value Scale"),
        ("RVU", "Relative Value Unit"),
    ),
    after_terms=(
        "OTHER RESOURCES. For NanoKnife System inpatient hospital-related reimbursement information, please "
        "refer to the 2022 NanoKnife System Inpatient Hospital IRE Reimbursement Guidelines.",
        "REIMBURSEMENT SUPPORT. For questions regarding coding, payment, coverage, and other reimbursement "
        "information, please contact us at: Reimbursement@angiodynamics.com",
    ),
    closing=(
        "REFERENCES [Reconstruction: the guide's numbered references 1-8 stand on this page.]",
        "Indication For Use. US: The NanoKnife System with six outputs is indicated for surgical ablation of "
        "soft tissue.",
        "CAUTION: Federal Law (USA) restricts this device to sale by or on the order of a physician.",
    ),
)
