"""The import of data values from CSV and XLSX, the export of indicator values, and the import page."""

import csv
import io
import json
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import include, path, reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import urls as config_urls
from indicators import import_views, imports
from indicators.models import DataElement, DataValue, IndicatorValue
from mcok.models import Period
from tests.factories import make_organization
from tests.indicators.factories import make_element, make_indicator, make_period, put


def _indicator_urls() -> list:
    """indicators/urls.py with the import page at its place, whether that file has it yet or not."""
    from indicators import urls

    mounted = [pattern for pattern in urls.urlpatterns if getattr(pattern, "name", None) != "values_import"]
    return [*mounted, path("values/import/", import_views.data_values_import, name="values_import")]


# These tests mount the page themselves, as indicators/urls.py will: "indicators:values_import".
urlpatterns = [
    path("indicators/", include((_indicator_urls(), "indicators"))),
    *(p for p in config_urls.urlpatterns if getattr(p, "namespace", None) != "indicators"),
]
page = pytest.mark.urls(__name__)


@pytest.fixture
def dpo(world):
    """The share of teachers trained in three years: two data elements and a ratio indicator."""
    period = make_period("2025")
    total = make_element(world.municipality, "teachers_total")
    trained = make_element(world.municipality, "teachers_dpo")
    budget = make_element(world.municipality, "budget", kinds=(), value_type=DataElement.ValueType.DECIMAL)
    share = make_indicator(world.municipality, "2.3.1", "teachers_dpo", "teachers_total")
    return world, period, total, trained, budget, share


HEADER = ["организация", "период", "элемент", "значение"]


def good_rows(world) -> list[list]:
    return [
        HEADER,
        [world.school.short_name, "2025", "teachers_total", "40"],
        [world.school.short_name, "2025", "teachers_dpo", "30"],
        [world.other_school.short_name, "2025", "teachers_total", "10"],
        [world.other_school.short_name, "2025", "teachers_dpo", "1"],
        ["", "2025", "budget", "1 234,5"],
    ]


def csv_file(rows, *, encoding="utf-8", delimiter=";") -> io.BytesIO:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return io.BytesIO(buffer.getvalue().encode(encoding))


def xlsx_file(rows) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def parse(world, file, filename="values.csv") -> imports.ParseResult:
    with translation.override("en"):
        return imports.parse_data_values(file, municipality=world.municipality, filename=filename)


def stored(element, organization, period) -> Decimal | None:
    value = DataValue.objects.filter(data_element=element, organization=organization, period=period).first()
    return value.value if value else None


def share_of(share, period, organization=None) -> Decimal | None:
    return IndicatorValue.objects.get(indicator=share, period=period, organization=organization).value


# Import ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_a_good_csv_imports_and_the_indicator_values_follow(
    dpo, encoding, delimiter, django_capture_on_commit_callbacks
):
    world, period, total, trained, budget, share = dpo
    result = parse(world, csv_file(good_rows(world), encoding=encoding, delimiter=delimiter))
    assert result.errors == []
    assert result.rows_read == 5
    assert result.lines == [2, 3, 4, 5, 6]

    with django_capture_on_commit_callbacks(execute=True):
        summary = imports.import_data_values(result, by=world.coordinator, dry_run=False)

    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (5, 5, 0, 0)
    assert stored(total, world.school, period) == 40
    assert stored(budget, None, period) == Decimal("1234.5")
    assert DataValue.objects.filter(source=DataValue.Source.IMPORT, entered_by=world.coordinator).count() == 5
    assert share_of(share, period, world.school) == 75
    assert share_of(share, period) == 62  # Σ 31 / Σ 50


def test_a_good_xlsx_imports_numbers_names_ids_and_the_municipality(dpo, django_capture_on_commit_callbacks):
    world, period, total, trained, budget, share = dpo
    rows = [
        ["Период", "Элемент", "Организация", "Значение", "Комментарий"],  # any order, extra columns
        [2025, "teachers_total", world.school.full_name, 40, "из ОО-1"],
        ["2025", "TEACHERS_DPO", world.school.short_name.replace("№ ", "№"), 30.0, None],
        [2025, "teachers_total", world.other_school.pk, "10", None],
        [None, None, None, None, None],  # blank rows are skipped, not counted
        ["2025", "teachers_dpo", f"  {world.other_school.short_name.upper()} ", 1, None],
        ["2025", "budget", "Муниципалитет", 1234.5, None],
    ]
    result = parse(world, xlsx_file(rows), "values.xlsx")
    assert result.errors == []
    assert result.lines == [2, 3, 4, 6, 7]
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_data_values(result, by=world.executor, dry_run=False)
    assert stored(budget, None, period) == Decimal("1234.5")
    assert share_of(share, period, world.school) == 75
    assert share_of(share, period, world.other_school) == 10


