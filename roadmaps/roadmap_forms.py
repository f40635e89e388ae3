"""Forms of the roadmap pages: a roadmap's heading, an event, progress on an instance, and the filters
of the lists. Choices are limited to the roadmap's municipality by the view; a direction is chosen
among those the user may write (roadmaps.access), or none when their municipal role allows it."""

import datetime
from itertools import groupby

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directions.models import Direction
from indicators.models import Indicator
from mcok import params
from mcok.filters import ALL, YesNoFilter
from mcok.models import Document, Municipality, Official, Organization
from mcok.params import BoundedTexts
from roadmaps import access
from roadmaps.models import Event, Occurrence, Roadmap

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_LINES = 100


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def limit_directions(
    field: forms.ModelChoiceField,
    user,
    municipality: Municipality,
    *,
    approve: bool,
    current: Direction | None = None,
) -> None:
    """Offer the municipality's directions whose work `user` may write (with `approve`: approve), and
    the record's current one; no direction only to those whose municipal role allows work bound to
    none."""
    choices = access.direction_choices(user, municipality, approve=approve)
    if current is not None:
        choices = Direction.objects.filter(Q(pk__in=choices.values("pk")) | Q(pk=current.pk)).order_by("code")
    field.queryset = choices
    field.required = not access.may_leave_unbound(user, municipality, approve=approve)


class _GroupedChoices(forms.models.ModelChoiceIterator):
    """The queryset's rows as option groups, one per consecutive value of the field's `group_of`."""

    def __iter__(self):
        for label, rows in groupby(self.queryset, key=self.field.group_of):
            yield (label, [self.choice(row) for row in rows])


class GroupedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of records shown in option groups (`group_of(record)` names a record's group;
    the queryset is ordered so that each group's rows come together). What is accepted is still
    decided by the queryset alone."""

    iterator = _GroupedChoices

    def __init__(self, *args, group_of=None, **kwargs):
        self.group_of = group_of or (lambda row: "")
        super().__init__(*args, **kwargs)


def indicator_choices(field: GroupedMultipleChoiceField, municipality: Municipality, first=None) -> None:
    """The municipality's indicators grouped by direction, those of `first` (the roadmap's direction)
    at the top, then the others by the direction's code, then those of no direction."""
    on_top = Case(When(direction_id=first.pk, then=0), default=1) if first is not None else Value(1)
    field.queryset = (
        Indicator.objects.filter(municipality=municipality)
        .select_related("direction")
        .annotate(on_top=on_top, unbound=Case(When(direction__isnull=True, then=1), default=0))
        .order_by("on_top", "unbound", "direction__code", "code")
    )
    field.group_of = lambda row: (
        f"{row.direction.code} {row.direction.name}" if row.direction_id else str(_("No direction"))
    )
    if first is not None:
        field.help_text = _(
            "The indicators of the roadmap's direction (%(code)s) come first; an event may also move "
            "another direction's indicators."
        ) % {"code": first.code}


def event_choices(field: GroupedMultipleChoiceField, municipality: Municipality) -> None:
    """The events of the municipality's roadmaps, grouped by roadmap."""
    field.queryset = (
        Event.objects.filter(roadmap__municipality=municipality)
        .select_related("roadmap")
        .order_by("roadmap__title", "roadmap_id", "order", "pk")
    )
    field.group_of = lambda row: row.roadmap.title[:120]


def direction_refused(form: forms.Form, municipality: Municipality) -> bool:
    """Whether the form names a direction of the municipality that it does not offer the user: not a
    slip but a write the user has no right to, answered 403."""
    value = str(form.data.get(form.add_prefix("direction")) or "")
    return (
        "direction" in form.errors
        and (pk := params.as_id(value)) is not None
        and Direction.objects.filter(municipality=municipality, pk=pk).exists()
    )


