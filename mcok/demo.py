"""The demo municipalities of the seeds: their organizations, officials, documents and periods,
and one login per role per municipality (`<slug>-<role>`, password `demo`)."""

from dataclasses import dataclass
from datetime import date
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from mcok import services
from mcok.demo_data import MUNICIPALITIES
from mcok.models import Document, Municipality, Official, Organization, Role, User
from mcok.text import transliterate

DEMO_PASSWORD = "demo"

# The apps' demo loaders by app label, as dotted paths of a `load()` that may return logins of its
# own: each app registers its loader from its AppConfig.ready (register_loader), and load_demo runs
# them in the order of INSTALLED_APPS, so the core never names an app.
LOADERS: dict[str, str] = {}


def register_loader(app_label: str, path: str) -> None:
    """Register the dotted path of an app's demo `load()` (imported only when the demo loads)."""
    LOADERS[app_label] = path


DEMO_YEARS = range(2021, 2027)
DEMO_SCHOOL = "Демонстрационная СОШ"  # for a municipality whose order names no school

# The login suffix, the role it gets, and the seed roles whose first official it becomes.
# The people an order assigns to directions get logins of their own (named_login, called by the
# directions' demo once the assignments exist), so the role logins take the seed's other people.
DEMO_LOGINS = [
    ("administrator", Role.Kind.ADMINISTRATOR, []),
    ("chief", Role.Kind.DEPARTMENT_HEAD, ["head_of_department"]),
    ("coordinator", Role.Kind.COORDINATOR, ["curator"]),
    ("operator", Role.Kind.OPERATOR, ["operator"]),
    ("executor", Role.Kind.EXECUTOR, ["responsible", "leader"]),
    ("expert", Role.Kind.EXPERT, []),
    ("school", Role.Kind.RESPONDENT, []),
    ("head", Role.Kind.SCHOOL_HEAD, []),
]


# The e-mail domain of the demo logins: «.example» is reserved (RFC 2606), no letter leaves for it.
DEMO_EMAIL_DOMAIN = "mcok.example"
# A full name for a role login whose seed names nobody for it (surname, given name and patronymic):
# nobody is greeted by a login.
DEMO_PEOPLE = {
    "administrator": ("Орлова", "Марина Викторовна"),
    "chief": ("Соколов", "Андрей Павлович"),
    "coordinator": ("Белова", "Ирина Николаевна"),
    "operator": ("Ковалёва", "Наталья Сергеевна"),
    "executor": ("Громова", "Елена Андреевна"),
    "expert": ("Лебедев", "Олег Игоревич"),
    "school": ("Фёдорова", "Светлана Юрьевна"),
    "head": ("Никитин", "Сергей Владимирович"),
    "admin": ("Морозов", "Дмитрий Алексеевич"),
}


@dataclass
class Login:
    username: str
    role: str
    scope: str


