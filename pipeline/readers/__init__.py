"""Readers of published outputs: `diff` (two years), `warehouse` (DuckDB), `inspect` (the visual report).

They read `outputs/` only through `pipeline.publish`'s readers and write only through its writers.
"""
