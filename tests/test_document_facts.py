"""Facts read from the document's own words: its year, and what happens when they are missing or disagree."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tools.testkit.paths import SOURCE_2022
from pipeline.errors import NotThisGuide, YearConflict
from pipeline.extract import extract
from pipeline.normalize import normalize


@pytest.fixture(scope="module")
def raw_2022():
    return extract(SOURCE_2022)


def _without_title_row(raw):
    """The 2022 raw frames minus the "Medicare 2022 National Average Payment" header row."""
    cells = raw.cells
    title = cells[(cells["page"] == 3) & (cells["row"] == 0)]
    assert list(title["text"])[1].startswith("Medicare 2022 National Average Payment")
    return cells.drop(title.index).reset_index(drop=True)


def test_year_from_the_effective_date_alone(raw_2022):
    guide = normalize(replace(raw_2022, cells=_without_title_row(raw_2022)))
    assert guide.guide_year == 2022 and guide.effective_date.isoformat() == "2022-01-01"


def test_no_year_printed_anywhere_is_not_this_guide(raw_2022):
    lines = raw_2022.lines.copy()
    lines["text"] = lines["text"].str.replace("effective as of", "in force from", regex=False)
    with pytest.raises(NotThisGuide) as exc:
        normalize(replace(raw_2022, cells=_without_title_row(raw_2022), lines=lines))
    assert str(exc.value) == ('no guide year printed: found neither "Medicare YYYY National Average Payment" '
                              'nor "effective as of <date>"; if the guide prints its year in another wording, add '
                              'a pattern for it to pipeline/vocab/document_facts.csv')


def test_effective_date_of_another_year_is_a_conflict(raw_2022):
    lines = raw_2022.lines.copy()
    lines["text"] = lines["text"].str.replace("January 1, 2022", "January 1, 2023", regex=False)
    with pytest.raises(YearConflict) as exc:
        normalize(replace(raw_2022, lines=lines))
    assert str(exc.value) == "page 3: payments are for 2022 but page 3 says they are effective as of 2023-01-01"


@pytest.mark.parametrize("pages", [1, 2, 3])
def test_facts_read_a_few_pages_at_a_time_are_the_facts_read_at_once(monkeypatch, raw_2022, pages):
    """`document_facts` reads the text `PROSE_PAGES` pages at a time (a thousand-page guide's text is not held
    at once): whatever the count, the same facts, from the same lines and cells, in the same order."""
    from pipeline.normalize import facts

    whole = facts.document_facts(raw_2022)
    assert whole.guide_year == 2022 and whole.effective_date.isoformat() == "2022-01-01" and whole.cues
    monkeypatch.setattr(facts, "PROSE_PAGES", pages)
    assert facts.document_facts(raw_2022) == whole


def test_facts_read_pages_in_page_order_whatever_the_frames_order(raw_2022):
    """A raw frame not in page order (one made otherwise than by extract) is read in page order, rows of a
    page as they were."""
    from pipeline.normalize import facts

    whole = facts.document_facts(raw_2022)
    backwards = {name: getattr(raw_2022, name).sort_values("page", ascending=False, kind="stable")
                 for name in ("cells", "lines")}
    shuffled = replace(raw_2022, **backwards)
    assert (shuffled.lines["page"].diff().dropna() < 0).any()
    assert facts.document_facts(shuffled) == whole
