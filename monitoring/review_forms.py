"""The inputs of the collections' pages: the filter of the collections, a collection's settings and
whom it asks, an extension of one organization's deadline, the comment of a return."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mcok import params
from mcok.filters import ALL, SearchFilterSet
from mcok.models import Municipality, Organization
from mcok.params import BoundedTexts
from mcok.periods import PeriodField, PeriodFilter, limit_period
from monitoring import access, services
from monitoring.models import Campaign, Form

FLAG_LABELS = {
    "low_results": _("Low results (ШНОР)"),
    "unfavourable_conditions": _("Unfavourable social conditions"),
    "rural": _("Rural"),
    "urban": _("Urban"),
}
DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


class CampaignFilter(SearchFilterSet):
    """The list of collections; the view has already limited the rows to the user's municipalities."""

    search_fields = ("title", "form__title", "description")

    state = django_filters.ChoiceFilter(label=_("State"), choices=Campaign.State.choices, empty_label=ALL)
    period = PeriodFilter(label=_("Period"), to_field_name="code", empty_label=ALL)
    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug", empty_label=ALL
    )

    class Meta:
        model = Campaign
        fields = ["q", "state", "period", "municipality"]

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_period(
            self.filters["period"],
            municipalities[0] if municipalities is not None and len(municipalities) == 1 else None,
        )
        if municipalities is None or len(municipalities) < 2:
            del self.filters["municipality"]
        else:
            self.filters["municipality"].queryset = Municipality.objects.filter(
                pk__in=[m.pk for m in municipalities]
            )


class CampaignForm(BoundedTexts, forms.Form):
    """A collection's settings and whom it asks: the kinds and flags of organizations, or a list.

    After is_valid(), `organizations` holds the organizations the choice gives."""

    BY_CRITERIA = "criteria"
    BY_LIST = "list"

    form = forms.ModelChoiceField(label=_("Form"), queryset=Form.objects.none())
    period = PeriodField()
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the schools read above the form: why the data are collected, whom to ask."),
    )
    opens_on = forms.DateField(
        label=_("Opens on"), widget=forms.DateInput(**DATE_WIDGET), validators=[params.date_in_years]
    )
    deadline = forms.DateField(
        label=_("Deadline"), widget=forms.DateInput(**DATE_WIDGET), validators=[params.date_in_years]
    )
    closes_on = forms.DateField(
        label=_("Closes on"),
        required=False,
        widget=forms.DateInput(**DATE_WIDGET),
        validators=[params.date_in_years],
        help_text=_("After this day nothing more is accepted; left empty, the coordinator closes it."),
    )
    requires_sign_off = forms.BooleanField(
        label=_("The head signs off the answers"),
        required=False,
        help_text=_("A respondent's submitted form is accepted only after the school head signs it off."),
    )
    choose = forms.ChoiceField(
        label=_("Whom to ask"),
        choices=[
            (BY_CRITERIA, _("Organizations of the chosen kinds and flags")),
            (BY_LIST, _("The organizations ticked in the list")),
        ],
        initial=BY_CRITERIA,
        widget=forms.RadioSelect,
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of organization"),
        choices=Organization.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )
    flags = forms.MultipleChoiceField(
        label=_("Only those that are"),
        choices=list(FLAG_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An organization must have every flag ticked."),
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, municipality: Municipality, user, campaign: Campaign | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.campaign = campaign
        # Only the forms of the directions `user` runs collections for (and of none, for the municipal
        # roles); the collection's own form stays, so that its settings can be saved as they are.
        forms_of = Form.objects.filter(municipality=municipality).filter(
            Q(pk__in=access.forms_for_campaigns(user, municipality).values("pk"))
            | (Q(pk=campaign.form_id) if campaign else Q(pk__in=[]))
        )
        chosen = Q(pk=campaign.form_id) if campaign else Q(pk__in=[])
        self.fields["form"].queryset = forms_of.filter(Q(next_version__isnull=True) | chosen).order_by(
            "title", "-version"
        )
        self.fields["period"].limit_to(municipality, include=[campaign.period_id] if campaign else [])
        asked = Q(pk__in=campaign.organizations.values("pk")) if campaign else Q(pk__in=[])
        self.fields["organizations"].queryset = Organization.objects.filter(
            Q(is_active=True) | asked, municipality=municipality
        ).order_by("kind", "short_name")
        self.targeted: list[Organization] = []

    def clean(self):
        cleaned = super().clean()
        opens_on, deadline, closes_on = (cleaned.get(name) for name in ("opens_on", "deadline", "closes_on"))
        if opens_on and deadline and deadline < opens_on:
            self.add_error("deadline", _("The deadline cannot be earlier than the opening date."))
        if deadline and closes_on and closes_on < deadline:
            self.add_error("closes_on", _("A collection cannot close before its deadline."))
        flags = cleaned.get("flags") or []
        if "rural" in flags and "urban" in flags:
            self.add_error("flags", _("An organization is either rural or urban: tick one of the two."))
            return cleaned
        if cleaned.get("choose") == self.BY_LIST:
            self.targeted = list(cleaned.get("organizations") or [])
            if not self.targeted:
                self.add_error("organizations", _("Tick the organizations to ask."))
        elif "choose" in cleaned:
            self.targeted = list(
                services.organizations_targeted(
                    self.municipality, kinds=cleaned.get("kinds") or [], flags=flags
                )
                .filter(is_active=True)
                .order_by("kind", "short_name")
            )
            if not self.targeted:
                self.add_error("kinds", _("No organization of the municipality fits this choice."))
        return cleaned

    @classmethod
    def initial_for(cls, campaign: Campaign) -> dict:
        return {
            "form": campaign.form_id,
            "period": campaign.period_id,
            "title": campaign.title,
            "description": campaign.description,
            "opens_on": campaign.opens_on,
            "deadline": campaign.deadline,
            "closes_on": campaign.closes_on,
            "requires_sign_off": campaign.requires_sign_off,
            "choose": cls.BY_CRITERIA if campaign.target_kinds or campaign.target_flags else cls.BY_LIST,
            "kinds": campaign.target_kinds,
            "flags": campaign.target_flags,
            "organizations": list(campaign.organizations.values_list("pk", flat=True)),
        }


class ExtensionForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    deadline = forms.DateField(
        label=_("New deadline"), widget=forms.DateInput(**DATE_WIDGET), validators=[params.date_in_years]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = campaign.organizations.all()


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What the school should fix"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": _("Say what the school should fix: the comment is required.")},
    )
