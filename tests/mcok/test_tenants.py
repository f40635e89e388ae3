"""Accounts and tenants (issue 18, item 1): a municipal administrator manages only accounts whose
roles all lie in their municipality; an account of two municipalities, a staff account, an account
without roles and the instance's own are the instance administrator's alone."""

import pytest
from django.urls import reverse

from mcok import access, services
from mcok.models import Official, Role, User
from tests.factories import make_official, make_user, make_user_with_role

NEW_PASSWORD = "Захват-2025-пароль"


@pytest.fixture
def administrator(world) -> User:
    """The first municipality's administrator, allowed into the admin site."""
    world.administrator.is_staff = True
    world.administrator.save()
    return world.administrator


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root-login-x7", "root@example.com", "pw")


@pytest.fixture
def instance_administrator(db) -> User:
    """An administrator of the whole instance by role, not a superuser."""
    return make_user_with_role(Role.Kind.ADMINISTRATOR, username="portal-admin-x7", is_staff=True)


@pytest.fixture
def two_municipalities(world) -> User:
    """The first municipality's coordinator who is an expert in the second one too."""
    services.role_grant(user=world.coordinator, kind=Role.Kind.EXPERT, municipality=world.elsewhere)
    return world.coordinator


def reset_password(client, account: User):
    return client.post(
        reverse("admin:auth_user_password_change", args=[account.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )


def official_data(official: Official, **changes) -> dict:
    """The change form of an official as the admin posts it."""
    data = {
        "municipality": official.municipality_id,
        "full_name": official.full_name,
        "position": official.position,
        "organization": official.organization_id or "",
        "user": official.user_id or "",
        "email": official.email,
        "phone": official.phone,
        "is_active": "on",
    }
    return data | changes


def autocomplete(client, term: str) -> list[dict]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "mcok", "model_name": "official", "field_name": "user", "term": term},
    )
    assert response.status_code == 200
    return response.json()["results"]


# Who is whose: the one function


def test_municipal_administrator_manages_only_accounts_wholly_in_their_municipality(
    world, administrator, superuser, instance_administrator, two_municipalities
):
    roleless = make_user()
    staff = make_user_with_role(Role.Kind.OPERATOR, municipality=world.municipality, is_staff=True)
    manageable = set(access.users_manageable_by(administrator))
    assert manageable == {
        world.executor,
        world.operator,
        world.expert,
        world.respondent,
        world.head,
        world.other_respondent,
        world.chief,
        world.other_coordinator,
    }
    assert not manageable & {
        two_municipalities,
        world.outsider,
        world.outsider_school,
        superuser,
        instance_administrator,
        administrator,
        roleless,
        staff,
    }


@pytest.mark.parametrize("actor", ["superuser", "instance_administrator"])
def test_instance_administrator_manages_every_account(request, world, actor, two_municipalities):
    assert set(access.users_manageable_by(request.getfixturevalue(actor))) == set(User.objects.all())


@pytest.mark.parametrize("actor", ["coordinator", "chief", "respondent", "outsider"])
def test_nobody_else_manages_an_account(world, actor):
    assert not access.users_manageable_by(getattr(world, actor)).exists()


def test_an_official_links_only_to_an_account_of_its_own_municipality(world, administrator):
    second = services.role_grant(
        user=administrator, kind=Role.Kind.ADMINISTRATOR, municipality=world.elsewhere
    )
    assert second.municipality == world.elsewhere
    vars(administrator).pop("_mcok_role_rows", None)
    linkable = access.users_linkable_to(administrator, world.municipality)
    assert world.executor in linkable
    assert world.outsider not in linkable  # theirs too, but of the other municipality
    assert world.outsider in access.users_linkable_to(administrator, world.elsewhere)


# Finding: a password reset takes over an account of two municipalities


def test_municipal_administrator_cannot_reset_the_password_of_a_two_municipality_account(
    client, administrator, two_municipalities
):
    client.force_login(administrator)
    url = reverse("admin:auth_user_password_change", args=[two_municipalities.pk])
    assert client.get(url).status_code == 404
    assert reset_password(client, two_municipalities).status_code == 404
    two_municipalities.refresh_from_db()
    assert not two_municipalities.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("actor", ["superuser", "instance_administrator"])
