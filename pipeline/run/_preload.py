"""What the fork server imports before it forks the parsing children (`pipeline.run.sandbox`).

Importing this module does, once, the start-up work every parse would otherwise
repeat in its own child: importing the stages, the imports they make lazily on
first use (pandera's validation backends, pdfminer's interpreter) and building
the schemas. Each child is forked from a server in that state and starts warm;
measured on the 2022 guide, the first parse in a fresh process takes 0.8 s and
a warm one 0.25 s.

Imported by the fork server only; nothing else should import it.
"""

from __future__ import annotations

import pdfminer.pdfinterp  # noqa: F401  (pdfplumber imports it on first page)

from pipeline import extract, normalize, schemas, validate  # noqa: F401  (the stages)
from pipeline import fields as F
from pipeline.run import build  # noqa: F401


def _warm() -> None:
    import pandas as pd

    schemas.RAW_CELLS.validate(schemas.coerce([], schemas.RAW_CELLS))
    schemas.RAW_LINES.validate(schemas.coerce([], schemas.RAW_LINES))
    empty = {name: pd.DataFrame({c: pd.Series([], dtype=object) for c in F.TABLES[name].columns})
             for name in F.TABLES}
    validate.find_failures(empty, None)


try:
    _warm()
except Exception:  # only a head start: a child that starts cold is slower, not wrong
    pass
