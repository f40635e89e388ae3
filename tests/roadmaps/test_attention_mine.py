"""«N ваших мероприятий просрочено» counts only the events the person is responsible for: named in
person, through an organization they act for, or by the directions assigned to them."""

import pytest

from mcok.selectors import roles_of
from roadmaps import selectors
from roadmaps.models import Event, Roadmap
from tests.factories import make_official, make_user_with_role
from tests.roadmaps.test_roadmap_views import make_seed_roadmap


def overdue_text(user) -> str:
    items = selectors.attention(user, list(roles_of(user)))
    return " ".join(item.text for item in items if item.severity == "danger")


@pytest.fixture
def roadmap(world):
    """Of no direction; its events are all long overdue (2021–2024); the school answers for 1.2."""
    return make_seed_roadmap(world.municipality)


def test_staff_with_no_assignment_are_not_told_of_events_they_do_not_answer_for(world, roadmap):
    for user in (world.coordinator, world.executor, world.chief, world.other_coordinator, world.operator):
        assert overdue_text(user) == "", user


def test_a_responsible_organization_counts_its_own(world, roadmap):
    assert overdue_text(world.respondent).startswith("4 ")
    assert overdue_text(world.other_respondent) == ""


def test_a_responsible_official_counts_their_own(world, roadmap):
    user = make_user_with_role("operator", municipality=world.municipality)
    official = make_official(world.municipality, user=user)
    Event.objects.get(roadmap=roadmap, number="1.1.").responsible_officials.add(official)
    assert overdue_text(user).startswith("1 ")


def test_the_staff_of_a_responsible_organization_count_its_events(world, roadmap):
    """An ИМЦ named responsible: its staff (officials working for it) answer for the event."""
    imc = roadmap.municipality.organizations.create(short_name="ИМЦ", kind="other")
    user = make_user_with_role("executor", municipality=world.municipality)
    make_official(world.municipality, user=user, organization=imc)
    Event.objects.get(roadmap=roadmap, number="1.1.").responsible_organizations.add(imc)
    assert overdue_text(user).startswith("1 ")


def test_the_directions_assigned_count_their_roadmaps(world, roadmap):
    Roadmap.objects.filter(pk=roadmap.pk).update(direction=world.direction)
    assert overdue_text(world.coordinator).startswith("5 ")
    assert overdue_text(world.executor).startswith("5 ")
    assert overdue_text(world.other_coordinator) == ""
    assert overdue_text(world.chief) == ""
