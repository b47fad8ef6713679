"""Cell-level provenance (issue #7), checked on the 2022 guide as published (built in a temporary folder).

Every published value has exactly one provenance row, and each row's box is a
cell the extract stage found, inside the table it belongs to.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from tools.testkit.paths import SOURCE_2022
from pipeline import fields as F
from pipeline.extract import extract
from pipeline.publish import read_manifest, read_tables


@pytest.fixture(scope="module")
def published(outputs_2022):
    return read_tables(outputs_2022 / "2022")


@pytest.fixture(scope="module")
def raw_2022():
    return extract(SOURCE_2022)


def expected_values(tables) -> list[tuple[str, str, str]]:
    """(dataset, key, field) of every published value: each column but guide_year and source_page."""
    out = []
    for dataset in F.DATASETS:
        table = F.TABLES[dataset]
        keys = [c for c in table.primary_key if c != "guide_year"]
        values = [c for c in table.columns if c not in ("guide_year", "source_page")]
        for row in tables[dataset].to_dict("records"):
            key = "|".join(str(row[c]) for c in keys)
            out += [(dataset, key, column) for column in values]
    return out


def test_every_published_value_has_exactly_one_provenance_row(published, outputs_2022):
    expected = expected_values(published)
    # codes 2 rows x 3 values + payments 8 x 7 + exclusions 6 x 2 + terminology 11 x 2
    assert len(expected) == len(set(expected)) == 2 * 3 + 8 * 7 + 6 * 2 + 11 * 2 == 96
    prov = published["provenance"]
    assert Counter(zip(prov["dataset"], prov["key"], prov["field"])) == Counter(expected)
    assert set(prov["guide_year"]) == {2022}
    assert read_manifest(outputs_2022 / "2022")["row_counts"]["provenance"] == 96
    # the CSV says the same as the Parquet
    with open(outputs_2022 / "2022" / "provenance.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert Counter((r["dataset"], r["key"], r["field"]) for r in rows) == Counter(expected)


def test_box_of_9096_46_for_0600T_lies_inside_the_payment_table(published, raw_2022):
    prov = published["provenance"]
    hit = prov[(prov["dataset"] == "payments") & (prov["key"] == "0600T|hospital_outpatient")
               & (prov["field"] == "payment_usd")]
    assert len(hit) == 1
    row = hit.iloc[0]
    assert (row["raw_text"], row["page"]) == ("$9,096.46", 3)
    box = (row["x0"], row["top"], row["x1"], row["bottom"])
    assert box == (437.0, 223.9, 499.0, 299.9)

    # The payment table's area, from the extract stage's cells: the table on
    # that page whose cells hold the code the value belongs to.
    cells = raw_2022.cells[raw_2022.cells["page"] == 3]
    tables = set(cells.loc[cells["text"] == "0600T", "table"])
    assert len(tables) == 1
    table = cells[cells["table"] == tables.pop()]
    area = tuple(round(float(v), 2) for v in (table["x0"].min(), table["top"].min(),
                                               table["x1"].max(), table["bottom"].max()))
    assert area == (43.0, 153.9, 569.0, 385.9)
    assert area[0] <= box[0] < box[2] <= area[2]
    assert area[1] <= box[1] < box[3] <= area[3]


def test_every_provenance_box_is_a_printed_cell_with_that_text(published, raw_2022):
    cells = {(int(c["page"]), round(c["x0"], 2), round(c["top"], 2), round(c["x1"], 2), round(c["bottom"], 2)):
             c["text"] for c in raw_2022.cells.to_dict("records")}
    prov = published["provenance"].to_dict("records")
    missing = [(r["dataset"], r["key"], r["field"]) for r in prov
               if cells.get((r["page"], r["x0"], r["top"], r["x1"], r["bottom"])) != r["raw_text"]]
    assert missing == []
    assert len(prov) == 96


def test_a_blank_rvu_cell_beside_na_points_at_the_na_it_follows_from():
    """Regression: the 2024 guide prints "NA" with its RVU cell blank; that null's provenance quoted the
    blank cell, whose empty raw_text a CSV reader takes for a null in a required column."""
    from pipeline.run.build import parse_source
    from tools.testkit.paths import FIXTURES

    path = FIXTURES / "reportlab-borderless-reworded-headers-2024.pdf"
    provenance = parse_source(path, path.parent).tables["provenance"]
    assert not (provenance["raw_text"].str.strip() == "").any()
    rows = provenance[(provenance["field"] == "rvus") & provenance["key"].str.endswith("physician_non_facility")]
    assert sorted(zip(rows["key"], rows["raw_text"])) == [
        ("0600T|physician_non_facility", "No national set payment"),
        ("0601T|physician_non_facility", "No national set payment"),
        ("32998|physician_non_facility", "125.44"),
        ("47382|physician_non_facility", "NA"),
        ("50593|physician_non_facility", "NA"),
    ]
