"""The import of roadmaps: a Word document built here with python-docx from the wording of seed 003
(title, planned criteria, sections merged across the table, events with the seeds' deadlines and
responsible people), the same table as an XLSX, the dry run, the command and the upload page."""

import io
import json
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from directions.models import Block, Direction, Responsibility
from roadmaps import docx_reader, imports
from roadmaps.models import Event, Occurrence, Roadmap
from tests.factories import make_official, make_organization
from tests.indicators.factories import make_period

TITLE = (
    "План мероприятий («дорожная карта») по разработке и реализации муниципальной системы оценки "
    "качества подготовки обучающихся в Добрянском городском округе на 2021-2024 гг."
)
CRITERIA = ["по достижению метапредметных результатов", "по оценке функциональной грамотности"]
HEADER = [
    "№ п/п",
    "Наименование мероприятия",
    "Ответственные исполнители",
    "Сроки исполнения",
    "Планируемый результат",
]
ROWS = [
    "1.Нормативно-правовое обеспечение",
    ["1.1.", "Разработка и утверждение критериев и показателей системы оценки качества",
     "Лезина М.А., заместитель начальника, образовательные организации", "Июль - август, 2021 г.",
     "Утверждена система критериев"],
    ["1.2.", "Разработка адресных практических рекомендаций", 'МБУ ДПО "ИМЦ", Иванова Анна Борисовна',
     "Ежегодно (сентябрь)", "Перечень адресных рекомендаций"],
    "2.Общесистемные мероприятия",
    ["2.1.", "Проведение консультационной и разъяснительной работы", "Управление образования",
     "В течение года (по мере необходимости)", "План-график консультаций"],
]  # fmt: skip


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(world):
    lezina = make_official(world.municipality, full_name="Лёзина Мария Александровна", position="заместитель")
    ivanova = make_official(world.municipality, full_name="Иванова А.Б.", position="методист")
    imc = make_organization(
        world.municipality, short_name="МБУ ДПО «ИМЦ»", full_name="Информационно-методический центр"
    )
    make_official(world.elsewhere, full_name="Лёзина М.А.")  # another municipality's namesake
    return {"lezina": lezina, "ivanova": ivanova, "imc": imc}


