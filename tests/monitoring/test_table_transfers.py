"""Table questions in files: the offline template lays a table out as a block of rows and reads it
back exactly, merging cell by cell on upload; the exports give a column per cell, named as Google
Forms names a grid's («Вопрос [строка, столбец]»); the Google Forms import turns a grid («Вопрос
[Строка]» columns) into a table question, of its own labels or bound to a disaggregated element."""

import csv
import io
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from indicators import services as indicator_services
from indicators.models import Category, CategoryCombo, CategoryOption, DataElement
from monitoring import imports, services, spreadsheets, tables
from monitoring.models import Field, Form, Section, Submission
from tests.factories import make_organization
from tests.indicators.factories import make_element
from tests.monitoring.factories import make_campaign, make_submission

Kind = Field.Kind
DATA = Path(__file__).parent / "data"
GRID_EXPORT = DATA / "google_form_grid_export.csv"
WITH_DB = settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def english():
    """Messages are checked as their English msgids; the pages themselves speak Russian."""
    with translation.override("en"):
        yield


def make_category(municipality, code: str, name: str, options: list[tuple[str, str]]) -> Category:
    category = Category.objects.create(municipality=municipality, code=code, name=name)
    for order, (option_code, option_name) in enumerate(options):
        CategoryOption.objects.create(category=category, code=option_code, name=option_name, order=order)
    return category


def make_combo(municipality, code: str, first: Category, second: Category | None = None) -> CategoryCombo:
    combo = CategoryCombo.objects.create(
        municipality=municipality, code=code, name=code, first=first, second=second
    )
    indicator_services.category_combo_sync(combo)
    return combo


@pytest.fixture
def classes(world):
    return make_category(world.municipality, "klass", "Класс", [("5", "5"), ("6", "6"), ("7", "7")])


@pytest.fixture
def subjects(world):
    return make_category(
        world.municipality,
        "predmet",
        "Предмет",
        [("math", "Математика"), ("phys", "Физика"), ("inf", "Информатика")],
    )


@pytest.fixture
def form(world, classes, subjects):
    """A number, a table of its own labels (3 × 2), a table of one column and a table bound to an
    element split by class × subject."""
    element = make_element(
        world.municipality,
        "vpr_pupils",
        category_combo=make_combo(world.municipality, "ks", classes, subjects),
    )
    form = Form.objects.create(municipality=world.municipality, title="Результаты ВПР")
    section = Section.objects.create(form=form, title="ВПР", order=1)
    Field.objects.create(
        form=form, section=section, code="pupils", label="Обучающихся", kind=Kind.INTEGER, order=1
    )
    Field.objects.create(
        form=form,
        section=section,
        code="vpr",
        label="Средний балл ВПР",
        kind=Kind.TABLE,
        required=False,
        table={"rows": ["5 класс", "6 класс", "7 класс"], "columns": ["Математика", "Русский язык"]},
        order=2,
    )
    Field.objects.create(
        form=form,
        section=section,
        code="staff",
        label="Учителя по возрасту",
        kind=Kind.TABLE,
        required=False,
        table={"rows": ["До 30 лет", "30–50 лет", "Старше 50 лет"]},
        order=3,
    )
    Field.objects.create(
        form=form,
        section=section,
        code="writers",
        label="Писали ВПР",
        kind=Kind.TABLE,
        required=False,
        data_element=element,
        order=4,
    )
    return form


@pytest.fixture
def campaign(world, form):
    return make_campaign(world.municipality, form=form)


START = {
    "pupils": "412",
    "vpr": {"cells": {"r1|c1": "4.1", "r1|c2": "3,9", "r2|c1": "4"}, "na": ["row:r3"]},
    "staff": {"cells": {"r1|value": "7", "r2|value": "20"}, "na": []},
}


@pytest.fixture
def submission(world, campaign):
    return make_submission(campaign, world.school, START, by=world.respondent)


def fields_of(form) -> dict[str, Field]:
    return {item.code: item for item in form.fields.all()}


