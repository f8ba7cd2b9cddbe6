"""Which way the imports point (docs/ARCHITECTURE.md): between the apps
(bots -> chat -> messenger, presence -> messenger), between messenger's
sub-packages (web, realtime -> operations -> accounts -> platform, all of
them -> the root's errors, hooks and models), and only messenger.realtime
touches the ASGI server's libraries."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("messenger", "chat", "presence", "bots")
SERVER_LIBRARIES = {"daphne", "twisted", "autobahn"}

# May import the apps: the files that wire messenger to them.
MESSENGER_WIRING = {"asgi.py", "urls.py"}
# What each app may import of the others.
APP_MAY_IMPORT = {
    "messenger": set(),
    "chat": {"messenger"},
    "presence": {"messenger"},
    "bots": {"chat", "messenger"},
}
# messenger's layers: a sub-package imports only those of a lower rank and the root's modules.
LAYER_RANK = {"platform": 0, "accounts": 1, "operations": 2, "realtime": 3, "web": 3}
ROOT_MODULES = {"errors", "hooks", "models"}


def python_files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("app", APPS)
def test_apps_import_only_downwards(app):
    offenders = {}
    for path in python_files(app):
        if app == "messenger" and path.parent.name == "messenger" and path.name in MESSENGER_WIRING:
            continue
        others = {name.split(".")[0] for name in imported_modules(path)} & set(APPS) - {app}
        if others - APP_MAY_IMPORT[app]:
            offenders[str(path.relative_to(ROOT))] = sorted(others - APP_MAY_IMPORT[app])
    assert offenders == {}


def layer_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT / "messenger").parts
    return parts[0] if len(parts) > 1 and parts[0] in LAYER_RANK else None


def test_messenger_sub_packages_import_only_lower_layers():
    offenders = {}
    for path in python_files("messenger"):
        layer = layer_of(path)
        if layer is None:
            continue
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[0] != "messenger" or len(parts) < 2:
                continue
            target = parts[1]
            if target in ROOT_MODULES or target == layer:
                continue
            if target not in LAYER_RANK or LAYER_RANK[target] >= LAYER_RANK[layer]:
                offenders.setdefault(str(path.relative_to(ROOT)), set()).add(name)
    assert offenders == {}


def test_root_modules_import_no_sub_package():
    offenders = {}
    for name in ROOT_MODULES:
        for module in imported_modules(ROOT / "messenger" / f"{name}.py"):
            parts = module.split(".")
            if parts[0] == "messenger" and len(parts) > 1 and parts[1] not in ROOT_MODULES:
                offenders.setdefault(name, set()).add(module)
    assert offenders == {}


def test_only_realtime_touches_the_server_libraries():
    offenders = []
    for app in APPS:
        for path in python_files(app):
            if app == "messenger" and "realtime" in path.relative_to(ROOT / "messenger").parts[:1]:
                continue
            text = path.read_text().lower()
            if any(library in text for library in SERVER_LIBRARIES):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