def make_docx(rows=ROWS) -> bytes:
    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph("Планируемые критерии для разработки проекта:")
    for number, criterion in enumerate(CRITERIA, 1):
        document.add_paragraph(f"{number}) {criterion}")
    table = document.add_table(rows=len(rows) + 1, cols=5)
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    for index, row in enumerate(rows, 1):
        cells = table.rows[index].cells
        if isinstance(row, str):
            merged = cells[0].merge(cells[4])
            merged.text = row
        else:
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx(rows=ROWS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.append(["Планируемые критерии для разработки проекта:"])
    for number, criterion in enumerate(CRITERIA, 1):
        sheet.append([f"{number}) {criterion}"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row] if isinstance(row, str) else row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _check_imported(world, people, roadmap: Roadmap):
    assert roadmap.municipality == world.municipality
    assert roadmap.title == TITLE
    assert (roadmap.start_year, roadmap.end_year) == (2021, 2024)
    assert roadmap.criteria == CRITERIA
    assert [(s.number, s.title) for s in roadmap.sections.order_by("order")] == [
        ("1", "Нормативно-правовое обеспечение"), ("2", "Общесистемные мероприятия")
    ]  # fmt: skip
    events = {event.number: event for event in roadmap.events.all()}
    assert set(events) == {"1.1", "1.2", "2.1"}
    assert events["1.1"].section.number == "1"
    assert list(events["1.1"].responsible_officials.all()) == [people["lezina"]]
    assert events["1.1"].responsible_text == "образовательные организации"
    assert list(events["1.2"].responsible_officials.all()) == [people["ivanova"]]
    assert list(events["1.2"].responsible_organizations.all()) == [people["imc"]]
    assert events["1.2"].responsible_text == ""
    assert events["2.1"].responsible_text == "Управление образования"
    assert events["1.2"].deadline_text == "Ежегодно (сентябрь)"
    assert events["1.2"].result == "Перечень адресных рекомендаций"
    # Yearly in September over 2021-2024: four tracked instances.
    assert events["1.2"].occurrences.count() == 4
    assert events["1.2"].deadline_kind == "yearly"
    assert Occurrence.objects.filter(event__roadmap=roadmap).count() >= 6


def test_a_word_roadmap_is_imported_with_its_sections_events_and_people(world, people):
    result = imports.read_file(make_docx(), "карта.docx")
    summary = imports.roadmaps_import(result=result, municipality=world.municipality, by=world.coordinator)
    assert summary["roadmaps"][0] | {} == summary["roadmaps"][0]
    assert [(r["title"], r["sections"], r["events"]) for r in summary["roadmaps"]] == [(TITLE, 2, 3)]
    assert summary["roadmaps"][0]["unmatched"] == [
        {"number": "1.1", "names": ["образовательные организации"]},
        {"number": "2.1", "names": ["Управление образования"]},
    ]
    roadmap = Roadmap.objects.get(pk=summary["created"][0])
    assert roadmap.created_by == world.coordinator
    _check_imported(world, people, roadmap)


def test_the_dry_run_writes_nothing_and_says_the_same(world, people):
    result = imports.read_file(make_docx(), "карта.docx")
    dry = imports.roadmaps_import(result=result, municipality=world.municipality, dry_run=True)
    assert not Roadmap.objects.exists() and not Event.objects.exists() and not Occurrence.objects.exists()
    assert dry["created"] == []
    real = imports.roadmaps_import(result=result, municipality=world.municipality)
    assert [r | {} for r in dry["roadmaps"]] == real["roadmaps"]


def test_an_xlsx_with_the_same_table_imports_the_same(world, people):
    result = imports.read_file(make_xlsx(), "карта.xlsx")
    summary = imports.roadmaps_import(result=result, municipality=world.municipality)
    assert [(r["title"], r["sections"], r["events"]) for r in summary["roadmaps"]] == [(TITLE, 2, 3)]
    _check_imported(world, people, Roadmap.objects.get())


def test_the_direction_is_linked(world, people):
    block = Block.objects.get_or_create(code="1", defaults={"name": "Механизмы"})[0]
    period = make_period("2021")
    direction = Direction.objects.create(
        municipality=world.municipality, block=block, code="1.1", name="Оценка качества", valid_from=period
    )
    result = imports.read_file(make_docx(), "карта.docx")
    imports.roadmaps_import(result=result, municipality=world.municipality, direction=direction)
    assert Roadmap.objects.get().direction == direction


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("карта.docx", b"just text", "is not a Word document"),
        ("карта.xlsx", b"just text", "is not an XLSX workbook"),
        ("карта.pdf", b"%PDF-1.4", "Upload a Word document"),
    ],
)
def test_a_bad_file_is_refused_with_the_message(world, name, content, message):
    with pytest.raises(docx_reader.RoadmapFileError) as error:
        imports.read_file(content, name)
    assert message in str(error.value)


def test_names_are_matched_tolerantly(world, people):
    index = imports.ResponsibleIndex(world.municipality)
    assert index.official("ЛЁЗИНА М. А.".title()) == people["lezina"]
    assert index.official("М.А. Лезина") == people["lezina"]
    assert index.official("Лёзина Мария Александровна, заместитель") == people["lezina"]
    assert index.official("Лёзина Е.А.") is None
    assert index.organization("мбу дпо имц") == people["imc"]
    assert index.organization("«Информационно-методический центр»") == people["imc"]
    assert index.organization("ИМЦ №2") is None