def sheet_rows(content: bytes) -> dict[str, tuple]:
    """Hidden code → the row's cells (values), as a person sees the sheet."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return {row[4]: row for row in sheet.iter_rows(min_row=12, values_only=True) if row[4]}


def edit(content: bytes, changes: dict[tuple[str, int], object]) -> bytes:
    """The workbook with cells changed: (hidden code, column number) → value."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    rows = {sheet.cell(row=number, column=5).value: number for number in range(12, sheet.max_row + 1)}
    for (code, column), value in changes.items():
        cell = sheet.cell(row=rows[code], column=column)
        cell.value = value  # cell(value=None) would leave the cell as it is
        if isinstance(value, str):
            cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def in_order(layout: tables.Layout, answer) -> dict:
    """An answer as the template reads one back: cells and marks in the table's order."""
    answer = tables.parse_answer(answer, layout)
    order = [tables.na_key(tables.ROW, key) for key in layout.row_keys] + [
        tables.na_key(tables.COLUMN, key) for key in layout.column_keys
    ]
    return {
        "cells": {key: answer["cells"][key] for key in layout.cell_keys if key in answer["cells"]},
        "na": [mark for mark in order if mark in answer["na"]],
    }


# The template -----------------------------------------------------------------------------------


def test_a_table_is_a_block_of_rows_with_its_answer_and_marks(submission):
    rows = sheet_rows(spreadsheets.template_bytes(submission))
    # The question's row, the columns' labels, a row per table row, the columns' marks.
    assert rows["vpr"][1] == "Средний балл ВПР"
    assert rows["vpr|#columns"][2] == "Not applicable"
    assert (rows["vpr|#columns"][3], rows["vpr|#columns"][5]) == ("Математика", "Русский язык")
    assert rows["vpr|row:r1"][1] == "5 класс"
    # A number is written as one when it reads back as the same text; «3,9» stays text.
    assert rows["vpr|row:r1"][3] == pytest.approx(4.1) and rows["vpr|row:r1"][5] == "3,9"
    assert rows["vpr|row:r2"][3] == 4 and rows["vpr|row:r2"][5] is None
    assert rows["vpr|row:r3"][2] == "n/a"  # the row marked «не применимо»
    assert rows["vpr|#na"][3] is None and rows["vpr|#na"][5] is None
    assert rows["staff|#columns"][3] == "Value"
    assert [rows[f"staff|row:r{n}"][3] for n in (1, 2, 3)] == [7, 20, None]
    # A bound table takes the element's options: classes down, subjects across.
    assert [rows[f"writers|row:{code}"][1] for code in ("5", "6", "7")] == ["5", "6", "7"]
    assert [rows["writers|#columns"][n] for n in (3, 5, 6)] == ["Математика", "Физика", "Информатика"]


def test_the_template_reads_a_table_back_as_it_was_stored(submission, form):
    answers, notes = spreadsheets.template_answers(spreadsheets.template_bytes(submission), submission)
    layout = tables.layout(fields_of(form)["vpr"])
    assert answers["vpr"] == in_order(layout, START["vpr"])
    assert answers["staff"] == START["staff"]
    assert answers["writers"] == {"cells": {}, "na": []}
    assert notes == []


cell_texts = st.one_of(
    st.none(),
    st.integers(min_value=-(10**16), max_value=10**16).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**6), max_value=10**6).map(
        str
    ),
    st.sampled_from(["3,9", "1.50", "007", "-0", "1e5", "=1+1", "н/п", "не применимо", "TRUE", " 5 "]),
    st.text(max_size=20).map(lambda text: "".join(char for char in text if char >= " " or char in "\n\t")),
)


@WITH_DB
@given(data=st.data())
def test_any_table_answer_round_trips_through_the_template(data, world, form, campaign):
    items = fields_of(form)
    answers = {}
    for code in ("vpr", "staff", "writers"):
        layout = tables.layout(items[code])
        cells = {key: data.draw(cell_texts, label=f"{code} {key}") for key in layout.cell_keys}
        marks = [tables.na_key(tables.ROW, key) for key in layout.row_keys] + [
            tables.na_key(tables.COLUMN, key) for key in layout.column_keys
        ]
        answers[code] = {
            "cells": {key: text for key, text in cells.items() if text is not None},
            "na": data.draw(st.lists(st.sampled_from(marks), unique=True), label=f"{code} marks"),
        }
    submission = services.submission_for(campaign=campaign, organization=world.school)
    Submission.objects.filter(pk=submission.pk).update(answers=answers)
    submission.refresh_from_db()
    read, _notes = spreadsheets.template_answers(spreadsheets.template_bytes(submission), submission)
    for code in ("vpr", "staff", "writers"):
        assert read[code] == in_order(tables.layout(items[code]), answers[code])