def test_one_bad_row_imports_nothing_and_names_its_line(dpo):
    world, period, total, trained, budget, share = dpo
    rows = good_rows(world)
    rows.insert(3, ["СОШ №99", "2025", "teachers_total", "12"])
    result = parse(world, csv_file(rows))
    assert result.errors == ["Row 4: there is no organization «СОШ №99» in Ишимбайский район."]
    assert len(result.entries) == 5
    with pytest.raises(ValidationError):
        imports.import_data_values(result, by=world.coordinator, dry_run=False)
    assert not DataValue.objects.exists()


def test_the_messages_are_russian(dpo):
    world, *_rest = dpo
    rows = [HEADER, ["СОШ №99", "2025", "teachers_total", "12"]]
    result = imports.parse_data_values(csv_file(rows), municipality=world.municipality, filename="a.csv")
    assert result.errors == ["Строка 2: нет организации «СОШ №99» в муниципалитете «Ишимбайский район»."]


def test_duplicate_rows_are_an_error_naming_both_lines(dpo):
    world, *_rest = dpo
    rows = good_rows(world) + [[world.school.short_name, "2025", "teachers_total", "41"]]
    result = parse(world, csv_file(rows))
    assert result.errors == ["Row 7 repeats row 2: the same organization, period and data element."]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["{school}", "2025", "pupils", "5"], "Row 2: Ишимбайский район has no data element «pupils»."),
        (["Гимназия № 1", "2025", "teachers_total", "5"], "Row 2: there is no organization «Гимназия № 1»"),
        (["{school}", "2025-Q5", "teachers_total", "5"], "Row 2: «2025-Q5» is not a period code."),
        (["{school}", "", "teachers_total", "5"], "Row 2: the period is empty."),
        (["{school}", "2025", "", "5"], "Row 2: the data element is empty."),
        (["{school}", "2025", "teachers_total", ""], "Row 2: the value is empty."),
        (["{school}", "2025", "teachers_total", "сорок"], "Row 2: the value «сорок» is not a number."),
        (["{school}", "2025", "teachers_total", "1,234.5"], "Row 2: the value «1,234.5» is not a number."),
        (["{school}", "2025", "teachers_total", "12,5"], "Row 2: «teachers_total» takes whole numbers"),
        (["{school}", "2025", "budget", "1e15"], "Row 2: the value «1e15» is too large."),
    ],
)
def test_a_bad_cell_is_named_with_its_line(dpo, row, message):
    world, *_rest = dpo
    row = [cell.format(school=world.school.short_name) for cell in row]
    result = parse(world, csv_file([HEADER, row]))
    assert len(result.errors) == 1
    assert result.errors[0].startswith(message)
    assert result.entries == []


def test_an_organization_of_another_municipality_is_unknown(dpo):
    world, *_rest = dpo
    rows = [HEADER, [str(world.elsewhere_school.pk), "2025", "teachers_total", "5"]]
    assert parse(world, csv_file(rows)).errors[0].startswith("Row 2: there is no organization")


