"""The form builder: the editing services (codes, ranges, options, files, data elements, rules, order,
locks and versions) and its pages by role, the preview of every type of question, the list's queries.

Messages are checked through their codes and the database, not their words: the words are Russian
once the catalogue is compiled."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import DataElement
from monitoring import builder, services
from monitoring.models import Campaign, Field, Form, Rule
from tests.indicators.factories import make_element
from tests.monitoring.factories import make_campaign, make_form

Kind = Field.Kind


def codes_of(error: ValidationError) -> set[str]:
    """Every code an error carries, field errors and others alike."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def keys_of(error: ValidationError) -> set[str]:
    return set(error.error_dict) if hasattr(error, "error_dict") else set()


def blank_form(world, **fields) -> Form:
    return builder.form_create(
        municipality=world.municipality,
        title=fields.pop("title", "Кадры школы"),
        by=world.coordinator,
        **fields,
    )


def add(form: Form, by, **values) -> Field:
    values.setdefault("kind", Kind.INTEGER)
    values.setdefault("label", "Всего учителей")
    return builder.field_add(form=form, by=by, **values)


# Codes --------------------------------------------------------------------------------------------


def test_code_is_made_from_the_label_and_kept_unique(world):
    form = blank_form(world)
    first = add(form, world.coordinator, label="Всего учителей")
    second = add(form, world.coordinator, label="Всего учителей")
    third = add(form, world.coordinator, label="1. Щётки и ёлки (шт.)")
    assert first.code == "vsego_uchiteley"
    assert second.code == "vsego_uchiteley_2"
    assert third.code == "q_1_schetki_i_elki_sht"
    assert builder.code_from_label("Количество обучающихся пятых и шестых классов школы") == (
        "kolichestvo_obuchayuschikhsya_pyatykh_i"
    )


@pytest.mark.parametrize("taken", ["teachers", "Teachers"])
def test_duplicate_code_is_refused_and_nothing_is_stored(world, taken):
    form = blank_form(world)
    add(form, world.coordinator, code="teachers")
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, label="Ещё учителя", code=taken)
    assert codes_of(caught.value) == {"code_taken"}
    assert keys_of(caught.value) == {"code"}
    assert form.fields.count() == 1


def test_duplicate_code_is_refused_on_update_too(world):
    form = blank_form(world)
    add(form, world.coordinator, code="teachers")
    other = add(form, world.coordinator, label="Прошли диагностику", code="diagnosed")
    with pytest.raises(ValidationError) as caught:
        builder.field_update(
            item=other, label=other.label, kind=other.kind, code="teachers", by=world.executor
        )
    assert codes_of(caught.value) == {"code_taken"}
    other.refresh_from_db()
    assert other.code == "diagnosed"


def test_two_editors_adding_one_code_at_once_get_a_message_not_an_error(world):
    """The check before saving cannot see a colleague's question saved a moment later: the unique
    constraint decides, and its refusal reads like the check's."""
    form = blank_form(world)
    add(form, world.coordinator, code="teachers")
    late = Field(form=form, code="teachers", label="Учителя", kind=Kind.INTEGER, order=2)
    with pytest.raises(ValidationError) as caught:
        builder._save(late)
    assert codes_of(caught.value) == {"code_taken"}
    assert form.fields.count() == 1


@pytest.mark.parametrize("code", ["1teachers", "учителя", "teachers-total", "a" * 61, "has space"])
def test_code_must_be_latin_letters_digits_and_underscore(world, code):
    form = blank_form(world)
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, code=code)
    assert codes_of(caught.value) == {"code_invalid"}
    assert not form.fields.exists()


def test_a_new_code_is_carried_into_the_rules(world):
    form = blank_form(world)
    total = add(form, world.coordinator, label="Всего", code="total")
    part = add(form, world.coordinator, label="Прошли", code="passed")
    builder.rule_add(form=form, kind=Rule.Kind.LESS_OR_EQUAL, codes=["passed", "total"], by=world.coordinator)
    builder.field_update(
        item=total, label="Всего учителей", kind=Kind.INTEGER, code="teachers", by=world.coordinator
    )
    assert form.rules.get().fields == ["passed", "teachers"]
    assert part.code == "passed"


# Ranges, options, files ---------------------------------------------------------------------------


def test_minimum_above_maximum_is_refused(world):
    form = blank_form(world)
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, min_value="100", max_value="5")
    assert codes_of(caught.value) == {"min_above_max"}
    assert keys_of(caught.value) == {"max_value"}
    assert not form.fields.exists()


def test_limits_are_read_as_people_write_them(world):
    form = blank_form(world)
    item = add(form, world.coordinator, kind=Kind.DECIMAL, min_value="-1 000,5", max_value="2500.25")
    item.refresh_from_db()
    assert item.min_value == Decimal("-1000.5") and item.max_value == Decimal("2500.25")
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, label="Учителей", kind=Kind.INTEGER, min_value="0,5", max_value="abc")
    assert codes_of(caught.value) == {"not_whole", "not_a_number"}
    assert keys_of(caught.value) == {"min_value", "max_value"}


