"""`make bench`'s report: what it says of each target, from the numbers a run measured.

The bench itself is not run here (timings belong in `make bench`, never in
`make test`); its report is a pure function of the measured numbers, checked
with made-up ones.
"""

from __future__ import annotations

from tools import bench


def run(pages: int, seconds: float, sight: float, checks: float, peak: float | None = None) -> dict:
    stages = {"extract": seconds - checks - 0.3, "normalize": 0.1, "validate": 0.1, "checks": checks,
              "publish": 0.1}
    return {"stages": stages, "seconds": seconds, "pages": pages, "rows": pages * 10,
            "peak_mb": 100 + pages if peak is None else peak, "sight": sight, "read_twice": sight + checks}


def result(rows: int, pages: int, plumber: float, pipeline: dict, camelot: float | None = None) -> dict:
    return {"rows": rows, "pages": pages, "plumber": {"seconds": plumber}, "pdfium": {"seconds": pages / 1000},
            "camelot": {"seconds": camelot} if camelot is not None else None, "pipeline": pipeline}


RESULTS = [result(50, 7, 0.5, run(7, 0.7, 0.05, 0.01)), result(250, 26, 2.0, run(26, 1.5, 0.15, 0.05), 4.7),
           result(2200, 205, 16.0, run(205, 13.0, 2.8, 0.4)),
           result(11000, 1005, 80.0, run(1005, 64.0, 9.0, 2.0, peak=290.0))]
SMALL = {"pages": 7, "plumber": 0.25, "build": 0.95, "imports": 0.6}
YEAR = {"make": 3.0, "build": 2.0}


def lines(results=RESULTS, small=SMALL) -> list[str]:
    return bench.report(results, 19.0, 10.0, 0.2, small, YEAR).splitlines()


def test_the_cost_of_reading_twice_is_reported_at_26_and_about_200_pages():
    assert bench.read_twice_cost(RESULTS[1]["pipeline"]) == 0.2 / 1.3
    assert [line for line in lines() if "(#11)" in line] == [
        "- Reading only what a viewer paints and every value twice (#11) at 26 pages: 0.20 s of 1.50 s (0.15 s of "
        "PDFium inside extract, 0.05 s of checks), +15.4% over the build without them (NOT met; target at most "
        "+15%).",
        "- Reading only what a viewer paints and every value twice (#11) at 205 pages: 3.20 s of 13.00 s (2.80 s of "
        "PDFium inside extract, 0.40 s of checks), +32.7% over the build without them (NOT met; target at most "
        "+15%).",
    ]


def test_each_guide_is_shown_beside_pdfplumber_pdfium_and_camelot():
    assert "| 250 | 26 | 2.00 | 0.03 | 4.70 | 1.15 | 0.10 | 0.10 | 0.05 | 0.10 | 1.50 | 0.75 | 17.3 | 126 |" in lines()
    assert "| 50 | 7 | 0.50 | 0.01 | - | 0.39 | 0.10 | 0.10 | 0.01 | 0.10 | 0.70 | 1.40 | 10.0 | 107 |" in lines()


def test_the_build_is_held_to_a_share_of_pdfplumber_between_20_and_300_pages():
    assert [line for line in lines() if line.startswith("- Whole build")] == [
        "- Whole build at 26 pages: 1.50 s, x0.75 pdfplumber alone (met; target at most x0.8).",
        "- Whole build at 205 pages: 13.00 s, x0.81 pdfplumber alone (NOT met; target at most x0.8).",
    ]


def test_growth_is_linear_to_a_thousand_pages_and_memory_flat():
    shown = lines()
    assert "- Linear growth: 205 -> 1005 pages (x4.90) costs x4.92 the time; allowed x5.39, i.e. 4x the pages at " \
           "most 4.4x the time (met)." in shown
    assert "- Flat memory: peak 290 MB at 1005 pages (met; target at most 300 MB), growing 0.183 MB a page from " \
           "7 pages (NOT met; target at most 0.1 MB)." in shown
    assert "- Flat memory: no guide of 1000 pages or more was measured (--sizes)." in lines(RESULTS[:3])


def test_the_small_guide_is_held_to_the_import_floor_and_the_new_year_to_the_build():
    shown = lines()
    assert shown[-2] == (
        "- Small guide (7 pages, the committed 2022 source), whole commands started cold: `pipeline build` 0.95 s, "
        "the import floor (Python importing pandas, pandera, pyarrow and pdfplumber, and doing nothing else) 0.60 s: "
        "the floor +0.35 s (met; target at most +0.4 s). pdfplumber alone on it: 0.25 s.")
    assert shown[-1] == (
        "- One year added (2023 beside 2022): `make build` (build, warehouse and the new year's report, in one "
        "process) 3.00 s, the build alone 2.00 s, ratio x1.50 (met; target at most x2).")
    assert "the floor +0.45 s (NOT met" in lines(small={**SMALL, "build": 1.05})[-2]


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
