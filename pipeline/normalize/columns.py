"""Step 2 of normalize, columns: what each leaf column of a payment table holds, from its header cells.

Each leaf column is placed by the concepts of every header cell above it
("Physician Fee Schedule" / "Facility" / "RVUs" -> physician_facility RVUs), as the
guide's shape declares them (`pipeline.shape`): a setting's concept names the setting,
a value column's concept (RVUs, APC, status or payment indicator) its kind, and a column
naming no other kind holds the setting's payment. A column of a kind only one setting
prints ("APC (SI)" alone, "Status Indicator") is that setting's with no setting named over
it; one that names a setting that does not print its kind stops. The columns may come in
any order. A table holds the settings it names, each with its payment column: a guide
may print all its settings in one table, or each in a table of its own (`tables`).

A header cell with an unknown wording stops the build, naming the text and page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline import shape
from pipeline.errors import DuplicateSetting, LayoutError
from pipeline.normalize.grids import Grid

#: Header concept -> the setting whose columns sit under it (the guide's shape, `pipeline.shape`).
SETTING_OF = shape.SETTING_OF

#: What a column holds: (setting or None, kind), e.g. (None, "code"), ("hospital_outpatient", "apc").
Role = tuple[str | None, str]


@dataclass(frozen=True)
class Columns:
    """What each leaf column of a payment table holds: (setting or None, kind)."""

    ncols: int
    header_rows: int
    roles: tuple[Role, ...]

    def column(self, role: Role) -> int | None:
        """The column holding `role`, if the table has one."""
        return self.roles.index(role) if role in self.roles else None

    @property
    def settings(self) -> tuple[str, ...]:
        """The care settings the table prints, in the shape's order."""
        held = {setting for setting, _ in self.roles if setting is not None}
        return tuple(name for name in shape.SETTING_NAMES if name in held)

    def words(self) -> tuple[str, ...]:
        """What each column holds, in printed order, as the manifest's `layout` says it
        ("code", "hospital_outpatient APC", "ambulatory_surgical_center payment indicator")."""
        return tuple(role_words(role) for role in self.roles)

    @classmethod
    def from_headers(cls, grid: Grid, header_rows: int, headers, concepts) -> "Columns":
        above, names, kinds = _above(grid.ncols, headers, concepts)
        roles = tuple(_role(c, above[c], " / ".join(names[c]) or "(no header)", grid.first_page)
                      for c in range(grid.ncols))
        settings = [" / ".join(w for w, k in zip(names[c], kinds[c]) if k in SETTING_OF) for c in range(grid.ncols)]
        _check_roles(roles, settings, grid.first_page)
        return cls(grid.ncols, header_rows, roles)


def _above(ncols: int, headers, concepts) -> tuple[list[set[str]], list[list[str]], list[list[str]]]:
    """For each leaf column, the concepts and the wordings of the header cells above it (and each one's concept)."""
    above: list[set[str]] = [set() for _ in range(ncols)]
    names: list[list[str]] = [[] for _ in range(ncols)]
    kinds: list[list[str]] = [[] for _ in range(ncols)]
    for (cell, wording), concept in zip(headers, concepts):
        for c in range(cell["col"], cell["col"] + cell["col_span"]):
            above[c].add(concept)
            names[c].append(wording)
            kinds[c].append(concept)
    return above, names, kinds


def role_words(role: Role) -> str:
    """A role as the layout record and the stops say it: "code", "physician_facility RVUs"."""
    setting, kind = role
    if setting is None:
        return kind
    return f"{setting} {shape.setting(setting).column(kind).words}"


def _role(c: int, concepts_here: set[str], label: str, page: int) -> Role:
    """What column `c` holds, from the concepts above it (`pipeline.shape`)."""
    for kind in shape.ROW_COLUMNS:
        if kind in concepts_here:
            return (None, kind)
    kinds = shape.column_of(concepts_here)
    if len(kinds) > 1:
        raise LayoutError(f"payment table column {c + 1} headed {label!r} names both the "
                          f"{kinds[0].words} and the {kinds[1].words}: which it holds is not known", page=page)
    column = kinds[0] if kinds else shape.AMOUNT
    settings = {SETTING_OF[k] for k in concepts_here if k in SETTING_OF}
    if not settings and column is not shape.AMOUNT:
        # a kind of column only one setting prints names that setting ("APC (SI)" alone)
        settings = {s.name for s in shape.SETTINGS if column in s.columns}
    if len(settings) != 1:
        raise LayoutError(f"payment table column {c + 1} headed {label!r} cannot be placed in one "
                          "care setting", page=page)
    setting = shape.setting(settings.pop())
    if column not in setting.columns:
        raise LayoutError(f"payment table column {c + 1} headed {label!r}: {setting.name} prints no "
                          f"{column.words} column", page=page)
    return (setting.name, column.kind)


