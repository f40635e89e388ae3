"""The assignments of the directions (закрепление): the reader of the order's table, the page and its
rights, the transfer, the import and its idempotence."""

import io
import json
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from directions import access, services
from directions import responsibility_reader as reader
from directions.models import Duty, Responsibility
from directions.responsibility_views import SESSION_KEY
from mcok.models import Official, Organization, User
from tests.factories import (
    make_direction,
    make_document,
    make_official,
    make_organization,
    make_user_with_role,
)

DATA = Path(__file__).parent / "data"
ORDER = json.loads((DATA / "order_1048_appendix1.json").read_text(encoding="utf-8"))
HEADER = ORDER["header"]
START = date(2021, 7, 5)


# Files built in the test --------------------------------------------------------------------------


def docx_bytes(
    rows: list[list[str]], *, header=HEADER, title: str = ORDER["title"], extra_table=True
) -> bytes:
    """A Word document as the order prints it: a title, the table (a block's row merged across the
    table), and the technology card's table after it, which is no assignment table."""
    document = docx.Document()
    document.add_paragraph(title)
    table = document.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=False):
            cell.text = text
        if len(values) == 1:
            cells[0].merge(cells[-1])
    if extra_table:
        document.add_paragraph("Технологическая карта")
        card = document.add_table(rows=2, cols=4)
        for cell, text in zip(
            card.rows[0].cells,
            ["№", "Структура управленческого цикла", "Функциональные обязанности координатора",
             "Функциональные обязанности ответственных исполнителей"],
            strict=True,
        ):  # fmt: skip
            cell.text = text
        card.rows[1].cells[0].text = "1"
        card.rows[1].cells[2].text = "Мастрюкова Л.И."
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(rows: list[list], *, header=HEADER, title: str = ORDER["title"]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Приложение 1"
    sheet.append([title])
    sheet.append([])
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SMALL = [
    ["1. Механизмы управления качеством образовательных результатов"],
    ["1.1", "Система оценки качества подготовки обучающихся", "Мастрюкова Л.И.", "Мастрюкова Л.И., ИМЦ"],
    ["1.3", "Система выявления талантов", "Шерсткина Е.А.", "Доценко Т.И., Шерсткина Е.А., ИМЦ"],
    ["2.1", "Система объективности", "Мастрюкова Л.И.", "Незнакомова О.О., ИМЦ"],
]


def names_of(result: reader.ReadResult) -> dict[tuple[str, str], list[str]]:
    return {(row.code, row.duty): row.names for row in result.rows}


# The reader -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_reader_reads_the_order_table(kind):
    content = docx_bytes(ORDER["rows"]) if kind == "docx" else xlsx_bytes(ORDER["rows"])
    result = reader.read_assignments(content, f"order.{kind}")
    names = names_of(result)
    assert result.codes == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5"]
    assert len(result.rows) == 18  # a coordinator and executors per direction
    assert names["1.1", reader.COORDINATOR] == ["Мастрюкова Л.И."]
    assert names["1.1", reader.EXECUTOR] == ["Мастрюкова Л.И.", "ИМЦ"]
    assert names["1.3", reader.EXECUTOR] == ["Доценко Т.И.", "Шерсткина Е.А.", "ИМЦ"]
    assert result.problems == []  # the block rows are headings, the technology card is another table
    assert reader.COORDINATOR == Duty.COORDINATOR and reader.EXECUTOR == Duty.EXECUTOR


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_reader_names_the_row_without_a_code(kind):
    rows = [*SMALL, ["", "Система без кода", "Шерсткина Е.А.", "ИМЦ"], ["1.5", "Система ни с кем", "", ""]]
    content = docx_bytes(rows) if kind == "docx" else xlsx_bytes(rows)
    with translation.override("ru"):
        result = reader.read_assignments(content, f"order.{kind}")
    assert "2.1" in result.codes and "" not in result.codes and "1.5" not in result.codes
    place = "Таблица 1, строка 6" if kind == "docx" else "Лист «Приложение 1», строка 8"
    assert f"{place}: нет кода направления; строка пропущена." in result.problems
    assert any("1.5" in problem and "строка" in problem.lower() for problem in result.problems)


def test_reader_takes_the_code_from_the_direction_text_and_a_merged_coordinator():
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Направление", "Координатор", "Исполнители"], strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "1.1 Система оценки"
    table.rows[2].cells[0].text = "1.2. Система работы со школами"
    table.rows[1].cells[1].merge(table.rows[2].cells[1]).text = "и. о. Петрова В.В."
    table.rows[1].cells[2].text = "ИМЦ"
    table.rows[2].cells[2].text = "Иванов И.И.; ИМЦ"
    buffer = io.BytesIO()
    document.save(buffer)
    result = reader.read_assignments(buffer.getvalue(), "order.docx")
    names = names_of(result)
    assert names["1.1", reader.COORDINATOR] == names["1.2", reader.COORDINATOR] == ["и. о. Петрова В.В."]
    assert names["1.2", reader.EXECUTOR] == ["Иванов И.И.", "ИМЦ"]
    assert reader.is_acting("и. о. Петрова В.В.") and not reader.is_acting("Иосифова В.В.")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"not a zip at all", "order.docx"),
        (b"not a zip at all", "order.xlsx"),
        (b"%PDF-1.4", "order.pdf"),
    ],
)
def test_reader_refuses_what_is_not_a_document(content, name):
    with pytest.raises(reader.ResponsibilityFileError):
        reader.read_assignments(content, name)


