"""The core knows no app: no module under mcok/ (its migrations aside) imports directions, indicators,
monitoring, roadmaps or reports, at the top of a module or inside a function, nor names one of their
modules to import_module/import_string. The apps register what the core shows of them (the menu, the
audit trail's sources, the demo loaders, the providers) from their AppConfig.ready."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = {"directions", "indicators", "monitoring", "roadmaps", "reports"}
DYNAMIC = {"import_module", "import_string", "__import__"}


def core_modules() -> list[Path]:
    return [path for path in sorted((ROOT / "mcok").rglob("*.py")) if "migrations" not in path.parts]


def upward_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of an app above the core in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in DYNAMIC and node.args and isinstance(node.args[0], ast.Constant):
                names = [str(node.args[0].value)]
        found.extend((node.lineno, name) for name in names if name.split(".")[0] in APPS)
    return found


@pytest.mark.parametrize(
    "source",
    [
        "from reports.models import Report",
        "import monitoring.models",
        "def f():\n    from directions.models import Score\n",
        "import_module('roadmaps.demo')",
        "import_string('indicators.demo.load')",
    ],
)
def test_the_check_finds_an_upward_import(source):
    assert upward_imports(source)


def test_the_check_lets_the_core_import_itself_and_django():
    assert not upward_imports(
        "from mcok import numbers\nimport django\nfrom . import models\nimport reportlab\n"
    )


@pytest.mark.parametrize("path", core_modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_core_module_imports_an_app_above_it(path):
    found = upward_imports(path.read_text(encoding="utf-8"))
    assert not found, "\n".join(f"{path.name}:{line}: {name}" for line, name in found)
