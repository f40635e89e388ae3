"""The form builder's inputs: the filter of the list of forms, a form's settings, a section, a question
and a cross-field check. They parse what a page sends; monitoring.builder checks and stores it."""

from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from directions.models import Direction
from indicators.models import DataElement
from mcok.filters import ALL, SearchFilterSet, YesNoFilter
from mcok.models import Municipality
from mcok.params import BoundedTexts
from mcok.sorting import naturally_sorted
from monitoring import builder
from monitoring.models import Field, Form, Rule, Section


def _directions(municipalities) -> QuerySet[Direction]:
    return (
        Direction.objects.filter(municipality__in=municipalities)
        .select_related("municipality")
        .order_by("municipality__name", "block__code", "code", "-valid_from__starts_on")
    )


class DirectionChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, with_municipality: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_municipality = with_municipality

    def label_from_instance(self, obj: Direction) -> str:
        text = f"{obj.code} {obj.name}"
        return f"{obj.municipality.name}: {text}" if self.with_municipality else text


class FormFilter(SearchFilterSet):
    """The list of forms; the view has already limited the rows to the user's municipalities."""

    LATEST = "latest"
    ALL_VERSIONS = "all"

    search_fields = ("title", "description")

    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug", empty_label=ALL
    )
    direction = django_filters.ModelChoiceFilter(
        label=_("Direction"), queryset=Direction.objects.none(), empty_label=ALL
    )
    versions = django_filters.ChoiceFilter(
        label=_("Versions"),
        choices=[(LATEST, _("Latest only")), (ALL_VERSIONS, _("All, with the older ones"))],
        empty_label=None,
        method="by_version",
    )
    locked = YesNoFilter(label=_("Used by a collection"), method="by_lock")

    class Meta:
        model = Form
        fields = ["q", "municipality", "direction", "versions", "locked"]

    def __init__(self, data=None, *args, municipalities=(), **kwargs):
        if data is not None:
            data = data.copy()
            data.setdefault("versions", self.LATEST)
        super().__init__(data, *args, **kwargs)
        ids = [m.pk for m in municipalities]
        if len(ids) < 2:
            del self.filters["municipality"]
        else:
            self.filters["municipality"].queryset = Municipality.objects.filter(pk__in=ids)
        self.filters["direction"].queryset = _directions(ids)

    @property
    def qs(self):
        queryset = super().qs
        if not self.is_bound or not self.form.is_valid():
            queryset = queryset.latest_versions()
        return queryset

    def by_version(self, queryset, name, value):
        return queryset if value == self.ALL_VERSIONS else queryset.latest_versions()

    def by_lock(self, queryset, name, value):
        return queryset.filter(locked=value)


