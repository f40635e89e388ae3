"""The forms of the evaluation pages: opening an evaluation, a row of the scoring sheet, a position
of the catalogue, the catalogue's import and a position's proposal rule."""

import hashlib
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directions import imports, proposals
from directions.models import Direction, Evaluation, Position, RuleKind, Score
from mcok import numbers
from mcok.models import Municipality, Period
from mcok.params import BoundedTexts
from mcok.periods import PeriodField, default_period, limit_period


def catalogue_default_period(municipality: Municipality | None) -> Period | None:
    """The period the evaluation pages open on (mcok.periods' rule): the latest in which the
    municipality has a catalogue of positions, else the current calendar year."""
    if municipality is None:
        return default_period(None)
    catalogue = Position.objects.filter(period=OuterRef("pk"), municipality=municipality)
    return default_period(municipality, Exists(catalogue))


def _limit_to_municipalities(field, municipalities: QuerySet[Municipality], include=()) -> None:
    """The periods of the only municipality offered; every period when several are offered."""
    only = municipalities[0] if len(municipalities) == 1 else None
    limit_period(field, only, include=include)


class EvaluationOpenForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug"
    )
    period = PeriodField(to_field_name="code")
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Evaluation.Kind.choices)

    def __init__(self, *args, municipalities: QuerySet[Municipality], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        chosen = self.initial.get("period")
        include = [chosen] if isinstance(chosen, Period) else []
        _limit_to_municipalities(self.fields["period"], municipalities, include=include)


def clean_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def score_input(value: Decimal | None) -> str:
    """The score as the sheet's input shows it: «1,5», «2», or empty when not scored."""
    return "" if value is None else numbers.amount_text(value)


def version_of(score: Decimal | None, comment: str, evidence: str) -> str:
    """A fingerprint of a row's values: tells whether the person changed the row, and whether
    someone else did meanwhile."""
    key = repr((None if score is None else format(score.normalize(), "f"), comment, evidence))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def stored_version(score: Score) -> str:
    return version_of(score.score, clean_text(score.comment), clean_text(score.evidence))


class ScoreRowForm(BoundedTexts, forms.Form):
    """One row of the sheet: the score (a comma or a point; empty for not scored), the comment and
    the evidence, and the fingerprint of the row as the page showed it."""

    score = forms.CharField(required=False, max_length=20)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, score: Score):
        self.score_row = score
        self.proposal: proposals.Proposal | None = None  # a self-assessment's: what the portal proposes
        self.self_score: dict | None = None  # an expert evaluation's: the self-assessment's row
        initial = {
            "score": score_input(score.score),
            "comment": score.comment,
            "evidence": score.evidence,
            "version": stored_version(score),
        }
        super().__init__(data, prefix=f"s{score.pk}", initial=initial)

    @property
    def position(self) -> Position:
        return self.score_row.position

    @property
    def max_text(self) -> str:
        return numbers.amount_text(self.score_row.position.max_score)

    @property
    def score_text(self) -> str:
        return numbers.amount_text(self.score_row.score)

    @property
    def proposal_text(self) -> str:
        return numbers.amount_text(self.proposal.score) if self.proposal else ""

    @property
    def accepted(self) -> bool:
        """The row holds the portal's proposal as its score."""
        return self.proposal is not None and self.score_row.score == self.proposal.score

    @property
    def self_score_text(self) -> str:
        return numbers.amount_text(self.self_score["score"]) if self.self_score else "—"

    @property
    def submitted(self) -> bool:
        """Whether the POST carried this row at all (a row absent from it is left as it is)."""
        return self.is_bound and self.add_prefix("version") in self.data

    def clean_score(self) -> Decimal | None:
        text = self.cleaned_data["score"].strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if not text:
            return None
        maximum = self.score_row.position.max_score
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValidationError(_("Enter a number, for example 2 or 1,5."))
        if value < 0:
            raise ValidationError(_("The score cannot be negative."))
        if value > maximum:
            raise ValidationError(
                _("The score cannot be above the maximum %(max)s.") % {"max": numbers.amount_text(maximum)}
            )
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("Write at most two digits after the comma."))
        return value

    def clean_comment(self) -> str:
        return clean_text(self.cleaned_data["comment"])

    def clean_evidence(self) -> str:
        return clean_text(self.cleaned_data["evidence"])

    @property
    def changed(self) -> bool:
        """The person changed the row from what the page showed them."""
        data = self.cleaned_data
        return version_of(data["score"], data["comment"], data["evidence"]) != data["version"]

    @property
    def changed_meanwhile(self) -> bool:
        """Someone else changed the row after the page was shown."""
        return stored_version(self.score_row) != self.cleaned_data["version"]


class PositionForm(BoundedTexts, forms.ModelForm):
    class Meta:
        model = Position
        fields = ["direction", "track", "component", "code", "text", "max_score", "source"]
        localized_fields = ["max_score"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, directions: QuerySet[Direction], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = directions


class PositionsImportForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug"
    )
    period = PeriodField(to_field_name="code")
    file = forms.FileField(
        label=gettext_lazy("XLSX file"),
        help_text=gettext_lazy(
            "First row: направление, компонент, код, текст, максимум; трек is optional. At most 5 MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, municipalities: QuerySet[Municipality], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        chosen = self.initial.get("period")
        include = [chosen] if isinstance(chosen, Period) else []
        _limit_to_municipalities(self.fields["period"], municipalities, include=include)

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > imports.MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        return file


class ProposalRuleForm(forms.Form):
    """A position's rule: the kind of evidence and its parameters, each read by the kinds it names."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of evidence"), choices=RuleKind.choices)
    state = forms.ChoiceField(
        label=gettext_lazy("The component must be"),
        choices=[
            ("approved", gettext_lazy("approved or published")),
            ("published", gettext_lazy("published on the official site")),
        ],
        required=False,
        help_text=gettext_lazy("For the evidence «the component approved or published»."),
    )
    documents = forms.IntegerField(
        label=gettext_lazy("Documents attached, at least"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=gettext_lazy("For the evidence «the component approved or published»."),
    )
    percent = forms.IntegerField(
        label=gettext_lazy("The bar, %"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=gettext_lazy(
            "For collections: the completeness of each; for recommendations: the share of addressees "
            "who answered each."
        ),
    )

    def params(self) -> dict:
        data = self.cleaned_data
        return {
            "state": data.get("state") or "approved",
            "documents": data.get("documents") or 0,
            "percent": 100 if data.get("percent") is None else data["percent"],
        }