def test_reader_refuses_a_document_without_the_table():
    content = docx_bytes([], header=["№", "Мероприятие", "Срок"], extra_table=False)
    with pytest.raises(reader.ResponsibilityFileError, match="Координатор"):
        reader.read_assignments(content, "order.docx")


# The municipality of the order ---------------------------------------------------------------------


@pytest.fixture
def order(world):
    """The officials and the ИМЦ of the order in the world's municipality, its directions 1.1 (the
    world's), 1.3 and 2.1, and the order itself."""
    municipality = world.municipality
    imc = make_organization(
        municipality, short_name="ИМЦ", full_name="МКУ «Информационно-методический центр»"
    )
    people = {
        name: make_official(municipality, full_name=full, position="главный инспектор")
        for name, full in [
            ("Мастрюкова", "Мастрюкова Любовь Ивановна"),
            ("Шерсткина", "Шерсткина Е.А."),
            ("Доценко", "Доценко Т.И."),
        ]
    }
    directions = {
        "1.1": world.direction,
        "1.3": make_direction(municipality, "1.3"),
        "2.1": make_direction(municipality, "2.1"),
    }
    document = make_document(municipality, title="О закреплении ответственности", number="1048", date=START)
    return {"imc": imc, "people": people, "directions": directions, "document": document}


def _read(rows=SMALL) -> reader.ReadResult:
    return reader.read_assignments(docx_bytes(rows), "order.docx")


def test_plan_matches_names_and_lists_the_unknown(world, order):
    plan = services.responsibilities_import_plan(
        result=_read(), municipality=world.municipality, starts_on=START
    )
    matched = {(item.code, item.duty, item.name): item for item in plan.items}
    assert matched["1.1", Duty.COORDINATOR, "Мастрюкова Л.И."].official == order["people"]["Мастрюкова"]
    assert matched["1.3", Duty.EXECUTOR, "ИМЦ"].organization == order["imc"]
    assert matched["1.3", Duty.EXECUTOR, "Доценко Т.И."].official == order["people"]["Доценко"]
    assert plan.unknown_names == ["Незнакомова О.О."]  # listed, never dropped
    assert len(plan.new) == 9