def test_instance_administrator_resets_the_password_of_a_two_municipality_account(
    client, request, actor, two_municipalities
):
    client.force_login(request.getfixturevalue(actor))
    response = reset_password(client, two_municipalities)
    assert response.status_code == 302
    two_municipalities.refresh_from_db()
    assert two_municipalities.check_password(NEW_PASSWORD)


def test_two_municipality_account_can_be_neither_edited_nor_deactivated(
    client, administrator, two_municipalities
):
    client.force_login(administrator)
    assert two_municipalities not in set(
        client.get(reverse("admin:mcok_user_changelist")).context["cl"].result_list
    )
    url = reverse("admin:mcok_user_change", args=[two_municipalities.pk])
    response = client.post(url, {"username": "taken", "is_active": ""})
    assert response.status_code == 404
    assert (
        client.post(
            reverse("admin:mcok_user_delete", args=[two_municipalities.pk]), {"post": "yes"}
        ).status_code
        == 404
    )
    two_municipalities.refresh_from_db()
    assert two_municipalities.is_active and two_municipalities.username != "taken"


def test_municipal_administrator_cannot_reset_the_password_of_a_staff_account(client, world, administrator):
    colleague = make_user_with_role(Role.Kind.ADMINISTRATOR, municipality=world.municipality, is_staff=True)
    client.force_login(administrator)
    assert reset_password(client, colleague).status_code == 404
    colleague.refresh_from_db()
    assert not colleague.check_password(NEW_PASSWORD)


# Finding: the login of any account, read by its id


@pytest.mark.parametrize("target", ["outsider", "superuser", "two_municipalities", "instance_administrator"])
def test_foreign_account_pages_are_absent_and_name_nobody(client, request, world, administrator, target):
    account = getattr(world, target) if target == "outsider" else request.getfixturevalue(target)
    client.force_login(administrator)
    for name in ["change", "history", "delete", "password_change"]:
        prefix = "auth_user" if name == "password_change" else "mcok_user"
        response = client.get(reverse(f"admin:{prefix}_{name}", args=[account.pk]))
        assert response.status_code == 404, name
        assert account.username not in response.content.decode()


def test_the_official_form_does_not_print_the_name_of_an_account_given_by_id(
    client, world, administrator, superuser
):
    # The raw id widget printed the name (or login) of whatever account the id named.
    superuser.first_name, superuser.last_name = "Тайный", "Суперпользователь"
    superuser.save()
    client.force_login(administrator)
    for account in [superuser, world.outsider]:
        response = client.get(reverse("admin:mcok_official_add"), {"user": account.pk})
        assert response.status_code == 200
        page = response.content.decode()
        assert account.username not in page
        assert str(account) not in page


def test_autocomplete_finds_only_the_administrators_accounts(
    client, world, administrator, superuser, two_municipalities
):
    client.force_login(administrator)
    for account in [world.outsider, superuser, two_municipalities]:
        results = autocomplete(client, account.username)
        assert results == []
    assert [r["id"] for r in autocomplete(client, world.executor.username)] == [str(world.executor.pk)]


def test_the_api_shows_no_account_of_another_municipality(client, world, administrator):
    theirs = make_official(world.elsewhere, user=world.outsider)
    client.force_login(administrator)
    response = client.get(reverse("api:official-detail", args=[theirs.pk]))
    assert response.status_code == 404
    assert world.outsider.username not in response.content.decode()
    listing = client.get(reverse("api:official-list"))
    assert listing.status_code == 200
    assert world.outsider.username not in listing.content.decode()


# Finding: an official linked to another tenant's account, or to the superuser


@pytest.mark.parametrize("target", ["outsider", "superuser", "two_municipalities", "instance_administrator"])
def test_official_cannot_be_linked_to_an_account_not_the_administrators(
    client, request, world, administrator, target
):
    account = getattr(world, target) if target == "outsider" else request.getfixturevalue(target)
    official = make_official(world.municipality)
    client.force_login(administrator)
    url = reverse("admin:mcok_official_change", args=[official.pk])

    response = client.post(url, official_data(official, user=account.pk))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["user"]
    assert errors == [
        "Выберите учётную запись этого муниципалитета: такой учётной записи нет, или привязать её "
        "может только администратор всего портала (у неё есть роли в другом месте или она "
        "администрирует портал)."
    ]
    assert account.username not in response.content.decode()
    official.refresh_from_db()
    assert official.user is None


