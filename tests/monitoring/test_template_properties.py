"""The offline template of a submission under generated uploads: the real template with anything
typed into its answer cells (text, numbers, dates, formulas, nothing), its rows shuffled or
deleted, its hidden sheet damaged; and random bytes. An upload is either saved as the draft or
refused with a ValidationError; no exception escapes, and a refused upload changes nothing."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from monitoring import spreadsheets
from monitoring.models import Field, Submission
from tests.monitoring.factories import make_campaign, make_form, make_submission

Kind = Field.Kind
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WITH_DB = settings(
    max_examples=30,
    deadline=None,
    # Each example writes a workbook and saves a draft: shrinking a failure would take minutes, and
    # the drawn workbook is reported as it is.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
FIRST_QUESTION_ROW = 12

values = st.one_of(
    st.none(),
    st.text(max_size=30).map(lambda text: "".join(char for char in text if char >= " " or char in "\n\t")),
    st.sampled_from(
        [
            "=1+1",
            "=A1",
            "=SUM(",
            "Да",
            "нет",
            "Очная",
            "Очная; Дистанционная",
            "-0",
            "1e400",
            "NaN",
            "31.02.2025",
        ]
    ),
    st.just("я" * 4000),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 31)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(9999, 1, 1)),  # noqa: DTZ001 - cells have no zone
    st.times(),
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def template(world):
    """A submission of a form with a question of every kind, and its template as downloaded."""
    form = make_form(world.municipality)
    section = form.sections.get()
    extra = [
        ("share", Kind.DECIMAL, []),
        ("held_on", Kind.DATE, []),
        ("online", Kind.BOOLEAN, []),
        ("subjects", Kind.MULTIPLE_CHOICE, ["Математика", "Физика"]),
        ("note", Kind.TEXT, []),
        ("scan", Kind.FILE, []),
    ]
    for order, (code, kind, choices) in enumerate(extra, start=10):
        Field.objects.create(
            form=form,
            section=section,
            code=code,
            label=code,
            kind=kind,
            choices=choices,
            required=False,
            order=order,
        )
    campaign = make_campaign(world.municipality, form=form)
    submission = make_submission(campaign, world.school, {"teachers": "40"}, by=world.respondent)
    return submission, spreadsheets.template_bytes(submission)


def changed(content: bytes, data) -> tuple[bytes, str]:
    """The template with drawn answers in its answer cells, its question rows shuffled or cut, and
    perhaps its hidden sheet damaged."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=FIRST_QUESTION_ROW)]
    for row in rows:
        if len(row) > 3:
            row[3] = data.draw(values)
    rows = data.draw(st.permutations(rows))
    rows = rows[: data.draw(st.integers(min_value=0, max_value=len(rows)))]
    sheet.delete_rows(FIRST_QUESTION_ROW, sheet.max_row)
    for number, row in enumerate(rows, start=FIRST_QUESTION_ROW):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(number, column, value)
            if isinstance(value, str) and not value.startswith("="):
                cell.data_type = "s"
    meta = workbook[spreadsheets.META_SHEET]
    damage = data.draw(st.sampled_from(["none", "remove", "clear", "forge", "rename", "junk"]))
    if damage == "remove":
        workbook.remove(meta)
    elif damage == "clear":
        meta.delete_rows(1, meta.max_row)
    elif damage == "forge":
        for key, value in meta.iter_rows(max_col=2):
            if key.value == "check":
                value.value = f"{value.value}x"
    elif damage == "rename":
        meta.title = "other"
    elif damage == "junk":
        for row in range(1, 12):
            meta.cell(row, 1, data.draw(values))
            meta.cell(row, 2, data.draw(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), damage


def upload(world, submission, content: bytes) -> bool:
    """Whether the upload was saved; a refusal must carry a message and change nothing."""
    before = Submission.objects.values_list("revision", "answers").get(pk=submission.pk)
    try:
        spreadsheets.template_upload(submission=submission, content=content, by=world.respondent)
    except ValidationError as error:
        assert error.messages and all(message.strip() for message in error.messages)
        assert Submission.objects.values_list("revision", "answers").get(pk=submission.pk) == before
        return False
    return True


@FAST
@given(content=st.binary(max_size=2000))
@example(content=b"PK\x03\x04")
def test_random_bytes_are_refused(world, template, content):
    submission, _content = template
    assert not upload(world, submission, content)


@WITH_DB
@given(data=st.data())
def test_anything_typed_into_the_template_is_saved_or_refused(world, template, data):
    submission, content = template
    content, damage = changed(content, data)
    saved = upload(world, submission, content)
    event("saved" if saved else "refused")
    if damage in ("remove", "clear", "forge", "rename"):
        assert not saved  # a workbook without this submission's signed check is no template of it


def test_a_formula_in_an_answer_cell_is_stored_as_text_not_run(world, template):
    submission, content = template
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    row = next(row for row in sheet.iter_rows(min_row=FIRST_QUESTION_ROW) if row[4].value == "note")
    row[3].value = "=1+1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert upload(world, submission, buffer.getvalue())
    submission.refresh_from_db()
    assert submission.answers.get("note") in ("", None)  # a formula without a cached value is empty
