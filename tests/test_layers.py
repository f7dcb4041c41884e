"""Rooms and floors (docs/architecture.md): a room imports only rooms on lower floors.

Every module of a room outside its tests and migrations is read, imports inside functions
included; an import of a room on the same floor or a higher one fails, naming the module.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {
    "catalog": 0,
    "accounts": 0,
    "ingest": 1,
    "library": 1,
    "playlists": 1,
    "recommendations": 2,
    "subsonic": 3,
    "web": 3,
    "demo": 4,
    "spotify": 5,
}
# Arrows that still point sideways, each to be turned by the room that owns it.
KNOWN = {
    ("catalog/consumers.py", "accounts"),  # the websocket's token sign-in
    ("playlists/queries.py", "library"),  # a playlist's songs carry the listener's likes
}


def room_imports(room: str) -> list[tuple[str, str]]:
    """Return (module path, imported room) for every import of another room in a room's code."""
    found = []
    for path in sorted((ROOT / room).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(relative))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                other = module.split(".")[0]
                if other in FLOORS and other != room:
                    found.append((relative.as_posix(), other))
    return found


def test_every_room_imports_only_rooms_on_lower_floors():
    upward = [
        f"{module} imports {other} (floor {FLOORS[other]}, its own is {FLOORS[room]})"
        for room in FLOORS
        for module, other in room_imports(room)
        if FLOORS[other] >= FLOORS[room] and (module, other) not in KNOWN
    ]
    assert upward == []


def test_the_known_sideways_arrows_are_still_there():
    """A sideways arrow turned the right way leaves KNOWN: take it off the list."""
    present = {pair for room in FLOORS for pair in room_imports(room)}
    assert KNOWN - present == set()
