"""Targeted recommendations, answers, decisions and their effectiveness: services, pages and API."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directions.models import Component, Cycle, CycleComponent
from indicators.models import Indicator, IndicatorValue, Target
from mcok import services as core_services
from mcok.models import Period
from roadmaps import recommendations as services
from roadmaps.models import Decision, Recommendation, Response, Roadmap
from tests.factories import make_organization

D = Decimal


# Factories ----------------------------------------------------------------------------------------------


def make_year(year: int) -> Period:
    core_services.periods_ensure(year=year)
    return Period.objects.get(kind=Period.Kind.YEAR, year=year)


def make_indicator(municipality, code: str = "П8", **fields) -> Indicator:
    values = {"name": "Доля педагогов, прошедших КПК", "unit": "%", "higher_is_better": True}
    return Indicator.objects.create(municipality=municipality, code=code, **(values | fields))


def put(indicator, period, organization, value) -> None:
    IndicatorValue.objects.create(
        indicator=indicator,
        period=period,
        municipality=indicator.municipality,
        organization=organization,
        value=None if value is None else D(str(value)),
    )


def make_recommendation(world, *, state=Recommendation.State.ISSUED, organizations=None, **fields):
    recommendation = Recommendation.objects.create(
        municipality=fields.pop("municipality", world.municipality),
        title=fields.pop("title", "Провести анализ"),
        text="Текст рекомендации",
        state=state,
        **fields,
    )
    recommendation.organizations.set([world.school] if organizations is None else organizations)
    return recommendation


@pytest.fixture
def risk(world):
    """П8 with a threshold of 50 %: the school (40) and a third school (45) are at risk in 2024, the
    other school (80) is not; another municipality's school has 10 but is not ours."""
    period = make_year(2024)
    indicator = make_indicator(world.municipality, risk_threshold=D("50"))
    third = make_organization(world.municipality, short_name="СОШ с. Ромашкино")
    put(indicator, period, world.school, 40)
    put(indicator, period, world.other_school, 80)
    put(indicator, period, third, 45)
    put(indicator, period, None, 55)
    return indicator, period, third


# Visibility ---------------------------------------------------------------------------------------------


def test_school_sees_only_issued_recommendations_addressed_to_it(client, world):
    mine = make_recommendation(world, title="Нам адресована")
    draft = make_recommendation(world, title="Черновик для нас", state=Recommendation.State.DRAFT)
    others = make_recommendation(world, title="Соседям", organizations=[world.other_school])
    client.force_login(world.respondent)
    page = client.get(reverse("roadmaps:recommendations"))
    assert page.status_code == 200
    assert "Нам адресована" in page.text
    assert "Черновик для нас" not in page.text
    assert "Соседям" not in page.text
    assert client.get(reverse("roadmaps:recommendation", args=[mine.pk])).status_code == 200
    assert client.get(reverse("roadmaps:recommendation", args=[draft.pk])).status_code == 404
    assert client.get(reverse("roadmaps:recommendation", args=[others.pk])).status_code == 404


@pytest.mark.parametrize("actor", ["other_respondent", "outsider", "outsider_school"])
def test_recommendation_is_404_for_those_not_addressed(client, world, actor):
    recommendation = make_recommendation(world)
    client.force_login(getattr(world, actor))
    assert client.get(reverse("roadmaps:recommendation", args=[recommendation.pk])).status_code == 404
    response = client.post(reverse("roadmaps:response_save", args=[recommendation.pk]), {"text": "Ответ"})
    assert response.status_code == 404
    assert not Response.objects.exists()


def test_staff_list_shows_state_and_answer_counts(client, world):
    recommendation = make_recommendation(
        world, title="Всем школам", organizations=[world.school, world.other_school]
    )
    Response.objects.create(recommendation=recommendation, organization=world.school, text="Сделано")
    make_recommendation(
        world, title="Чужая", municipality=world.elsewhere, organizations=[world.elsewhere_school]
    )
    client.force_login(world.coordinator)
    page = client.get(reverse("roadmaps:recommendations"))
    assert page.status_code == 200
    assert "Всем школам" in page.text
    assert "Чужая" not in page.text
    assert "1 / 2" in page.text


# Answers ------------------------------------------------------------------------------------------------