def test_a_new_official_cannot_be_linked_to_the_superuser(client, world, administrator, superuser):
    client.force_login(administrator)
    data = official_data(make_official(world.municipality), full_name="Новый Н.Н.", user=superuser.pk)
    response = client.post(reverse("admin:mcok_official_add"), data)
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not Official.objects.filter(full_name="Новый Н.Н.").exists()


def test_an_account_of_the_other_municipality_is_not_linked_even_by_its_administrator_too(
    client, world, administrator
):
    services.role_grant(user=administrator, kind=Role.Kind.ADMINISTRATOR, municipality=world.elsewhere)
    official = make_official(world.municipality)
    client.force_login(administrator)
    response = client.post(
        reverse("admin:mcok_official_change", args=[official.pk]),
        official_data(official, user=world.outsider.pk),
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    official.refresh_from_db()
    assert official.user is None


# What a municipal administrator still does


def test_municipal_administrator_links_two_officials_to_one_account_of_theirs(client, world, administrator):
    first, second = make_official(world.municipality), make_official(world.municipality)
    client.force_login(administrator)
    for official in [first, second]:
        url = reverse("admin:mcok_official_change", args=[official.pk])
        assert client.post(url, official_data(official, user=world.executor.pk)).status_code == 302
        official.refresh_from_db()
        assert official.user == world.executor


def test_municipal_administrator_still_manages_an_account_whose_roles_are_all_theirs(
    client, world, administrator
):
    client.force_login(administrator)
    assert client.get(reverse("admin:mcok_user_change", args=[world.executor.pk])).status_code == 200
    assert reset_password(client, world.executor).status_code == 302
    world.executor.refresh_from_db()
    assert world.executor.check_password(NEW_PASSWORD)


def test_municipal_administrator_cannot_make_an_account_staff(client, world, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:mcok_user_change", args=[world.executor.pk]))
    assert "is_staff" not in response.context["adminform"].form.fields


def add_data(username: str, role: dict) -> dict:
    data = {
        "username": username,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "usable_password": "true",
        "roles-TOTAL_FORMS": 1,
        "roles-INITIAL_FORMS": 0,
        "roles-MIN_NUM_FORMS": 1,
        "roles-MAX_NUM_FORMS": 1000,
        "roles-0-organization": "",
    }
    return data | {f"roles-0-{name}": value for name, value in role.items()}


def test_municipal_administrator_creates_an_account_with_its_first_role(client, world, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:mcok_user_add"),
        add_data("new-operator", {"kind": "operator", "municipality": world.municipality.pk}),
    )
    assert response.status_code == 302
    account = User.objects.get(username="new-operator")
    assert account in access.users_manageable_by(administrator)
    assert client.get(response.url).status_code == 200


def test_municipal_administrator_cannot_create_an_account_without_a_role(client, world, administrator):
    # It would be nobody's but the instance administrator's the moment it was saved.
    client.force_login(administrator)
    response = client.post(
        reverse("admin:mcok_user_add"), add_data("orphan", {"kind": "", "municipality": ""})
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="orphan").exists()


def test_the_official_page_names_only_an_account_the_reader_may_manage(client, world, superuser):
    """A link made before the rule (an official of the first municipality linked to the superuser)
    shows that an account is linked, never its login; the instance's administrator reads the login."""
    official = make_official(world.municipality, full_name="Связанная Е.Е.")
    Official.objects.filter(pk=official.pk).update(user=superuser)
    url = reverse("mcok:official", args=[official.pk])
    for reader in (world.coordinator, world.administrator):
        client.force_login(reader)
        body = client.get(url).content.decode()
        assert superuser.username not in body
        assert "привязана" in body
    client.force_login(superuser)
    assert superuser.username in client.get(url).content.decode()
    own = make_official(world.municipality, full_name="Своя Ж.Ж.", user=world.coordinator)
    client.force_login(world.coordinator)
    assert world.coordinator.username in client.get(reverse("mcok:official", args=[own.pk])).content.decode()