class FormSettingsForm(BoundedTexts, forms.Form):
    """A form's settings: title, description and direction; for a new form, also its municipality.

    `directions` are the directions offered (the view passes those the person may build forms for);
    `unbound` whether «no direction» is offered too."""

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none())
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the schools read above the questions: what is asked and how to answer."),
    )
    direction = DirectionChoiceField(
        label=_("Direction"), queryset=Direction.objects.none(), required=False, empty_label="—"
    )

    def __init__(
        self,
        *args,
        municipalities: list[Municipality],
        directions: QuerySet[Direction],
        unbound: bool,
        creating: bool,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        ids = [m.pk for m in municipalities]
        if creating and len(ids) > 1:
            self.fields["municipality"].queryset = Municipality.objects.filter(pk__in=ids)
        else:
            del self.fields["municipality"]
        self.fields["direction"].queryset = _directions(ids).filter(pk__in=directions.values("pk"))
        self.fields["direction"].with_municipality = len(ids) > 1
        if not unbound:
            self.fields["direction"].required = True
            self.fields["direction"].empty_label = None


class SectionForm(BoundedTexts, forms.Form):
    title = forms.CharField(label=_("Section title"), max_length=300)
    description = forms.CharField(
        label=_("Section description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def question_label(item: Field) -> str:
    """A question as a list of choices names it: its label, shortened, and its code."""
    return f"{Truncator(item.label).chars(90)} ({item.code})"


class QuestionForm(BoundedTexts, forms.Form):
    """One question. The inputs of the other types are shown too when the page runs no script; the
    service empties those that do not fit the chosen type."""

    NO_ELEMENT = "none"
    EXISTING_ELEMENT = "existing"
    NEW_ELEMENT = "new"

    section = forms.ModelChoiceField(
        label=_("Section"),
        queryset=Section.objects.none(),
        required=False,
        empty_label=_("Without a section"),
    )
    label = forms.CharField(label=_("Question"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Type of answer"), choices=Field.Kind.choices)
    code = forms.CharField(
        label=_("Code"),
        max_length=builder.CODE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off", "class": "code"}),
        help_text=_(
            "Latin letters, digits and _, starting with a letter: the name of the answer in rules, "
            "files and exports. Left empty, it is made from the question."
        ),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    help_text = forms.CharField(
        label=_("Hint for the school"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown under the question: what to count, where to take the figure."),
    )
    min_value = forms.CharField(
        label=_("Minimum"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    max_value = forms.CharField(
        label=_("Maximum"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    choices = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One option per line, at least two."),
    )
    file_types = forms.CharField(
        label=_("Allowed file types"),
        required=False,
        max_length=200,
        help_text=_("Extensions separated by commas, for example: pdf, docx, xlsx. Left empty: %(types)s.")
        % {"types": builder.DEFAULT_FILE_TYPES},
    )
    max_file_mb = forms.IntegerField(
        label=_("Largest file, MB"), required=False, min_value=1, max_value=builder.FILE_MB_MAX, initial=10
    )
    binding = forms.ChoiceField(
        label=_("Data element"),
        choices=[
            (NO_ELEMENT, _("Not bound: the answer is not stored as a figure")),
            (EXISTING_ELEMENT, _("Bind to a data element of the municipality")),
            (NEW_ELEMENT, _("Create a new data element")),
        ],
        initial=NO_ELEMENT,
        widget=forms.RadioSelect,
        required=False,
    )
    data_element = forms.ModelChoiceField(
        label=_("Existing data element"), queryset=DataElement.objects.none(), required=False, empty_label="—"
    )
    new_element_code = forms.CharField(
        label=_("Code of the new data element"),
        required=False,
        max_length=builder.CODE_MAX,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off", "class": "code"}),
        help_text=_("Left empty: the question's code. An element with this code is reused if it exists."),
    )
    new_element_name = forms.CharField(
        label=_("Name of the new data element"),
        required=False,
        max_length=500,
        help_text=_("Left empty: the question."),
    )
    table_rows = forms.CharField(
        label=_("Rows of the table"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One row per line. Not needed when the table is bound to a data element split by categories."
        ),
    )
    table_columns = forms.CharField(
        label=_("Columns of the table"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One column per line; left empty, the table has one column «Value»."),
    )

    def __init__(
        self,
        *args,
        form: Form,
        item: Field | None = None,
        options: "QuestionOptions | None" = None,
        **kwargs,
    ):
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "section": item.section_id,
                "label": item.label,
                "kind": item.kind,
                "code": item.code,
                "required": item.required,
                "help_text": item.help_text,
                "min_value": _plain(item.min_value),
                "max_value": _plain(item.max_value),
                "choices": "\n".join(item.choices or []),
                "file_types": item.file_types,
                "max_file_mb": item.max_file_mb,
                "binding": self.EXISTING_ELEMENT if item.data_element_id else self.NO_ELEMENT,
                "data_element": item.data_element_id,
                "table_rows": "\n".join((item.table or {}).get("rows") or []),
                "table_columns": "\n".join((item.table or {}).get("columns") or []),
            }
        super().__init__(*args, **kwargs)
        self.form_record = form
        self.fields["section"].queryset = form.sections.order_by("order", "pk")
        self.fields["data_element"].queryset = DataElement.objects.filter(
            municipality_id=form.municipality_id
        )
        options = options or QuestionOptions.of(form)
        if not options.sections:
            self.fields["section"].widget = forms.HiddenInput()
        else:
            # The lists are read once per page (QuestionOptions), however many questions it edits.
            self.fields["section"].widget.choices = [
                ("", self.fields["section"].empty_label),
                *((s.pk, str(s)) for s in options.sections),
            ]
        self.fields["data_element"].widget.choices = [("", "—"), *options.elements]
        self.has_elements = bool(options.elements)

    def clean(self):
        cleaned = super().clean()
        binding = cleaned.get("binding") or self.NO_ELEMENT
        cleaned["binding"] = binding
        numeric = cleaned.get("kind") in (*Field.NUMERIC_KINDS, Field.Kind.TABLE)
        if numeric and binding == self.EXISTING_ELEMENT and not cleaned.get("data_element"):
            self.add_error("data_element", _("Choose the data element, or choose another way to bind."))
        return cleaned

    def service_values(self) -> dict:
        """The keyword arguments of builder.field_add and builder.field_update."""
        data = self.cleaned_data
        binding = data["binding"]
        return {
            "section": data["section"],
            "label": data["label"],
            "kind": data["kind"],
            "code": data["code"],
            "required": data["required"],
            "help_text": data["help_text"],
            "min_value": data["min_value"],
            "max_value": data["max_value"],
            "choices": data["choices"],
            "file_types": data["file_types"],
            "max_file_mb": data["max_file_mb"],
            "data_element": data["data_element"] if binding == self.EXISTING_ELEMENT else None,
            "new_element": builder.NewElement(data["new_element_code"], data["new_element_name"])
            if binding == self.NEW_ELEMENT
            else None,
            "table_rows": data["table_rows"],
            "table_columns": data["table_columns"],
        }


@dataclass
class QuestionOptions:
    """What the lists of a question's inputs offer: the form's sections and the municipality's data
    elements (in the natural order of their codes), read once for every question a page edits."""

    sections: list[Section]
    elements: list[tuple[int, str]]

    @classmethod
    def of(cls, form: Form) -> "QuestionOptions":
        elements = naturally_sorted(
            DataElement.objects.filter(municipality_id=form.municipality_id)
            .select_related("category_combo")
            .only("pk", "code", "name", "category_combo__name"),
            key=lambda e: e.code,
        )
        return cls(
            sections=list(form.sections.order_by("order", "pk")),
            elements=[(e.pk, _element_label(e)) for e in elements],
        )


def _element_label(element: DataElement) -> str:
    """A data element as the list names it; one split by categories says by which (a table's element)."""
    text = f"{element.code}: {Truncator(element.name).chars(90)}"
    if element.category_combo is None:
        return text
    return str(_("%(element)s — table: %(combo)s") % {"element": text, "combo": element.category_combo.name})


def _plain(value) -> str:
    """A stored limit as people write it: 0.0000 → «0», 12.5000 → «12,5»."""
    if value is None:
        return ""
    integral = value.to_integral_value()
    text = str(int(integral)) if value == integral else format(value.normalize(), "f")
    return text.replace(".", ",")


class RuleForm(forms.Form):
    """A cross-field check, its questions picked by label: the first question (the total, for a sum),
    and the second (for ≤ = ≥ and both-or-neither) or the parts (for a sum).

    Only «both or neither» may name a question that is not a number: the lists offer the numeric
    questions first and the others in a group of their own, which the page's script disables for
    the other kinds; a non-numeric question chosen for a numeric check is refused beside its list."""

    kind = forms.ChoiceField(label=_("Check"), choices=Rule.Kind.choices)
    left = forms.ChoiceField(label=_("First question"), help_text=_("For a sum: the total."))
    right = forms.ChoiceField(
        label=_("Second question"), required=False, help_text=_("For ≤, =, ≥ and «both or neither».")
    )
    parts = forms.MultipleChoiceField(
        label=_("Parts of the sum"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a sum: the questions that add up to the total."),
    )
    message = forms.CharField(
        label=_("Message to the school"),
        required=False,
        max_length=500,
        help_text=_("Left empty, it is made up from the questions."),
    )

    def __init__(self, *args, fields: list[Field], **kwargs):
        super().__init__(*args, **kwargs)
        # A table stands for its total in a check.
        numeric = [(item.code, question_label(item)) for item in fields if item.is_numeric or item.is_table]
        other = [
            (item.code, question_label(item)) for item in fields if not item.is_numeric and not item.is_table
        ]
        self.numeric_codes = [code for code, _label in numeric]
        if other:
            options = [
                (_("Numeric questions"), numeric),
                (_("Other questions: only for «both or neither»"), other),
            ]
        else:
            options = numeric
        self.fields["left"].choices = [("", "—"), *options]
        self.fields["right"].choices = [("", "—"), *options]
        self.fields["parts"].choices = numeric
        self.labels = {item.code: item.label for item in fields}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Rule.Kind.SUM:
            if len(cleaned.get("parts") or []) < 2:
                self.add_error("parts", _("Tick at least two parts of the sum."))
        elif cleaned.get("kind") and not cleaned.get("right"):
            self.add_error("right", _("Choose the second question."))
        if cleaned.get("kind") and cleaned["kind"] != Rule.Kind.BOTH_OR_NEITHER:
            for key in ("left", "right"):
                code = cleaned.get(key)
                if code and code not in self.numeric_codes and key not in self.errors:
                    self.add_error(
                        key,
                        _("«%(label)s» is not a number: this check compares numeric questions only.")
                        % {"label": Truncator(self.labels.get(code, code)).chars(90)},
                    )
        return cleaned

    def codes(self) -> list[str]:
        data = self.cleaned_data
        if data["kind"] == Rule.Kind.SUM:
            return [data["left"], *data["parts"]]
        return [data["left"], data["right"]]
