"""The shape of the kit: imports run down the floors, never in a circle; no hand-written module is too long."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "juspay_kit"

# The floors of the house, lowest first. A module may import from its own package or a lower floor only.
FLOORS: list[set[str]] = [
    {"__init__", "errors"},
    {"spec"},
    {"schema"},
    {"api"},
    {"cli", "wire", "redact"},
    {"mock"},
    {"contract"},
    {"proxy"},
    {"refresh", "specdiff", "regenerate", "nightly", "bench"},
    {"traffic"},
    {"pytest_plugin"},
    {"commands"},
]
FLOOR = {name: level for level, names in enumerate(FLOORS) for name in names}
MAX_LINES = 400


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every juspay_kit module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("juspay_kit"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("juspay_kit"):
            found.add(node.module)  # and a submodule imported by name (`from juspay_kit import spec`)
            found.update(name for alias in node.names if _exists(name := f"{node.module}.{alias.name}"))
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split("."))
    return (ROOT / relative).with_suffix(".py").is_file() or (ROOT / relative / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    modules = {_module(path): path for path in KIT.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def arrows_up(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if _top(source) != _top(target) and FLOOR[_top(target)] >= FLOOR[_top(source)]
    )


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle once (Tarjan's strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_package_of_the_kit_has_a_floor() -> None:
    assert {_top(name) for name in _graph()} <= set(FLOOR)


def test_imports_never_run_up_a_floor_nor_in_a_circle() -> None:
    graph = _graph()
    assert arrows_up(graph) == []
    assert circles(graph) == []


def test_the_graph_checks_can_fail() -> None:
    graph = {"juspay_kit.spec": {"juspay_kit.schema"}, "juspay_kit.schema": {"juspay_kit.spec"}}
    assert arrows_up(graph) == ["juspay_kit.spec -> juspay_kit.schema"]
    assert circles(graph) == [["juspay_kit.schema", "juspay_kit.spec"]]


def test_library_code_never_imports_a_command() -> None:
    graph = _graph()
    assert not [s for s, targets in graph.items() if _top(s) != "commands" for t in targets if _top(t) == "commands"]


def test_no_hand_written_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in (KIT, ROOT / "tests")
        for path in folder.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_template_of_the_generator_is_over_400_lines() -> None:
    """The client's templates are hand-written too (generator/package/ and its parts, generator/templates/)."""
    templates = sorted((ROOT / "generator").rglob("*.jinja"))
    long = {
        str(path.relative_to(ROOT)): lines
        for path in templates
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert len(templates) >= 8 and long == {}
