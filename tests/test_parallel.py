"""Parallel builds: --jobs N parses N sources at once and publishes exactly what one at a time does."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from tools.testkit.renderer import render
from tools.testkit.guide_2022 import GUIDE_2022
from pipeline.run.build import build, default_jobs
from pipeline.cli import main

YEARS = (2031, 2032, 2033, 2034)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """Four guides, the 2022 one restated for 2031 to 2034 with each year's own ASC payment."""
    root = tmp_path_factory.mktemp("many") / "sources"
    for year in YEARS:
        first = replace(GUIDE_2022.codes[0], asc=replace(GUIDE_2022.codes[0].asc, usd=GUIDE_2022.codes[0].asc.usd
                                                         + year - 2022))
        guide = replace(GUIDE_2022, year=year, codes=(first, *GUIDE_2022.codes[1:]),
                        intro=tuple(t.replace("2022", str(year)) for t in GUIDE_2022.intro))
        render(guide, root / str(year) / f"guide-{year}.pdf")
    return root


def test_two_jobs_run_side_by_side_and_publish_what_one_job_does(sources, tmp_path):
    trees = {}
    for jobs in (1, 2):
        at_once = []
        outcomes = build(sources, tmp_path / str(jobs), jobs=jobs, on_progress=lambda p: at_once.append(p.running))
        assert [(o.source.name, o.status, o.guide_year) for o in outcomes] == [
            (f"guide-{year}.pdf", "built", year) for year in YEARS]
        assert max(at_once) == jobs
        trees[jobs] = {year: tree(tmp_path / str(jobs) / str(year)) for year in YEARS}
    assert trees[2] == trees[1]  # byte for byte
    for year in YEARS:
        manifest = json.loads(trees[2][year]["manifest.json"])
        assert (manifest["guide_year"], manifest["source"]["file"]) == (year, f"guide-{year}.pdf")
        assert trees[2][year]["payments.csv"].decode().splitlines()[1] == (
            f"{year},0600T,ambulatory_surgical_center,national_rate,{6243.45 + year - 2022:.2f},,,J8,3")


def test_default_jobs_is_every_core():
    assert default_jobs() == len(os.sched_getaffinity(0))
    help_text = " ".join(CliRunner().invoke(main, ["build", "--help"]).output.split())
    assert "-j, --jobs N Sources parsed at once, each in its own process. [default: all cores]" \
        in help_text


def test_jobs_must_be_at_least_one(sources, tmp_path):
    result = CliRunner().invoke(main, ["build", "--sources", str(sources), "--outputs", str(tmp_path), "--jobs", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--jobs' / '-j': 0 is not in the range x>=1." in result.output
