"""The test kit is a package the tests and the tools import by name; nothing edits the import path.

`tests/` and `tools/` are packages, the shared kit is `tools.testkit`: pytest's default (prepend)
import mode puts the repository root on the path because `tests/` has an `__init__.py`, and the
tools run from the root as modules (`python -m tools.make_fixtures`). The pipeline never imports
the kit, and an installed pipeline does not carry it.
"""

from __future__ import annotations

import ast
import importlib
import re
import tomllib

import pytest

from tools.testkit.paths import ROOT

#: A change to the import path written in a string: a snippet a test or a tool runs with `python -c`.
PATH_EDIT = re.compile(r"\bsys\s*\.\s*path\s*(?:\.\s*(?:insert|append|extend|remove|pop|clear)\b|\[|\+=|=[^=])")
KIT_AND_SUITE = sorted(p for folder in ("tests", "tools") for p in (ROOT / folder).rglob("*.py")
                       if "__pycache__" not in p.parts)
PIPELINE = sorted(p for p in (ROOT / "pipeline").rglob("*.py") if "__pycache__" not in p.parts)
#: What the pipeline must not import: the two packages and every loose module name they hold.
NOT_FOR_THE_PIPELINE = {"tools", "tests", "testkit"} | {p.stem for p in KIT_AND_SUITE if p.stem != "__init__"}


def path_edits(source: str) -> list[str]:
    """Every place in `source` that reaches `sys.path` (or `from sys import path`), code and strings."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name) \
                and node.value.id == "sys":
            found.append(f"line {node.lineno}")
        elif isinstance(node, ast.ImportFrom) and node.module == "sys" and any(a.name == "path" for a in node.names):
            found.append(f"line {node.lineno}: from sys import path")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and PATH_EDIT.search(node.value):
            found.append(f"line {node.lineno}: in a string")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "addsitedir":
            found.append(f"line {node.lineno}: site.addsitedir")
    return found


def imports(source: str) -> set[str]:
    """The top-level name of every absolute import in `source`, at any depth."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
    return out


def test_no_test_or_tool_touches_the_import_path():
    assert KIT_AND_SUITE  # the files are there
    edits = {p.relative_to(ROOT).as_posix(): found for p in KIT_AND_SUITE
             if (found := path_edits(p.read_text(encoding="utf-8")))}
    assert edits == {}


def test_the_checker_sees_a_path_edit():
    # (each snippet is put together here, so that this file holds none of them whole)
    assert path_edits("import sys\nsys" + ".path.insert(0, 'tools')\n") == ["line 2"]
    assert path_edits("from sys import path\n") == ["line 1: from sys import path"]
    assert path_edits("CODE = 'import sys; sys" + ".path.append(\"x\")'\n") == ["line 1: in a string"]
    assert path_edits('"""Say why sys' + '.path is left alone."""\n') == []
    assert path_edits("import site\nsite.addsitedir('tests')\n") == ["line 2: site.addsitedir"]
    assert path_edits("from tools.testkit.renderer import render\n") == []


def test_neither_pytest_nor_make_sets_the_path():
    pytest_config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    assert "pythonpath" not in pytest_config["ini_options"]
    assert "--import-mode" not in pytest_config["ini_options"].get("addopts", "")
    assert "PYTHONPATH" not in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert (ROOT / "tests" / "__init__.py").is_file() and (ROOT / "tools" / "__init__.py").is_file()


def test_the_pipeline_never_imports_the_kit_or_the_tests():
    assert PIPELINE
    broken = {p.relative_to(ROOT).as_posix(): sorted(found) for p in PIPELINE
              if (found := imports(p.read_text(encoding="utf-8")) & NOT_FOR_THE_PIPELINE)}
    assert broken == {}


def test_the_installed_package_is_the_pipeline_alone():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert setuptools["packages"]["find"]["include"] == ["pipeline*"]


@pytest.mark.parametrize("module", sorted(f"tools.{p.stem}" for p in (ROOT / "tools").glob("*.py")
                                           if p.stem != "__init__"))
def test_every_tool_imports_by_its_name(module):
    """`python -m tools.<name>` from the root finds the kit the same way: by name, no path set up."""
    assert importlib.import_module(module).__file__ == str(ROOT / (module.replace(".", "/") + ".py"))
