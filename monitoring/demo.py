"""The monitoring demo: per demo municipality, a form built from its seed and three collections of it —
closed (last year, accepted), open (the year the indicator pages show, every state of a submission
at once) and a draft for next year — so each login sees real work. Every state change goes through
monitoring.services: the accepted forms' numbers become data values exactly as a coordinator's
acceptance makes them. The department's side is played by a coordinator the order assigns to the
form's direction (the head of the department where the order names none with a login).

Idempotent: a form or a collection that exists is left as it is (people may have filled in, returned
or closed things since), so a second run adds nothing.
"""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone

from directions.models import Direction, Duty
from indicators.models import DataElement, Indicator
from mcok import services as core_services
from mcok.demo import upsert
from mcok.models import Municipality, Organization, Period, User
from monitoring import access, services
from monitoring.demo_data import (
    CLOSED_YEAR,
    COLLECTIONS,
    COMMENTS,
    DRAFT_YEAR,
    ELEMENTS,
    FORMS,
    INDICATORS,
    OPEN_YEAR,
    ORGANIZATIONS,
    STATES,
)
from monitoring.models import Campaign, Field, Form, Rule, Section, Submission

State = Campaign.State


def _stable(*parts) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


@transaction.atomic
def load() -> None:
    for slug, spec in FORMS.items():
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:  # the core demo did not load this municipality
            continue
        _load_organizations(municipality)
        _load_catalogue(municipality)
        form = _load_form(municipality, spec)
        _load_collections(municipality, form, COLLECTIONS[slug])
    from monitoring import demo_vpr  # its tables are bound to the ВПР elements of indicators.demo_vpr

    demo_vpr.load()


def _load_organizations(municipality: Municipality) -> None:
    for item in ORGANIZATIONS.get(municipality.slug, []):
        Organization.objects.get_or_create(
            municipality=municipality,
            short_name=item["short_name"],
            defaults={
                "full_name": item.get("full_name", item["short_name"]),
                "kind": item["kind"],
                "locality": item.get("locality", ""),
            },
        )


def _direction(municipality: Municipality, code: str) -> Direction | None:
    return (
        Direction.objects.filter(municipality=municipality, code=code)
        .order_by("-valid_from__starts_on")
        .first()
    )


def _load_catalogue(municipality: Municipality) -> None:
    """The data elements and indicators of the municipalities whose seed gives no formulas."""
    for item in ELEMENTS.get(municipality.slug, []):
        upsert(
            DataElement,
            {"municipality": municipality, "code": item["code"]},
            {k: item[k] for k in ("name", "unit", "value_type", "kinds")},
        )
    for item in INDICATORS.get(municipality.slug, []):
        upsert(
            Indicator,
            {"municipality": municipality, "code": item["code"]},
            {
                "direction": _direction(municipality, item["direction"]),
                "name": item["name"],
                "unit": "%",
                "kind": Indicator.Kind.RATIO,
                "numerator": item["numerator"],
                "denominator": item["denominator"],
                "factor": 100,
                "periodicity": Indicator.Periodicity.YEARLY,
                "higher_is_better": True,
                "method": item["method"],
                "source": item["source"],
                "criterion": item["criterion"],
                "is_published": True,
            },
        )


def _load_form(municipality: Municipality, spec: dict) -> Form:
    """The form as the spec describes it, made once: an existing one keeps its questions (a collection
    may use it; changes go into new versions)."""
    form, created = Form.objects.get_or_create(
        municipality=municipality,
        title=spec["title"],
        version=1,
        defaults={
            "direction": _direction(municipality, spec["direction"]),
            "description": spec["description"],
        },
    )
    if not created:
        return form
    elements = {e.code: e for e in DataElement.objects.filter(municipality=municipality)}
    order = 0
    for number, item in enumerate(spec["sections"], start=1):
        section = Section.objects.create(
            form=form, title=item["title"], description=item["description"], order=number
        )
        for question in item["questions"]:
            order += 1
            Field.objects.create(
                form=form,
                section=section,
                code=question["code"],
                label=question["label"],
                help_text=question.get("help", ""),
                kind=question["kind"],
                required=question.get("required", True),
                min_value=question.get("min"),
                max_value=question.get("max"),
                choices=question.get("options", []),
                data_element=elements[question["element"]] if question.get("element") else None,
                order=order,
            )
    for number, rule in enumerate(spec["rules"], start=1):
        Rule.objects.create(
            form=form, kind=rule["kind"], fields=rule["fields"], message=rule["message"], order=number
        )
    return form


