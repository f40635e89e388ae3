"""Every write goes through a service: the pages, their forms and the API never write to the database
themselves.

The test reads the syntax tree of every `views.py`, `*_views.py`, `forms.py`, `*_forms.py` and
`api*.py` module of the portal's apps and refuses any call of a write method on whatever object:

- `save`, `create`, `delete`, `bulk_create`, `bulk_update`, `get_or_create`, `update_or_create`:
  always. That covers a model (`item.save()`), a manager or a queryset (`Model.objects.create()`,
  `qs.delete()`), a related manager, a ModelForm (`form.save()`, `super().save()` in a form's own
  `save`) and a DRF serializer (`serializer.save()`, which writes through the serializer's
  `create`/`update`): each of these writes outside the services.
- `update`: when it is called with keyword arguments only, the form of `QuerySet.update(field=…)`.
  `dict.update(mapping)` and `set.update(items)` take a positional argument and are not writes; a
  dict is never updated with keywords alone in these modules, so a keywords-only `update` is a
  queryset's.

The one exception: `save(commit=False)` with the literal False, which builds a ModelForm's instance
without writing it; the view hands the unsaved instance to a service, which saves it (and its
many-to-many relations, given explicitly).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("mcok", "directions", "indicators", "monitoring", "roadmaps", "reports")
ALWAYS = {"save", "create", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}


def scanned_modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = path.name
            if (
                name in ("views.py", "forms.py")
                or name.endswith(("_views.py", "_forms.py"))
                or name.startswith("api")
            ):
                found.append(path)
    return found


def _is_commit_false(call: ast.Call) -> bool:
    return any(
        keyword.arg == "commit" and isinstance(keyword.value, ast.Constant) and keyword.value.value is False
        for keyword in call.keywords
    )


def writes_in(source: str) -> list[tuple[int, str]]:
    """(line, call) of every write the rule above refuses in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method == "save" and _is_commit_false(node):
            continue
        keywords_only = not node.args and bool(node.keywords)
        if method in ALWAYS or (method == "update" and keywords_only):
            found.append((node.lineno, ast.unparse(node)[:120]))
    return found


def test_the_scan_reads_the_modules_the_rule_names():
    names = {path.relative_to(ROOT).as_posix() for path in scanned_modules()}
    assert {"reports/report_views.py", "roadmaps/roadmap_forms.py", "monitoring/api.py"} <= names
    assert not any("migrations" in name for name in names)


@pytest.mark.parametrize(
    "source",
    [
        "item.save()",
        "form.save()",
        "form.save(commit=True)",
        "serializer.save(created_by=user)",
        "super().save(commit=commit)",
        "Section.objects.create(title='x')",
        "Thing.objects.filter(pk=1).update(state='done')",
        "Thing.objects.filter(pk=1).delete()",
        "event.indicators.get_or_create(code='x')",
        "Row.objects.bulk_create(rows)",
        "Row.objects.bulk_update(rows, ['a'])",
        "Row.objects.update_or_create(code='x', defaults={})",
        "storage.delete(name)",
    ],
)
def test_the_rule_finds_a_write(source):
    assert writes_in(source), source


@pytest.mark.parametrize(
    "source",
    [
        "form.save(commit=False)",
        "context.update({'a': 1})",
        "widget.attrs.update({'min': 0})",
        "seen.update(codes)",
        "Thing.objects.filter(pk=1).first()",
        "services.report_create(report=report)",
    ],
)
def test_the_rule_lets_a_read_or_an_unsaved_instance_pass(source):
    assert not writes_in(source), source


@pytest.mark.parametrize("path", scanned_modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_views_forms_and_apis_write_only_through_services(path):
    writes = writes_in(path.read_text(encoding="utf-8"))
    assert not writes, "\n".join(f"{path.name}:{line}: {call}" for line, call in writes)
