"""Dependencies point one way: handovers and reminders → keypoints → customers → accounts (STYLE.md)."""

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "customers", "keypoints", "handovers", "reminders", "dashboard", "audit", "archive", "imports"]
# What each app may import of the apps above it.
ALLOWED_UPWARD = {
    "accounts": set(),
    "customers": {"keypoints.stages"},
    "keypoints": set(),
    "handovers": set(),
    "reminders": set(),
    "dashboard": set(),
    "audit": set(),
    "archive": set(),
    "imports": set(),
}
# Apps that sit on top are imported by nothing but the URL configuration (settings name them as strings).
TOP_APPS = {
    "handovers": {"salesrecord/urls.py"},
    # make bench times the reminder scans: the benchmark sits above every app, as the tests do.
    "reminders": {"salesrecord/urls.py", "bench/run.py"},
    "dashboard": {"salesrecord/urls.py"},
    "audit": {"salesrecord/urls.py"},
    "archive": {"salesrecord/urls.py"},
    # make bench-import times the import: the benchmark sits above every app.
    "imports": {"salesrecord/urls.py", "bench/import_keypoints.py"},
}


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def app_sources(app):
    return [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]


@pytest.mark.parametrize("app", APPS)
def test_apps_import_only_what_sits_below_them(app):
    above = APPS[APPS.index(app) + 1 :]
    wrong = []
    for path in app_sources(app):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in above and module not in ALLOWED_UPWARD[app]:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_no_app_imports_inside_functions():
    """A local import that dodges a cycle means something sits in the wrong app."""
    local = []
    for app in APPS:
        for path in app_sources(app):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(func):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        names = (
                            [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                        )
                        if any(name.split(".")[0] in APPS for name in names) or getattr(node, "level", 0):
                            local.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert local == []


def test_salesrecord_sits_under_every_app():
    """Only the URL configuration reaches up into the apps; settings name them as strings."""
    wrong = []
    for path in (ROOT / "salesrecord").rglob("*.py"):
        if path.name == "urls.py":
            continue
        for module in imported_modules(path):
            if module.split(".")[0] in APPS:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_no_model_or_service_imports_a_template_tag():
    wrong = []
    for app in APPS:
        for path in app_sources(app):
            if "templatetags" in path.parts:
                continue
            wrong += [f"{path.relative_to(ROOT)} imports {m}" for m in imported_modules(path) if "templatetags" in m]
    assert wrong == []


# Folders that hold no source of ours: the virtualenv and other hidden ones, and what tools write.
NOT_SOURCE = {"tests", "mutants", "staticfiles", "var", "static", "templates", "locale", "node_modules"}


@functools.cache
def top_level_imports():
    """{source file: the top-level packages it imports}, for every Python file of ours outside tests."""
    tops = [
        path
        for path in ROOT.iterdir()
        if path.is_dir() and not path.is_symlink() and not path.name.startswith(".") and path.name not in NOT_SOURCE
    ]
    found = {}
    for path in [ROOT / "manage.py", *(path for top in tops for path in top.rglob("*.py"))]:
        found[path.relative_to(ROOT).as_posix()] = {module.split(".")[0] for module in imported_modules(path)}
    return found


@pytest.mark.parametrize("app", sorted(TOP_APPS))
def test_a_top_app_is_imported_only_by_the_url_configuration(app):
    importers = {
        path for path, packages in top_level_imports().items() if app in packages and not path.startswith(f"{app}/")
    }
    assert importers <= TOP_APPS[app]
