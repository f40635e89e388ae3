from datetime import date

import pytest
from django.urls import reverse

from mcok import services
from mcok.models import Organization, Period, Role, User
from tests.factories import make_user_with_role


@pytest.fixture
def administrator(world) -> User:
    """The first municipality's administrator, allowed into the admin."""
    world.administrator.is_staff = True
    world.administrator.save()
    return world.administrator


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", "root@example.com", "pw")


def listed(response) -> set:
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def organization_data(organization: Organization, **changes) -> dict:
    """The change form of an organization as the admin posts it."""
    data = {
        "municipality": organization.municipality_id,
        "short_name": organization.short_name,
        "full_name": organization.full_name,
        "kind": organization.kind,
        "locality": organization.locality,
        "head": organization.head_id or "",
        "is_active": "on",
    }
    return data | changes


def user_data(user: User, new_role: dict) -> dict:
    """The change form of a user with their roles, plus one new role row."""
    roles = list(user.roles.order_by("pk"))
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%d.%m.%Y"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        "roles-TOTAL_FORMS": len(roles) + 1,
        "roles-INITIAL_FORMS": len(roles),
        "roles-MIN_NUM_FORMS": 0,
        "roles-MAX_NUM_FORMS": 1000,
    }
    for i, role in enumerate(roles):
        data |= {
            f"roles-{i}-id": role.pk,
            f"roles-{i}-user": user.pk,
            f"roles-{i}-kind": role.kind,
            f"roles-{i}-municipality": role.municipality_id or "",
            f"roles-{i}-organization": role.organization_id or "",
        }
    i = len(roles)
    data |= {f"roles-{i}-user": user.pk, f"roles-{i}-organization": ""}
    data |= {f"roles-{i}-{name}": value for name, value in new_role.items()}
    return data


# Who gets in


