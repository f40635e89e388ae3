"""The roadmap pages by role: the list, the table as the seeds write it, the timeline, my events, the
overdue list with its XLSX, an instance's report, and the forms of roadmaps and events."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Indicator
from roadmaps import selectors, services
from roadmaps.models import Event, Occurrence, Roadmap, Section
from tests.factories import make_document, make_official, make_user

pytestmark = pytest.mark.django_db

THIS_YEAR = datetime.date.today().year  # noqa: DTZ011 - the pages read the local date


def make_seed_roadmap(municipality, events: int = 2) -> Roadmap:
    """A roadmap as seed 003 writes it: criteria, a section spanning the table, numbered events."""
    roadmap = Roadmap.objects.create(
        municipality=municipality,
        title="План мероприятий («дорожная карта») по разработке и реализации муниципальной системы",
        start_year=2021,
        end_year=2024,
        criteria=["по оценке функциональной грамотности", "по достижению метапредметных результатов"],
        document=make_document(municipality, title="Об утверждении дорожной карты"),
    )
    section = Section.objects.create(roadmap=roadmap, number="1.", title="Нормативно-правовое обеспечение")
    first = Event.objects.create(
        roadmap=roadmap,
        section=section,
        number="1.1.",
        content="Разработка и утверждение критериев и показателей системы оценки",
        responsible_text="Управление образования, образовательные организации",
        deadline_text="Июль - август, 2021 г.",
        result="Утверждена система критериев и показателей",
        order=1,
    )
    services.event_schedule(event=first)
    for n in range(2, events + 1):
        event = Event.objects.create(
            roadmap=roadmap,
            section=section,
            number=f"1.{n}.",
            content=f"Мониторинг {n}",
            responsible_text="ИМЦ",
            deadline_text="Ежегодно (сентябрь)",
            order=n,
        )
        event.responsible_officials.add(make_official(municipality))
        event.responsible_organizations.add(*municipality.organizations.all()[:1])
        services.event_schedule(event=event)
    return roadmap


@pytest.fixture
def roadmap(world):
    return make_seed_roadmap(world.municipality)


def urls(roadmap):
    occurrence = Occurrence.objects.filter(event__roadmap=roadmap).first()
    return [
        reverse("roadmaps:roadmaps"),
        reverse("roadmaps:roadmap", args=[roadmap.pk]),
        reverse("roadmaps:roadmap_timeline", args=[roadmap.pk]),
        reverse("roadmaps:my_events"),
        reverse("roadmaps:overdue"),
        reverse("roadmaps:occurrence", args=[occurrence.pk]),
    ]


# Routes by role ------------------------------------------------------------


def test_everyone_of_the_municipality_reads(client, world, roadmap):
    for user in (
        world.coordinator,
        world.executor,
        world.operator,
        world.expert,
        world.respondent,
        world.head,
    ):
        client.force_login(user)
        for url in urls(roadmap):
            assert client.get(url).status_code == 200, (user, url)


def test_another_municipality_gets_404(client, world, roadmap):
    occurrence = Occurrence.objects.filter(event__roadmap=roadmap).first()
    for user in (world.outsider, world.outsider_school):
        client.force_login(user)
        for url in [
            reverse("roadmaps:roadmap", args=[roadmap.pk]),
            reverse("roadmaps:roadmap_timeline", args=[roadmap.pk]),
            reverse("roadmaps:occurrence", args=[occurrence.pk]),
            reverse("roadmaps:roadmap_edit", args=[roadmap.pk]),
            reverse("roadmaps:event_edit", args=[roadmap.pk]),
        ]:
            assert client.get(url).status_code == 404, (user, url)
        assert roadmap.title not in client.get(reverse("roadmaps:roadmaps")).content.decode()
        assert (
            client.post(
                reverse("roadmaps:occurrence", args=[occurrence.pk]), {"state": "cancelled"}
            ).status_code
            == 404
        )
    assert Occurrence.objects.get(pk=occurrence.pk).state == "planned"


def test_anonymous_is_sent_to_login(client, roadmap):
    response = client.get(reverse("roadmaps:roadmap", args=[roadmap.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_only_editors_edit(client, world, roadmap):
    """A roadmap bound to no direction is edited by the municipality's coordinators and the head; the
    executors report progress on it, the administrators keep catalogues."""
    edit = reverse("roadmaps:roadmap_edit", args=[roadmap.pk])
    for user in (world.operator, world.expert, world.respondent, world.executor, world.administrator):
        client.force_login(user)
        assert client.get(edit).status_code == 403
        assert client.get(reverse("roadmaps:event_edit", args=[roadmap.pk])).status_code == 403
        assert client.get(reverse("roadmaps:roadmap_new")).status_code == 403
        assert client.post(edit, {"title": "Чужая"}).status_code == 403
    assert Roadmap.objects.get(pk=roadmap.pk).title != "Чужая"
    for user in (world.coordinator, world.other_coordinator, world.chief):
        client.force_login(user)
        assert client.get(edit).status_code == 200
        assert client.get(reverse("roadmaps:roadmap_new")).status_code == 200


def _roadmap_of(world, direction) -> Roadmap:
    roadmap = make_seed_roadmap(world.municipality)
    roadmap.direction = direction
    roadmap.save()
    return roadmap


def test_a_directions_roadmap_is_edited_by_its_coordinators_and_the_head(client, world):
    roadmap = _roadmap_of(world, world.direction)
    edit = reverse("roadmaps:roadmap_edit", args=[roadmap.pk])
    event = reverse("roadmaps:event_edit", args=[roadmap.pk])
    data = {"title": "Чужая", "direction": world.direction.pk}
    for user in (world.other_coordinator, world.executor, world.administrator):
        client.force_login(user)
        assert client.get(edit).status_code == 403
        assert client.post(edit, data).status_code == 403
        assert client.post(event, {"content": "Чужое", "order": 1}).status_code == 403
        page = client.get(reverse("roadmaps:roadmap", args=[roadmap.pk]))
        assert page.status_code == 200 and edit not in page.content.decode()
    assert Roadmap.objects.get(pk=roadmap.pk).title != "Чужая"
    assert not Event.objects.filter(content="Чужое").exists()
    for user in (world.coordinator, world.chief):
        client.force_login(user)
        response = client.post(edit, data | {"title": f"Карта {user.username}"})
        assert response.status_code == 302
        assert Roadmap.objects.get(pk=roadmap.pk).title == f"Карта {user.username}"
        assert client.post(event, {"content": f"Новое {user.username}", "order": 9}).status_code == 302
    assert Event.objects.filter(roadmap=roadmap, content__startswith="Новое").count() == 2


def test_the_roadmap_form_offers_only_ones_own_directions(client, world):
    new = reverse("roadmaps:roadmap_new") + f"?municipality={world.municipality.slug}"
    client.force_login(world.coordinator)
    field = client.get(new).context["form"].fields["direction"]
    assert list(field.queryset) == [world.direction] and not field.required
    client.force_login(world.chief)
    assert set(client.get(new).context["form"].fields["direction"].queryset) == {
        world.direction,
        world.other_direction,
    }
    # the coordinator of 2.3 may not make a roadmap of 1.1, nor move one there
    client.force_login(world.other_coordinator)
    response = client.post(new, {"title": "Карта 1.1", "direction": world.direction.pk})
    assert response.status_code == 403
    assert not Roadmap.objects.filter(title="Карта 1.1").exists()
    own = _roadmap_of(world, world.other_direction)
    response = client.post(
        reverse("roadmaps:roadmap_edit", args=[own.pk]), {"title": own.title, "direction": world.direction.pk}
    )
    assert response.status_code == 403
    assert Roadmap.objects.get(pk=own.pk).direction == world.other_direction
    response = client.post(new, {"title": "Карта 2.3", "direction": world.other_direction.pk})
    assert response.status_code == 302
    assert Roadmap.objects.get(title="Карта 2.3").direction == world.other_direction


def test_progress_on_a_directions_roadmap_by_page_and_api(client, world):
    from rest_framework.test import APIRequestFactory, force_authenticate

    from roadmaps.api_roadmaps import OccurrenceViewSet

    roadmap = _roadmap_of(world, world.direction)
    occurrence = Occurrence.objects.filter(event__roadmap=roadmap, event__number="1.1.").get()
    url = reverse("roadmaps:occurrence", args=[occurrence.pk])
    client.force_login(world.other_coordinator)
    assert client.get(url).context["form"] is None
    assert client.post(url, {"state": "cancelled"}).status_code == 403
    progress = OccurrenceViewSet.as_view({"post": "progress"})
    request = APIRequestFactory().post("/", {"state": "in_progress"}, format="json")
    force_authenticate(request, world.other_coordinator)
    assert progress(request, pk=occurrence.pk).status_code == 403
    assert Occurrence.objects.get(pk=occurrence.pk).state == "planned"
    client.force_login(world.executor)
    assert client.post(url, {"state": "in_progress"}).status_code == 302
    request = APIRequestFactory().post("/", {"state": "done", "report": "Готово"}, format="json")
    force_authenticate(request, world.chief)
    assert progress(request, pk=occurrence.pk).status_code == 200
    assert Occurrence.objects.get(pk=occurrence.pk).state == "done"


def test_my_events_by_assignment(client, world):
    """The executor of 1.1 answers for the events of 1.1's roadmap, not for those of 2.3's."""
    ours, theirs = _roadmap_of(world, world.direction), _roadmap_of(world, world.other_direction)
    client.force_login(world.executor)
    rows = client.get(reverse("roadmaps:my_events")).context["page"].object_list
    roadmaps = {o.event.roadmap_id for o in rows}
    assert ours.pk in roadmaps and theirs.pk not in roadmaps


# The list and the table ------------------------------------------------------------


def test_list_shows_counts(client, world, roadmap):
    client.force_login(world.coordinator)
    response = client.get(reverse("roadmaps:roadmaps"))
    row = next(r for r in response.context["page"].object_list if r.pk == roadmap.pk)
    assert row.events_count == 2
    assert row.occurrences_count == 5  # one for July–August 2021, four Septembers
    assert row.overdue_count == len([y for y in (2021, 2022, 2023, 2024) if y < THIS_YEAR]) + 1
    Occurrence.objects.filter(event__number="1.1.").update(state="done", report="ok")
    row = next(r for r in selectors.roadmap_list(world.coordinator) if r.pk == roadmap.pk)
    assert row.done_count == 1


def test_table_renders_sections_and_deadlines_as_written(client, world, roadmap):
    client.force_login(world.respondent)
    response = client.get(reverse("roadmaps:roadmap", args=[roadmap.pk]))
    html = response.content.decode()
    assert 'colspan="6"' in html and "Нормативно-правовое обеспечение" in html
    assert "Июль - август, 2021 г." in html and "Ежегодно (сентябрь)" in html
    assert "по оценке функциональной грамотности" in html
    assert "Об утверждении дорожной карты" in html
    assert "01.07.2021 – 31.08.2021" in html
    assert "rm-state-overdue" in html  # July–August 2021 is long past
    assert reverse("roadmaps:roadmap_edit", args=[roadmap.pk]) not in html  # a school does not edit
    client.force_login(world.coordinator)
    assert (
        reverse("roadmaps:roadmap_edit", args=[roadmap.pk])
        in client.get(reverse("roadmaps:roadmap", args=[roadmap.pk])).content.decode()
    )


def test_table_xlsx(client, world, roadmap):
    Event.objects.filter(number="1.1.").update(content='=HYPERLINK("http://evil")')
    client.force_login(world.coordinator)
    response = client.get(reverse("roadmaps:roadmap", args=[roadmap.pk]), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("1.", "Нормативно-правовое обеспечение")
    assert rows[2][0] == "1.1." and rows[2][3] == "Июль - август, 2021 г."
    cell = sheet.cell(row=3, column=2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["roadmap", "roadmap_timeline"])
def test_table_queries_do_not_grow_with_events(client, world, name):
    small, large = make_seed_roadmap(world.municipality, 2), make_seed_roadmap(world.municipality, 10)
    client.force_login(world.coordinator)
    assert _queries(client, reverse(f"roadmaps:{name}", args=[small.pk])) == _queries(
        client, reverse(f"roadmaps:{name}", args=[large.pk])
    )


@pytest.mark.parametrize("name", ["roadmaps", "my_events", "overdue"])
def test_list_queries_do_not_grow_with_rows(client, world, name):
    make_seed_roadmap(world.municipality, 2)
    client.force_login(world.coordinator)
    url = reverse(f"roadmaps:{name}")
    before = _queries(client, url)
    for _ in range(4):
        make_seed_roadmap(world.municipality, 10)
    assert _queries(client, url) == before


# The timeline ------------------------------------------------------------


def test_timeline_marks_september_for_a_yearly_event(client, world, roadmap):
    Event.objects.create(
        roadmap=roadmap, number="1.9.", content="По запросу", deadline_text="по мере необходимости"
    )
    services.event_schedule(event=Event.objects.get(number="1.9."))
    client.force_login(world.respondent)
    response = client.get(reverse("roadmaps:roadmap_timeline", args=[roadmap.pk]), {"year": 2022})
    timeline = response.context["timeline"]
    yearly = next(r for r in timeline.rows if r.event.number == "1.2.")
    marked = [c.month for c in yearly.cells if c.occurrence]
    assert marked == [9]
    assert yearly.cells[8].state == ("overdue" if THIS_YEAR > 2022 else "planned")
    assert [r.event.number for r in timeline.unscheduled] == ["1.9."]
    html = response.content.decode()
    assert 'data-month="9" data-state="' in html
    assert "По запросу" in html


def test_timeline_with_a_bad_year_falls_back(client, world, roadmap):
    client.force_login(world.coordinator)
    response = client.get(reverse("roadmaps:roadmap_timeline", args=[roadmap.pk]), {"year": "abc"})
    assert response.status_code == 200
    assert response.context["timeline"].year in range(2021, 2025)


# My events and the overdue list ------------------------------------------------------------


def test_my_events_for_a_responsible_official(client, world, roadmap):
    user = make_user()
    official = make_official(world.municipality, user=user)
    event = Event.objects.get(roadmap=roadmap, number="1.1.")
    event.responsible_officials.add(official)
    from mcok import services as mcok_services

    mcok_services.role_grant(user=user, kind="operator", municipality=world.municipality)
    client.force_login(user)
    rows = list(client.get(reverse("roadmaps:my_events")).context["page"].object_list)
    assert {o.event_id for o in rows} == {event.pk}


def test_my_events_for_a_responsible_organization(client, world, roadmap):
    client.force_login(world.respondent)  # world.school is responsible for 1.2 (four Septembers)
    rows = list(client.get(reverse("roadmaps:my_events")).context["page"].object_list)
    assert {o.event.number for o in rows} == {"1.2."} and len(rows) == 4
    client.force_login(world.other_respondent)
    assert list(client.get(reverse("roadmaps:my_events")).context["page"].object_list) == []


def test_my_events_open_first_and_filters(client, world, roadmap):
    client.force_login(world.coordinator)  # an editor: the whole municipality
    first = Occurrence.objects.get(event__number="1.1.")
    services.occurrence_update(occurrence=first, state="done", report="Готово", by=world.coordinator)
    rows = list(client.get(reverse("roadmaps:my_events")).context["page"].object_list)
    assert len(rows) == 5 and rows[-1].pk == first.pk
    done = client.get(reverse("roadmaps:my_events"), {"state": "done"}).context["page"].object_list
    assert [o.pk for o in done] == [first.pk]
    in_2023 = client.get(reverse("roadmaps:my_events"), {"year": 2023}).context["page"].object_list
    assert [o.due_on for o in in_2023] == [datetime.date(2023, 9, 30)]
    overdue = client.get(reverse("roadmaps:my_events"), {"overdue": "true"}).context["page"].object_list
    assert all(o.is_overdue() for o in overdue) and first.pk not in {o.pk for o in overdue}


def test_overdue_list_and_xlsx(client, world, roadmap):
    client.force_login(world.expert)
    response = client.get(reverse("roadmaps:overdue"))
    rows = list(response.context["page"].object_list)
    assert rows and all(o.is_overdue() for o in rows)
    assert rows[0].due_on == datetime.date(2021, 8, 31)
    xlsx = client.get(reverse("roadmaps:overdue"), {"format": "xlsx"})
    assert xlsx["Content-Disposition"].startswith('attachment; filename="overdue-events-')
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert len(lines) == len(rows) + 1
    assert lines[1][2] == "Разработка и утверждение критериев и показателей системы оценки"
    client.force_login(world.outsider)
    assert list(client.get(reverse("roadmaps:overdue")).context["page"].object_list) == []


# An instance ------------------------------------------------------------


def test_responsible_school_reports_progress(client, world, roadmap):
    occurrence = Occurrence.objects.filter(event__number="1.2.").first()
    url = reverse("roadmaps:occurrence", args=[occurrence.pk])
    client.force_login(world.respondent)
    response = client.post(url, {"state": "done", "report": "", "links": ""})
    assert response.status_code == 400
    assert Occurrence.objects.get(pk=occurrence.pk).state == "planned"
    response = client.post(url, {"state": "done", "links": "javascript:alert(1)"})
    assert response.status_code == 400
    response = client.post(
        url, {"state": "done", "report": "Проведён", "links": "https://school.example.org/m"}
    )
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.state == "done" and occurrence.links == ["https://school.example.org/m"]
    assert occurrence.updated_by == world.respondent


def test_a_document_as_evidence_is_attached_and_a_bad_file_refused(client, world, roadmap):
    from django.core.files.uploadedfile import SimpleUploadedFile

    occurrence = Occurrence.objects.filter(event__number="1.2.").first()
    url = reverse("roadmaps:occurrence", args=[occurrence.pk])
    client.force_login(world.respondent)
    script = SimpleUploadedFile("report.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(url, {"state": "done", "evidence": script})
    assert response.status_code == 400
    assert not occurrence.documents.exists()
    order = SimpleUploadedFile("prikaz.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(url, {"state": "done", "evidence": order})
    assert response.status_code == 302
    occurrence.refresh_from_db()
    document = occurrence.documents.get()
    assert occurrence.state == "done"
    assert document.organization == world.school and document.municipality == world.municipality
    assert document.file.read() == b"%PDF-1.4 test"


def test_not_responsible_cannot_report(client, world, roadmap):
    occurrence = Occurrence.objects.filter(event__number="1.2.").first()
    url = reverse("roadmaps:occurrence", args=[occurrence.pk])
    for user in (world.other_respondent, world.operator):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response.context["form"] is None
        assert client.post(url, {"state": "cancelled"}).status_code == 403
    assert Occurrence.objects.get(pk=occurrence.pk).state == "planned"


# The forms ------------------------------------------------------------


def test_new_roadmap(client, world):
    client.force_login(world.coordinator)
    url = reverse("roadmaps:roadmap_new") + f"?municipality={world.municipality.slug}"
    response = client.post(url, {"title": "Дорожная карта", "start_year": 2024, "end_year": 2022})
    assert response.status_code == 400 and not Roadmap.objects.exists()
    response = client.post(
        url,
        {
            "title": " Дорожная  карта ",
            "start_year": 2022,
            "end_year": 2024,
            "criteria_text": "один\n\n два \n",
        },
    )
    roadmap = Roadmap.objects.get()
    assert response.status_code == 302
    assert (roadmap.title, roadmap.criteria, roadmap.municipality) == (
        "Дорожная карта",
        ["один", "два"],
        world.municipality,
    )
    assert client.get(reverse("roadmaps:roadmap_new") + "?municipality=amur").status_code == 404


def test_changing_years_reschedules(client, world, roadmap):
    client.force_login(world.coordinator)
    client.post(
        reverse("roadmaps:roadmap_edit", args=[roadmap.pk]),
        {
            "title": roadmap.title,
            "start_year": 2021,
            "end_year": 2022,
            "criteria_text": "\n".join(roadmap.criteria),
        },
    )
    assert Occurrence.objects.filter(event__number="1.2.").count() == 2


def test_event_add_and_edit(client, world, roadmap):
    indicator = Indicator.objects.filter(municipality=world.municipality).first()
    official = make_official(world.municipality)
    foreign = make_official(world.elsewhere)
    client.force_login(world.coordinator)
    url = reverse("roadmaps:event_edit", args=[roadmap.pk])
    data = {
        "number": "2.1.",
        "content": "Совещание руководителей",
        "deadline_text": "Ежегодно (сентябрь)",
        "responsible_officials": [foreign.pk],
        "new_section_number": "2.",
        "new_section_title": "Общесистемные мероприятия",
        "order": 5,
    }
    assert client.post(url, data).status_code == 400  # an official of another municipality
    data["responsible_officials"] = [official.pk]
    data["responsible_organizations"] = [world.school.pk]
    if indicator:
        data["indicators"] = [indicator.pk]
    response = client.post(url, data)
    assert response.status_code == 302
    event = Event.objects.get(number="2.1.")
    assert event.section.title == "Общесистемные мероприятия"
    assert event.occurrences.count() == 4 and event.deadline_kind == "yearly"
    assert list(event.responsible_officials.all()) == [official]
    data = {
        "event": event.pk,
        "number": "2.1.",
        "content": "Совещание",
        "deadline_text": "по мере необходимости",
        "order": 5,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert list(event.occurrences.values_list("due_on", flat=True)) == [None]
    page = client.get(url, {"event": event.pk})
    assert page.status_code == 200 and page.context["reading"]
    other = make_seed_roadmap(world.municipality)
    assert client.get(url, {"event": other.events.first().pk}).status_code == 404


# The API, not yet routed: called through the viewsets ----------------------------------


def test_api_events_filtered_and_progress(world, roadmap):
    from rest_framework.test import APIRequestFactory, force_authenticate

    from roadmaps.api_roadmaps import EventViewSet, OccurrenceViewSet

    factory = APIRequestFactory()
    request = factory.get("/", {"roadmap": roadmap.pk, "overdue": "true"})
    force_authenticate(request, world.respondent)
    data = EventViewSet.as_view({"get": "list"})(request).data
    assert "1.1." in {e["number"] for e in data["results"]}
    request = factory.get("/", {"roadmap": roadmap.pk})
    force_authenticate(request, world.outsider)
    assert EventViewSet.as_view({"get": "list"})(request).data["results"] == []

    occurrence = Occurrence.objects.filter(event__number="1.2.").first()
    progress = OccurrenceViewSet.as_view({"post": "progress"})
    request = factory.post("/", {"state": "done"}, format="json")
    force_authenticate(request, world.respondent)
    assert progress(request, pk=occurrence.pk).status_code == 400
    request = factory.post("/", {"state": "done", "report": "Проведён"}, format="json")
    force_authenticate(request, world.other_respondent)
    assert progress(request, pk=occurrence.pk).status_code == 403
    request = factory.post("/", {"state": "done", "report": "Проведён"}, format="json")
    force_authenticate(request, world.respondent)
    response = progress(request, pk=occurrence.pk)
    assert response.status_code == 200 and response.data["state"] == "done"
    request = factory.post("/", {"state": "done", "report": "x"}, format="json")
    force_authenticate(request, world.outsider)
    assert progress(request, pk=occurrence.pk).status_code == 404


# The municipal project of a roadmap ---------------------------------------------------------------


def _project_of(roadmap, title: str):
    from roadmaps.models import MunicipalProject

    return MunicipalProject.objects.create(municipality=roadmap.municipality, title=title, roadmap=roadmap)


def test_the_roadmap_page_links_its_municipal_project(client, world, roadmap):
    client.force_login(world.executor)
    url = reverse("roadmaps:roadmap", args=[roadmap.pk])
    assert "Муниципальный проект" not in client.get(url).content.decode()
    project = _project_of(roadmap, "Развитие системы оценки")
    body = client.get(url).content.decode()
    link = reverse("roadmaps:project", args=[project.pk])
    assert "Муниципальный проект" in body
    assert f'<a href="{link}">Развитие системы оценки</a>' in body
    list_body = client.get(reverse("roadmaps:roadmaps")).content.decode()
    assert f'<a href="{link}">Развитие системы оценки</a>' in list_body


def test_the_linked_projects_take_one_query_on_the_page_and_on_the_list(client, world, roadmap):
    client.force_login(world.coordinator)
    url = reverse("roadmaps:roadmap", args=[roadmap.pk])
    _project_of(roadmap, "Первый проект")
    page, listing = _queries(client, url), _queries(client, reverse("roadmaps:roadmaps"))
    _project_of(roadmap, "Второй проект")
    for _ in range(3):
        _project_of(make_seed_roadmap(world.municipality, 2), "Ещё проект")
    assert _queries(client, url) == page
    assert _queries(client, reverse("roadmaps:roadmaps")) == listing
