"""Imports between apps go one way and never in a circle; the project package is the ground
floor (STYLE.md, "One path per concern"). Read from the source, every import statement,
including those inside functions, so a late import cannot hide a cycle."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("lifescope", "articles", "comments", "analytics", "editorial", "accounts")
# The project package's modules that wire the apps together: settings name them, the root URL
# conf mounts them. Every other module of lifescope/ is a helper that imports no app.
WIRING = {"lifescope/urls.py", "lifescope/settings.py", "lifescope/settings_test.py"}


def imports_of(path):
    """The top-level packages `path` imports, each with the line that does it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0], node.lineno


def app_imports(wiring=True):
    """{(importing app, imported app): [where, …]} over every module of every app (and of the
    wiring above them, unless `wiring` is off)."""
    edges = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            if not wiring and where in WIRING:
                continue
            for imported, line in imports_of(path):
                if imported in APPS and imported != app:
                    edges.setdefault((app, imported), []).append(f"{where}:{line}")
    return edges


def test_apps_import_each_other_one_way_only():
    edges = app_imports(wiring=False)  # the root URL conf and settings sit above every app
    graph = {app: set() for app in APPS}
    for app, imported in edges:
        graph[app].add(imported)
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        cycle = error.args[1]
        steps = zip(cycle, cycle[1:], strict=False)
        pytest.fail(
            "Apps import each other in a circle: "
            + "; ".join(f"{a} -> {b} at {', '.join(edges[a, b])}" for a, b in steps)
        )
    assert order[0] == "lifescope", order


def test_the_project_package_helpers_import_no_app():
    leaks = [
        f"{where} imports {imported}"
        for (app, imported), places in app_imports().items()
        if app == "lifescope"
        for where in places
        if where.split(":")[0] not in WIRING
    ]
    assert leaks == []


def test_the_walk_sees_late_imports_and_would_catch_a_circle(tmp_path):
    """The test above can fail: a function-level import back into an app is seen."""
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from editorial import admin\n")
    assert ("editorial", 2) in list(imports_of(module))
    graph = {"articles": {"editorial"}, "editorial": {"articles"}}
    with pytest.raises(CycleError):
        list(TopologicalSorter(graph).static_order())
