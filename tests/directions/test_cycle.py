from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directions import selectors, services
from directions.models import Component, CycleComponent, Direction, Duty, Responsibility, Transition
from mcok import services as core_services
from mcok.models import Official, Period, Role, User
from tests.factories import assign, make_official, make_organization, make_user_with_role, make_year

State = CycleComponent.State


@pytest.fixture
def cycle_world(world):
    """The World's direction 1.1, its coordinator and executor named as the order names them, its
    cycle for 2025 open; the municipality's operator; and the coordinator of 2.3, not named on 1.1."""
    core_services.periods_ensure(year=2025)
    period = Period.objects.get(code="2025")
    Official.objects.filter(user=world.coordinator).update(full_name="Координатор А.А.")
    Official.objects.filter(user=world.executor).update(full_name="Исполнитель Б.Б.")
    Official.objects.filter(user=world.other_coordinator).update(full_name="Чужой координатор")
    make_official(world.municipality, full_name="Оператор В.В.", user=world.operator)
    cycle = services.cycle_open(direction=world.direction, period=period, by=world.coordinator)
    world.period, world.cycle = period, cycle
    return world


def goals(world) -> CycleComponent:
    return world.cycle.components.get(component=Component.GOALS)


def test_opening_a_cycle_creates_the_nine_components_once(cycle_world):
    w = cycle_world
    assert w.cycle.components.count() == 9
    assert set(w.cycle.components.values_list("state", flat=True)) == {State.NOT_STARTED}
    assert list(goals(w).responsible.all()) == [w.executor.officials.get()]
    assert services.cycle_open(direction=w.direction, period=w.period, by=w.coordinator) == w.cycle
    assert w.cycle.components.count() == 9


def test_executor_cannot_open_a_cycle(cycle_world):
    with pytest.raises(PermissionDenied):
        services.cycle_open(
            direction=cycle_world.direction, period=cycle_world.period, by=cycle_world.executor
        )


# The card: executors draft, the coordinator approves or returns, the operator publishes or withdraws.
CARD = [
    (State.NOT_STARTED, State.DRAFTED, "executor"),
    (State.DRAFTED, State.APPROVED, "coordinator"),
    (State.DRAFTED, State.NOT_STARTED, "coordinator"),
    (State.APPROVED, State.DRAFTED, "coordinator"),
    (State.APPROVED, State.PUBLISHED, "operator"),
    (State.PUBLISHED, State.APPROVED, "operator"),
]
ACTORS = [
    "executor",
    "coordinator",
    "operator",
    "expert",
    "administrator",
    "other_coordinator",
    "chief",
    "respondent",
    "outsider",
]


@pytest.mark.parametrize(("from_state", "to_state", "allowed"), CARD)
def test_only_the_role_the_card_names_moves_a_state(cycle_world, from_state, to_state, allowed):
    w = cycle_world
    for actor in ACTORS:
        item = goals(w)
        CycleComponent.objects.filter(pk=item.pk).update(state=from_state)
        item.refresh_from_db()
        user = getattr(w, actor)
        # The head of the department acts as the coordinator of every direction.
        if actor == allowed or (actor == "chief" and allowed == "coordinator"):
            services.component_move(component=item, to_state=to_state, by=user, comment="причина")
            assert goals(w).state == to_state
        else:
            with pytest.raises(PermissionDenied):
                services.component_move(component=item, to_state=to_state, by=user, comment="причина")
            assert goals(w).state == from_state, actor


def test_impossible_moves_are_refused(cycle_world):
    w = cycle_world
    with pytest.raises(ValidationError):
        services.component_move(component=goals(w), to_state=State.PUBLISHED, by=w.operator)
    with pytest.raises(ValidationError):
        services.component_move(component=goals(w), to_state=State.APPROVED, by=w.coordinator)


def test_every_move_is_kept_and_a_move_back_needs_a_reason(cycle_world):
    w = cycle_world
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=w.executor)
    with pytest.raises(ValidationError) as error:
        services.component_move(component=goals(w), to_state=State.NOT_STARTED, by=w.coordinator, comment=" ")
    assert "комментарий" in error.value.messages[0]
    services.component_move(
        component=goals(w), to_state=State.NOT_STARTED, by=w.coordinator, comment="Нет сроков"
    )
    moves = list(
        Transition.objects.filter(component=goals(w))
        .order_by("pk")
        .values_list("from_state", "to_state", "by", "comment")
    )
    assert moves == [
        (State.NOT_STARTED, State.DRAFTED, w.executor.pk, ""),
        (State.DRAFTED, State.NOT_STARTED, w.coordinator.pk, "Нет сроков"),
    ]


def test_a_stale_move_loses_to_the_first(cycle_world):
    w = cycle_world
    stale = goals(w)
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=w.executor)
    with pytest.raises(ValidationError):
        services.component_move(component=stale, to_state=State.DRAFTED, by=w.executor)
    assert Transition.objects.filter(component=stale).count() == 1


