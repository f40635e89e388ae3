"""Who may read or write is decided in one place: mcok/access.py and the apps' access.py modules.

Every other module asks them. This test reads the project's source and fails on any module outside
the access modules that names a role kind, queries the roles, or calls the access modules' private
helpers — the signs of a rule of its own. The few modules below may do so for a reason that is not an
access decision, and each says which."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("mcok", "directions", "indicators", "monitoring", "roadmaps", "reports", "config")

# module → why it may name roles without deciding access.
ALLOWED = {
    "mcok/models.py": "defines the roles",
    "mcok/services.py": "grants roles (role_grant), a write, not a decision",
    "mcok/demo.py": "creates the demo logins with their roles",
    "mcok/admin.py": "the admin's forms list the role kinds to choose from",
    "mcok/backups.py": "copies every table, roles included",
}
# Calls that decide by role kinds or read the roles behind the access modules' back.
PRIVATE_CALLS = {"has_role", "role_rows", "_roles", "_ids"}
ROLE_SETS = {"MUNICIPAL_KINDS", "ORGANIZATION_KINDS"}
RECIPIENTS = "# recipients of a notice"


def modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative.endswith("/access.py") or relative in ALLOWED:
                continue
            if relative.endswith(("/demo.py", "_demo.py")) or "/demo_" in relative:
                continue  # the demo loaders create roles for the demo logins
            yield relative, path


def findings(relative: str, source: str) -> list[str]:
    lines = source.splitlines()
    found = []

    def excused(node) -> bool:
        above = lines[node.lineno - 2] if node.lineno >= 2 else ""
        return RECIPIENTS in above or RECIPIENTS in lines[node.lineno - 1]

    for node in ast.walk(ast.parse(source)):
        what = None
        if isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Attribute) and base.attr == "Kind" and _named(base.value, "Role"):
                what = f"Role.Kind.{node.attr}"
            elif node.attr in ROLE_SETS and _named(base, "Role"):
                what = f"Role.{node.attr}"
            elif node.attr == "objects" and _named(base, "Role"):
                what = "Role.objects"
            elif node.attr == "roles" and not _named(base, "self"):
                what = "<user>.roles"
        elif isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if name in PRIVATE_CALLS:
                what = f"{name}()"
        elif isinstance(node, ast.keyword) and node.arg and "roles__" in node.arg:
            what = f"{node.arg}="
        elif isinstance(node, ast.FunctionDef) and node.name.startswith(("can_", "may_")):
            what = f"def {node.name}"
        if what and not excused(node):
            found.append(f"{relative}:{node.lineno}: {what}")
    return found


def _named(node, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def test_no_module_outside_the_access_modules_decides_a_role():
    found = [item for relative, path in modules() for item in findings(relative, path.read_text())]
    assert found == [], "a rule outside the access modules:\n" + "\n".join(found)


def test_the_check_sees_a_rule_of_its_own():
    """The check would catch each kind of rule it looks for (the test above can fail)."""
    rules = [
        "from mcok.models import Role\nEDITORS = (Role.Kind.COORDINATOR,)\n",
        "def f(user):\n    return Role.objects.filter(user=user).exists()\n",
        "def f(user, m):\n    return has_role(user, Role.MUNICIPAL_KINDS, municipality=m)\n",
        "def can_edit(user):\n    return True\n",
        "def f(user):\n    return user.roles.filter(kind='coordinator')\n",
        "def f(q):\n    return q.filter(roles__kind='coordinator')\n",
        "def f(q):\n    return q.filter(user__roles__municipality=1)\n",
    ]
    for source in rules:
        assert findings("x/views.py", source), source
    excused = (
        "def f(orgs):\n    # recipients of a notice\n    return Role.objects.filter(organization__in=orgs)\n"
    )
    assert findings("x/services.py", excused) == []
