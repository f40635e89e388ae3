"""Instructions («поручения»): the deadline as written read into the day they are due by, their states
with «просрочено» derived, who gives, executes and reads them, «Моя работа» and the dashboard, the
«Контроль исполнения» workbook, the overdue letter, the decisions of a meeting that become instructions,
and the four seed orders' instructions loaded as written."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from roadmaps import groups, instructions, tasks
from roadmaps.models import Instruction, InstructionResponsible
from tests.factories import make_document, make_official

State = Instruction.State
TODAY = datetime.date(2025, 10, 1)


def _give(
    world,
    *,
    text="в срок до 01 августа 2021г. обеспечить вкладку",
    deadline="в срок до 01 августа 2021г.",
    **extra,
):
    order = extra.pop("document", None) or make_document(world.municipality, title="О МСОКО", number="1048")
    data = instructions.InstructionInput(text=text, document=order, deadline_text=deadline, **extra)
    return instructions.instruction_save(municipality=world.municipality, data=data, by=world.coordinator)


@pytest.fixture
def executor_official(world):
    return make_official(
        world.municipality, full_name="Вахрушина Э.Ф.", email="vah@example.ru", user=world.executor
    )


# The deadline -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind, due",
    [
        ("в срок до 01 августа 2021г.", "date", datetime.date(2021, 8, 1)),
        ("в срок до 12 июля 2021 года", "date", datetime.date(2021, 7, 12)),
        ("до 01.09.2022", "date", datetime.date(2022, 9, 1)),
        ("в срок до 01.09.2021 года", "date", datetime.date(2021, 9, 1)),
        ("постоянно", "ongoing", None),
        ("", "unknown", None),
    ],
)
def test_the_deadline_as_written_is_read_into_a_day(text, kind, due):
    assert instructions.due_date(text) == (kind, due)


def test_a_deadline_without_a_year_takes_the_documents_year(world):
    order = make_document(world.municipality, date=datetime.date(2021, 7, 5))
    instruction = _give(world, deadline="до 15 сентября", document=order)
    assert instruction.due_on == datetime.date(2021, 9, 15)
    assert instruction.deadline_text == "до 15 сентября"


# States and «просрочено» -----------------------------------------------------------------------------


def test_overdue_is_derived_from_the_deadline_and_the_state(world, executor_official):
    instruction = _give(world, officials=[executor_official])
    assert instruction.state == State.ASSIGNED
    assert instruction.due_on == datetime.date(2021, 8, 1)
    assert not instruction.is_overdue(datetime.date(2021, 8, 1))  # the due day is still in time
    assert instruction.is_overdue(datetime.date(2021, 8, 2))
    assert instructions.state_code(instruction, TODAY) == "overdue"
    assert list(Instruction.objects.overdue(TODAY)) == [instruction]
    instructions.instruction_execute(instruction=instruction, by=world.executor, state=State.IN_PROGRESS)
    assert instruction.is_overdue(TODAY)
    instructions.instruction_execute(
        instruction=instruction, by=world.executor, state=State.DONE, report="Вкладка работает"
    )
    assert instruction.state == State.DONE and not instruction.is_overdue(TODAY)
    assert not Instruction.objects.overdue(TODAY).exists()
    instructions.instruction_withdraw(instruction=instruction, by=world.coordinator)
    assert instruction.state == State.WITHDRAWN and not instruction.is_overdue(TODAY)


def test_done_needs_evidence_and_keeps_it_with_the_history(world, executor_official):
    instruction = _give(world, officials=[executor_official])
    with pytest.raises(ValidationError):
        instructions.instruction_execute(instruction=instruction, by=world.executor, state=State.DONE)
    instructions.instruction_execute(
        instruction=instruction,
        by=world.executor,
        state=State.DONE,
        evidence=SimpleUploadedFile("report.pdf", b"%PDF-1.4 report"),
    )
    assert instruction.documents.count() == 1 and instruction.done_on is not None
    states = [version.state for version in instructions.history(instruction)]
    assert states[0] == State.DONE and states[-1] == State.ASSIGNED


def test_responsible_lines_are_kept_and_linked(world, executor_official):
    school_line = f"{world.school.short_name}, директор"
    instruction = _give(
        world,
        responsible_text=f"Вахрушиной Э.Ф.\nВахрушина Э.Ф., заместитель начальника\n{school_line}",
    )
    rows = list(instruction.responsible.order_by("order"))
    assert [row.text for row in rows][1:] == ["Вахрушина Э.Ф., заместитель начальника", school_line]
    assert rows[0].official is None  # the dative case is kept as written, linked to nobody
    assert rows[1].official == executor_official and rows[2].organization == world.school


# Access ------------------------------------------------------------------------------------------------


def test_who_gives_executes_and_reads(world, executor_official, client):
    data = instructions.InstructionInput(text="Поручение")
    for user in (world.executor, world.respondent, world.outsider):
        with pytest.raises(PermissionDenied):
            instructions.instruction_save(municipality=world.municipality, data=data, by=user)
    instruction = _give(world, officials=[executor_official])
    with pytest.raises(PermissionDenied):
        instructions.instruction_execute(
            instruction=instruction, by=world.expert, state=State.DONE, report="x"
        )
    with pytest.raises(PermissionDenied):
        instructions.instruction_withdraw(instruction=instruction, by=world.executor)
    url = reverse("roadmaps:instruction", args=[instruction.pk])
    for user, status in (
        (world.outsider, 404),
        (world.outsider_school, 404),
        (world.respondent, 404),
        (world.expert, 200),
        (world.executor, 200),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(world.outsider)
    assert client.get(reverse("api:instruction-detail", args=[instruction.pk])).status_code == 404
    assert client.post(reverse("roadmaps:instruction_withdraw", args=[instruction.pk])).status_code == 404


def test_the_responsible_organization_marks_it_done_on_the_page(world, client):
    instruction = _give(world, organizations=[world.school])
    client.force_login(world.respondent)
    response = client.post(
        reverse("roadmaps:instruction_execute", args=[instruction.pk]),
        {"state": State.DONE, "report": ""},
    )
    assert response.status_code == 400  # no evidence: a clear message, nothing lost
    response = client.post(
        reverse("roadmaps:instruction_execute", args=[instruction.pk]),
        {"state": State.DONE, "report": "Программа школы утверждена"},
    )
    assert response.status_code == 302
    instruction.refresh_from_db()
    assert instruction.state == State.DONE and instruction.report == "Программа школы утверждена"


def test_the_coordinator_gives_one_on_the_form(world, client, executor_official):
    order = make_document(world.municipality, title="О МСОКО")
    client.force_login(world.coordinator)
    url = reverse("roadmaps:instruction_new") + f"?municipality={world.municipality.slug}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "document": order.pk,
            "number": "5",
            "text": "в срок до 12 июля 2021 года разработать муниципальные программы",
            "responsible_text": "Вахрушина Э.Ф., заместитель начальника",
            "deadline_text": "в срок до 12 июля 2021 года",
        },
    )
    assert response.status_code == 302
    instruction = Instruction.objects.get()
    assert instruction.due_on == datetime.date(2021, 7, 12) and instruction.document == order
    assert instruction.responsible.get().official == executor_official
    client.force_login(world.executor)
    assert client.get(url).status_code == 403


# «Моя работа», the dashboard, the list ------------------------------------------------------------------


def test_my_work_lists_the_responsibles_open_instructions(world, client, executor_official):
    overdue = _give(world, officials=[executor_official])
    _give(world, text="Не моё поручение")
    client.force_login(world.executor)
    body = client.get(reverse("mcok:home")).content.decode()
    assert str(overdue)[:40] in body and "Не моё поручение" not in body
    assert reverse("roadmaps:instruction", args=[overdue.pk]) in body
    instructions.instruction_execute(
        instruction=overdue, by=world.executor, state=State.DONE, report="Сделано"
    )
    body = client.get(reverse("mcok:home")).content.decode()
    assert reverse("roadmaps:instruction", args=[overdue.pk]) not in body


def test_the_dashboard_counts_open_and_overdue(world, client):
    _give(world)
    _give(world, text="Поручение на будущее", deadline="до 01.09.2099")
    done = _give(world, text="Исполненное")
    instructions.instruction_execute(instruction=done, by=world.coordinator, state=State.DONE, report="Да")
    counts = instructions.counts(world.coordinator, world.municipality, TODAY)
    assert (counts.open, counts.overdue) == (2, 1)
    assert instructions.counts(world.outsider, world.municipality, TODAY).open == 0
    from mcok.services import periods_ensure

    periods_ensure(year=2025)
    client.force_login(world.coordinator)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("roadmaps:instructions") + "?state=overdue" in body


def test_the_list_filters(world, client, executor_official):
    order = make_document(world.municipality, title="Приказ А")
    mine = _give(world, officials=[executor_official], document=order)
    future = _give(world, text="Будущее поручение", deadline="до 01.09.2099")
    client.force_login(world.coordinator)

    def listed(**params):
        page = client.get(reverse("roadmaps:instructions"), params).context["page"]
        return {row.pk for row in page.object_list}

    assert listed() == {mine.pk, future.pk}
    assert listed(state="overdue") == {mine.pk}
    assert listed(overdue="1") == {mine.pk}
    assert listed(state="assigned") == {future.pk}
    assert listed(document=order.pk) == {mine.pk}
    assert listed(official=executor_official.pk) == {mine.pk}
    assert listed(state="bogus", document="x") == {mine.pk, future.pk}


def test_the_list_takes_the_same_queries_whatever_the_rows(world, client, executor_official):
    client.force_login(world.coordinator)
    url = reverse("roadmaps:instructions")
    _give(world, officials=[executor_official], organizations=[world.school])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(6):
        _give(world, text=f"Поручение {n}", officials=[executor_official], organizations=[world.school])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_control_workbook(world, client, executor_official):
    instruction = _give(world, text='=HYPERLINK("x") вкладка', officials=[executor_official])
    client.force_login(world.coordinator)
    response = client.get(reverse("roadmaps:instructions"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    row = rows[1]
    assert row[3] == instruction.text and sheet.cell(2, 4).data_type == "s"  # text, never a formula
    assert row[4].startswith("Вахрушина Э.Ф.")
    assert row[5] == "в срок до 01 августа 2021г."
    assert row[7] == "Просрочено" and row[8] > 1500


# The overdue letter ------------------------------------------------------------------------------------


def test_the_overdue_letter_goes_once_to_the_responsible(world, executor_official):
    _give(world, officials=[executor_official])
    _give(world, text="Будущее", deadline="до 01.09.2099", officials=[executor_official])
    mail.outbox.clear()
    assert tasks.instruction_overdue_remind.run(today=TODAY.isoformat()) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["vah@example.ru"]
    assert "01.08.2021" in mail.outbox[0].body
    assert tasks.instruction_overdue_remind.run(today=TODAY.isoformat()) == 0
    assert len(mail.outbox) == 1


def test_the_reminder_is_in_beats_schedule(settings):
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "roadmaps.tasks.instruction_overdue_remind" in names
    assert any(t["task"] == "roadmaps.tasks.instruction_overdue_remind" for t in tasks.PERIODIC_TASKS)


# Decisions of a meeting ----------------------------------------------------------------------------------


def test_an_adopted_decision_becomes_an_instruction(world, executor_official):
    leader = make_official(world.municipality, full_name="Зайкова Е.В.")
    group = groups.group_create(
        municipality=world.municipality, title="Группа", by=world.coordinator, leader=leader
    )
    for n in range(3):
        groups.member_add(
            group=group, by=world.coordinator, full_name=f"Член{n} А.Б.", organization=world.school
        )
    members = list(group.members.all())
    meeting = groups.meeting_create(
        group=group, by=world.coordinator, date=datetime.date(2021, 9, 21), attendees=members
    )
    item = groups.agenda_item_add(
        meeting=meeting,
        by=world.coordinator,
        title="О плане",
        decision="Разработать план мероприятий",
        responsible_text="Вахрушина Э.Ф., заместитель начальника",
        deadline_text="до 15 октября",
        votes_for=3,
        votes_against=1,
    )
    instruction = Instruction.objects.get(agenda_item=item)
    assert instruction.text == "Разработать план мероприятий"
    assert instruction.due_on == datetime.date(2021, 10, 15)
    assert instruction.responsible.get().official == executor_official
    # Not adopted (one for out of four): no instruction.
    rejected = groups.agenda_item_add(
        meeting=meeting, by=world.coordinator, title="О другом", decision="Отклонить", votes_for=1
    )
    assert not Instruction.objects.filter(agenda_item=rejected).exists()
    groups.agenda_item_update(
        item=item, by=world.coordinator, title="О плане", decision="Разработать", votes_for=1
    )
    assert not Instruction.objects.filter(agenda_item=item).exists()


# The seed orders' instructions -------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    from mcok import demo as mcok_demo
    from roadmaps import demo_instructions

    mcok_demo.load()
    demo_instructions.load()
    demo_instructions.load()  # idempotent


def test_the_four_orders_instructions_are_loaded_as_written(demo):
    by_order = {}
    for instruction in Instruction.objects.select_related("document", "municipality"):
        by_order.setdefault(instruction.municipality.slug, []).append(instruction)
    assert set(by_order) == {"ishimbay", "amursk", "dobryanka", "sosnovka"}
    assert all(i.document is not None for rows in by_order.values() for i in rows)
    tab = Instruction.objects.get(municipality__slug="ishimbay", deadline_text="в срок до 01 августа 2021г.")
    assert tab.text.startswith("в срок до 01 августа 2021г. обеспечить функционирование на официальном сайте")
    assert tab.document.number == "1048" and tab.number == "3"
    assert tab.due_on == datetime.date(2021, 8, 1) and tab.state == State.DONE and tab.report
    assert tab.responsible.get().organization.short_name == "ГРЦПИ"
    programmes = Instruction.objects.filter(
        municipality__slug="ishimbay", deadline_text="в срок до 12 июля 2021 года"
    )
    assert programmes.count() == 2 and all(p.state == State.DONE for p in programmes)
    assert programmes[0].responsible.count() == 6
    guidance = Instruction.objects.get(municipality__slug="ishimbay", number="8")
    assert guidance.text.startswith("Общее руководство") and guidance.due_on is None
    assert guidance.responsible.get().official.full_name == "Вахрушина Э.Ф."
    schools = Instruction.objects.get(municipality__slug="amursk", number="4.1")
    assert schools.due_on == datetime.date(2022, 9, 1) and schools.is_overdue(TODAY)
    assert schools.responsible.filter(organization__isnull=False).exists()
    assert Instruction.objects.get(municipality__slug="dobryanka", number="5").due_on == datetime.date(
        2021, 9, 1
    )
    control = Instruction.objects.get(municipality__slug="sosnovka", number="3")
    assert control.text == "Контроль за исполнением настоящего приказа оставляю за собой."
    assert InstructionResponsible.objects.filter(instruction__municipality__slug="sosnovka").exists()


def test_the_demo_instructions_on_their_pages_and_in_the_api(demo, client):
    from mcok.models import Municipality
    from tests.factories import make_user_with_role

    coordinator = make_user_with_role("coordinator", municipality=Municipality.objects.get(slug="ishimbay"))
    client.force_login(coordinator)
    tab = Instruction.objects.get(municipality__slug="ishimbay", deadline_text="в срок до 01 августа 2021г.")
    body = client.get(reverse("roadmaps:instruction", args=[tab.pk])).content.decode()
    assert "обеспечить функционирование на официальном сайте" in body and "01.08.2021" in body
    body = client.get(reverse("roadmaps:instructions")).content.decode()
    assert "Общее руководство" in body
    data = client.get(reverse("api:instruction-list")).json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {row["municipality"] for row in rows} == {"ishimbay"}
    row = next(r for r in rows if r["id"] == tab.pk)
    assert row["deadline_text"] == "в срок до 01 августа 2021г." and row["due_on"] == "2021-08-01"
    assert row["state"] == "done" and row["overdue"] is False
    assert (
        client.get(
            reverse(
                "api:instruction-detail",
                args=[Instruction.objects.filter(municipality__slug="amursk").first().pk],
            )
        ).status_code
        == 404
    )


def test_the_form_names_the_municipalitys_indicators_grouped_by_direction(world, client):
    from indicators.models import Indicator

    def indicator(municipality, code, direction=None):
        return Indicator.objects.create(
            municipality=municipality, code=code, name=f"Показатель {code}", direction=direction
        )

    first = indicator(world.municipality, "П10", world.direction)
    second = indicator(world.municipality, "П9", world.direction)
    loose = indicator(world.municipality, "Б1")
    foreign = indicator(world.elsewhere, "Ч1")
    client.force_login(world.coordinator)
    url = reverse("roadmaps:instruction_new") + f"?municipality={world.municipality.slug}"
    page = client.get(url).content.decode()
    assert f'<optgroup label="{world.direction.code} {world.direction.name}">' in page
    assert page.index("П9 Показатель П9") < page.index("П10 Показатель П10")  # natural order
    assert "Б1 Показатель Б1" in page and "Ч1" not in page
    data = {"text": "обеспечить охват", "indicators": [first.pk, loose.pk]}
    assert client.post(url, data).status_code == 302
    instruction = Instruction.objects.get()
    assert set(instruction.indicators.all()) == {first, loose}
    edit = reverse("roadmaps:instruction_edit", args=[instruction.pk])
    form = client.get(edit).context["form"]
    assert set(form.initial["indicators"]) == {first.pk, loose.pk}  # an edit keeps them
    response = client.post(edit, {"text": "обеспечить охват", "indicators": [second.pk, foreign.pk]})
    assert response.status_code == 200  # another municipality's indicator is not a choice
    assert set(instruction.indicators.all()) == {first, loose}
