"""The demo of disaggregated figures: «Результаты ВПР» by subject × class for the schools of the demo
municipalities, and indicators over them (a share by subject, one cell). Окружающий мир is written
in the 4th class only: its other classes are «не применимо». The indicators belong to direction 1.1
(«Система оценки качества подготовки обучающихся») where the municipality has one, so its report and
its public page show them by subject and by class. Runs after indicators.demo."""

import hashlib
from decimal import Decimal

from django.db import transaction

from directions.models import Direction
from indicators import demo, services
from indicators.demo_data import DATA_ELEMENTS
from indicators.models import Category, CategoryCombo, CategoryOption, DataElement, Indicator, OptionCombo
from mcok.demo import upsert
from mcok.models import Municipality, Organization, Period

CLASSES = [("4", "4 класс"), ("5", "5 класс"), ("6", "6 класс"), ("7", "7 класс"), ("8", "8 класс")]
SUBJECTS = [("rus", "Русский язык"), ("math", "Математика"), ("okr", "Окружающий мир")]
ONLY_IN = {"okr": "4"}  # a subject written in one class only


def _stable(*parts) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def load():
    logins = demo.load()
    load_vpr()
    return logins


def _category(municipality, code: str, name: str, options) -> Category:
    category = upsert(Category, {"municipality": municipality, "code": code}, {"name": name})
    for order, (option_code, option_name) in enumerate(options):
        upsert(
            CategoryOption, {"category": category, "code": option_code}, {"name": option_name, "order": order}
        )
    return category


@transaction.atomic
def load_vpr() -> None:
    for slug in DATA_ELEMENTS:
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:
            continue
        subject = _category(municipality, "predmet", "Предмет", SUBJECTS)
        klass = _category(municipality, "klass", "Класс", CLASSES)
        combo = upsert(
            CategoryCombo,
            {"municipality": municipality, "code": "vpr"},
            {"name": "Предмет × класс", "first": subject, "second": klass},
        )
        services.category_combo_sync(combo)
        direction = Direction.objects.filter(municipality=municipality, code="1.1").first()
        elements = {
            code: upsert(
                DataElement,
                {"municipality": municipality, "code": code},
                {"name": name, "unit": "чел.", "kinds": ["school"], "category_combo": combo},
            )
            for code, name in [
                ("vpr_wrote", "Результаты ВПР: писали работу"),
                ("vpr_good", "Результаты ВПР: получили отметки «4» и «5»"),
            ]
        }
        for code, name, numerator, denominator in [
            (
                "ВПР-1",
                "Доля обучающихся, получивших по ВПР отметки «4» и «5» (по предметам и классам)",
                "vpr_good",
                "vpr_wrote",
            ),
            (
                "ВПР-2",
                "Доля пятиклассников, получивших по ВПР по математике отметки «4» и «5»",
                "vpr_good[предмет=математика, класс=5]",
                "vpr_wrote[предмет=математика, класс=5]",
            ),
        ]:
            upsert(
                Indicator,
                {"municipality": municipality, "code": code},
                {
                    "name": name,
                    "unit": "%",
                    "kind": Indicator.Kind.RATIO,
                    "numerator": numerator,
                    "denominator": denominator,
                    "factor": 100,
                    "method": "Результаты ВПР, представленные образовательными организациями",
                    "risk_threshold": Decimal(40),
                    "is_published": True,
                    "direction": direction,
                },
            )
        _values(municipality, elements, combo)


def _values(municipality, elements: dict[str, DataElement], combo: CategoryCombo) -> None:
    cells = list(OptionCombo.objects.filter(combo=combo).select_related("first", "second"))
    schools = Organization.objects.filter(municipality=municipality, kind="school", is_active=True)
    entries = []
    for year in demo.DEMO_YEARS:
        period = Period.objects.filter(kind=Period.Kind.YEAR, year=year).first()
        if period is None:
            continue
        for school in schools:
            for cell in cells:
                subject, klass = cell.first.code, cell.second.code
                applicable = ONLY_IN.get(subject, klass) == klass
                seed = (school.short_name, year, subject, klass)
                wrote = Decimal(15 + _stable(*seed) % 60)
                good = Decimal(int(wrote) * (35 + _stable(*seed, "good") % 50) // 100)
                for code, value in (("vpr_wrote", wrote), ("vpr_good", good)):
                    entries.append(
                        services.Entry(
                            elements[code],
                            school,
                            period,
                            value if applicable else None,
                            option_combo=cell,
                            not_applicable=not applicable,
                        )
                    )
    services.data_values_write(entries=entries, source="import", by=None)