def test_answer_flow_once_per_organization_and_editable(client, world):
    recommendation = make_recommendation(world)
    client.force_login(world.respondent)
    url = reverse("roadmaps:response_save", args=[recommendation.pk])
    assert client.post(url, {"text": "Проведён педсовет"}).status_code == 302
    assert client.post(url, {"text": "Проведён педсовет и семинар"}).status_code == 302
    client.force_login(world.head)
    assert client.post(url, {"text": "Утверждён план"}).status_code == 302
    answers = Response.objects.filter(recommendation=recommendation)
    assert answers.count() == 1
    assert answers.get().text == "Утверждён план"
    assert answers.get().answered_by == world.head


def test_answer_refused_for_another_organization_and_empty_text(world):
    recommendation = make_recommendation(world)
    with pytest.raises(PermissionDenied):
        services.response_save(recommendation, world.other_school, "Ответ", world.other_respondent)
    with pytest.raises(PermissionDenied):  # the respondent of the school answering for the other
        services.response_save(recommendation, world.other_school, "Ответ", world.respondent)
    with pytest.raises(PermissionDenied):  # staff do not answer for schools
        services.response_save(recommendation, world.school, "Ответ", world.coordinator)
    with pytest.raises(ValidationError):
        services.response_save(recommendation, world.school, "   ", world.respondent)
    assert not Response.objects.exists()


@pytest.mark.parametrize("state", [Recommendation.State.DRAFT, Recommendation.State.CLOSED])
def test_answer_only_while_issued(world, state):
    recommendation = make_recommendation(world, state=state)
    with pytest.raises(ValidationError):
        services.response_save(recommendation, world.school, "Ответ", world.respondent)
    assert not Response.objects.exists()


def test_closed_recommendation_keeps_the_answer(world):
    recommendation = make_recommendation(world)
    services.response_save(recommendation, world.school, "Первый ответ", world.respondent)
    services.recommendation_close(recommendation=recommendation, by=world.coordinator)
    with pytest.raises(ValidationError):
        services.response_save(recommendation, world.school, "Исправление", world.respondent)
    assert Response.objects.get().text == "Первый ответ"


# Drafting and issuing -------------------------------------------------------------------------------------


def test_from_risk_group_addresses_exactly_the_risk_group(world, risk):
    indicator, period, third = risk
    recommendation = services.recommendation_from_risk_group(indicator, period, world.coordinator)
    assert recommendation.state == Recommendation.State.DRAFT
    assert recommendation.level == Recommendation.Level.RISK_GROUP
    assert set(recommendation.organizations.all()) == {world.school, third}
    assert world.school.short_name in recommendation.text
    assert third.short_name in recommendation.text
    assert world.other_school.short_name not in recommendation.text
    assert "П8" in recommendation.text
    assert "40,0 %" in recommendation.text or "40.0 %" in recommendation.text


def test_from_risk_group_refuses_an_empty_group(world, risk):
    indicator, period, _third = risk
    indicator.risk_threshold = D("10")
    indicator.save()
    with pytest.raises(ValidationError):
        services.recommendation_from_risk_group(indicator, period, world.coordinator)
    assert not Recommendation.objects.exists()


def test_issue_needs_addressees_unless_a_level(world):
    draft = make_recommendation(world, state=Recommendation.State.DRAFT, organizations=[])
    with pytest.raises(ValidationError):
        services.recommendation_issue(recommendation=draft, by=world.coordinator)
    draft.refresh_from_db()
    assert draft.state == Recommendation.State.DRAFT

    to_teachers = make_recommendation(
        world, state=Recommendation.State.DRAFT, organizations=[], level=Recommendation.Level.TEACHERS
    )
    services.recommendation_issue(recommendation=to_teachers, by=world.coordinator)
    to_teachers.refresh_from_db()
    assert to_teachers.state == Recommendation.State.ISSUED
    assert to_teachers.issued_by == world.coordinator
    with pytest.raises(ValidationError):  # issued once
        services.recommendation_issue(recommendation=to_teachers, by=world.coordinator)


def test_issue_is_for_the_coordinator(world):
    draft = make_recommendation(world, state=Recommendation.State.DRAFT)
    for actor in (world.respondent, world.operator, world.outsider, world.executor, world.administrator):
        with pytest.raises(PermissionDenied):
            services.recommendation_issue(recommendation=draft, by=actor)
    draft.refresh_from_db()
    assert draft.state == Recommendation.State.DRAFT