def test_a_text_question_keeps_no_limits_options_or_element(world):
    form = blank_form(world)
    element = make_element(world.municipality, "teachers")
    item = add(
        form,
        world.coordinator,
        kind=Kind.TEXT,
        min_value="1",
        max_value="5",
        choices="А\nБ",
        data_element=element,
    )
    item.refresh_from_db()
    assert (item.min_value, item.max_value, item.choices, item.data_element) == (None, None, [], None)


@pytest.mark.parametrize(
    ("choices", "code"),
    [
        ("Очно", "too_few_options"),
        ("\n  \n", "too_few_options"),
        ("Очно\nДистанционно\n  очно ", "duplicate_options"),
    ],
)
def test_choice_needs_two_different_options(world, choices, code):
    form = blank_form(world)
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, label="Формат", kind=Kind.CHOICE, choices=choices)
    assert codes_of(caught.value) == {code}
    assert not form.fields.exists()


def test_choice_options_are_stored_one_per_line_trimmed(world):
    form = blank_form(world)
    item = add(
        form,
        world.coordinator,
        label="Формат",
        kind=Kind.MULTIPLE_CHOICE,
        choices="  Очно \r\n\r\nДистанционно  онлайн\n",
    )
    item.refresh_from_db()
    assert item.choices == ["Очно", "Дистанционно онлайн"]
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, label="Ещё", kind=Kind.MULTIPLE_CHOICE, choices="а; б\nв")
    assert codes_of(caught.value) == {"semicolon"}


def test_file_question_checks_types_and_size(world):
    form = blank_form(world)
    item = add(form, world.coordinator, label="Приказ", kind=Kind.FILE, file_types=" PDF; .docx, pdf ")
    item.refresh_from_db()
    assert (item.file_types, item.max_file_mb) == ("pdf, docx", 10)
    default = add(form, world.coordinator, label="Скан", kind=Kind.FILE)
    assert default.file_types == builder.DEFAULT_FILE_TYPES
    for types, size, code in [
        ("pdf, exe", 5, "dangerous_file_types"),
        ("pdf, html", 5, "dangerous_file_types"),
        ("p*f", 5, "bad_file_types"),
        ("pdf", 0, "bad_file_size"),
        ("pdf", 51, "bad_file_size"),
    ]:
        with pytest.raises(ValidationError) as caught:
            add(form, world.coordinator, label="Файл", kind=Kind.FILE, file_types=types, max_file_mb=size)
        assert codes_of(caught.value) == {code}
    assert form.fields.count() == 2


# Data elements ------------------------------------------------------------------------------------


def test_data_element_made_in_the_builder_belongs_to_the_municipality_and_is_reused_by_code(world):
    form = blank_form(world)
    item = add(form, world.coordinator, new_element=builder.NewElement("teachers_total", "Число учителей"))
    element = item.data_element
    assert element.municipality == world.municipality
    assert (element.code, element.name, element.value_type) == ("teachers_total", "Число учителей", "integer")

    other_form = blank_form(world, title="Другая форма")
    again = add(other_form, world.executor, new_element=builder.NewElement("teachers_total", "Иначе названо"))
    assert again.data_element_id == element.pk
    assert DataElement.objects.filter(code="teachers_total").count() == 1

    # Without a code, the question's own code names the element.
    third = add(other_form, world.executor, label="Прошли КПК", code="kpk", new_element=builder.NewElement())
    assert (third.data_element.code, third.data_element.name) == ("kpk", "Прошли КПК")


def test_binding_to_an_element_of_another_municipality_is_refused(world):
    form = blank_form(world)
    foreign = make_element(world.elsewhere, "teachers")
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, data_element=foreign)
    assert codes_of(caught.value) == {"foreign_element"}
    assert not form.fields.exists()


def test_one_element_is_fed_by_one_question_of_a_form(world):
    form = blank_form(world)
    element = make_element(world.municipality, "teachers")
    add(form, world.coordinator, data_element=element)
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, label="Опять учителя", data_element=element)
    assert codes_of(caught.value) == {"element_taken"}
    with pytest.raises(ValidationError) as caught:
        add(form, world.coordinator, label="Опять", new_element=builder.NewElement("bad code"))
    assert codes_of(caught.value) == {"code_invalid"}
    assert form.fields.count() == 1


def test_a_failed_question_leaves_no_new_element_behind(world):
    form = blank_form(world)
    add(form, world.coordinator, code="teachers")
    with pytest.raises(ValidationError):
        add(
            form,
            world.coordinator,
            label="Дубль",
            code="teachers",
            min_value="9",
            max_value="1",
            new_element=builder.NewElement("fresh"),
        )
    assert not DataElement.objects.filter(code="fresh").exists()


