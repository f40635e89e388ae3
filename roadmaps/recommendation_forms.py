"""Forms of the recommendation and decision pages: every choice is limited to the municipality, so a
forged id from another one is «not one of the available choices»; the directions, to those whose work
the user may write (roadmaps.access)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directions.models import Direction
from indicators.models import Indicator
from mcok.models import Document, Municipality, Organization
from mcok.params import BoundedTexts
from mcok.periods import PeriodField
from roadmaps import access
from roadmaps.models import Decision, Event, Recommendation
from roadmaps.roadmap_forms import (
    GroupedMultipleChoiceField,
    event_choices,
    indicator_choices,
    limit_directions,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecommendationForm(BoundedTexts, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    text = forms.CharField(label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 10}))
    level = forms.ChoiceField(label=_("Addressed to"), choices=Recommendation.Level.choices)
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Needed unless the recommendation is addressed to a level of management. Addressed to a "
            "risk group, leave them unchecked: the organizations of the chosen indicator's risk group "
            "in the chosen period are filled in."
        ),
    )
    direction = forms.ModelChoiceField(
        label=_("Direction"), queryset=Direction.objects.none(), required=False
    )
    period = PeriodField(required=False, empty_label=_("— no period —"))
    indicator = forms.ModelChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.none(), required=False
    )
    due_on = forms.DateField(label=_("Answer by"), required=False, widget=DATE)

    def __init__(
        self,
        *args,
        municipality: Municipality,
        user,
        current: Direction | None = None,
        issued: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = Organization.objects.filter(
            municipality=municipality, is_active=True
        ).order_by("short_name")
        limit_directions(self.fields["direction"], user, municipality, approve=False, current=current)
        self.fields["period"].limit_to(municipality, include=[self.initial.get("period")])
        self.fields["indicator"].queryset = Indicator.objects.filter(municipality=municipality).order_by(
            "code"
        )
        if issued:  # an issued recommendation keeps its text and addressees: only its date moves
            for name, field in self.fields.items():
                if name != "due_on":
                    field.disabled = True
                    field.required = False


class ResponseForm(BoundedTexts, forms.Form):
    organization = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 6}))


class DecisionForm(BoundedTexts, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Decision.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=1000)
    text = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    adopted_on = forms.DateField(label=_("Adopted on"), required=False, widget=DATE)
    document = forms.ModelChoiceField(label=_("Document"), queryset=Document.objects.none(), required=False)
    direction = forms.ModelChoiceField(
        label=_("Direction"), queryset=Direction.objects.none(), required=False
    )
    period = PeriodField(required=False, empty_label=_("— no period —"))
    recommendations = forms.ModelMultipleChoiceField(
        label=_("Based on recommendations"),
        queryset=Recommendation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    events = GroupedMultipleChoiceField(
        label=_("Roadmap events that carry it out"),
        queryset=Event.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("The events of the municipality's roadmaps, by roadmap."),
    )
    indicators = GroupedMultipleChoiceField(
        label=_("Indicators it should move"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    effectiveness = forms.CharField(
        label=_("Analysis of effectiveness"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("Drafted from the indicators on the decision's page; edit freely."),
    )

    def __init__(
        self,
        *args,
        municipality: Municipality,
        user,
        current: Direction | None = None,
        adopted: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.filter(
            municipality=municipality, organization__isnull=True
        ).order_by("-pk")
        limit_directions(self.fields["direction"], user, municipality, approve=False, current=current)
        self.fields["period"].limit_to(municipality, include=[self.initial.get("period")])
        self.fields["recommendations"].queryset = Recommendation.objects.filter(municipality=municipality)
        event_choices(self.fields["events"], municipality)
        indicator_choices(self.fields["indicators"], municipality, first=current)
        adopts = access.may_leave_unbound(user, municipality, approve=True) or (
            access.direction_choices(user, municipality, approve=True).exists()
        )
        if not adopts:  # the date of adoption is given by those who adopt: the coordinators, the head
            self.fields["adopted_on"].disabled = True
            self.fields["adopted_on"].help_text = _(
                "Given by the coordinator of the direction who adopts it."
            )
        if adopted:  # an adopted decision keeps its content for those who do not adopt: only the analysis
            for name, field in self.fields.items():
                if name != "effectiveness":
                    field.disabled = True
                    field.required = False