class RoadmapForm(BoundedTexts, forms.ModelForm):
    criteria_text = forms.CharField(
        label=_("Planned criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One criterion per line, as the roadmap lists them."),
    )

    class Meta:
        model = Roadmap
        fields = ["title", "direction", "project", "start_year", "end_year", "document"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, municipality: Municipality, user, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.direction if self.instance.pk and self.instance.direction_id else None
        limit_directions(self.fields["direction"], user, municipality, approve=True, current=current)
        self.fields["document"].queryset = Document.objects.filter(municipality=municipality).order_by(
            "-date", "title"
        )
        for name in ("start_year", "end_year"):
            self.fields[name].widget.attrs.update({"min": MIN_YEAR, "max": MAX_YEAR})
        if self.instance.pk:
            self.initial["criteria_text"] = "\n".join(self.instance.criteria or [])

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def _year(self, name: str) -> int | None:
        year = self.cleaned_data.get(name)
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError(
                _("Enter a year between %(first)s and %(last)s."),
                params={"first": MIN_YEAR, "last": MAX_YEAR},
            )
        return year

    def clean_start_year(self):
        return self._year("start_year")

    def clean_end_year(self):
        return self._year("end_year")

    def clean_criteria_text(self) -> list[str]:
        lines = _lines(self.cleaned_data["criteria_text"])
        if len(lines) > MAX_LINES:
            raise ValidationError(_("At most %(count)s criteria."), params={"count": MAX_LINES})
        return lines

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The last year cannot come before the first."))
        return data


RELATIONS = ("responsible_officials", "responsible_organizations", "indicators")


class EventForm(BoundedTexts, forms.ModelForm):
    new_section_number = forms.CharField(label=_("Number of a new section"), max_length=20, required=False)
    new_section_title = forms.CharField(
        label=_("Title of a new section"),
        max_length=1000,
        required=False,
        help_text=_("Fill in to add the event to a new section instead of a listed one."),
    )

    class Meta:
        model = Event
        field_classes = {"indicators": GroupedMultipleChoiceField}
        fields = [
            "section",
            "number",
            "content",
            "responsible_officials",
            "responsible_organizations",
            "responsible_text",
            "deadline_text",
            "result",
            "indicators",
            "order",
        ]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "responsible_text": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "responsible_officials": forms.SelectMultiple(attrs={"size": 6}),
            "responsible_organizations": forms.SelectMultiple(attrs={"size": 6}),
            "indicators": forms.SelectMultiple(attrs={"size": 10}),
        }
        help_texts = {
            "deadline_text": _(
                "As the roadmap writes it: «Ежегодно (сентябрь)», «до 01.09.2021», «В течение года»."
            ),
            "responsible_text": _(
                "As the roadmap writes it; the people and organizations above are tracked."
            ),
        }

    def __init__(self, *args, roadmap: Roadmap, **kwargs):
        super().__init__(*args, **kwargs)
        municipality = roadmap.municipality
        self.roadmap = roadmap
        self.fields["section"].queryset = roadmap.sections.order_by("order", "pk")
        self.fields["responsible_officials"].queryset = Official.objects.filter(
            municipality=municipality, is_active=True
        ).select_related("organization", "municipality")
        self.fields["responsible_organizations"].queryset = Organization.objects.filter(
            municipality=municipality, is_active=True
        ).order_by("short_name")
        indicator_choices(self.fields["indicators"], municipality, first=roadmap.direction)
        self.fields["deadline_text"].label = _("Deadline, as written")

    def clean_content(self) -> str:
        content = self.cleaned_data["content"].strip()
        if not content:
            raise ValidationError(_("Write what the event is."))
        return content

    def clean(self):
        data = super().clean()
        if (data.get("new_section_number") or "").strip() and not (
            data.get("new_section_title") or ""
        ).strip():
            self.add_error("new_section_title", _("Give the new section a title."))
        return data

    def new_section(self) -> tuple[str, str] | None:
        """The number and title of a new section to put the event in, when one is asked for."""
        title = self.cleaned_data.get("new_section_title", "").strip()
        return (self.cleaned_data.get("new_section_number", "").strip(), title) if title else None

    def relations(self) -> dict[str, list]:
        """The event's people, organizations and indicators as chosen."""
        return {name: list(self.cleaned_data[name]) for name in RELATIONS}


class OccurrenceForm(BoundedTexts, forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=Occurrence.State.choices)
    report = forms.CharField(
        label=_("Short report"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done: needed to mark the event done, unless a link is given."),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One address per line: the page, the order or the materials on the site."),
    )
    evidence = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("An order, a report or materials: PDF, Word, Excel, OpenDocument, text or a picture."),
    )
    done_on = forms.DateField(
        label=_("Done on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Today, if left empty."),
    )

    def clean_links(self) -> list[str]:
        links = _lines(self.cleaned_data["links"])
        if len(links) > MAX_LINES:
            raise ValidationError(_("At most %(count)s links."), params={"count": MAX_LINES})
        check = URLValidator(schemes=["http", "https"])
        bad = []
        for link in links:
            try:
                check(link)
            except ValidationError:
                bad.append(link)
        if bad:
            raise ValidationError(
                _("Not a web address (http:// or https://): %(links)s"), params={"links": ", ".join(bad)}
            )
        return links

    def clean_done_on(self) -> datetime.date | None:
        done_on = self.cleaned_data.get("done_on")
        if done_on and done_on > timezone.localdate() + datetime.timedelta(days=1):
            raise ValidationError(_("The day it was done cannot be in the future."))
        return done_on


class MyEventsFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=Occurrence.State.choices, empty_label=ALL)
    overdue = YesNoFilter(label=_("Overdue"), method="filter_overdue")
    year = django_filters.ChoiceFilter(
        label=_("Year"), field_name="due_on__year", empty_label=ALL, choices=[]
    )

    class Meta:
        model = Occurrence
        fields = ["state", "overdue", "year"]

    def __init__(self, *args, years=(), today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.filters["year"].extra["choices"] = [(year, str(year)) for year in years]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue(self.today)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class OverdueFilter(django_filters.FilterSet):
    roadmap = django_filters.ModelChoiceFilter(
        label=_("Roadmap"), field_name="event__roadmap", queryset=Roadmap.objects.none(), empty_label=ALL
    )
    organization = django_filters.ModelChoiceFilter(
        label=_("Responsible organization"),
        field_name="event__responsible_organizations",
        queryset=Organization.objects.none(),
        empty_label=ALL,
        distinct=True,
    )

    class Meta:
        model = Occurrence
        fields = ["roadmap", "organization"]

    def __init__(self, *args, roadmaps=None, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roadmaps is not None:
            self.filters["roadmap"].queryset = roadmaps
        if organizations is not None:
            self.filters["organization"].queryset = organizations
