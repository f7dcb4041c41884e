"""The rooms of docs/architecture.md: arrows point down, and no module imports itself back.

Imports are read from the source (module level and inside functions alike, since an import
hidden in a function is still an arrow), so the test needs no Django and no database.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A room may import rooms on lower floors and itself, nothing else (docs/architecture.md).
FLOORS = {
    "accounts": 0,
    "catalog": 1,
    "ingest": 2,
    "library": 2,
    "playlists": 3,
    "recommendations": 4,
    "subsonic": 5,
    "web": 5,
    "demo": 6,
    "spotify": 7,
}
# Rooms apart: the Lambda imports nothing of the project; nothing imports the benchmark.
APART = {"ingest_lambda": set(), "bench": set(FLOORS)}
ROOMS = set(FLOORS) | set(APART)


def _source_files():
    for room in sorted(ROOMS):
        for path in sorted((ROOT / room).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or path.name.startswith("test_") or path.name == "conftest.py":
                continue
            yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    """Return the project modules that the file at path imports (absolute names)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in ROOMS}


def _graph() -> dict[str, set[str]]:
    files = {_module_name(path): path for path in _source_files()}
    graph = {}
    for module, path in files.items():
        # `from catalog import search` names a module; `from catalog.models import Song` a name.
        graph[module] = {name for name in _imports(path, module) if name in files} - {module}
    return graph


def _allowed(source_room: str, target_room: str) -> bool:
    if source_room == target_room:
        return True
    if source_room in APART:
        return target_room in APART[source_room]
    if target_room in APART:
        return False
    return FLOORS[target_room] < FLOORS[source_room]


def test_every_room_of_the_architecture_exists():
    missing = sorted(room for room in ROOMS if not (ROOT / room).is_dir())
    assert not missing, f"rooms named in docs/architecture.md but absent: {missing}"


def test_imports_point_down_the_floors():
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        for target in targets
        if not _allowed(module.split(".")[0], target.split(".")[0])
    )
    assert not upward, "imports against docs/architecture.md's floors:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    graph = _graph()
    # A package's __init__ re-exporting its own modules is not a cycle of responsibilities.
    for module in graph:
        graph[module] = {t for t in graph[module] if not module.startswith(t + ".")}
    assert not _cycles(graph), f"import cycles: {_cycles(graph)}"


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("catalog", "library", False),
        ("web", "catalog", True),
        ("bench", "catalog", True),
        ("catalog", "bench", False),
        ("ingest_lambda", "catalog", False),
        ("library", "ingest", False),
    ],
)
def test_the_rule_itself(source, target, allowed):
    assert _allowed(source, target) is allowed
