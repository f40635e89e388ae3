"""The catalogue's forms (an indicator, a data element) and the department's entry of figures."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from directions.models import Direction
from indicators import services
from indicators.models import CategoryCombo, DataElement, DataValue, Indicator, IndicatorGroup
from mcok.models import Municipality, Official, Organization
from mcok.params import BoundedTexts


class IndicatorForm(BoundedTexts, forms.ModelForm):
    """An indicator of one municipality. clean() checks the formula against the municipality's data
    elements, so an unknown code or an unbalanced parenthesis is shown beside its field in Russian.

    A growth rate is set with the same two fields: the numerator and the denominator of the base ratio
    whose growth is measured, which the help texts say, so that the municipality's rate is the
    growth of Σ numerators / Σ denominators."""

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "direction",
            "group",
            "unit",
            "kind",
            "numerator",
            "denominator",
            "factor",
            "periodicity",
            "periodicity_text",
            "higher_is_better",
            "risk_threshold",
            "method",
            "source",
            "criterion",
            "responsible",
            "responsible_organizations",
            "responsible_text",
            "is_published",
            "publish_organization_values",
        ]
        localized_fields = ["risk_threshold"]
        widgets = {
            "name": forms.Textarea(attrs={"rows": 2}),
            "numerator": forms.TextInput(attrs={"class": "formula", "spellcheck": "false"}),
            "denominator": forms.TextInput(attrs={"class": "formula", "spellcheck": "false"}),
            "method": forms.Textarea(attrs={"rows": 3}),
            "source": forms.Textarea(attrs={"rows": 3}),
            "criterion": forms.Textarea(attrs={"rows": 3}),
            "responsible": forms.SelectMultiple(attrs={"size": 8}),
            "responsible_organizations": forms.SelectMultiple(attrs={"size": 8}),
            "responsible_text": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["direction"].queryset = Direction.objects.filter(municipality=municipality).order_by(
            "block__code", "code", "-valid_from__starts_on"
        )
        self.fields["responsible"].queryset = Official.objects.filter(municipality=municipality).order_by(
            "full_name"
        )
        self.fields["responsible_organizations"].queryset = Organization.objects.filter(
            municipality=municipality
        ).order_by("short_name")
        self.fields["group"].queryset = IndicatorGroup.objects.filter(municipality=municipality)
        self.fields["numerator"].help_text = _(
            "Data-element codes, numbers, + − × ÷ and parentheses. For a growth rate, the numerator "
            "of the base ratio whose growth against the previous period is measured."
        )
        self.fields["denominator"].help_text = _(
            "For a growth rate, the denominator of the base ratio; empty for the growth of a "
            "quantity. The municipality's growth rate is that of Σ numerators / Σ denominators."
        )
        self.fields["factor"].help_text = _(
            "100 for per cent; 10, 100, 1000 for «per N». A growth rate does not use it."
        )
        # The database refuses a zero factor; say so beside the field rather than as a constraint name.
        self.fields["factor"].validators.append(MinValueValidator(1))
        self.fields["factor"].widget.attrs["min"] = 1

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        taken = Indicator.objects.filter(municipality=self.municipality, code=code).exclude(
            pk=self.instance.pk
        )
        if taken.exists():
            raise ValidationError(_("The municipality already has an indicator with this code."))
        return code

    def clean(self):
        cleaned = super().clean()
        probe = Indicator(
            municipality=self.municipality,
            kind=cleaned.get("kind") or Indicator.Kind.RATIO,
            numerator=cleaned.get("numerator") or "",
            denominator=cleaned.get("denominator") or "",
        )
        try:
            services.indicator_check(probe)
        except ValidationError as error:
            self.add_error(None, error)  # a dict of errors: each lands beside its field
        return cleaned


class DataElementForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of organization that report it"),
        choices=Organization.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DataElement
        fields = ["code", "name", "value_type", "unit", "kinds", "category_combo", "has_total"]
        widgets = {"name": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["category_combo"].queryset = CategoryCombo.objects.filter(municipality=municipality)
        self.fields["category_combo"].empty_label = _("Not split: one number")

    def clean_has_total(self) -> bool:
        # A single number is its own total; only a table may have none.
        return self.cleaned_data["has_total"] or not self.cleaned_data.get("category_combo")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        taken = DataElement.objects.filter(municipality=self.municipality, code=code).exclude(
            pk=self.instance.pk
        )
        if taken.exists():
            raise ValidationError(_("The municipality already has a data element with this code."))
        return code


def _plain(value: Decimal) -> Decimal:
    """40.0000 → 40 and 12.5000 → 12.5, never 1E+2."""
    integral = value.to_integral_value()
    return integral if value == integral else value.normalize()


class ValuesForm(forms.Form):
    """One field per data element, pre-filled with the stored value. An empty field stores nothing
    and leaves a stored value as it is."""

    def __init__(self, *args, elements: list[DataElement], current: dict[int, DataValue], **kwargs):
        super().__init__(*args, **kwargs)
        self.elements = elements
        self.current = current
        for element in elements:
            stored = current.get(element.pk)
            self.fields[self.field_name(element)] = self._field(element, stored)

    @staticmethod
    def field_name(element: DataElement) -> str:
        return f"element_{element.pk}"

    @staticmethod
    def _field(element: DataElement, stored: DataValue | None) -> forms.Field:
        options = {
            "label": element.name,
            "required": False,
            "localize": True,
            "initial": _plain(stored.value) if stored else None,
        }
        kind = element.value_type
        if kind == DataElement.ValueType.INTEGER:
            field: forms.Field = forms.IntegerField(min_value=0, max_value=10**12, **options)
        elif kind == DataElement.ValueType.PERCENT:
            field = forms.DecimalField(min_value=0, max_value=100, max_digits=16, decimal_places=4, **options)
        else:
            field = forms.DecimalField(max_digits=16, decimal_places=4, **options)
        field.widget.attrs.update({"inputmode": "decimal" if kind != "integer" else "numeric"})
        return field

    def rows(self):
        """(element, bound field, stored value) for the template."""
        for element in self.elements:
            yield element, self[self.field_name(element)], self.current.get(element.pk)

    def entered(self) -> list[tuple[DataElement, Decimal]]:
        """The elements with a number in their field, after is_valid()."""
        result = []
        for element in self.elements:
            value = self.cleaned_data.get(self.field_name(element))
            if value is not None:
                result.append((element, Decimal(value)))
        return result