# Collections -------------------------------------------------------------------------------------------


def _year(year: int) -> Period:
    core_services.periods_ensure(year=year)
    return Period.objects.get(kind=Period.Kind.YEAR, year=year)


def _login(municipality: Municipality, suffix: str) -> User | None:
    return User.objects.filter(username=f"{municipality.slug}-{suffix}").first()


def _actor(form: Form, period: Period) -> User | None:
    """Who runs and reviews the form's collection for the period, as the order has it: the first (by
    name) coordinator of the form's direction with a login, else the head of the department."""
    candidates: list[User] = []
    if form.direction is not None:
        assigned = form.direction.holders(Duty.COORDINATOR, period)
        officials = sorted((r.official for r in assigned if r.official_id), key=lambda o: o.full_name)
        candidates += [o.user for o in officials if o.user_id]
    chief = _login(form.municipality, "chief")
    candidates += [chief] if chief else []
    return next(
        (user for user in candidates if access.can_start_campaign(user, form, period)),
        None,
    )


def _load_collections(municipality: Municipality, form: Form, spec: dict) -> None:
    school_login = _login(municipality, "school")
    schools = sorted(access.fill_organization_ids(school_login)) if school_login else []
    demo_school = schools[0] if schools else None
    # Sorted here, not by the database, whose collation differs (SQLite, PostgreSQL): the same
    # organizations get the same states everywhere. The demo school first: its login shows the state
    # the spec gives it.
    organizations = sorted(
        Organization.objects.filter(municipality=municipality, kind__in=spec["kinds"], is_active=True),
        key=lambda o: (o.pk != demo_school, o.short_name),
    )
    today = timezone.localdate()
    closed_year, open_year, draft_year = (
        _year(CLOSED_YEAR),
        _year(OPEN_YEAR),
        _year(DRAFT_YEAR),
    )

    def title(period: Period) -> str:
        return spec["titles"] % {"year": period.year}

    coordinator = _actor(form, closed_year)
    closed = _collection(
        form,
        closed_year,
        title(closed_year),
        organizations,
        opens_on=datetime.date(CLOSED_YEAR + 1, 1, 15),
        deadline=datetime.date(CLOSED_YEAR + 1, 2, 14),
        closes_on=None,  # the coordinator closed it
        by=coordinator,
    )
    if closed is not None:
        services.campaign_open(campaign=closed, by=coordinator)
        # Everyone answered and was accepted, but the last organization, which never answered.
        for organization in organizations[:-1]:
            _fill(closed, organization, "accepted", by=None, coordinator=coordinator, spec=spec)
        services.campaign_close(campaign=closed, by=coordinator)
        # The dates of the record as they would have been, not the moment the demo was loaded.
        Campaign.objects.filter(pk=closed.pk).update(
            opened_at=_at(closed.opens_on), closed_at=_at(closed.deadline + datetime.timedelta(days=14))
        )

    coordinator = _actor(form, open_year)
    current = _collection(
        form,
        open_year,
        title(open_year),
        organizations,
        opens_on=today - datetime.timedelta(days=14),
        deadline=today + datetime.timedelta(days=21),
        closes_on=None,
        by=coordinator,
    )
    if current is not None:
        services.campaign_open(campaign=current, by=coordinator)
        for organization, state in zip(
            organizations, _deal(spec["demo_school"], len(organizations)), strict=True
        ):
            by = school_login if organization.pk == demo_school else None
            _fill(current, organization, state, by=by, coordinator=coordinator, spec=spec)

    _collection(
        form,
        draft_year,
        title(draft_year),
        organizations,
        opens_on=today + datetime.timedelta(days=30),
        deadline=today + datetime.timedelta(days=60),
        closes_on=None,
        by=_actor(form, draft_year),
    )


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def _deal(first: str, count: int) -> list[str]:
    """The demo school's state, then every other state once, then mostly accepted and submitted."""
    others = [state for state in STATES if state != first]
    rest = ["accepted", "submitted", "accepted", "draft"]
    states = [first, *others]
    while len(states) < count:
        states.append(rest[(len(states) - len(STATES)) % len(rest)])
    return states[:count]


