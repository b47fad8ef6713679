-- Generated from pipeline/fields.py by `python -m pipeline docs`. Do not edit by hand.
-- NanoKnife CPT Reimbursement Guide, schema version 1.1.0: every guide year in one set of
-- tables. Safe to run again: a table already there is left as it is, with its rows. To load or replace
-- one year in one transaction, run schemas/postgres-year.sql (it runs this file first):
--   psql -d nanoknife -v year_folder=outputs/2023 -f schemas/postgres-year.sql

CREATE TABLE IF NOT EXISTS "codes" (
    "guide_year" smallint NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "cpt_code" text NOT NULL CHECK ("cpt_code" ~ '^(\d{5}|\d{4}T)$'),
    "code_category" text NOT NULL CHECK ("code_category" IN ('I', 'III')),
    "descriptor" text NOT NULL,
    "source_page" smallint NOT NULL CHECK ("source_page" >= 1),
    PRIMARY KEY ("guide_year", "cpt_code")
);
COMMENT ON TABLE "codes" IS 'One row per CPT code in the guide''s payment table, with its descriptor.';
COMMENT ON COLUMN "codes"."guide_year" IS 'Year of the guide''s Medicare amounts, read from the document itself ("Medicare 2022 National Average Payment"), never from a folder name.';
COMMENT ON COLUMN "codes"."cpt_code" IS 'CPT code as printed: five digits (Category I) or four digits and T (Category III).';
COMMENT ON COLUMN "codes"."code_category" IS 'CPT category: I (five digits) or III (four digits and T).';
COMMENT ON COLUMN "codes"."descriptor" IS 'CPT descriptor as printed, line breaks and hyphenation repaired, without the "(Do not report ...)" note.';
COMMENT ON COLUMN "codes"."source_page" IS '1-based page of the source PDF the row was read from.';

CREATE TABLE IF NOT EXISTS "payments" (
    "guide_year" smallint NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "cpt_code" text NOT NULL CHECK ("cpt_code" ~ '^(\d{5}|\d{4}T)$'),
    "setting" text NOT NULL CHECK ("setting" IN ('physician_non_facility', 'physician_facility', 'hospital_outpatient', 'ambulatory_surgical_center')),
    "payment_status" text NOT NULL CHECK ("payment_status" IN ('national_rate', 'contractor_priced', 'not_applicable', 'not_covered', 'packaged')),
    "payment_usd" numeric(12,2) CHECK ("payment_usd" >= 0),
    "rvus" numeric(8,2) CHECK ("rvus" >= 0),
    "apc" text CHECK ("apc" ~ '^\d{4}$'),
    "indicator" text CHECK ("indicator" ~ '^[A-Z][A-Z0-9]?$'),
    "source_page" smallint NOT NULL CHECK ("source_page" >= 1),
    PRIMARY KEY ("guide_year", "cpt_code", "setting"),
    FOREIGN KEY ("guide_year", "cpt_code") REFERENCES "codes" ("guide_year", "cpt_code")
);
COMMENT ON TABLE "payments" IS 'Medicare national average payment for each code in each care setting: exactly one row per code and setting.';
COMMENT ON COLUMN "payments"."guide_year" IS 'Year of the guide''s Medicare amounts, read from the document itself ("Medicare 2022 National Average Payment"), never from a folder name.';
COMMENT ON COLUMN "payments"."cpt_code" IS 'CPT code as printed: five digits (Category I) or four digits and T (Category III).';
COMMENT ON COLUMN "payments"."setting" IS 'Care setting the payment applies to.';
COMMENT ON COLUMN "payments"."payment_status" IS 'national_rate: a national amount is printed; contractor_priced: "No national set payment" (the Medicare contractor prices it); not_applicable: printed "NA"; not_covered: printed "Not covered" (Medicare does not pay for it in that setting); packaged: printed "Packaged" (paid as part of another service, no separate payment).';
COMMENT ON COLUMN "payments"."payment_usd" IS 'National average payment in US dollars, exact to the cent. Present if and only if payment_status is national_rate.';
COMMENT ON COLUMN "payments"."rvus" IS 'Relative value units printed beside a physician payment; physician settings only.';
COMMENT ON COLUMN "payments"."apc" IS 'Ambulatory Payment Classification; hospital_outpatient only.';
COMMENT ON COLUMN "payments"."indicator" IS 'OPPS status indicator (hospital_outpatient) or ASC payment indicator (ambulatory_surgical_center), without parentheses.';
COMMENT ON COLUMN "payments"."source_page" IS '1-based page of the source PDF the row was read from.';

