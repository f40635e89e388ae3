"""Forms of the assignments page (закрепление направлений): an assignment, its end, its transfer, the
filters, and the import of the order's table. Plain forms, not model forms: the model's constraints
speak English, and directions.services.responsibility_problems says what is wrong in Russian; the
forms check only what a field alone can tell, and the order of the dates."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directions.models import Direction, Duty, Responsibility
from mcok.models import Document, Municipality, Official, Organization

DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".docx", ".xlsx")


def _direction_label(direction: Direction) -> str:
    return f"{direction.code} {direction.name}"


def _official_label(official: Official) -> str:
    return f"{official.full_name}, {official.position}" if official.position else official.full_name


class _Choices:
    """The municipality's directions, officials, organizations and documents as field choices."""

    def limit(self, municipality: Municipality, *, keep: Responsibility | None = None) -> None:
        fields = self.fields
        if "direction" in fields:
            fields["direction"].queryset = Direction.objects.filter(municipality=municipality).order_by(
                "block__code", "code", "-valid_from__starts_on"
            )
            fields["direction"].label_from_instance = _direction_label
        if "official" in fields:
            officials = Official.objects.filter(municipality=municipality, is_active=True)
            if keep is not None and keep.official_id:
                officials = Official.objects.filter(municipality=municipality).filter(
                    pk__in=[keep.official_id, *officials.values_list("pk", flat=True)]
                )
            fields["official"].queryset = officials.order_by("full_name")
            fields["official"].label_from_instance = _official_label
        if "organization" in fields:
            fields["organization"].queryset = Organization.objects.filter(municipality=municipality).order_by(
                "short_name"
            )
        if "document" in fields:
            fields["document"].queryset = Document.objects.filter(municipality=municipality).order_by(
                "-date", "title"
            )


def _official_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=gettext_lazy("Official"),
        queryset=Official.objects.none(),
        required=False,
        help_text=gettext_lazy("An official, or else an organization."),
    )


def _organization_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=gettext_lazy("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=gettext_lazy("An organization named responsible, such as the methodical centre."),
    )


def _document_field(required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=gettext_lazy("Document"),
        queryset=Document.objects.none(),
        required=required,
        help_text=gettext_lazy("The order that assigns it."),
    )


def _one_holder(form: forms.Form) -> None:
    official, organization = form.cleaned_data.get("official"), form.cleaned_data.get("organization")
    if official is None and organization is None and not form.has_error("official"):
        form.add_error("official", _("Choose an official or an organization."))
    elif official is not None and organization is not None:
        form.add_error("organization", _("Choose an official or an organization, not both."))


class ResponsibilityForm(_Choices, forms.Form):
    """An assignment, new or corrected; an acting deputy is one with «acting» ticked."""

    direction = forms.ModelChoiceField(label=gettext_lazy("Direction"), queryset=Direction.objects.none())
    duty = forms.ChoiceField(label=gettext_lazy("Duty"), choices=Duty.choices)
    official = _official_field()
    organization = _organization_field()
    acting = forms.BooleanField(
        label=gettext_lazy("Acting («и. о.»)"),
        required=False,
        help_text=gettext_lazy("Acts for an absent holder for the days given."),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(**DATE_WIDGET),
        help_text=gettext_lazy("Empty: from the start."),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateInput(**DATE_WIDGET),
        help_text=gettext_lazy("Its last day; empty: until further notice."),
    )
    document = _document_field()

    def __init__(self, *args, municipality: Municipality, instance: Responsibility | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "direction": instance.direction_id,
                "duty": instance.duty,
                "official": instance.official_id,
                "organization": instance.organization_id,
                "acting": instance.acting,
                "starts_on": instance.starts_on,
                "ends_on": instance.ends_on,
                "document": instance.document_id,
            }
        super().__init__(*args, **kwargs)
        self.limit(municipality, keep=instance)

    def clean(self):
        cleaned = super().clean()
        _one_holder(self)
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The assignment ends before it starts."))
        return cleaned


class EndForm(forms.Form):
    """«Снять с даты»: the last day of the assignment."""

    ends_on = forms.DateField(label=gettext_lazy("Last day"), widget=forms.DateInput(**DATE_WIDGET))


class TransferForm(_Choices, forms.Form):
    """«Передать»: the current holder's last day and who takes the duty from the next day."""

    ends_on = forms.DateField(
        label=gettext_lazy("Last day of the current holder"),
        widget=forms.DateInput(**DATE_WIDGET),
        help_text=gettext_lazy("The new holder takes the duty from the next day."),
    )
    official = _official_field()
    organization = _organization_field()
    acting = forms.BooleanField(label=gettext_lazy("Acting («и. о.»)"), required=False)
    document = _document_field()

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit(municipality)

    def clean(self):
        cleaned = super().clean()
        _one_holder(self)
        return cleaned


class FilterForm(_Choices, forms.Form):
    """The page's filters: a direction, a person (an official or an organization), and the
    assignments in force on a date."""

    direction = forms.ModelChoiceField(
        label=gettext_lazy("Direction"), queryset=Direction.objects.none(), required=False
    )
    person = forms.ChoiceField(label=gettext_lazy("Who"), required=False)
    on = forms.DateField(
        label=gettext_lazy("In force on"), required=False, widget=forms.DateInput(**DATE_WIDGET)
    )

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit(municipality)
        officials = Official.objects.filter(municipality=municipality).order_by("full_name")
        organizations = Organization.objects.filter(municipality=municipality).order_by("short_name")
        self.fields["person"].choices = [
            ("", "—"),
            (_("Officials"), [(f"official-{o.pk}", _official_label(o)) for o in officials]),
            (_("Organizations"), [(f"organization-{o.pk}", o.short_name) for o in organizations]),
        ]

    def chosen_person(self) -> tuple[str, int] | None:
        """("official" or "organization", pk) of the chosen person, or None."""
        value = self.cleaned_data.get("person") if self.is_valid() else ""
        if not value:
            return None
        kind, _dash, pk = value.partition("-")
        return kind, int(pk)


class ImportForm(_Choices, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The order's table"),
        help_text=gettext_lazy(
            "A Word document (.docx) or an Excel workbook (.xlsx) with the table of the order: №, "
            "Направление, Координатор, Ответственные исполнители. At most 10 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.xlsx"}),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("The assignments start on"), widget=forms.DateInput(**DATE_WIDGET)
    )
    document = _document_field(required=True)

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit(municipality)

    def clean_file(self):
        file = self.cleaned_data["file"]
        name = (file.name or "").lower()
        if not name.endswith(EXTENSIONS):
            raise ValidationError(_("Upload a Word document (.docx) or an Excel workbook (.xlsx)."))
        if file.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return file


class ConfirmForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput)
    skip_unknown = forms.BooleanField(
        label=gettext_lazy("Skip the names and directions not found"),
        required=False,
        help_text=gettext_lazy("Without it, the import stops while anything is not found."),
    )


class OfficialForm(forms.Form):
    """An official missing from the catalogue, added from the import's preview."""

    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    position = forms.CharField(label=gettext_lazy("Position"), max_length=500, required=False)
