# The front door. `make build` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: build test clean sources bench diff warehouse docs fixtures roundtrip

# Build outputs/<year>/ and outputs/dataset/ from every PDF under sources/ (creates .venv first if needed),
# refresh outputs/warehouse.duckdb, then write each year's report.html.
build: $(STAMP)
	$(PY) -m pipeline build --sources sources --outputs outputs
	@$(MAKE) --no-print-directory after-build

# The build rewrites outputs/.build-state.json only when it rebuilt something, so the warehouse and the
# reports are redone only then (or when missing): a no-op `make build` stays a no-op.
REPORTS = $(patsubst %/manifest.json,%/report.html,$(wildcard outputs/[0-9][0-9][0-9][0-9]/manifest.json))
.PHONY: after-build
after-build: outputs/warehouse.duckdb $(REPORTS)
outputs/warehouse.duckdb: outputs/.build-state.json
	$(PY) -m pipeline warehouse --outputs outputs
	touch $@
outputs/%/report.html: outputs/.build-state.json
	$(PY) -m pipeline inspect $* --sources sources --outputs outputs

# Load every published year into outputs/warehouse.duckdb (local, gitignored); `make build` runs it too.
warehouse: $(STAMP)
	$(PY) -m pipeline warehouse --outputs outputs

# Regenerate schemas/datapackage.json and docs/data-dictionary.md from pipeline/fields.py.
docs: $(STAMP)
	$(PY) -m pipeline docs

# Run the test suite.
test: $(STAMP)
	$(PY) -m pytest -q

# The round trip through headless Chromium: 200 drawn guides printed to PDF and read back (needs chromium).
roundtrip: $(STAMP)
	ROUNDTRIP_CHROMIUM=200 $(PY) -m pytest -q -p no:cacheprovider tests/test_roundtrip.py -k chromium

# Re-render the reconstructed 2022 source PDF from tools/make_reconstruction.py.
sources: $(STAMP)
	$(PY) tools/make_reconstruction.py

# Re-make the layout fixtures in tests/fixtures/ (the LibreOffice ones need soffice on PATH).
fixtures: $(STAMP)
	$(PY) tools/make_fixtures.py

# Benchmark long generated guides against pdfplumber alone; writes docs/benchmarks.md (not part of test).
bench: $(STAMP)
	$(PY) tools/bench.py

# Compare two published years into outputs/diffs/OLD-NEW/ (default: the two latest; make diff OLD=2022 NEW=2023).
diff: $(STAMP)
	$(PY) -m pipeline diff $(OLD) $(NEW) --outputs outputs

# Remove the virtualenv and caches (outputs/ is committed and kept).
clean:
	rm -rf $(VENV) .pytest_cache outputs/.build-state.json outputs/.staging outputs/dataset/*/.staging outputs/reports outputs/*/report.html outputs/*/report
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Create the virtualenv and install the package with its dev extras; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)
