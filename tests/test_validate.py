"""Validation: strict and lazy over tables, and `validate` over outputs/ checks everything it can.

The first tests are the rules on frames (`pipeline.validate`). The rest damage
a copy of the published 2022 year (built in a temporary folder) one way each (a flipped byte in every kind of
file, a file missing, added or edited with its hash fixed up) and expect
`python -m pipeline validate` to print exactly one line naming the file, exit 1,
and the warehouse and diff to refuse the year instead of dropping it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import ValidationFailed
from pipeline.publish import read_parquet
from pipeline.publish.manifest import manifest_bytes, sha256
from pipeline.validate import find_failures, validate

SUMMARY = "1 of 1 year(s) failed their checks"
CHANGED = "does not match the sha256 in 2022/manifest.json (changed or damaged after publishing)"
#: 6243.45 as the 5-byte big-endian integer of cents that Parquet stores for a decimal128(12, 2).
AMOUNT = (624345).to_bytes(5, "big")


def broken_copy(guide):
    tables = {k: v.copy() for k, v in guide.tables.items()}
    pay = tables["payments"]
    # a contractor-priced row that carries an amount, and a code in bad form
    i = pay.index[(pay["cpt_code"] == "0600T") & (pay["setting"] == "physician_facility")][0]
    pay.loc[i, "payment_usd"] = Decimal("1.00")
    codes = tables["codes"]
    codes.loc[0, "code_category"] = "II"
    return tables


def test_valid_guide_passes(guide_2022):
    assert len(find_failures(guide_2022.tables, 2022)) == 0


def test_a_repeated_key_is_found_in_order_or_not(guide_2022):
    """That no primary key repeats is shown by the rows' order where it can be (`schemas.keys_ascend`, each
    key greater than the one before, a few bits a row), and checked by pandera otherwise: a repeat, next
    to its twin or far from it, is found and named as pandera names it."""
    from pipeline import fields as F
    from pipeline.schemas import keys_ascend

    for name, frame in guide_2022.tables.items():
        assert keys_ascend(frame, F.TABLES[name].primary_key), name
    prov = guide_2022.tables["provenance"]
    key = F.TABLES["provenance"].primary_key
    assert not keys_ascend(prov.iloc[::-1], key)  # out of order: left to pandera
    assert not keys_ascend(prov.drop(columns="field"), key)
    assert not keys_ascend(prov.astype({"key": object}), key)  # a column not held by Arrow: left to pandera
    nulls = prov.copy()
    nulls.loc[3, "key"] = None
    assert not keys_ascend(nulls, key)
    assert keys_ascend(prov.head(1), key) and keys_ascend(prov.head(0), key)
    twice = pd.concat([prov.head(3), prov.iloc[[2]], prov.iloc[3:]], ignore_index=True)  # next to its twin
    assert not keys_ascend(twice, key)
    apart = pd.concat([prov, prov.iloc[[0]]], ignore_index=True)  # far from it
    for repeated in (twice, apart):
        tables = {**guide_2022.tables, "provenance": repeated}
        failures = find_failures(tables, 2022)
        assert set(failures["check"]) == {"multiple_fields_uniqueness"}
        assert len(failures) == 2 * len(key)  # the key's columns, in both rows
    assert find_failures(guide_2022.tables, 2022).empty


def test_the_checks_share_one_map_of_the_boxes_read_while_it_is_open_and_none_after(guide_2022):
    """`boxes_read` makes the map of the boxes a guide read from once for its checks and counts, and lets it
    go on exit (a thousand-page guide's is some fifteen megabytes; it was held to the end of the build)."""
    from pipeline import validate as V

    with V.boxes_read(guide_2022):
        inside = V._used(guide_2022)
        assert V._used(guide_2022) is inside
        assert all(inside.get(V._key(u.page, *u.box)) == u for u in guide_2022.used)
    assert V._OPEN == []
    assert V._used(guide_2022) is not inside and V._used(guide_2022) is not V._used(guide_2022)


def test_all_failures_reported_at_once(guide_2022):
    with pytest.raises(ValidationFailed) as exc:
        validate(broken_copy(guide_2022), 2022)
    failures = exc.value.failures
    assert [(r["table"], r["column"], r["row"], r["value"]) for r in failures.to_dict("records")] == [
        ("codes", "code_category", "0", "II"),
    ]
    # schema failures stop before cross-table rules; fix that one and the next shows
    tables = broken_copy(guide_2022)
    tables["codes"].loc[0, "code_category"] = "III"
    failures = find_failures(tables, 2022)
    assert [(r["table"], r["column"], r["value"], r["check"]) for r in failures.to_dict("records")] == [
        ("payments", "payment_usd", "1.00", "payment_usd present iff payment_status is national_rate"),
    ]


def test_missing_setting_and_unknown_code_and_float_money(guide_2022):
    tables = {k: v.copy() for k, v in guide_2022.tables.items()}
    pay = tables["payments"]
    tables["payments"] = pay[~((pay["cpt_code"] == "0601T") & (pay["setting"] == "physician_facility"))] \
        .reset_index(drop=True)
    exc = tables["exclusions"]
    exc.loc[0, "cpt_code"] = "0602T"
    failures = find_failures(tables, 2022)
    got = {(r["table"], r["column"], r["row"], r["value"]) for r in failures.to_dict("records")}
    assert ("payments", "setting", "0601T", "physician_facility") in got
    assert ("exclusions", "cpt_code", "0", "0602T") in got

    floats = {k: v.copy() for k, v in guide_2022.tables.items()}
    floats["payments"]["payment_usd"] = floats["payments"]["payment_usd"].astype("float64")
    failures = find_failures(floats, 2022)
    assert ("payments", "payment_usd") in set(zip(failures["table"], failures["column"]))


# ---------------------------------------------------------------- validate over outputs/

@pytest.fixture
def outputs(tmp_path, published_copy) -> Path:
    """A copy of the published 2022 year and its dataset partitions."""
    return published_copy(tmp_path / "outputs")


def run_validate(outputs: Path):
    return CliRunner().invoke(main, ["validate", "--outputs", str(outputs)])


def flip(path: Path, at: int, mask: int = 0x01) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= mask
    path.write_bytes(bytes(data))


def rehash(outputs: Path, name: str) -> None:
    """Record `name`'s current sha256 in the manifest, as a careless hand edit would (self_sha256 redone too)."""
    path = outputs / "2022" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    key = "dataset" if name.startswith("dataset/") else "outputs"
    manifest[key][name.removeprefix("2022/")] = sha256((outputs / name).read_bytes())
    path.write_bytes(manifest_bytes(manifest))


def assert_reported(outputs: Path, *lines: str, summary: str = SUMMARY) -> None:
    result = run_validate(outputs)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [*lines, summary]
    assert "Traceback" not in result.output


def test_the_committed_outputs_are_valid(outputs):
    result = run_validate(outputs)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "2022: valid\n", "")


