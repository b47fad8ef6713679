"""The import rules of docs/architecture.md, checked on the code as it is.

Each module of `pipeline/` belongs to one layer; a layer may import only the
layers it lists in `MAY_IMPORT`. Imports inside functions count too (the build
imports its stages lazily, and a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"

#: Shared definitions every stage may use; they import no stage.
FOUNDATION = {"pipeline.errors", "pipeline.fields", "pipeline.model", "pipeline.digest", "pipeline.text",
              "pipeline.vocab", "pipeline.schemas", "pipeline.contract", "pipeline.sql", "pipeline.paths", "pipeline.filetype",
              "pipeline.shape"}

#: Layer -> the layers its modules may import (a layer may always import itself).
MAY_IMPORT = {
    "foundation": {"foundation"},
    "extract": {"foundation"},
    "normalize": {"foundation"},
    "validate": {"foundation"},
    "publish": {"foundation"},
    "readers": {"foundation", "extract", "validate", "publish", "run"},
    "run": {"foundation", "extract", "normalize", "validate", "publish"},
    "cli": {"foundation", "extract", "normalize", "validate", "publish", "readers", "run"},
}


def layer_of(module: str) -> str:
    if module in FOUNDATION:
        return "foundation"
    if module in ("pipeline.cli", "pipeline.cli_docs", "pipeline.__main__"):
        return "cli"
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in MAY_IMPORT:
        return parts[1]
    raise AssertionError(f"{module} belongs to no layer of docs/architecture.md: give it one")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    """Every `pipeline` module the file imports, at any depth of the file."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "pipeline":
                out.update(f"pipeline.{a.name}" for a in node.names if a.name != "__version__")
            elif node.module.startswith("pipeline."):
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("pipeline."))
    return out


def modules() -> list[Path]:
    """Every module of the package but its root (which holds only the version)."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts and p != PACKAGE / "__init__.py")


def test_every_module_belongs_to_a_layer():
    assert {module_name(p) for p in modules()}  # the package is there
    for path in modules():
        layer_of(module_name(path))


def test_each_layer_imports_only_what_architecture_md_allows():
    broken = []
    for path in modules():
        name = module_name(path)
        mine = layer_of(name)
        for dep in sorted(imported(path)):
            theirs = layer_of(dep)
            if theirs != mine and theirs not in MAY_IMPORT[mine]:
                broken.append(f"{name} ({mine}) imports {dep} ({theirs})")
    assert broken == []


def test_the_rules_are_the_ones_the_document_states():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer, allowed in MAY_IMPORT.items():
        others = ", ".join(sorted(allowed - {layer})) or "nothing else"
        assert f"| {layer} | {others} |" in text, f"docs/architecture.md does not state the rule for {layer}"


def test_the_rule_checker_sees_a_forbidden_import(tmp_path):
    fake = tmp_path / "pipeline" / "normalize" / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from pipeline.extract import extract\n", encoding="utf-8")
    assert imported(fake) == {"pipeline.extract"}
    assert layer_of("pipeline.extract") not in MAY_IMPORT["normalize"]
