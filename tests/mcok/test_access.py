import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404

from mcok import access, services
from mcok.models import Official, Role
from tests.factories import make_document, make_official, make_user


def test_municipal_roles_see_every_organization_of_their_municipality(world):
    for user in (world.administrator, world.coordinator, world.executor, world.operator, world.expert):
        assert set(access.organizations_visible_to(user)) == {world.school, world.other_school}


@pytest.mark.parametrize("actor", ["respondent", "head"])
def test_school_roles_see_their_own_organization_only(world, actor):
    assert list(access.organizations_visible_to(getattr(world, actor))) == [world.school]


def test_nobody_sees_across_municipalities(world):
    assert world.elsewhere_school not in access.organizations_visible_to(world.coordinator)
    assert set(access.organizations_visible_to(world.outsider)) == {world.elsewhere_school}
    assert list(access.municipalities_visible_to(world.outsider)) == [world.elsewhere]


def test_anonymous_and_roleless_users_see_nothing(world):
    for user in (AnonymousUser(), make_user()):
        assert not access.organizations_visible_to(user).exists()
        assert not access.officials_visible_to(user).exists()
        assert not access.documents_visible_to(user).exists()
        assert not access.municipalities_visible_to(user).exists()


def test_inactive_user_loses_access(world):
    world.coordinator.is_active = False
    world.coordinator.save()
    assert not access.organizations_visible_to(world.coordinator).exists()


def test_instance_administrator_sees_everything(world):
    root = make_user(is_superuser=True)
    assert access.organizations_visible_to(root).count() == 3
    admin = make_user()
    services.role_grant(user=admin, kind=Role.Kind.ADMINISTRATOR)
    assert access.is_instance_administrator(admin)
    assert access.organizations_visible_to(admin).count() == 3


def test_school_sees_department_records_and_its_own_not_another_schools(world):
    assigned = set(Official.objects.filter(municipality=world.municipality))  # the world's directions'
    department_order = make_document(world.municipality)
    own_plan = make_document(world.municipality, organization=world.school)
    other_plan = make_document(world.municipality, organization=world.other_school)
    foreign = make_document(world.elsewhere)
    inspector = make_official(world.municipality)
    own_teacher = make_official(world.municipality, organization=world.school)
    other_teacher = make_official(world.municipality, organization=world.other_school)

    assert set(access.documents_visible_to(world.respondent)) == {department_order, own_plan}
    assert set(access.officials_visible_to(world.respondent)) == {inspector, own_teacher, *assigned}
    assert set(access.documents_visible_to(world.coordinator)) == {department_order, own_plan, other_plan}
    assert set(access.officials_visible_to(world.coordinator)) == {
        inspector,
        own_teacher,
        other_teacher,
        *assigned,
    }
    assert foreign not in access.documents_visible_to(world.coordinator)


def test_get_for_answers_404_alike_for_absent_and_foreign(world):
    with pytest.raises(Http404):
        access.get_organization_for(world.respondent, world.other_school.pk)
    with pytest.raises(Http404):
        access.get_organization_for(world.respondent, 10**9)
    assert access.get_organization_for(world.respondent, world.school.pk) == world.school


def test_role_grant_checks_scope(world):
    user = make_user()
    with pytest.raises(ValidationError):
        services.role_grant(user=user, kind=Role.Kind.RESPONDENT, municipality=world.municipality)
    with pytest.raises(ValidationError):
        services.role_grant(user=user, kind=Role.Kind.COORDINATOR)
    with pytest.raises(ValidationError):
        services.role_grant(
            user=user, kind=Role.Kind.RESPONDENT, municipality=world.elsewhere, organization=world.school
        )
    role = services.role_grant(user=user, kind=Role.Kind.RESPONDENT, organization=world.school)
    assert role.municipality == world.municipality
    assert services.role_grant(user=user, kind=Role.Kind.RESPONDENT, organization=world.school) == role
    assert Role.objects.filter(user=user).count() == 1