def test_the_upload_merges_a_table_cell_by_cell(world, submission, form):
    content = spreadsheets.template_bytes(submission)
    # Meanwhile a colleague changes two cells on the web form.
    current = Submission.objects.get(pk=submission.pk)
    colleague = {"cells": {**START["vpr"]["cells"], "r1|c1": "4.3", "r2|c2": "4.6"}, "na": ["row:r3"]}
    services.submission_save(
        submission=current, answers={"vpr": colleague}, base_revision=current.revision, by=world.head
    )
    # The file changes r1|c1 as well (a conflict), r1|c2 and r2|c1, and marks the column «Русский язык».
    changed = edit(
        content,
        {("vpr|row:r1", 4): 5, ("vpr|row:r1", 6): "4", ("vpr|row:r2", 4): None, ("vpr|#na", 6): "н/п"},
    )
    uploaded = spreadsheets.template_upload(submission=submission, content=changed, by=world.respondent)

    saved = Submission.objects.get(pk=submission.pk).answers["vpr"]
    assert saved["cells"] == {"r1|c1": "4.3", "r1|c2": "4", "r2|c2": "4.6"}
    assert set(saved["na"]) == {"row:r3", "col:c2"}
    [conflict] = uploaded.conflicts
    assert conflict.label == "Средний балл ВПР [5 класс, Математика]"
    assert (conflict.theirs, conflict.yours) == ("4.3", "5")
    # The other answers, untouched in the file, stay as they were.
    assert Submission.objects.get(pk=submission.pk).answers["staff"] == START["staff"]


small = st.sampled_from([None, "1", "2", "3"])
VPR_CELLS = [f"r{row}|c{column}" for row in (1, 2, 3) for column in (1, 2)]
VPR_MARKS = ["row:r1", "row:r2", "row:r3", "col:c1", "col:c2"]
# Where the template holds each cell and mark: (hidden code, column number).
VPR_PLACES = {
    f"r{row}|c{column}": (f"vpr|row:r{row}", 4 if column == 1 else 6)
    for row in (1, 2, 3)
    for column in (1, 2)
} | {
    "row:r1": ("vpr|row:r1", 3),
    "row:r2": ("vpr|row:r2", 3),
    "row:r3": ("vpr|row:r3", 3),
    "col:c1": ("vpr|#na", 4),
    "col:c2": ("vpr|#na", 6),
}


def drawn_table(data, label: str) -> dict:
    cells = {key: data.draw(small, label=f"{label} {key}") for key in VPR_CELLS}
    marks = [mark for mark in VPR_MARKS if data.draw(st.booleans(), label=f"{label} {mark}")]
    return {"cells": {key: text for key, text in cells.items() if text}, "na": marks}


@WITH_DB
@given(data=st.data())
def test_the_upload_merges_any_table_cell_by_cell(data, world, campaign):
    submission = services.submission_for(campaign=campaign, organization=world.school)
    base = drawn_table(data, "base")
    services.submission_save(
        submission=submission, answers={"vpr": base}, base_revision=None, by=world.respondent
    )
    submission.refresh_from_db()
    content = spreadsheets.template_bytes(submission)
    theirs = drawn_table(data, "colleague")
    services.submission_save(
        submission=submission, answers={"vpr": theirs}, base_revision=submission.revision, by=world.head
    )
    mine = drawn_table(data, "file")
    changes = {VPR_PLACES[key]: mine["cells"].get(key) for key in VPR_CELLS}
    changes |= {VPR_PLACES[mark]: "н/п" if mark in mine["na"] else None for mark in VPR_MARKS}
    uploaded = spreadsheets.template_upload(
        submission=submission, content=edit(content, changes), by=world.respondent
    )

    expected_cells, clashes = {}, 0
    for key in VPR_CELLS:
        was, now, yours = base["cells"].get(key), theirs["cells"].get(key), mine["cells"].get(key)
        if yours == was or now not in (was, yours):
            clashes += yours != was
            value = now
        else:
            value = yours
        if value is not None:
            expected_cells[key] = value
    expected_marks = {
        mark
        for mark in VPR_MARKS
        if (mark in mine["na"] if (mark in mine["na"]) != (mark in base["na"]) else mark in theirs["na"])
    }
    saved = tables.parse_answer(Submission.objects.get(pk=submission.pk).answers.get("vpr"))
    assert saved["cells"] == expected_cells
    assert set(saved["na"]) == expected_marks
    assert len(uploaded.conflicts) == clashes


