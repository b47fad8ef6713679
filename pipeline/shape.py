"""The guide's shape, declared once: the care settings it prints payments for and what each prints, its
payment statuses, the facts it prints about itself, and which vocabulary file holds the wordings of each.

A NanoKnife guide prints, for each CPT code, a Medicare payment in up to four care settings, in one
table or in one table per setting, its columns in any order. What a setting prints is declared here
(`Setting`: its name, the words a reader uses, the header concept that names its columns, and its value
columns, `ValueColumn`: payment, RVUs, APC, status or payment indicator), and every stage reads it
here, never from a list of its own:

* normalize places each column of a payment table by the header concepts above it: the concept of a
  setting (`Setting.concept`) and of a value column (`ValueColumn.concept`); a column whose kind only
  one setting prints ("APC", "Status Indicator") needs no setting named over it. It parses each
  setting's values, and records the settings and columns each table printed (the manifest's `layout`);
* validate allows a value (RVUs, APC, indicator) only for a setting that prints that column, and asks
  one payment row per code in each setting the guide printed;
* the diff, the extraction report and the warehouse name settings, statuses and facts as declared here.

What each published table is (its title, colour, section, keys) is declared beside its columns, in
`pipeline.fields`' table registry, which reads this module for the settings and statuses it enumerates.

The wordings stay data, in `pipeline/vocab/*.csv` (`VOCABULARY` says which file holds what, and
`pipeline.vocab.REGISTRY` checks each): a new wording of a setting, of a value column, of a sentinel
or of a document fact is one line there, with a test; a new column order is nothing at all, since
columns are placed by their headers (docs/layouts.md). A new setting, a new kind of value column or a
new payment status is an edit here (and a new published column one in `pipeline.fields` too).

Foundation: imports nothing of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------- what a setting prints


@dataclass(frozen=True)
class ValueColumn:
    """A kind of column a care setting prints: its role's kind, the header concept that names it
    (`vocab/concepts.csv`), the published payments column it fills, and how a stop or report names it."""

    kind: str
    concept: str
    field: str
    words: str


#: The payment (an amount or a sentinel wording). A column whose headers name a setting and no other
#: kind of column holds it: "ASC Payment" alone, or "Hospital OPPS Payment" over "Payment".
AMOUNT = ValueColumn("amount", "payment", "payment_usd", "payment")
RVUS = ValueColumn("rvus", "rvus", "rvus", "RVUs")
#: The APC number; a status indicator may follow it in parentheses ("5362 (J1)").
APC = ValueColumn("apc", "apc", "apc", "APC")
#: An indicator in a column of its own (printed in parentheses after the amount or the APC otherwise).
STATUS_INDICATOR = ValueColumn("indicator", "status_indicator", "indicator", "status indicator")
PAYMENT_INDICATOR = ValueColumn("indicator", "payment_indicator", "indicator", "payment indicator")
VALUE_COLUMNS = (AMOUNT, RVUS, APC, STATUS_INDICATOR, PAYMENT_INDICATOR)

#: The columns every payment table prints, whatever settings it holds: they say which row is which code
#: (the header concept of each is its name).
ROW_COLUMNS = ("code", "descriptor")


@dataclass(frozen=True)
class Setting:
    """A care setting the guide prints payments for.

    `name` is the published `setting` value; `words` how a reader says it; `concept` the header concept
    of `vocab/payment_headers.csv` that names its columns ("Non-Facility", "Hospital OPPS Payment"),
    and `group` a concept printed over it and others that names no setting alone ("Physician Fee
    Schedule"); `columns` the value columns it may print, its payment first.
    """

    name: str
    words: str
    concept: str
    group: str | None
    columns: tuple[ValueColumn, ...]

    def prints(self, field: str) -> bool:
        """Does this setting print a column that fills the payments column `field`?"""
        return any(c.field == field for c in self.columns)

    def column(self, kind: str) -> ValueColumn | None:
        """Its value column of `kind` (amount, rvus, apc, indicator), if it prints one."""
        return next((c for c in self.columns if c.kind == kind), None)

    @property
    def indicator(self) -> ValueColumn | None:
        """Which indicator it prints (status or payment), if any."""
        return self.column("indicator")


SETTINGS: tuple[Setting, ...] = (
    Setting("physician_non_facility", "physician, non-facility", "non_facility", "physician", (AMOUNT, RVUS)),
    Setting("physician_facility", "physician, facility", "facility", "physician", (AMOUNT, RVUS)),
    Setting("hospital_outpatient", "hospital outpatient (OPPS)", "opps", None, (AMOUNT, APC, STATUS_INDICATOR)),
    Setting("ambulatory_surgical_center", "ambulatory surgical center (ASC)", "asc", None,
            (AMOUNT, PAYMENT_INDICATOR)),
)
SETTING_NAMES = tuple(s.name for s in SETTINGS)
#: Header concept -> the setting whose columns sit under it.
SETTING_OF = {s.concept: s.name for s in SETTINGS}
#: The concepts that name a column of a payment table: a table whose header prints none is no payment table.
COLUMN_CONCEPTS = (*ROW_COLUMNS, *SETTING_OF)


def setting(name: str) -> Setting:
    """The declared setting called `name`."""
    for s in SETTINGS:
        if s.name == name:
            return s
    raise KeyError(f"no care setting {name!r} (settings: {', '.join(SETTING_NAMES)})")


def settings_printing(field: str) -> tuple[str, ...]:
    """The settings that print a column filling the payments column `field`, in declared order."""
    return tuple(s.name for s in SETTINGS if s.prints(field))


def column_of(concepts: set[str]) -> tuple[ValueColumn, ...]:
    """The value columns other than the payment that `concepts` (a column's header concepts) name."""
    return tuple(dict.fromkeys(c for c in VALUE_COLUMNS if c is not AMOUNT and c.concept in concepts))


# ---------------------------------------------------------------- payment statuses


@dataclass(frozen=True)
class Status:
    """A payment status: its name (the published `payment_status`), what it means as printed, and whether
    a wording of `vocab/sentinels.csv` prints it instead of an amount."""

    name: str
    meaning: str
    sentinel: bool


PAYMENT_STATUSES: tuple[Status, ...] = (
    Status("national_rate", "a national amount is printed", False),
    Status("contractor_priced", "\"No national set payment\" (the Medicare contractor prices it)", True),
    Status("not_applicable", "printed \"NA\"", True),
    Status("not_covered", "printed \"Not covered\" (Medicare does not pay for it in that setting)", True),
    Status("packaged", "printed \"Packaged\" (paid as part of another service, no separate payment)", True),
)
#: The statuses a sentinel wording of `vocab/sentinels.csv` may stand for.
SENTINEL_STATUSES = tuple(s.name for s in PAYMENT_STATUSES if s.sentinel)


# ---------------------------------------------------------------- what the document says about itself


@dataclass(frozen=True)
class DocumentFact:
    """A fact the guide prints about itself, a key of the manifest: where its wording is kept (None: read
    from the cover's lines) and whether the diff compares it between two years (the year is the pair)."""

    name: str
    wordings: str | None
    compared: bool


DOCUMENT_FACTS: tuple[DocumentFact, ...] = (
    DocumentFact("title", None, True),
    DocumentFact("guide_year", "document_facts.csv", False),
    DocumentFact("effective_date", "document_facts.csv", True),
    DocumentFact("document_number", "document_facts.csv", True),
)
#: The facts whose patterns `vocab/document_facts.csv` holds.
PATTERNED_FACTS = tuple(f.name for f in DOCUMENT_FACTS if f.wordings == "document_facts.csv")

# ---------------------------------------------------------------- where the wordings are kept

#: Which file of `pipeline/vocab/` holds the wordings of what, in this declaration's terms. The files'
#: columns and checks are `pipeline.vocab.REGISTRY`'s; docs/vocabulary.md lists every file.
VOCABULARY = {
    "settings and value columns": "payment_headers.csv",
    "header concepts": "concepts.csv",
    "sentinels": "sentinels.csv",
    "document facts": "document_facts.csv",
    "glossary columns": "terminology_headers.csv",
    "glossary headings and separators": "glossary_forms.csv",
}



# ---------------------------------------------------------------- the layout met, in words


def listed(values, pages: bool = True) -> str:
    """A value of the layout record in words: a list joined by commas, nothing as "", anything else as it is.
    A printed item of a list (a subheading: {"text", "page"}) is its text, and its page with `pages`."""
    if values is None:
        return ""
    if not isinstance(values, (list, tuple)):
        return str(values)
    return ", ".join(_item(v, pages) for v in values)


def _item(value, pages: bool) -> str:
    if isinstance(value, dict) and "text" in value:
        return f"{value['text']} (page {value['page']})" if pages and "page" in value else str(value["text"])
    return str(value)


def layout_words(layout: dict | None, pages: bool = True) -> str:
    """The layout a guide was read in (the manifest's `layout`, `Guide.layout`) on one line, as the report's
    summary and the diff say it: each payment table's columns in printed order (and its pages, with
    `pages`: the diff leaves them out, a table moved to another page being the same layout), the settings
    printed, then any other fact the record holds ("amounts: cents")."""
    if not layout:
        return "not recorded"
    tables = layout.get("tables") or []
    out = []
    for table in tables:
        where = table.get("pages") or []
        on = f"page{'s' if len(where) > 1 else ''} {listed(where)}: " if pages and where else ""
        out.append(on + listed(table.get("columns") or []))
    head = f"{len(tables)} payment table{'s' if len(tables) != 1 else ''}"
    parts = [f"{head} ({'; '.join(f'{k + 1}. {t}' for k, t in enumerate(out))})" if len(out) > 1
             else f"{head} ({out[0]})" if out else head,
             f"settings: {listed(layout.get('settings') or []) or 'none'}"]
    parts += [f"{key}: {listed(value, pages) or 'none'}" for key, value in layout.items()
              if key not in ("tables", "settings")]
    return "; ".join(parts)