# Rules --------------------------------------------------------------------------------------------


@pytest.fixture
def staff_form(world) -> Form:
    form = blank_form(world)
    add(form, world.coordinator, label="Всего учителей", code="total")
    add(form, world.coordinator, label="Штатные", code="staff")
    add(form, world.coordinator, label="Совместители", code="part_time")
    add(form, world.coordinator, label="Комментарий", code="note", kind=Kind.TEXT, required=False)
    return form


@pytest.mark.parametrize(
    ("kind", "codes", "code"),
    [
        (Rule.Kind.LESS_OR_EQUAL, ["staff"], "bad_rule"),
        (Rule.Kind.LESS_OR_EQUAL, ["staff", "note"], "bad_rule"),
        (Rule.Kind.LESS_OR_EQUAL, ["staff", "absent"], "bad_rule"),
        (Rule.Kind.EQUAL, ["staff", "part_time", "total"], "bad_rule"),
        (Rule.Kind.SUM, ["total", "staff"], "bad_rule"),
        (Rule.Kind.GREATER_OR_EQUAL, ["staff", "staff"], "same_question"),
        ("nonsense", ["staff", "total"], "kind"),
    ],
)
def test_bad_rule_definitions_are_refused(world, staff_form, kind, codes, code):
    with pytest.raises(ValidationError) as caught:
        builder.rule_add(form=staff_form, kind=kind, codes=codes, by=world.coordinator)
    assert codes_of(caught.value) == {code}
    assert not staff_form.rules.exists()


def test_good_rules_are_stored_and_not_twice(world, staff_form):
    builder.rule_add(
        form=staff_form, kind=Rule.Kind.SUM, codes=["total", "staff", "part_time"], by=world.coordinator
    )
    builder.rule_add(
        form=staff_form,
        kind=Rule.Kind.BOTH_OR_NEITHER,
        codes=["note", "staff"],
        message=" Оба  или ни одного ",
        by=world.executor,
    )
    with pytest.raises(ValidationError) as caught:
        builder.rule_add(
            form=staff_form, kind=Rule.Kind.SUM, codes=["total", "staff", "part_time"], by=world.coordinator
        )
    assert codes_of(caught.value) == {"rule_exists"}
    rules = list(staff_form.rules.order_by("order"))
    assert [(r.kind, r.fields, r.message) for r in rules] == [
        ("sum", ["total", "staff", "part_time"], ""),
        ("both", ["note", "staff"], "Оба или ни одного"),
    ]
    assert builder.rule_text(rules[0], builder._labels(staff_form)).count("«") == 3


def test_deleting_a_question_used_by_a_rule_names_the_rule(world, staff_form):
    builder.rule_add(
        form=staff_form, kind=Rule.Kind.LESS_OR_EQUAL, codes=["staff", "total"], by=world.coordinator
    )
    staff = staff_form.fields.get(code="staff")
    with pytest.raises(ValidationError) as caught:
        builder.field_delete(item=staff, by=world.coordinator)
    assert codes_of(caught.value) == {"used_by_rule"}
    assert "«Штатные»" in caught.value.messages[0] and "«Всего учителей»" in caught.value.messages[0]
    assert staff_form.fields.filter(code="staff").exists()

    builder.rule_delete(rule=staff_form.rules.get(), by=world.coordinator)
    builder.field_delete(item=staff, by=world.coordinator)
    assert not staff_form.fields.filter(code="staff").exists()


def test_a_change_that_breaks_a_rule_is_refused(world, staff_form):
    builder.rule_add(
        form=staff_form, kind=Rule.Kind.LESS_OR_EQUAL, codes=["staff", "total"], by=world.coordinator
    )
    staff = staff_form.fields.get(code="staff")
    with pytest.raises(ValidationError) as caught:
        builder.field_update(item=staff, label="Штатные", kind=Kind.TEXT, code="staff", by=world.coordinator)
    assert codes_of(caught.value) == {"breaks_rule"}
    staff.refresh_from_db()
    assert staff.kind == Kind.INTEGER


# Order --------------------------------------------------------------------------------------------