def test_content_is_written_until_approval(cycle_world):
    w = cycle_world
    services.component_update(component=goals(w), by=w.executor, content="Цель: 95 % объективных результатов")
    assert goals(w).content.startswith("Цель")
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=w.executor)
    services.component_move(component=goals(w), to_state=State.APPROVED, by=w.coordinator)
    with pytest.raises(PermissionDenied):
        services.component_update(component=goals(w), by=w.executor, content="правка")
    with pytest.raises(PermissionDenied):
        services.component_update(component=goals(w), by=w.operator, content="правка")


def test_overview_shows_states_and_who_is_awaited(cycle_world):
    w = cycle_world
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=w.executor)
    rows = selectors.overview(w.coordinator, w.municipality, w.period)
    assert [row.direction for row in rows] == [w.direction, w.other_direction]
    cells = {cell.component: cell for cell in rows[0].cells}
    assert cells[Component.GOALS].item.state == State.DRAFTED
    assert cells[Component.GOALS].waiting_for == ["Координатор А.А."]
    assert cells[Component.INDICATORS].waiting_for == ["Исполнитель Б.Б."]
    assert selectors.overview(w.outsider, w.municipality, w.period) == []


def test_overview_marks_overdue(cycle_world):
    w = cycle_world
    CycleComponent.objects.filter(pk=goals(w).pk).update(due_on="2025-02-01")
    cells = {c.component: c for c in selectors.overview(w.coordinator, w.municipality, w.period)[0].cells}
    assert cells[Component.GOALS].overdue
    CycleComponent.objects.filter(pk=goals(w).pk).update(state=State.PUBLISHED)
    cells = {c.component: c for c in selectors.overview(w.coordinator, w.municipality, w.period)[0].cells}
    assert not cells[Component.GOALS].overdue


def test_overview_page_queries_do_not_grow_with_directions(client, cycle_world):
    w = cycle_world
    client.force_login(w.coordinator)
    url = reverse("directions:overview") + f"?period={w.period.code}&municipality={w.municipality.slug}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    before = queries()
    for n in range(2, 6):
        direction = Direction.objects.create(
            municipality=w.municipality,
            block=w.direction.block,
            code=f"1.{n}",
            name=f"Направление {n}",
            valid_from=w.period,
        )
        assign(w.coordinator, direction, Duty.COORDINATOR)
        assign(w.executor, direction, Duty.EXECUTOR)
        services.cycle_open(direction=direction, period=w.period, by=w.coordinator)
    assert queries() == before


def test_move_through_the_pages(client, cycle_world):
    w = cycle_world
    item = goals(w)
    client.force_login(w.executor)
    page = client.get(reverse("directions:component", args=[item.pk])).content.decode()
    assert "Передать черновик координатору" in page
    client.post(
        reverse("directions:component", args=[item.pk]), {"content": "Цели и задачи", "due_on": "2025-10-01"}
    )
    client.post(reverse("directions:component_move", args=[item.pk]), {"to_state": State.DRAFTED})
    item.refresh_from_db()
    assert (item.state, item.content, str(item.due_on)) == (State.DRAFTED, "Цели и задачи", "2025-10-01")
    response = client.post(reverse("directions:component_move", args=[item.pk]), {"to_state": State.APPROVED})
    assert response.status_code == 403
    assert "координатор" in response.content.decode()
    item.refresh_from_db()
    assert item.state == State.DRAFTED


def test_home_page_lists_what_waits_for_each_role(client, cycle_world):
    w = cycle_world
    client.force_login(w.executor)
    assert "9 компонентов циклов ждут вашего черновика" in client.get(reverse("mcok:home")).content.decode()
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=w.executor)
    client.force_login(w.coordinator)
    assert "1 черновик ждёт вашего утверждения" in client.get(reverse("mcok:home")).content.decode()
    services.component_move(component=goals(w), to_state=State.APPROVED, by=w.coordinator)
    client.force_login(w.operator)
    assert "1 утверждённый компонент ждёт публикации" in client.get(reverse("mcok:home")).content.decode()


def test_schools_and_other_municipalities_see_no_direction(client, cycle_world):
    w = cycle_world
    for user in (w.respondent, w.outsider, w.outsider_school):
        client.force_login(user)
        assert client.get(reverse("directions:direction", args=[w.direction.pk])).status_code == 404
        assert client.get(reverse("directions:component", args=[goals(w).pk])).status_code == 404


def test_a_maximum_lowered_below_a_score_is_reported_not_a_crash(cycle_world):
    from directions.models import Evaluation, Position, Score

    w = cycle_world
    evaluation = Evaluation.objects.create(
        municipality=w.municipality, period=w.period, created_by=w.coordinator
    )
    position = Position.objects.create(
        municipality=w.municipality,
        period=w.period,
        direction=w.direction,
        component="goals",
        code="Ц.1",
        text="Цели утверждены",
        max_score=2,
    )
    Score.objects.create(evaluation=evaluation, position=position, score=2)
    Position.objects.filter(pk=position.pk).update(max_score=1)
    results = services.evaluation_compute(evaluation=evaluation)
    assert "Ц.1" in results["errors"][0]
    evaluation.refresh_from_db()
    assert evaluation.results == results


