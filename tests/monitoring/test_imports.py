"""The Google Forms import: reading the export, the proposed form, the dry run, the all-or-nothing
import, the management command and the three-step page."""

import datetime
import io
import json
import zipfile
import zoneinfo
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from mcok.models import Period
from monitoring import imports, services
from monitoring.models import Campaign, Field, Form, Reminder, Submission, SubmissionEvent
from tests.factories import make_official, make_organization

DATA = Path(__file__).parent / "data"
EXPORT = DATA / "google_form_export.csv"
Kind = Field.Kind
LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
Status = imports.Status

DIAGNOSED = (
    "Количество учителей (преподавателей), прошедших диагностику по наличию профессиональных дефицитов"
)


@pytest.fixture(autouse=True)
def english():
    """Messages are checked as their English msgids; the pages themselves speak Russian."""
    with translation.override("en"):
        yield


@pytest.fixture
def schools(world):
    """The municipality's schools as the export names them, and a «СОШ № 5» of another municipality."""
    world.school.short_name = "СОШ № 1"
    world.school.full_name = "МБОУ «Средняя общеобразовательная школа № 1» г. Ишимбая"
    world.school.save()
    world.other_school.short_name = "СОШ № 2"
    world.other_school.full_name = "МБОУ «СОШ № 2» г. Ишимбая"
    world.other_school.save()
    world.elsewhere_school.short_name = "СОШ № 5"
    world.elsewhere_school.save()
    gymnasium = make_organization(
        world.municipality, short_name="Гимназия № 2", full_name="МБОУ «Гимназия № 2»"
    )
    head = make_official(world.municipality, full_name="Сафина Р. Р.", email="Kulgunino@ishimbay-edu.ru")
    kulgunino = make_organization(
        world.municipality, short_name="ООШ с. Кулгунино", full_name="МБОУ ООШ с. Кулгунино", head=head
    )
    return SimpleNamespace(
        world=world, sosh1=world.school, sosh2=world.other_school, gymnasium=gymnasium, kulgunino=kulgunino
    )


def sheet_of(content: bytes = None, name: str = "export.csv") -> imports.Sheet:
    return imports.read_responses(EXPORT.read_bytes() if content is None else content, name)


def by_code(proposal: imports.Proposal) -> dict[str, imports.Column]:
    return {column.code: column for column in proposal.questions()}


def column_index(proposal: imports.Proposal, title: str) -> int:
    return next(column.index for column in proposal.columns if column.title == title)


def run_import(schools, *, dry_run: bool, text_column: bool = True, content=None, name="export.csv"):
    sheet = sheet_of(content, name)
    proposal = imports.propose(sheet, schools.world.municipality)
    if text_column:  # the person made «…прошедших диагностику» a text, as the dry run suggests
        proposal, problems = imports.proposal_edit(
            sheet,
            proposal,
            {column_index(proposal, DIAGNOSED): {"kind": Kind.TEXT}},
            proposal.organization_column,
        )
        assert problems == []
    return imports.import_responses(
        sheet,
        proposal,
        municipality=schools.world.municipality,
        period_code="2025/26",
        title="Диагностика профессиональных дефицитов учителей",
        by=schools.world.coordinator,
        dry_run=dry_run,
    )


def statuses(outcome: imports.Outcome) -> dict[int, str]:
    return {row.row: row.status for row in outcome.rows}


def nothing_written(*, period: bool = True) -> bool:
    """No form, collection or submission, and (unless the page's periods exist already) no period."""
    return not (
        Form.objects.exists()
        or Campaign.objects.exists()
        or Submission.objects.exists()
        or (period and Period.objects.filter(code="2025/26").exists())
    )


# Names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["СОШ № 1", "сош №1", "«СОШ №1»", 'МБОУ "СОШ N 1"', "СОШ No1", "СОШ  №  1 ", "МАОУ СОШ № 1", "сош № 1."],
)
def test_names_written_differently_normalise_alike(written):
    assert imports.normalise_name(written) == imports.normalise_name("СОШ № 1") == "сош№1"