def upsert(model: type[models.Model], lookup: dict, values: dict) -> models.Model:
    """Create or bring up to date, saving only when something changed, so a rerun adds no history."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed and not created:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
    return obj


@cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)  # hashed once: thirty hashes would take seconds


def demo_email(username: str) -> str:
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


def _demo_user(username: str, values: dict) -> User:
    """The demo login with the demo password, which a rerun puts back if someone changed it, an
    address on the reserved domain, and no second factor asked of it (mcok.access)."""
    values = {"email": demo_email(username), "second_factor_exempt": True, **values}
    return upsert(User, {"username": username}, {**values, "password": _demo_password_hash()})


def _split_name(full_name: str) -> tuple[str, str]:
    last, _, rest = full_name.partition(" ")
    return last, rest


@transaction.atomic
def load() -> list[Login]:
    """Create or update the demo content. Idempotent: a second run changes nothing."""
    for year in DEMO_YEARS:
        services.periods_ensure(year=year)
    logins: list[Login] = []
    for data in MUNICIPALITIES:
        logins += _load_municipality(data)
    last_name, first_name = DEMO_PEOPLE["admin"]
    _demo_user(
        "admin",
        {"is_staff": True, "is_superuser": True, "last_name": last_name, "first_name": first_name},
    )
    logins.append(Login("admin", str(Role.Kind.ADMINISTRATOR.label), gettext("whole instance")))
    return logins


def _load_municipality(data: dict) -> list[Login]:
    municipality = upsert(
        Municipality,
        {"slug": data["slug"]},
        {
            "name": data["name"],
            "region": data["region"],
            "department": data["department"],
            "site_url": data["site"],
        },
    )
    organizations = {}
    for item in data["organizations"]:
        organizations[item["short_name"]] = upsert(
            Organization,
            {"municipality": municipality, "short_name": item["short_name"]},
            {
                "full_name": item["full_name"],
                "kind": item["kind"],
                "locality": {True: "rural", False: "urban", None: ""}[item["is_rural"]],
                "low_results": item["low_results"],
                "unfavourable_conditions": item["unfavourable"],
            },
        )
    officials: dict[str, Official] = {}
    seed_roles: dict[str, list[Official]] = {}
    for item in data["officials"]:
        official = upsert(
            Official,
            {"municipality": municipality, "full_name": item["full_name"]},
            {
                # the position as the order gives it, empty where it gives none
                "position": item["position"],
                "organization": organizations.get(item["organization"]) if item["organization"] else None,
            },
        )
        officials[item["full_name"]] = official
        for role in item["roles"]:
            seed_roles.setdefault(role, []).append(official)
    for item in data["organizations"]:
        if item["head"]:
            organization = organizations[item["short_name"]]
            head = officials.get(item["head"]) or upsert(
                Official,
                {"municipality": municipality, "full_name": item["head"], "position": "руководитель"},
                {"organization": organization},
            )
            upsert(Organization, {"pk": organization.pk}, {"head": head})
    for item in data["documents"]:
        upsert(
            Document,
            {"municipality": municipality, "title": item["title"], "number": item["number"]},
            {"kind": item["kind"], "date": date.fromisoformat(item["date"]) if item["date"] else None},
        )
    school = Organization.objects.filter(municipality=municipality).schools().order_by(
        "short_name"
    ).first() or upsert(
        Organization,
        {"municipality": municipality, "short_name": DEMO_SCHOOL},
        {
            "full_name": "Демонстрационная школа (в документах муниципалитета школы не названы)",
            "kind": "school",
        },
    )
    return [
        _demo_login(municipality, school, suffix, kind, seed_roles, picks)
        for suffix, kind, picks in DEMO_LOGINS
    ]


def named_login(official: Official, kinds: list[str], scope: str = "") -> Login:
    """The login of a person an order names, `<slug>-<surname in Latin letters>`, linked to their
    official, with the municipal roles `kinds`; a namesake gets the initials too."""
    municipality = official.municipality
    last_name, first_name = _split_name(official.full_name)
    base = f"{municipality.slug}-{slugify(transliterate(last_name))}"
    username = base
    taken = Official.objects.filter(user__username=username).exclude(pk=official.pk).exists()
    if taken:
        username = f"{base}-{slugify(transliterate(first_name))}"
    user = official.user if official.user_id else None
    if user is None or user.username != username:
        user = _demo_user(username, {"last_name": last_name, "first_name": first_name})
        official.user = user
        official.save(update_fields=["user"])
    for kind in kinds:
        services.role_grant(user=user, kind=kind, municipality=municipality)
    role = ", ".join(str(Role.Kind(kind).label) for kind in kinds)
    return Login(username, role, f"{official.full_name}{': ' if scope else ''}{scope}")


def _demo_login(municipality, school, suffix, kind, seed_roles, picks) -> Login:
    username = f"{municipality.slug}-{suffix}"
    official = next((seed_roles[p][0] for p in picks if seed_roles.get(p)), None)
    if kind == Role.Kind.SCHOOL_HEAD:
        official = school.head
    last_name, first_name = _split_name(official.full_name) if official else DEMO_PEOPLE[suffix]
    user = _demo_user(
        username,
        {"last_name": last_name, "first_name": first_name, "is_staff": kind == Role.Kind.ADMINISTRATOR},
    )
    if official is not None and official.user_id is None and not Official.objects.filter(user=user).exists():
        official.user = user
        official.save(update_fields=["user"])
    organization = school if kind in Role.ORGANIZATION_KINDS else None
    services.role_grant(user=user, kind=kind, municipality=municipality, organization=organization)
    return Login(username, str(Role.Kind(kind).label), str(organization or municipality))