def test_import_stops_on_unknown_names_unless_told_to_skip(world, order):
    with pytest.raises(ValidationError, match="Незнакомова"):
        services.responsibilities_import(
            result=_read(), municipality=world.municipality, starts_on=START, by=world.administrator
        )
    assert not Responsibility.objects.filter(document=order["document"]).exists()
    plan = services.responsibilities_import(
        result=_read(),
        municipality=world.municipality,
        starts_on=START,
        document=order["document"],
        by=world.administrator,
        skip_unknown=True,
    )
    assert plan.created == 9
    assert plan.unknown_names == ["Незнакомова О.О."]


def test_import_again_adds_nothing(world, order):
    def run():
        return services.responsibilities_import(
            result=_read(),
            municipality=world.municipality,
            starts_on=START,
            document=order["document"],
            by=world.chief,
            skip_unknown=True,
        )

    assert run().created == 9
    count = Responsibility.objects.count()
    again = run()
    assert again.created == 0 and len(again.present) == 9
    assert Responsibility.objects.count() == count
    # A later start date does not add the same people again either: they already hold the duties.
    later = services.responsibilities_import_plan(
        result=_read(), municipality=world.municipality, starts_on=START + timedelta(days=100)
    )
    assert later.new == []


def test_import_by_a_coordinator_is_refused(world, order):
    with pytest.raises(PermissionDenied):
        services.responsibilities_import(
            result=_read(),
            municipality=world.municipality,
            starts_on=START,
            by=world.coordinator,
            skip_unknown=True,
        )
    assert not Responsibility.objects.filter(document=order["document"]).exists()


