"""The analysis of the effectiveness of a direction's measures: the figures per decision (п.п. for
percentages, answers, events), per direction (recommendations without a decision, decisions that
moved their indicators), the draft into the cycle's component with its confirmation, the rights, the
query count; and the editable links event ↔ indicators, group ↔ direction and document, decision ↔
events."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directions.models import Component, Cycle, CycleComponent
from indicators.models import Indicator, IndicatorValue, Target
from roadmaps import effectiveness as analysis
from roadmaps import groups
from roadmaps import recommendations as services
from roadmaps.models import Decision, Event, Occurrence, ProjectGroup, Recommendation, Response, Roadmap
from tests.factories import make_direction, make_document, make_organization, make_year

D = Decimal


def make_indicator(municipality, code, **fields) -> Indicator:
    values = {"name": f"Показатель {code}", "unit": "%", "higher_is_better": True}
    return Indicator.objects.create(municipality=municipality, code=code, **(values | fields))


def put(indicator, period, value, organization=None) -> None:
    IndicatorValue.objects.create(
        indicator=indicator,
        period=period,
        municipality=indicator.municipality,
        organization=organization,
        value=D(str(value)),
    )


def decide(world, title, indicators=(), events=(), recommendations=(), direction=None, period=None):
    return services.decision_create(
        municipality=world.municipality,
        by=world.chief,
        kind=Decision.Kind.MEASURE,
        title=title,
        direction=direction or world.direction,
        period=period,
        indicators=list(indicators),
        events=list(events),
        recommendations=list(recommendations),
    )


def issued(world, title, organizations, direction=None, period=None, state=Recommendation.State.ISSUED):
    recommendation = Recommendation.objects.create(
        municipality=world.municipality,
        direction=direction or world.direction,
        period=period,
        title=title,
        text="Текст",
        state=state,
    )
    recommendation.organizations.set(organizations)
    return recommendation


@pytest.fixture
def measures(world):
    """Direction 1.1 in 2024 against 2023:
    - «Курсы» moves П8 (%, 50 → 60) and П10 (чел., 100 → 120): both the right way; based on a
      recommendation to two schools, one answered; its event has three instances in 2024 (done,
      overdue, cancelled) and one in 2023;
    - «Приказ» on П9 (%, lower is better, 3 → 4): the wrong way;
    - «Мера» with no indicator: cannot be measured;
    - «Программа» on П8 and П9: in part;
    a second recommendation of 2024 got no decision; a draft and another direction's are not counted."""
    before, after = make_year(2023), make_year(2024)
    p8 = make_indicator(world.municipality, "П8", direction=world.direction)
    p9 = make_indicator(world.municipality, "П9", higher_is_better=False)
    p10 = make_indicator(world.municipality, "П10", unit="чел.")
    for indicator, old, new in ((p8, 50, 60), (p9, 3, 4), (p10, 100, 120)):
        put(indicator, before, old)
        put(indicator, after, new)
    Target.objects.create(indicator=p8, period=after, value=D("58"))
    answered = issued(world, "Повысить долю", [world.school, world.other_school], period=after)
    Response.objects.create(recommendation=answered, organization=world.school, text="Сделано")
    forgotten = issued(world, "Забытая рекомендация", [world.school], period=after)
    issued(world, "Черновик", [world.school], period=after, state=Recommendation.State.DRAFT)
    issued(world, "Чужая", [world.school], period=after, direction=world.other_direction)
    roadmap = Roadmap.objects.create(municipality=world.municipality, direction=world.direction, title="ДК")
    event = Event.objects.create(roadmap=roadmap, content="Курсы для учителей")
    for due, state in (
        (datetime.date(2024, 3, 1), Occurrence.State.DONE),
        (datetime.date(2024, 4, 1), Occurrence.State.PLANNED),  # overdue
        (datetime.date(2024, 5, 1), Occurrence.State.CANCELLED),
        (datetime.date(2023, 5, 1), Occurrence.State.PLANNED),  # another period
    ):
        Occurrence.objects.create(event=event, due_on=due, state=state)
    courses = decide(world, "Курсы", [p8, p10], [event], [answered], period=after)
    order = decide(world, "Приказ", [p9], period=after)
    measure = decide(world, "Мера", period=after)
    programme = decide(world, "Программа", [p8, p9], period=after)
    decide(world, "Решение другого направления", [p8], direction=world.other_direction, period=after)
    decide(world, "Решение прошлого года", [p8], period=before)
    return {
        "before": before,
        "after": after,
        "p8": p8,
        "p9": p9,
        "p10": p10,
        "answered": answered,
        "forgotten": forgotten,
        "courses": courses,
        "order": order,
        "measure": measure,
        "programme": programme,
        "event": event,
    }


