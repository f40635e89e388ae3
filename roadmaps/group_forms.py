"""Forms of the project group pages: the group, a member, a meeting and an agenda item. Choices are
limited to the group's municipality (and a meeting's attendees to the group's members); the rules of
the regulation are checked again by roadmaps.groups."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directions.models import Direction
from mcok.models import Document, Official, Organization
from mcok.params import BoundedTexts
from roadmaps.groups import votes_problem
from roadmaps.models import AgendaItem, Meeting, ProjectGroup


class GroupForm(forms.ModelForm):
    class Meta:
        model = ProjectGroup
        fields = ["title", "direction", "curators", "leader", "document"]
        labels = {"document": _("Approving document")}
        help_texts = {
            "direction": _("The direction of the management cycle the group works for."),
            "document": _("The order that approved the group and its composition."),
        }
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "curators": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = Direction.objects.filter(municipality=municipality).order_by(
            "code"
        )
        officials = Official.objects.filter(municipality=municipality, is_active=True).order_by("full_name")
        self.fields["curators"].queryset = officials
        self.fields["leader"].queryset = officials
        self.fields["document"].queryset = Document.objects.filter(municipality=municipality).order_by(
            "-date", "title"
        )


class MemberForm(forms.Form):
    official = forms.ModelChoiceField(
        label=_("Official"),
        queryset=Official.objects.none(),
        required=False,
        help_text=_("Choose an official of the municipality, or write a name below."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=300, required=False)
    position = forms.CharField(
        label=_("Position"), max_length=500, required=False, help_text=_("As the order writes it.")
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), required=False
    )
    qualifier = forms.CharField(
        label=_("Qualifier"),
        max_length=500,
        required=False,
        help_text=_("What the order adds to the organization: «(КШ)», «корпус «Голубятская ООШ»»."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["official"].queryset = (
            Official.objects.filter(municipality=municipality, is_active=True)
            .select_related("organization")
            .order_by("full_name")
        )
        self.fields["organization"].queryset = Organization.objects.filter(
            municipality=municipality, is_active=True
        ).order_by("short_name")

    def clean(self):
        data = super().clean()
        if not data.get("official") and not (data.get("full_name") or "").strip():
            raise forms.ValidationError(_("Choose an official or write the member's full name."))
        return data


class MemberUpdateForm(forms.Form):
    position = forms.CharField(label=_("Position"), max_length=500, required=False)
    qualifier = forms.CharField(label=_("Qualifier"), max_length=500, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)


class MeetingForm(BoundedTexts, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = [
            "number",
            "kind",
            "repeats",
            "date",
            "time",
            "place",
            "attendees",
            "invited",
            "chair",
            "secretary",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "attendees": forms.CheckboxSelectMultiple,
            "invited": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "number": _("Left empty, the next number of the group is given."),
            "kind": _("Monthly (3.2), unplanned by the leader's decision (3.3), or a repeated one."),
            "repeats": _("For a repeated meeting: the meeting that had no quorum."),
        }

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        members = group.members.select_related("organization").order_by("order", "full_name")
        if self.instance.pk:  # a member who left stays checkable on the meetings they attended
            members = members.filter(is_active=True) | members.filter(meetings=self.instance)
            members = members.distinct()
        else:
            members = members.filter(is_active=True)
        self.fields["attendees"].queryset = members
        self.fields["attendees"].label_from_instance = lambda m: (
            f"{m.full_name} ({m.organization.short_name})" if m.organization_id else m.full_name
        )
        self.fields["number"].required = False
        earlier = group.meetings.order_by("-date", "-pk")
        if self.instance.pk:
            earlier = earlier.exclude(pk=self.instance.pk)
        self.fields["repeats"].queryset = earlier
        self.fields["repeats"].label_from_instance = lambda m: (
            _("No. %(number)s of %(date)s")
            % {
                "number": m.number,
                "date": m.date.strftime("%d.%m.%Y"),
            }
        )


class AgendaItemForm(BoundedTexts, forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = [
            "kind",
            "title",
            "speakers",
            "decision",
            "reasons",
            "votes_for",
            "votes_against",
            "votes_abstained",
            "responsible_text",
            "deadline_text",
        ]
        help_texts = {
            "kind": _(
                "A review of the roadmap's progress takes the events of the group's roadmap with their "
                "state on the meeting's date into the protocol."
            )
        }
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "speakers": forms.Textarea(attrs={"rows": 2}),
            "decision": forms.Textarea(attrs={"rows": 3}),
            "reasons": forms.Textarea(attrs={"rows": 2}),
            "responsible_text": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, present: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.present = present
        self.fields["title"].required = False  # a review of the roadmap has its own title
        for name in ("votes_for", "votes_against", "votes_abstained"):
            self.fields[name].widget.attrs.update({"min": 0, "max": present, "inputmode": "numeric"})

    def clean(self):
        data = super().clean()
        if not (data.get("title") or "").strip():
            if data.get("kind") == AgendaItem.Kind.ROADMAP_REVIEW:
                data["title"] = gettext("Review of the progress of the roadmap")
            else:
                self.add_error("title", _("Write the agenda item."))
        votes = [data.get(name) for name in ("votes_for", "votes_against", "votes_abstained")]
        if all(v is not None for v in votes):
            problem = votes_problem(*votes, present=self.present)
            if problem:
                raise forms.ValidationError(problem)
        return data
