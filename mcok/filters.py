"""One FilterSet per list: the HTML page and the API filter alike."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mcok import access
from mcok.models import Document, Official, Organization


def _municipalities(request):
    return access.municipalities_visible_to(request.user) if request else access.Municipality.objects.none()


def _organizations(request):
    return access.organizations_visible_to(request.user) if request else Organization.objects.none()


ALL = _("All")


MAX_ID = 2**63 - 1  # the largest id a BigAutoField holds


class IdFilter(django_filters.NumberFilter):
    """A whole number the database can hold: a fraction, or a number past the column's range, answers
    400 instead of failing in the database (SQLite refuses integers past 64 bits with a 500)."""

    field_class = forms.IntegerField
    bounds = (1, MAX_ID)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", self.bounds[0])
        kwargs.setdefault("max_value", self.bounds[1])
        super().__init__(*args, **kwargs)


class YearFilter(IdFilter):
    """A year a date can have: Python's dates start at year 1 and end at 9999, and a `__year` lookup
    builds such dates for its bounds."""

    bounds = (1, 9999)


class YesNoWidget(django_filters.widgets.BooleanWidget):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", ALL), ("true", _("yes")), ("false", _("no"))]


class YesNoFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, widget=YesNoWidget, **kwargs)


class SearchFilterSet(django_filters.FilterSet):
    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(label=_("Search"), method="search")

    def search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            word_condition = Q()
            for field in self.search_fields:
                word_condition |= Q(**{f"{field}__icontains": word})
            condition &= word_condition
        return queryset.filter(condition)


class OrganizationFilter(SearchFilterSet):
    search_fields = ("short_name", "full_name")

    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"), queryset=_municipalities, empty_label=ALL
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Organization.Kind.choices, empty_label=ALL)
    locality = django_filters.ChoiceFilter(
        label=_("Locality"), choices=Organization.Locality.choices, empty_label=ALL
    )
    low_results = YesNoFilter(label=_("Low results (ШНОР)"))
    unfavourable_conditions = YesNoFilter(label=_("Unfavourable social conditions"))
    has_head = YesNoFilter(label=_("Head recorded"), field_name="head", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Organization
        fields = [
            "q",
            "municipality",
            "kind",
            "locality",
            "low_results",
            "unfavourable_conditions",
            "has_head",
        ]


class OfficialFilter(SearchFilterSet):
    search_fields = ("full_name", "position", "organization__short_name")

    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"), queryset=_municipalities, empty_label=ALL
    )
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=_organizations, empty_label=ALL
    )
    department = YesNoFilter(
        label=_("Education department staff"), field_name="organization", lookup_expr="isnull"
    )
    has_account = YesNoFilter(
        label=_("Has an account"), field_name="user", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Official
        fields = ["q", "municipality", "organization", "department", "has_account"]


class DocumentFilter(SearchFilterSet):
    search_fields = ("title", "number")

    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"), queryset=_municipalities, empty_label=ALL
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Document.Kind.choices, empty_label=ALL)
    year = YearFilter(label=_("Year"), field_name="date", lookup_expr="year")

    class Meta:
        model = Document
        fields = ["q", "municipality", "kind", "year"]
