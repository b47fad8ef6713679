"""Every published column, defined once.

This module is the single source of truth for the output contract. The pandera
schemas (`pipeline.schemas`), the published Frictionless descriptors
(`schemas/datapackage.json`, `outputs/<year>/datapackage.json`), the DuckDB
warehouse, the PostgreSQL and BigQuery DDL (`schemas/`) and the data dictionary
(`docs/data-dictionary.md`) are all generated from the tables below; nothing
else names a column's type, description or constraint.

A `Field` says what one column means and which values it may hold; its
`constraints()` are the one list of rules every target renders (pandera
checks, Table Schema constraints, SQL CHECKs), so a rule cannot mean one
thing in a schema and another in a database. A `Table` lists its fields in
output order plus its primary and foreign keys; a `View` is a warehouse query
over them; `MANIFEST` lists the keys of each year's manifest.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pyarrow as pa

from pipeline import shape

#: Bump on purpose when the published contract changes shape (a column added,
#: removed, renamed or retyped). The contract guard compares built outputs
#: against the committed descriptor and refuses silent drift.
SCHEMA_VERSION = "1.1.0"

#: The care settings and payment statuses, as the guide's shape declares them (`pipeline.shape`).
SETTINGS = shape.SETTING_NAMES
PAYMENT_STATUSES = tuple(s.name for s in shape.PAYMENT_STATUSES)
CODE_CATEGORIES = ("I", "III")
DATASETS = ("codes", "payments", "exclusions", "terminology")

#: Category I codes are five digits; Category III codes are four digits and a T.
CPT_CODE_PATTERN = r"^(\d{5}|\d{4}T)$"
#: The columns every table adds to what its row prints: the year it is published under and the page it
#: was read from. They have no provenance row, and the diff does not compare them.
ROW_CONTEXT = ("guide_year", "source_page")
MONEY = pa.decimal128(12, 2)
RVUS = pa.decimal128(8, 2)


#: The kinds of `Constraint`, in the order every target states them. A renderer
#: maps each kind to its own syntax and fails on a kind it does not know.
CONSTRAINT_KINDS = ("enum", "pattern", "minimum", "maximum")


@dataclass(frozen=True)
class Constraint:
    """One rule a column's non-null values obey: `enum` (a tuple of strings),
    `pattern` (an anchored regular expression), `minimum` or `maximum` (inclusive)."""

    kind: str
    value: object


@dataclass(frozen=True)
class Field:
    """One column: its Arrow type, meaning and the values it may hold."""

    name: str
    arrow_type: pa.DataType
    description: str
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    example: str | None = None

    def constraints(self) -> tuple[Constraint, ...]:
        """This field's rules on its values, in `CONSTRAINT_KINDS` order (nullability is separate)."""
        return tuple(Constraint(kind, getattr(self, kind)) for kind in CONSTRAINT_KINDS
                     if getattr(self, kind) is not None)


@dataclass(frozen=True)
class Table:
    """One published table: fields in output order, its keys, and what every reader says of it.

    The facts beside the columns are the table's own, read by every stage that needs them: its
    `title` (the diff's report), `color` (the extraction report's outlines), `printed_in` (the kind of
    printed table its values are read from, which the checks of what the PDF showed look in),
    `section` (the guide's section its rows come from, whose record the manifest keeps) and `entries`
    (its rows are that section's entries, as the record counts them).
    """

    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    #: (columns, referenced table, referenced columns)
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()
    #: Rows are written sorted by these columns, so output bytes never depend
    #: on the order the PDF happened to print them in.
    sort_by: tuple[str, ...] = field(default=())
    title: str = ""
    #: RGB outline of a box that fed the table, in the extraction report.
    color: tuple[int, int, int] | None = None
    #: "payment" or "terminology": the kind of printed table its values come from (None: not printed).
    printed_in: str | None = None
    section: str | None = None
    entries: bool = False

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def value_columns(self) -> list[str]:
        """The columns read from the page: all but guide_year and source_page (each value has a provenance row)."""
        return [c for c in self.columns if c not in ROW_CONTEXT]

    @property
    def natural_key(self) -> tuple[str, ...]:
        """The primary key within one guide year: the columns a provenance or change row's key joins by |."""
        return tuple(c for c in self.primary_key if c != "guide_year")

    def row_key(self, row) -> str:
        """A row's natural key as provenance, the inspect report and validation name it: values joined by |."""
        return "|".join(str(row[c]) for c in self.natural_key)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no column {name!r}")

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(f.name, f.arrow_type, nullable=f.nullable) for f in self.fields])