def by_title(result):
    return {item.decision.title: item for item in result.decisions}


# The analysis ---------------------------------------------------------------------------------------


def test_a_decision_shows_its_indicators_answers_and_events(world, measures):
    item = analysis.decision_analysis(measures["courses"], measures["after"])
    changes = {change.indicator.code: change for change in item.indicators}
    p8, p10 = changes["П8"], changes["П10"]
    assert (p8.indicator, p8.before, p8.after, p8.change) == (measures["p8"], D("50"), D("60"), D("10"))
    assert p8.change_text == "+10,0 п.п."  # percentage points, never «%»
    assert p8.before_text == "50,0 %" and p8.after_text == "60,0 %"
    assert p8.target_reached is True
    assert p10.change_text == "+20,0 чел."  # other units keep theirs
    assert (item.recommendations, item.addressed, item.answered) == (1, 2, 1)
    assert item.answered_percent == D("50")
    assert (item.events, item.due, item.done, item.overdue) == (1, 2, 1, 1)
    assert item.verdict == analysis.Verdict.MOVED


def test_a_direction_tells_recommendations_without_decision_and_decisions_that_moved(world, measures):
    result = analysis.direction_analysis(world.direction, measures["after"])
    assert result.previous == measures["before"]
    assert [item.decision.title for item in result.decisions] == ["Программа", "Мера", "Приказ", "Курсы"]
    assert result.decided == [measures["answered"]]
    assert result.undecided == [measures["forgotten"]]
    assert [item.decision.title for item in result.moved] == ["Курсы"]
    assert [item.decision.title for item in result.not_moved] == ["Приказ"]
    assert [item.decision.title for item in result.partly] == ["Программа"]
    assert [item.decision.title for item in result.unmeasured] == ["Мера"]
    assert by_title(result)["Приказ"].indicators[0].change_text == "+1,0 п.п."
    assert by_title(result)["Приказ"].indicators[0].improved is False  # lower is better


def test_the_text_writes_changes_of_percentages_in_points(world, measures):
    text = analysis.direction_text(analysis.direction_analysis(world.direction, measures["after"]))
    assert "Курсы — П8 Показатель П8: 50,0 % → 60,0 % (+10,0 п.п.)" in text
    assert "Курсы — П10 Показатель П10: 100,0 чел. → 120,0 чел. (+20,0 чел.)" in text
    assert "+10,0 %" not in text
    assert re.search(r"Показатели сравниваются с \S+ (годом|учебным годом|полугодием|кварталом)", text)
    assert "1 из 2 (50,0 %)" in text  # the answers
    assert "1 из 2 (просрочено: 1)" in text  # the events
    assert "Забытая рекомендация" in text.split("Рекомендации без принятого решения:")[1]
    assert "Решение другого направления" not in text and "Черновик" not in text


def test_the_decisions_own_analysis_writes_points_too(world, measures):
    text = services.effectiveness_text(services.effectiveness(measures["courses"], measures["after"]))
    assert "(+10,0 п.п.)" in text
    assert "(+20,0 чел.)" in text
    assert "+10,0 %" not in text


def test_the_analysis_queries_do_not_grow_with_decisions(world):
    before, after = make_year(2023), make_year(2024)
    roadmap = Roadmap.objects.create(municipality=world.municipality, title="ДК")

    def add(n: int) -> None:
        for i in range(n):
            indicators = [make_indicator(world.municipality, f"К{n}-{i}-{j}") for j in range(2)]
            for indicator in indicators:
                put(indicator, before, 10)
                put(indicator, after, 12)
                put(indicator, after, 13, organization=world.school)
            schools = [make_organization(world.municipality) for _ in range(n)]
            recommendation = issued(world, f"Р{n}-{i}", schools, period=after)
            event = Event.objects.create(roadmap=roadmap, content=f"М{n}-{i}")
            Occurrence.objects.create(event=event, due_on=datetime.date(2024, 6, 1))
            decide(world, f"Р{n}-{i}", indicators, [event], [recommendation], period=after)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            result = analysis.direction_analysis(world.direction, after)
            analysis.direction_text(result)
        return len(context.captured_queries)

    add(1)
    small = queries()
    Decision.objects.all().delete()
    add(4)
    assert queries() == small


