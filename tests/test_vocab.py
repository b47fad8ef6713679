"""The vocabulary is a checked registry: a bad entry names its file and line, and stops the build first."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from tools.testkit.paths import SOURCE_2022
from pipeline import vocab
from pipeline.cli import main
from pipeline.normalize.columns import SETTING_OF
from pipeline.vocab import VocabularyError


@pytest.fixture
def words(tmp_path):
    copy = tmp_path / "vocab"
    shutil.copytree(vocab.VOCAB_DIR, copy)
    return copy


def _append(path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def test_the_committed_vocabulary_passes_every_check():
    vocab.check()
    assert set(vocab.REGISTRY) == {p.name for p in vocab.VOCAB_DIR.glob("*.csv")}


def test_every_concept_normalize_places_a_column_by_is_listed_and_used():
    listed = {r["concept"] for r in vocab.rows("concepts.csv") if r["kind"] == "payment"}
    used = {r["concept"] for r in vocab.rows("payment_headers.csv")}
    assert {"code", "descriptor", "rvus", "apc", *SETTING_OF} <= listed
    assert used == listed
    assert {r["concept"] for r in vocab.rows("concepts.csv") if r["kind"] == "terminology"} == {"term", "description"}


@pytest.mark.parametrize("name, line, message", [
    ("payment_headers.csv", "physican,Physician Payment",
     "line 43: concept 'physican' is not a payment concept of concepts.csv (title, service, code, descriptor, "
     "physician, non_facility, facility, opps, asc, apc, payment, rvus, status_indicator, payment_indicator)"),
    ("payment_headers.csv", "asc,", "line 43: wording is empty"),
    ("sentinels.csv", "Bundled,bundled",
     "line 11: payment_status 'bundled' is not one of contractor_priced, not_applicable, not_covered, packaged"),
    ("marks.csv", "a,LATIN SMALL LETTER A",
     "line 7: mark 'a' is not one symbol (a letter, a digit, a space or '$.,()-/%:' may be part of a value)"),
    ("marks.csv", "),RIGHT PARENTHESIS",
     "line 7: mark ')' is not one symbol (a letter, a digit, a space or '$.,()-/%:' may be part of a value)"),
    ("document_facts.csv", "guide_year,Medicare (?P<year>\\d{4} National",
     "line 6: pattern 'Medicare (?P<year>\\\\d{4} National' is not a regular expression "
     "(missing ), unterminated subpattern at position 9)"),
    ("characters.csv", "FB0G,letters,ff,NOT A CODE POINT", "line 31: code_point 'FB0G' is not a hexadecimal code point"),
    ("running_text.csv", "Continued,extra", "line 17: 1 values expected (wording)"),
    ("diff_checks.csv", "payments,changed,payment_usd,a lot",
     "line 14: beyond_pct 'a lot' is not a percentage (or blank, for any change)"),
    ("diff_checks.csv", "payments,moved,payment_usd,",
     "line 14: change 'moved' is not one of added, removed, changed, vanished"),
])
def test_a_bad_entry_names_the_file_the_line_and_what_is_wrong(words, name, line, message):
    _append(words / name, line)
    with vocab.use(words), pytest.raises(VocabularyError) as exc:
        vocab.check()
    assert str(exc.value) == f"{words / name}: {message}"


def test_wrong_columns_are_named(words):
    path = words / "sentinels.csv"
    path.write_text("wording,status\nNA,not_applicable\n", encoding="utf-8")
    with vocab.use(words), pytest.raises(VocabularyError) as exc:
        vocab.check()
    assert str(exc.value) == f"{path}: line 1: the columns are wording, status; they should be wording, payment_status"


def test_a_bad_entry_stops_the_build_before_any_guide_and_publishes_nothing(words, tmp_path):
    _append(words / "payment_headers.csv", "physican,Physician Payment")
    sources = tmp_path / "sources" / "2022"
    sources.mkdir(parents=True)
    shutil.copy(SOURCE_2022, sources)
    with vocab.use(words):
        result = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "sources"),
                                           "--outputs", str(tmp_path / "outputs"), "--quiet"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {words / 'payment_headers.csv'}: line 43: concept 'physican' is not a payment concept of "
        "concepts.csv (title, service, code, descriptor, physician, non_facility, facility, opps, asc, apc, payment, "
        "rvus, status_indicator, payment_indicator)"]
    assert not (tmp_path / "outputs" / "2022").exists()


def test_the_reference_lists_every_file_and_concept():
    text = vocab.markdown()
    for name in vocab.REGISTRY:
        assert f"`pipeline/vocab/{name}`" in text
    for row in vocab.rows("concepts.csv"):
        assert f"| {row['kind']} | `{row['concept']}` | {row['meaning']} |" in text
