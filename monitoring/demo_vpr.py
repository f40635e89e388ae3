"""The demo collection «Результаты ВПР»: a form with two table questions bound to the subject × class
elements of indicators.demo_vpr (писали работу; получили «4» и «5»), the number of works in all as a
single question checked against the first table's total, and the open collection of the schools
filled the way people would: the demo school's draft has the second table half done («нет данных»),
the other schools are submitted, returned or accepted. A school without an 8th class marks that
column «не применимо»; Окружающий мир, written in the 4th class only, has 0 in the other classes.

Idempotent like monitoring.demo: a form or collection that exists is left as it is.
"""

import datetime

from django.utils import timezone

from indicators.demo_vpr import CLASSES, ONLY_IN, SUBJECTS
from indicators.demo_vpr import _stable as vpr_stable
from indicators.models import DataElement
from mcok.models import Municipality, Organization
from monitoring import access, demo, services, tables
from monitoring.demo_data import FORMS, OPEN_YEAR
from monitoring.models import Campaign, Field, Form, Rule, Section

TITLE = "Результаты ВПР"
COMMENT = (
    "Число писавших работу по математике в 5 классе расходится с протоколом проведения ВПР. "
    "Проверьте, пожалуйста, и отправьте форму снова."
)


def load() -> None:
    for slug, spec in FORMS.items():
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:
            continue
        elements = {
            e.code: e
            for e in DataElement.objects.filter(
                municipality=municipality, code__in=["vpr_wrote", "vpr_good"], category_combo__isnull=False
            )
        }
        if len(elements) < 2:  # the ВПР tables are not loaded for this municipality
            continue
        form = _form(municipality, spec["direction"], elements)
        _collection(municipality, form)


def _form(municipality: Municipality, direction: str, elements: dict[str, DataElement]) -> Form:
    form, created = Form.objects.get_or_create(
        municipality=municipality,
        title=TITLE,
        version=1,
        defaults={
            "direction": demo._direction(municipality, direction),
            "description": "Результаты всероссийских проверочных работ по предметам и классам: сколько "
            "обучающихся писали работу и сколько получили отметки «4» и «5».",
        },
    )
    if not created:
        return form
    section = Section.objects.create(
        form=form,
        title="Результаты по предметам и классам",
        description="Класс, в котором предмет не писали, отметьте «не применимо» или укажите 0.",
        order=1,
    )
    common = {"form": form, "section": section, "min_value": 0}
    Field.objects.create(
        **common,
        max_value=10000,
        code="vpr_works",
        label="Сколько работ ВПР написано всего (по всем предметам и классам)",
        kind=Field.Kind.INTEGER,
        order=1,
    )
    Field.objects.create(
        **common,
        code="vpr_wrote",
        label="Писали работу: количество обучающихся",
        help_text="По протоколам проведения ВПР.",
        kind=Field.Kind.TABLE,
        max_value=500,
        data_element=elements["vpr_wrote"],
        order=2,
    )
    Field.objects.create(
        **common,
        code="vpr_good",
        label="Получили отметки «4» и «5»: количество обучающихся",
        kind=Field.Kind.TABLE,
        max_value=500,
        data_element=elements["vpr_good"],
        order=3,
    )
    Rule.objects.create(
        form=form,
        kind=Rule.Kind.EQUAL,
        fields=["vpr_works", "vpr_wrote"],
        message="Итого таблицы «Писали работу» должно совпасть с общим количеством написанных работ.",
        order=1,
    )
    Rule.objects.create(
        form=form,
        kind=Rule.Kind.LESS_OR_EQUAL,
        fields=["vpr_good", "vpr_wrote"],
        message="Отметки «4» и «5» не могут получить больше обучающихся, чем писали работу.",
        order=2,
    )
    return form


def answers(form: Form, organization: Organization, year: int, *, unfinished: bool = False) -> dict:
    """The school's answers, from the same draw as the ВПР figures of indicators.demo_vpr; with
    `unfinished`, the second table has its first row only."""
    no_eighth = vpr_stable(organization.short_name, "no 8th class") % 4 == 0
    wrote: dict[str, str] = {}
    good: dict[str, str] = {}
    total = 0
    for subject, _name in SUBJECTS:
        for klass, _label in CLASSES:
            if no_eighth and klass == "8":
                continue
            key = tables.cell_key(subject, klass)
            if ONLY_IN.get(subject, klass) != klass:
                wrote[key] = good[key] = "0"
                continue
            seed = (organization.short_name, year, subject, klass)
            count = 15 + vpr_stable(*seed) % 60
            total += count
            wrote[key] = str(count)
            good[key] = str(count * (35 + vpr_stable(*seed, "good") % 50) // 100)
    marks = [tables.na_key(tables.COLUMN, "8")] if no_eighth else []
    if unfinished:
        first = SUBJECTS[0][0]
        good = {key: value for key, value in good.items() if key.startswith(f"{first}|")}
    return {
        "vpr_works": str(total),
        "vpr_wrote": {"cells": wrote, "na": marks},
        "vpr_good": {"cells": good, "na": marks},
    }


def _collection(municipality: Municipality, form: Form) -> None:
    period = demo._year(OPEN_YEAR)
    title = f"{TITLE} — {OPEN_YEAR}"
    if Campaign.objects.filter(municipality=municipality, title=title).exists():
        return
    coordinator = demo._actor(form, period)
    school_login = demo._login(municipality, "school")
    schools = sorted(access.fill_organization_ids(school_login)) if school_login else []
    demo_school = schools[0] if schools else None
    organizations = sorted(
        Organization.objects.filter(municipality=municipality, kind="school", is_active=True),
        key=lambda o: (o.pk != demo_school, o.short_name),
    )
    if not organizations:
        return
    today = timezone.localdate()
    campaign = services.campaign_create(
        form=form,
        period=period,
        title=title,
        description="Демонстрационный сбор результатов ВПР по предметам и классам.",
        organizations=organizations,
        kinds=["school"],
        by=coordinator,
        opens_on=today - datetime.timedelta(days=10),
        deadline=today + datetime.timedelta(days=20),
        closes_on=None,
    )
    services.campaign_open(campaign=campaign, by=coordinator)
    for organization, state in zip(organizations, demo._deal("draft", len(organizations)), strict=True):
        if state == "not_started":
            continue
        by = school_login if organization.pk == demo_school else None
        submission = services.submission_for(campaign=campaign, organization=organization, by=by)
        given = answers(form, organization, period.year, unfinished=state == "draft")
        services.submission_save(submission=submission, answers=given, base_revision=None, by=by)
        if state == "draft":
            continue
        submission = services.submission_submit(submission=submission, by=by, notify=False)
        if state == "returned":
            services.submission_return(submission=submission, comment=COMMENT, by=coordinator)
        elif state == "accepted":
            services.submission_accept(submission=submission, by=coordinator)
