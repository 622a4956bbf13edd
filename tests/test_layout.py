"""The package's shape: layers by stage, rooms by role inside answering/ and app/, and no
layer or room imports a later one."""

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

# Rooms inside a layer, by the stage of a question's flow. A room may import its own room
# or an earlier one; rooms of the same stage never import each other (builders vs llm).
ROOMS = {
    "qa.answering": {
        "question": 0,
        "retrieval": 1,
        "ranking": 2,
        "readers": 3,
        "builders": 4,
        "llm": 4,
    },
    "qa.app": {"records": 0, "access": 0, "articles": 1, "api": 1, "web": 2, "cli": 3},
}
# The modules that sit above the rooms and may know every one of them.
ABOVE_ROOMS = {"qa.answering.chain", "qa.answering.service"}
MAX_MODULES_PER_ROOM = 10


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


def room_of(module: str) -> tuple[str, str] | None:
    """(layer package, room) of a module inside a room, else None."""
    for package in ROOMS:
        if module.startswith(package + "."):
            room = module[len(package) + 1 :].split(".")[0]
            if room in ROOMS[package]:
                return package, room
    return None


def room_violation(this: str, target: str) -> str | None:
    """Why ``this`` may not import ``target`` (None when it may)."""
    mine, theirs = room_of(this), room_of(target)
    if this in ABOVE_ROOMS or mine is None or theirs is None or mine[0] != theirs[0]:
        return None
    if mine == theirs:
        return None
    stages = ROOMS[mine[0]]
    if stages[theirs[1]] >= stages[mine[1]]:
        return f"{this} (room {mine[1]}) imports {target} (room {theirs[1]})"
    return None


def room_violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        this = module_name(path)
        for target in imported_modules(ast.parse(path.read_text()), this):
            why = room_violation(this, target)
            if why:
                found.append(why)
            room = room_of(this)
            if target in ABOVE_ROOMS and room is not None and target.startswith(room[0] + "."):
                found.append(f"{this} imports {target}, which sits above the rooms")
    return found


def test_no_layer_imports_a_higher_one():
    assert violations() == []


def test_no_room_imports_a_later_room_or_its_sibling():
    assert room_violations() == []


@pytest.mark.parametrize(
    ("this", "target"),
    [
        ("qa.answering.question.kinds", "qa.answering.retrieval.hybrid"),  # upward
        ("qa.answering.builders.extractive", "qa.answering.llm.answer"),  # sibling
        ("qa.answering.llm.answer", "qa.answering.builders.extractive"),  # sibling
        ("qa.app.records.feedback", "qa.app.web.page"),  # upward
        ("qa.app.api.openai_api", "qa.app.articles.listing"),  # same stage
    ],
)
def test_the_room_checker_catches_a_forbidden_import(this, target):
    source = f"def f():\n    from {target} import anything\n"
    targets = imported_modules(ast.parse(source), this)
    assert any(room_violation(this, t) for t in targets)


def test_the_room_checker_allows_an_earlier_room():
    assert room_violation("qa.answering.builders.extractive", "qa.answering.ranking.spans") is None
    assert room_violation("qa.app.web.chat_ui", "qa.app.records.conversations") is None


def test_a_planted_upward_import_fails_the_room_check(tmp_path, monkeypatch):
    """Plant an upward import in a copy of the package: the checker names it."""
    import shutil

    copy = tmp_path / "qa"
    shutil.copytree(PACKAGE, copy)
    kinds = copy / "answering" / "question" / "kinds.py"
    kinds.write_text(kinds.read_text() + "\nfrom qa.answering.ranking.features import analyse\n")
    monkeypatch.setitem(globals(), "PACKAGE", copy)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    found = room_violations()
    assert found == [
        "qa.answering.question.kinds (room question) imports "
        "qa.answering.ranking.features (room ranking)",
        "qa.answering.question.kinds (room question) imports "
        "qa.answering.ranking.features.analyse (room ranking)",
    ]


def test_every_module_of_answering_and_app_sits_in_a_room():
    allowed_outside = {"qa.answering", "qa.app", *ABOVE_ROOMS}
    counts: dict[tuple[str, str], int] = {}
    for package in ROOMS:
        folder = PACKAGE / package.split(".")[1]
        for path in sorted(folder.rglob("*.py")):
            name = module_name(path)
            room = room_of(name)
            assert room is not None or name in allowed_outside, f"{name} sits outside a room"
            if room is not None and path.name != "__init__.py":
                counts[room] = counts.get(room, 0) + 1
    assert counts and max(counts.values()) <= MAX_MODULES_PER_ROOM, counts


def test_each_room_says_what_it_holds_and_may_import():
    for package, rooms in ROOMS.items():
        for room in rooms:
            init = PACKAGE / package.split(".")[1] / room / "__init__.py"
            if not init.exists():  # a room may be planned before it is built
                continue
            doc = ast.get_docstring(ast.parse(init.read_text()))
            assert doc and "import" in doc.lower(), f"{package}.{room}"


def test_the_checker_catches_an_upward_import(tmp_path):
    tree = ast.parse("def f():\n    from qa.app.web.blocks import build_ui\n")
    targets = imported_modules(tree, "qa.indexing.sync")
    assert any(layer_of(t) == LAYERS["qa.app"] for t in targets)
    assert layer_of("qa.indexing.sync") < layer_of("qa.app.web.blocks")


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


# ---------------------------------------------------------------- training/ and bench/
SCRIPTS = ("training", "bench")


def script_imports() -> dict[str, set[str]]:
    """For each module of training/ and bench/, the training/bench modules it imports."""
    graph = {}
    for top in SCRIPTS:
        for path in sorted((ROOT / top).rglob("*.py")):
            this = module_name(path)
            found = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                found |= {n for n in names if n.split(".")[0] in SCRIPTS}
            graph[this] = found
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` ([] when there is none)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_training_and_bench_import_each_other_without_path_edits_or_cycles():
    edits = [
        str(p.relative_to(ROOT))
        for top in SCRIPTS
        for p in (ROOT / top).rglob("*.py")
        if "sys.path.insert" in p.read_text() or "sys.path.append" in p.read_text()
    ]
    assert edits == []
    graph = script_imports()
    assert "training.reader" in graph and "training.export" in graph["training.reader"]
    assert cycle(graph) == []
    # bench measures; it may use training's data code, training never imports bench
    assert [
        m
        for m, deps in graph.items()
        if m.startswith("training") and any(d.startswith("bench") for d in deps)
    ] == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


def test_the_product_never_imports_training_or_bench():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in SCRIPTS, path
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] not in SCRIPTS for a in node.names), path


def test_training_and_bench_modules_stay_small():
    for top in SCRIPTS:
        for path in (ROOT / top).rglob("*.py"):
            lines = len(path.read_text().splitlines())
            assert lines <= 450, f"{path.relative_to(ROOT)} has {lines} lines"
