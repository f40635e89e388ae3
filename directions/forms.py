from django import forms
from django.utils.translation import gettext_lazy as _

from directions.models import CycleComponent
from mcok.models import Document
from mcok.params import BoundedTexts


class ComponentForm(BoundedTexts, forms.ModelForm):
    class Meta:
        model = CycleComponent
        fields = ["content", "due_on"]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 12}),
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class MoveForm(BoundedTexts, forms.Form):
    to_state = forms.ChoiceField(choices=CycleComponent.State.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ComponentDocumentForm(forms.Form):
    """A document for a component: one of the municipality's own, or a new one (a file, a link or
    an order cited by its number)."""

    existing = forms.ModelChoiceField(
        label=_("A document already in the portal"), queryset=Document.objects.none(), required=False
    )
    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Document.Kind.choices, initial=Document.Kind.ORDER)
    number = forms.CharField(label=_("Number"), max_length=50, required=False)
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("Link"), max_length=1000, required=False, assume_scheme="https")

    def __init__(self, *args, component: CycleComponent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing"].queryset = (
            Document.objects.filter(
                municipality=component.cycle.direction.municipality_id, organization__isnull=True
            )
            .exclude(pk__in=component.documents.values("pk"))
            .order_by("-date", "title")
        )

    def clean(self):
        data = super().clean()
        if not data.get("existing") and not (data.get("title") or "").strip():
            raise forms.ValidationError(_("Choose a document of the portal or name a new one."))
        return data