def _check_roles(roles: tuple[Role, ...], settings: list[str], page: int) -> None:
    """Each role at most once, and every role a payment row needs present: the code, the descriptor,
    and the payment of each setting the table prints (a table of some settings holds those only).

    Two columns with one role are named as such, whatever else the header holds: a wording added to
    the vocabulary could not tell which of the two holds the value.
    """
    seen: dict[Role, int] = {}
    for c, role in enumerate(roles):
        if role in seen:
            first = seen[role]
            what = f"the {role_words(role)}"
            under = f" (under {settings[first]!r} and {settings[c]!r})" if settings[first] and settings[c] else ""
            raise DuplicateSetting(f"payment table columns {first + 1} and {c + 1} both hold {what}{under}: "
                                   "a setting printed twice cannot be read", page=page)
        seen[role] = c
    printed = [name for name in shape.SETTING_NAMES if any(s == name for s, _ in seen)]
    missing = [r for r in [(None, k) for k in shape.ROW_COLUMNS] + [(s, shape.AMOUNT.kind) for s in printed]
               if r not in seen]
    if missing:
        what = ", ".join(f"{s} payment" if s else k for s, k in missing)
        raise LayoutError(f"payment table has no column for {what}", page=page)
    if not printed:
        raise LayoutError("payment table has no column for any care setting's payment", page=page)


def _unknown_wording(unknown: list[tuple[dict, str]], known: list[str]) -> LayoutError:
    """The stop for header wordings a column needs and the vocabulary does not know (cell, wording each).

    Advice to add the wording is given only where the table is a guide's payment table with one wording
    reworded: its known headers name the CPT code column, and this is the one wording needed that is not
    known. A table needing several, or with no known header naming the code column, is named without
    advice: adding its wordings would make a price list read as a guide (docs/layouts.md, when advice appears).
    In a table whose known headers name no care setting (a table of one setting's payments, "Medicaid
    Payment"), the one unknown wording is what should name its setting, and the line says so.
    """
    cell, wording = unknown[0]
    where = {"page": int(cell["page"]), "what": "the payment table header cell",
             "box": (float(cell["x0"]), float(cell["top"]), float(cell["x1"]), float(cell["bottom"]))}
    if len(unknown) == 1 and "code" in known and not any(k in SETTING_OF for k in known):
        return LayoutError(f"payment table header {wording!r} names no known care setting; if it is a new "
                           "wording for a known setting, add it to pipeline/vocab/payment_headers.csv", **where)
    if len(unknown) == 1 and "code" in known:
        return LayoutError(f"payment table header {wording!r} is not a known wording; if it is a new "
                           "wording for a known column, add it to pipeline/vocab/payment_headers.csv", **where)
    if len(unknown) > 1:
        listed = ", ".join(repr(w) for _, w in unknown[:5])
        listed += f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        return LayoutError(f"a table's header has {len(unknown)} wordings no payment table is known to print "
                           f"({listed}); it cannot be read as the payment table", **where)
    return LayoutError(f"a table's header wording {wording!r} is not a known wording, and no known header of the "
                       "table names the CPT code column; it cannot be read as the payment table", **where)


def _named_below(cell: dict, known: list[dict]) -> bool:
    """Does every column under `cell` have a known header cell of its own below it?"""
    below = cell["row"] + cell["row_span"]
    return all(any(k["row"] >= below and k["col"] <= c < k["col"] + k["col_span"] for k in known)
               for c in range(cell["col"], cell["col"] + cell["col_span"]))


def place_columns(grid: Grid, header_rows: int, headers, concepts) -> tuple[Columns, tuple[dict, ...]]:
    """Each leaf column's role, and a warning for each unknown group header that was not needed.

    A header cell with an unknown wording stops the build, unless it is a group header
    whose every column has a known header of its own below it, and those headers place
    every column without it ("Procedure" over "CPT Code" and "CPT Descriptor"): then it
    is left out, and a warning names it. When a column needs it to be placed, the build
    stops as for any unknown wording.
    """
    unknown = [(cell, wording) for (cell, wording), concept in zip(headers, concepts) if concept is None]
    known = [(h, c) for h, c in zip(headers, concepts) if c is not None]
    needed = [(cell, wording) for cell, wording in unknown if not _named_below(cell, [h[0] for h, _ in known])]
    if needed:
        raise _unknown_wording(needed, [c for _, c in known])
    try:
        columns = Columns.from_headers(grid, header_rows, [h for h, _ in known], [c for _, c in known])
    except DuplicateSetting:
        raise
    except LayoutError:
        if unknown:
            raise _unknown_wording(unknown[:1], [c for _, c in known]) from None
        raise
    return columns, tuple(_left_out(cell, wording) for cell, wording in unknown)


def _left_out(cell: dict, wording: str) -> dict:
    """The warning for an unknown group header the columns below it did not need."""
    return {"page": int(cell["page"]), "wording": wording,
            "message": f"page {int(cell['page'])}: payment table group header {wording!r} is not a known "
                       "wording; the columns under it are named by their own headers, so it was left out "
                       "(add it to pipeline/vocab/payment_headers.csv to say what it means)"}