GUIDE_YEAR = Field(
    "guide_year", pa.int16(), "Year of the guide's Medicare amounts, read from the document itself "
    "(\"Medicare 2022 National Average Payment\"), never from a folder name.",
    minimum=2000, maximum=2100, example="2022",
)
CPT_CODE = Field(
    "cpt_code", pa.string(), "CPT code as printed: five digits (Category I) or four digits and T (Category III).",
    pattern=CPT_CODE_PATTERN, example="0600T",
)
SOURCE_PAGE = Field(
    "source_page", pa.int16(), "1-based page of the source PDF the row was read from.",
    minimum=1, example="3",
)

CODES = Table(
    "codes",
    "One row per CPT code in the guide's payment table, with its descriptor.",
    (
        GUIDE_YEAR,
        CPT_CODE,
        Field("code_category", pa.string(), "CPT category: I (five digits) or III (four digits and T).",
              enum=CODE_CATEGORIES, example="III"),
        Field("descriptor", pa.string(), "CPT descriptor as printed, line breaks and hyphenation repaired, "
              "without the \"(Do not report ...)\" note.",
              example="Ablation, irreversible electroporation; 1 or more tumors per organ, ..."),
        SOURCE_PAGE,
    ),
    primary_key=("guide_year", "cpt_code"),
    sort_by=("cpt_code",),
    title="Codes", color=(31, 119, 180), printed_in="payment", section="payments", entries=True,
)

PAYMENTS = Table(
    "payments",
    "Medicare national average payment for each code in each care setting: exactly one row per code and setting.",
    (
        GUIDE_YEAR,
        CPT_CODE,
        Field("setting", pa.string(), "Care setting the payment applies to.", enum=SETTINGS,
              example="hospital_outpatient"),
        Field("payment_status", pa.string(), "; ".join(f"{s.name}: {s.meaning}" for s in shape.PAYMENT_STATUSES)
              + ".", enum=PAYMENT_STATUSES, example="national_rate"),
        Field("payment_usd", MONEY, "National average payment in US dollars, exact to the cent. "
              "Present if and only if payment_status is national_rate.", nullable=True, minimum=0,
              example="9096.46"),
        Field("rvus", RVUS, "Relative value units printed beside a physician payment; physician settings only.",
              nullable=True, minimum=0, example="10.52"),
        Field("apc", pa.string(), "Ambulatory Payment Classification; hospital_outpatient only.",
              nullable=True, pattern=r"^\d{4}$", example="5362"),
        Field("indicator", pa.string(), "OPPS status indicator (hospital_outpatient) or ASC payment indicator "
              "(ambulatory_surgical_center), without parentheses.", nullable=True,
              pattern=r"^[A-Z][A-Z0-9]?$", example="J1"),
        SOURCE_PAGE,
    ),
    primary_key=("guide_year", "cpt_code", "setting"),
    foreign_keys=((("guide_year", "cpt_code"), "codes", ("guide_year", "cpt_code")),),
    sort_by=("cpt_code", "setting"),
    title="Payments", color=(214, 39, 40), printed_in="payment", section="payments",
)

