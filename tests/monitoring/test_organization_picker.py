"""The organizations a collection asks: grouped by kind, with the script's tools (search, tick all,
untick all, tick a kind, the count) that a page without the script does without."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.models import Campaign
from tests.factories import make_organization
from tests.indicators.factories import academic_year_now
from tests.monitoring.factories import make_form
from tests.monitoring.test_review import _new


def test_the_list_is_grouped_by_kind_with_a_button_for_each_kind(client, world):
    make_form(world.municipality)
    make_organization(world.municipality, short_name="Детский сад «Ромашка»", kind="kindergarten")
    make_organization(world.municipality, short_name="ДДТ", kind="additional")
    client.force_login(world.coordinator)
    body = client.get(reverse("monitoring:campaign_new")).content.decode()
    assert "org_picker.js" in body
    assert "data-org-picker" in body
    assert "<script>" not in body  # the CSP forbids inline scripts
    for kind in ("school", "kindergarten", "additional"):
        assert f'data-org-pick="kind" data-kind="{kind}"' in body
        assert body.count(f'<div class="org-picker-group" data-kind="{kind}">') == 1
    assert "Выбрать все" in body and "Снять все" in body
    # every organization of the municipality is a plain checkbox, no other municipality's
    boxes = re.findall(r'<input type="checkbox" name="organizations" value="(\d+)"', body)
    assert str(world.school.pk) in boxes and str(world.elsewhere_school.pk) not in boxes
    # the tools are hidden until the script shows them
    assert '<div class="org-picker-tools" hidden>' in body


def test_the_ticked_organizations_are_asked_as_without_the_picker(client, world):
    form = make_form(world.municipality)
    garden = make_organization(world.municipality, short_name="Детский сад «Ромашка»", kind="kindergarten")
    client.force_login(world.coordinator)
    data = _new(form, academic_year_now(), choose="list", organizations=[garden.pk, world.school.pk])
    response = client.post(reverse("monitoring:campaign_new"), data)
    assert response.status_code == 302
    assert set(Campaign.objects.get().organizations.all()) == {garden, world.school}


def test_a_refused_choice_keeps_the_ticks(client, world):
    form = make_form(world.municipality)
    client.force_login(world.coordinator)
    data = _new(form, academic_year_now(), choose="list", organizations=[world.school.pk], deadline="")
    body = client.post(reverse("monitoring:campaign_new"), data).content.decode()
    assert re.search(rf'value="{world.school.pk}"[^>]*checked', body)
    assert not Campaign.objects.exists()


def test_the_picker_reads_the_organizations_once(client, world):
    make_form(world.municipality)
    client.force_login(world.coordinator)
    url = reverse("monitoring:campaign_new")

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    before = queries()
    for n in range(12):
        make_organization(world.municipality, kind=["school", "kindergarten", "additional"][n % 3])
    assert queries() == before
