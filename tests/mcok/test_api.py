import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from mcok import access, services
from mcok.api import exception_handler
from mcok.models import Official, Organization, Role, User
from tests.factories import make_document, make_official, make_organization, make_user

ACTORS = ["coordinator", "respondent", "outsider"]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def records(world):
    """Each municipality's department official and order, and one of each per school. The world's
    own officials (those its directions are assigned to) are department officials too."""
    assigned = set(Official.objects.filter(municipality=world.municipality).values_list("pk", flat=True))
    periods = services.periods_ensure(year=2025)
    return {
        "assigned": assigned,
        "periods": periods,
        "inspector": make_official(world.municipality),
        "school_teacher": make_official(world.municipality, organization=world.school),
        "other_teacher": make_official(world.municipality, organization=world.other_school),
        "foreign_inspector": make_official(world.elsewhere),
        "order": make_document(world.municipality),
        "school_plan": make_document(world.municipality, organization=world.school),
        "other_plan": make_document(world.municipality, organization=world.other_school),
        "foreign_order": make_document(world.elsewhere),
    }


# Token authentication


def test_token_is_issued_for_the_right_password_and_opens_the_api(client, world):
    user = make_user("token-user")
    user.set_password("Верный-пароль-2025")
    user.save()
    services.role_grant(user=user, kind=Role.Kind.COORDINATOR, municipality=world.municipality)

    response = client.post(reverse("api:token"), {"username": "token-user", "password": "Верный-пароль-2025"})

    assert response.status_code == 200
    key = response.json()["token"]
    assert key == Token.objects.get(user=user).key
    response = client.get(reverse("api:organization-list"), headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert ids(response) == {world.school.pk, world.other_school.pk}


def test_token_is_refused_for_a_wrong_password(client, world):
    user = make_user("token-user")
    user.set_password("Верный-пароль-2025")
    user.save()

    response = client.post(reverse("api:token"), {"username": "token-user", "password": "неверный"})

    assert response.status_code == 400
    assert not Token.objects.filter(user=user).exists()


def test_token_endpoint_is_locked_by_axes_after_five_wrong_passwords(client, world):
    user = make_user("token-user")
    user.set_password("Верный-пароль-2025")
    user.save()

    def ask(password: str, address: str = "10.0.0.1"):
        return client.post(
            reverse("api:token"), {"username": "token-user", "password": password}, REMOTE_ADDR=address
        )

    for _ in range(4):
        assert ask("неверный").status_code == 400
    assert ask("неверный").status_code == 429  # the fifth failure locks, as on the login page
    assert ask("Верный-пароль-2025").status_code == 429  # locked: the right password is refused too
    assert not Token.objects.filter(user=user).exists()

    response = ask("Верный-пароль-2025", address="10.0.0.2")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=user).key


