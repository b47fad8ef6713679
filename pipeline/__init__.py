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

__version__ = "0.1.0"
