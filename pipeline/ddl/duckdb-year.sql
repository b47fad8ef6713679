-- Generated from pipeline/fields.py by `python -m pipeline docs`. Do not edit by hand.
-- The tables of the NanoKnife guide (schema version 1.1.0) in a DuckDB database of your own,
-- and one guide year loaded into them or replaced, in one transaction, from the Parquet files of the
-- year's folder (set year_folder first; docs/warehouses.md). It creates the tables if they are missing,
-- reads every file, checks they hold one guide year, deletes that year from every table and inserts the
-- new rows. Any error rolls the transaction back: the database keeps what it held.

CREATE TABLE IF NOT EXISTS "codes" (
    "guide_year" SMALLINT NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "cpt_code" VARCHAR NOT NULL CHECK (regexp_full_match("cpt_code", '^(\d{5}|\d{4}T)$')),
    "code_category" VARCHAR NOT NULL CHECK ("code_category" IN ('I', 'III')),
    "descriptor" VARCHAR NOT NULL,
    "source_page" SMALLINT NOT NULL CHECK ("source_page" >= 1),
    PRIMARY KEY ("guide_year", "cpt_code")
);
CREATE TABLE IF NOT EXISTS "payments" (
    "guide_year" SMALLINT NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "cpt_code" VARCHAR NOT NULL CHECK (regexp_full_match("cpt_code", '^(\d{5}|\d{4}T)$')),
    "setting" VARCHAR NOT NULL CHECK ("setting" IN ('physician_non_facility', 'physician_facility', 'hospital_outpatient', 'ambulatory_surgical_center')),
    "payment_status" VARCHAR NOT NULL CHECK ("payment_status" IN ('national_rate', 'contractor_priced', 'not_applicable', 'not_covered', 'packaged')),
    "payment_usd" DECIMAL(12,2) CHECK ("payment_usd" >= 0),
    "rvus" DECIMAL(8,2) CHECK ("rvus" >= 0),
    "apc" VARCHAR CHECK (regexp_full_match("apc", '^\d{4}$')),
    "indicator" VARCHAR CHECK (regexp_full_match("indicator", '^[A-Z][A-Z0-9]?$')),
    "source_page" SMALLINT NOT NULL CHECK ("source_page" >= 1),
    PRIMARY KEY ("guide_year", "cpt_code", "setting")
);
CREATE TABLE IF NOT EXISTS "exclusions" (
    "guide_year" SMALLINT NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "cpt_code" VARCHAR NOT NULL CHECK (regexp_full_match("cpt_code", '^(\d{5}|\d{4}T)$')),
    "excluded_code" VARCHAR NOT NULL CHECK (regexp_full_match("excluded_code", '^(\d{5}|\d{4}T)$')),
    "source_page" SMALLINT NOT NULL CHECK ("source_page" >= 1),
    PRIMARY KEY ("guide_year", "cpt_code", "excluded_code")
);
CREATE TABLE IF NOT EXISTS "terminology" (
    "guide_year" SMALLINT NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "term" VARCHAR NOT NULL,
    "description" VARCHAR NOT NULL,
    "source_page" SMALLINT NOT NULL CHECK ("source_page" >= 1),
    PRIMARY KEY ("guide_year", "term")
);
CREATE TABLE IF NOT EXISTS "provenance" (
    "guide_year" SMALLINT NOT NULL CHECK ("guide_year" >= 2000 AND "guide_year" <= 2100),
    "dataset" VARCHAR NOT NULL CHECK ("dataset" IN ('codes', 'payments', 'exclusions', 'terminology')),
    "key" VARCHAR NOT NULL,
    "field" VARCHAR NOT NULL,
    "page" SMALLINT NOT NULL CHECK ("page" >= 1),
    "x0" DOUBLE NOT NULL,
    "top" DOUBLE NOT NULL,
    "x1" DOUBLE NOT NULL,
    "bottom" DOUBLE NOT NULL,
    "raw_text" VARCHAR NOT NULL,
    PRIMARY KEY ("guide_year", "dataset", "key", "field")
);
BEGIN TRANSACTION;
CREATE OR REPLACE TEMPORARY TABLE "incoming_codes" AS SELECT * FROM read_parquet(getvariable('year_folder') || '/codes.parquet');
CREATE OR REPLACE TEMPORARY TABLE "incoming_payments" AS SELECT * FROM read_parquet(getvariable('year_folder') || '/payments.parquet');
CREATE OR REPLACE TEMPORARY TABLE "incoming_exclusions" AS SELECT * FROM read_parquet(getvariable('year_folder') || '/exclusions.parquet');
CREATE OR REPLACE TEMPORARY TABLE "incoming_terminology" AS SELECT * FROM read_parquet(getvariable('year_folder') || '/terminology.parquet');
CREATE OR REPLACE TEMPORARY TABLE "incoming_provenance" AS SELECT * FROM read_parquet(getvariable('year_folder') || '/provenance.parquet');
CREATE OR REPLACE TEMPORARY TABLE "incoming_year" AS SELECT DISTINCT guide_year FROM (
    SELECT guide_year FROM "incoming_codes"
    UNION SELECT guide_year FROM "incoming_payments"
    UNION SELECT guide_year FROM "incoming_exclusions"
    UNION SELECT guide_year FROM "incoming_terminology"
    UNION SELECT guide_year FROM "incoming_provenance"
) AS incoming;
SELECT CASE WHEN (SELECT count(*) FROM "incoming_year") <> 1
    THEN error('the Parquet files hold ' || (SELECT count(*) FROM "incoming_year") || ' guide years: load the folder of one year')
END;
DELETE FROM "provenance" WHERE guide_year IN (SELECT guide_year FROM "incoming_year");
DELETE FROM "terminology" WHERE guide_year IN (SELECT guide_year FROM "incoming_year");
DELETE FROM "exclusions" WHERE guide_year IN (SELECT guide_year FROM "incoming_year");
DELETE FROM "payments" WHERE guide_year IN (SELECT guide_year FROM "incoming_year");
DELETE FROM "codes" WHERE guide_year IN (SELECT guide_year FROM "incoming_year");
INSERT INTO "codes" ("guide_year", "cpt_code", "code_category", "descriptor", "source_page")
    SELECT "guide_year", "cpt_code", "code_category", "descriptor", "source_page" FROM "incoming_codes";
INSERT INTO "payments" ("guide_year", "cpt_code", "setting", "payment_status", "payment_usd", "rvus", "apc", "indicator", "source_page")
    SELECT "guide_year", "cpt_code", "setting", "payment_status", "payment_usd", "rvus", "apc", "indicator", "source_page" FROM "incoming_payments";
INSERT INTO "exclusions" ("guide_year", "cpt_code", "excluded_code", "source_page")
    SELECT "guide_year", "cpt_code", "excluded_code", "source_page" FROM "incoming_exclusions";
INSERT INTO "terminology" ("guide_year", "term", "description", "source_page")
    SELECT "guide_year", "term", "description", "source_page" FROM "incoming_terminology";
INSERT INTO "provenance" ("guide_year", "dataset", "key", "field", "page", "x0", "top", "x1", "bottom", "raw_text")
    SELECT "guide_year", "dataset", "key", "field", "page", "x0", "top", "x1", "bottom", "raw_text" FROM "incoming_provenance";
COMMIT;
DROP TABLE "incoming_codes";
DROP TABLE "incoming_payments";
DROP TABLE "incoming_exclusions";
DROP TABLE "incoming_terminology";
DROP TABLE "incoming_provenance";
DROP TABLE "incoming_year";