def test_an_ambiguous_name_is_left_as_text(world, people):
    make_official(world.municipality, full_name="Иванова Алла Борисовна", position="учитель")
    index = imports.ResponsibleIndex(world.municipality)
    assert index.official("Иванова А.Б.") is None


def test_the_import_reads_the_people_once(world, people):
    def queries(rows) -> int:
        result = imports.read_file(make_docx(rows), "карта.docx")
        with CaptureQueriesContext(connection) as context:
            imports.roadmaps_import(result=result, municipality=world.municipality, dry_run=True)
        return len(context.captured_queries)

    many = ROWS + [[f"2.{n}.", f"Событие {n}", "Лезина М.А.", "Ежегодно", "Отчёт"] for n in range(2, 12)]
    assert queries(ROWS) == queries(many)


def test_the_command_prints_one_json_object(world, people, tmp_path):
    path = tmp_path / "карта.docx"
    path.write_bytes(make_docx())
    out = io.StringIO()
    call_command(
        "import_roadmap", str(path), "--municipality", world.municipality.slug, "--dry-run", stdout=out
    )
    summary = json.loads(out.getvalue())
    assert [(r["title"], r["sections"], r["events"]) for r in summary["roadmaps"]] == [(TITLE, 2, 3)]
    assert isinstance(summary["warnings"], list)
    assert not Roadmap.objects.exists()

    xlsx = tmp_path / "карта.xlsx"
    xlsx.write_bytes(make_xlsx())
    out = io.StringIO()
    call_command("import_roadmap", str(xlsx), "--municipality", world.municipality.slug, stdout=out)
    assert json.loads(out.getvalue())["roadmaps"][0]["events"] == 3
    assert Event.objects.count() == 3


def test_the_command_refuses_bad_arguments(world, tmp_path):
    bad = tmp_path / "карта.docx"
    bad.write_bytes(b"not a document")
    with pytest.raises(CommandError, match="not a Word document"):
        call_command(
            "import_roadmap", str(bad), "--municipality", world.municipality.slug, stdout=io.StringIO()
        )
    with pytest.raises(CommandError, match="No municipality"):
        call_command("import_roadmap", str(bad), "--municipality", "nowhere", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no direction"):
        call_command(
            "import_roadmap", str(bad), "--municipality", world.municipality.slug, "--direction", "9.9",
            stdout=io.StringIO(),
        )  # fmt: skip


# The page ------------------------------------------------------------------------------------------


def _upload(client, world, content=None, name="карта.docx"):
    file = SimpleUploadedFile(name, content if content is not None else make_docx())
    return client.post(reverse("roadmaps:import"), {"municipality": world.municipality.slug, "file": file})


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 200),
        ("other_coordinator", 200),
        ("chief", 200),
        ("executor", 404),  # executors report progress; coordinators and the head make roadmaps
        ("administrator", 404),
        ("operator", 404),
        ("respondent", 404),
        ("outsider_school", 404),
    ],
)
def test_the_page_is_for_editors(client, world, actor, status):
    client.force_login(getattr(world, actor))
    assert client.get(reverse("roadmaps:import")).status_code == status


def test_another_municipality_cannot_be_posted(client, world):
    client.force_login(world.outsider)
    response = client.post(
        reverse("roadmaps:import"),
        {"municipality": world.municipality.slug, "file": SimpleUploadedFile("карта.docx", make_docx())},
    )
    assert response.status_code == 404
    assert not Roadmap.objects.exists()