# The page and the draft --------------------------------------------------------------------------------


def page_url(world, period) -> str:
    return reverse("roadmaps:direction_effectiveness", args=[world.direction.pk]) + f"?period={period.code}"


def draft_url(world) -> str:
    return reverse("roadmaps:direction_effectiveness_draft", args=[world.direction.pk])


def component_of(world, period, **fields) -> CycleComponent:
    cycle = Cycle.objects.create(direction=world.direction, period=period)
    return CycleComponent.objects.create(cycle=cycle, component=Component.EFFECTIVENESS, **fields)


def test_the_page_is_read_by_the_directions_readers_only(client, world, measures):
    url = page_url(world, measures["after"])
    for user in (world.coordinator, world.executor, world.other_coordinator, world.operator, world.chief):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200, user
        assert "+10,0 п.п." in page.text and "Забытая рекомендация" in page.text
    client.force_login(world.other_coordinator)
    assert "Подготовить анализ" not in client.get(url).text
    for user in (world.respondent, world.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_the_draft_writes_an_empty_component(client, world, measures):
    component = component_of(world, measures["after"])
    client.force_login(world.executor)
    response = client.post(draft_url(world), {"period": "2024"})
    assert response.status_code == 302
    component.refresh_from_db()
    assert "Курсы — П8 Показатель П8: 50,0 % → 60,0 % (+10,0 п.п.)" in component.content
    assert component.changed_by == world.executor
    assert component.state == CycleComponent.State.NOT_STARTED


def test_the_draft_asks_before_overwriting_another_text(client, world, measures):
    component = component_of(world, measures["after"], content="Текст исполнителя.", state="drafted")
    client.force_login(world.coordinator)
    asked = client.post(draft_url(world), {"period": "2024"})
    assert asked.status_code == 200
    assert "Заменить текст компонента?" in asked.text and "Текст исполнителя." in asked.text
    component.refresh_from_db()
    assert component.content == "Текст исполнителя."
    # The text changed after the question was shown: asked again, nothing written.
    seen = analysis.digest("Текст исполнителя.")
    CycleComponent.objects.filter(pk=component.pk).update(content="Новая правка.")
    again = client.post(draft_url(world), {"period": "2024", "confirm": "1", "seen": seen})
    assert again.status_code == 200 and "Новая правка." in again.text
    component.refresh_from_db()
    assert component.content == "Новая правка."
    confirmed = client.post(
        draft_url(world), {"period": "2024", "confirm": "1", "seen": analysis.digest("Новая правка.")}
    )
    assert confirmed.status_code == 302
    component.refresh_from_db()
    assert "(+10,0 п.п.)" in component.content
    assert component.state == CycleComponent.State.DRAFTED


def test_the_draft_leaves_an_approved_component(client, world, measures):
    for state in (CycleComponent.State.APPROVED, CycleComponent.State.PUBLISHED):
        Cycle.objects.all().delete()
        component = component_of(world, measures["after"], content="Утверждено.", state=state)
        client.force_login(world.coordinator)
        response = client.post(draft_url(world), {"period": "2024", "confirm": "1"}, follow=True)
        assert "его текст не изменён" in response.text
        component.refresh_from_db()
        assert component.content == "Утверждено." and component.state == state


def test_the_draft_without_a_cycle_says_so(client, world, measures):
    client.force_login(world.coordinator)
    response = client.post(draft_url(world), {"period": "2024"}, follow=True)
    assert "сначала откройте цикл" in response.text
    with pytest.raises(ValidationError):
        analysis.component_draft(direction=world.direction, period=measures["after"], by=world.coordinator)


def test_the_draft_is_refused_to_those_not_assigned(client, world, measures):
    component = component_of(world, measures["after"])
    for user, status in ((world.other_coordinator, 403), (world.operator, 403), (world.outsider, 404)):
        client.force_login(user)
        assert client.post(draft_url(world), {"period": "2024", "confirm": "1"}).status_code == status
    with pytest.raises(PermissionDenied):
        analysis.component_draft(
            direction=world.direction, period=measures["after"], by=world.other_coordinator
        )
    component.refresh_from_db()
    assert component.content == ""


def test_the_decision_page_shows_points_answers_and_events(client, world, measures):
    client.force_login(world.coordinator)
    page = client.get(reverse("roadmaps:decision", args=[measures["courses"].pk]) + "?period=2024")
    assert page.status_code == 200
    assert "+10,0 п.п." in page.text
    assert "1 из 2 (50,0 %)" in page.text
    assert reverse("roadmaps:direction_effectiveness", args=[world.direction.pk]) in page.text


# The editable links ------------------------------------------------------------------------------------


def test_an_event_takes_its_indicators_grouped_by_direction(client, world):
    roadmap = Roadmap.objects.create(municipality=world.municipality, direction=world.direction, title="ДК")
    event = Event.objects.create(roadmap=roadmap, content="Семинар", order=1)
    own = make_indicator(world.municipality, "П1", direction=world.direction)
    other = make_indicator(world.municipality, "П2", direction=world.other_direction)
    foreign = make_indicator(world.elsewhere, "П3")
    url = reverse("roadmaps:event_edit", args=[roadmap.pk])
    client.force_login(world.coordinator)
    form = client.get(url + f"?event={event.pk}").text
    assert form.index(f'<optgroup label="{world.direction.code}') < form.index(
        f'<optgroup label="{world.other_direction.code}'
    )
    data = {"event": event.pk, "content": "Семинар", "order": 1}
    assert client.post(url, data | {"indicators": [own.pk, other.pk]}).status_code == 302
    assert set(event.indicators.all()) == {own, other}
    refused = client.post(url, data | {"indicators": [foreign.pk]})
    assert refused.status_code == 400
    assert "Выберите корректный вариант" in refused.text
    assert set(event.indicators.all()) == {own, other}


def test_a_group_takes_its_direction_and_approving_document(client, world):
    group = ProjectGroup.objects.create(municipality=world.municipality, title="Группа")
    document = make_document(world.municipality, title="Приказ о группе")
    url = reverse("roadmaps:group_edit", args=[group.pk])
    client.force_login(world.coordinator)
    data = {"action": "group", "title": "Группа"}
    saved = client.post(url, data | {"direction": world.direction.pk, "document": document.pk})
    assert saved.status_code == 302
    group.refresh_from_db()
    assert (group.direction, group.document) == (world.direction, document)
    detail = client.get(reverse("roadmaps:group", args=[group.pk])).text
    assert "Приказ о группе" in detail and world.direction.name in detail
    foreign_direction = make_direction(world.elsewhere, "1.1")
    foreign_document = make_document(world.elsewhere)
    for field, value in (("direction", foreign_direction.pk), ("document", foreign_document.pk)):
        refused = client.post(url, data | {field: value})
        assert refused.status_code == 200 and "Выберите корректный вариант" in refused.text
    group.refresh_from_db()
    assert (group.direction, group.document) == (world.direction, document)
    with pytest.raises(ValidationError, match="другому муниципалитету"):
        groups.group_update(group=group, by=world.coordinator, title="Группа", direction=foreign_direction)


def test_a_decision_takes_its_events_of_the_municipalitys_roadmaps(client, world):
    roadmap = Roadmap.objects.create(municipality=world.municipality, direction=world.direction, title="ДК-1")
    event = Event.objects.create(roadmap=roadmap, content="Своё мероприятие")
    foreign = Event.objects.create(
        roadmap=Roadmap.objects.create(municipality=world.elsewhere, title="Чужая"), content="Чужое"
    )
    decision = decide(world, "Решение")
    url = reverse("roadmaps:decision_edit", args=[decision.pk])
    client.force_login(world.coordinator)
    assert '<optgroup label="ДК-1">' in client.get(url).text
    data = {"kind": "measure", "title": "Решение", "direction": world.direction.pk}
    assert client.post(url, data | {"events": [event.pk]}).status_code == 302
    assert list(decision.events.all()) == [event]
    refused = client.post(url, data | {"events": [foreign.pk]})
    assert refused.status_code == 200 and "Выберите корректный вариант" in refused.text
    assert list(decision.events.all()) == [event]