def test_different_numbers_stay_different():
    assert imports.normalise_name("СОШ № 1") != imports.normalise_name("СОШ № 11")
    assert imports.normalise_name("Гимназия № 2") != imports.normalise_name("СОШ № 2")


def test_organizations_are_found_by_name_full_name_and_email(schools):
    world = schools.world
    world.respondent.email = "zavuch1@mail.ru"
    world.respondent.save()
    index = imports.OrganizationIndex(world.municipality)
    assert index.find("мбоу «средняя общеобразовательная школа №1» г.Ишимбая")[0] == schools.sosh1
    assert index.find("kulgunino@ISHIMBAY-edu.ru")[0] == schools.kulgunino  # the head's e-mail
    assert index.find("Zavuch1@mail.ru")[0] == schools.sosh1  # a respondent's e-mail
    organization, problem = index.find("СОШ № 5")  # a school of another municipality
    assert organization is None and "СОШ № 5" in problem


def test_a_name_fitting_two_organizations_is_not_guessed(schools):
    make_organization(schools.world.municipality, short_name="СОШ №1", full_name="")
    organization, problem = imports.OrganizationIndex(schools.world.municipality).find(
        "сош 1".replace(" ", " №")
    )
    assert organization is None and problem


# The proposal ------------------------------------------------------------------------------------


def test_the_proposal_infers_the_types_from_the_answers(schools):
    sheet = sheet_of()
    proposal = imports.propose(sheet, schools.world.municipality)
    assert sheet.header[proposal.organization_column] == "Наименование образовательной организации"
    questions = proposal.questions()
    assert [column.kind for column in questions] == [
        Kind.TEXT,  # e-mail
        Kind.INTEGER,  # teachers
        Kind.INTEGER,  # diagnosed: one «около 20» among numbers stays a slip the dry run shows
        Kind.DATE,
        Kind.CHOICE,
        Kind.MULTIPLE_CHOICE,
        Kind.BOOLEAN,
        Kind.DECIMAL,  # «15,2»
        Kind.LONG_TEXT,
    ]
    assert [column.required for column in questions] == [True] * 8 + [False]
    assert questions[4].choices == ["Очная", "Дистанционная"]
    assert questions[5].choices == [
        "Предметные",
        "Методические",
        "Коммуникативные",
        "Психолого-педагогические",
    ]
    codes = [column.code for column in questions]
    assert codes[1] == "obschee_kolichestvo_uchiteley"
    assert all(imports.CODE_PATTERN.match(code) and len(code) <= 40 for code in codes)
    assert len(set(codes)) == len(codes)


def test_codes_are_latin_unique_and_begin_with_a_letter():
    taken: set[str] = set()
    assert imports.code_from("Всего учителей", taken) == "vsego_uchiteley"
    assert imports.code_from("Всего учителей", taken) == "vsego_uchiteley_2"
    assert imports.code_from("2. Доля ШНОР, %", taken) == "q_2_dolya_shnor"
    assert imports.code_from("«»", taken) == "q"
    assert imports.code_from("Һаны (башҡортса)", taken) == "hany_bashkortsa"


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1", "2", "30"], Kind.INTEGER),
        (["1,5", "2", "3.25"], Kind.DECIMAL),
        (["01.10.2025", "2025-10-02"], Kind.DATE),
        (["Да", "нет", "да"], Kind.BOOLEAN),
        (["Очная", "Очная", "Заочная", "очная "], Kind.CHOICE),
        (["А; Б", "Б", "В; А"], Kind.MULTIPLE_CHOICE),
        (["Иванова Анна", "Петров Олег"], Kind.TEXT),
        (["x" * 300, "кратко"], Kind.LONG_TEXT),
        (["", ""], Kind.TEXT),
    ],
)
def test_kind_inference(values, kind):
    assert imports.infer_kind(values)[0] == kind


