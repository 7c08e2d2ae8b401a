"""The shape of the code, checked: no import cycles, a pure billing core that never reaches the file
loader or the environment, a small engine that knows no product by name (docs/architecture.md)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

# Under mutation testing the sources are mutmut's rewritten copies: their shape is not ours to check.
pytestmark = pytest.mark.skipif("MUTANT_UNDER_TEST" in os.environ, reason="make mutate rewrites the sources")

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "billingcore"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """Modules `path` imports at run time (imports under `if TYPE_CHECKING:` are for the type checker only)."""
    tree = ast.parse(path.read_text())
    checking = {
        id(node)
        for stmt in ast.walk(tree)
        if isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test)
        for node in ast.walk(stmt)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:  # `from pkg import module` imports the module, `from pkg import name` pkg
                found.add(sub if (sub := f"{node.module}.{alias.name}") in MODULES else node.module)
    return found


GRAPH = {name: {m for m in _imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def _reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_there_are_no_import_cycles() -> None:
    cycles = sorted(name for name in GRAPH if name in _reachable(name) and name != "billingcore")
    assert cycles == []


def test_the_billing_core_never_imports_the_loader_the_cli_or_the_environment() -> None:
    core = {"billingcore.engine", *_reachable("billingcore.engine")} - {"billingcore"}
    edge = {"billingcore.catalog.loader", "billingcore.catalog.yamlsource", "billingcore.cli", "billingcore.scenarios"}
    assert sorted(core & edge) == []
    outside = {m.split(".")[0] for name in core for m in _imports(MODULES[name])}
    assert sorted(outside & {"os", "pathlib", "io", "time", "random", "socket", "subprocess", "yaml"}) == []


def test_the_engine_is_a_small_agenda_loop_that_names_no_product() -> None:
    engine = (PACKAGE / "engine.py").read_text()
    # 300 until a feature's own date joined the agenda (issue 10), 310 until weekly invoices did (issue 15),
    # 315 until discounts were taken off charges as they are made (issue 11), 330 until features issued
    # documents of their own and the result carried the customer's credit accounts (issue 12), 340 until ended
    # contracts were forgotten at the end of their day (issue 13: a state's size independent of its history)
    assert len(engine.splitlines()) < 350
    strings = {n.value for n in ast.walk(ast.parse(engine)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert sorted(strings & {"site", "store", "app", "seat", "plan", "Website"}) == []


def test_no_class_is_longer_than_about_250_lines() -> None:
    long = [
        f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines"  # type: ignore[operator]
        for name, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 250  # type: ignore[operator]
    ]
    assert long == []


def test_every_feature_is_registered_in_the_one_table() -> None:
    from billingcore.features import FEATURES

    modules = {p.stem for p in (PACKAGE / "features").glob("*.py")} - {"__init__", "base", "changes", "item"}
    assert sorted(f.name for f in FEATURES) == sorted(modules)
