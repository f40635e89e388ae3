import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_document, make_official, make_organization


def test_pages_speak_russian(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("mcok:home"))
    assert response.status_code == 200
    assert "Моя работа" in response.content.decode()
    assert "Выйти" in response.content.decode()


def test_login_page_is_russian_and_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Вход" in body
    assert '<html lang="ru">' in body


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("mcok:organizations"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("actor", "text"),
    [
        ("coordinator", "Координатор"),
        ("executor", "Ответственный исполнитель"),
        ("operator", "Муниципальный оператор"),
        ("expert", "Эксперт"),
        ("respondent", "Ответственный в ОО"),
        ("head", "Руководитель ОО"),
        ("administrator", "Администратор"),
    ],
)
def test_each_role_sees_its_home_page(client, world, actor, text):
    client.force_login(getattr(world, actor))
    body = client.get(reverse("mcok:home")).content.decode()
    assert text in body
    if actor in ("respondent", "head"):
        assert world.school.full_name in body


def test_administrator_is_told_about_organizations_without_head(client, world):
    client.force_login(world.administrator)
    body = client.get(reverse("mcok:home")).content.decode()
    assert "2 организации без руководителя" in body
    body = client.get(reverse("mcok:organizations"), {"has_head": "false"}).content.decode()
    assert "2 организации" in body
    world.school.head = make_official(world.municipality, organization=world.school)
    world.school.save()
    body = client.get(reverse("mcok:organizations"), {"has_head": "false"}).content.decode()
    assert world.other_school.short_name in body
    assert world.school.short_name not in body


def test_school_user_gets_404_for_another_school(client, world):
    client.force_login(world.respondent)
    assert client.get(reverse("mcok:organization", args=[world.school.pk])).status_code == 200
    assert client.get(reverse("mcok:organization", args=[world.other_school.pk])).status_code == 404
    assert client.get(reverse("mcok:organization", args=[world.elsewhere_school.pk])).status_code == 404
    teacher = make_official(world.municipality, organization=world.other_school)
    assert client.get(reverse("mcok:official", args=[teacher.pk])).status_code == 404


def test_organization_list_filters_and_searches(client, world):
    make_organization(world.municipality, short_name="Детский сад № 7", kind="kindergarten", locality="rural")
    client.force_login(world.coordinator)
    body = client.get(reverse("mcok:organizations"), {"kind": "kindergarten"}).content.decode()
    assert "Детский сад № 7" in body
    assert world.school.short_name not in body
    body = client.get(reverse("mcok:organizations"), {"q": "сад 7"}).content.decode()
    assert "Детский сад № 7" in body
    assert world.school.short_name not in body
    assert world.elsewhere_school.short_name not in client.get(reverse("mcok:organizations")).content.decode()


def test_organization_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("mcok:organizations")).status_code == 200
        return len(context.captured_queries)

    before = queries()
    for _ in range(15):
        organization = make_organization(world.municipality)
        organization.head = make_official(world.municipality, organization=organization)
        organization.save()
    assert queries() == before


def test_official_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("mcok:officials")).status_code == 200
        return len(context.captured_queries)

    make_official(world.municipality)
    before = queries()
    for _ in range(10):
        make_official(world.municipality, organization=make_organization(world.municipality))
    assert queries() == before


def test_xlsx_export_keeps_formulas_as_text(client, world):
    make_organization(world.municipality, short_name='=HYPERLINK("http://x")', full_name="+7 (999)")
    client.force_login(world.coordinator)
    response = client.get(reverse("mcok:organizations"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Краткое наименование"
    names = {row[1] for row in rows[1:]}
    assert names == {world.school.short_name, world.other_school.short_name, '=HYPERLINK("http://x")'}
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == '=HYPERLINK("http://x")']
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_school_export_holds_only_its_own_organization(client, world):
    client.force_login(world.respondent)
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("mcok:organizations"), {"format": "xlsx"}).content)
    ).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [world.school.short_name]


def test_document_file_is_served_only_to_those_who_may_read_it(client, world, settings):
    from django.core.files.base import ContentFile

    document = make_document(world.municipality, organization=world.school)
    document.file.save("plan.pdf", ContentFile(b"%PDF-1.4 plan"))
    client.force_login(world.respondent)
    response = client.get(reverse("mcok:document_file", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    client.force_login(world.other_respondent)
    assert client.get(reverse("mcok:document_file", args=[document.pk])).status_code == 404


def test_healthz(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.parametrize("query", [{"kind": "zzz"}, {"municipality": "abc"}, {"page": "xyz"}, {"q": "\x00"}])
def test_bad_filter_values_are_explained_not_a_server_error(client, world, query):
    client.force_login(world.coordinator)
    response = client.get(reverse("mcok:organizations"), query)
    assert response.status_code == 200
    body = response.content.decode()
    if "page" not in query:
        assert 'class="errorlist' in body


# The menu by role ---------------------------------------------------------------------------------

STAFF_MENU = {"reports:dashboard", "directions:overview", "indicators:catalogue", "reports:reports"}


@pytest.mark.parametrize(
    ("actor", "audit", "public_tab"),
    [
        ("chief", True, True),  # the head of the department sees the staff's menus
        ("coordinator", True, True),
        ("administrator", True, True),
        ("executor", False, True),
        ("operator", False, True),
        ("expert", False, False),
    ],
)
def test_the_menu_of_the_department_staff(client, world, actor, audit, public_tab):
    client.force_login(getattr(world, actor))
    menu = {item.url_name for item in client.get(reverse("mcok:home")).context["menu"]}
    assert menu >= STAFF_MENU
    assert ("mcok:audit" in menu) is audit
    assert ("reports:site" in menu) is public_tab


@pytest.mark.parametrize("actor", ["respondent", "head"])
def test_a_school_sees_no_staff_menu(client, world, actor):
    client.force_login(getattr(world, actor))
    menu = {item.url_name for item in client.get(reverse("mcok:home")).context["menu"]}
    assert not menu & (STAFF_MENU | {"mcok:audit", "reports:site"})
    assert "mcok:home" in menu


def test_an_instance_administrator_sees_the_heads_menu(client, world, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("mcok:home"))
    menu = {item.url_name for item in response.context["menu"]}
    assert STAFF_MENU | {"mcok:audit", "reports:site"} <= menu
    assert response.context["is_staff_role"] and response.context["show_admin_link"]


def test_the_head_is_told_about_organizations_without_head_and_sees_accounts(client, world):
    client.force_login(world.chief)
    response = client.get(reverse("mcok:home"))
    assert "2 организации без руководителя" in response.content.decode()
    assert response.context["is_staff_role"] and not response.context["show_admin_link"]