def test_a_table_cleared_after_a_colleagues_save_is_no_conflict(world, submission):
    """Emptying a whole table from an older revision, while a colleague saved another answer, clears it."""
    started = submission.revision
    services.submission_save(
        submission=submission, answers={"pupils": "415"}, base_revision=started, by=world.head
    )
    services.submission_save(
        submission=submission,
        answers={"staff": {"cells": {}, "na": []}},
        base_revision=started,
        by=world.respondent,
    )
    answers = Submission.objects.get(pk=submission.pk).answers
    assert "staff" not in answers and answers["pupils"] == "415"


def test_an_untouched_table_is_no_change_of_the_upload(world, submission):
    content = spreadsheets.template_bytes(submission)
    current = Submission.objects.get(pk=submission.pk)
    theirs = {"cells": {"r1|value": "8"}, "na": ["row:r3"]}
    services.submission_save(
        submission=current, answers={"staff": theirs}, base_revision=current.revision, by=world.head
    )
    uploaded = spreadsheets.template_upload(submission=submission, content=content, by=world.respondent)
    assert uploaded.conflicts == []
    assert Submission.objects.get(pk=submission.pk).answers["staff"] == theirs


def test_a_deleted_row_of_a_table_keeps_its_cells(world, submission):
    workbook = load_workbook(io.BytesIO(spreadsheets.template_bytes(submission)))
    sheet = workbook.worksheets[0]
    number = next(
        n for n in range(12, sheet.max_row + 1) if sheet.cell(row=n, column=5).value == "vpr|row:r1"
    )
    sheet.delete_rows(number)
    buffer = io.BytesIO()
    workbook.save(buffer)
    uploaded = spreadsheets.template_upload(
        submission=submission, content=buffer.getvalue(), by=world.respondent
    )
    assert Submission.objects.get(pk=submission.pk).answers["vpr"]["cells"]["r1|c1"] == "4.1"
    assert any("«5 класс»" in note for note in uploaded.notes)


def test_a_cell_that_is_no_number_is_named_by_its_row_and_column(world, submission):
    changed = edit(
        spreadsheets.template_bytes(submission),
        {("vpr|row:r2", 6): "четыре", ("staff|row:r3", 4): "много", ("vpr|row:r1", 3): "да"},
    )
    uploaded = spreadsheets.template_upload(submission=submission, content=changed, by=world.respondent)
    # Kept as typed (a draft loses nothing), and named by its row and column.
    assert Submission.objects.get(pk=submission.pk).answers["vpr"]["cells"]["r2|c2"] == "четыре"
    problems = uploaded.problems()
    assert "Средний балл ВПР: 6 класс, Русский язык: Enter a number." in problems
    assert "Учителя по возрасту: Старше 50 лет: Enter a number." in problems
    assert any("«5 класс»: «да» is no «not applicable» mark" in note for note in uploaded.notes)


def test_a_foreign_template_with_tables_is_still_refused(world, campaign, submission):
    other = make_submission(campaign, world.other_school, by=world.other_respondent)
    with pytest.raises(ValidationError):
        spreadsheets.template_answers(spreadsheets.template_bytes(submission), other)


# Exports ----------------------------------------------------------------------------------------