EXCLUSIONS = Table(
    "exclusions",
    "Code pairs from each descriptor's note \"(Do not report X in conjunction with A, B)\".",
    (
        GUIDE_YEAR,
        CPT_CODE,
        Field("excluded_code", pa.string(), "A code not to be reported in conjunction with cpt_code.",
              pattern=CPT_CODE_PATTERN, example="76940"),
        SOURCE_PAGE,
    ),
    primary_key=("guide_year", "cpt_code", "excluded_code"),
    foreign_keys=((("guide_year", "cpt_code"), "codes", ("guide_year", "cpt_code")),),
    sort_by=("cpt_code", "excluded_code"),
    title="Exclusions", color=(148, 103, 189), printed_in="payment", section="exclusions", entries=True,
)

TERMINOLOGY = Table(
    "terminology",
    "The guide's reimbursement terminology glossary.",
    (
        GUIDE_YEAR,
        Field("term", pa.string(), "Term or abbreviation as printed, footnote markers removed.", example="IRE"),
        Field("description", pa.string(), "Its description as printed, line breaks repaired.",
              example="Irreversible Electroporation (Procedure performed with the NanoKnife System)"),
        SOURCE_PAGE,
    ),
    primary_key=("guide_year", "term"),
    sort_by=("term",),
    title="Terms", color=(44, 160, 44), printed_in="terminology", section="terminology", entries=True,
)

PROVENANCE = Table(
    "provenance",
    "Where each published value came from: one row per value, with the box of text it was read from.",
    (
        GUIDE_YEAR,
        Field("dataset", pa.string(), "Published table holding the value.", enum=DATASETS, example="payments"),
        Field("key", pa.string(), "The value's row key within its dataset, natural key columns joined by |.",
              example="0600T|hospital_outpatient"),
        Field("field", pa.string(), "Column of the dataset the value fills.", example="payment_usd"),
        Field("page", pa.int16(), "1-based page of the source PDF.", minimum=1, example="3"),
        Field("x0", pa.float64(), "Left edge of the text box, PDF points from the page's left.", example="410.2"),
        Field("top", pa.float64(), "Top edge of the text box, PDF points from the page's top.", example="300.5"),
        Field("x1", pa.float64(), "Right edge of the text box.", example="460.9"),
        Field("bottom", pa.float64(), "Bottom edge of the text box.", example="312.0"),
        Field("raw_text", pa.string(), "The cell's text exactly as printed, before normalization.",
              example="$9,096.46"),
    ),
    primary_key=("guide_year", "dataset", "key", "field"),
    sort_by=("dataset", "key", "field"),
    title="Provenance",
)

TABLES: dict[str, Table] = {t.name: t for t in (CODES, PAYMENTS, EXCLUSIONS, TERMINOLOGY, PROVENANCE)}

# ---------------------------------------------------------------- between years

#: Not a per-year dataset, so not in TABLES: `pipeline.readers.diff` fills it from two
#: published years and `pipeline.publish` writes it to outputs/diffs/OLD-NEW/.
CHANGE_DATASETS = (*DATASETS, "guide")
CHANGE_KINDS = ("added", "removed", "changed")
#: Wide enough for any ratio of two MONEY amounts (0.01 -> 9,999,999,999.99 is
#: a 10^14 % rise), so a percentage is never clipped.
PERCENT = pa.decimal128(18, 2)

CHANGES = Table(
    "changes",
    "What changed from one published guide year to another: one row per added or removed row, "
    "one row per changed field. Page numbers and provenance are not compared.",
    (
        Field("dataset", pa.string(), "Dataset the change is in; guide: the document facts of the manifest "
              "(title, effective_date, document_number) and its layout (the payment tables' columns and the "
              "settings printed, in words, without pages).", enum=CHANGE_DATASETS, example="payments"),
        Field("key", pa.string(), "The row's natural key, columns joined by | (codes cpt_code; payments "
              "cpt_code|setting; exclusions cpt_code|excluded_code; terminology term); empty for guide.",
              nullable=True, example="0600T|hospital_outpatient"),
        Field("field", pa.string(), "Column whose value changed; empty when the whole row was added or removed.",
              nullable=True, example="payment_usd"),
        Field("change", pa.string(), "added, removed, or changed.", enum=CHANGE_KINDS, example="changed"),
        Field("old_value", pa.string(), "The field's value in the older year, as published; empty if none.",
              nullable=True, example="9096.46"),
        Field("new_value", pa.string(), "The field's value in the newer year, as published; empty if none.",
              nullable=True, example="9500.00"),
        Field("pct_change", PERCENT, "For amounts (payment_usd, rvus) present in both years: "
              "(new - old) / old x 100, exact, rounded half away from zero to 2 places.",
              nullable=True, example="4.44"),
    ),
    primary_key=("dataset", "key", "field"),
)

