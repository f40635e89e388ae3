"""The forms of instructions: giving or changing one (choices are the municipality's own; the
responsible typed as the document writes them, one a line, or chosen), and recording its execution."""

from itertools import groupby

from django import forms
from django.utils.translation import gettext_lazy as _

from directions.models import Direction
from indicators.models import Indicator
from mcok.models import Document, Municipality, Official, Organization
from mcok.params import BoundedTexts
from mcok.sorting import natural_key
from roadmaps.instructions import InstructionInput, lines
from roadmaps.models import Instruction


def _direction_order(indicator: Indicator) -> tuple:
    """Indicators of a direction together, directions and codes in their natural order, those of no
    direction last."""
    direction = indicator.direction
    return (direction is None, natural_key(direction.code if direction else ""), natural_key(indicator.code))


class _ByDirection(forms.models.ModelChoiceIterator):
    """The indicators as option groups, one per direction («1.1 Name»), then «No direction»."""

    def __iter__(self):
        rows = sorted(self.queryset, key=_direction_order)
        for direction, items in groupby(rows, key=lambda indicator: indicator.direction):
            label = f"{direction.code} {direction.name}" if direction else str(_("No direction"))
            yield (label, [self.choice(item) for item in items])


class IndicatorsChoice(forms.ModelMultipleChoiceField):
    """The municipality's indicators an instruction names, grouped by direction; the browser's list
    finds an indicator by the first letters of its code typed in it."""

    iterator = _ByDirection

    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.code} {obj.name}"


class InstructionForm(BoundedTexts, forms.Form):
    document = forms.ModelChoiceField(label=_("Document"), queryset=Document.objects.none(), required=False)
    number = forms.CharField(label=_("Item of the document"), max_length=20, required=False)
    text = forms.CharField(
        label=_("Text of the instruction"),
        help_text=_("As the document writes it."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    responsible_text = forms.CharField(
        label=_("Responsible, as written"),
        required=False,
        help_text=_(
            "One a line; a line beginning with an official's or organization's name is linked to it."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    officials = forms.ModelMultipleChoiceField(
        label=_("Responsible officials"), queryset=Official.objects.none(), required=False
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Responsible organizations"), queryset=Organization.objects.none(), required=False
    )
    deadline_text = forms.CharField(
        label=_("Deadline, as written"),
        max_length=500,
        required=False,
        help_text=_("For example: «в срок до 01 августа 2021 г.», «до 01.09.2022»."),
    )
    direction = forms.ModelChoiceField(
        label=_("Direction"), queryset=Direction.objects.none(), required=False
    )
    indicators = IndicatorsChoice(
        label=_("Indicators"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "The indicators the instruction concerns: type a code to find it in the list. Several may "
            "be chosen."
        ),
    )

    def __init__(self, *args, municipality: Municipality, instruction: Instruction | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.filter(municipality=municipality).order_by(
            "-date", "title"
        )
        self.fields["officials"].queryset = Official.objects.filter(
            municipality=municipality, is_active=True
        ).order_by("full_name")
        self.fields["organizations"].queryset = Organization.objects.filter(
            municipality=municipality
        ).order_by("short_name")
        self.fields["direction"].queryset = Direction.objects.filter(municipality=municipality).order_by(
            "code", "pk"
        )
        indicators = Indicator.objects.filter(municipality=municipality)
        self.fields["indicators"].queryset = indicators.select_related("direction")
        if instruction is not None and not self.is_bound:
            rows = list(instruction.responsible.all())
            self.initial.update(
                {
                    "document": instruction.document_id,
                    "number": instruction.number,
                    "text": instruction.text,
                    "responsible_text": instruction.responsible_text
                    or "\n".join(row.text for row in rows if row.text),
                    "officials": [row.official_id for row in rows if row.official_id and not row.text],
                    "organizations": [
                        row.organization_id for row in rows if row.organization_id and not row.text
                    ],
                    "deadline_text": instruction.deadline_text,
                    "direction": instruction.direction_id,
                    "indicators": list(instruction.indicators.values_list("pk", flat=True)),
                }
            )

    def instruction_input(self, order: int = 0) -> InstructionInput:
        data = self.cleaned_data
        return InstructionInput(
            text=data["text"],
            number=data["number"],
            document=data["document"],
            responsible_text=data["responsible_text"],
            responsible=lines(data["responsible_text"]),
            officials=list(data["officials"]),
            organizations=list(data["organizations"]),
            deadline_text=data["deadline_text"],
            direction=data["direction"],
            indicators=list(data["indicators"]),
            order=order,
        )


class ExecutionForm(BoundedTexts, forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            (Instruction.State.IN_PROGRESS, Instruction.State.IN_PROGRESS.label),
            (Instruction.State.DONE, Instruction.State.DONE.label),
        ],
    )
    report = forms.CharField(
        label=_("Report on the execution"),
        required=False,
        help_text=_("What was done; a report or a document is needed to mark it done."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    done_on = forms.DateField(
        label=_("Done on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence = forms.FileField(label=_("Document as evidence"), required=False)