def test_the_wide_export_has_a_column_per_cell(world, submission, campaign):
    headers, rows = spreadsheets.campaign_table(campaign, "wide")
    assert headers[3:10] == [
        "Обучающихся",
        "Средний балл ВПР [5 класс, Математика]",
        "Средний балл ВПР [5 класс, Русский язык]",
        "Средний балл ВПР [6 класс, Математика]",
        "Средний балл ВПР [6 класс, Русский язык]",
        "Средний балл ВПР [7 класс, Математика]",
        "Средний балл ВПР [7 класс, Русский язык]",
    ]
    assert headers[10:13] == [
        "Учителя по возрасту [До 30 лет]",
        "Учителя по возрасту [30–50 лет]",
        "Учителя по возрасту [Старше 50 лет]",
    ]
    assert headers[13] == "Писали ВПР [5, Математика]" and len(headers) == 13 + 9
    school = next(row for row in rows if row[0] == world.school.short_name)
    by_header = dict(zip(headers, school, strict=True))
    assert by_header["Средний балл ВПР [5 класс, Математика]"] == Decimal("4.1")
    assert by_header["Средний балл ВПР [6 класс, Математика]"] == 4
    assert by_header["Средний балл ВПР [6 класс, Русский язык]"] is None
    assert by_header["Средний балл ВПР [7 класс, Математика]"] == "not applicable"
    assert by_header["Средний балл ВПР [7 класс, Русский язык]"] == "not applicable"
    assert by_header["Учителя по возрасту [30–50 лет]"] == 20


def test_the_long_export_has_a_row_per_cell_given(world, submission, campaign):
    headers, rows = spreadsheets.campaign_table(campaign, "long")
    mine = [row[1:4] for row in rows if row[0] == world.school.short_name]
    assert ["vpr[r1|c2]", "Средний балл ВПР [5 класс, Русский язык]", 3.9] in [
        [code, question, float(value) if not isinstance(value, str) else value]
        for code, question, value in mine
    ]
    assert ["vpr[r3|c1]", "Средний балл ВПР [7 класс, Математика]", "not applicable"] in mine
    assert ["staff[r2|value]", "Учителя по возрасту [30–50 лет]", 20] in mine
    assert not any(code.startswith("writers") for code, _question, _value in mine)


def test_the_csv_export_names_the_cells_like_google_forms(submission, campaign):
    content = spreadsheets.campaign_export(campaign, layout="wide", fmt="csv").decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(content), delimiter=content[len("Organization")]))
    assert "Средний балл ВПР [5 класс, Математика]" in header
    assert "Учителя по возрасту [До 30 лет]" in header