def _collection(form: Form, period: Period, title: str, organizations, *, by, **dates) -> Campaign | None:
    """A new draft collection, or None when one by this title exists (it is left as it is)."""
    if Campaign.objects.filter(municipality=form.municipality, title=title).exists():
        return None
    return services.campaign_create(
        form=form,
        period=period,
        title=title,
        description="Демонстрационный сбор данных.",
        organizations=organizations,
        kinds=sorted({o.kind for o in organizations}),
        by=by,
        **dates,
    )


def _fill(
    campaign: Campaign, organization: Organization, state: str, *, by, coordinator, spec: dict
) -> Submission | None:
    """Bring the organization's submission to `state` the way people would: save, submit, return or
    accept."""
    if state == "not_started":
        return None
    submission = services.submission_for(campaign=campaign, organization=organization, by=by)
    answers = demo_answers(campaign.form, organization, campaign.period.year)
    if state == "draft":  # only the first section so far
        first = campaign.form.sections.order_by("order", "pk").first()
        started = set(campaign.form.fields.filter(section=first).values_list("code", flat=True))
        answers = {code: value for code, value in answers.items() if code in started}
    services.submission_save(submission=submission, answers=answers, base_revision=None, by=by)
    if state == "draft":
        return submission
    submission = services.submission_submit(submission=submission, by=by)
    if state == "returned":
        return services.submission_return(submission=submission, comment=spec["comment"], by=coordinator)
    if state == "accepted":
        return services.submission_accept(submission=submission, by=coordinator)
    return submission


def demo_answers(form: Form, organization: Organization, year: int) -> dict:
    """Plausible answers, stable from run to run, that keep every rule of the form: a part is drawn as
    a share of its whole, which is drawn first."""
    spec = {q["code"]: q for s in FORMS[form.municipality.slug]["sections"] for q in s["questions"]}
    size = 0.6 + (_stable(organization.short_name) % 80) / 100  # the organization's scale
    answers: dict = {}
    numbers: dict[str, int] = {}
    for item in form.fields.order_by("order", "pk"):
        seed = _stable(organization.short_name, item.code, year)
        demo = spec.get(item.code, {}).get("demo")
        if item.is_numeric and demo:
            if demo[0] == "count":
                _kind, low, high = demo
                number = round((low + seed % (high - low + 1)) * size)
            else:
                _kind, whole, low, high = demo
                share = low + seed % (high - low + 1)
                number = numbers.get(whole, 0) * share // 100
            numbers[item.code] = number
            answers[item.code] = str(number)
        elif item.kind == Field.Kind.CHOICE and (item.required or seed % 3):
            answers[item.code] = item.choices[seed % len(item.choices)]
        elif item.kind == Field.Kind.MULTIPLE_CHOICE and (item.required or seed % 3):
            chosen = [o for i, o in enumerate(item.choices) if (seed >> i) % 2] or item.choices[:1]
            answers[item.code] = chosen
        elif item.kind == Field.Kind.BOOLEAN:
            answers[item.code] = "no" if seed % 5 == 0 else "yes"
        elif item.kind in (Field.Kind.TEXT, Field.Kind.LONG_TEXT) and COMMENTS[seed % len(COMMENTS)]:
            answers[item.code] = COMMENTS[seed % len(COMMENTS)]
    return answers