def test_upload_preview_confirm(client, world, people, settings):
    client.force_login(world.coordinator)
    response = _upload(client, world)
    assert response.status_code == 200
    page = response.content.decode()
    assert TITLE in page
    assert "Ежегодно (сентябрь)" in page
    assert "Лёзина Мария Александровна" in page
    assert "образовательные организации" in page
    assert not Roadmap.objects.exists()
    token = client.session["roadmaps:import"]["token"]
    stored = list((Path(settings.MEDIA_ROOT) / "imports").iterdir())
    assert len(stored) == 1 and token in stored[0].name

    response = client.post(reverse("roadmaps:import"), {"confirm": "1", "token": token})
    assert response.status_code == 302
    roadmap = Roadmap.objects.get()
    _check_imported(world, people, roadmap)
    assert not list((Path(settings.MEDIA_ROOT) / "imports").iterdir())
    assert "roadmaps:import" not in client.session

    # The same confirmation again imports nothing more.
    response = client.post(reverse("roadmaps:import"), {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert Roadmap.objects.count() == 1


def test_a_forged_token_imports_nothing(client, world, people):
    client.force_login(world.coordinator)
    _upload(client, world)
    response = client.post(reverse("roadmaps:import"), {"confirm": "1", "token": "../../etc/passwd"})
    assert response.status_code == 302
    assert not Roadmap.objects.exists()


def test_cancel_deletes_the_file(client, world, people, settings):
    client.force_login(world.coordinator)
    _upload(client, world)
    response = client.post(reverse("roadmaps:import"), {"cancel": "1"})
    assert response.status_code == 302
    assert not list((Path(settings.MEDIA_ROOT) / "imports").iterdir())
    assert not Roadmap.objects.exists()


def test_a_bad_upload_shows_the_reason(client, world):
    client.force_login(world.coordinator)
    response = _upload(client, world, content=b"not a document")
    assert response.status_code == 200
    with translation.override("ru"):  # the page speaks the site's language, whatever the catalogue holds
        expected = docx_reader.document_problem(b"not a document")
        wrong_kind = str(imports.RoadmapFileError(_wrong_kind()))
    assert expected in response.content.decode()
    assert "roadmaps:import" not in client.session
    assert not Roadmap.objects.exists()
    response = _upload(client, world, content=b"x", name="карта.txt")
    assert wrong_kind in response.content.decode()


def _wrong_kind() -> str:
    from django.utils.translation import gettext

    return gettext("Upload a Word document (.docx) or an Excel workbook (.xlsx).")


def test_the_xlsx_is_read_up_to_the_row_limit(world):
    result = imports.read_xlsx(make_xlsx(), max_rows=7)  # title, 3 criteria lines, header, section, 1.1
    assert [event.number for event in result.roadmaps[0].events] == ["1.1"]
    assert any("7" in warning for warning in result.warnings)


def test_a_compressed_bomb_is_refused_before_openpyxl(world):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    with pytest.raises(docx_reader.RoadmapFileError, match="compressed more than"):
        imports.read_file(buffer.getvalue(), "карта.xlsx")


def test_the_amur_layout_reads_the_same(world, people):
    """Seed 001: number | event | deadline | result | responsible, the section number beside its title."""
    rows = [
        ["1", "Аналитическая деятельность", "", "", ""],
        ["1.1.", "Анализ и интерпретация данных", "декабрь 2022 г., декабрь 2023 г., декабрь 2024 г.",
         "Аналитическая справка", "УОМПиС, МБУ ДПО «ИМЦ», Лёзина М.А., заместитель начальника"],
    ]  # fmt: skip
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["«Дорожная карта» муниципального проекта «Развитие» на 2022 – 2024 годы"])
    sheet.append(
        [
            "№ п/п",
            "Ключевые мероприятия",
            "Сроки исполнения",
            "Конечный результат",
            "Ответственный исполнитель",
        ]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    summary = imports.roadmaps_import(
        result=imports.read_file(buffer.getvalue(), "amur.xlsx"), municipality=world.municipality
    )
    assert [(r["sections"], r["events"]) for r in summary["roadmaps"]] == [(1, 1)]
    event = Event.objects.get()
    assert (event.section.number, event.section.title) == ("1", "Аналитическая деятельность")
    assert list(event.responsible_officials.all()) == [people["lezina"]]
    assert list(event.responsible_organizations.all()) == [people["imc"]]
    assert event.responsible_text == "УОМПиС"
    assert event.occurrences.count() == 3


def test_a_direction_of_another_municipality_is_refused(client, world):
    block = Block.objects.get_or_create(code="1", defaults={"name": "Механизмы"})[0]
    foreign = Direction.objects.create(
        municipality=world.elsewhere, block=block, code="1.1", name="Чужое", valid_from=make_period("2021")
    )
    client.force_login(world.coordinator)
    response = client.post(
        reverse("roadmaps:import"),
        {
            "municipality": world.municipality.slug,
            "direction": foreign.pk,
            "file": SimpleUploadedFile("карта.docx", make_docx()),
        },
    )
    assert response.status_code == 200
    assert "roadmaps:import" not in client.session
    assert not Roadmap.objects.exists()


def test_a_direction_not_ones_own_is_refused(client, world, people, settings):
    """The coordinator of 2.3 may import a roadmap of 2.3 (or of no direction), not one of 1.1."""
    client.force_login(world.other_coordinator)
    field = client.get(reverse("roadmaps:import")).context["form"].fields["direction"]
    assert list(field.queryset) == [world.other_direction]
    response = client.post(
        reverse("roadmaps:import"),
        {
            "municipality": world.municipality.slug,
            "direction": world.direction.pk,
            "file": SimpleUploadedFile("карта.docx", make_docx()),
        },
    )
    assert response.status_code == 403
    assert "roadmaps:import" not in client.session
    # the coordinator of 1.1 imports it; one whose assignment ends between preview and confirmation
    # imports nothing
    upload = {
        "municipality": world.municipality.slug,
        "direction": world.direction.pk,
        "file": SimpleUploadedFile("карта.docx", make_docx()),
    }
    client.force_login(world.coordinator)
    assert client.post(reverse("roadmaps:import"), upload).status_code == 200
    token = client.session["roadmaps:import"]["token"]
    Responsibility.objects.filter(direction=world.direction, official__user=world.coordinator).delete()
    assert client.post(reverse("roadmaps:import"), {"confirm": "1", "token": token}).status_code == 403
    assert not Roadmap.objects.exists()
    client.force_login(world.chief)
    upload["file"] = SimpleUploadedFile("карта.docx", make_docx())
    assert client.post(reverse("roadmaps:import"), upload).status_code == 200
    token = client.session["roadmaps:import"]["token"]
    assert client.post(reverse("roadmaps:import"), {"confirm": "1", "token": token}).status_code == 302
    assert Roadmap.objects.get().direction == world.direction


def test_the_seed_roadmaps_read_back_from_word_as_the_demo_holds_them(world):
    """Each demo roadmap written into a Word table the way seed 003 lays it out reads back with the
    same sections and events: the import and the demo agree."""
    from roadmaps.demo_roadmaps_data import AMURSK, DOBRYANKA

    for data in [AMURSK, *DOBRYANKA]:
        document = docx.Document()
        document.add_paragraph(data["title"])
        rows = []
        for section in data["sections"]:
            rows.append(f"{section['number']}. {section['title']}")
            for number, event in enumerate(section["events"], 1):
                fields = [event["content"], event["responsible"], event["deadline"], event["result"]]
                rows.append([event["number"] or f"{section['number']}.{number}", *fields])
        table = document.add_table(rows=len(rows) + 1, cols=5)
        for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
            cell.text = text
        for index, row in enumerate(rows, 1):
            cells = table.rows[index].cells
            if isinstance(row, str):
                cells[0].merge(cells[4]).text = row
            else:
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
        buffer = io.BytesIO()
        document.save(buffer)
        summary = imports.roadmaps_import(
            result=imports.read_file(buffer.getvalue(), "seed.docx"),
            municipality=world.municipality,
            dry_run=True,
        )
        (read,) = summary["roadmaps"]
        assert read["title"] == data["title"]
        assert read["sections"] == len(data["sections"])
        assert read["events"] == sum(len(section["events"]) for section in data["sections"])