def test_create_refuses_another_municipalitys_organization(world):
    with pytest.raises(ValidationError):
        services.recommendation_create(
            municipality=world.municipality,
            by=world.coordinator,
            title="Т",
            text="Т",
            organizations=[world.elsewhere_school],
        )
    assert not Recommendation.objects.exists()


def test_new_page_prefilled_from_the_risk_group_and_saved(client, world, risk):
    indicator, period, third = risk
    client.force_login(world.coordinator)
    url = reverse("roadmaps:recommendation_new") + f"?indicator={indicator.pk}&period={period.code}"
    page = client.get(url)
    assert page.status_code == 200
    assert third.short_name in page.text
    form = page.context["form"]
    assert set(form.initial["organizations"]) == {world.school, third}


def test_new_page_404_for_another_municipalitys_indicator(client, world, risk):
    indicator, period, _third = risk
    client.force_login(world.outsider)
    url = reverse("roadmaps:recommendation_new") + f"?indicator={indicator.pk}&period={period.code}"
    assert client.get(url).status_code == 404


def test_issue_and_close_views(client, world):
    draft = make_recommendation(world, state=Recommendation.State.DRAFT)
    client.force_login(world.respondent)
    assert client.post(reverse("roadmaps:recommendation_issue", args=[draft.pk])).status_code == 404
    client.force_login(world.coordinator)
    assert client.post(reverse("roadmaps:recommendation_issue", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.state == Recommendation.State.ISSUED
    assert client.post(reverse("roadmaps:recommendation_close", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.state == Recommendation.State.CLOSED


# Effectiveness ------------------------------------------------------------------------------------------


@pytest.fixture
def decision_world(world):
    """A decision on П8 (higher is better): municipal 50 → 60, the school 70 → 65 (worse), the other
    school 30 → 55 (better); target 58 for 2024 (reached); a second indicator, lower is better, with
    a target it misses."""
    before, after = make_year(2023), make_year(2024)
    direction = world.direction  # 1.1: world.coordinator coordinates it, world.executor executes it
    p8 = make_indicator(world.municipality, direction=direction)
    put(p8, before, None, 50)
    put(p8, after, None, 60)
    put(p8, before, world.school, 70)
    put(p8, after, world.school, 65)
    put(p8, before, world.other_school, 30)
    put(p8, after, world.other_school, 55)
    Target.objects.create(indicator=p8, period=after, value=D("58"))
    dropouts = make_indicator(
        world.municipality, code="П9", name="Доля второгодников", higher_is_better=False
    )
    put(dropouts, before, None, 3)
    put(dropouts, after, None, 4)
    Target.objects.create(indicator=dropouts, period=after, value=D("2"))
    decision = services.decision_create(
        municipality=world.municipality,
        by=world.coordinator,
        kind=Decision.Kind.ORDER,
        title="О повышении квалификации",
        direction=direction,
        period=after,
        indicators=[p8, dropouts],
    )
    return decision, p8, dropouts, before, after


def test_effectiveness_figures(world, decision_world):
    decision, p8, dropouts, before, after = decision_world
    result = services.effectiveness(decision, after)
    assert result.previous == before
    first, second = result.indicators
    assert first.indicator == p8
    assert (first.before, first.after, first.change) == (D("50"), D("60"), D("10"))
    assert first.improved is True
    assert first.target_reached is True
    assert (first.improved_count, first.worsened_count) == (1, 1)
    school = next(row for row in first.organizations if row.organization_id == world.school.pk)
    assert (school.before, school.after, school.change, school.improved) == (D("70"), D("65"), D("-5"), False)
    assert [row.name for row in first.worsened] == [world.school.short_name]
    assert second.indicator == dropouts
    assert second.change == D("1")
    assert second.improved is False  # lower is better and it grew
    assert second.target_reached is False


def test_effectiveness_text_names_the_figures(world, decision_world):
    decision, p8, dropouts, before, after = decision_world
    text = services.effectiveness_text(services.effectiveness(decision, after))
    first, second = text.split("\n\n")
    assert "П8" in first and "П9" in second
    for figure in ("50,0 %", "60,0 %", "+10,0 п.п.", "58,0 %"):
        assert figure in first
    assert "+10,0 %" not in first  # a change of a percentage is in percentage points
    assert world.school.short_name in first
    assert world.other_school.short_name not in first  # it improved
    assert "4,0 %" in second


def test_effectiveness_without_previous_values(world):
    after = make_year(2024)
    indicator = make_indicator(world.municipality)
    put(indicator, after, None, 60)
    decision = services.decision_create(
        municipality=world.municipality,
        by=world.coordinator,
        kind="measure",
        title="Мера",
        indicators=[indicator],
    )
    effect = services.effectiveness(decision, after).indicators[0]
    assert effect.before is None and effect.change is None and effect.improved is None
    assert "60,0 %" in services.effectiveness_text(services.effectiveness(decision, after))


def test_effectiveness_draft_fills_the_sixth_component(world, decision_world):
    decision, p8, dropouts, before, after = decision_world
    cycle = Cycle.objects.create(direction=decision.direction, period=after)
    component = CycleComponent.objects.create(
        cycle=cycle, component=Component.EFFECTIVENESS, content="Вводная часть.", state="drafted"
    )
    other = CycleComponent.objects.create(cycle=cycle, component=Component.DECISIONS, content="")
    draft = services.effectiveness_draft(decision, after, world.coordinator)
    decision.refresh_from_db()
    component.refresh_from_db()
    other.refresh_from_db()
    assert decision.effectiveness == draft.text
    assert "П8" in decision.effectiveness
    assert component.content.startswith("Вводная часть.")
    assert draft.text in component.content
    assert component.state == "drafted"
    assert other.content == ""
    services.effectiveness_draft(decision, after, world.coordinator)  # not added twice
    component.refresh_from_db()
    assert component.content.count(draft.text) == 1


def test_effectiveness_draft_leaves_an_approved_component(world, decision_world):
    decision, p8, dropouts, before, after = decision_world
    cycle = Cycle.objects.create(direction=decision.direction, period=after)
    component = CycleComponent.objects.create(
        cycle=cycle, component=Component.EFFECTIVENESS, content="Утверждено.", state="approved"
    )
    draft = services.effectiveness_draft(decision, after, world.coordinator)
    component.refresh_from_db()
    assert draft.locked
    assert component.content == "Утверждено."
    assert component.state == "approved"


def test_effectiveness_draft_without_a_cycle_and_by_a_school(world, decision_world):
    decision, p8, dropouts, before, after = decision_world
    with pytest.raises(PermissionDenied):
        services.effectiveness_draft(decision, after, world.respondent)
    draft = services.effectiveness_draft(decision, after, world.executor)
    assert draft.component is None
    decision.refresh_from_db()
    assert "П8" in decision.effectiveness


def test_decision_page_and_draft_button(client, world, decision_world):
    decision, p8, dropouts, before, after = decision_world
    client.force_login(world.coordinator)
    page = client.get(reverse("roadmaps:decision", args=[decision.pk]) + f"?period={after.code}")
    assert page.status_code == 200
    assert world.school.short_name in page.text
    response = client.post(
        reverse("roadmaps:decision_effectiveness", args=[decision.pk]), {"period": after.code}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert "П8" in decision.effectiveness
    client.force_login(world.outsider)
    assert client.get(reverse("roadmaps:decision", args=[decision.pk])).status_code == 404


def test_decision_page_hides_other_schools_from_a_school(client, world, decision_world):
    decision, *_rest = decision_world
    client.force_login(world.other_respondent)
    page = client.get(reverse("roadmaps:decision", args=[decision.pk]) + "?period=2024")
    assert page.status_code == 200
    assert world.school.short_name not in page.text
    response = client.post(reverse("roadmaps:decision_effectiveness", args=[decision.pk]), {"period": "2024"})
    assert response.status_code in (403, 404)


def test_decision_create_refuses_foreign_links(world):
    foreign = make_indicator(world.elsewhere)
    with pytest.raises(ValidationError):
        services.decision_create(
            municipality=world.municipality,
            by=world.coordinator,
            kind="order",
            title="Т",
            indicators=[foreign],
        )
    roadmap = Roadmap.objects.create(municipality=world.elsewhere, title="Чужая карта")
    event = roadmap.events.create(content="Чужое мероприятие")
    with pytest.raises(ValidationError):
        services.decision_create(
            municipality=world.municipality, by=world.coordinator, kind="order", title="Т", events=[event]
        )
    assert not Decision.objects.exists()


# Home page --------------------------------------------------------------------------------------------


def test_attention_for_a_school_and_for_staff(world):
    from mcok.selectors import roles_of

    late = make_recommendation(world, title="Просрочено", due_on=datetime.date(2020, 1, 1))
    answered = make_recommendation(world, title="Отвечено")
    Response.objects.create(recommendation=answered, organization=world.school, text="Да")
    school_items = services.attention(world.respondent, list(roles_of(world.respondent)))
    texts = " ".join(item.text for item in school_items)
    assert "Просрочено" in texts and "Отвечено" not in texts
    staff_items = services.attention(world.coordinator, list(roles_of(world.coordinator)))
    assert [item.url for item in staff_items] == [reverse("roadmaps:recommendation", args=[late.pk])]
    assert services.attention(world.outsider, list(roles_of(world.outsider))) == []


# Query counts -------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_recommendation_lists_do_not_grow_with_rows(client, world):
    def add(n):
        for i in range(n):
            recommendation = make_recommendation(
                world, title=f"Р{i}", organizations=[world.school, world.other_school], direction=None
            )
            Response.objects.create(recommendation=recommendation, organization=world.school, text="Да")

    url = reverse("roadmaps:recommendations")
    add(2)
    client.force_login(world.coordinator)
    staff_two = _queries(client, url)
    client.force_login(world.respondent)
    school_two = _queries(client, url)
    add(8)
    client.force_login(world.coordinator)
    assert _queries(client, url) == staff_two
    client.force_login(world.respondent)
    assert _queries(client, url) == school_two


def test_decision_list_does_not_grow_with_rows(client, world):
    recommendation = make_recommendation(world)

    def add(n):
        for i in range(n):
            decision = Decision.objects.create(municipality=world.municipality, title=f"Решение {i}")
            decision.recommendations.add(recommendation)

    url = reverse("roadmaps:decisions")
    client.force_login(world.coordinator)
    add(2)
    two = _queries(client, url)
    add(8)
    assert _queries(client, url) == two


# Demo ---------------------------------------------------------------------------------------------------


def test_demo_recommendations_load_and_are_idempotent(db):
    import io

    from django.core.management import call_command

    from roadmaps import demo_recommendations

    call_command("load_demo", stdout=io.StringIO())
    counts = (Recommendation.objects.count(), Response.objects.count(), Decision.objects.count())
    assert counts[0] > 0 and counts[2] > 0
    assert Recommendation.objects.filter(state=Recommendation.State.ISSUED).exists()
    assert Decision.objects.exclude(effectiveness="").exists()
    demo_recommendations.load()
    assert (Recommendation.objects.count(), Response.objects.count(), Decision.objects.count()) == counts


# Rights by assignment --------------------------------------------------------------------------------------


def test_a_directions_recommendation_is_drafted_by_its_executors_and_issued_by_its_coordinators(world):
    def draft(by, **fields):
        return services.recommendation_create(
            municipality=world.municipality,
            by=by,
            title=f"Рекомендация {by.username}",
            text="Текст",
            organizations=[world.school],
            direction=world.direction,
            **fields,
        )

    for denied in (world.other_coordinator, world.administrator, world.operator):
        with pytest.raises(PermissionDenied):
            draft(denied)
    assert not Recommendation.objects.exists()
    by_executor, by_coordinator, by_chief = (
        draft(world.executor),
        draft(world.coordinator),
        draft(world.chief),
    )
    for denied in (world.executor, world.other_coordinator, world.administrator):
        with pytest.raises(PermissionDenied):
            services.recommendation_issue(recommendation=by_executor, by=denied)
    with pytest.raises(PermissionDenied):
        services.recommendation_update(
            recommendation=by_coordinator,
            by=world.other_coordinator,
            title="Чужая",
            text="Т",
            level="municipal",
        )
    assert not Recommendation.objects.filter(title="Чужая").exists()
    assert Recommendation.objects.filter(state=Recommendation.State.ISSUED).count() == 0
    services.recommendation_issue(recommendation=by_executor, by=world.coordinator)
    services.recommendation_issue(recommendation=by_coordinator, by=world.chief)
    for denied in (world.executor, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.recommendation_close(recommendation=by_executor, by=denied)
    services.recommendation_close(recommendation=by_executor, by=world.chief)
    assert Recommendation.objects.get(pk=by_executor.pk).state == Recommendation.State.CLOSED
    assert Recommendation.objects.get(pk=by_chief.pk).state == Recommendation.State.DRAFT


def test_a_recommendation_cannot_be_moved_to_a_direction_not_ones_own(world):
    draft = make_recommendation(world, state=Recommendation.State.DRAFT, direction=world.direction)
    with pytest.raises(PermissionDenied):
        services.recommendation_update(
            recommendation=draft,
            by=world.executor,
            title="Т",
            text="Т",
            level=draft.level,
            organizations=[world.school],
            direction=world.other_direction,
        )
    draft.refresh_from_db()
    assert draft.direction == world.direction


def test_an_assignment_ending_before_the_period_gives_no_right_on_its_work(world):
    """Rights follow the assignment for the recommendation's period: a coordinator whose assignment
    ends this year does not issue a recommendation of a period that begins after it."""
    from django.utils import timezone

    from directions.models import Duty
    from tests.factories import assign, make_user_with_role

    this_year = timezone.localdate().year
    leaving = make_user_with_role("coordinator", municipality=world.municipality)
    assign(leaving, world.other_direction, Duty.COORDINATOR, ends_on=datetime.date(this_year, 12, 31))
    later = make_recommendation(
        world,
        state=Recommendation.State.DRAFT,
        direction=world.other_direction,
        period=make_year(this_year + 2),
    )
    with pytest.raises(PermissionDenied):
        services.recommendation_issue(recommendation=later, by=leaving)
    current = make_recommendation(
        world, state=Recommendation.State.DRAFT, direction=world.other_direction, period=make_year(this_year)
    )
    services.recommendation_issue(recommendation=current, by=leaving)
    assert Recommendation.objects.get(pk=later.pk).state == Recommendation.State.DRAFT


def test_recommendation_pages_refuse_another_directions_coordinator(client, world):
    draft = make_recommendation(world, state=Recommendation.State.DRAFT, direction=world.direction)
    client.force_login(world.other_coordinator)
    assert client.get(reverse("roadmaps:recommendation_edit", args=[draft.pk])).status_code == 403
    refused = client.post(reverse("roadmaps:recommendation_issue", args=[draft.pk]))
    assert refused.status_code == 403
    assert "Направлять рекомендацию адресатам могут только координаторы" in refused.content.decode()
    page = client.get(reverse("roadmaps:recommendation", args=[draft.pk]))
    assert page.status_code == 200 and not page.context["may_issue"] and not page.context["may_edit"]
    response = client.post(
        reverse("roadmaps:recommendation_new"),
        {"title": "Чужая", "text": "Т", "level": "municipal", "direction": world.direction.pk},
    )
    assert response.status_code == 403
    assert not Recommendation.objects.filter(title="Чужая").exists()
    assert Recommendation.objects.get(pk=draft.pk).state == Recommendation.State.DRAFT
    client.force_login(world.executor)
    assert client.post(reverse("roadmaps:recommendation_issue", args=[draft.pk])).status_code == 403
    assert client.get(reverse("roadmaps:recommendation_edit", args=[draft.pk])).status_code == 200
    client.force_login(world.chief)
    assert client.post(reverse("roadmaps:recommendation_issue", args=[draft.pk])).status_code == 302
    assert Recommendation.objects.get(pk=draft.pk).state == Recommendation.State.ISSUED


def test_the_recommendation_form_offers_only_ones_own_directions(client, world):
    url = reverse("roadmaps:recommendation_new")
    client.force_login(world.executor)
    assert list(client.get(url).context["form"].fields["direction"].queryset) == [world.direction]
    client.force_login(world.chief)
    assert set(client.get(url).context["form"].fields["direction"].queryset) == {
        world.direction,
        world.other_direction,
    }
    client.force_login(world.administrator)  # administrators keep catalogues, not recommendations
    assert client.get(url).status_code == 403


def test_a_direction_is_required_of_one_assigned_without_a_municipal_role_to_write(client, world):
    from directions.models import Duty
    from tests.factories import assign, make_user_with_role

    operator = make_user_with_role("operator", municipality=world.municipality)
    assign(operator, world.other_direction, Duty.EXECUTOR)
    client.force_login(operator)
    url = reverse("roadmaps:recommendation_new")
    field = client.get(url).context["form"].fields["direction"]
    assert list(field.queryset) == [world.other_direction] and field.required
    response = client.post(url, {"title": "Без направления", "text": "Т", "level": "municipal"})
    assert response.status_code == 200 and not Recommendation.objects.exists()
    response = client.post(
        url, {"title": "По 2.3", "text": "Т", "level": "municipal", "direction": world.other_direction.pk}
    )
    assert response.status_code == 302
    assert Recommendation.objects.get().direction == world.other_direction


def test_decisions_are_drafted_by_executors_and_adopted_by_coordinators(world):
    def record(by, **fields):
        return services.decision_create(
            municipality=world.municipality,
            by=by,
            kind=Decision.Kind.MEASURE,
            title=f"Решение {by.username}",
            direction=world.direction,
            **fields,
        )

    adopted_on = datetime.date(2024, 9, 1)
    with pytest.raises(PermissionDenied):
        record(world.other_coordinator)
    with pytest.raises(PermissionDenied):
        record(world.executor, adopted_on=adopted_on)  # drafts, does not adopt
    decision = record(world.executor)
    with pytest.raises(PermissionDenied):
        services.decision_update(
            decision=decision,
            by=world.executor,
            kind="measure",
            title="Т",
            direction=world.direction,
            adopted_on=adopted_on,
        )
    with pytest.raises(PermissionDenied):
        services.decision_update(
            decision=decision,
            by=world.other_coordinator,
            kind="measure",
            title="Т",
            direction=world.direction,
        )
    services.decision_update(
        decision=decision,
        by=world.coordinator,
        kind="measure",
        title="Принято",
        direction=world.direction,
        adopted_on=adopted_on,
    )
    # adopted: the executor still writes the analysis of its effectiveness, nothing else
    services.decision_update(
        decision=decision,
        by=world.executor,
        kind="order",
        title="Переписано",
        direction=None,
        adopted_on=None,
        effectiveness="Анализ",
    )
    decision.refresh_from_db()
    assert (decision.title, decision.adopted_on, decision.direction) == (
        "Принято",
        adopted_on,
        world.direction,
    )
    assert decision.effectiveness == "Анализ"
    assert record(world.chief, adopted_on=adopted_on).adopted_on == adopted_on
    with pytest.raises(PermissionDenied):
        services.effectiveness_draft(decision, make_year(2024), world.other_coordinator)


def test_decision_pages_refuse_another_directions_coordinator(client, world, decision_world):
    decision, p8, dropouts, before, after = decision_world
    client.force_login(world.other_coordinator)
    assert client.get(reverse("roadmaps:decision_edit", args=[decision.pk])).status_code == 403
    effectiveness = reverse("roadmaps:decision_effectiveness", args=[decision.pk])
    assert client.post(effectiveness, {"period": after.code}).status_code == 403
    page = client.get(reverse("roadmaps:decision", args=[decision.pk]) + f"?period={after.code}")
    assert page.status_code == 200 and not page.context["may_edit"]
    assert not page.context["may_draft_analysis"]
    response = client.post(
        reverse("roadmaps:decision_new"),
        {"kind": "measure", "title": "Чужое", "direction": world.direction.pk},
    )
    assert response.status_code == 403
    assert not Decision.objects.filter(title="Чужое").exists()
    decision.refresh_from_db()
    assert decision.effectiveness == ""
    client.force_login(world.executor)
    assert client.post(effectiveness, {"period": after.code}).status_code == 302
    decision.refresh_from_db()
    assert "П8" in decision.effectiveness
    form = client.get(reverse("roadmaps:decision_new")).context["form"]
    assert form.fields["adopted_on"].disabled  # an executor does not adopt


def test_the_head_is_refused_nothing_here(client, world, decision_world):
    decision, *_rest = decision_world
    draft = make_recommendation(world, state=Recommendation.State.DRAFT, direction=world.other_direction)
    client.force_login(world.chief)
    assert client.get(reverse("roadmaps:decision_edit", args=[decision.pk])).status_code == 200
    assert client.get(reverse("roadmaps:recommendation_edit", args=[draft.pk])).status_code == 200
    assert client.post(reverse("roadmaps:recommendation_issue", args=[draft.pk])).status_code == 302
