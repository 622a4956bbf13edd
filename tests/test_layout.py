"""The package's shape: layers by stage, and no layer imports a higher one."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "qa"

# Lower number = lower layer. A module may import its own layer or lower ones.
LAYERS = {
    "qa.settings": 0,
    "qa.types": 0,
    "qa.text": 0,
    "qa.indexing": 1,
    "qa.answering": 2,
    "qa.evaluation": 3,
    "qa.app": 4,
}
ENTRY_POINTS = {"qa.__main__"}  # `python -m qa` launches the app, by design


def layer_of(module: str) -> int | None:
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, this: str) -> list[str]:
    """Every qa module imported anywhere in the file (function-level imports included)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this package
                base = this.split(".")[: -node.level]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            out.append(mod)
            out += [f"{mod}.{a.name}" for a in node.names]  # `from qa import app`
    return [m for m in out if m == "qa" or m.startswith("qa.")]


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        this = module_name(path)
        if this in ENTRY_POINTS:
            continue
        mine = layer_of(this)
        for target in imported_modules(ast.parse(path.read_text()), this):
            theirs = layer_of(target)
            if mine is None or theirs is None:
                continue
            if theirs > mine:
                found.append(f"{this} imports {target}")
    return found


def test_no_layer_imports_a_higher_one():
    assert violations() == []


def test_the_checker_catches_an_upward_import(tmp_path):
    tree = ast.parse("def f():\n    from qa.app.web import build_ui\n")
    targets = imported_modules(tree, "qa.indexing.sync")
    assert any(layer_of(t) == LAYERS["qa.app"] for t in targets)
    assert layer_of("qa.indexing.sync") < layer_of("qa.app.web")


def test_every_module_belongs_to_a_layer_and_stays_small():
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top <= {"__init__.py", "__main__.py", "settings.py", "types.py"}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        assert name == "qa" or name in ENTRY_POINTS or layer_of(name) is not None, name
        lines = len(path.read_text().splitlines())
        assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines"


def test_each_subpackage_says_what_it_may_import():
    for sub in ("text", "indexing", "answering", "app", "evaluation"):
        doc = ast.get_docstring(ast.parse((PACKAGE / sub / "__init__.py").read_text()))
        assert doc and "import" in doc, sub


@pytest.mark.parametrize("module", ["qa", "qa.settings", "qa.types"])
def test_importing_the_package_loads_nothing_heavy(module):
    code = (
        f"import sys, {module}; "
        "heavy = [m for m in ('torch', 'gradio', 'chromadb', 'sentence_transformers') "
        "if m in sys.modules]; print(heavy); assert not heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
