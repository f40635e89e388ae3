"""Free-text fields bounded (issue 18, item 9: «1 MB comments are accepted»): every text a person types
into a form — a comment, an answer, a recommendation, a component's text — is refused beyond
mcok.params.TEXT_MAX_LENGTH with Russian words under the field, and the page comes back with
everything else that was typed; nothing is stored."""

import importlib
import pkgutil

from django import forms
from django.urls import reverse

from directions.models import CycleComponent
from mcok.params import TEXT_MAX_LENGTH, BoundedTexts
from roadmaps.models import Recommendation
from tests.directions.test_cycle import cycle_world, goals  # noqa: F401 - the fixture

MEGABYTE = "я" * (1024 * 1024)
TOO_LONG = "Убедитесь, что это значение содержит не более 20000 символов"
APPS = ["mcok", "directions", "indicators", "monitoring", "roadmaps", "reports"]


def _form_classes() -> set[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.iter_modules(package.__path__):
            if module.name not in ("migrations", "management", "tests"):
                importlib.import_module(f"{app}.{module.name}")

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return {cls for cls in below(forms.BaseForm) if cls.__module__.split(".")[0] in APPS}


def test_every_free_text_field_of_the_portals_forms_is_bounded():
    """A guard for forms still to come: a visible text field without a max_length of its own is in a
    form that bounds it (BoundedTexts)."""
    loose = sorted(
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _form_classes()
        if not issubclass(cls, BoundedTexts)
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField)
        and field.max_length is None
        and not isinstance(field.widget, forms.HiddenInput)
    )
    assert loose == []


def test_a_bounded_form_refuses_a_megabyte_and_keeps_a_long_text():
    class Comment(BoundedTexts, forms.Form):
        comment = forms.CharField(widget=forms.Textarea)

    refused = Comment({"comment": MEGABYTE})
    assert not refused.is_valid()
    assert TOO_LONG in refused.errors["comment"][0]
    assert f'maxlength="{TEXT_MAX_LENGTH}"' in str(refused["comment"])
    assert Comment({"comment": "я" * TEXT_MAX_LENGTH}).is_valid()


def test_a_megabyte_in_a_components_text_is_refused_and_the_due_date_kept(client, cycle_world):  # noqa: F811
    """A ModelForm over a TextField (the cycle component's content)."""
    item = goals(cycle_world)
    client.force_login(cycle_world.executor)
    url = reverse("directions:component", args=[item.pk])
    response = client.post(url, {"content": MEGABYTE, "due_on": "2025-10-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert TOO_LONG in page
    assert 'value="2025-10-01"' in page
    assert CycleComponent.objects.get(pk=item.pk).content == ""


def test_a_megabyte_recommendation_is_refused_and_its_title_kept(client, world):
    """A plain form's Textarea (the recommendation's text)."""
    client.force_login(world.coordinator)
    data = {
        "title": "Провести анализ",
        "text": MEGABYTE,
        "level": "municipal",
        "direction": world.direction.pk,
    }
    response = client.post(reverse("roadmaps:recommendation_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert TOO_LONG in page
    assert 'value="Провести анализ"' in page
    assert not Recommendation.objects.exists()