# Rights follow the assignment (Приложение 1 of order №1048), not the login's role.


def test_one_person_coordinating_and_executing_a_direction_drafts_and_approves_it(cycle_world):
    w = cycle_world
    both = make_user_with_role(Role.Kind.COORDINATOR, municipality=w.municipality)
    assign(both, w.direction, Duty.COORDINATOR)
    assign(both, w.direction, Duty.EXECUTOR)
    services.component_update(component=goals(w), by=both, content="Цели направления 1.1")
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=both)
    services.component_move(component=goals(w), to_state=State.APPROVED, by=both)
    assert goals(w).state == State.APPROVED


def test_the_coordinator_of_another_direction_cannot_touch_this_one(cycle_world):
    w = cycle_world
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=w.executor)
    for write in (
        lambda: services.component_move(component=goals(w), to_state=State.APPROVED, by=w.other_coordinator),
        lambda: services.component_update(component=goals(w), by=w.other_coordinator, content="чужая правка"),
        lambda: services.cycle_open(direction=w.direction, period=make_year(2026), by=w.other_coordinator),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert (goals(w).state, goals(w).content) == (State.DRAFTED, "")


def test_a_reassignment_takes_effect_at_once_and_leaves_work_in_flight(cycle_world):
    w = cycle_world
    services.component_update(component=goals(w), by=w.executor, content="Черновик прежнего исполнителя")
    newcomer = make_user_with_role(Role.Kind.EXECUTOR, municipality=w.municipality)
    today = timezone.localdate()
    Responsibility.objects.filter(direction=w.direction, duty=Duty.EXECUTOR).update(
        ends_on=today - timedelta(days=1)
    )
    assign(newcomer, w.direction, Duty.EXECUTOR, starts_on=today)
    executor = User.objects.get(pk=w.executor.pk)  # a new request reads the assignments afresh
    with pytest.raises(PermissionDenied):
        services.component_update(component=goals(w), by=executor, content="правка")
    assert goals(w).content == "Черновик прежнего исполнителя"
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=newcomer)
    assert goals(w).state == State.DRAFTED


def test_an_acting_deputy_acts_for_the_days_of_the_absence_only(cycle_world):
    w = cycle_world
    deputy = make_user_with_role(Role.Kind.COORDINATOR, municipality=w.municipality)
    today = timezone.localdate()
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=w.executor)
    assign(deputy, w.direction, Duty.COORDINATOR, acting=True, starts_on=today + timedelta(days=1))
    with pytest.raises(PermissionDenied):  # the absence starts tomorrow
        services.component_move(component=goals(w), to_state=State.APPROVED, by=deputy)
    Responsibility.objects.filter(official__user=deputy).update(
        starts_on=today - timedelta(days=3), ends_on=today
    )
    deputy = User.objects.get(pk=deputy.pk)
    services.component_move(component=goals(w), to_state=State.APPROVED, by=deputy)
    assert goals(w).state == State.APPROVED


def test_the_staff_of_an_executing_organization_draft_for_it(cycle_world):
    w = cycle_world
    centre = make_organization(w.municipality, short_name="ИМЦ", kind="methodical")
    Responsibility.objects.create(direction=w.direction, duty=Duty.EXECUTOR, organization=centre)
    methodist = make_user_with_role(Role.Kind.EXECUTOR, municipality=w.municipality)
    make_official(w.municipality, full_name="Методист Г.Г.", organization=centre, user=methodist)
    stranger = make_user_with_role(Role.Kind.EXECUTOR, municipality=w.municipality)
    make_official(w.municipality, full_name="Чужой методист", user=stranger)
    with pytest.raises(PermissionDenied):
        services.component_move(component=goals(w), to_state=State.DRAFTED, by=stranger)
    services.component_move(component=goals(w), to_state=State.DRAFTED, by=methodist)
    assert goals(w).state == State.DRAFTED
    assert "ИМЦ" in selectors.waiting_for(
        CycleComponent.objects.get(cycle=w.cycle, component=Component.INDICATORS),
        w.direction,
        [],
        w.period,
    )


def test_an_assignment_without_a_staff_role_in_the_municipality_gives_nothing(cycle_world):
    w = cycle_world
    w.executor.roles.all().delete()
    executor = User.objects.get(pk=w.executor.pk)
    with pytest.raises(PermissionDenied):
        services.component_move(component=goals(w), to_state=State.DRAFTED, by=executor)


def test_the_direction_page_says_the_users_role(client, cycle_world):
    w = cycle_world
    url = reverse("directions:direction", args=[w.direction.pk]) + f"?period={w.period.code}"
    client.force_login(w.coordinator)
    assert "координатор" in client.get(url).content.decode().split('data-testid="my-role">')[1][:80]
    client.force_login(w.other_coordinator)
    assert "нет" in client.get(url).content.decode().split('data-testid="my-role">')[1][:80]