CREATE TABLE IF NOT EXISTS "exclusions" (
    "guide_year" smallint NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "cpt_code" text NOT NULL CHECK ("cpt_code" ~ '^(\d{5}|\d{4}T)$'),
    "excluded_code" text NOT NULL CHECK ("excluded_code" ~ '^(\d{5}|\d{4}T)$'),
    "source_page" smallint NOT NULL CHECK ("source_page" >= 1),
    PRIMARY KEY ("guide_year", "cpt_code", "excluded_code"),
    FOREIGN KEY ("guide_year", "cpt_code") REFERENCES "codes" ("guide_year", "cpt_code")
);
COMMENT ON TABLE "exclusions" IS 'Code pairs from each descriptor''s note "(Do not report X in conjunction with A, B)".';
COMMENT ON COLUMN "exclusions"."guide_year" IS 'Year of the guide''s Medicare amounts, read from the document itself ("Medicare 2022 National Average Payment"), never from a folder name.';
COMMENT ON COLUMN "exclusions"."cpt_code" IS 'CPT code as printed: five digits (Category I) or four digits and T (Category III).';
COMMENT ON COLUMN "exclusions"."excluded_code" IS 'A code not to be reported in conjunction with cpt_code.';
COMMENT ON COLUMN "exclusions"."source_page" IS '1-based page of the source PDF the row was read from.';

CREATE TABLE IF NOT EXISTS "terminology" (
    "guide_year" smallint NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "term" text NOT NULL,
    "description" text NOT NULL,
    "source_page" smallint NOT NULL CHECK ("source_page" >= 1),
    PRIMARY KEY ("guide_year", "term")
);
COMMENT ON TABLE "terminology" IS 'The guide''s reimbursement terminology glossary.';
COMMENT ON COLUMN "terminology"."guide_year" IS 'Year of the guide''s Medicare amounts, read from the document itself ("Medicare 2022 National Average Payment"), never from a folder name.';
COMMENT ON COLUMN "terminology"."term" IS 'Term or abbreviation as printed, footnote markers removed.';
COMMENT ON COLUMN "terminology"."description" IS 'Its description as printed, line breaks repaired.';
COMMENT ON COLUMN "terminology"."source_page" IS '1-based page of the source PDF the row was read from.';

CREATE TABLE IF NOT EXISTS "provenance" (
    "guide_year" smallint NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "dataset" text NOT NULL CHECK ("dataset" IN ('codes', 'payments', 'exclusions', 'terminology')),
    "key" text NOT NULL,
    "field" text NOT NULL,
    "page" smallint NOT NULL CHECK ("page" >= 1),
    "x0" double precision NOT NULL,
    "top" double precision NOT NULL,
    "x1" double precision NOT NULL,
    "bottom" double precision NOT NULL,
    "raw_text" text NOT NULL,
    PRIMARY KEY ("guide_year", "dataset", "key", "field")
);
COMMENT ON TABLE "provenance" IS 'Where each published value came from: one row per value, with the box of text it was read from.';
COMMENT ON COLUMN "provenance"."guide_year" IS 'Year of the guide''s Medicare amounts, read from the document itself ("Medicare 2022 National Average Payment"), never from a folder name.';
COMMENT ON COLUMN "provenance"."dataset" IS 'Published table holding the value.';
COMMENT ON COLUMN "provenance"."key" IS 'The value''s row key within its dataset, natural key columns joined by |.';
COMMENT ON COLUMN "provenance"."field" IS 'Column of the dataset the value fills.';
COMMENT ON COLUMN "provenance"."page" IS '1-based page of the source PDF.';
COMMENT ON COLUMN "provenance"."x0" IS 'Left edge of the text box, PDF points from the page''s left.';
COMMENT ON COLUMN "provenance"."top" IS 'Top edge of the text box, PDF points from the page''s top.';
COMMENT ON COLUMN "provenance"."x1" IS 'Right edge of the text box.';
COMMENT ON COLUMN "provenance"."bottom" IS 'Bottom edge of the text box.';
COMMENT ON COLUMN "provenance"."raw_text" IS 'The cell''s text exactly as printed, before normalization.';
