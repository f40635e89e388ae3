"""Table questions: the layout and the answer's shape (monitoring.tables), the checks with a table's
total in a rule, the cell-by-cell merge of two people's saves, acceptance as the element's cells, the
builder, the entry page and the review page."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.models import DataValue, DataValueCell
from monitoring import builder, services, tables, validation
from monitoring.models import Field, Form, Rule, Section
from tests.indicators.factories import make_element
from tests.indicators.test_categories import cell, make_category, make_combo
from tests.monitoring.factories import make_campaign, make_submission

JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
FIXED = tables.fixed_layout({"rows": ["Мальчики", "Девочки"], "columns": ["5 класс", "6 класс"]})


def answer(cells: dict, na=()) -> dict:
    return {"cells": cells, "na": list(na)}


# The layout and the answer ------------------------------------------------------------------------------


def test_typed_labels_make_rows_and_columns_with_keys_of_their_own():
    assert FIXED.rows == (("r1", "Мальчики"), ("r2", "Девочки"))
    assert FIXED.columns == (("c1", "5 класс"), ("c2", "6 класс"))
    assert tables.cell_key("r1", "c2") == "r1|c2"
    single = tables.fixed_layout({"rows": ["Всего"]})
    assert single.column_keys == ["value"] and single.single_column
    assert not tables.fixed_layout({})  # no rows: no table


def test_a_table_has_a_total_only_when_every_cell_is_filled_or_not_applicable():
    with translation.override("ru"):
        total, reason = tables.table_total(FIXED, answer({"r1|c1": "10", "r1|c2": "12", "r2|c1": "9"}))
        assert total is None and reason == "нет данных: заполнено 3 из 4 ячеек"
    full = answer({"r1|c1": "10", "r1|c2": "12", "r2|c1": "9", "r2|c2": "1 000,5"})
    assert tables.table_total(FIXED, full) == (Decimal("1031.5"), "")
    assert tables.row_totals(FIXED, full) == {"r1": Decimal(22), "r2": Decimal("1009.5")}
    assert tables.column_totals(FIXED, full) == {"c1": Decimal(19), "c2": Decimal("1012.5")}
    # A «не применимо» column counts as filled and adds nothing, whatever its cells hold.
    no_sixth = answer({"r1|c1": "10", "r2|c1": "9", "r2|c2": "77"}, ["col:c2"])
    assert tables.table_total(FIXED, no_sixth) == (Decimal(19), "")
    assert tables.row_totals(FIXED, no_sixth) == {"r1": Decimal(10), "r2": Decimal(9)}
    assert tables.column_totals(FIXED, no_sixth)["c2"] is None
    assert tables.table_total(FIXED, answer({}, ["row:r1", "row:r2"]))[0] is None


answers_strategy = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["cells", "na", "r1|c1", "x"]) | st.text(max_size=8), children, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(raw=answers_strategy)
def test_parse_answer_takes_anything_and_gives_the_shape(raw):
    parsed = tables.parse_answer(raw)
    assert set(parsed) == {"cells", "na"}
    assert all(
        isinstance(k, str) and "|" in k and isinstance(v, str) and v for k, v in parsed["cells"].items()
    )
    assert all(isinstance(m, str) and m.split(":", 1)[0] in ("row", "col") for m in parsed["na"])
    assert tables.parse_answer(parsed) == parsed
    assert tables.parse_answer(json.dumps(parsed)) == parsed
    within = tables.parse_answer(raw, FIXED)
    assert set(within["cells"]) <= set(FIXED.cell_keys)
    tables.table_total(FIXED, raw)  # never raises either
    tables.as_text(FIXED, raw)


@settings(max_examples=200, deadline=None)
@given(
    base=st.dictionaries(st.sampled_from(FIXED.cell_keys), st.sampled_from(["1", "2", "3"])),
    mine=st.dictionaries(st.sampled_from(FIXED.cell_keys), st.sampled_from(["1", "4"])),
    theirs=st.dictionaries(st.sampled_from(FIXED.cell_keys), st.sampled_from(["1", "5"])),
)
def test_a_merge_keeps_each_sides_changes_where_the_other_did_not_change(base, mine, theirs):
    merged = tables.merge(answer(base), answer(mine), answer(theirs))["cells"]
    for key in FIXED.cell_keys:
        if mine.get(key) != base.get(key):
            assert merged.get(key) == mine.get(key)
        elif theirs.get(key) != base.get(key):
            assert merged.get(key) == theirs.get(key)
        else:
            assert merged.get(key) == base.get(key)


def test_the_post_names_come_back_as_the_answer():
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update({"answer-t__r1|c1": " 5 ", "answer-t__r2|c2": "", "answer-t__zz|c1": "9"})
    data.setlist("answer-t__na", ["col:c2", "row:nope"])
    assert tables.answer_from_post("answer-t", FIXED, data) == answer({"r1|c1": "5"}, ["col:c2"])
    assert tables.answer_from_post("answer-other", FIXED, data) is None


# A form with a table ---------------------------------------------------------------------------------


@pytest.fixture
def vpr(world):
    """Pupils who wrote the ВПР by subject (rows: math, rus) × class (columns: 5, 6, 7)."""
    municipality = world.municipality
    klass = make_category(
        municipality, "klass", "Класс", [("5", "5 класс"), ("6", "6 класс"), ("7", "7 класс")]
    )
    subject = make_category(
        municipality, "predmet", "Предмет", [("math", "Математика"), ("rus", "Русский язык")]
    )
    return make_element(
        municipality, "vpr_wrote", category_combo=make_combo(municipality, "sk", subject, klass)
    )


@pytest.fixture
def form(world, vpr) -> Form:
    form = Form.objects.create(
        municipality=world.municipality, title="Результаты ВПР", direction=world.direction
    )
    section = Section.objects.create(form=form, title="ВПР", order=1)
    Field.objects.create(
        form=form,
        section=section,
        code="pupils_total",
        label="Писали всего",
        kind=Field.Kind.INTEGER,
        order=1,
    )
    Field.objects.create(
        form=form,
        section=section,
        code="pupils_by_class",
        label="Писали по предметам и классам",
        kind=Field.Kind.TABLE,
        min_value=0,
        max_value=200,
        data_element=vpr,
        order=2,
    )
    Rule.objects.create(
        form=form,
        kind=Rule.Kind.EQUAL,
        fields=["pupils_total", "pupils_by_class"],
        message="итого должно совпасть с общим количеством обучающихся",
    )
    return form


@pytest.fixture
def campaign(world, form):
    return make_campaign(world.municipality, form=form, by=world.coordinator, period="2025")


def full_table(value=10, **overrides) -> dict:
    cells = {f"{s}|{k}": str(value) for s in ("math", "rus") for k in ("5", "6", "7")}
    cells.update(overrides)
    return answer(cells)


def test_a_bound_table_takes_its_rows_and_columns_from_the_categories(form, vpr):
    item = form.fields.get(code="pupils_by_class")
    layout = tables.layout(item)
    assert layout.rows == (("math", "Математика"), ("rus", "Русский язык"))
    assert layout.column_keys == ["5", "6", "7"]
    assert tables.option_combo_for(item, "rus", "6") == cell(vpr, "rus", "6").pk
    assert len(tables.option_combos(item)) == 6


def test_the_rule_compares_the_tables_total_and_says_no_data_while_a_cell_is_empty(form):
    fields, rules = list(form.fields.all()), list(form.rules.all())
    with translation.override("ru"):
        partial = validation.check(
            fields,
            rules,
            {"pupils_total": "60", "pupils_by_class": full_table(**{"rus|7": ""})},
            complete=False,
        )
        assert partial.form_errors == [
            "У таблицы «Писали по предметам и классам» ещё нет итога (нет данных: заполнено 5 из 6 ячеек): "
            "проверку выполнить нельзя."
        ]
        assert not partial.errors  # a draft may have empty cells
        refused = validation.check(
            fields,
            rules,
            {"pupils_total": "60", "pupils_by_class": full_table(**{"rus|7": ""})},
            complete=True,
        )
        assert "заполнено 5 из 6" in refused.errors["pupils_by_class"][0]
        mismatch = validation.check(
            fields, rules, {"pupils_total": "61", "pupils_by_class": full_table()}, complete=True
        )
        assert mismatch.form_errors == ["итого должно совпасть с общим количеством обучающихся"]
        match = validation.check(
            fields, rules, {"pupils_total": "60", "pupils_by_class": full_table()}, complete=True
        )
        assert match.ok and match.values["pupils_by_class"].total == Decimal(60)
        # A «не применимо» row counts as filled: the 7th class of Russian is not there, and not asked.
        no_rus = answer({f"math|{k}": "10" for k in ("5", "6", "7")}, ["row:rus"])
        assert validation.check(
            fields, rules, {"pupils_total": "30", "pupils_by_class": no_rus}, complete=True
        ).ok
        out_of_range = validation.check(
            fields,
            rules,
            {"pupils_by_class": full_table(**{"math|5": "900", "rus|6": "пять"})},
            complete=False,
        )
        assert out_of_range.errors["pupils_by_class"] == [
            "Математика, 5 класс: Значение должно быть не больше 200.",
            "Русский язык, 6 класс: Введите число.",
        ]


def test_two_people_editing_different_cells_of_one_table_both_keep_their_cells(world, campaign):
    submission = make_submission(
        campaign, world.school, {"pupils_by_class": full_table(**{"rus|7": ""})}, by=world.respondent
    )
    base = submission.revision
    mine = services.submission_save(
        submission=submission,
        answers={"pupils_by_class": full_table(**{"math|5": "11", "rus|7": ""})},
        base_revision=base,
        by=world.respondent,
    )
    theirs = services.submission_save(
        submission=submission,
        answers={"pupils_by_class": full_table(**{"rus|7": "17"})},
        base_revision=base,
        by=world.head,
    )
    assert mine.submission.revision < theirs.submission.revision
    stored = theirs.submission.answers["pupils_by_class"]["cells"]
    assert stored["math|5"] == "11" and stored["rus|7"] == "17"
    assert theirs.merged == ["pupils_by_class"]  # the page takes the merged table
    # One cell changed differently by both: a conflict, nothing written.
    base = theirs.submission.revision
    services.submission_save(
        submission=submission,
        answers={"pupils_by_class": full_table(**{"math|5": "12", "rus|7": "17"})},
        base_revision=base,
        by=world.head,
    )
    with pytest.raises(services.EditConflict) as conflict:
        services.submission_save(
            submission=submission,
            answers={"pupils_by_class": full_table(**{"math|5": "13", "rus|7": "17"})},
            base_revision=base,
            by=world.respondent,
        )
    assert conflict.value.fields == ["pupils_by_class"]


def test_acceptance_writes_the_cells_and_the_total_and_an_emptied_cell_as_none(world, campaign, vpr):
    submission = make_submission(
        campaign,
        world.school,
        {
            "pupils_total": "40",
            "pupils_by_class": answer({**full_table()["cells"], "math|7": "0"}, ["col:7"]),
        },
        by=world.respondent,
        submit=True,
    )
    services.submission_accept(submission=submission, by=world.coordinator)
    cells = {
        (c.option_combo_id): (c.value, c.not_applicable)
        for c in DataValueCell.objects.filter(data_element=vpr, organization=world.school)
    }
    assert cells[cell(vpr, "math", "5").pk] == (Decimal(10), False)
    assert cells[cell(vpr, "rus", "7").pk] == (None, True)
    total = DataValue.objects.get(data_element=vpr, organization=world.school, period=campaign.period)
    assert total.value == Decimal(40) and total.source == "submission"

    # Another school's draft written twice: the emptied cell goes, and so does the total.
    other = make_submission(campaign, world.other_school, {"pupils_by_class": full_table(7)})
    services.data_values_from(submission=other, by=None)
    assert DataValue.objects.get(data_element=vpr, organization=world.other_school).value == Decimal(42)
    saved = services.submission_save(
        submission=other,
        answers={"pupils_by_class": full_table(7, **{"rus|6": ""})},
        base_revision=None,
        by=None,
    )
    services.data_values_from(submission=saved.submission, by=None)
    emptied = DataValueCell.objects.filter(
        data_element=vpr, organization=world.other_school, option_combo=cell(vpr, "rus", "6")
    )
    assert not emptied.exclude(value=None).exists()
    assert not DataValue.objects.filter(data_element=vpr, organization=world.other_school).exists()


# Pages ---------------------------------------------------------------------------------------------------


def test_the_entry_page_shows_the_grid_and_its_post_is_the_tables_answer(client, world, campaign, vpr):
    submission = make_submission(campaign, world.school, by=world.respondent)
    client.force_login(world.respondent)
    page = client.get(reverse("monitoring:submission", args=[submission.pk])).content.decode()
    assert 'name="answer-pupils_by_class__math|5"' in page
    assert page.count('name="answer-pupils_by_class__na"') == 5  # two rows and three columns
    assert "monitoring/table.js" in page and "<script>" not in page
    response = client.post(
        reverse("monitoring:submission_save", args=[submission.pk]),
        {
            "answer-pupils_by_class__math|5": "12",
            "answer-pupils_by_class__rus|6": "3",
            "answer-pupils_by_class__na": ["col:7"],
            "present": ["pupils_by_class"],
            "base_revision": submission.revision,
        },
        **JSON,
    )
    assert response.status_code == 200, response.content
    submission.refresh_from_db()
    assert submission.answers["pupils_by_class"] == answer({"math|5": "12", "rus|6": "3"}, ["col:7"])
    with translation.override("ru"):
        page = client.get(reverse("monitoring:submission", args=[submission.pk])).content.decode()
    assert 'value="12"' in page and "нет данных: заполнено 4 из 6 ячеек" in page


def test_the_review_page_and_the_history_show_a_table_not_a_dict(client, world, campaign):
    submission = make_submission(
        campaign,
        world.school,
        {"pupils_total": "60", "pupils_by_class": full_table()},
        by=world.respondent,
        submit=True,
    )
    client.force_login(world.coordinator)
    with translation.override("ru"):
        page = client.get(reverse("monitoring:review", args=[submission.pk])).content.decode()
    assert 'class="answer-table"' in page and "Русский язык" in page and "7 класс" in page
    assert "{&#x27;cells" not in page and "{'cells" not in page
    assert "Итого: 60" in page


def test_the_builder_adds_a_table_with_typed_rows_or_bound_to_a_split_element(client, world, vpr):
    form = Form.objects.create(municipality=world.municipality, title="Контингент", direction=world.direction)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("monitoring:field_new", args=[form.pk]),
        {
            "label": "Обучающиеся по полу",
            "kind": "table",
            "code": "by_sex",
            "required": "on",
            "table_rows": "Мальчики\nДевочки\n",
            "table_columns": "",
            "min_value": "0",
            "binding": "none",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = form.fields.get(code="by_sex")
    assert item.kind == "table" and item.table == {"rows": ["Мальчики", "Девочки"]} and item.min_value == 0
    bound = builder.field_add(form=form, label="ВПР", kind="table", by=world.coordinator, data_element=vpr)
    assert bound.table == {} and tables.layout(bound).column_keys == ["5", "6", "7"]
    plain = make_element(world.municipality, "pupils")
    with pytest.raises(ValidationError) as refused:
        builder.field_add(
            form=form, label="Без разбивки", kind="table", by=world.coordinator, data_element=plain
        )
    assert refused.value.error_dict["data_element"][0].code == "element_not_split"
    with pytest.raises(ValidationError) as refused:
        builder.field_add(form=form, label="Число", kind="integer", by=world.coordinator, data_element=vpr)
    assert refused.value.error_dict["data_element"][0].code == "element_split"
    with pytest.raises(ValidationError) as refused:
        builder.field_add(form=form, label="Пустая", kind="table", by=world.coordinator)
    assert refused.value.error_dict["table_rows"][0].code == "table_no_rows"
    # A check may name a table: it stands for its total.
    builder.field_add(form=form, label="Всего", kind="integer", code="total", by=world.coordinator)
    builder.rule_add(form=form, kind=Rule.Kind.EQUAL, codes=["total", "by_sex"], by=world.coordinator)
    page = client.get(reverse("monitoring:form", args=[form.pk])).content.decode()
    assert 'name="table_rows"' in page