# ---------------------------------------------------------------- warehouse

#: Not a published file, so not in TABLES: `pipeline.readers.warehouse` fills it from
#: each year's manifest.json, one row per year loaded into outputs/warehouse.duckdb.
GUIDES = Table(
    "guides",
    "One row per guide year in the warehouse, from that year's manifest.json.",
    (
        GUIDE_YEAR,
        Field("title", pa.string(), "Title printed on the guide's first page.", nullable=True,
              example="2022 NanoKnife CPT Reimbursement Guide"),
        Field("effective_date", pa.date32(), "Date the guide's amounts take effect, as printed.", nullable=True,
              example="2022-01-01"),
        Field("document_number", pa.string(), "The vendor's document number, as printed.", nullable=True,
              example="US/ON/MS/187 REV 07 12/2021"),
        Field("source_file", pa.string(), "File name of the source PDF.",
              example="2022-NanoKnife-CPT-Reimbursement-Guide.pdf"),
        Field("source_sha256", pa.string(), "SHA-256 of the source PDF.", pattern=r"^[0-9a-f]{64}$"),
        Field("page_count", pa.int16(), "Pages in the source PDF.", minimum=1, example="7"),
        Field("pipeline_version", pa.string(), "Version of the pipeline that published the year.", example="0.1.0"),
        Field("schema_version", pa.string(), "Schema version the year was published under.", example="1.0.0"),
        Field("manifest_sha256", pa.string(), "SHA-256 of the year's manifest.json, which holds the SHA-256 of "
              "every output file: the warehouse reloads a year when this changes.", pattern=r"^[0-9a-f]{64}$"),
    ),
    primary_key=("guide_year",),
)


@dataclass(frozen=True)
class View:
    """A warehouse view: a query over the tables, its columns defined here like a table's.

    `pipeline.readers.warehouse` holds the SQL; a test checks that the view it
    creates has exactly these columns and SQL types.
    """

    name: str
    description: str
    fields: tuple[Field, ...]
    #: The columns that identify one row of the view.
    key: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


def _renamed(f: Field, name: str, description: str) -> Field:
    """`f` under another name and meaning, with its type and constraints (the earlier year's value)."""
    return replace(f, name=name, description=description)


LATEST_PAYMENTS = View(
    "latest_payments",
    "Each code and setting's payment from the newest guide year that lists it: the payments columns.",
    PAYMENTS.fields,
    key=("cpt_code", "setting"),
)