def test_questions_move_within_and_across_sections(world):
    form = blank_form(world)
    first = builder.section_add(form=form, title="Первый", by=world.coordinator)
    second = builder.section_add(form=form, title="Второй", by=world.coordinator)
    a = add(form, world.coordinator, label="А", section=first)
    b = add(form, world.coordinator, label="Б", section=first)
    c = add(form, world.coordinator, label="В", section=second)

    def layout():
        return [(f.section.title, f.label) for f in form.fields.select_related("section").order_by("order")]

    assert layout() == [("Первый", "А"), ("Первый", "Б"), ("Второй", "В")]
    assert builder.field_move(item=b, up=True, by=world.coordinator)
    assert layout() == [("Первый", "Б"), ("Первый", "А"), ("Второй", "В")]
    assert builder.field_move(item=c, up=True, by=world.coordinator)  # to the end of the section above
    assert layout() == [("Первый", "Б"), ("Первый", "А"), ("Первый", "В")]
    assert not builder.field_move(item=Field.objects.get(pk=b.pk), up=True, by=world.coordinator)
    assert builder.section_move(section=second, up=True, by=world.coordinator)
    assert list(form.sections.values_list("title", flat=True)) == ["Второй", "Первый"]
    assert builder.field_move(item=Field.objects.get(pk=b.pk), up=True, by=world.coordinator)
    assert layout() == [("Второй", "Б"), ("Первый", "А"), ("Первый", "В")]
    assert list(form.fields.order_by("order").values_list("order", flat=True)) == [1, 2, 3]
    assert a.pk in form.fields.values_list("pk", flat=True)


def test_a_section_with_questions_is_deleted_only_when_confirmed(world):
    form = blank_form(world)
    section = builder.section_add(form=form, title="Кадры", by=world.coordinator)
    add(form, world.coordinator, section=section)
    with pytest.raises(ValidationError) as caught:
        builder.section_delete(section=section, by=world.coordinator)
    assert codes_of(caught.value) == {"section_not_empty"}
    assert form.fields.count() == 1
    assert builder.section_delete(section=section, by=world.coordinator, with_questions=True) == 1
    assert not form.sections.exists() and not form.fields.exists()


# Locks, rights, versions --------------------------------------------------------------------------


def test_a_form_used_by_an_open_collection_cannot_change(world):
    campaign = make_campaign(world.municipality)
    form = campaign.form
    item = form.fields.get(code="comment")
    section = form.sections.get()
    rule = form.rules.get()
    before = (
        form.title,
        list(form.fields.values_list("code", "label", "order")),
        list(form.sections.values_list("title", flat=True)),
        form.rules.count(),
    )
    attempts = [
        lambda: builder.form_update(form=form, title="Новое", by=world.coordinator),
        lambda: builder.section_add(form=form, title="Ещё", by=world.coordinator),
        lambda: builder.section_update(section=section, title="Иначе", by=world.coordinator),
        lambda: builder.section_move(section=section, up=False, by=world.coordinator),
        lambda: add(form, world.coordinator, label="Новый вопрос"),
        lambda: builder.field_update(
            item=item, label="Иначе", kind=Kind.TEXT, code="comment", by=world.coordinator
        ),
        lambda: builder.field_move(item=item, up=True, by=world.coordinator),
        lambda: builder.field_delete(item=item, by=world.coordinator),
        lambda: builder.rule_delete(rule=rule, by=world.coordinator),
        lambda: builder.rule_add(
            form=form, kind="eq", codes=["teachers", "teachers_diagnosed"], by=world.coordinator
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    form.refresh_from_db()
    after = (
        form.title,
        list(form.fields.values_list("code", "label", "order")),
        list(form.sections.values_list("title", flat=True)),
        form.rules.count(),
    )
    assert after == before


def test_a_draft_collection_does_not_lock_the_form(world):
    campaign = make_campaign(world.municipality, state=Campaign.State.DRAFT)
    add(campaign.form, world.coordinator, label="Новый вопрос")
    assert campaign.form.fields.filter(label="Новый вопрос").exists()


@pytest.mark.parametrize("actor", ["operator", "expert", "respondent", "outsider"])
def test_only_the_municipalitys_editors_may_change_forms(world, actor):
    form = blank_form(world)
    with pytest.raises(PermissionDenied):
        add(form, getattr(world, actor))
    with pytest.raises(PermissionDenied):
        builder.form_create(municipality=world.municipality, title="Чужая", by=getattr(world, actor))
    assert not form.fields.exists()
    assert Form.objects.count() == 1


def test_new_version_copies_everything_and_leaves_the_old_one_intact(world):
    campaign = make_campaign(world.municipality)
    old = campaign.form
    old_state = (
        list(old.fields.values_list("pk", "code", "label", "section_id", "data_element_id", "order")),
        list(old.sections.values_list("pk", "title")),
        list(old.rules.values_list("pk", "kind", "fields")),
    )
    copy = services.form_new_version(form=old, by=world.coordinator)
    assert (copy.version, copy.previous_version_id, copy.municipality_id) == (2, old.pk, old.municipality_id)
    assert list(copy.sections.values_list("title", flat=True)) == ["Кадры"]
    copied = list(
        copy.fields.order_by("order").values_list("code", "kind", "data_element_id", "section__title")
    )
    original = list(
        old.fields.order_by("order").values_list("code", "kind", "data_element_id", "section__title")
    )
    assert copied == original
    assert list(copy.rules.values_list("kind", "fields")) == list(old.rules.values_list("kind", "fields"))
    assert not copy.sections.filter(pk__in=old.sections.values("pk")).exists()

    builder.field_update(
        item=copy.fields.get(code="comment"),
        label="Замечания",
        kind=Kind.TEXT,
        code="remarks",
        by=world.coordinator,
    )
    add(copy, world.coordinator, label="Новый вопрос", code="new_one")
    assert old_state == (
        list(old.fields.values_list("pk", "code", "label", "section_id", "data_element_id", "order")),
        list(old.sections.values_list("pk", "title")),
        list(old.rules.values_list("pk", "kind", "fields")),
    )
    campaign.refresh_from_db()
    assert campaign.form_id == old.pk


def test_direction_must_be_of_the_municipality(world):
    from directions.models import Block, Direction
    from tests.indicators.factories import make_period

    block = (
        Block.objects.create(code="1", name="Блок") if not Block.objects.exists() else Block.objects.first()
    )
    foreign = Direction.objects.create(
        municipality=world.elsewhere, block=block, code="1.1", name="Чужое", valid_from=make_period("2024")
    )
    with pytest.raises(ValidationError) as caught:
        blank_form(world, direction=foreign)
    assert codes_of(caught.value) == {"foreign_direction"}


# Pages --------------------------------------------------------------------------------------------


def editor(form) -> str:
    return reverse("monitoring:form", args=[form.pk])


@pytest.mark.parametrize(
    ("actor", "status", "can_edit"),
    [
        ("coordinator", 200, True),
        ("executor", 200, True),
        ("chief", 200, True),
        ("other_coordinator", 200, False),  # coordinates another direction: reads, does not change
        ("administrator", 200, False),
        ("operator", 200, False),
        ("expert", 200, False),
        ("respondent", 404, False),
        ("head", 404, False),
        ("outsider", 404, False),
        ("outsider_school", 404, False),
    ],
)
def test_editor_by_role(client, world, actor, status, can_edit):
    form = make_form(world.municipality, direction=world.direction)
    client.force_login(getattr(world, actor))
    response = client.get(editor(form))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Всего учителей" in page
        assert (reverse("monitoring:field_new", args=[form.pk]) in page) is can_edit
        assert (reverse("monitoring:rule_add", args=[form.pk]) in page) is can_edit
    for name in ("form_preview",):
        assert client.get(reverse(f"monitoring:{name}", args=[form.pk])).status_code == status


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 302),
        ("executor", 302),
        ("chief", 302),
        ("other_coordinator", 403),
        ("administrator", 403),
        ("operator", 403),
        ("expert", 403),
        ("respondent", 404),
        ("outsider", 404),
    ],
)
def test_adding_a_question_by_role(client, world, actor, status):
    form = make_form(world.municipality, elements=False, direction=world.direction)
    client.force_login(getattr(world, actor))
    response = client.post(
        reverse("monitoring:field_new", args=[form.pk]),
        {
            "label": "Сколько кабинетов",
            "kind": "integer",
            "required": "on",
            "binding": "none",
            "section": form.sections.get().pk,
        },
    )
    assert response.status_code == status
    assert form.fields.filter(label="Сколько кабинетов").exists() is (status == 302)
    if status == 302:
        item = form.fields.get(label="Сколько кабинетов")
        assert response["Location"] == f"{editor(form)}#q-{item.pk}"
        assert item.code == "skolko_kabinetov" and item.section.title == "Кадры"


