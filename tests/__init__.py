"""The test suite: a package, so pytest puts the repository root on the import path (its default
`prepend` import mode inserts the first folder above `tests/` without an `__init__.py`) and tests
import the shared kit as `tools.testkit`, with no path edits."""
