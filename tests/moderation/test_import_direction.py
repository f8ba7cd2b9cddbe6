"""STYLE.md, "Which way the imports point": messenger never imports the apps,
except its wiring files (asgi.py, urls.py)."""

import ast
from pathlib import Path

MESSENGER = Path(__file__).resolve().parents[2] / "messenger"
WIRING = {"asgi.py", "urls.py"}
APPS = {"chat", "presence", "bots"}


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & APPS


def test_messenger_does_not_import_the_apps():
    offenders = {
        str(path.relative_to(MESSENGER)): sorted(imported_apps(path))
        for path in MESSENGER.rglob("*.py")
        if path.name not in WIRING and "migrations" not in path.parts and imported_apps(path)
    }
    assert offenders == {}