def test_municipal_administrator_opens_the_admin(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    models = {model["object_name"] for app in response.context["app_list"] for model in app["models"]}
    assert {"Organization", "Official", "Document", "Municipality", "Period", "User"} <= models


@pytest.mark.parametrize("actor", ["coordinator", "respondent", "administrator"])
def test_non_staff_is_sent_to_the_admin_login(client, world, actor):
    # Without is_staff even an administrator's role does not open the admin.
    client.force_login(getattr(world, actor))
    for url in [reverse("admin:index"), reverse("admin:mcok_organization_changelist")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_staff_without_an_administrator_role_sees_no_model(client, world):
    world.coordinator.is_staff = True
    world.coordinator.save()
    client.force_login(world.coordinator)
    assert client.get(reverse("admin:index")).context["app_list"] == []
    assert client.get(reverse("admin:mcok_organization_changelist")).status_code == 403
    assert client.get(reverse("admin:mcok_user_changelist")).status_code == 403


# Organizations: only the administrator's municipality


def test_organization_changelist_shows_only_the_administrators_municipality(client, world, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:mcok_organization_changelist"))
    assert listed(response) == {world.school, world.other_school}
    assert world.elsewhere.name not in response.content.decode()


def test_superuser_sees_every_organization(client, world, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:mcok_organization_changelist"))
    assert listed(response) == {world.school, world.other_school, world.elsewhere_school}


def test_foreign_organization_cannot_be_opened_or_changed(client, world, administrator):
    client.force_login(administrator)
    url = reverse("admin:mcok_organization_change", args=[world.elsewhere_school.pk])
    absent_url = reverse("admin:mcok_organization_change", args=[987654321])

    # Outside get_queryset the admin answers as for an absent object: back to the index.
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(absent_url).url == response.url

    name = world.elsewhere_school.short_name
    response = client.post(url, organization_data(world.elsewhere_school, short_name="Захвачена"))
    assert response.status_code == 302
    world.elsewhere_school.refresh_from_db()
    assert world.elsewhere_school.short_name == name


def test_foreign_organization_history_is_not_shown(client, world, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:mcok_organization_history", args=[world.elsewhere_school.pk]))
    assert response.status_code == 403
    assert world.elsewhere_school.short_name not in response.content.decode()


def test_foreign_organization_cannot_be_changed_through_its_history(client, world, administrator):
    # The revert form of a history record must not let one municipality take over another's school.
    record = world.elsewhere_school.history.latest()
    client.force_login(administrator)
    url = reverse("admin:mcok_organization_simple_history", args=[world.elsewhere_school.pk, record.pk])
    assert client.get(url).status_code == 403

    data = organization_data(
        world.elsewhere_school, municipality=world.municipality.pk, short_name="Захвачена"
    )
    assert client.post(url, data).status_code == 403
    world.elsewhere_school.refresh_from_db()
    assert world.elsewhere_school.municipality == world.elsewhere
    assert world.elsewhere_school.short_name != "Захвачена"


def test_own_organization_history_is_shown(client, world, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:mcok_organization_history", args=[world.school.pk]))
    assert response.status_code == 200
    record = world.school.history.latest()
    response = client.get(
        reverse("admin:mcok_organization_simple_history", args=[world.school.pk, record.pk])
    )
    assert response.status_code == 200


def test_municipality_changelist_and_history_stop_at_the_administrators_own(client, world, administrator):
    client.force_login(administrator)
    assert listed(client.get(reverse("admin:mcok_municipality_changelist"))) == {world.municipality}
    assert (
        client.get(reverse("admin:mcok_municipality_history", args=[world.municipality.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:mcok_municipality_history", args=[world.elsewhere.pk])).status_code == 403
    )


def test_organization_cannot_be_moved_to_another_municipality(client, world, administrator):
    client.force_login(administrator)
    url = reverse("admin:mcok_organization_change", args=[world.school.pk])
    response = client.post(url, organization_data(world.school, municipality=world.elsewhere.pk))
    assert response.status_code == 200
    assert "municipality" in response.context["adminform"].form.errors
    world.school.refresh_from_db()
    assert world.school.municipality == world.municipality


def test_change_through_the_admin_is_recorded_with_its_author(client, world, administrator):
    client.force_login(administrator)
    url = reverse("admin:mcok_organization_change", args=[world.school.pk])
    response = client.post(url, organization_data(world.school, short_name="СОШ № 1 им. Пушкина"))
    assert response.status_code == 302
    world.school.refresh_from_db()
    assert world.school.short_name == "СОШ № 1 им. Пушкина"
    record = world.school.history.latest()
    assert record.history_type == "~"
    assert record.history_user == administrator
    assert record.short_name == "СОШ № 1 им. Пушкина"
    assert world.school.history.count() == 2


# Periods: a shared calendar, read by municipal administrators, changed by the instance's


@pytest.fixture
def period(db):
    services.periods_ensure(year=2025)
    return Period.objects.get(code="2025")


def period_data(period: Period, **changes) -> dict:
    data = {
        "kind": period.kind,
        "year": period.year,
        "number": period.number,
        "code": period.code,
        "starts_on": period.starts_on.strftime("%d.%m.%Y"),
        "ends_on": period.ends_on.strftime("%d.%m.%Y"),
    }
    return data | changes


def test_municipal_administrator_reads_a_period_but_cannot_change_it(client, administrator, period):
    client.force_login(administrator)
    url = reverse("admin:mcok_period_change", args=[period.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.post(url, period_data(period, ends_on="30.06.2025")).status_code == 403

    history_url = reverse("admin:mcok_period_simple_history", args=[period.pk, period.history.latest().pk])
    assert client.get(history_url).status_code == 200
    assert client.post(history_url, period_data(period, ends_on="30.06.2025")).status_code == 403
    period.refresh_from_db()
    assert period.ends_on == date(2025, 12, 31)


def test_superuser_changes_a_period(client, superuser, period):
    client.force_login(superuser)
    url = reverse("admin:mcok_period_change", args=[period.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, period_data(period, ends_on="30.12.2025"))
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.ends_on == date(2025, 12, 30)
    assert period.history.latest().history_user == superuser


# Users and roles


def test_user_changelist_shows_only_the_municipalitys_users(client, world, administrator, superuser):
    services.role_grant(user=superuser, kind=Role.Kind.COORDINATOR, municipality=world.municipality)
    client.force_login(administrator)
    response = client.get(reverse("admin:mcok_user_changelist"))
    # Not the administrator's own account: a staff account is the instance administrator's.
    assert listed(response) == {
        world.coordinator,
        world.executor,
        world.operator,
        world.expert,
        world.respondent,
        world.head,
        world.other_respondent,
        world.chief,
        world.other_coordinator,
    }


def test_foreign_user_cannot_be_opened(client, world, administrator, superuser):
    client.force_login(administrator)
    for user in [world.outsider, superuser]:
        response = client.get(reverse("admin:mcok_user_change", args=[user.pk]))
        assert response.status_code == 404


def test_instance_administrator_account_is_out_of_a_municipal_administrators_reach(
    client, world, administrator
):
    boss = make_user_with_role(Role.Kind.ADMINISTRATOR)
    services.role_grant(user=boss, kind=Role.Kind.EXPERT, municipality=world.municipality)
    client.force_login(administrator)
    assert boss not in listed(client.get(reverse("admin:mcok_user_changelist")))
    response = client.post(
        reverse("admin:auth_user_password_change", args=[boss.pk]),
        {"password1": "Захват-2025-пароль", "password2": "Захват-2025-пароль", "usable_password": "true"},
    )
    assert response.status_code == 404
    boss.refresh_from_db()
    assert not boss.check_password("Захват-2025-пароль")


def test_superuser_sees_every_user(client, world, superuser):
    client.force_login(superuser)
    assert listed(client.get(reverse("admin:mcok_user_changelist"))) == set(User.objects.all())


def test_municipal_administrator_does_not_see_superuser_flags(client, world, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:mcok_user_change", args=[world.coordinator.pk]))
    assert response.status_code == 200
    fields = set(response.context["adminform"].form.fields)
    assert {"username", "email", "is_active"} <= fields
    assert not fields & {"is_superuser", "groups", "user_permissions"}


def test_municipal_administrator_cannot_grant_an_instance_administrator_role(client, world, administrator):
    client.force_login(administrator)
    url = reverse("admin:mcok_user_change", args=[world.coordinator.pk])

    response = client.post(url, user_data(world.coordinator, {"kind": "administrator", "municipality": ""}))

    assert response.status_code == 200
    (formset,) = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert formset.errors[-1] == {"municipality": ["Обязательное поле."]}
    assert not Role.objects.filter(user=world.coordinator, kind=Role.Kind.ADMINISTRATOR).exists()


def test_municipal_administrator_cannot_grant_a_role_elsewhere(client, world, administrator):
    client.force_login(administrator)
    url = reverse("admin:mcok_user_change", args=[world.coordinator.pk])

    response = client.post(
        url, user_data(world.coordinator, {"kind": "coordinator", "municipality": world.elsewhere.pk})
    )

    assert response.status_code == 200
    (formset,) = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert list(formset.errors[-1]) == ["municipality"]
    assert not Role.objects.filter(user=world.coordinator, municipality=world.elsewhere).exists()


def test_municipal_administrator_grants_a_role_in_their_municipality(client, world, administrator):
    client.force_login(administrator)
    url = reverse("admin:mcok_user_change", args=[world.coordinator.pk])

    response = client.post(
        url, user_data(world.coordinator, {"kind": "expert", "municipality": world.municipality.pk})
    )

    assert response.status_code == 302
    assert set(world.coordinator.roles.values_list("kind", "municipality")) == {
        ("coordinator", world.municipality.pk),
        ("expert", world.municipality.pk),
    }


def test_an_account_with_roles_elsewhere_is_out_of_reach(client, world, administrator):
    # Roles in two municipalities make the account the instance administrator's (tests/mcok/test_tenants.py).
    foreign = services.role_grant(user=world.coordinator, kind=Role.Kind.EXPERT, municipality=world.elsewhere)
    client.force_login(administrator)
    url = reverse("admin:mcok_user_change", args=[world.coordinator.pk])
    assert client.get(url).status_code == 404

    data = user_data(world.coordinator, {"kind": "", "municipality": ""})  # holds the foreign role too
    position = next(i for i in range(2) if data[f"roles-{i}-id"] == foreign.pk)
    data[f"roles-{position}-DELETE"] = "on"
    assert client.post(url, data).status_code == 404
    assert set(world.coordinator.roles.values_list("kind", "municipality")) == {
        ("coordinator", world.municipality.pk),
        ("expert", world.elsewhere.pk),
    }


def test_superuser_may_grant_an_instance_administrator_role(client, world, superuser):
    client.force_login(superuser)
    user = make_user_with_role(Role.Kind.COORDINATOR, municipality=world.municipality)
    url = reverse("admin:mcok_user_change", args=[user.pk])

    response = client.post(url, user_data(user, {"kind": "administrator", "municipality": ""}))

    assert response.status_code == 302
    assert Role.objects.filter(user=user, kind=Role.Kind.ADMINISTRATOR, municipality=None).exists()