def test_edits_are_checked(schools):
    sheet = sheet_of()
    proposal = imports.propose(sheet, schools.world.municipality)
    first, second = proposal.questions()[:2]
    _edited, problems = imports.proposal_edit(
        sheet,
        proposal,
        {first.index: {"code": "1bad"}, second.index: {"code": "Same"}, second.index + 1: {"code": "same"}},
        proposal.organization_column,
    )
    assert any("1bad" in p for p in problems)
    assert any("same" in p and "twice" in p for p in problems)
    _edited, problems = imports.proposal_edit(sheet, proposal, {first.index: {"kind": "file"}}, None)
    assert len(problems) == 2  # no file questions; no organization column


# Reading the file --------------------------------------------------------------------------------


def test_the_export_is_read_with_its_bom_and_quoted_commas():
    sheet = sheet_of()
    assert sheet.header[0] == "Отметка времени"
    assert len(sheet.header) == 11
    assert [r.row for r in sheet.responses] == [2, 3, 4, 5, 6, 7]
    first = sheet.responses[0]
    assert first.at == datetime.datetime(2025, 10, 6, 9, 12, 44, tzinfo=LOCAL)
    assert first.cells[7] == "Предметные, Методические"


def test_semicolons_and_tabs_are_told_apart():
    text = EXPORT.read_text(encoding="utf-8-sig")
    sheet = sheet_of()
    for delimiter in (";", "\t"):
        import csv

        rows = list(csv.reader(io.StringIO(text)))
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter).writerows(rows)
        other = imports.read_responses(buffer.getvalue().encode("utf-8"), "export.csv")
        assert other.header == sheet.header
        assert [r.cells for r in other.responses] == [r.cells for r in sheet.responses]


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    return buffer.getvalue()


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "export.csv", "empty"),
        (b"Timestamp is not here\n", "export.xlsx", "not an XLSX workbook"),
        (zip_bomb(), "export.xlsx", "compressed more than"),
        (zip_without_workbook(), "export.xlsx", "cannot be read"),
        (b"\x98\x00\xff\xfe garbage", "export.csv", "neither UTF-8 nor Windows-1251"),
        ("Имя,Школа\nАнна,СОШ № 1\n".encode(), "export.csv", "Отметка времени"),
        ("Отметка времени\n06.10.2025 10:00:00\n".encode(), "export.csv", "cannot be told apart"),
        ("Отметка времени,Вопрос\n".encode(), "export.csv", "no responses"),
        (b"%PDF-1.4", "export.pdf", "CSV or XLSX"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(content, name, message):
    with pytest.raises(ValidationError) as error:
        imports.read_responses(content, name)
    assert message in " ".join(error.value.messages)


def test_a_file_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValidationError, match="larger than"):
        sheet_of()


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3 responses"):
        sheet_of()


# The dry run and the import ----------------------------------------------------------------------


def test_a_dry_run_reports_every_row_and_writes_nothing(schools):
    outcome = run_import(schools, dry_run=True, text_column=False)
    assert statuses(outcome) == {
        2: Status.SUPERSEDED,
        3: Status.IMPORTED,  # МБОУ "гимназия N2"
        4: Status.PROBLEM,  # «около 20» where a number belongs
        5: Status.UNKNOWN,  # СОШ № 5 is a school of another municipality
        6: Status.IMPORTED,  # «сош №1», the later response of СОШ № 1
        7: Status.IMPORTED,
    }
    rows = {row.row: row for row in outcome.rows}
    assert rows[2].replaced_by == 6 and rows[2].organization == schools.sosh1
    assert rows[3].organization == schools.gymnasium
    assert outcome.errors == [{"row": 4, "message": f"Column «{DIAGNOSED}»: Enter a number."}]
    assert outcome.as_json()["unknown"][0]["row"] == 5
    assert outcome.as_json()["superseded"] == [{"row": 2, "organization": "СОШ № 1", "replaced_by": 6}]
    assert nothing_written()