def test_the_xlsx_export_keeps_the_cells_numbers(world, submission, campaign):
    content = spreadsheets.campaign_export(campaign, layout="wide", fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    school = next(row for row in rows if row[0] == world.school.short_name)
    assert school[header.index("Учителя по возрасту [До 30 лет]")] == 7
    assert school[header.index("Средний балл ВПР [7 класс, Русский язык]")] == "not applicable"


def test_the_export_of_tables_reads_as_many_queries_whatever_the_answers(world, campaign, count_queries):
    def queries() -> int:
        return count_queries(lambda: spreadsheets.campaign_export(campaign, layout="wide", fmt="xlsx"))

    make_submission(campaign, world.school, START, by=world.respondent)
    one = queries()
    for number in range(3):
        school = make_organization(world.municipality, short_name=f"Школа {number}")
        campaign.organizations.add(school)
        make_submission(campaign, school, START)
    assert queries() == one


# The Google Forms grid import -------------------------------------------------------------------

VPR = "Результаты ВПР"
DEEP = "Предметы с углублённым изучением"
MODE = "Форма проведения ВПР"


@pytest.fixture
def schools(world):
    world.school.short_name = "СОШ № 1"
    world.school.save()
    world.other_school.short_name = "СОШ № 2"
    world.other_school.save()
    gymnasium = make_organization(
        world.municipality, short_name="Гимназия № 2", full_name="МБОУ «Гимназия № 2»"
    )
    return SimpleNamespace(world=world, sosh1=world.school, sosh2=world.other_school, gymnasium=gymnasium)


def grid_sheet() -> imports.Sheet:
    return imports.read_responses(GRID_EXPORT.read_bytes(), "vpr.csv")


def by_title(proposal: imports.Proposal) -> dict[str, imports.Column]:
    return {column.title: column for column in proposal.columns}


def run(schools, proposal, sheet=None, *, dry_run=False):
    return imports.import_responses(
        sheet or grid_sheet(),
        proposal,
        municipality=schools.world.municipality,
        period_code="2025/26",
        title="Результаты ВПР",
        by=schools.world.coordinator,
        dry_run=dry_run,
    )


def test_a_grid_is_proposed_as_one_table_question(schools):
    proposal = imports.propose(grid_sheet(), schools.world.municipality)
    columns = by_title(proposal)
    assert list(columns) == [
        "Наименование образовательной организации",
        "Количество обучающихся",
        VPR,
        DEEP,
        MODE,
    ]
    assert columns["Количество обучающихся"].kind == Kind.INTEGER
    vpr, deep, mode = columns[VPR], columns[DEEP], columns[MODE]
    assert (vpr.kind, vpr.grid_kind, vpr.rows, vpr.table_columns) == (
        Kind.TABLE,
        imports.Grid.NUMBERS,
        ["5 класс", "6 класс", "7 класс"],
        [],
    )
    assert (deep.grid_kind, deep.table_columns) == (
        imports.Grid.CHECKBOX,
        ["Математика", "Физика", "Информатика"],
    )
    assert (mode.grid_kind, mode.rows, mode.table_columns) == (
        imports.Grid.CHOICE,
        ["Математика", "Русский язык"],
        ["Компьютерная", "Бумажная"],
    )
    assert mode.required and not vpr.required
    assert proposal.organization_column == 1 and proposal.notes == []


def test_the_grids_are_imported_as_tables_of_their_own_labels(schools):
    proposal = imports.propose(grid_sheet(), schools.world.municipality)
    outcome = run(schools, proposal)
    assert outcome.ok, outcome.errors
    assert outcome.submissions == 3
    fields = fields_of(outcome.form)
    vpr = fields[by_title(proposal)[VPR].code]
    assert vpr.kind == Kind.TABLE and vpr.table == {"rows": ["5 класс", "6 класс", "7 класс"], "columns": []}
    deep = fields[by_title(proposal)[DEEP].code]
    assert deep.table["columns"] == ["Математика", "Физика", "Информатика"]
    answers = Submission.objects.get(campaign=outcome.campaign, organization=schools.sosh1).answers
    assert answers[vpr.code] == {"cells": {"r1|value": "4,1", "r2|value": "3,9"}, "na": ["row:r3"]}
    assert answers[deep.code]["cells"] == {
        "r1|c1": "1",
        "r1|c2": "1",
        "r1|c3": "0",
        "r2|c1": "1",
        "r2|c2": "0",
        "r2|c3": "0",
    }
    mode = fields[by_title(proposal)[MODE].code]
    assert answers[mode.code]["cells"] == {"r1|c1": "1", "r1|c2": "0", "r2|c1": "0", "r2|c2": "1"}
    blank = Submission.objects.get(campaign=outcome.campaign, organization=schools.sosh2).answers
    assert deep.code not in blank
    assert blank[vpr.code] == {"cells": {"r1|value": "3,7", "r3|value": "3,5"}, "na": []}
    # Read back through the exports, the grid's columns come out as Google Forms wrote them.
    headers, _rows = spreadsheets.campaign_table(outcome.campaign, "wide")
    assert f"{VPR} [5 класс]" in headers and f"{DEEP} [6 класс, Физика]" in headers


def test_a_grid_bound_to_a_disaggregated_element_takes_its_options(schools, classes, subjects):
    municipality = schools.world.municipality
    make_element(
        municipality,
        "vpr_score",
        category_combo=make_combo(municipality, "k", classes),
        value_type=DataElement.ValueType.DECIMAL,
    )
    make_element(municipality, "deep", category_combo=make_combo(municipality, "kp", classes, subjects))
    sheet = grid_sheet()
    proposal = imports.propose(sheet, municipality)
    columns = by_title(proposal)
    edits = {columns[VPR].index: {"data_element": "vpr_score"}, columns[DEEP].index: {"data_element": "deep"}}
    proposal, problems = imports.proposal_edit(sheet, proposal, edits, 1, municipality=municipality)
    assert problems == []
    outcome = run(schools, proposal, sheet)
    assert outcome.ok, outcome.errors
    fields = fields_of(outcome.form)
    vpr, deep = fields[columns[VPR].code], fields[columns[DEEP].code]
    assert vpr.data_element.code == "vpr_score" and vpr.table == {}
    assert deep.data_element.code == "deep"
    answers = Submission.objects.get(campaign=outcome.campaign, organization=schools.gymnasium).answers
    assert answers[vpr.code] == {"cells": {"5|value": "4,4", "6|value": "4,2", "7|value": "4"}, "na": []}
    assert answers[deep.code]["cells"] == {
        "5|math": "1",
        "5|phys": "0",
        "5|inf": "1",
        "6|math": "1",
        "6|phys": "1",
        "6|inf": "0",
        "7|math": "0",
        "7|phys": "0",
        "7|inf": "1",
    }


def test_a_grid_that_does_not_fit_the_element_is_refused_in_russian(schools, classes, subjects):
    municipality = schools.world.municipality
    make_element(municipality, "deep", category_combo=make_combo(municipality, "kp", classes, subjects))
    junior = make_category(municipality, "junior", "Класс начальной школы", [("1", "1"), ("2", "2")])
    make_element(municipality, "junior", category_combo=make_combo(municipality, "j", junior))
    sheet = grid_sheet()
    proposal = imports.propose(sheet, municipality)
    columns = by_title(proposal)
    edits = {
        columns[VPR].index: {"data_element": "deep"},  # numbers, but split by two categories
        columns[DEEP].index: {"data_element": "junior"},  # choices, but split by one
        columns[MODE].index: {"data_element": "nothing"},
    }
    _proposal, problems = imports.proposal_edit(sheet, proposal, edits, 1, municipality=municipality)
    assert len(problems) == 3
    assert problems[0].startswith(f"«{VPR}»: the grid has one number a row, but «deep» is split by two")
    assert problems[1].startswith(f"«{DEEP}»: a row of the grid chooses among columns")
    assert "no data element «nothing»" in problems[2]

    edits = {columns[VPR].index: {"data_element": "junior"}}
    proposal, problems = imports.proposal_edit(sheet, proposal, edits, 1, municipality=municipality)
    assert problems == [
        f"«{VPR}»: the rows «5 класс», «6 класс», «7 класс» are no options of «Класс начальной школы» (1; 2)."
    ]
    # The import itself refuses it too, writing nothing.
    outcome = run(schools, proposal, sheet)
    assert not outcome.ok and outcome.form is None and not Form.objects.exists()
    assert outcome.errors[0]["message"] == problems[0]


def test_a_grid_stays_a_table_and_no_other_column_becomes_one(schools):
    sheet = grid_sheet()
    proposal = imports.propose(sheet, schools.world.municipality)
    columns = by_title(proposal)
    edits = {
        columns[VPR].index: {"kind": Kind.INTEGER},
        columns["Количество обучающихся"].index: {"kind": Kind.TABLE},
    }
    edited, problems = imports.proposal_edit(sheet, proposal, edits, 1)
    assert len(problems) == 2
    assert by_title(edited)[VPR].kind == Kind.TABLE
    assert by_title(edited)["Количество обучающихся"].kind == Kind.INTEGER
    # Unticked, a grid is left out altogether.
    edited, problems = imports.proposal_edit(sheet, proposal, {columns[VPR].index: {"include": False}}, 1)
    assert problems == [] and VPR not in {column.title for column in edited.questions()}


def test_free_text_under_brackets_stays_separate_questions(schools):
    rows = [f'"0{day}.10.2025 10:00:00","СОШ № 1","ответ номер {day}","иное {day}"' for day in range(1, 8)]
    many = [
        f'"0{day}.10.2025 10:00:00","СОШ № 1","{"слово " * 30}{day}","{"и " * 60}{day}"'
        for day in range(1, 3)
    ]
    content = "\n".join(['"Отметка времени","Школа","Отзыв [Родители]","Отзыв [Ученики]"', *rows]).encode()
    assert by_title(imports.propose(imports.read_responses(content, "a.csv"), schools.world.municipality))[
        "Отзыв"
    ].table_columns == [f"ответ номер {day}" for day in range(1, 8)] + [f"иное {day}" for day in range(1, 8)]
    content = "\n".join(['"Отметка времени","Школа","Отзыв [Родители]","Отзыв [Ученики]"', *many]).encode()
    proposal = imports.propose(imports.read_responses(content, "b.csv"), schools.world.municipality)
    assert [column.title for column in proposal.columns] == ["Школа", "Отзыв [Родители]", "Отзыв [Ученики]"]
    assert "look like a grid" in proposal.notes[0]


def test_the_import_page_binds_a_grid_to_an_element(client, schools, classes, settings):
    from django.urls import reverse

    from tests.monitoring.test_imports import IMPORT_PERIOD, ensure_recent_periods, proposal_post

    municipality = schools.world.municipality
    make_element(
        municipality,
        "vpr_score",
        category_combo=make_combo(municipality, "k", classes),
        value_type=DataElement.ValueType.DECIMAL,
    )
    client.force_login(schools.world.coordinator)
    ensure_recent_periods()
    url = reverse("monitoring:google_import")
    with GRID_EXPORT.open("rb") as file:
        data = {"municipality": municipality.slug, "period": IMPORT_PERIOD, "title": "ВПР", "file": file}
        assert client.post(url, data).status_code == 302
    with translation.override("ru"):
        response = client.get(url)
    page = response.content.decode()
    vpr = next(item["column"] for item in response.context["columns"] if item["column"].title == VPR)
    assert f'name="c{vpr.index}-data_element"' in page and 'value="vpr_score"' in page
    assert "Строки: 5 класс; 6 класс; 7 класс" in page

    data = proposal_post(response, action="import") | {f"c{vpr.index}-data_element": "vpr_score"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    field = Field.objects.get(code=vpr.code)
    assert field.kind == Kind.TABLE and field.data_element.code == "vpr_score"


def test_the_command_binds_a_grid_to_an_element(schools, classes):
    from django.core.management import call_command

    municipality = schools.world.municipality
    make_element(
        municipality,
        "vpr_score",
        category_combo=make_combo(municipality, "k", classes),
        value_type=DataElement.ValueType.DECIMAL,
    )
    code = by_title(imports.propose(grid_sheet(), municipality))[VPR].code
    call_command(
        "import_google_form",
        str(GRID_EXPORT),
        municipality=municipality.slug,
        period="2025/26",
        title="ВПР",
        element=[f"{code}=vpr_score"],
        stdout=io.StringIO(),
    )
    field = Field.objects.get(code=code)
    assert field.data_element.code == "vpr_score"
    answers = Submission.objects.get(organization=schools.sosh1).answers[code]
    assert answers == {"cells": {"5|value": "4,1", "6|value": "3,9"}, "na": ["row:7"]}


OPTIONS = ["Компьютерная", "Бумажная", "Устная", "Смешанная"]


@WITH_DB
@given(
    rows=st.integers(min_value=2, max_value=4),
    answers=st.lists(
        st.lists(st.lists(st.sampled_from(OPTIONS), unique=True, max_size=3), min_size=4, max_size=4),
        min_size=1,
        max_size=3,
    ),
)
def test_any_grid_of_choices_comes_through_as_its_table(schools, rows, answers):
    """Every response's choices of a checkbox grid come out as the 1s of its table, none lost."""
    names = ["СОШ № 1", "СОШ № 2", "Гимназия № 2"]
    header = ["Отметка времени", "Школа"] + [f"Форма [Предмет {row}]" for row in range(1, rows + 1)]
    lines = [",".join(f'"{title}"' for title in header)]
    for number, response in enumerate(answers):
        cells = ["06.10.2025 10:00:0" + str(number), names[number]] + [
            ";".join(chosen) for chosen in response[:rows]
        ]
        lines.append(",".join(f'"{cell}"' for cell in cells))
    sheet = imports.read_responses("\n".join(lines).encode(), "grid.csv")
    proposal = imports.propose(sheet, schools.world.municipality)
    [grid] = [column for column in proposal.columns if column.grid]
    outcome = imports.check_responses(sheet, proposal, schools.world.municipality)
    assert outcome.ok or not any(any(chosen) for response in answers for chosen in response[:rows]), (
        outcome.errors
    )
    for result, response in zip(outcome.rows, answers, strict=True):
        table = result.answers.get(grid.code, {"cells": {}, "na": []})
        for row in range(1, rows + 1):
            chosen = {
                grid.table_columns[int(key.split("|c")[1]) - 1]
                for key, text in table["cells"].items()
                if key.startswith(f"r{row}|") and text == "1"
            }
            assert chosen == set(response[row - 1])
