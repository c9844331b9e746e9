"""The layer's rooms and the one-way flow between them, read from the code's own imports (ast)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "steward"
PACKAGE = LAYER / "steward"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(LAYER).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> Iterator[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import of Steward's, wherever it sits."""
    tree = ast.parse(MODULES[name].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("steward"):
                    yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("steward"):
            names = [alias.name for alias in node.names]
            # `from steward.flows import key_purge` imports a module, not a name.
            submodules = [n for n in names if f"{node.module}.{n}" in MODULES]
            for sub in submodules:
                yield f"{node.module}.{sub}", []
            rest = [n for n in names if n not in submodules]
            if rest:
                yield node.module, rest


def room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def imported_rooms(module: str) -> set[str]:
    return {room(target) for target, _ in imports(module)} - {room(module)}


def in_room(name: str) -> list[str]:
    return [m for m in MODULES if room(m) == name]


def breaking(
    room_name: str, allowed: set[str] | None = None, forbidden: set[str] = frozenset()
) -> dict[str, set[str]]:
    """Modules of `room_name` importing a room outside `allowed`, or one in `forbidden`, with those rooms."""
    found = {}
    for module in in_room(room_name):
        rooms = imported_rooms(module)
        wrong = (rooms - allowed if allowed is not None else set()) | (rooms & forbidden)
        if wrong:
            found[module] = wrong
    return found


def test_the_vocabulary_imports_nothing_else_of_stewards() -> None:
    assert in_room("vocabulary")
    assert breaking("vocabulary", allowed=set()) == {}


def test_policy_imports_only_the_vocabulary() -> None:
    assert in_room("policy")
    assert breaking("policy", allowed={"vocabulary"}) == {}


def test_adapters_never_import_decisions_events_or_flows() -> None:
    assert in_room("services")
    assert breaking("services", forbidden={"policy", "events", "flows"}) == {}


def test_events_import_no_decisions_adapters_or_flows() -> None:
    assert in_room("events")
    assert breaking("events", forbidden={"policy", "services", "flows"}) == {}


def test_no_module_takes_another_modules_private_names() -> None:
    private = {
        (module, target, name)
        for module in MODULES
        for target, names in imports(module)
        for name in names
        if name.startswith("_")
    }
    assert private == set()


def test_there_is_no_import_cycle() -> None:
    graph = {m: {t for t, _ in imports(m) if t in MODULES and t != m} for m in MODULES}
    seen: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        seen[module] = "open"
        for target in graph[module]:
            assert seen.get(target) != "open", " -> ".join([*path, module, target])
            if target not in seen:
                visit(target, [*path, module])
        seen[module] = "done"

    for module in graph:
        if module not in seen:
            visit(module, [])


def test_no_module_is_over_400_lines() -> None:
    sizes = {module: len(path.read_text().splitlines()) for module, path in MODULES.items()}
    assert {module: size for module, size in sizes.items() if size > MAX_LINES} == {}