def test_the_import_is_refused_whole_while_a_known_school_has_a_type_error(schools):
    outcome = run_import(schools, dry_run=False, text_column=False)
    assert not outcome.ok and outcome.form is None and outcome.campaign is None
    assert outcome.errors[0]["row"] == 4
    assert nothing_written()


def test_the_import_creates_the_form_the_collection_and_the_latest_answers(
    schools, django_capture_on_commit_callbacks
):
    world = schools.world
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_import(schools, dry_run=False)
    assert outcome.ok, outcome.errors
    assert outcome.submissions == 4

    form = outcome.form
    assert form.municipality == world.municipality and form.sections.count() == 1
    kinds = list(form.fields.order_by("order").values_list("kind", flat=True))
    assert kinds == [
        Kind.TEXT,
        Kind.INTEGER,
        Kind.TEXT,  # as edited
        Kind.DATE,
        Kind.CHOICE,
        Kind.MULTIPLE_CHOICE,
        Kind.BOOLEAN,
        Kind.DECIMAL,
        Kind.LONG_TEXT,
    ]

    campaign = outcome.campaign
    assert campaign.state == Campaign.State.OPEN
    assert campaign.period.code == "2025/26"
    assert (campaign.opens_on, campaign.deadline) == (datetime.date(2025, 10, 6), datetime.date(2025, 10, 8))
    assert set(campaign.organizations.all()) == {
        schools.sosh1,
        schools.sosh2,
        schools.gymnasium,
        schools.kulgunino,
    }

    submissions = {s.organization: s for s in campaign.submissions.all()}
    assert {s.status for s in submissions.values()} == {Submission.Status.SUBMITTED}
    teachers = form.fields.get(order=2).code
    diagnosed = form.fields.get(order=3).code
    multiple = form.fields.get(order=6).code
    yes_no = form.fields.get(order=7).code
    first = submissions[schools.sosh1]
    assert first.answers[teachers] == "43" and first.answers[diagnosed] == "31"  # the later response
    assert first.answers[multiple] == ["Предметные", "Психолого-педагогические"]
    assert first.answers[yes_no] == "yes"
    assert first.submitted_at == datetime.datetime(2025, 10, 8, 14, 45, 10, tzinfo=LOCAL)
    assert submissions[schools.sosh2].answers[diagnosed] == "около 20"
    assert first.events.filter(action=SubmissionEvent.Action.IMPORTED).count() == 1
    assert first.events.filter(action=SubmissionEvent.Action.SUBMITTED).count() == 1
    # Nobody who answered through Google Forms is told that the collection opened, that its form is
    # sent, or that the deadline passed; and the log shows no reminder that was never sent.
    assert mail.outbox == []
    assert not Reminder.objects.filter(campaign=campaign).exists()
    for day in (campaign.deadline, campaign.deadline + datetime.timedelta(days=1)):
        services.campaigns_advance(today=day)
    assert mail.outbox == []
    assert not Reminder.objects.filter(campaign=campaign).exists()

    assert statuses(outcome)[5] == Status.UNKNOWN and statuses(outcome)[2] == Status.SUPERSEDED


def test_a_question_made_required_is_checked_for_every_imported_row(schools):
    sheet = sheet_of()
    proposal = imports.propose(sheet, schools.world.municipality)
    comment = proposal.questions()[-1]
    diagnosed = column_index(proposal, DIAGNOSED)
    proposal, _problems = imports.proposal_edit(
        sheet,
        proposal,
        {comment.index: {"required": True}, diagnosed: {"kind": Kind.TEXT}},
        proposal.organization_column,
    )
    outcome = imports.check_responses(sheet, proposal, schools.world.municipality)
    assert {error["row"] for error in outcome.errors} == {4, 7}  # the imported rows with no comment


