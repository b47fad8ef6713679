"""Developer tools, run as modules from the repository root (`python -m tools.make_fixtures`).

The test kit they share with `tests/` is `tools.testkit`. None of this ships with the
pipeline: `pyproject.toml` packages `pipeline*` only.
"""
