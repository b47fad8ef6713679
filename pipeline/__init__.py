"""Rebuild the NanoKnife CPT Reimbursement Guide dataset from its PDF.

The flow, one package per stage:

    extract/   ->  normalize/  ->  validate.py  ->  publish/
    (PDF -> RawGuide) (-> Guide)    (schemas)       (outputs/<year>/)

`pipeline.model` holds the types that cross those boundaries; `pipeline.run`
runs the stages for every source; `pipeline.readers` (diff, warehouse,
inspect) read what was published; `pipeline.cli` is the thin command line
over them. `pipeline.fields` defines every published column once.
See docs/architecture.md.
"""

import os

__version__ = "0.1.0"

#: Arrow allocates from the C library's malloc, as Python does (why: `schemas._memory_pool_that_gives_back`).
#: Arrow reads this once, when it is first imported, and its own code (Parquet, IPC, the kernels) asks for
#: that pool whatever pyarrow is told later; so it is set here, before any stage imports pyarrow. A value
#: the user set rules.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