def test_a_made_up_token_is_refused(client, world):
    response = client.get(
        reverse("api:organization-list"), headers={"Authorization": "Token 0123456789abcdef"}
    )
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    "name", ["municipality-list", "organization-list", "official-list", "period-list", "document-list", "me"]
)
def test_anonymous_is_refused(client, world, name):
    response = client.get(reverse(f"api:{name}"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"detail"}


# Lists: exactly the rows the access module allows


@pytest.mark.parametrize("actor", ACTORS)
def test_municipality_list_matches_access(client, world, actor):
    user = getattr(world, actor)
    client.force_login(user)
    got = ids(client.get(reverse("api:municipality-list")))
    assert got == set(access.municipalities_visible_to(user).values_list("pk", flat=True))
    expected = {"coordinator": {world.municipality.pk}, "respondent": {world.municipality.pk}}
    assert got == expected.get(actor, {world.elsewhere.pk})


@pytest.mark.parametrize("actor", ACTORS)
def test_organization_list_matches_access(client, world, actor):
    user = getattr(world, actor)
    client.force_login(user)
    got = ids(client.get(reverse("api:organization-list")))
    assert got == set(access.organizations_visible_to(user).values_list("pk", flat=True))
    expected = {
        "coordinator": {world.school.pk, world.other_school.pk},
        "respondent": {world.school.pk},
        "outsider": {world.elsewhere_school.pk},
    }
    assert got == expected[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_official_list_matches_access(client, world, records, actor):
    user = getattr(world, actor)
    client.force_login(user)
    got = ids(client.get(reverse("api:official-list")))
    assert got == set(access.officials_visible_to(user).values_list("pk", flat=True))
    expected = {
        "coordinator": {"inspector", "school_teacher", "other_teacher"},
        "respondent": {"inspector", "school_teacher"},
        "outsider": {"foreign_inspector"},
    }
    department = records["assigned"] if actor != "outsider" else set()
    assert got == {records[name].pk for name in expected[actor]} | department


@pytest.mark.parametrize("actor", ACTORS)
def test_document_list_matches_access(client, world, records, actor):
    user = getattr(world, actor)
    client.force_login(user)
    got = ids(client.get(reverse("api:document-list")))
    assert got == set(access.documents_visible_to(user).values_list("pk", flat=True))
    expected = {
        "coordinator": {"order", "school_plan", "other_plan"},
        "respondent": {"order", "school_plan"},
        "outsider": {"foreign_order"},
    }
    assert got == {records[name].pk for name in expected[actor]}


@pytest.mark.parametrize("actor", ACTORS)
def test_period_list_is_the_whole_calendar_for_everyone(client, world, records, actor):
    user = getattr(world, actor)
    client.force_login(user)
    response = client.get(reverse("api:period-list"))
    got = ids(response)
    assert got == set(access.periods_visible_to(user).values_list("pk", flat=True))
    assert records["periods"] == 8
    assert len(got) == 9  # with the year 2020 the world's directions are in force from
    codes = [row["code"] for row in response.json()["results"]]
    assert codes[:2] == ["2020", "2025"]  # ordered by start, the longest first
    assert set(codes) == {
        "2020",
        *("2025", "2025/26", "2025-H1", "2025-H2", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"),
    }


def test_organization_json_is_exact(client, world):
    head = make_official(world.municipality, full_name="Петрова Е.В.", position="директор")
    school = make_organization(
        world.municipality,
        short_name="Гимназия № 2",
        full_name="МБОУ «Гимназия № 2»",
        locality="urban",
        low_results=True,
        head=head,
    )
    client.force_login(world.coordinator)
    response = client.get(reverse("api:organization-detail", args=[school.pk]))
    assert response.status_code == 200
    assert response.json() == {
        "id": school.pk,
        "municipality": "ishim",
        "short_name": "Гимназия № 2",
        "full_name": "МБОУ «Гимназия № 2»",
        "kind": "school",
        "locality": "urban",
        "low_results": True,
        "unfavourable_conditions": False,
        "head": "Петрова Е.В., директор",
        "is_active": True,
    }


# Details: "not yours" and "absent" answer the same 404


@pytest.mark.parametrize(
    ("actor", "own", "foreign"),
    [
        ("respondent", "school", "other_school"),
        ("respondent", "school", "elsewhere_school"),
        ("coordinator", "other_school", "elsewhere_school"),
        ("outsider", "elsewhere_school", "school"),
    ],
)
def test_organization_detail_of_another_is_404_like_an_absent_one(client, world, actor, own, foreign):
    client.force_login(getattr(world, actor))
    own_response = client.get(reverse("api:organization-detail", args=[getattr(world, own).pk]))
    assert own_response.status_code == 200
    assert own_response.json()["id"] == getattr(world, own).pk
    foreign_response = client.get(reverse("api:organization-detail", args=[getattr(world, foreign).pk]))
    absent_response = client.get(reverse("api:organization-detail", args=[987654321]))
    assert foreign_response.status_code == absent_response.status_code == 404
    assert foreign_response.json() == absent_response.json()


def test_municipality_detail_of_another_is_404_like_an_absent_one(client, world):
    client.force_login(world.coordinator)
    assert (
        client.get(reverse("api:municipality-detail", args=["ishim"])).json()["name"] == "Ишимбайский район"
    )
    foreign = client.get(reverse("api:municipality-detail", args=["amur"]))
    absent = client.get(reverse("api:municipality-detail", args=["nowhere"]))
    assert foreign.status_code == absent.status_code == 404
    assert foreign.json() == absent.json()


def test_document_and_official_details_of_another_school_are_404(client, world, records):
    client.force_login(world.respondent)
    assert client.get(reverse("api:document-detail", args=[records["order"].pk])).status_code == 200
    assert client.get(reverse("api:document-detail", args=[records["other_plan"].pk])).status_code == 404
    assert client.get(reverse("api:official-detail", args=[records["inspector"].pk])).status_code == 200
    assert client.get(reverse("api:official-detail", args=[records["other_teacher"].pk])).status_code == 404


def test_api_is_read_only(client, world):
    client.force_login(world.administrator)
    response = client.post(
        reverse("api:organization-list"),
        {"short_name": "Новая школа", "kind": "school"},
        content_type="application/json",
    )
    assert response.status_code == 405
    response = client.delete(reverse("api:organization-detail", args=[world.school.pk]))
    assert response.status_code == 405
    assert Organization.objects.filter(pk=world.school.pk).exists()
    assert not Organization.objects.filter(short_name="Новая школа").exists()


# Filters


def test_organization_filters_by_kind_and_search(client, world):
    garden = make_organization(world.municipality, short_name="Детский сад № 7", kind="kindergarten")
    make_organization(world.elsewhere, short_name="Детский сад № 8", kind="kindergarten")
    client.force_login(world.coordinator)
    assert ids(client.get(reverse("api:organization-list"), {"kind": "kindergarten"})) == {garden.pk}
    assert ids(client.get(reverse("api:organization-list"), {"q": "сад 7"})) == {garden.pk}
    assert ids(client.get(reverse("api:organization-list"), {"q": "сад"})) == {garden.pk}
    assert ids(client.get(reverse("api:organization-list"), {"kind": "school"})) == {
        world.school.pk,
        world.other_school.pk,
    }


def test_organization_filter_by_municipality(client, world):
    superuser = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(superuser)
    assert ids(client.get(reverse("api:organization-list"), {"municipality": world.elsewhere.pk})) == {
        world.elsewhere_school.pk
    }
    assert ids(client.get(reverse("api:organization-list"), {"municipality": world.municipality.pk})) == {
        world.school.pk,
        world.other_school.pk,
    }


def test_filtering_by_a_foreign_municipality_is_refused_not_answered(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("api:organization-list"), {"municipality": world.elsewhere.pk})
    assert response.status_code == 400
    assert list(response.json()) == ["municipality"]


def test_official_and_document_filters(client, world, records):
    client.force_login(world.coordinator)
    assert ids(client.get(reverse("api:official-list"), {"department": "true"})) == {
        records["inspector"].pk,
        *records["assigned"],
    }
    assert ids(client.get(reverse("api:official-list"), {"organization": world.school.pk})) == {
        records["school_teacher"].pk
    }
    assert ids(client.get(reverse("api:document-list"), {"q": records["other_plan"].title})) == {
        records["other_plan"].pk
    }


# /api/me/


def test_me_lists_the_users_roles(client, world):
    user = make_user("ivanova", first_name="Анна", last_name="Иванова")
    services.role_grant(user=user, kind=Role.Kind.COORDINATOR, municipality=world.municipality)
    services.role_grant(user=user, kind=Role.Kind.RESPONDENT, organization=world.school)
    client.force_login(user)
    response = client.get(reverse("api:me"))
    assert response.status_code == 200
    data = response.json()
    assert data["username"] == "ivanova"
    assert data["full_name"] == "Анна Иванова"
    assert sorted(data["roles"], key=lambda role: role["kind"]) == [
        {"kind": "coordinator", "municipality": "ishim", "organization": None},
        {"kind": "respondent", "municipality": "ishim", "organization": world.school.pk},
    ]


def test_me_of_a_user_without_roles_has_none(client, world):
    user = make_user("nobody")
    client.force_login(user)
    assert client.get(reverse("api:me")).json() == {"username": "nobody", "full_name": "", "roles": []}


# Schema and docs


def test_schema_is_served_to_a_signed_in_user(client, world):
    client.force_login(world.respondent)
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("openapi:")
    assert "/api/organizations/:" in body
    assert "/api/me/:" in body
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "МСОКО-портал API"
    assert "/api/organizations/" in schema["paths"]
    assert "/api/organizations/{id}/" in schema["paths"]


def test_schema_and_docs_are_refused_to_anonymous(client, db):
    assert client.get(reverse("api:schema")).status_code == 401
    assert client.get(reverse("api:docs")).status_code == 401


def test_docs_page_is_served_to_a_signed_in_user(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    assert "swagger-ui" in response.content.decode()
    # The start script is a file of its own under the CSP (SpectacularSwaggerSplitView).
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200
    assert reverse("api:schema") in script.content.decode()


# Query counts


@pytest.mark.parametrize("name", ["organization-list", "official-list", "document-list"])
def test_list_queries_do_not_grow_with_rows(client, world, name):
    client.force_login(world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse(f"api:{name}"))
        assert response.status_code == 200
        return len(context.captured_queries)

    make_document(world.municipality, organization=world.school)
    make_official(world.municipality, organization=world.school)
    before = queries()
    for _ in range(10):
        organization = make_organization(world.municipality)
        organization.head = make_official(world.municipality, organization=organization)
        organization.save()
        make_document(world.municipality, organization=organization)
    assert queries() == before


# The exception handler


def test_handler_turns_a_service_validation_error_into_400_with_its_message(db):
    with pytest.raises(DjangoValidationError) as error:
        services.period_parse("осень")
    response = exception_handler(error.value, {})
    assert response.status_code == 400
    assert response.data == [
        "«осень» — не код периода. Укажите, например, 2024, 2024/25, 2024-H1 или 2024-Q3."
    ]


def test_handler_keeps_field_errors_of_a_validation_error(db):
    response = exception_handler(DjangoValidationError({"code": ["Неверный код."]}), {})
    assert response.status_code == 400
    assert response.data == {"code": ["Неверный код."]}


def test_handler_turns_permission_denied_into_403(db):
    response = exception_handler(DjangoPermissionDenied(), {})
    assert response.status_code == 403
    assert set(response.data) == {"detail"}
    assert response.data["detail"].code == "permission_denied"
