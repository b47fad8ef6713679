"""Rebuild the NanoKnife CPT Reimbursement Guide dataset from its PDF.

The flow, one module per stage:

    extract -> normalize -> validate -> publish
    (PDF)      (typed tables) (schemas)  (outputs/<year>/)

`pipeline.build` runs the stages for every source; `pipeline.cli` is the thin
command line over it. `pipeline.fields` defines every published column once.
"""

__version__ = "0.1.0"