@pytest.mark.parametrize(
    ("actor", "status", "visible"),
    [
        ("coordinator", 200, "Наша форма"),
        ("operator", 200, "Наша форма"),
        ("outsider", 200, "Чужая форма"),
        ("respondent", 404, None),
        ("outsider_school", 404, None),
    ],
)
def test_list_by_role(client, world, actor, status, visible):
    make_form(world.municipality, title="Наша форма", elements=False)
    make_form(world.elsewhere, title="Чужая форма", elements=False)
    client.force_login(getattr(world, actor))
    response = client.get(reverse("monitoring:forms"))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert [title for title in ("Наша форма", "Чужая форма") if title in page] == [visible]
        assert (reverse("monitoring:form_new") in page) is (actor != "operator")


def test_list_shows_counts_collections_lock_and_versions(client, world):
    campaign = make_campaign(world.municipality)
    old = campaign.form
    newer = services.form_new_version(form=old, by=world.coordinator)
    builder.field_delete(item=newer.fields.get(code="comment"), by=world.coordinator)
    client.force_login(world.coordinator)
    page = client.get(reverse("monitoring:forms")).content.decode()
    assert reverse("monitoring:form", args=[newer.pk]) in page
    assert f'href="{editor(old)}"' in page  # as the link to the previous version
    assert campaign.title not in page  # the latest version is used by no collection yet
    page = client.get(reverse("monitoring:forms"), {"versions": "all"}).content.decode()
    assert campaign.title in page
    row = re.search(rf'<th scope="row">\s*<a href="{editor(old)}">.*?</tr>', page, flags=re.S).group(0)
    assert '<td class="number">4</td>' in row
    row = re.search(rf'<th scope="row">\s*<a href="{editor(newer)}">.*?</tr>', page, flags=re.S).group(0)
    assert '<td class="number">3</td>' in row
    page = client.get(
        reverse("monitoring:forms"), {"versions": "all", "q": "несуществующее"}
    ).content.decode()
    assert editor(old) not in page
    response = client.get(reverse("monitoring:forms"), {"versions": "all", "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_list_queries_do_not_grow_with_forms(client, world):
    client.force_login(world.coordinator)
    url = reverse("monitoring:forms")

    def queries(count: int) -> int:
        Form.objects.all().delete()
        for n in range(count):
            direction = world.direction if n % 3 == 0 else None
            form = make_form(world.municipality, title=f"Форма {n}", elements=False, direction=direction)
            if n % 2:
                make_campaign(world.municipality, form=form)
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count("<tr>") == count + 1
        return len(context.captured_queries)

    Campaign.objects.all().delete()
    two = queries(2)
    Campaign.objects.all().delete()
    assert queries(10) == two


# The editor without JavaScript --------------------------------------------------------------------


def test_sections_are_added_changed_moved_and_deleted_with_plain_posts(client, world):
    form = blank_form(world)
    client.force_login(world.executor)
    response = client.post(reverse("monitoring:section_add", args=[form.pk]), {"section-new-title": "Кадры"})
    assert response.status_code == 302
    first = form.sections.get()
    client.post(reverse("monitoring:section_add", args=[form.pk]), {"section-new-title": "Оснащение"})
    second = form.sections.get(title="Оснащение")

    response = client.post(
        reverse("monitoring:section_add", args=[form.pk]), {"section-new-description": "Без названия"}
    )
    assert response.status_code == 200
    assert (
        'value="Без названия"' in response.content.decode()
        or "Без названия</textarea>" in response.content.decode()
    )
    assert form.sections.count() == 2

    key = f"section-{first.pk}"
    response = client.post(
        reverse("monitoring:section_update", args=[form.pk]),
        {"section": first.pk, f"{key}-title": "Педагоги", f"{key}-description": "О кадрах"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.title, first.description) == ("Педагоги", "О кадрах")

    client.post(reverse("monitoring:section_move", args=[form.pk]), {"section": second.pk, "direction": "up"})
    assert list(form.sections.values_list("title", flat=True)) == ["Оснащение", "Педагоги"]
    client.post(reverse("monitoring:section_delete", args=[form.pk]), {"section": second.pk})
    assert list(form.sections.values_list("title", flat=True)) == ["Педагоги"]


def test_a_question_with_problems_is_shown_again_with_everything_typed(client, world):
    form = make_form(world.municipality, elements=False)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("monitoring:field_new", args=[form.pk]),
        {
            "label": "Уникальная формулировка",
            "kind": "integer",
            "code": "teachers",
            "min_value": "10",
            "max_value": "1",
            "help_text": "Подсказка для школы",
            "binding": "none",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Уникальная формулировка" in page and "Подсказка для школы" in page
    assert page.count('class="errorlist') >= 2
    assert not form.fields.filter(label="Уникальная формулировка").exists()


def test_a_question_is_changed_and_bound_to_a_new_element_through_the_page(client, world):
    form = make_form(world.municipality, elements=False)
    item = form.fields.get(code="teachers")
    client.force_login(world.coordinator)
    url = reverse("monitoring:field_edit", args=[form.pk])
    page = client.get(url, {"field": item.pk}).content.decode()
    assert 'value="teachers"' in page
    response = client.post(
        url,
        {
            "field": item.pk,
            "section": item.section_id,
            "label": "Всего педагогов",
            "kind": "integer",
            "code": "teachers",
            "required": "on",
            "min_value": "0",
            "max_value": "500",
            "binding": "new",
            "new_element_code": "pedagogues",
            "new_element_name": "Педагоги",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.label, item.max_value, item.data_element.code) == ("Всего педагогов", 500, "pedagogues")
    assert item.data_element.municipality == world.municipality


def test_rules_are_added_and_deleted_through_the_page(client, world):
    form = make_form(world.municipality, elements=False)
    form.rules.all().delete()
    client.force_login(world.coordinator)
    url = reverse("monitoring:rule_add", args=[form.pk])
    response = client.post(url, {"kind": "le", "left": "teachers_diagnosed", "right": "comment"})
    assert response.status_code == 200 and not form.rules.exists()
    assert 'id="new-rule" open' in response.content.decode()
    response = client.post(url, {"kind": "sum", "left": "teachers", "parts": ["teachers_diagnosed"]})
    assert response.status_code == 200 and not form.rules.exists()
    response = client.post(
        url, {"kind": "le", "left": "teachers_diagnosed", "right": "teachers", "message": "Не больше всех"}
    )
    assert response.status_code == 302
    rule = form.rules.get()
    assert (rule.fields, rule.message) == (["teachers_diagnosed", "teachers"], "Не больше всех")
    assert "Не больше всех" in client.get(editor(form)).content.decode()
    client.post(reverse("monitoring:rule_delete", args=[form.pk]), {"rule": rule.pk})
    assert not form.rules.exists()


def test_deleting_a_question_used_by_a_rule_from_the_page_says_why(client, world):
    form = make_form(world.municipality, elements=False)
    client.force_login(world.coordinator)
    item = form.fields.get(code="teachers")
    response = client.post(
        reverse("monitoring:field_delete", args=[form.pk]), {"field": item.pk}, follow=True
    )
    assert form.fields.filter(pk=item.pk).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("«Прошли диагностику»" in m for m in messages)
    other = form.fields.get(code="comment")
    client.post(reverse("monitoring:field_move", args=[form.pk]), {"field": other.pk, "direction": "up"})
    assert list(form.fields.order_by("order").values_list("code", flat=True)) == [
        "teachers",
        "teachers_diagnosed",
        "comment",
        "format",
    ]
    client.post(reverse("monitoring:field_delete", args=[form.pk]), {"field": other.pk})
    assert not form.fields.filter(pk=other.pk).exists()


def test_ids_of_another_form_answer_404(client, world):
    form = make_form(world.municipality, elements=False)
    other = make_form(world.municipality, title="Другая", elements=False)
    client.force_login(world.coordinator)
    foreign_field = other.fields.first()
    assert (
        client.post(
            reverse("monitoring:field_delete", args=[form.pk]), {"field": foreign_field.pk}
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("monitoring:field_edit", args=[form.pk]), {"field": foreign_field.pk}).status_code
        == 404
    )
    assert client.post(reverse("monitoring:field_move", args=[form.pk]), {"field": "x"}).status_code == 404
    assert (
        client.post(
            reverse("monitoring:section_delete", args=[form.pk]), {"section": other.sections.get().pk}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("monitoring:rule_delete", args=[form.pk]), {"rule": other.rules.get().pk}
        ).status_code
        == 404
    )
    assert (
        other.fields.filter(pk=foreign_field.pk).exists() and other.rules.exists() and other.sections.exists()
    )


def test_a_locked_form_is_read_only_and_offers_a_new_version(client, world):
    campaign = make_campaign(world.municipality)
    form = campaign.form
    client.force_login(world.coordinator)
    page = client.get(editor(form)).content.decode()
    assert campaign.title in page
    assert reverse("monitoring:form_new_version", args=[form.pk]) in page
    assert reverse("monitoring:field_new", args=[form.pk]) not in page
    response = client.post(
        reverse("monitoring:field_new", args=[form.pk]), {"label": "Новый", "kind": "text", "binding": "none"}
    )
    assert response.status_code == 302 and not form.fields.filter(label="Новый").exists()

    assert client.post(reverse("monitoring:form_new_version", args=[form.pk])).status_code == 302
    copy = Form.objects.get(previous_version=form)
    assert client.get(editor(copy)).status_code == 200
    # A second click leads to the version already made, not to a third one.
    response = client.post(reverse("monitoring:form_new_version", args=[form.pk]))
    assert response["Location"] == editor(copy)
    assert Form.objects.count() == 2
    client.force_login(world.operator)
    assert client.post(reverse("monitoring:form_new_version", args=[form.pk])).status_code == 403


@pytest.mark.parametrize(
    ("actor", "status"),
    [("coordinator", 302), ("chief", 302), ("administrator", 403), ("operator", 403), ("respondent", 404)],
)
def test_new_form_page_by_role(client, world, actor, status):
    client.force_login(getattr(world, actor))
    response = client.post(reverse("monitoring:form_new"), {"title": "Оснащение кабинетов"})
    assert response.status_code == status
    assert Form.objects.filter(title="Оснащение кабинетов").exists() is (status == 302)
    if status == 302:
        form = Form.objects.get(title="Оснащение кабинетов")
        assert form.municipality == world.municipality and form.created_by == getattr(world, actor)
        assert response["Location"] == editor(form)


def test_code_suggestion_for_the_script(client, world):
    form = make_form(world.municipality, elements=False)
    client.force_login(world.coordinator)
    url = reverse("monitoring:field_code_suggest", args=[form.pk])
    assert client.get(url, {"label": "Всего учителей"}).json() == {"code": "vsego_uchiteley"}
    client.force_login(world.outsider)
    assert client.get(url, {"label": "Всего учителей"}).status_code == 404


# The preview --------------------------------------------------------------------------------------


@pytest.fixture
def every_kind(world) -> Form:
    form = blank_form(world, description="Описание для школ")
    section = builder.section_add(
        form=form, title="Всё сразу", description="Пояснение раздела", by=world.coordinator
    )
    by = world.coordinator
    add(
        form,
        by,
        section=section,
        label="Целое",
        code="whole",
        min_value="0",
        max_value="1000",
        help_text="Подсказка",
    )
    add(
        form,
        by,
        section=section,
        label="Дробное",
        code="fraction",
        kind=Kind.DECIMAL,
        min_value="0,5",
        required=False,
    )
    add(form, by, section=section, label="Строка", code="line", kind=Kind.TEXT)
    add(form, by, section=section, label="Абзац", code="para", kind=Kind.LONG_TEXT, required=False)
    add(form, by, section=section, label="Один", code="one", kind=Kind.CHOICE, choices="Да\nНет\nНе знаю")
    add(
        form,
        by,
        section=section,
        label="Много вариантов",
        code="one_of_many",
        kind=Kind.CHOICE,
        choices="\n".join(f"Вариант {n}" for n in range(12)),
        required=False,
    )
    add(
        form,
        by,
        section=section,
        label="Несколько",
        code="some",
        kind=Kind.MULTIPLE_CHOICE,
        choices="А\nБ\nВ",
    )
    add(form, by, section=section, label="Дата", code="day", kind=Kind.DATE)
    add(form, by, section=section, label="Да или нет", code="yes_no", kind=Kind.BOOLEAN)
    add(
        form,
        by,
        section=section,
        label="Приказ",
        code="order_file",
        kind=Kind.FILE,
        file_types="pdf",
        max_file_mb=5,
    )
    builder.rule_add(form=form, kind=Rule.Kind.GREATER_OR_EQUAL, codes=["whole", "fraction"], by=by)
    return form


def test_preview_renders_every_type_of_question(client, world, every_kind):
    client.force_login(world.operator)  # a reader sees the preview too
    response = client.get(reverse("monitoring:form_preview", args=[every_kind.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for needle in [
        "Описание для школ",
        "Пояснение раздела",
        'name="whole"',
        'inputmode="numeric"',
        'name="fraction"',
        'inputmode="decimal"',
        'name="line"',
        '<textarea class="q-long" id="q-para" name="para"',
        'type="radio" name="one" value="Не знаю"',
        '<select id="q-one_of_many" name="one_of_many"',
        "Вариант 11",
        'type="checkbox" name="some" value="Б"',
        'type="date" class="q-date" id="q-day" name="day"',
        'type="radio" name="yes_no" value="yes"',
        'type="file" class="q-file-input" id="q-order_file" name="order_file"',
        "Подсказка",
        'class="q-required"',
        "1000",
        "0,5",
        "disabled",
    ]:
        assert needle in page, needle
    assert page.count('class="question') >= 10
    assert every_kind.fields.count() == 10


def test_preview_checks_answers_and_saves_nothing(client, world, every_kind):
    client.force_login(world.coordinator)
    url = reverse("monitoring:form_preview", args=[every_kind.pk])
    changed = Form.objects.get(pk=every_kind.pk).updated_at
    response = client.post(
        url, {"whole": "1", "fraction": "5", "one": "Да", "some": ["", "А", "В"], "day": "01.09.2025"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="question-line"' in page
    assert page.count("question-invalid") == 3  # the required line, yes-or-no and file
    assert 'value="А" checked' in page and 'value="Б">' in page
    assert 'type="text" placeholder=' in page and 'value="01.09.2025"' in page  # a typed date is kept
    assert "«Целое»" in page  # the failing check names its questions
    assert Form.objects.get(pk=every_kind.pk).updated_at == changed
    assert not every_kind.campaigns.exists()


# The question template on its own -----------------------------------------------------------------


def test_question_template_renders_value_errors_and_previous():
    item = Field(
        code="teachers", label="Всего учителей", kind=Kind.INTEGER, required=True, min_value=Decimal("0")
    )
    html = render_to_string(
        "monitoring/builder/_question.html",
        {"field": item, "value": "12", "errors": ["Ошибка здесь"], "previous": "10"},
    )
    assert 'name="teachers" value="12"' in html
    assert 'aria-invalid="true"' in html and "Ошибка здесь" in html
    assert "10" in html and "q-previous" in html
    many = Field(code="kinds", label="Виды", kind=Kind.MULTIPLE_CHOICE, choices=["А", "Б"], required=False)
    html = render_to_string(
        "monitoring/builder/_question.html", {"field": many, "value": ["Б"], "disabled": True}
    )
    assert 'value="Б" checked disabled' in html and 'value="А" disabled' in html
    assert '<input type="hidden" name="kinds" value="">' in html
    boolean = Field(code="ok", label="Есть?", kind=Kind.BOOLEAN, required=True)
    html = render_to_string("monitoring/builder/_question.html", {"field": boolean, "value": "Да"})
    assert 'value="yes" checked' in html and 'value="no">' in html