def test_import_command_is_idempotent(world, order, tmp_path):
    path = tmp_path / "order.xlsx"
    path.write_bytes(xlsx_bytes(SMALL))
    arguments = [
        str(path),
        "--municipality",
        "ishim",
        "--starts-on",
        "2021-07-05",
        "--document",
        str(order["document"].pk),
    ]
    with pytest.raises(CommandError):
        call_command("import_responsibilities", *arguments, stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_responsibilities", *arguments, "--skip-unknown", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["added"] == 9 and summary["unknown"] == ["Незнакомова О.О."]
    out = io.StringIO()
    call_command("import_responsibilities", *arguments, "--skip-unknown", stdout=out)
    assert json.loads(out.getvalue())["added"] == 0


# The import page ------------------------------------------------------------------------------------


def test_import_page_previews_adds_the_missing_official_and_imports_once(client, world, order):
    client.force_login(world.administrator)
    url = reverse("directions:responsibilities_import", args=["ishim"])
    upload = SimpleUploadedFile("order.docx", docx_bytes(SMALL))
    response = client.post(
        url, {"action": "upload", "file": upload, "starts_on": "2021-07-05", "document": order["document"].pk}
    )
    assert response.status_code == 302
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["plan"].unknown_names == ["Незнакомова О.О."]
    assert "Незнакомова О.О." in response.content.decode()

    response = client.post(
        url, {"action": "official", "full_name": "Незнакомова О.О.", "position": "методист"}
    )
    assert response.status_code == 302
    assert Official.objects.filter(municipality=world.municipality, full_name="Незнакомова О.О.").exists()
    response = client.get(url)
    plan = response.context["plan"]
    assert plan.unknown_names == [] and len(plan.new) == 10

    digest = client.session[SESSION_KEY]["digest"]
    response = client.post(url, {"action": "confirm", "digest": digest})
    assert response.status_code == 302
    assert Responsibility.objects.filter(document=order["document"]).count() == 10
    assert SESSION_KEY not in client.session

    upload = SimpleUploadedFile("order.docx", docx_bytes(SMALL))
    client.post(
        url, {"action": "upload", "file": upload, "starts_on": "2021-07-05", "document": order["document"].pk}
    )
    client.post(url, {"action": "confirm", "digest": client.session[SESSION_KEY]["digest"]})
    assert Responsibility.objects.filter(document=order["document"]).count() == 10


def test_import_page_shows_why_a_file_is_refused(client, world, order):
    client.force_login(world.chief)
    url = reverse("directions:responsibilities_import", args=["ishim"])
    upload = SimpleUploadedFile("order.docx", b"not a document")
    response = client.post(
        url, {"action": "upload", "file": upload, "starts_on": "2021-07-05", "document": order["document"].pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize(
    ("actor", "status"), [("coordinator", 403), ("other_coordinator", 403), ("outsider", 404)]
)
def test_import_page_is_for_those_who_keep_the_assignments(client, world, actor, status):
    client.force_login(getattr(world, actor))
    url = reverse("directions:responsibilities_import", args=["ishim"])
    assert client.get(url).status_code == status
    assert client.post(url, {"action": "cancel"}).status_code == status


# The page and its rights ------------------------------------------------------------------------------


def _page(slug="ishim"):
    return reverse("directions:responsibilities", args=[slug])


@pytest.mark.parametrize(
    ("actor", "status", "may_manage"),
    [
        ("administrator", 200, True),
        ("chief", 200, True),
        ("coordinator", 200, False),
        ("executor", 200, False),
        ("operator", 200, False),
        ("respondent", 404, None),
        ("outsider", 404, None),
    ],
)
def test_page_is_read_by_the_staff(client, world, actor, status, may_manage):
    client.force_login(getattr(world, actor))
    response = client.get(_page())
    assert response.status_code == status
    if status == 200:
        assert response.context["may_manage"] is may_manage
        add = reverse("directions:responsibility_add", args=["ishim"])
        assert (add in response.content.decode()) is may_manage
        assert world.coordinator.officials.get().full_name in response.content.decode()


def test_another_municipalitys_administrator_gets_404(client, world):
    client.force_login(make_user_with_role("administrator", municipality=world.elsewhere))
    assert client.get(_page()).status_code == 404
    responsibility = world.direction.responsibilities.first()
    assert (
        client.post(
            reverse("directions:responsibility_end", args=[responsibility.pk]), {"ends_on": "2024-01-01"}
        ).status_code
        == 404
    )


def _add_data(world, **fields):
    official = make_official(world.municipality, full_name="Доценко Т.И.")
    return {
        "direction": world.direction.pk,
        "duty": Duty.EXECUTOR,
        "official": official.pk,
        "starts_on": "2024-01-01",
    } | fields


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("administrator", 302),
        ("chief", 302),
        ("coordinator", 403),
        ("executor", 403),
        ("other_coordinator", 403),
    ],
)
def test_adding_is_for_administrators_and_the_head(client, world, actor, status):
    client.force_login(getattr(world, actor))
    before = Responsibility.objects.count()
    response = client.post(reverse("directions:responsibility_add", args=["ishim"]), _add_data(world))
    assert response.status_code == status
    assert Responsibility.objects.count() == before + (1 if status == 302 else 0)


@pytest.mark.parametrize("name", ["edit", "end", "transfer", "delete"])
def test_a_coordinator_reads_but_every_write_is_403(client, world, name):
    responsibility = world.direction.responsibilities.get(duty=Duty.COORDINATOR)
    client.force_login(world.coordinator)
    url = reverse(f"directions:responsibility_{name}", args=[responsibility.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"ends_on": "2024-01-01"}).status_code == 403
    assert Responsibility.objects.filter(pk=responsibility.pk, ends_on=None).exists()


def test_validation_speaks_russian(world):
    official = make_official(world.municipality)
    with translation.override("ru"), pytest.raises(ValidationError) as error:
        services.responsibility_add(
            by=world.administrator,
            direction=world.direction,
            duty=Duty.EXECUTOR,
            official=official,
            starts_on=date(2024, 5, 1),
            ends_on=date(2024, 4, 1),
        )
    assert error.value.messages == ["Закрепление заканчивается раньше, чем начинается."]


def test_validation_refuses_a_duplicate_and_another_municipality(world):
    existing = world.direction.responsibilities.get(duty=Duty.COORDINATOR)
    with pytest.raises(ValidationError):
        services.responsibility_add(
            by=world.administrator,
            direction=world.direction,
            duty=Duty.COORDINATOR,
            official=existing.official,
        )
    stranger = make_official(world.elsewhere)
    with pytest.raises(ValidationError):
        services.responsibility_add(
            by=world.administrator, direction=world.direction, duty=Duty.EXECUTOR, official=stranger
        )
    imc = make_organization(world.municipality, short_name="ИМЦ")
    with pytest.raises(ValidationError):  # both an official and an organization
        services.responsibility_add(
            by=world.administrator,
            direction=world.direction,
            duty=Duty.EXECUTOR,
            official=existing.official,
            organization=imc,
        )


def test_the_form_shows_the_problem_and_writes_nothing(client, world):
    client.force_login(world.administrator)
    url = reverse("directions:responsibility_add", args=["ishim"])
    data = _add_data(world)
    before = Responsibility.objects.count()
    response = client.post(url, data | {"starts_on": "2024-05-01", "ends_on": "2024-04-01"})
    assert response.status_code == 200 and response.context["form"].errors
    stranger = make_official(world.elsewhere)
    response = client.post(url, data | {"official": stranger.pk})  # not a choice of this municipality
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(
        url, data | {"official": world.coordinator.officials.get().pk, "duty": Duty.COORDINATOR}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()  # the service's problem: already holds the duty
    assert Responsibility.objects.count() == before


def test_an_acting_deputy_is_a_row_of_its_own(client, world):
    client.force_login(world.chief)
    deputy = make_official(world.municipality, full_name="Петрова В.В.")
    data = {
        "direction": world.direction.pk, "duty": Duty.COORDINATOR, "official": deputy.pk, "acting": "on",
        "starts_on": "2024-06-01", "ends_on": "2024-06-30",
    }  # fmt: skip
    assert client.post(reverse("directions:responsibility_add", args=["ishim"]), data).status_code == 302
    acting = Responsibility.objects.get(official=deputy)
    assert acting.acting and acting.ends_on == date(2024, 6, 30)
    assert world.direction.responsibilities.filter(duty=Duty.COORDINATOR, acting=False, ends_on=None).exists()


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no duties kept from before


def test_transfer_ends_the_old_and_starts_the_new(client, world):
    responsibility = world.direction.responsibilities.get(duty=Duty.COORDINATOR)
    newcomer = world.other_coordinator
    assert access.holds(_fresh(world.coordinator), world.direction, Duty.COORDINATOR)
    assert not access.holds(_fresh(newcomer), world.direction, Duty.COORDINATOR)

    yesterday = timezone.localdate() - timedelta(days=1)
    client.force_login(world.administrator)
    response = client.post(
        reverse("directions:responsibility_transfer", args=[responsibility.pk]),
        {"ends_on": yesterday.isoformat(), "official": newcomer.officials.get().pk},
    )
    assert response.status_code == 302
    responsibility.refresh_from_db()
    assert responsibility.ends_on == yesterday  # ended, not deleted
    new = Responsibility.objects.get(
        direction=world.direction, duty=Duty.COORDINATOR, official__user=newcomer
    )
    assert new.starts_on == timezone.localdate() and new.ends_on is None
    assert not access.holds(_fresh(world.coordinator), world.direction, Duty.COORDINATOR)
    assert access.holds(_fresh(newcomer), world.direction, Duty.COORDINATOR)
    assert access.is_coordinator_of(_fresh(newcomer), world.direction)


def test_a_failed_transfer_leaves_the_old_assignment(world):
    responsibility = world.direction.responsibilities.get(duty=Duty.COORDINATOR)
    stranger = make_official(world.elsewhere)
    with pytest.raises(ValidationError):
        services.responsibility_transfer(
            responsibility=responsibility, by=world.chief, ends_on=date(2024, 1, 31), official=stranger
        )
    responsibility.refresh_from_db()
    assert responsibility.ends_on is None
    assert Responsibility.objects.filter(direction=world.direction, duty=Duty.COORDINATOR).count() == 1


def test_end_keeps_the_row_and_delete_removes_a_mistake_with_history(client, world):
    responsibility = world.direction.responsibilities.get(duty=Duty.EXECUTOR)
    client.force_login(world.administrator)
    response = client.post(
        reverse("directions:responsibility_end", args=[responsibility.pk]), {"ends_on": "2024-12-31"}
    )
    assert response.status_code == 302
    responsibility.refresh_from_db()
    assert responsibility.ends_on == date(2024, 12, 31)
    assert (
        client.post(
            reverse("directions:responsibility_end", args=[responsibility.pk]), {"ends_on": "2025-06-30"}
        ).status_code
        == 200
    )  # already ended earlier: refused on the form
    page = client.get(_page(), {"item": responsibility.pk})
    history = page.context["history"]
    assert [change.kind for change in history] == ["~", "+"]
    assert history[0].changes[0][1:] == ("—", "31.12.2024")
    assert history[0].record.history_user == world.administrator

    client.post(reverse("directions:responsibility_delete", args=[responsibility.pk]))
    assert not Responsibility.objects.filter(pk=responsibility.pk).exists()
    assert client.get(_page(), {"item": responsibility.pk}).context["history"][0].kind == "-"


def test_filters_by_direction_person_and_date(client, world):
    client.force_login(world.coordinator)
    old = world.direction.responsibilities.get(duty=Duty.EXECUTOR)
    services.responsibility_end(responsibility=old, ends_on=date(2023, 12, 31), by=world.administrator)
    response = client.get(_page(), {"on": "2024-06-01"})
    shown = [r.pk for group in response.context["groups"] for r in group.rows]
    assert old.pk not in shown and world.direction.responsibilities.get(duty=Duty.COORDINATOR).pk in shown
    response = client.get(_page(), {"person": f"official-{old.official_id}"})
    assert [r.pk for group in response.context["groups"] for r in group.rows] == [old.pk]
    response = client.get(_page(), {"direction": world.other_direction.pk})
    assert [group.direction for group in response.context["groups"]] == [world.other_direction]


def test_page_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.chief)
    client.get(_page())  # the session and the like, once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_page()).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    document = make_document(world.municipality)
    imc = make_organization(world.municipality, short_name="ИМЦ")
    for number in range(2, 8):
        direction = make_direction(world.municipality, f"1.{number}")
        official = make_official(world.municipality, organization=imc)
        services.responsibility_add(
            by=world.chief, direction=direction, duty=Duty.COORDINATOR, official=official, document=document
        )
        services.responsibility_add(by=world.chief, direction=direction, duty=Duty.EXECUTOR, organization=imc)
    responsibility = world.direction.responsibilities.get(duty=Duty.EXECUTOR)
    services.responsibility_end(responsibility=responsibility, ends_on=date(2024, 1, 1), by=world.chief)
    assert queries() == few


def test_page_speaks_russian(client, world):
    client.force_login(world.administrator)
    with translation.override("ru"):
        content = client.get(_page(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Закрепление направлений" in content
    assert "Координатор" in content
    assert Organization.objects.count() >= 1


def test_an_acting_name_of_the_table_is_imported_as_acting(world, order):
    deputy = make_official(world.municipality, full_name="Петрова Вера Викторовна", position="методист")
    rows = [["1.3", "Система выявления талантов", "и. о. Петрова В.В.", "ИМЦ"]]
    plan = services.responsibilities_import(
        result=_read(rows), municipality=world.municipality, starts_on=START, by=world.chief
    )
    assert plan.created == 2
    acting = Responsibility.objects.get(official=deputy)
    assert acting.acting and acting.duty == Duty.COORDINATOR and acting.starts_on == START