def test_a_cp1251_export_imports_the_same(schools):
    text = EXPORT.read_text(encoding="utf-8-sig")
    outcome = run_import(schools, dry_run=False, content=text.encode("cp1251"))
    assert outcome.ok and outcome.submissions == 4
    answers = Submission.objects.get(organization=schools.sosh1).answers
    assert "43" in answers.values()


def test_an_xlsx_export_imports_the_same(schools):
    sheet = sheet_of()
    workbook = Workbook()
    table = workbook.active
    table.append(sheet.header)
    for response in sheet.responses:
        cells: list = [response.at.replace(tzinfo=None)] + response.cells[1:]
        cells[3] = int(cells[3])  # Google Sheets keeps numbers as numbers
        table.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    dry = run_import(schools, dry_run=True, content=buffer.getvalue(), name="export.xlsx")
    assert statuses(dry) == {
        2: "superseded",
        3: "imported",
        4: "imported",
        5: "unknown",
        6: "imported",
        7: "imported",
    }
    outcome = run_import(schools, dry_run=False, content=buffer.getvalue(), name="export.xlsx")
    assert outcome.ok and outcome.submissions == 4


def test_a_period_code_that_does_not_parse_is_an_error(schools):
    sheet = sheet_of()
    proposal = imports.propose(sheet, schools.world.municipality)
    outcome = imports.import_responses(
        sheet,
        proposal,
        municipality=schools.world.municipality,
        period_code="2025/27",
        title="Диагностика",
        by=None,
        dry_run=False,
    )
    assert outcome.errors[0] == {"row": None, "message": outcome.errors[0]["message"]}
    assert "2025/27" in outcome.errors[0]["message"]
    assert nothing_written()


def test_only_form_editors_may_import(schools):
    sheet = sheet_of()
    proposal = imports.propose(sheet, schools.world.municipality)
    from django.core.exceptions import PermissionDenied

    for user in (schools.world.respondent, schools.world.outsider, schools.world.operator):
        with pytest.raises(PermissionDenied):
            imports.import_responses(
                sheet,
                proposal,
                municipality=schools.world.municipality,
                period_code="2025",
                title="x",
                by=user,
                dry_run=True,
            )


# The command -------------------------------------------------------------------------------------


def command(*args) -> tuple[dict, CommandError | None]:
    out = io.StringIO()
    failure = None
    try:
        call_command("import_google_form", *args, stdout=out)
    except CommandError as error:
        failure = error
    return json.loads(out.getvalue()), failure


BASE_ARGS = (
    str(EXPORT),
    "--municipality",
    "ishim",
    "--period",
    "2025/26",
    "--title",
    "Диагностика профессиональных дефицитов учителей",
    "--org-column",
    "наименование образовательной  организации",
)


def test_the_command_prints_the_dry_run_as_json_and_writes_nothing(schools):
    summary, failure = command(*BASE_ARGS, "--dry-run")
    assert failure is not None  # the «около 20» of row 4
    assert summary["form"] is None and summary["campaign"] is None and summary["submissions"] == 0
    assert summary["errors"] == [{"row": 4, "message": f"Column «{DIAGNOSED}»: Enter a number."}]
    assert [u["row"] for u in summary["unknown"]] == [5]
    assert summary["superseded"] == [{"row": 2, "organization": "СОШ № 1", "replaced_by": 6}]
    assert len(summary["rows"]) == 6
    assert nothing_written()


