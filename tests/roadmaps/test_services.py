"""The roadmap services as the pages use them: scheduling events from their deadlines, recording
progress, overdue detection and the overdue letter."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from mcok.models import Role
from roadmaps import reminders, services, tasks
from roadmaps.models import Event, Occurrence, Roadmap
from tests.factories import make_official, make_user, make_user_with_role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2023, 3, 1)


def make_roadmap(municipality, **fields) -> Roadmap:
    values = {"title": "План мероприятий («дорожная карта»)", "start_year": 2021, "end_year": 2024}
    return Roadmap.objects.create(municipality=municipality, **(values | fields))


def make_event(roadmap, deadline="Ежегодно (сентябрь)", **fields) -> Event:
    event = Event.objects.create(
        roadmap=roadmap, content="Проведение мониторинга", deadline_text=deadline, **fields
    )
    services.event_schedule(event=event)
    return event


# Scheduling ------------------------------------------------------------------------------------------


def test_yearly_event_over_four_years_gives_four_instances(world):
    event = make_event(make_roadmap(world.municipality))
    dates = list(event.occurrences.order_by("due_on").values_list("starts_on", "due_on"))
    assert dates == [(datetime.date(y, 9, 1), datetime.date(y, 9, 30)) for y in (2021, 2022, 2023, 2024)]
    assert Event.objects.get(pk=event.pk).deadline_kind == "yearly"


def test_rescheduling_keeps_reported_instances(world):
    event = make_event(make_roadmap(world.municipality))
    reported = event.occurrences.get(due_on=datetime.date(2021, 9, 30))
    services.occurrence_update(occurrence=reported, state="done", report="Проведён", by=world.coordinator)
    event.deadline_text = "до 01.12.2022"
    event.save()
    services.event_schedule(event=event)
    kept = set(event.occurrences.values_list("due_on", flat=True))
    assert kept == {datetime.date(2021, 9, 30), datetime.date(2022, 12, 1)}


def test_unscheduled_event_gets_one_undated_instance(world):
    event = make_event(make_roadmap(world.municipality), deadline="по мере необходимости")
    assert list(event.occurrences.values_list("starts_on", "due_on")) == [(None, None)]
    services.event_schedule(event=event)  # idempotent
    assert event.occurrences.count() == 1


# Progress ----------------------------------------------------------------------------------------------


def test_occurrence_update_rights(world):
    official = make_official(world.municipality, user=make_user(email="o@example.org"))
    event = make_event(make_roadmap(world.municipality))
    event.responsible_officials.add(official)
    event.responsible_organizations.add(world.school)
    occurrence = event.occurrences.first()
    for allowed in (world.coordinator, world.executor, official.user, world.respondent, world.head):
        services.occurrence_update(occurrence=occurrence, state="in_progress", by=allowed)
    for denied in (
        world.administrator,  # administrators keep catalogues, not the department's work
        world.operator,
        world.expert,
        world.other_respondent,
        world.outsider,
        world.outsider_school,
    ):
        with pytest.raises(PermissionDenied):
            services.occurrence_update(occurrence=occurrence, state="done", report="x", by=denied)
    assert Occurrence.objects.get(pk=occurrence.pk).state == "in_progress"


def test_progress_on_a_directions_roadmap_follows_the_assignment(world):
    """1.1's executor and coordinator and the head report; the coordinator of 2.3, though a coordinator
    of the same municipality, does not, nor does an executor by role alone."""
    occurrence = make_event(make_roadmap(world.municipality, direction=world.direction)).occurrences.first()
    for allowed in (world.executor, world.coordinator, world.chief):
        services.occurrence_update(
            occurrence=occurrence, state="in_progress", report=allowed.username, by=allowed
        )
        assert Occurrence.objects.get(pk=occurrence.pk).report == allowed.username
    unassigned = make_user_with_role(Role.Kind.EXECUTOR, municipality=world.municipality)
    for denied in (world.other_coordinator, unassigned, world.administrator):
        with pytest.raises(PermissionDenied):
            services.occurrence_update(occurrence=occurrence, state="done", report="x", by=denied)
    assert Occurrence.objects.get(pk=occurrence.pk).state == "in_progress"


def test_the_events_own_responsible_report_on_any_roadmap(world):
    """Responsible through any of the officials linked to the account; the coordinator of 2.3 named
    responsible for an event of 1.1 reports on it."""
    event = make_event(make_roadmap(world.municipality, direction=world.direction))
    user = make_user()
    make_official(world.municipality, user=user)
    event.responsible_officials.add(make_official(world.municipality, user=user))
    services.occurrence_update(occurrence=event.occurrences.first(), state="in_progress", by=user)
    inactive = make_official(world.municipality, user=make_user(), is_active=False)
    event.responsible_officials.add(inactive)
    with pytest.raises(PermissionDenied):
        services.occurrence_update(
            occurrence=event.occurrences.first(), state="done", report="x", by=inactive.user
        )
    event.responsible_officials.add(make_official(world.municipality, user=world.other_coordinator))
    services.occurrence_update(
        occurrence=event.occurrences.first(), state="done", report="Проведён", by=world.other_coordinator
    )
    assert event.occurrences.first().state == "done"


def test_the_refusal_is_in_russian(world):
    from django.utils import translation

    occurrence = make_event(make_roadmap(world.municipality, direction=world.direction)).occurrences.first()
    with translation.override("ru"):
        with pytest.raises(PermissionDenied) as refused:
            services.occurrence_update(
                occurrence=occurrence, state="done", report="x", by=world.other_coordinator
            )
        assert "начальник управления" in str(refused.value)


def test_done_needs_evidence(world):
    occurrence = make_event(make_roadmap(world.municipality)).occurrences.first()
    with pytest.raises(ValidationError):
        services.occurrence_update(occurrence=occurrence, state="done", report="  ", by=world.coordinator)
    assert Occurrence.objects.get(pk=occurrence.pk).state == "planned"
    services.occurrence_update(
        occurrence=occurrence, state="done", links=["https://example.org/report"], by=world.coordinator
    )
    occurrence.refresh_from_db()
    assert occurrence.state == "done" and occurrence.done_on is not None


def test_overdue_detection(world):
    event = make_event(make_roadmap(world.municipality))
    overdue = Occurrence.objects.overdue(TODAY)
    assert set(overdue.values_list("due_on", flat=True)) == {
        datetime.date(2021, 9, 30),
        datetime.date(2022, 9, 30),
    }
    first = event.occurrences.get(due_on=datetime.date(2021, 9, 30))
    services.occurrence_update(occurrence=first, state="cancelled", by=world.coordinator)
    assert Occurrence.objects.overdue(TODAY).count() == 1
    assert not first.is_overdue(TODAY)
    assert event.occurrences.get(due_on=datetime.date(2022, 9, 30)).is_overdue(TODAY)
    assert not event.occurrences.get(due_on=datetime.date(2023, 9, 30)).is_overdue(TODAY)


# The overdue letter ---------------------------------------------------------------------------------------


def test_reminder_sent_once_and_only_for_overdue(world):
    official = make_official(world.municipality, email="inspector@example.org")
    with_account = make_official(world.municipality, user=make_user(email="account@example.org"))
    world.respondent.email = "school@example.org"
    world.respondent.save()
    event = make_event(make_roadmap(world.municipality), deadline="до 01.12.2022")
    event.responsible_officials.add(official, with_account)
    event.responsible_organizations.add(world.school)
    make_event(make_roadmap(world.municipality), deadline="до 01.12.2023")  # not yet due
    done = make_event(make_roadmap(world.municipality), deadline="до 01.10.2022")
    done.responsible_officials.add(official)
    services.occurrence_update(
        occurrence=done.occurrences.get(), state="done", report="ok", by=world.coordinator
    )

    assert tasks.overdue_remind.delay(TODAY.isoformat()).get() == 1
    assert len(mail.outbox) == 1
    letter = mail.outbox[0]
    assert set(letter.to) == {"inspector@example.org", "account@example.org", "school@example.org"}
    assert "01.12.2022" in letter.body
    assert Occurrence.objects.filter(reminded_at__isnull=False).count() == 1

    assert reminders.overdue_remind(today=TODAY) == 0  # a rerun sends nothing twice
    assert len(mail.outbox) == 1


def test_reminder_claimed_elsewhere_is_not_sent(world, django_capture_on_commit_callbacks):
    event = make_event(make_roadmap(world.municipality), deadline="до 01.12.2022")
    event.responsible_officials.add(make_official(world.municipality, email="a@example.org"))
    Occurrence.objects.update(reminded_at=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC))
    assert reminders.overdue_remind(today=TODAY) == 0
    assert mail.outbox == []


def test_reminder_to_organization_roles_only(world):
    user = make_user_with_role(Role.Kind.SCHOOL_HEAD, organization=world.school, email="head@example.org")
    world.other_respondent.email = "other@example.org"
    world.other_respondent.save()
    event = make_event(make_roadmap(world.municipality), deadline="до 01.12.2022")
    event.responsible_organizations.add(world.school)
    reminders.overdue_remind(today=TODAY)
    assert mail.outbox[0].to == [user.email]


def test_the_timeline_of_a_year_leaves_out_events_of_other_years_and_counts_them(world):
    import datetime

    from roadmaps import selectors
    from roadmaps.models import Event, Roadmap

    roadmap = Roadmap.objects.create(
        municipality=world.municipality, title="ДК", start_year=2021, end_year=2024
    )
    early = Event.objects.create(roadmap=roadmap, content="Создать рабочую группу", deadline_text="Июнь 2021")
    yearly = Event.objects.create(roadmap=roadmap, content="Отчёт", deadline_text="Ежегодно (сентябрь)")
    for event in (early, yearly):
        services.event_schedule(event=event)
    timeline = selectors.roadmap_timeline(roadmap, 2023, today=datetime.date(2023, 1, 1))
    assert [row.event for row in timeline.rows] == [yearly]
    assert [cell.month for cell in timeline.rows[0].cells if cell.occurrence] == [9]
    assert timeline.other_years == 1