def test_a_flipped_byte_in_an_amount_reads_as_another_amount_unless_pages_are_verified(outputs):
    path = outputs / "2022" / "payments.parquet"
    flip(path, path.read_bytes().index(AMOUNT))
    assert pq.read_table(path).column("payment_usd")[0].as_py() == Decimal("42955916.41")  # not 6243.45
    with pytest.raises(OSError, match="CRC checksum verification failed for page_ordinal 0"):
        read_parquet(path)
    assert_reported(outputs, f"{path}: {CHANGED}")
    rehash(outputs, "2022/payments.parquet")  # the hash fixed up by hand: the page checksum still tells
    assert_reported(outputs, f"{path}: cannot be read as Parquet (could not verify page integrity, "
                             "CRC checksum verification failed for page_ordinal 0)")


@pytest.mark.parametrize("name", ["2022/codes.csv", "2022/terminology.parquet",
                                  "dataset/payments/guide_year=2022/part-0.parquet"])
def test_a_flipped_byte_in_each_kind_of_file_is_named(outputs, name):
    path = outputs / name
    flip(path, len(path.read_bytes()) // 2)
    assert_reported(outputs, f"{path}: {CHANGED}")


def test_a_flipped_byte_in_the_manifest_is_named(outputs):
    path = outputs / "2022" / "manifest.json"
    data = path.read_bytes()
    flip(path, data.index(b"NanoKnife CPT") + len("NanoKnif"), 0x02)  # "NanoKnife" -> "NanoKnifg"
    assert b"NanoKnifg" in path.read_bytes()
    assert_reported(outputs, f"{path}: its self_sha256 does not match its content (edited or damaged after "
                             "publishing)")
    path.write_bytes(data)
    flip(path, 0, 0x10)  # "{" -> "k"
    assert_reported(outputs, f"{path}: not valid JSON (Expecting value, line 1 column 1)")


def test_a_csv_edited_with_its_hash_fixed_up_differs_from_its_parquet(outputs):
    path = outputs / "2022" / "payments.csv"
    path.write_bytes(path.read_bytes().replace(b"6243.45", b"6243.46"))
    rehash(outputs, "2022/payments.csv")
    assert_reported(outputs, f"{path}: does not hold the same rows as payments.parquet")


def test_a_partition_rewritten_with_its_hash_fixed_up_differs_from_the_year(outputs):
    path = outputs / "dataset" / "codes" / "guide_year=2022" / "part-0.parquet"
    table = pq.read_table(path)
    pq.write_table(table.slice(0, 1), path)
    rehash(outputs, "dataset/codes/guide_year=2022/part-0.parquet")
    assert_reported(outputs, f"{path}: does not hold the same rows as 2022/codes.parquet")


def test_missing_unlisted_and_stray_files_are_named(outputs):
    (outputs / "2022" / "exclusions.csv").unlink()
    (outputs / "2022" / "notes.txt").write_text("mine\n", encoding="utf-8")
    (outputs / "dataset" / "payments" / "guide_year=2022" / "part-1.parquet").write_bytes(b"PAR1")
    (outputs / "dataset" / "payments" / "guide_year=2031").mkdir()
    assert_reported(
        outputs,
        f"{outputs / '2022' / 'exclusions.csv'}: missing: listed in 2022/manifest.json",
        f"{outputs / '2022' / 'notes.txt'}: not listed in 2022/manifest.json",
        f"{outputs / 'dataset/payments/guide_year=2022/part-1.parquet'}: not listed in 2022/manifest.json",
        f"{outputs / 'dataset/payments/guide_year=2031'}: a partition of no year folder",
        summary=f"{SUMMARY}, and 1 other problem(s)")


def test_a_year_without_its_manifest_is_reported_and_refused_by_every_reader(outputs, tmp_path):
    (outputs / "2023").mkdir()  # an empty year folder, as a torn copy leaves it
    (outputs / "2022" / "manifest.json").unlink()
    result = run_validate(outputs)
    missing = "missing: every year folder holds one (an interrupted or failed copy? run build to publish the " \
              "year again)"
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{outputs / '2022' / 'manifest.json'}: {missing}",
                                          f"{outputs / '2023' / 'manifest.json'}: {missing}",
                                          "2 of 2 year(s) failed their checks"]
    refused = (f"Error: {outputs / '2022' / 'manifest.json'}: {missing}; `python -m pipeline validate "
               f"--outputs {outputs}` lists every problem")
    warehouse = CliRunner().invoke(main, ["warehouse", "--outputs", str(outputs)])
    assert warehouse.exit_code == 1
    assert warehouse.stderr == f"{refused}\n"
    assert not (outputs / "warehouse.duckdb").exists()
    diff = CliRunner().invoke(main, ["diff", "--outputs", str(outputs)])
    assert diff.exit_code == 1
    assert diff.stderr == f"{refused}\n"


def test_a_value_without_its_provenance_row_and_a_row_pointing_nowhere_are_named(guide_2022):
    tables = {k: v.copy() for k, v in guide_2022.tables.items()}
    prov = tables["provenance"]
    gone = (prov["dataset"] == "payments") & (prov["key"] == "0600T|hospital_outpatient") \
        & (prov["field"] == "payment_usd")
    assert gone.sum() == 1
    stray = prov[(prov["dataset"] == "codes") & (prov["field"] == "descriptor")].head(1).copy()
    stray["key"] = pd.Series(["0602T"], dtype=prov["key"].dtype, index=stray.index)
    tables["provenance"] = pd.concat([prov[~gone], stray], ignore_index=True)
    failures = find_failures(tables, 2022)
    assert [(r["table"], r["column"], r["row"], r["value"], r["check"]) for r in failures.to_dict("records")] == [
        ("provenance", "field", "payments|0600T|hospital_outpatient", "payment_usd",
         "every published value has a provenance row"),
        ("provenance", "key", "codes|0602T", "descriptor", "provenance row names a published value"),
    ]
