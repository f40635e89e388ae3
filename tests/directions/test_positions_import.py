"""The catalogue of evaluation positions: the list and its XLSX export, adding and editing a
position, and the XLSX import (dry run, then all or nothing)."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from directions import imports, services
from directions.evaluation_views import IMPORT_SESSION_KEY
from directions.models import Block, Direction, Evaluation, Position, Score
from mcok import services as core_services
from mcok.models import Period

HEADER = ["Направление", "Компонент", "Код", "Текст", "Максимум", "Трек"]


# Factories ----------------------------------------------------------------------------------------


def make_period(year: int) -> Period:
    core_services.periods_ensure(year=year)
    return Period.objects.get(kind=Period.Kind.YEAR, year=year)


def make_direction(municipality, code: str, *, valid_from: Period) -> Direction:
    block_code = code.split(".")[0]
    block, _created = Block.objects.get_or_create(code=block_code, defaults={"name": f"Блок {block_code}"})
    return Direction.objects.create(
        municipality=municipality, block=block, code=code, name=f"Направление {code}", valid_from=valid_from
    )


def make_position(direction: Direction, period: Period, code: str, component: str, maximum) -> Position:
    return Position.objects.create(
        municipality=direction.municipality,
        period=period,
        direction=direction,
        component=component,
        code=code,
        text=f"Позиция {code}",
        max_score=Decimal(maximum),
    )


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "каталог.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def xlsx(rows: list[list]) -> SimpleUploadedFile:
    return upload(xlsx_bytes(rows))


def zip_upload(entries: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return upload(buffer.getvalue())


@pytest.fixture
def catalogue(world):
    """Directions 1.1 and 2.1 of the first municipality, in force since 2024; the 2025 period."""
    since = make_period(2024)
    period = make_period(2025)
    return {
        "period": period,
        "1.1": make_direction(world.municipality, "1.1", valid_from=since),
        "2.1": make_direction(world.municipality, "2.1", valid_from=since),
    }


def dry_run(client, world, period, file):
    return client.post(
        reverse("directions:positions_import"),
        {"municipality": world.municipality.slug, "period": period.code, "file": file},
    )


# The import -----------------------------------------------------------------------------------------


def test_the_dry_run_names_bad_rows_by_their_excel_number_and_imports_nothing(client, world, catalogue):
    period = catalogue["period"]
    file = xlsx(
        [
            HEADER,
            ["1.1", "Цели", "Ц.1", "Цели утверждены", 1],  # row 2: fine
            [],  # row 3: empty, skipped, still counted
            ["1.1", "Показатели", "П.1", "Показатели утверждены", "abc"],  # row 4
            ["9.9", "goals", "Ц.1", "Чужое направление", 1],  # row 5
            ["1.1", "Цель", "Ц.5", "Опечатка в компоненте", 1],  # row 6
            ["1.1", "goals", "Ц.1", "Тот же код ещё раз", 2],  # row 7
            ["2.1", "goals", "", "Без кода", 1],  # row 8
        ]
    )
    client.force_login(world.coordinator)

    response = dry_run(client, world, period, file)

    assert response.status_code == 200
    errors = response.context["errors"]
    assert [error.split(":")[0] for error in errors] == [
        "Строка 4 (позиция П.1)",
        "Строка 5 (позиция Ц.1)",
        "Строка 6 (позиция Ц.5)",
        "Строка 7 (позиция Ц.1)",
        "Строка 8",
    ]
    assert errors[0] == "Строка 4 (позиция П.1): «Максимум» должно быть числом, а не «abc»."
    assert errors[3] == "Строка 7 (позиция Ц.1): код Ц.1 встречается в направлении 1.1 дважды."
    assert errors[4] == "Строка 8: «Код» не заполнено."
    assert "Строка 5 (позиция Ц.1)" in response.content.decode()
    assert not Position.objects.exists()
    assert IMPORT_SESSION_KEY not in client.session
    assert 'name="digest"' not in response.content.decode()  # no confirmation offered


def test_confirming_a_clean_preview_imports_every_row(client, world, catalogue):
    period = catalogue["period"]
    file = xlsx(
        [
            ["код направления", "компонент", "код", "текст", "максимум", "трек"],
            ["1.1", "Цели", "Ц.1", "Цели утверждены", 1, ""],
            ["1.1", 7, "М.1", "Меры приняты", "1,5", "Трек А"],  # the component by its number
            [2.1, "decisions", "Р.1", "Решения приняты", 2.5, None],  # a number typed in a cell
            ["2.1", "анализ эффективности принятых мер", "Э.1", "Эффективность", 0, None],
        ]
    )
    client.force_login(world.coordinator)

    preview = dry_run(client, world, period, file)

    assert preview.context["errors"] == []
    assert preview.context["counts"] == {"new": 4, "changed": 0, "same": 0}
    assert not Position.objects.exists()  # a dry run writes nothing
    digest = preview.context["digest"]
    assert client.session[IMPORT_SESSION_KEY]["digest"] == digest

    response = client.post(reverse("directions:positions_import_confirm"), {"digest": digest})

    assert response.status_code == 302
    assert response.url == f"{reverse('directions:positions')}?municipality=ishim&period=2025"
    stored = {
        (p.direction.code, p.code): (
            p.component,
            p.max_score,
            p.text,
            p.track,
            p.municipality_id,
            p.period_id,
        )
        for p in Position.objects.select_related("direction")
    }
    ours = (world.municipality.pk, period.pk)
    assert stored == {
        ("1.1", "Ц.1"): ("goals", Decimal("1.00"), "Цели утверждены", "", *ours),
        ("1.1", "М.1"): ("measures", Decimal("1.50"), "Меры приняты", "Трек А", *ours),
        ("2.1", "Р.1"): ("decisions", Decimal("2.50"), "Решения приняты", "", *ours),
        ("2.1", "Э.1"): ("effectiveness", Decimal("0.00"), "Эффективность", "", *ours),
    }
    assert IMPORT_SESSION_KEY not in client.session


def test_the_import_updates_by_direction_and_code_and_gives_open_evaluations_their_scores(
    client, world, catalogue
):
    period = catalogue["period"]
    old = make_position(catalogue["1.1"], period, "Ц.1", "goals", 1)
    unchanged = make_position(catalogue["1.1"], period, "Ц.2", "goals", 2)
    evaluation = services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.coordinator
    )
    file = xlsx(
        [
            HEADER,
            ["1.1", "goals", "Ц.1", "Новая формулировка", 3, ""],
            ["1.1", "goals", "Ц.2", unchanged.text, 2, ""],
            ["1.1", "goals", "Ц.3", "Новая позиция", 1, ""],
        ]
    )
    client.force_login(world.administrator)
    preview = dry_run(client, world, period, file)
    assert [row["action"] for row in preview.context["rows"]] == ["changed", "same", "new"]

    client.post(reverse("directions:positions_import_confirm"), {"digest": preview.context["digest"]})

    old.refresh_from_db()
    assert (old.text, old.max_score) == ("Новая формулировка", Decimal(3))
    assert Position.objects.filter(period=period).count() == 3
    assert set(Score.objects.filter(evaluation=evaluation).values_list("position__code", flat=True)) == {
        "Ц.1",
        "Ц.2",
        "Ц.3",
    }


def test_all_or_nothing_when_the_catalogue_changed_after_the_preview(client, world, catalogue):
    period = catalogue["period"]
    position = make_position(catalogue["1.1"], period, "Ц.1", "goals", 3)
    evaluation = services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.coordinator
    )
    file = xlsx([HEADER, ["1.1", "goals", "Ц.9", "Новая", 1, ""], ["1.1", "goals", "Ц.1", "Ниже", 1, ""]])
    client.force_login(world.coordinator)
    preview = dry_run(client, world, period, file)
    assert preview.context["errors"] == []
    # Meanwhile an expert gives Ц.1 three points: its maximum may no longer drop to 1.
    services.score_set(
        score=Score.objects.get(evaluation=evaluation, position=position), by=world.expert, value=3
    )

    response = client.post(
        reverse("directions:positions_import_confirm"), {"digest": preview.context["digest"]}, follow=True
    )

    body = response.content.decode()
    assert "Строка 3 (позиция Ц.1)" in body
    assert not Position.objects.filter(code="Ц.9").exists()  # the good row is not written either
    position.refresh_from_db()
    assert position.max_score == Decimal(3)


def test_positions_import_service_is_all_or_nothing(world, catalogue):
    period = catalogue["period"]
    position = make_position(catalogue["1.1"], period, "Ц.1", "goals", 3)
    evaluation = services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.coordinator
    )
    services.score_set(
        score=Score.objects.get(evaluation=evaluation, position=position), by=world.expert, value=2
    )
    rows, errors = imports.positions_parse(
        xlsx([HEADER, ["1.1", "goals", "Ц.2", "Новая", 1, ""], ["1.1", "goals", "Ц.1", "Ниже", 1, ""]]),
        municipality=world.municipality,
        period=period,
    )
    assert errors == ["Строка 3 (позиция Ц.1): максимум 1 меньше уже выставленного за неё балла 2."]

    with pytest.raises(ValidationError):
        imports.positions_import(rows, by=world.coordinator)
    assert not Position.objects.filter(code="Ц.2").exists()

    with pytest.raises(PermissionDenied):
        imports.positions_import(rows[:1], by=world.expert)
    assert imports.positions_import(rows[:1], by=world.coordinator) == 1


def test_a_position_of_a_finished_evaluation_keeps_its_maximum_and_component(world, catalogue):
    period = catalogue["period"]
    make_position(catalogue["1.1"], period, "Ц.1", "goals", 3)
    evaluation = services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.coordinator
    )
    services.evaluation_finish(evaluation=evaluation, by=world.coordinator)

    rows, errors = imports.positions_parse(
        xlsx(
            [HEADER, ["1.1", "goals", "Ц.1", "Только текст", 3, ""], ["1.1", "indicators", "Ц.1", "x", 3, ""]]
        ),
        municipality=world.municipality,
        period=period,
    )

    # Row 2 changes only the text: allowed. Row 3 changes the component (and repeats the code).
    assert [error.split(":")[0] for error in errors] == ["Строка 3 (позиция Ц.1)", "Строка 3 (позиция Ц.1)"]
    assert rows[0]["action"] == "changed"


def test_a_confirmation_without_its_preview_imports_nothing(client, world, catalogue):
    client.force_login(world.coordinator)
    dry_run(client, world, catalogue["period"], xlsx([HEADER, ["1.1", "goals", "Ц.1", "Цели", 1, ""]]))

    response = client.post(reverse("directions:positions_import_confirm"), {"digest": "0" * 64})

    assert response.status_code == 302
    assert response.url == reverse("directions:positions_import")
    assert not Position.objects.exists()


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        (upload(b"plain text, not a workbook"), "not an XLSX workbook"),
        (
            zip_upload({"xl/worksheets/sheet1.xml": b"\0" * (11 * 1024 * 1024)}),
            "compressed more than 100 times",
        ),
        (zip_upload({f"part{n}.xml": b"<x/>" for n in range(1001)}), "more than 1000 parts"),
        (upload(xlsx_bytes([["Код", "Текст"], ["Ц.1", "x"]])), "lacks the columns"),
        (upload(xlsx_bytes([])), "The first sheet is empty."),
        (upload(xlsx_bytes([HEADER])), "no positions under its first row"),
    ],
)
def test_dangerous_or_wrong_files_are_refused_before_reading_rows(world, catalogue, file, problem):
    with translation.override("en"):
        rows, errors = imports.positions_parse(
            file, municipality=world.municipality, period=catalogue["period"]
        )

    assert rows == []
    assert len(errors) == 1 and problem in errors[0], errors


def test_a_workbook_unpacking_past_50_mb_is_refused_by_its_zip_directory(world, catalogue):
    import os

    # 2 MB that do not compress and 49 MB of zeros: a ratio of about 25, but 51 MB unpacked.
    file = zip_upload({"a.bin": os.urandom(2 * 1024 * 1024), "b.bin": b"\0" * (49 * 1024 * 1024)})
    assert file.size < imports.MAX_FILE_BYTES

    assert imports.archive_problem(file) is not None
    assert "50" in imports.archive_problem(file)


def test_a_file_over_5_mb_is_refused(client, world, catalogue):
    client.force_login(world.coordinator)
    big = upload(b"0" * (5 * 1024 * 1024 + 1))

    response = dry_run(client, world, catalogue["period"], big)

    assert response.status_code == 200
    assert "Файл больше 5 МБ." in response.content.decode()
    assert "preview" not in response.context


@pytest.mark.parametrize("actor", ["expert", "executor", "respondent"])
def test_only_managers_import(client, world, catalogue, actor):
    client.force_login(getattr(world, actor))

    assert client.get(reverse("directions:positions_import")).status_code == 403
    assert client.post(reverse("directions:positions_import_confirm"), {"digest": "x"}).status_code in (
        302,
        403,
    )
    assert not Position.objects.exists()


def test_a_coordinator_elsewhere_cannot_import_into_this_municipality(client, world, catalogue):
    client.force_login(world.outsider)

    response = dry_run(
        client, world, catalogue["period"], xlsx([HEADER, ["1.1", "goals", "Ц.1", "x", 1, ""]])
    )

    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    assert IMPORT_SESSION_KEY not in client.session


# The list, its export, adding and editing ----------------------------------------------------------


def test_the_exported_catalogue_imports_back_unchanged(client, world, catalogue):
    period = catalogue["period"]
    make_position(catalogue["1.1"], period, "Ц.1", "goals", 1)
    make_position(catalogue["1.1"], period, "М.1", "measures", "1.5")
    make_position(catalogue["2.1"], period, "Э.1", "effectiveness", 0)
    client.force_login(world.coordinator)

    response = client.get(
        reverse("directions:positions"), {"municipality": "ishim", "period": "2025", "format": "xlsx"}
    )

    assert response.status_code == 200
    rows, errors = imports.positions_parse(
        upload(response.content), municipality=world.municipality, period=period
    )
    assert errors == []
    assert [(row["direction_code"], row["code"], row["action"]) for row in rows] == [
        ("1.1", "Ц.1", "same"),
        ("1.1", "М.1", "same"),
        ("2.1", "Э.1", "same"),
    ]


def test_the_list_filters_by_direction_and_component(client, world, catalogue):
    period = catalogue["period"]
    make_position(catalogue["1.1"], period, "Ц.1", "goals", 1)
    make_position(catalogue["1.1"], period, "П.1", "indicators", 1)
    make_position(catalogue["2.1"], period, "Ц.1", "goals", 1)
    client.force_login(world.expert)
    url = reverse("directions:positions")

    def codes(**query) -> list[str]:
        page = client.get(url, {"municipality": "ishim", "period": "2025", **query}).context["page"]
        return [f"{p.direction.code} {p.code}" for p in page.object_list]

    assert codes() == ["1.1 Ц.1", "1.1 П.1", "2.1 Ц.1"]  # components in the order of the cycle
    assert codes(direction="1.1") == ["1.1 Ц.1", "1.1 П.1"]
    assert codes(component="goals") == ["1.1 Ц.1", "2.1 Ц.1"]
    assert not client.get(url, {"municipality": "ishim", "period": "2025"}).context["filter"].may_manage


def test_the_list_is_404_for_a_municipality_one_may_not_see(client, world, catalogue):
    client.force_login(world.outsider)

    assert client.get(reverse("directions:positions"), {"municipality": "ishim"}).status_code == 404
    assert client.get(reverse("directions:positions"), {"municipality": "absent"}).status_code == 404


def test_the_list_queries_do_not_grow_with_positions(client, world, catalogue):
    period = catalogue["period"]
    client.force_login(world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(
                reverse("directions:positions"), {"municipality": "ishim", "period": "2025"}
            )
            assert response.status_code == 200
        return len(context.captured_queries)

    for n in range(3):
        make_position(catalogue["1.1"], period, f"Ц.{n}", "goals", 1)
    few = queries()
    for n in range(3, 40):
        make_position(catalogue["2.1"], period, f"Ц.{n}", "goals", 1)
    assert queries() == few


def test_a_coordinator_adds_a_position_and_open_evaluations_get_its_score(client, world, catalogue):
    period = catalogue["period"]
    evaluation = services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.coordinator
    )
    client.force_login(world.coordinator)
    url = f"{reverse('directions:position_add')}?municipality=ishim&period=2025"

    response = client.post(
        url,
        {
            "direction": catalogue["1.1"].pk,
            "component": "goals",
            "code": "Ц.1",
            "text": "Цели утверждены",
            "max_score": "1,5",
            "track": "",
            "source": "",
        },
    )

    assert response.status_code == 302
    position = Position.objects.get(code="Ц.1")
    assert (position.municipality, position.period, position.max_score) == (
        world.municipality,
        period,
        Decimal("1.5"),
    )
    assert Score.objects.filter(evaluation=evaluation, position=position).exists()
    again = client.post(
        url,
        {
            "direction": catalogue["1.1"].pk,
            "component": "goals",
            "code": "Ц.1",
            "text": "x",
            "max_score": "1",
        },
    )
    assert again.status_code == 200
    assert "code" in again.context["form"].errors
    assert Position.objects.count() == 1


def test_editing_cannot_drop_the_maximum_below_a_given_score(client, world, catalogue):
    period = catalogue["period"]
    position = make_position(catalogue["1.1"], period, "Ц.1", "goals", 3)
    evaluation = services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.coordinator
    )
    services.score_set(
        score=Score.objects.get(evaluation=evaluation, position=position), by=world.expert, value=2
    )
    client.force_login(world.coordinator)
    url = reverse("directions:position_edit", args=[position.pk])
    data = {
        "direction": catalogue["1.1"].pk,
        "component": "goals",
        "code": "Ц.1",
        "text": "Цели",
        "max_score": "1",
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    position.refresh_from_db()
    assert position.max_score == Decimal(3)
    assert client.post(url, {**data, "max_score": "2"}).status_code == 302
    position.refresh_from_db()
    assert (position.max_score, position.text) == (Decimal(2), "Цели")


@pytest.mark.parametrize(("actor", "status"), [("coordinator", 200), ("expert", 403), ("outsider", 404)])
def test_who_may_edit_a_position(client, world, catalogue, actor, status):
    position = make_position(catalogue["1.1"], catalogue["period"], "Ц.1", "goals", 3)
    client.force_login(getattr(world, actor))

    assert client.get(reverse("directions:position_edit", args=[position.pk])).status_code == status
    client.post(reverse("directions:position_edit", args=[position.pk]), {"code": "X", "max_score": "9"})
    position.refresh_from_db()
    assert (position.code, position.max_score) == ("Ц.1", Decimal(3))
