"""`make bench`'s report: what it says of each target, from the numbers a run measured.

The bench itself is not run here (timings belong in `make bench`, never in
`make test`); its report is a pure function of the measured numbers, checked
with made-up ones.
"""

from __future__ import annotations

from tools import bench


def run(pages: int, seconds: float, sight: float, checks: float) -> dict:
    stages = {"extract": seconds - checks - 0.3, "normalize": 0.1, "validate": 0.1, "checks": checks,
              "publish": 0.1}
    return {"stages": stages, "seconds": seconds, "pages": pages, "rows": pages * 10, "peak_mb": 100 + pages,
            "sight": sight, "read_twice": sight + checks}


def result(rows: int, pages: int, plumber: float, pipeline: dict) -> dict:
    return {"rows": rows, "pages": pages, "plumber": {"seconds": plumber}, "pipeline": pipeline}


RESULTS = [result(50, 7, 0.5, run(7, 0.7, 0.05, 0.01)), result(250, 26, 2.0, run(26, 2.6, 0.15, 0.05)),
           result(2200, 205, 16.0, run(205, 23.0, 2.8, 0.4))]


def test_the_cost_of_reading_twice_is_reported_at_26_and_about_200_pages():
    assert bench.read_twice_cost(RESULTS[1]["pipeline"]) == 0.2 / 2.4
    lines = bench.report(RESULTS, 19.0, 10.0, 0.2, {"pages": 7, "plumber": 0.25, "build": 1.5, "imports": 0.75},
                         {"make": 3.0, "build": 2.0}).splitlines()
    assert [line for line in lines if "(#11)" in line] == [
        "- Reading only what a viewer paints and every value twice (#11) at 26 pages: 0.20 s of 2.60 s (0.15 s of "
        "PDFium inside extract, 0.05 s of checks), +8.3% over the build without them (met; target at most +15%).",
        "- Reading only what a viewer paints and every value twice (#11) at 205 pages: 3.20 s of 23.00 s (2.80 s of "
        "PDFium inside extract, 0.40 s of checks), +16.2% over the build without them (NOT met; target at most "
        "+15%).",
    ]
    assert "| 250 | 26 | 2.00 | 2.25 | 0.10 | 0.10 | 0.05 | 0.10 | 2.60 | 1.30 | 10.0 | 126 |" in lines


def test_the_small_guide_lines_name_the_ratio_and_the_import_floor():
    lines = bench.report(RESULTS, 19.0, 10.0, 0.2, {"pages": 7, "plumber": 0.25, "build": 1.5, "imports": 0.75},
                         {"make": 3.0, "build": 2.0}).splitlines()
    assert lines[-2] == (
        "- Small guide (7 pages, the committed 2022 source), whole commands started cold: `pipeline build` 1.50 s, "
        "pdfplumber alone 0.25 s, ratio x6.00 (NOT met; target at most x3). Python importing pandas, pandera, "
        "pyarrow and pdfplumber, and doing nothing else, takes 0.75 s (x3.00): the floor of any build validated "
        "by pandera.")
    assert lines[-1] == (
        "- One year added (2023 beside 2022): `make build` (build, warehouse and the new year's report, in one "
        "process) 3.00 s, the build alone 2.00 s, ratio x1.50 (met; target at most x2).")


def test_the_refusal_of_a_long_non_guide_is_reported_against_its_target():
    assert bench.refusal_lines([
        {"name": "charges.pdf", "pages": 220, "command": 1.9, "extract": 0.06},
        {"name": "chargemaster.pdf", "pages": 197, "command": 5.2, "extract": 3.1},
    ]) == [
        "- Refusing a 220-page document that is no guide (`charges.pdf`): `pipeline build` 1.90 s, whole command "
        "started cold, of which extract 0.060 s (met; target under 5 s).",
        "- Refusing a 197-page document that is no guide (`chargemaster.pdf`): `pipeline build` 5.20 s, whole "
        "command started cold, of which extract 3.100 s (NOT met; target under 5 s).",
    ]
