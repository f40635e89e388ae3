from django import forms
from django.utils.translation import gettext_lazy as _

from directions.models import CycleComponent


class ComponentForm(forms.ModelForm):
    class Meta:
        model = CycleComponent
        fields = ["content", "due_on"]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 12}),
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class MoveForm(forms.Form):
    to_state = forms.ChoiceField(choices=CycleComponent.State.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