def test_an_unquoted_decimal_comma_in_a_comma_separated_file_is_caught(dpo):
    world, *_rest = dpo
    content = "организация,период,элемент,значение\n,2025,budget,12,5\n".encode()
    errors = parse(world, io.BytesIO(content)).errors
    assert errors == [
        "Row 2 has more cells than the first row: if a number has a decimal comma, put it in quotes "
        "or separate the columns with «;»."
    ]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "a.csv", "The file is empty."),
        (b"organization;period\n1;2\n", "a.csv", "The first row lacks the columns «элемент», «значение»."),
        (
            "организация;период;элемент;значение\n".encode(),
            "a.csv",
            "The file has no rows under its first row.",
        ),
        (b"just one column\n", "a.csv", "The columns of the first row cannot be told apart"),
        (b"a;b\x00;c\n", "a.csv", "The file is neither UTF-8 nor Windows-1251 text."),
        (b"\x98\x98;\x98\n", "a.csv", "The file is neither UTF-8 nor Windows-1251 text."),
        (b"value;value;period;element;organization\n", "a.csv", "The column «value» appears twice"),
        (b"PK\x03\x04 broken", "a.xlsx", "The file is not an XLSX workbook"),
        (b"anything", "a.pdf", "Upload a CSV or XLSX file."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(dpo, content, filename, message):
    world, *_rest = dpo
    result = parse(world, io.BytesIO(content), filename)
    assert len(result.errors) == 1
    assert result.errors[0].startswith(message)


def test_too_many_rows_are_refused(dpo, monkeypatch):
    world, *_rest = dpo
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [HEADER] + [["", str(2020 + n), "budget", str(n)] for n in range(4)]
    assert parse(world, csv_file(rows)).errors == [
        "The file has more than 3 data rows; split it into several files."
    ]
    assert parse(world, xlsx_file(rows), "a.xlsx").errors == [
        "The file has more than 3 data rows; split it into several files."
    ]
    assert parse(world, csv_file(rows[:4])).errors == []


def _forbid_openpyxl(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl must not open this file")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def _rezip(workbook: io.BytesIO, extra: dict[str, bytes], level=zipfile.ZIP_DEFLATED) -> io.BytesIO:
    """The workbook's parts with some replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(out, "w", level) as target:
        for info in source.infolist():
            if info.filename not in extra:
                target.writestr(info, source.read(info.filename))
        for name, data in extra.items():
            target.writestr(name, data)
    out.seek(0)
    return out


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(dpo, monkeypatch):
    world, *_rest = dpo
    cell = b'<c r="A2" t="inlineStr"><is><t>1</t></is></c>'
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="2">'
        + cell * 200_000
        + b"</row></sheetData></worksheet>"
    )
    bomb = _rezip(xlsx_file(good_rows(world)), {"xl/worksheets/sheet1.xml": sheet})
    assert len(bomb.getvalue()) * 100 < len(sheet)
    _forbid_openpyxl(monkeypatch)
    errors = parse(world, bomb, "bomb.xlsx").errors
    assert errors == ["The workbook is compressed more than 100 times; it is refused."]


def test_a_workbook_with_macros_is_refused_before_openpyxl_opens_it(dpo, monkeypatch):
    world, *_rest = dpo
    macro = _rezip(xlsx_file(good_rows(world)), {"xl/vbaProject.bin": b"Attribute VB_Name = 1" * 10})
    _forbid_openpyxl(monkeypatch)
    for name in ("values.xlsm", "values.xlsx"):
        macro.seek(0)
        assert parse(world, macro, name).errors == [
            "The workbook contains macros; save it as an .xlsx workbook without macros."
        ]


def test_a_workbook_with_external_links_is_refused(dpo, monkeypatch):
    world, *_rest = dpo
    linked = _rezip(xlsx_file(good_rows(world)), {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    _forbid_openpyxl(monkeypatch)
    assert parse(world, linked, "values.xlsx").errors == [
        "The workbook links to other files; replace the links with their values and save it again."
    ]


def test_a_dry_run_writes_nothing_and_counts_what_would_change(dpo):
    world, period, total, trained, budget, share = dpo
    put(total, world.school, period, 40)
    put(trained, world.school, period, 29)
    result = parse(world, csv_file(good_rows(world)))

    summary = imports.import_data_values(result, by=world.coordinator, dry_run=True)
    assert (summary.created, summary.updated, summary.unchanged, summary.dry_run) == (3, 1, 1, True)
    assert DataValue.objects.count() == 2
    assert stored(trained, world.school, period) == 29

    summary = imports.import_data_values(result, by=world.coordinator, dry_run=False)
    assert (summary.created, summary.updated, summary.unchanged) == (3, 1, 1)
    assert DataValue.objects.count() == 5
    again = imports.import_data_values(result, by=world.coordinator, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_the_counts_take_one_query(dpo, django_assert_num_queries):
    world, *_rest = dpo
    result = parse(world, csv_file(good_rows(world)))
    with django_assert_num_queries(1 + 2):  # the values, and a savepoint around them
        imports.import_data_values(result, by=None, dry_run=True)


def test_a_missing_period_is_created_on_import_only(dpo):
    world, *_rest = dpo
    result = parse(world, csv_file([HEADER, ["", "2030-Q2", "budget", "7"], ["", "2030-q2", "budget", "8"]]))
    assert result.errors == ["Row 3 repeats row 2: the same organization, period and data element."]
    result = parse(world, csv_file([HEADER, ["", "2030-Q2", "budget", "7"]]))
    summary = imports.import_data_values(result, by=None, dry_run=True)
    assert summary.created == 1
    assert not Period.objects.filter(code="2030-Q2").exists()
    imports.import_data_values(result, by=None, dry_run=False)
    period = Period.objects.get(code="2030-Q2")
    assert DataValue.objects.get(period=period).value == 7


def test_only_those_who_enter_values_may_import(dpo):
    world, *_rest = dpo
    result = parse(world, csv_file(good_rows(world)))
    for user in (world.respondent, world.outsider, world.expert):
        with pytest.raises(PermissionDenied):
            imports.import_data_values(result, by=user, dry_run=False)
    assert not DataValue.objects.exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=2000), xlsx=st.booleans())
def test_random_bytes_never_raise(dpo, content, xlsx):
    world, *_rest = dpo
    result = parse(world, io.BytesIO(content), "random.xlsx" if xlsx else "random.csv")
    assert isinstance(result, imports.ParseResult)
    assert result.errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_workbook_never_raises(dpo, data):
    world, *_rest = dpo
    content = bytearray(xlsx_file(good_rows(world)).getvalue())
    for _n in range(data.draw(st.integers(1, 20))):
        # A position as a share of the file: its length varies by a byte or two between examples
        # (the names and the time stamps inside), and Hypothesis needs the same draws each time.
        content[data.draw(st.integers(0, 10**6)) % len(content)] = data.draw(st.integers(0, 255))
    result = parse(world, io.BytesIO(bytes(content)), "damaged.xlsx")
    assert isinstance(result, imports.ParseResult)
    assert result.errors or len(result.entries) == 5


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=500))
def test_random_text_under_a_good_header_never_raises(dpo, body):
    world, *_rest = dpo
    content = ("организация;период;элемент;значение\n" + body).encode("utf-8", "surrogatepass")
    result = parse(world, io.BytesIO(content), "random.csv")
    assert isinstance(result, imports.ParseResult)


# Export ---------------------------------------------------------------------------------------


@pytest.fixture
def computed(dpo, django_capture_on_commit_callbacks):
    world, period, total, trained, budget, share = dpo
    share.name = '=HYPERLINK("http://evil")'
    share.save()
    with django_capture_on_commit_callbacks(execute=True):
        put(total, world.school, period, 40)
        put(trained, world.school, period, 30)
        put(total, world.other_school, period, 0)
        put(trained, world.other_school, period, 0)
    return world, period, share


def test_csv_export_escapes_formulas_and_keeps_numbers(computed):
    world, period, share = computed
    with translation.override("en"):
        content = imports.export_indicator_values(municipality=world.municipality, fmt="csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == [
        "Indicator code (indicator)",
        "Indicator (indicator_name)",
        "Period (period)",
        "Organization (organization)",
    ]
    assert rows[1] == [
        "2.3.1",
        '\'=HYPERLINK("http://evil")',
        "2025",
        "municipality",
        "30",
        "40",
        "75",
        "",
        "1",
        "2",
    ]
    schools = {row[3]: row for row in rows[2:]}
    assert schools[world.school.short_name][4:] == ["30", "40", "75", "", "", ""]
    assert schools[world.other_school.short_name][6:8] == ["", "The denominator is zero"]


def test_xlsx_export_writes_text_as_text_and_numbers_as_numbers(computed):
    world, period, share = computed
    content = imports.export_indicator_values(municipality=world.municipality, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    name = sheet.cell(row=2, column=2)
    assert name.value == '=HYPERLINK("http://evil")' and name.data_type == "s"
    value = sheet.cell(row=2, column=7)
    assert value.value == 75 and value.data_type == "n"
    assert sheet.cell(row=2, column=4).value == "муниципалитет"


def test_json_export_lists_objects_with_decimal_strings(computed):
    world, period, share = computed
    content = imports.export_indicator_values(
        municipality=world.municipality, periods=[period], indicators=[share], fmt="json"
    )
    objects = json.loads(content)
    assert objects[0] == {
        "indicator": "2.3.1",
        "indicator_name": '=HYPERLINK("http://evil")',
        "period": "2025",
        "organization": "муниципалитет",
        "numerator": "30",
        "denominator": "40",
        "value": "75",
        "reason": "",
        "reported": 1,
        "expected": 2,
    }
    assert {item["organization"] for item in objects[1:]} == {
        world.school.short_name,
        world.other_school.short_name,
    }
    other = make_period("2024")
    assert (
        json.loads(
            imports.export_indicator_values(municipality=world.municipality, periods=[other], fmt="json")
        )
        == []
    )
    assert json.loads(imports.export_indicator_values(municipality=world.elsewhere, fmt="json")) == []


# The page -------------------------------------------------------------------------------------


URL = "/indicators/values/import/"


def upload(rows, name="values.csv"):
    file = csv_file(rows)
    file.name = name
    return file


@page
def test_the_page_previews_then_imports_on_confirm(client, dpo, django_capture_on_commit_callbacks):
    world, period, total, trained, budget, share = dpo
    client.force_login(world.coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    assert "ishim" in response.content.decode()

    response = client.post(URL, {"municipality": "ishim", "file": upload(good_rows(world))})
    assert response.status_code == 200
    assert response.context["summary"].created == 5
    assert len(response.context["entries"]) == 5
    assert not DataValue.objects.exists()
    digest = response.context["digest"]
    assert f'value="{digest}"' in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"confirm": "1", "digest": digest}, follow=True)
    assert response.status_code == 200
    assert DataValue.objects.filter(organization__municipality=world.municipality).count() == 4
    assert stored(budget, None, period) == Decimal("1234.5")
    assert share_of(share, period, world.school) == 75
    assert import_views.SESSION_KEY not in client.session

    # The same digest again finds nothing waiting: no second import.
    response = client.post(URL, {"confirm": "1", "digest": digest}, follow=True)
    assert DataValue.objects.count() == 5


@page
def test_the_page_shows_the_errors_and_offers_no_confirmation(client, dpo):
    world, *_rest = dpo
    client.force_login(world.executor)
    rows = good_rows(world) + [["СОШ №99", "2025", "teachers_total", "1"]]
    response = client.post(URL, {"municipality": "ishim", "file": upload(rows)})
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["errors"] == [response.context["result"].errors[0]]
    assert "7" in response.context["errors"][0] and "СОШ №99" in response.context["errors"][0]
    assert 'name="confirm"' not in body
    assert import_views.SESSION_KEY not in client.session


@page
def test_confirm_trusts_only_the_session(client, dpo):
    world, *_rest = dpo
    client.force_login(world.coordinator)
    response = client.post(URL, {"municipality": "ishim", "file": upload(good_rows(world))})
    digest = response.context["digest"]
    # A forged digest, or a municipality slipped into the form, changes nothing.
    client.post(URL, {"confirm": "1", "digest": "0" * 64, "municipality": "amur"})
    assert not DataValue.objects.exists()
    client.post(URL, {"confirm": "1", "digest": digest, "municipality": "amur"})
    assert DataValue.objects.filter(municipality=world.municipality).count() == 5
    assert not DataValue.objects.filter(municipality=world.elsewhere).exists()


@page
@pytest.mark.parametrize("actor", ["respondent", "head", "expert", "operator"])
def test_who_cannot_enter_values_does_not_find_the_page(client, world, actor):
    client.force_login(getattr(world, actor))
    assert client.get(URL).status_code == 404
    response = client.post(URL, {"municipality": "ishim", "file": upload([HEADER])})
    assert response.status_code == 404


@page
def test_a_coordinator_of_another_municipality_cannot_import_here(client, dpo):
    world, *_rest = dpo
    client.force_login(world.outsider)
    assert "ishim" not in client.get(URL).content.decode()
    response = client.post(URL, {"municipality": "ishim", "file": upload(good_rows(world))})
    assert response.status_code == 404
    assert import_views.SESSION_KEY not in client.session
    assert not DataValue.objects.exists()


@page
def test_an_upload_above_5_mb_is_refused_by_the_form(client, world):
    client.force_login(world.coordinator)
    big = io.BytesIO(b"x" * (5 * 1024 * 1024 + 1))
    big.name = "big.csv"
    response = client.post(URL, {"municipality": "ishim", "file": big})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert "preview" not in response.context


@page
def test_anonymous_is_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_new_organization_named_like_the_file_is_found(dpo):
    """Names compare without case, ё, quotes and the space after №."""
    world, *_rest = dpo
    school = make_organization(world.municipality, short_name="Гимназия «Ёлочка» № 3", full_name="")
    rows = [HEADER, ['гимназия "елочка" №3', "2025", "teachers_total", "5"]]
    result = parse(world, csv_file(rows))
    assert result.errors == []
    assert result.entries[0].organization == school


def test_an_ambiguous_name_is_an_error_unless_written_exactly(dpo):
    world, *_rest = dpo
    one = make_organization(world.municipality, short_name="Лицей №1", full_name="Лицей")
    make_organization(world.municipality, short_name="Лицей № 1", full_name="Лицей")
    rows = [HEADER, ["Лицей №1", "2025", "budget", "1"], ["лицей", "2025", "budget", "2"]]
    result = parse(world, csv_file(rows))
    assert result.entries[0].organization == one
    assert result.errors == [
        "Row 3: «лицей» fits several organizations; write the short name exactly as the portal shows it, "
        "or the organization's number."
    ]
