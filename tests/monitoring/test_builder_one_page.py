"""The form's editor is one page: every question is changed, added and moved there; the checks
offer only numeric questions where they compare numbers; the question's own page stays as a fallback."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from monitoring.builder_forms import RuleForm
from monitoring.models import Field, Section
from tests.indicators.factories import make_element
from tests.monitoring.factories import make_form


def editor(form) -> str:
    return reverse("monitoring:form", args=[form.pk])


def question_post(item: Field, **changes) -> dict:
    data = {
        "from": "editor",
        "field": item.pk,
        "section": item.section_id or "",
        "label": item.label,
        "kind": item.kind,
        "code": item.code,
        "required": "on" if item.required else "",
        "help_text": item.help_text,
        "min_value": "",
        "max_value": "",
        "choices": "\n".join(item.choices or []),
        "binding": "none",
    }
    data.update(changes)
    return data


def test_the_editor_shows_every_question_with_its_inputs(client, world):
    form = make_form(world.municipality, elements=False)
    client.force_login(world.coordinator)
    body = client.get(editor(form)).content.decode()
    for item in form.fields.all():
        assert f'action="{reverse("monitoring:field_edit", args=[form.pk])}?field={item.pk}"' in body
        assert f'id="q-{item.pk}-label"' in body  # each question's inputs have ids of their own
    section = form.sections.get()
    assert f'id="new-question-{section.pk}"' in body
    ids = re.findall(r'\bid="([^"]+)"', body)
    assert len(ids) == len(set(ids)), "ids repeat on the page"
    # the question's own page is still linked, as a fallback
    assert reverse("monitoring:field_edit", args=[form.pk]) + "?field=" in body


def test_a_question_is_changed_on_the_editor_and_comes_back_to_it(client, world):
    form = make_form(world.municipality, elements=False)
    item = form.fields.get(code="comment")
    client.force_login(world.coordinator)
    url = f"{reverse('monitoring:field_edit', args=[form.pk])}?field={item.pk}"
    response = client.post(url, question_post(item, label="Комментарий школы"))
    assert response.status_code == 302
    assert response.url == f"{editor(form)}#q-{item.pk}"
    item.refresh_from_db()
    assert item.label == "Комментарий школы"


def test_a_problem_shows_on_the_editor_with_the_question_open_and_nothing_lost(client, world):
    form = make_form(world.municipality, elements=False)
    item = form.fields.get(code="teachers")
    client.force_login(world.coordinator)
    url = f"{reverse('monitoring:field_edit', args=[form.pk])}?field={item.pk}"
    response = client.post(url, question_post(item, label="Учителей всего", min_value="10", max_value="5"))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.templates[0].name == "monitoring/builder/form_editor.html"
    assert "Учителей всего" in body  # what was typed is kept
    assert "Максимум не может быть меньше минимума" in body
    assert re.search(
        r'<details class="question-edit" open>\s*<summary>[^<]*<span class="visually-hidden">: Всего', body
    )
    assert f'id="q-{item.pk}-max_value"' in body
    item.refresh_from_db()
    assert item.label == "Всего учителей"


def test_a_question_is_added_to_a_section_on_the_editor(client, world):
    form = make_form(world.municipality, elements=False)
    section = form.sections.get()
    client.force_login(world.coordinator)
    data = {
        "from": "editor",
        "section": section.pk,
        "label": "Молодые учителя",
        "kind": Field.Kind.INTEGER,
        "required": "on",
        "binding": "none",
        "then": "another",
    }
    response = client.post(reverse("monitoring:field_new", args=[form.pk]), data)
    assert response.status_code == 302
    assert response.url == f"{editor(form)}?adding={section.pk}#new-question-{section.pk}"
    added = form.fields.get(label="Молодые учителя")
    assert added.section == section
    assert list(form.fields.order_by("order").values_list("label", flat=True))[-1] == "Молодые учителя"
    body = client.get(response.url).content.decode()
    assert f'<details class="question-new" id="new-question-{section.pk}" open>' in body


def test_a_new_question_with_a_problem_stays_on_the_editor(client, world):
    form = make_form(world.municipality, elements=False)
    section = form.sections.get()
    client.force_login(world.coordinator)
    data = {
        "from": "editor",
        "section": section.pk,
        "label": "Формат",
        "kind": Field.Kind.CHOICE,
        "choices": "одна",
    }
    response = client.post(reverse("monitoring:field_new", args=[form.pk]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<details class="question-new" id="new-question-{section.pk}" open>' in body
    assert "одна" in body
    assert not form.fields.filter(label="Формат").exists()


def test_a_form_without_sections_offers_one_new_question(client, world):
    form = make_form(world.municipality, elements=False)
    Field.objects.filter(form=form).update(section=None)
    Section.objects.filter(form=form).delete()
    client.force_login(world.coordinator)
    body = client.get(editor(form)).content.decode()
    assert 'id="new-question"' in body
    data = {
        "from": "editor",
        "label": "Число классов",
        "kind": Field.Kind.INTEGER,
        "binding": "none",
        "then": "another",
    }
    response = client.post(reverse("monitoring:field_new", args=[form.pk]), data)
    assert response.url == f"{editor(form)}?adding=0#new-question"
    assert form.fields.filter(label="Число классов", section=None).exists()


def test_the_old_question_page_still_works(client, world):
    form = make_form(world.municipality, elements=False)
    item = form.fields.get(code="comment")
    client.force_login(world.coordinator)
    url = f"{reverse('monitoring:field_edit', args=[form.pk])}?field={item.pk}"
    assert client.get(url).status_code == 200
    data = question_post(item, label="")
    del data["from"]
    response = client.post(url, data)
    assert response.templates[0].name == "monitoring/builder/question_form.html"


def test_a_reader_gets_no_inputs(client, world):
    form = make_form(world.municipality, elements=False)
    client.force_login(world.operator)
    response = client.get(editor(form))
    if response.status_code == 200:
        assert "question-inline" not in response.content.decode()


def test_the_editor_does_not_grow_in_queries_with_questions(client, world):
    form = make_form(world.municipality)
    section = form.sections.get()
    client.force_login(world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(editor(form)).status_code == 200
        return len(context.captured_queries)

    queries()
    before = queries()
    for n in range(10):
        Field.objects.create(
            form=form,
            section=section,
            code=f"extra_{n}",
            label=f"Ещё {n}",
            kind=Field.Kind.INTEGER,
            order=10 + n,
        )
        make_element(world.municipality, f"extra_element_{n}")
    Section.objects.create(form=form, title="Ещё раздел", order=2)
    assert queries() == before


# Checks offer numbers where they compare numbers -------------------------------------------------


def test_the_check_lists_put_the_other_questions_apart(world):
    form = make_form(world.municipality, elements=False)
    rule_form = RuleForm(fields=list(form.fields.order_by("order")))
    groups = dict(rule_form.fields["left"].choices[1:])
    numeric, other = groups.values()
    assert [code for code, _label in numeric] == ["teachers", "teachers_diagnosed"]
    assert {code for code, _label in other} == {"format", "comment"}
    assert rule_form.numeric_codes == ["teachers", "teachers_diagnosed"]
    assert [code for code, _label in rule_form.fields["parts"].choices] == ["teachers", "teachers_diagnosed"]


@pytest.mark.parametrize(("kind", "ok"), [("le", False), ("eq", False), ("ge", False), ("both", True)])
def test_a_text_question_fits_only_both_or_neither(world, kind, ok):
    form = make_form(world.municipality, elements=False)
    with translation.override("ru"):
        rule_form = RuleForm(
            {"kind": kind, "left": "teachers", "right": "comment"}, fields=list(form.fields.all())
        )
        assert rule_form.is_valid() is ok
        if not ok:
            assert "«Комментарий» — не число" in " ".join(rule_form.errors["right"])


def test_the_page_tells_the_script_which_questions_are_numbers(client, world):
    form = make_form(world.municipality, elements=False)
    client.force_login(world.coordinator)
    body = client.get(editor(form)).content.decode()
    assert 'data-numeric-codes="teachers teachers_diagnosed"' in body
    assert "<optgroup" in body