def test_the_command_imports_with_a_changed_type(schools):
    sheet = sheet_of()
    code = next(
        c.code for c in imports.propose(sheet, schools.world.municipality).columns if c.title == DIAGNOSED
    )
    summary, failure = command(*BASE_ARGS, "--kind", f"{code}=text")
    assert failure is None
    assert summary["errors"] == []
    assert summary["submissions"] == 4
    campaign = Campaign.objects.get(pk=summary["campaign"])
    assert campaign.form_id == summary["form"]
    assert campaign.submissions.filter(status=Submission.Status.SUBMITTED).count() == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--period": "2025/27"}, "2025/27"),
        ({"--municipality": "nowhere"}, "nowhere"),
        ({"--org-column": "Школа"}, "Школа"),
        ({"file": "/nonexistent.csv"}, "nonexistent"),
    ],
)
def test_bad_arguments_stop_the_command(schools, change, message):
    args = list(BASE_ARGS)
    for key, value in change.items():
        if key == "file":
            args[0] = value
        else:
            args[args.index(key) + 1] = value
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("import_google_form", *args, stdout=out)
    assert out.getvalue() == ""
    assert nothing_written()


def test_missing_arguments_are_named(schools):
    with pytest.raises(CommandError, match="--period, --title"):
        call_command("import_google_form", str(EXPORT), "--municipality", "ishim")


def test_a_bad_kind_argument_stops_the_command(schools):
    with pytest.raises(CommandError, match="not a question type"):
        call_command("import_google_form", *BASE_ARGS, "--kind", "adres_elektronnoy_pochty=photo")
    with pytest.raises(CommandError, match="No proposed question"):
        call_command("import_google_form", *BASE_ARGS, "--kind", "nope=text")


# The page ----------------------------------------------------------------------------------------


# The page offers the municipality's periods and the recent years (the nightly periods_ensure makes them).
LAST_YEAR = datetime.datetime.now(tz=LOCAL).year - 1
IMPORT_PERIOD = f"{LAST_YEAR}/{(LAST_YEAR + 1) % 100:02d}"


def ensure_recent_periods() -> None:
    from mcok import services as core_services

    core_services.periods_ensure(year=LAST_YEAR)
    core_services.periods_ensure(year=LAST_YEAR + 1)


def upload(client, **fields):
    ensure_recent_periods()
    with EXPORT.open("rb") as file:
        data = {
            "municipality": "ishim",
            "period": IMPORT_PERIOD,
            "title": "Диагностика",
            "file": file,
        } | fields
        return client.post(reverse("monitoring:google_import"), data)


def proposal_post(response, **changes) -> dict:
    """What the step-2 form posts as rendered, with `changes` applied."""
    context = response.context
    data = {
        "title": context["pending"]["title"],
        "period": context["pending"]["period"],
        "organization_column": context["organization_column"],
    }
    for item in context["columns"]:
        column = item["column"]
        prefix = f"c{column.index}-"
        data[prefix + "code"] = column.code
        data[prefix + "kind"] = column.kind
        if column.required:
            data[prefix + "required"] = "1"
        if column.include:
            data[prefix + "include"] = "1"
    return data | changes


def test_the_page_uploads_checks_and_imports(client, schools, settings):
    client.force_login(schools.world.coordinator)
    url = reverse("monitoring:google_import")
    assert client.get(url).status_code == 200

    response = upload(client)
    assert response.status_code == 302
    waiting = list((Path(settings.MEDIA_ROOT) / "imports").iterdir())
    assert len(waiting) == 1

    response = client.get(url)
    assert response.status_code == 200
    assert response.context["step"] == 2
    assert [row["result"].status for row in response.context["rows"]].count(Status.PROBLEM) == 1
    assert response.context["errors"][0]["row"] == 4
    assert nothing_written(period=False)

    index = column_index(imports.Proposal.from_json(client.session[imports_session()]["proposal"]), DIAGNOSED)
    response = client.post(url, proposal_post(response, action="import"))
    assert response.status_code == 200  # refused: the error is still there
    assert nothing_written(period=False)

    data = proposal_post(response, action="check") | {f"c{index}-kind": Kind.TEXT}
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["errors"] == []
    assert nothing_written(period=False)

    response = client.post(url, data | {"action": "import"})
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:campaign", kwargs={"pk": campaign.pk})
    assert campaign.submissions.count() == 4
    assert list((Path(settings.MEDIA_ROOT) / "imports").iterdir()) == []
    assert imports_session() not in client.session

    response = client.post(url, data | {"action": "import"})  # a second click imports nothing more
    assert Campaign.objects.count() == 1


