# The front door. `make build` and `make test` are all a fresh machine needs; `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# `make ... PY=/path/to/python` runs with that Python as it is and installs nothing (tests/test_yearly.py
# runs the yearly loop on a copy of the repo that way, reusing one virtualenv).
BENCH_STAMP := $(VENV)/.bench-installed
ifeq ($(origin PY),command line)
INSTALL :=
BENCH_INSTALL :=
else
PY := $(VENV)/bin/python
INSTALL := $(STAMP)
BENCH_INSTALL := $(BENCH_STAMP)
endif
PIPELINE := $(PY) -m pipeline

.PHONY: help build test validate report warehouse diff docs sources fixtures bench clean roundtrip

# List the targets, each with the first sentence of its comment, however many lines that sentence takes.
help:
	@awk '/^# / { if (!done) { text = text (text ? " " : "") substr($$0, 3); \
	    if (match(text, /[.]( |$$)/)) { text = substr(text, 1, RSTART); done = 1 } } next } \
	  /^[a-z-]+:/ && text { sub(/:.*/, "", $$1); printf "  make %-10s %s\n", $$1, text } \
	  { text = ""; done = 0 }' $(MAKEFILE_LIST)

# Build outputs/<year>/ from every new or changed PDF under sources/, then refresh the warehouse and the reports.
# An unchanged guide is not read again (its bytes, password and the pipeline as at its last build, its year as
# published). The refresh runs in the same process (its imports and fork server are paid once), for every report
# that is out of date. A guide that fails is its own: the others are still published, the warehouse and the
# reports of every published year are still refreshed, and make exits non-zero at the end. An interrupted build (Ctrl-C, exit 130; SIGTERM, 143) or a usage error (2)
# stops before the refresh, with its own status. A no-op build refreshes nothing that is up to date.
build: $(INSTALL)
	@$(PIPELINE) build --refresh --sources sources --outputs outputs

# Check every published year under outputs/ against the schemas again.
validate: $(INSTALL)
	$(PIPELINE) validate --outputs outputs

# Write outputs/<year>/report.html for every published year (YEAR=2023 for one).
report: $(INSTALL)
	$(PIPELINE) inspect $(if $(YEAR),$(YEAR),--all) --sources sources --outputs outputs

# Load every published year into outputs/warehouse.duckdb (local, gitignored); `make build` runs it too.
warehouse: $(INSTALL)
	$(PIPELINE) warehouse --outputs outputs

# Compare two published years into outputs/diffs/OLD-NEW/ (NEW=Y: Y and the year before; OLD=X: X and the latest).
# Without either, the two latest; with both, that pair.
diff: $(INSTALL)
	$(PIPELINE) diff $(OLD) $(if $(NEW),--new $(NEW)) --outputs outputs

# Regenerate schemas/datapackage.json, docs/data-dictionary.md and docs/commands.md from the code.
docs: $(INSTALL)
	$(PIPELINE) docs

# Run the test suite (PYTEST_ARGS="-m committed": only the checks of the committed sources/ and outputs/).
test: $(INSTALL)
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The round trip through headless Chromium: 200 drawn guides printed to PDF and read back (needs chromium).
roundtrip: $(INSTALL)
	ROUNDTRIP_CHROMIUM=200 $(PY) -m pytest -q -p no:cacheprovider tests/test_roundtrip.py -k chromium

# Re-render the reconstructed 2022 guide (sources/2022/ and the tests' copy) from tools/make_reconstruction.py.
sources: $(INSTALL)
	$(PY) -m tools.make_reconstruction

# Re-make the layout fixtures in tests/fixtures/ and the new editions' in tests/fixtures/editions/ (the LibreOffice,
# Chromium and pdflatex ones need their producer on PATH; an edition producer missing is skipped and named).
fixtures: $(INSTALL)
	$(PY) -m tools.make_fixtures
	$(PY) -m tools.make_edition_fixtures

# Benchmark small and long guides against pdfplumber, PDFium and Camelot; writes docs/benchmarks.md (not test).
bench: $(INSTALL) $(BENCH_INSTALL)
	$(PY) -m tools.bench

# Remove the virtualenv, caches and local artifacts (the committed outputs/ stay).
clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis *.egg-info outputs/.build-state.json outputs/.staging \
	  outputs/dataset/*/.staging outputs/reports outputs/*/report.html outputs/*/report \
	  outputs/warehouse.duckdb outputs/warehouse.duckdb.wal
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Create the virtualenv and install the package with its dev extras; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The bench's extra (Camelot, timed beside the pipeline); only `make bench` needs it.
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)
