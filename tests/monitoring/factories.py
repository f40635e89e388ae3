"""Forms and collections for the monitoring tests: a teachers' diagnostics form like seed 000's."""

import datetime

from django.utils import timezone

from indicators.models import Indicator
from monitoring import services
from monitoring.models import Campaign, Field, Form, Rule, Section
from tests.indicators.factories import make_element, make_indicator, make_period


def make_form(municipality, *, title="Диагностика учителей", elements=True, **fields) -> Form:
    """Two numbers bound to data elements (teachers, teachers diagnosed), a rule diagnosed ≤ teachers,
    a choice and a text; with `elements`, the ratio indicator diagnosed / teachers × 100 as well."""
    form = Form.objects.create(municipality=municipality, title=title, **fields)
    section = Section.objects.create(form=form, title="Кадры", order=1)
    teachers_element = diagnosed_element = None
    if elements:
        teachers_element = make_element(municipality, "teachers")
        diagnosed_element = make_element(municipality, "teachers_diagnosed")
        make_indicator(
            municipality,
            "2.3.1",
            "teachers_diagnosed",
            "teachers",
            name="Доля учителей, прошедших диагностику",
            kind=Indicator.Kind.RATIO,
        )
    Field.objects.create(
        form=form,
        section=section,
        code="teachers",
        label="Всего учителей",
        kind=Field.Kind.INTEGER,
        min_value=0,
        data_element=teachers_element,
        order=1,
    )
    Field.objects.create(
        form=form,
        section=section,
        code="teachers_diagnosed",
        label="Прошли диагностику",
        kind=Field.Kind.INTEGER,
        min_value=0,
        data_element=diagnosed_element,
        order=2,
    )
    Field.objects.create(
        form=form,
        section=section,
        code="format",
        label="Форма диагностики",
        kind=Field.Kind.CHOICE,
        choices=["Очная", "Дистанционная"],
        required=False,
        order=3,
    )
    Field.objects.create(
        form=form,
        section=section,
        code="comment",
        label="Комментарий",
        kind=Field.Kind.LONG_TEXT,
        required=False,
        order=4,
    )
    Rule.objects.create(form=form, kind=Rule.Kind.LESS_OR_EQUAL, fields=["teachers_diagnosed", "teachers"])
    return form


def make_campaign(
    municipality,
    *,
    form=None,
    organizations=None,
    period="2025/26",
    state=Campaign.State.OPEN,
    requires_sign_off=False,
    by=None,
    **fields,
) -> Campaign:
    """An open collection of the form for the period, asking `organizations` (default: every school)."""
    form = form or make_form(municipality)
    today = timezone.localdate()
    values = {
        "title": f"Сбор: {form.title}",
        "opens_on": today - datetime.timedelta(days=3),
        "deadline": today + datetime.timedelta(days=10),
    }
    campaign = services.campaign_create(
        form=form,
        period=make_period(period),
        organizations=organizations,
        kinds=[] if organizations is not None else ["school"],
        requires_sign_off=requires_sign_off,
        by=by,
        **(values | fields),
    )
    if state != Campaign.State.DRAFT:
        services.campaign_open(campaign=campaign, by=by)
    if state == Campaign.State.CLOSED:
        services.campaign_close(campaign=campaign, by=by)
    campaign.refresh_from_db()
    return campaign


def make_submission(campaign, organization, answers=None, *, by=None, submit=False):
    submission = services.submission_for(campaign=campaign, organization=organization, by=by)
    if answers:
        services.submission_save(submission=submission, answers=answers, base_revision=None, by=by)
    if submit:
        submission = services.submission_submit(submission=submission, by=by)
    submission.refresh_from_db()
    return submission