def imports_session() -> str:
    from monitoring import transfer_views

    return transfer_views.SESSION_KEY


def test_the_page_refuses_a_bad_file_and_keeps_nothing(client, schools, settings):
    client.force_login(schools.world.coordinator)
    ensure_recent_periods()
    data = {"municipality": "ishim", "period": IMPORT_PERIOD, "title": "Диагностика"}
    response = client.post(
        reverse("monitoring:google_import"), data | {"file": _named(zip_bomb(), "export.xlsx")}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists()


def test_the_page_refuses_a_bad_period(client, schools):
    client.force_login(schools.world.coordinator)
    response = upload(client, period="2025/27")
    assert response.status_code == 200
    assert response.context["form"].errors["period"] == ["Выберите период из списка."]


def test_the_page_offers_the_municipalitys_periods_by_year(client, schools):
    """A select, not a typed code: the municipality's periods and the recent years, grouped by year,
    the newest first; a period only another municipality uses is not offered."""
    from monitoring.models import Campaign as CampaignModel
    from tests.monitoring.factories import make_campaign

    ensure_recent_periods()
    make_campaign(schools.world.elsewhere, period="2019")
    make_campaign(schools.world.municipality, period="2018")
    client.force_login(schools.world.coordinator)
    page = client.get(reverse("monitoring:google_import")).content.decode()
    field = page[page.index('name="period"') : page.index("</select>", page.index('name="period"'))]
    years = [int(chunk.split('"')[0]) for chunk in field.split('<optgroup label="')[1:]]
    assert years == sorted(years, reverse=True)
    assert f'value="{IMPORT_PERIOD}"' in field
    assert 2019 not in years and 2018 in years
    assert "---------" not in field
    assert CampaignModel.objects.count() == 2


def _named(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_page_can_be_cancelled(client, schools, settings):
    client.force_login(schools.world.coordinator)
    upload(client)
    response = client.post(reverse("monitoring:google_import"), {"action": "cancel"})
    assert response.status_code == 302
    assert list((Path(settings.MEDIA_ROOT) / "imports").iterdir()) == []
    assert client.get(reverse("monitoring:google_import")).context["step"] == 1


@pytest.mark.parametrize("actor", ["respondent", "head", "operator", "expert"])
def test_the_page_is_not_for_those_who_do_not_make_forms(client, schools, actor):
    client.force_login(getattr(schools.world, actor))
    assert client.get(reverse("monitoring:google_import")).status_code == 404


def test_another_municipality_cannot_be_imported_into(client, schools):
    client.force_login(schools.world.outsider)
    response = upload(client)  # the outsider names «ishim», which is not theirs
    assert response.status_code == 404
    assert nothing_written(period=False)


def export_with(responses: int) -> bytes:
    """An export with `responses` rows, cycling through the municipality's schools."""
    names = ["СОШ № 1", "СОШ № 2", "Гимназия № 2", "ООШ с. Кулгунино", "СОШ № 5"]
    lines = ["Отметка времени;Школа;Всего учителей;Форма"]
    for n in range(responses):
        lines.append(f"0{1 + n % 9}.10.2025 10:{n % 60:02d}:00;{names[n % len(names)]};{20 + n};Очная")
    return "\n".join(lines).encode("utf-8")


def test_the_review_queries_do_not_grow_with_the_responses(client, schools):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(schools.world.coordinator)
    url = reverse("monitoring:google_import")

    def queries(responses: int) -> int:
        ensure_recent_periods()
        data = {"municipality": "ishim", "period": str(LAST_YEAR), "title": "Кадры"}
        client.post(url, data | {"file": SimpleUploadedFile("export.csv", export_with(responses))})
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert len(response.context["rows"]) == responses
        return len(context.captured_queries)

    assert queries(2) == queries(10)
