"""The audit trail: a coordinator reads who did what and when in their municipality, nobody else's."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from directions.models import Block, Cycle, CycleComponent, Direction, Evaluation, Position, Score, Transition
from mcok.models import Period
from mcok.services import periods_ensure
from monitoring import services as monitoring_services
from monitoring.models import SubmissionEvent
from reports import public
from reports.models import PublicPage, PublicVersion, Report
from roadmaps.models import Recommendation
from tests.monitoring.factories import make_campaign, make_form, make_submission

URL = reverse("mcok:audit")
ANSWERS = {"teachers": "40", "teachers_diagnosed": "30"}


def body(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def make_directions(municipality, user, marker: str):
    """A direction's cycle component and an evaluation's score in `municipality`."""
    periods_ensure(year=2025)
    period = Period.objects.get(code="2025")
    block, _ = Block.objects.get_or_create(code="1", defaults={"name": "Блок 1"})
    direction = Direction.objects.create(
        municipality=municipality, block=block, code=marker, name=f"{marker}-направление", valid_from=period
    )
    cycle = Cycle.objects.create(direction=direction, period=period)
    component = CycleComponent.objects.create(cycle=cycle, component="goals")
    position = Position.objects.create(
        municipality=municipality,
        period=period,
        direction=direction,
        component="goals",
        code=f"{marker}-Ц.1",
        text="Позиция",
        max_score=2,
    )
    evaluation, _ = Evaluation.objects.get_or_create(
        municipality=municipality, period=period, defaults={"created_by": user}
    )
    score = Score.objects.create(evaluation=evaluation, position=position)
    return component, score


def make_events(world, municipality, user, marker: str, n: int) -> None:
    """`n` events of every kind in `municipality`, written straight to the tables they live in."""
    component, score = make_directions(municipality, user, marker)
    school = world.school if municipality == world.municipality else world.elsewhere_school
    form = make_form(municipality, title=f"{marker}-форма", elements=False)
    campaign = make_campaign(municipality, form=form, by=user, organizations=[school], title=f"{marker}-сбор")
    submission = make_submission(campaign, school)
    page = PublicPage.objects.create(municipality=municipality, kind="free", slug=f"{marker}-p", title=marker)
    period = Period.objects.get(code="2025")
    now = timezone.now()
    for i in range(n):
        SubmissionEvent.objects.create(submission=submission, action="saved", by=user)
        Transition.objects.create(component=component, from_state="not_started", to_state="drafted", by=user)
        score.score = Decimal(i % 3)
        score.save()
        PublicVersion.objects.create(
            page=page,
            number=i + 1,
            title=f"{marker}-версия",
            published_by=user,
            withdrawn_by=user,
            withdrawn_at=now,
        )
        Report.objects.create(
            municipality=municipality,
            kind="summary",
            period=period,
            title=f"{marker}-справка",
            created_by=user,
            approved_by=user,
            approved_at=now,
        )


@pytest.fixture
def trail(world):
    """What a coordinator did in the first municipality: a submission submitted and accepted, a score
    changed, a page published and withdrawn."""
    coordinator = world.coordinator
    coordinator.first_name, coordinator.last_name = "Мария", "Иванова"
    coordinator.save()
    world.respondent.first_name, world.respondent.last_name = "Пётр", "Петров"
    world.respondent.save()
    campaign = make_campaign(world.municipality, by=coordinator, title="Диагностика-2025")
    submission = make_submission(campaign, world.school, ANSWERS, by=world.respondent, submit=True)
    monitoring_services.submission_accept(submission=submission, by=coordinator)
    _, score = make_directions(world.municipality, coordinator, "свои")
    score.score = Decimal("1")
    score.scored_by = coordinator
    score.save()
    score.score = Decimal("1.5")
    score._history_user = coordinator
    score.save()
    page = PublicPage.objects.create(
        municipality=world.municipality, kind="free", slug="o-nas", title="О системе оценки"
    )
    public.publish(page, user=world.operator)
    public.withdraw(page, user=coordinator)
    return submission


def test_coordinator_reads_who_did_what_and_when(client, world, trail):
    client.force_login(world.coordinator)
    text = body(client)
    assert "Журнал событий" in text
    assert "Отправлена" in text
    assert "Принята" in text
    assert "Диагностика-2025" in text
    assert world.school.short_name in text
    assert "Пётр Петров" in text
    assert "Мария Иванова" in text
    assert "Балл изменён" in text
    assert "1,0 → 1,5" in text
    assert "Страница опубликована" in text
    assert "Страница снята с публикации" in text
    assert "О системе оценки" in text
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert today in text


def test_newest_first(client, world, trail):
    client.force_login(world.coordinator)
    text = body(client)
    assert text.index("Страница снята с публикации") < text.index("Страница опубликована")
    assert text.index("Принята") < text.index("Отправлена")


def test_filters_by_kind_and_dates(client, world, trail):
    client.force_login(world.coordinator)
    text = body(client, kind="public")
    assert "Страница опубликована" in text
    assert "Диагностика-2025" not in text
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    text = body(client, date_from=tomorrow.isoformat())
    assert "Страница опубликована" not in text
    assert "Ничего не найдено." in text
    text = body(client, date_from=tomorrow.isoformat(), date_to=timezone.localdate().isoformat())
    assert "Дата начала позже даты окончания." in text
    text = body(client, date_from="не дата")
    assert "Введите правильную дату." in text


@pytest.mark.parametrize("actor", ["respondent", "head", "executor", "operator", "expert"])
def test_others_are_refused(client, world, trail, actor):
    client.force_login(getattr(world, actor))
    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302


def test_other_municipality_is_not_found_and_never_shown(client, world, trail):
    make_events(world, world.elsewhere, world.outsider, "чужое", 2)
    client.force_login(world.coordinator)
    assert client.get(URL, {"municipality": "amur"}).status_code == 404
    text = body(client)
    assert "чужое" not in text
    client.force_login(world.outsider)
    text = body(client)
    assert "чужое" in text
    assert "Диагностика-2025" not in text
    assert "О системе оценки" not in text
    assert client.get(URL, {"municipality": "ishim"}).status_code == 404


def test_administrator_of_the_municipality_reads_it(client, world, trail):
    client.force_login(world.administrator)
    assert "О системе оценки" in body(client)


def test_the_head_of_the_department_reads_it(client, world, trail):
    client.force_login(world.chief)
    assert "О системе оценки" in body(client)
    assert client.get(URL, {"municipality": "amur"}).status_code == 404


def test_a_refusal_says_who_reads_the_trail(client, world, caplog):
    client.force_login(world.expert)
    assert client.get(URL).status_code == 403
    denied = [
        r.exc_info[1] for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], PermissionDenied)
    ]
    with translation.override("ru"):
        expected = gettext(
            "Only coordinators, administrators and the head of the department read the audit trail."
        )
    assert [str(error) for error in denied] == [expected]


def test_instance_administrator_chooses_the_municipality(client, world, trail, django_user_model):
    make_events(world, world.elsewhere, world.outsider, "чужое", 1)
    admin = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin)
    assert "чужое" in body(client, municipality="amur")
    assert "О системе оценки" in body(client, municipality="ishim")
    assert client.get(URL, {"municipality": "nowhere"}).status_code == 404


def queries(client, **params) -> int:
    client.get(URL, params)
    with CaptureQueriesContext(connection) as context:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_query_count_does_not_grow_with_events(client, world):
    client.force_login(world.coordinator)
    make_events(world, world.municipality, world.coordinator, "a", 3)
    few = queries(client)
    make_events(world, world.municipality, world.coordinator, "b", 30)
    many = queries(client)
    assert many == few
    assert queries(client, page=2) == few
    text = body(client, page=2)
    assert "Страница 2 из" in text


def test_pages_hold_fifty_events_newest_first(client, world):
    client.force_login(world.coordinator)
    make_events(world, world.municipality, world.coordinator, "a", 30)
    first = body(client)
    assert first.count("<tr>") == 50 + 1
    # 30 of each of six kinds, and the score's creation
    assert "181 событие" in first
    assert "Страница 1 из 4" in first


def test_recommendation_state_changes_are_shown_and_edits_are_not(client, world):
    recommendation = Recommendation.objects.create(
        municipality=world.municipality, title="Провести диагностику", text="Текст"
    )
    recommendation.text = "Новый текст"
    recommendation.save()
    recommendation.state = Recommendation.State.ISSUED
    recommendation.save()
    client.force_login(world.coordinator)
    text = body(client, kind="recommendations")
    assert "Рекомендация создана" in text
    assert "Состояние рекомендации изменено" in text
    assert "2 события" in text
