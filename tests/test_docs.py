"""The documentation tells the truth: every command documented, every link and path real, the README short.

As sqlite-utils' `test_docs.py` does, the command reference is checked against
the click commands themselves: a new command or option that is not in
docs/commands.md fails here, and so does a stale docs/commands.md.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tools.testkit.paths import ROOT
from pipeline import cli_docs, contract
from pipeline.cli import main
from tests.test_install import DOCS as GENERATED_FOR_READERS
from tests.test_yearly import BAD_DOWNLOAD, GUIDE_2023_PATH

DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
#: The Makefile's own plumbing, not commands for users.
NOT_USER_TARGETS = {"help"}


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_command_reference_is_current():
    assert not cli_docs.stale(), "docs/commands.md is stale: run `make docs` and commit it"
    result = CliRunner().invoke(main, ["docs", "--check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_and_option_is_documented(name):
    reference = text(cli_docs.COMMANDS_MD)
    command = main.commands[name]
    section = reference.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
    assert f"{cli_docs.PROGRAM} {name} " in section
    for param in command.params:
        if isinstance(param, click.Argument):
            assert f"| `{param.human_readable_name}` | argument" in section
        else:
            for opt in (*param.opts, *param.secondary_opts):
                assert f"`{opt}`" in section, f"{name} {opt} is not in docs/commands.md"
            if param.help:
                assert " ".join(param.help.split()) in section


def test_a_new_option_makes_the_reference_stale(tmp_path):
    group = click.Group("main", commands={"build": click.Command("build", params=[click.Option(["--fast"])])})
    assert "`--fast`" in cli_docs.render_commands(group)
    assert cli_docs.render_commands(group) != cli_docs.render_commands()
    copy = tmp_path / "commands.md"
    copy.write_text(cli_docs.render_commands(), encoding="utf-8")
    assert not cli_docs.stale(copy)
    copy.write_text(text(copy).replace("--fail-fast", "--fail-slow"), encoding="utf-8")
    assert cli_docs.stale(copy)
    assert cli_docs.write_commands(copy) and not cli_docs.stale(copy)


def test_docs_writes_into_the_current_folder_and_leaves_the_package_alone(tmp_path, monkeypatch):
    """Outside the checkout's root, `docs` writes the readers' files there; the contract and the DDL the
    package ships are the checkout's own, written only by `make docs` at its root."""
    package_files = [contract.DESCRIPTOR, *sorted(p for p in contract.PACKAGED.rglob("*") if p.is_file())]
    before = {p: p.stat().st_mtime_ns for p in package_files}
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["docs"])
    assert (result.exit_code, result.stderr) == (0, "")
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == GENERATED_FOR_READERS
    for name in written:
        assert (tmp_path / name).read_bytes() == (ROOT / name).read_bytes(), name
    assert {p: p.stat().st_mtime_ns for p in package_files} == before
    result = CliRunner().invoke(main, ["docs"])
    assert (result.exit_code, result.stdout) == (0, "schemas/ and docs/ in . are up to date\n")


def test_the_readme_is_a_front_door():
    readme = text(ROOT / "README.md")
    words = len(re.findall(r"\S+", readme))
    assert words < 1500, f"README.md has {words} words"
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## Set up", "## Each year"]
    assert "tests/test_yearly.py" in readme.split("## Each year")[0]  # the quick start names the loop's test
    assert "python -m pipeline" not in readme  # needs the venv; commands are written as the venv runs them


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_leads_somewhere(page):
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text(page)):
        if target.startswith(("http://", "https://")):
            continue
        path = (page.parent / target).resolve()
        assert path.exists(), f"{page.name} links to {target}, which does not exist"


#: Files the docs show a user adding; tests/test_yearly.py makes each of them and runs the loop on it.
ADDED_BY_THE_USER = {GUIDE_2023_PATH, BAD_DOWNLOAD}
#: Repository paths as the docs write them in backticks.
_PATH = re.compile(r"`((?:pipeline|tests|tools|schemas|sources|docs|\.ci)/[^`\s]*)`")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_path_named_exists(page):
    for name in _PATH.findall(text(page)):
        if any(ch in name for ch in "<>*{}") or name in ADDED_BY_THE_USER:  # a pattern, or the user's own file
            continue
        assert (ROOT / name).exists(), f"{page.name} names {name}, which does not exist"


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", text(ROOT / "Makefile"), re.M))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_make_target_and_command_named_exists(page):
    body = text(page)
    for target in re.findall(r"`make ([a-z][a-z-]*)", body):
        assert target in _make_targets(), f"{page.name} names make {target}, which the Makefile lacks"
    for command in re.findall(r"nanoknife-pipeline ([a-z][a-z-]*)", body):
        assert command in main.commands, f"{page.name} names the command {command}, which does not exist"


def test_every_user_target_is_in_the_readme_and_has_its_comment():
    readme = text(ROOT / "README.md")
    makefile = text(ROOT / "Makefile").splitlines()
    for target in sorted(_make_targets() - NOT_USER_TARGETS):
        assert f"| `make {target}` |" in readme, f"make {target} is not in the README's table"
        line = next(i for i, row in enumerate(makefile) if row.startswith(f"{target}:"))
        comments = [row for row in makefile[max(0, line - 4):line] if row.startswith("# ")]
        assert comments, f"make {target} has no comment saying what it does"


def _first_sentences(makefile: str) -> dict[str, str]:
    """Each target's comment, up to the end of its first sentence (a full stop then a space or the line's end)."""
    out, comment = {}, []
    for row in makefile.splitlines():
        if row.startswith("# "):
            comment.append(row[2:])
            continue
        target = re.match(r"^([a-z][a-z-]*):", row)
        if target and comment:
            joined = " ".join(comment)
            end = re.search(r"[.]( |$)", joined)
            out[target.group(1)] = joined[:end.start() + 1] if end else joined
        comment = []
    return out


def test_make_help_lists_the_targets():
    done = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    listed = {line.split()[1] for line in done.stdout.splitlines()}
    assert listed >= _make_targets() - NOT_USER_TARGETS
    # each with the whole first sentence of its comment, never cut at the end of a comment line
    assert done.stdout.splitlines() == [f"  make {target:<10} {sentence}"
                                        for target, sentence in _first_sentences(text(ROOT / "Makefile")).items()]
    assert "  make build      Build outputs/<year>/ from every new or changed PDF under sources/, then refresh the " \
           "warehouse and the reports." in done.stdout.splitlines()


def test_make_help_joins_a_first_sentence_that_runs_over_lines(tmp_path):
    extra = tmp_path / "extra.mk"
    extra.write_text("# Do one thing across\n# two lines of comment. And then more\n# that is not shown.\nextra:\n"
                     "\t@true\n", encoding="utf-8")
    done = subprocess.run(["make", "--no-print-directory", "-f", "Makefile", "-f", str(extra), "help"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "  make extra      Do one thing across two lines of comment."