_PAYMENT = {f.name: f for f in PAYMENTS.fields}
PAYMENT_CHANGES = View(
    "payment_changes",
    "Each code and setting from one guide year to the next that lists it: both statuses and amounts, "
    "change_usd and change_pct (percent of the earlier amount, exact, rounded half away from zero to 2 "
    "places; null unless both years print an amount), and both years' APC and indicator.",
    (
        CPT_CODE,
        _PAYMENT["setting"],
        _renamed(GUIDE_YEAR, "previous_year", "The latest guide year before guide_year that lists this code "
                 "and setting."),
        _renamed(GUIDE_YEAR, "guide_year", "The later guide year of the two."),
        _renamed(_PAYMENT["payment_status"], "previous_status", "payment_status in previous_year."),
        _renamed(_PAYMENT["payment_status"], "payment_status", "payment_status in guide_year."),
        _renamed(_PAYMENT["payment_usd"], "previous_usd", "payment_usd in previous_year."),
        _renamed(_PAYMENT["payment_usd"], "payment_usd", "payment_usd in guide_year."),
        Field("change_usd", pa.decimal128(13, 2), "payment_usd - previous_usd, exact; null unless both are "
              "present.", nullable=True, example="181.93"),
        Field("change_pct", PERCENT, "(payment_usd - previous_usd) / previous_usd x 100, exact, rounded half "
              "away from zero to 2 places; null unless both amounts are present and previous_usd is not 0.",
              nullable=True, example="2.00"),
        _renamed(_PAYMENT["apc"], "previous_apc", "apc in previous_year."),
        _renamed(_PAYMENT["apc"], "apc", "apc in guide_year (hospital_outpatient only)."),
        _renamed(_PAYMENT["indicator"], "previous_indicator", "indicator in previous_year."),
        _renamed(_PAYMENT["indicator"], "indicator", "indicator in guide_year: the OPPS status indicator "
                 "(hospital_outpatient) or the ASC payment indicator (ambulatory_surgical_center)."),
    ),
    key=("cpt_code", "setting", "guide_year"),
)

VIEWS: dict[str, View] = {v.name: v for v in (LATEST_PAYMENTS, PAYMENT_CHANGES)}

# ---------------------------------------------------------------- manifest.json


@dataclass(frozen=True)
class ManifestKey:
    """One key of outputs/<year>/manifest.json; a dotted name is a key inside an object (`source.file`)."""

    name: str
    json_type: str  # string, integer, object, array (JSON's own names)
    description: str
    nullable: bool = False
    example: str | None = None


