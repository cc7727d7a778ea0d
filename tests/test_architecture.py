"""coursekit's modules import one another in one direction, and only the CLI knows click.

The import graph is read from the source with ``ast``, not by importing it. An
import inside a function is an edge like a top-level one: it only delays a cycle
to the moment the function runs, so it is no way out of one. An import under
``if TYPE_CHECKING:`` is not an edge: it never runs, and it lets a module name
the type of what it is handed (the presentation package names the report it
renders) without depending on the module that makes it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "coursekit"


def _modules() -> dict[str, Path]:
    """Dotted module name -> its file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["coursekit", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(name: str, path: Path, tree: ast.Module) -> Iterator[str]:
    """The dotted names that ``tree`` imports, relative imports made absolute."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module
            # `from coursekit.store import sqlite` imports the submodule itself
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _owner(name: str) -> str | None:
    """The coursekit module that an imported dotted name lives in, if any."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets = {_owner(imported) for imported in _imported(name, path, tree)}
        # A submodule always imports its package first; that is not an edge back to it.
        graph[name] = {t for t in targets if t and t != name and not name.startswith(f"{t}.")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it (the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_is_read_from_every_module() -> None:
    graph = import_graph()
    # A few edges that must be seen, top-level and inside functions, or the test is blind.
    assert "coursekit.validate" in graph["coursekit.content"]
    assert "coursekit.answers" in graph["coursekit.store.sql"]
    assert "coursekit.content" in graph["coursekit.cli.validate"]  # inside the command
    assert "coursekit.store" not in graph["coursekit.grading"]  # for type hints only
    assert len(graph) >= 50


def test_find_cycle_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_coursekit_modules() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_only_the_cli_imports_click(name: str) -> None:
    if name == "coursekit.cli" or name.startswith("coursekit.cli."):
        return
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    imported = {n.split(".")[0] for n in _imported(name, MODULES[name], tree)}
    assert "click" not in imported, f"{name} imports click; commands belong in coursekit.cli"


def test_no_stage_imports_the_cli() -> None:
    graph = import_graph()
    below = [
        name
        for name, targets in graph.items()
        if not name.startswith("coursekit.cli")
        and any(t.startswith("coursekit.cli") for t in targets)
    ]
    assert below == [], f"these modules import coursekit.cli from below: {below}"
