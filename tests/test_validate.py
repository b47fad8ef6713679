"""Validation is strict and lazy: every failure, named by table, column, row and value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.errors import ValidationFailed
from pipeline.validate import find_failures, validate


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