#: Every key publish writes into a year's manifest.json, in the order it writes them. A test compares
#: this list with a published manifest, so a key added to the manifest is documented here first.
MANIFEST: tuple[ManifestKey, ...] = (
    ManifestKey("title", "string", "Title printed on the guide's first page.", nullable=True,
                example="2022 NanoKnife CPT Reimbursement Guide"),
    ManifestKey("guide_year", "integer", GUIDE_YEAR.description, example="2022"),
    ManifestKey("effective_date", "string", "Date the guide's amounts take effect, as printed, as YYYY-MM-DD.",
                nullable=True, example="2022-01-01"),
    ManifestKey("document_number", "string", "The vendor's document number, as printed.", nullable=True,
                example="US/ON/MS/187 REV 07 12/2021"),
    ManifestKey("source", "object", "The source PDF the year was read from."),
    ManifestKey("source.file", "string", "Its file name.", example="2022-NanoKnife-CPT-Reimbursement-Guide.pdf"),
    ManifestKey("source.sha256", "string", "Its SHA-256, hex."),
    ManifestKey("source.page_count", "integer", "Its number of pages.", example="7"),
    ManifestKey("pipeline_version", "string", "Version of the pipeline that published the year.", example="0.1.0"),
    ManifestKey("schema_version", "string", "Schema version (SCHEMA_VERSION) the year was published under.",
                example=SCHEMA_VERSION),
    ManifestKey("row_counts", "object", "Rows in each published table, by table name.",
                example='{"codes": 2, "payments": 8, ...}'),
    ManifestKey("sections", "object", "Each section the guide prints (payments, exclusions, terminology), as read: "
                "printed (bool), heading (what announced it, as printed), form (table, notes, table without header, "
                "paragraphs, paragraphs in columns), pages (its entries were read from) and entries (how many were read: codes, exclusion "
                "rows, terms). A section not printed has printed false and no entries.",
                example='{"terminology": {"printed": true, "heading": "REIMBURSEMENT TERMINOLOGY", "form": "table", '
                        '"pages": [6], "entries": 11}, ...}'),
    ManifestKey("layout", "object", "The layout the guide was read in, so a new edition's change of shape is seen "
                "at once (the report's summary says it, the diff compares it): tables and settings, then any other "
                "fact of the shape met.",
                example='{"tables": [{"pages": [3], "settings": [...], "columns": [...]}], "settings": [...]}'),
    ManifestKey("layout.tables", "array", "The payment tables, in printed order (a table continued over pages is "
                "one): each with pages (it was printed on), settings (the care settings it prints, in the order of "
                "pipeline/shape.py) and columns (what each column holds, in printed order: code, descriptor, or a "
                "setting and its value column: payment, RVUs, APC, status indicator, payment indicator).",
                example='[{"pages": [3], "settings": ["hospital_outpatient"], "columns": ["code", "descriptor", '
                        '"hospital_outpatient APC", "hospital_outpatient payment"]}]'),
    ManifestKey("layout.settings", "array", "The care settings the guide prints, in the order of pipeline/shape.py: "
                "payments holds one row per code in each, and none for a setting not printed.",
                example='["physician_non_facility", "physician_facility", "hospital_outpatient"]'),
    ManifestKey("layout.amounts", "string", "How the amounts were printed: cents (\"$9,096.46\"), whole dollars "
                "(\"$9,096\", published as 9096.00), both, or null when no amount is printed.", nullable=True,
                example="cents"),
    ManifestKey("layout.marks", "array", "The footnote marks split off codes, descriptors and value cells (not "
                "headers), each once, in the order first met.", example='["*", "\u2020", "+"]'),
    ManifestKey("layout.subheadings", "array", "Each subheading row met in a payment table (a row of one cell across "
                "the table, no value): its text and page, in printed order.",
                example='[{"text": "Liver", "page": 2}]'),
    ManifestKey("footnotes", "array", "Footnote marks split off what they were printed on: one object per table "
                "header cell, descriptor or value cell (a code, an amount, its RVUs or APC) with its table, text (the "
                "header's wording; the code; \"0600T CPT code\", \"0600T hospital_outpatient payment\"), marks and "
                "page.",
                example='[{"table": "payments", "text": "CPT® Code", "marks": ["1"], "page": 3}]'),
    ManifestKey("hidden_characters", "object", "Characters in the PDF a viewer does not paint (invisible, clipped, "
                "covered, the colour of what lies under them, off the page), dropped before any table was read: "
                "counts by reason, by page number. Empty when every character is painted.",
                example='{"2": {"clipped": 10}}'),
    ManifestKey("unmapped_characters", "object", "Painted characters whose font gives no Unicode for them (no "
                "character map), outside every published value, header and line a document fact was read from "
                "(there they stop the build): counts by page number. Empty when every character could be read.",
                example='{"2": 4}'),
    ManifestKey("differing_readings", "object", "Lines and table cells outside every published value, header and "
                "line a document fact was read from, whose two readings (pdfminer's and PDFium's) do not hold the "
                "same letters and digits (there they stop the build): counts by page number. Empty when all agree.",
                example='{"2": 1}'),
    ManifestKey("warnings", "array", "What was read but not needed, said once: one object per warning with its page, "
                "wording and message (an unknown group header over columns that name themselves); empty when "
                "there are none.",
                example='[{"page": 3, "wording": "Procedure", "message": "..."}]'),
    ManifestKey("outputs", "object", "SHA-256 (hex) of every other file of the year's folder, by file name; "
                "readers check a file against it before trusting it.",
                example='{"codes.csv": "e944ac0f...", ...}'),
    ManifestKey("dataset", "object", "SHA-256 (hex) of each of the year's Hive dataset partitions, by path under "
                "outputs/: the year's folder and its partitions are one commit.",
                example='{"dataset/codes/guide_year=2022/part-0.parquet": "db387411...", ...}'),
    ManifestKey("self_sha256", "string", "SHA-256 (hex) of this manifest with this key left out, so a changed "
                "manifest is seen too."),
)
