-- Generated from pipeline/fields.py by `python -m pipeline docs`. Do not edit by hand.
-- Load one guide year into the tables of schemas/postgres.sql (schema version 1.1.0), or
-- replace it, in one transaction, from the CSVs of the year's folder:
--   psql -d nanoknife -v year_folder=outputs/2023 -f schemas/postgres-year.sql
-- (without year_folder, from psql's current folder). It creates the tables if they are missing, reads
-- every CSV, checks they hold one guide year, deletes that year from every table and inserts the new
-- rows. Any error (a bad value, a missing file, a second year) stops it and rolls everything back: the
-- database keeps what it held. Needs psql and PostgreSQL 15 or later (HEADER match).

\set ON_ERROR_STOP on
BEGIN;
SET LOCAL client_min_messages = warning;  -- no notice for each table that already exists
\ir postgres.sql
\if :{?year_folder}
\cd :year_folder
\endif
CREATE TEMPORARY TABLE "incoming_codes" (LIKE "codes") ON COMMIT DROP;
CREATE TEMPORARY TABLE "incoming_payments" (LIKE "payments") ON COMMIT DROP;
CREATE TEMPORARY TABLE "incoming_exclusions" (LIKE "exclusions") ON COMMIT DROP;
CREATE TEMPORARY TABLE "incoming_terminology" (LIKE "terminology") ON COMMIT DROP;
CREATE TEMPORARY TABLE "incoming_provenance" (LIKE "provenance") ON COMMIT DROP;
\copy "incoming_codes" FROM 'codes.csv' WITH (FORMAT csv, HEADER match)
\copy "incoming_payments" FROM 'payments.csv' WITH (FORMAT csv, HEADER match)
\copy "incoming_exclusions" FROM 'exclusions.csv' WITH (FORMAT csv, HEADER match)
\copy "incoming_terminology" FROM 'terminology.csv' WITH (FORMAT csv, HEADER match)
\copy "incoming_provenance" FROM 'provenance.csv' WITH (FORMAT csv, HEADER match)
CREATE TEMPORARY TABLE "incoming_year" ON COMMIT DROP AS SELECT DISTINCT guide_year FROM (
    SELECT guide_year FROM "incoming_codes"
    UNION SELECT guide_year FROM "incoming_payments"
    UNION SELECT guide_year FROM "incoming_exclusions"
    UNION SELECT guide_year FROM "incoming_terminology"
    UNION SELECT guide_year FROM "incoming_provenance"
) AS incoming;
DO $$
BEGIN
    IF (SELECT count(*) FROM "incoming_year") <> 1 THEN
        RAISE EXCEPTION 'the CSVs hold % guide years: load the folder of one year', (SELECT count(*) FROM "incoming_year");
    END IF;
END
$$;
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
