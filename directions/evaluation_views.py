"""The evaluation of the management cycle: the list of evaluations, the scoring sheet, the stored
results with their explanation, and the catalogue of evaluation positions with its XLSX import.

Every object is found through directions.access (404 alike for "absent" and "not yours"), every
write goes through a service; the pages work without JavaScript.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from directions import access, charts, fioko, imports, proposals, services
from directions.models import (
    Block,
    Component,
    Direction,
    Evaluation,
    LevelBand,
    Position,
    RuleKind,
    Score,
)
from mcok import access as core_access
from mcok import params
from mcok.filters import ALL, SearchFilterSet
from mcok.lists import Columns, list_page
from mcok.models import Municipality, Period, User
from mcok.params import BoundedTexts

PAGE_SIZE = 50
TENTH = Decimal("0.1")
COMPONENT_LABELS = dict(Component.choices)
IMPORT_SESSION_KEY = "directions:positions-import"
# The components in the order of the cycle, for ORDER BY.
COMPONENT_ORDER = Case(
    *(When(component=key, then=Value(index)) for index, key in enumerate(fioko.COMPONENTS)),
    default=Value(len(fioko.COMPONENTS)),
)


# Numbers as a Russian reader writes them -------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    """A stored number (int, float from JSON, Decimal) as an exact Decimal; floats through their
    shortest repr, which is how the results were written (one decimal)."""
    if value is None:
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def number_text(value: Any) -> str:
    """12.50 → «12,5», 3 → «3», None → «—»."""
    number = _decimal(value)
    if number is None:
        return "—"
    return format(number.normalize(), "f").replace(".", ",")


def percent_text(value: Any) -> str:
    """A percentage with one decimal rounded half up and a comma: «72,3»; «—» when there is none."""
    number = _decimal(value)
    if number is None:
        return "—"
    return str(number.quantize(TENTH, rounding=ROUND_HALF_UP)).replace(".", ",")


def difference_text(current: Any, previous: Any) -> str:
    """Points of percent since the previous period: «+1,5», «−2,0», «0,0»; «—» when either is missing."""
    now, before = _decimal(current), _decimal(previous)
    if now is None or before is None:
        return "—"
    delta = (now - before).quantize(TENTH, rounding=ROUND_HALF_UP)
    text = str(abs(delta)).replace(".", ",")
    if delta > 0:
        return f"+{text}"
    if delta < 0:
        return f"−{text}"
    return text


# Choices shared by the pages --------------------------------------------------------------------


def _manageable(user: User) -> QuerySet[Municipality]:
    """The visible municipalities whose directions, catalogue and evaluations `user` keeps."""
    visible = core_access.municipalities_visible_to(user)
    ids = [m.pk for m in visible if access.can_manage_directions(user, m)]
    return Municipality.objects.filter(pk__in=ids)


def _year_periods() -> QuerySet[Period]:
    return Period.objects.filter(kind=Period.Kind.YEAR).order_by("-year")


def _chosen_municipality(request: HttpRequest) -> Municipality:
    """?municipality=slug among those the user may see (404 for any other), or the first of them."""
    visible = core_access.municipalities_visible_to(request.user)
    slug = params.query(request.GET, "municipality")
    municipality = visible.filter(slug=slug).first() if slug else visible.first()
    if municipality is None:
        raise Http404
    return municipality


def _chosen_period(request: HttpRequest, municipality: Municipality) -> Period:
    """?period=code, or the latest year with a catalogue, or the current year."""
    code = params.query(request.GET, "period")
    if code:
        return get_object_or_404(Period, code=code)
    latest = (
        Position.objects.filter(municipality=municipality, period__kind=Period.Kind.YEAR)
        .order_by("-period__year")
        .values_list("period", flat=True)
        .first()
    )
    if latest is not None:
        return Period.objects.get(pk=latest)
    year = timezone.localdate().year
    period = _year_periods().filter(year__lte=year).first() or _year_periods().first()
    if period is None:
        raise Http404
    return period


def _catalogue_url(municipality: Municipality, period: Period) -> str:
    query = urlencode({"municipality": municipality.slug, "period": period.code})
    return f"{reverse('directions:positions')}?{query}"


# The list of evaluations ------------------------------------------------------------------------


class EvaluationOpenForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug"
    )
    period = forms.ModelChoiceField(
        label=gettext_lazy("Period"), queryset=_year_periods(), to_field_name="code"
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Evaluation.Kind.choices)

    def __init__(self, *args, municipalities: QuerySet[Municipality], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["period"].queryset = _year_periods()
        self.fields["period"].label_from_instance = lambda period: period.label


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    evaluations = (
        access.evaluations_visible_to(request.user)
        .select_related("municipality", "period")
        .defer("results")
        .annotate(total_percent=KT("results__total__percent"))
        .order_by("-period__starts_on", "municipality__name", "kind")
    )
    page = Paginator(evaluations, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(evaluation, _stored_total(evaluation)) for evaluation in page.object_list]
    manageable = _manageable(request.user)
    form = None
    if manageable.exists():
        year = timezone.localdate().year
        current = _year_periods().filter(year=year).first()
        first = manageable.first()
        form = EvaluationOpenForm(
            municipalities=manageable,
            initial={
                "municipality": first.slug if first else None,
                "period": current.code if current else None,
            },
        )
    context = {"page": page, "rows": rows, "form": form}
    return render(request, "directions/evaluation_list.html", context)


def _stored_total(evaluation: Evaluation) -> str:
    """The total percent of the stored results, as annotated (JSON text or a number)."""
    value = evaluation.total_percent  # type: ignore[attr-defined]
    if value in (None, "", "null"):
        return "—"
    try:
        return percent_text(Decimal(str(value)))
    except InvalidOperation:
        return "—"


@require_POST
@login_required
def evaluation_open(request: HttpRequest) -> HttpResponse:
    form = EvaluationOpenForm(request.POST, municipalities=_manageable(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose the municipality, the period and the kind of the evaluation."))
        return redirect("directions:evaluations")
    municipality, period, kind = (form.cleaned_data[name] for name in ("municipality", "period", "kind"))
    existing = access.evaluations_visible_to(request.user).filter(
        municipality=municipality, period=period, kind=kind
    )
    if existing.exists():
        # Opening again would add the catalogue's new positions even to a finished evaluation.
        messages.info(request, _("This evaluation already exists."))
        return redirect("directions:evaluation", pk=existing.get().pk)
    try:
        evaluation = services.evaluation_open(
            municipality=municipality, period=period, kind=kind, by=request.user
        )
    except PermissionDenied:
        messages.error(request, _("Only a coordinator or an administrator opens an evaluation."))
        return redirect("directions:evaluations")
    messages.success(request, _("The evaluation is open."))
    return redirect("directions:evaluation", pk=evaluation.pk)


# The scoring sheet ------------------------------------------------------------------------------


@dataclass
class SheetDirection:
    """One direction of the evaluation's catalogue in the sheet's table of contents."""

    pk: int
    code: str
    name: str
    block_code: str
    block_name: str
    total: int
    scored: int
    partial: bool = False


def _sheet_directions(evaluation: Evaluation) -> list[SheetDirection]:
    """The directions the evaluation scores, with how many of their positions are scored: one query."""
    rows = (
        Score.objects.filter(evaluation=evaluation)
        .values(
            "position__direction",
            "position__direction__code",
            "position__direction__name",
            "position__direction__block__code",
            "position__direction__block__name",
        )
        .annotate(total=Count("pk"), scored=Count("score"))
        .order_by()
    )
    directions = [
        SheetDirection(
            pk=row["position__direction"],
            code=row["position__direction__code"],
            name=row["position__direction__name"],
            block_code=row["position__direction__block__code"],
            block_name=row["position__direction__block__name"],
            total=row["total"],
            scored=row["scored"],
        )
        for row in rows
    ]
    directions.sort(key=lambda d: (fioko.natural_key(d.block_code), fioko.natural_key(d.code)))
    return directions


def _clean_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _score_input(value: Decimal | None) -> str:
    """The score as the sheet's input shows it: «1,5», «2», or empty when not scored."""
    return "" if value is None else number_text(value)


def _version(score: Decimal | None, comment: str, evidence: str) -> str:
    """A fingerprint of a row's values: tells whether the person changed the row, and whether
    someone else did meanwhile."""
    key = repr((None if score is None else format(score.normalize(), "f"), comment, evidence))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _stored_version(score: Score) -> str:
    return _version(score.score, _clean_text(score.comment), _clean_text(score.evidence))


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
            "score": _score_input(score.score),
            "comment": score.comment,
            "evidence": score.evidence,
            "version": _stored_version(score),
        }
        super().__init__(data, prefix=f"s{score.pk}", initial=initial)

    @property
    def position(self) -> Position:
        return self.score_row.position

    @property
    def max_text(self) -> str:
        return number_text(self.score_row.position.max_score)

    @property
    def score_text(self) -> str:
        return number_text(self.score_row.score)

    @property
    def proposal_text(self) -> str:
        return number_text(self.proposal.score) if self.proposal else ""

    @property
    def accepted(self) -> bool:
        """The row holds the portal's proposal as its score."""
        return self.proposal is not None and self.score_row.score == self.proposal.score

    @property
    def self_score_text(self) -> str:
        return number_text(self.self_score["score"]) if self.self_score else "—"

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
                _("The score cannot be above the maximum %(max)s.") % {"max": number_text(maximum)}
            )
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("Write at most two digits after the comma."))
        return value

    def clean_comment(self) -> str:
        return _clean_text(self.cleaned_data["comment"])

    def clean_evidence(self) -> str:
        return _clean_text(self.cleaned_data["evidence"])

    @property
    def changed(self) -> bool:
        """The person changed the row from what the page showed them."""
        data = self.cleaned_data
        return _version(data["score"], data["comment"], data["evidence"]) != data["version"]

    @property
    def changed_meanwhile(self) -> bool:
        """Someone else changed the row after the page was shown."""
        return _stored_version(self.score_row) != self.cleaned_data["version"]


@dataclass
class SheetGroup:
    component: str
    label: str
    forms: list[ScoreRowForm] = field(default_factory=list)


def _sheet_groups(forms_: list[ScoreRowForm]) -> list[SheetGroup]:
    groups: dict[str, SheetGroup] = {}
    for form in forms_:
        component = form.score_row.position.component
        groups.setdefault(component, SheetGroup(component, COMPONENT_LABELS.get(component, component)))
        groups[component].forms.append(form)
    order = {key: index for index, key in enumerate(fioko.COMPONENTS)}
    return sorted(groups.values(), key=lambda group: order.get(group.component, len(order)))


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The scoring sheet, one direction at a time (?direction=code): ~35 rows a page rather than
    ~300. The rows of a direction are saved together, all or none: a wrong value in one row keeps
    every row of the POST unsaved and shows each row's input back with its message."""
    evaluation = access.get_evaluation_for(request.user, pk)
    directions = _sheet_directions(evaluation)
    partial_ids = set(evaluation.partial_directions.values_list("pk", flat=True))
    for item in directions:
        item.partial = item.pk in partial_ids
    code = request.GET.get("direction") or (directions[0].code if directions else "")
    current = next((item for item in directions if item.code == code), None)
    if directions and current is None:
        raise Http404
    is_open = evaluation.state == Evaluation.State.OPEN
    direction = (
        Direction.objects.select_related("municipality").get(pk=current.pk) if current is not None else None
    )
    may_score = is_open and direction is not None and access.can_score(request.user, evaluation, direction)
    scores = []
    if current is not None:
        scores = list(
            Score.objects.filter(evaluation=evaluation, position__direction=current.pk).select_related(
                "position", "scored_by"
            )
        )
        for score in scores:
            score.position.direction = direction
        scores.sort(key=lambda s: fioko.natural_key(s.position.code))
    proposed = proposals.propose_for_scores(scores, evaluation)
    self_scores = _self_assessment_rows(evaluation, scores)
    sheet_url = f"{reverse('directions:evaluation', args=[evaluation.pk])}?{urlencode({'direction': code})}"

    data = None
    if request.method == "POST":
        if not may_score:
            messages.error(request, _("You cannot score this evaluation."))
            return redirect(sheet_url)
        data = request.POST.copy()  # a row changed meanwhile gets the new fingerprint below
    rows = [ScoreRowForm(data, score=score) for score in scores]
    for form in rows:
        form.proposal = proposed.get(form.score_row.pk)
        form.self_score = self_scores.get(form.score_row.position_id)

    if data is not None:
        submitted = [form for form in rows if form.submitted]
        checked = [form.is_valid() for form in submitted]  # every row, so that each shows its errors
        for form in submitted:
            if form.is_valid() and _needs_comment(form):
                form.add_error(
                    "comment",
                    _("The score differs from the portal's proposal (%(proposed)s): say why in the comment.")
                    % {"proposed": form.proposal_text},
                )
                checked.append(False)
        valid = all(checked)
        changed = [form for form in submitted if valid and form.changed]
        for form in changed:
            if form.changed_meanwhile:
                form.add_error(
                    "score",
                    _(
                        "Someone else changed this row after you opened the page; it now reads "
                        "«%(score)s». Check the row and save again."
                    )
                    % {"score": _score_input(form.score_row.score) or "—"},
                )
                data[form.add_prefix("version")] = _stored_version(form.score_row)
                valid = False
        if valid:
            try:
                with transaction.atomic():
                    for form in changed:
                        proposals.score_save(
                            score=form.score_row,
                            by=request.user,
                            value=form.cleaned_data["score"],
                            comment=form.cleaned_data["comment"],
                            evidence=form.cleaned_data["evidence"],
                            proposal=form.proposal,
                        )
            except PermissionDenied:
                messages.error(request, _("You cannot score this evaluation."))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if changed:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d row is saved; the indices are being recomputed.",
                            "%(count)d rows are saved; the indices are being recomputed.",
                            len(changed),
                        )
                        % {"count": len(changed)},
                    )
                else:
                    messages.info(request, _("Nothing has changed."))
                return redirect(sheet_url)
        else:
            messages.error(request, _("Nothing is saved: correct the marked rows and save again."))

    blocks: dict[str, list[SheetDirection]] = {}
    for item in directions:
        blocks.setdefault(f"{item.block_code}. {item.block_name}", []).append(item)
    may_manage = access.can_manage_directions(request.user, evaluation.municipality)
    index = directions.index(current) if current is not None else -1
    context = {
        "evaluation": evaluation,
        "blocks": blocks,
        "directions": directions,
        "current": current,
        "previous_direction": directions[index - 1] if index > 0 else None,
        "next_direction": directions[index + 1] if 0 <= index < len(directions) - 1 else None,
        "groups": _sheet_groups(rows),
        "may_score": may_score,
        "is_self": evaluation.kind == Evaluation.Kind.SELF,
        "is_expert": evaluation.kind == Evaluation.Kind.EXPERT,
        "may_accept": may_score and evaluation.kind == Evaluation.Kind.SELF,
        "unscored_proposals": sum(1 for form in rows if form.proposal and form.score_row.score is None),
        "may_manage": may_manage and is_open,
        "scored": sum(item.scored for item in directions),
        "total": sum(item.total for item in directions),
    }
    return render(request, "directions/evaluation_detail.html", context)


def _needs_comment(form: ScoreRowForm) -> bool:
    """A self-assessment's score set other than the portal's proposal, without a word why."""
    value = form.cleaned_data.get("score")
    return (
        form.proposal is not None
        and value is not None
        and value != form.proposal.score
        and value != form.score_row.score
        and not form.cleaned_data.get("comment")
    )


def _self_assessment_rows(evaluation: Evaluation, scores: list[Score]) -> dict[int, dict]:
    """For an expert evaluation: the self-assessment's score and comment of the same positions, by
    position id. One query; nothing for a self-assessment."""
    if evaluation.kind != Evaluation.Kind.EXPERT or not scores:
        return {}
    rows = Score.objects.filter(
        evaluation__municipality=evaluation.municipality_id,
        evaluation__period=evaluation.period_id,
        evaluation__kind=Evaluation.Kind.SELF,
        position__in=[s.position_id for s in scores],
    ).values("position_id", "score", "comment", "proposed")
    return {row["position_id"]: row for row in rows}


def _sheet_url(evaluation: Evaluation, code: str) -> str:
    return f"{reverse('directions:evaluation', args=[evaluation.pk])}?{urlencode({'direction': code})}"


@require_POST
@login_required
def proposal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the portal's proposal becomes the position's score (POST score=<row id>, and
    proposed-<row id> with the proposal as the page showed it)."""
    evaluation = access.get_evaluation_for(request.user, pk)
    score_id = params.as_id(request.POST.get("score", ""))
    score = get_object_or_404(
        Score.objects.filter(evaluation=evaluation).select_related(
            "position__direction__municipality", "evaluation__municipality", "evaluation__period"
        ),
        pk=score_id if score_id is not None else 0,
    )
    direction = score.position.direction
    if not access.may_accept_proposals(request.user, evaluation, direction):
        raise PermissionDenied
    shown_text = (request.POST.get(f"proposed-{score.pk}") or "").strip().replace(",", ".")
    try:
        shown = Decimal(shown_text) if shown_text else None
    except InvalidOperation:
        shown = None
    try:
        proposals.proposal_accept(score=score, by=request.user, shown=shown)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The proposal for %(code)s is accepted; the indices are being recomputed.")
            % {"code": score.position.code},
        )
    return redirect(_sheet_url(evaluation, direction.code))


@require_POST
@login_required
def proposals_accept_all(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposals become the scores of every position of the direction (?direction=code) that is
    not scored yet."""
    evaluation = access.get_evaluation_for(request.user, pk)
    code = params.query(request.GET, "direction") or params.query(request.POST, "direction") or ""
    direction = (
        Direction.objects.filter(code=code, positions__scores__evaluation=evaluation)
        .select_related("municipality")
        .distinct()
        .first()
    )
    if direction is None:
        raise Http404
    if not access.may_accept_proposals(request.user, evaluation, direction):
        raise PermissionDenied
    try:
        count = proposals.proposals_accept_all(evaluation=evaluation, direction=direction, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d proposal is accepted; the indices are being recomputed.",
                    "%(count)d proposals are accepted; the indices are being recomputed.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("Every position of the direction is already scored."))
    return redirect(_sheet_url(evaluation, direction.code))


def evaluation_partial_set(*, evaluation: Evaluation, directions: list[Direction], by: User) -> Evaluation:
    """Mark the directions evaluated as partial cycles (the managerial components only) and
    recompute the indices after commit. Only a coordinator or an administrator of the municipality,
    and only while the evaluation is open.

    Belongs in directions/services.py beside evaluation_finish; kept here until it moves there.
    """
    if not access.can_manage_directions(by, evaluation.municipality):
        raise PermissionDenied
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if locked.state != Evaluation.State.OPEN:
            raise ValidationError(_("The evaluation is finished: its scores no longer change."))
        locked.partial_directions.set(directions)
        transaction.on_commit(lambda: services.evaluation_compute_later(locked.pk))
    return locked


@require_POST
@login_required
def evaluation_partial(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = access.get_evaluation_for(request.user, pk)
    in_catalogue = {item.pk for item in _sheet_directions(evaluation)}
    chosen = [pk for value in request.POST.getlist("direction") if (pk := params.as_id(value)) is not None]
    directions = list(Direction.objects.filter(pk__in=[pk for pk in chosen if pk in in_catalogue]))
    try:
        evaluation_partial_set(evaluation=evaluation, directions=directions, by=request.user)
    except PermissionDenied:
        messages.error(request, _("Only a coordinator or an administrator marks partial cycles."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The partial cycles are saved; the indices are being recomputed."))
    return redirect("directions:evaluation", pk=evaluation.pk)


@require_POST
@login_required
def evaluation_finish(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = access.get_evaluation_for(request.user, pk)
    try:
        services.evaluation_finish(evaluation=evaluation, by=request.user)
    except PermissionDenied:
        messages.error(request, _("Only a coordinator or an administrator finishes an evaluation."))
        return redirect("directions:evaluation", pk=evaluation.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("directions:evaluation", pk=evaluation.pk)
    messages.success(request, _("The evaluation is finished; its results are kept as they are."))
    return redirect("directions:evaluation-results", pk=evaluation.pk)


# The results ------------------------------------------------------------------------------------


@dataclass
class Line:
    """A row of the results: a score out of a maximum, the percent, the level and the change."""

    code: str
    name: str
    score: str
    max: str
    percent: str
    level: str = ""
    difference: str = "—"
    partial: bool = False
    components: list["Line"] = field(default_factory=list)


@dataclass
class BlockResults:
    line: Line
    directions: list[Line]
    chart: str


@dataclass
class LostPosition:
    code: str
    text: str
    score: str
    max: str
    lost: str


@dataclass
class LostComponent:
    label: str
    lost: str
    positions: list[LostPosition]


@dataclass
class LostDirection:
    code: str
    name: str
    lost: str
    components: list[LostComponent]


def _figure(data: dict | None) -> tuple[str, str, str, Any]:
    """(score, max, percent) texts and the raw percent of a stored figure."""
    if not data:
        return "—", "—", "—", None
    return (
        number_text(data.get("score")),
        number_text(data.get("max")),
        percent_text(data.get("percent")),
        data.get("percent"),
    )


def _component_order(key: str) -> int:
    return fioko.COMPONENTS.index(key) if key in fioko.COMPONENTS else len(fioko.COMPONENTS)


def _previous(user: User, evaluation: Evaluation) -> Evaluation | None:
    """The same municipality's evaluation of the same kind for the period a year before."""
    period = evaluation.period
    return (
        access.evaluations_visible_to(user)
        .filter(
            municipality=evaluation.municipality,
            kind=evaluation.kind,
            period__kind=period.kind,
            period__year=period.year - 1,
            period__number=period.number,
        )
        .select_related("period")
        .first()
    )


def _explanation(evaluation: Evaluation, names: dict[str, str]) -> tuple[list[LostDirection], bool]:
    """Why the index is not 100 %: the positions that lost points, by direction (in code order),
    then component and position (the most lost first). (groups, whether it could be built)."""
    positions = services.positions_of(evaluation)
    partial = set(evaluation.partial_directions.values_list("code", flat=True))
    try:
        indices = fioko.compute(positions, partial=partial)
    except ValidationError:
        return [], False
    texts = {
        (direction, code): text
        for direction, code, text in Position.objects.filter(scores__evaluation=evaluation).values_list(
            "direction__code", "code", "text"
        )
    }
    by_direction: dict[str, list[fioko.Shortfall]] = {}
    for shortfall in fioko.explain(indices, positions):
        by_direction.setdefault(shortfall.direction, []).append(shortfall)
    groups = []
    for code in sorted(by_direction, key=fioko.natural_key):
        shortfalls = by_direction[code]
        groups.append(
            LostDirection(
                code=code,
                name=names.get(code, ""),
                lost=number_text(sum((s.lost for s in shortfalls), Decimal(0))),
                components=[
                    LostComponent(
                        label=COMPONENT_LABELS.get(s.component, s.component),
                        lost=number_text(s.lost),
                        positions=[
                            LostPosition(
                                code=p.code,
                                text=texts.get((p.direction, p.code), ""),
                                score=_("not scored") if p.score is None else number_text(p.score),
                                max=number_text(p.max),
                                lost=number_text(fioko.position_lost(p)),
                            )
                            for p in s.positions
                        ],
                    )
                    for s in shortfalls
                ],
            )
        )
    return groups, True


@login_required
def evaluation_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The results as stored when last computed: never recomputed for the page. Only the
    explanation («why not 100 %») rebuilds the indices, to find the positions that lost points."""
    evaluation = access.get_evaluation_for(request.user, pk)
    results = evaluation.results
    context: dict[str, Any] = {"evaluation": evaluation, "results": results}
    if results is None:
        return render(request, "directions/evaluation_results.html", context)

    directions = {
        d.code: d
        for d in Direction.objects.filter(
            municipality=evaluation.municipality, positions__period=evaluation.period
        )
        .select_related("block")
        .order_by()
        .distinct()
    }
    partial = set(evaluation.partial_directions.values_list("code", flat=True))
    previous = _previous(request.user, evaluation)
    before = (previous.results if previous else None) or {}
    bands = [
        (band.lower_percent, band.label)
        for band in LevelBand.objects.filter(region=evaluation.municipality.region, period=evaluation.period)
    ]

    def level(percent: Any) -> str:
        if not bands:
            return ""
        return fioko.level(_decimal(percent), bands) or "—"

    def line(code: str, name: str, data: dict | None, previous_data: dict | None) -> Line:
        score, maximum, percent, raw = _figure(data)
        return Line(
            code=code,
            name=name,
            score=score,
            max=maximum,
            percent=percent,
            level=level(raw),
            difference=difference_text(raw, (previous_data or {}).get("percent")) if previous else "—",
        )

    # Sorted here, not trusted to the stored order: PostgreSQL's jsonb keeps keys in its own order.
    stored_blocks = results.get("blocks") or {}
    stored_directions = results.get("directions") or {}
    stored_components = results.get("components") or {}
    block_names = dict(Block.objects.filter(code__in=list(stored_blocks)).values_list("code", "name"))
    direction_lines: dict[str, list[Line]] = {}
    for code in sorted(stored_directions, key=fioko.natural_key):
        direction = directions.get(code)
        item = line(
            code,
            direction.name if direction else "",
            stored_directions[code],
            before.get("directions", {}).get(code),
        )
        item.partial = code in partial
        figures = stored_components.get(code) or {}
        for key in sorted(figures, key=_component_order):
            score, maximum, percent, _raw = _figure(figures[key])
            item.components.append(
                Line(code=key, name=COMPONENT_LABELS.get(key, key), score=score, max=maximum, percent=percent)
            )
        block = direction.block.code if direction else ""
        direction_lines.setdefault(block, []).append(item)

    blocks = []
    for code in sorted(stored_blocks, key=fioko.natural_key):
        data = stored_blocks[code]
        name = block_names.get(code, "")
        lines = direction_lines.get(code, [])
        chart = charts.bar_chart(
            [
                (
                    f"{item.code} {item.name}".strip(),
                    _decimal((stored_directions[item.code] or {}).get("percent")),
                )
                for item in lines
            ],
            title=_("Indices of the directions of block %(block)s") % {"block": f"{code}. {name}"},
        )
        blocks.append(BlockResults(line(code, name, data, before.get("blocks", {}).get(code)), lines, chart))
    orphans = [
        item for block, items in direction_lines.items() if block not in stored_blocks for item in items
    ]

    explanation, explained = _explanation(evaluation, {code: d.name for code, d in directions.items()})
    context.update(
        {
            "total": line("", "", results.get("total"), before.get("total")),
            "total_percent": charts.percent_text(_decimal((results.get("total") or {}).get("percent"))),
            "blocks": blocks,
            "orphans": orphans,
            "previous": previous,
            "has_levels": bool(bands),
            "explanation": explanation,
            "explained": explained,
        }
    )
    return render(request, "directions/evaluation_results.html", context)


# The catalogue of positions ---------------------------------------------------------------------


def _visible_municipalities(request):
    return core_access.municipalities_visible_to(request.user) if request else Municipality.objects.none()


class PositionFilter(SearchFilterSet):
    """The catalogue's filter; the municipality and the period are chosen by the view (which has
    already narrowed the rows to them) and only rendered here, to keep one form."""

    search_fields = ("code", "text", "track")

    municipality = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Municipality"),
        queryset=_visible_municipalities,
        to_field_name="slug",
        method="chosen",
        empty_label=None,
    )
    period = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Period"),
        queryset=Period.objects.filter(kind=Period.Kind.YEAR).order_by("-year"),
        to_field_name="code",
        method="chosen",
        empty_label=None,
    )
    direction = django_filters.ChoiceFilter(
        label=gettext_lazy("Direction"), field_name="direction__code", empty_label=ALL
    )
    component = django_filters.ChoiceFilter(
        label=gettext_lazy("Component"), choices=Component.choices, empty_label=ALL
    )

    class Meta:
        model = Position
        fields = ["municipality", "period", "direction", "component", "q"]

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        municipality: Municipality,
        period: Period,
        may_manage: bool = False,
    ):
        data = data.copy() if data is not None else None
        if data is not None:
            data.setdefault("municipality", municipality.slug)
            data.setdefault("period", period.code)
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.municipality = municipality
        self.period = period
        self.may_manage = may_manage
        codes = queryset.order_by().values_list("direction__code", "direction__name").distinct()
        self.filters["direction"].extra["choices"] = [
            (code, f"{code} {name}")
            for code, name in sorted(set(codes), key=lambda c: fioko.natural_key(c[0]))
        ]

    def chosen(self, queryset, name, value):
        return queryset


@login_required
def position_list(request: HttpRequest) -> HttpResponse:
    municipality = _chosen_municipality(request)
    period = _chosen_period(request, municipality)
    queryset = (
        access.positions_visible_to(request.user)
        .filter(municipality=municipality, period=period)
        .select_related("direction__block", "proposal_rule")
        .order_by("direction__block__code", "direction__code", COMPONENT_ORDER, "code")
    )

    def columns() -> Columns:
        # The same columns the import reads, so a downloaded catalogue can be edited and loaded back.
        return Columns(
            [_("Direction"), _("Component"), _("Code"), _("Text"), _("Maximum"), _("Track")],
            lambda p: (
                p.direction.code,
                COMPONENT_LABELS.get(p.component, p.component),
                p.code,
                p.text,
                p.max_score,
                p.track,
            ),
        )

    return list_page(
        request,
        queryset=queryset,
        filterset_class=partial(
            PositionFilter,
            municipality=municipality,
            period=period,
            may_manage=access.can_manage_directions(request.user, municipality),
        ),
        template="directions/position_list.html",
        name=f"positions-{municipality.slug}-{period.code}".replace("/", "-"),
        title=_("Evaluation positions"),
        columns=columns,
    )


class PositionForm(BoundedTexts, forms.ModelForm):
    class Meta:
        model = Position
        fields = ["direction", "track", "component", "code", "text", "max_score", "source"]
        localized_fields = ["max_score"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, directions: QuerySet[Direction], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = directions


def _position_form_page(
    request: HttpRequest, *, position: Position, municipality: Municipality, period: Period
) -> HttpResponse:
    if not access.can_manage_directions(request.user, municipality):
        raise PermissionDenied
    directions = (
        access.directions_visible_to(request.user)
        .filter(municipality=municipality)
        .valid_in(period)
        .select_related("block")
    )
    form = PositionForm(request.POST or None, instance=position, directions=directions)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.municipality, item.period = municipality, period
        try:
            imports.position_save(position=item, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The position %(code)s is saved.") % {"code": item.code})
            return redirect(_catalogue_url(municipality, period))
    context = {
        "form": form,
        "position": position if position.pk else None,
        "municipality": municipality,
        "period": period,
        "back": _catalogue_url(municipality, period),
    }
    return render(request, "directions/position_form.html", context)


@login_required
def position_add(request: HttpRequest) -> HttpResponse:
    municipality = _chosen_municipality(request)
    period = _chosen_period(request, municipality)
    return _position_form_page(
        request,
        position=Position(municipality=municipality, period=period),
        municipality=municipality,
        period=period,
    )


@login_required
def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = get_object_or_404(
        access.positions_visible_to(request.user).select_related("municipality", "period", "direction"), pk=pk
    )
    return _position_form_page(
        request, position=position, municipality=position.municipality, period=position.period
    )


# The import of the catalogue --------------------------------------------------------------------


class PositionsImportForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug"
    )
    period = forms.ModelChoiceField(
        label=gettext_lazy("Period"), queryset=_year_periods(), to_field_name="code"
    )
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
        self.fields["period"].queryset = _year_periods()
        self.fields["period"].label_from_instance = lambda period: period.label

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > imports.MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        return file


@login_required
def positions_import(request: HttpRequest) -> HttpResponse:
    """Upload → a dry run that shows every row and every error → confirm (positions_import_confirm).
    The parsed rows wait in the session under the file's digest: the confirmation names the
    digest, never the rows, so nothing the browser sends back is trusted."""
    manageable = _manageable(request.user)
    if not manageable.exists():
        raise PermissionDenied
    first = manageable.first()
    initial = {
        "municipality": params.query(request.GET, "municipality") or (first.slug if first else None),
        "period": params.query(request.GET, "period") or str(timezone.localdate().year),
    }
    form = PositionsImportForm(
        request.POST or None, request.FILES or None, municipalities=manageable, initial=initial
    )
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        municipality, period = form.cleaned_data["municipality"], form.cleaned_data["period"]
        upload = form.cleaned_data["file"]
        digest = imports.file_digest(upload)
        rows, errors = imports.positions_parse(upload, municipality=municipality, period=period)
        if errors:
            request.session.pop(IMPORT_SESSION_KEY, None)
        else:
            request.session[IMPORT_SESSION_KEY] = {
                "digest": digest,
                "municipality": municipality.pk,
                "period": period.pk,
                "name": upload.name,
                "rows": rows,
            }
        counts = {
            action: sum(1 for row in rows if row["action"] == action) for action in ("new", "changed", "same")
        }
        context.update(
            {
                "preview": True,
                "rows": [
                    {
                        **row,
                        "component_label": COMPONENT_LABELS.get(row["component"], row["component"]),
                        "max_text": number_text(Decimal(row["max"])),
                    }
                    for row in rows
                ],
                "errors": errors,
                "digest": digest,
                "municipality": municipality,
                "period": period,
                "counts": counts,
                "file_name": upload.name,
            }
        )
    return render(request, "directions/positions_import.html", context)


@require_POST
@login_required
def positions_import_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or pending.get("digest") != request.POST.get("digest"):
        messages.error(request, _("The preview is out of date: upload the file again."))
        return redirect("directions:positions-import")
    municipality = get_object_or_404(_manageable(request.user), pk=pending["municipality"])
    period = get_object_or_404(Period, pk=pending["period"])
    try:
        count = imports.positions_import(pending["rows"], by=request.user)
    except ValidationError as error:
        request.session.pop(IMPORT_SESSION_KEY, None)
        for message in error.messages:
            messages.error(request, message)
        messages.error(request, _("Nothing is imported: the catalogue changed after the preview."))
        query = urlencode({"municipality": municipality.slug, "period": period.code})
        return redirect(f"{reverse('directions:positions-import')}?{query}")
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(
        request,
        ngettext("%(count)d position is imported.", "%(count)d positions are imported.", count)
        % {"count": count},
    )
    return redirect(_catalogue_url(municipality, period))


# The rules of the proposals ----------------------------------------------------------------------


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


@login_required
def position_rule(request: HttpRequest, pk: int) -> HttpResponse:
    """The rule by which the portal proposes the position's self-assessment score: read by the
    staff, changed (or reset to the default of its component) by whoever keeps the catalogue."""
    position = get_object_or_404(
        access.positions_visible_to(request.user).select_related("municipality", "period", "direction"), pk=pk
    )
    may_edit = access.may_edit_proposal_rules(request.user, position.municipality)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    rule = proposals.rules_for([position])[position.pk]
    default = proposals.default_rule(position)
    initial = {
        "kind": rule.kind,
        "state": rule.params.get("state", "approved"),
        "documents": rule.params.get("documents", 0),
        "percent": rule.params.get("percent", 100),
    }
    form = ProposalRuleForm(request.POST or None, initial=initial)
    back = _catalogue_url(position.municipality, position.period)
    if request.method == "POST":
        try:
            if "reset" in request.POST:
                proposals.rule_reset(position=position, by=request.user)
                messages.success(request, _("The position follows the default rule of its component again."))
                return redirect("directions:position-rule", pk=position.pk)
            if form.is_valid():
                proposals.rule_set(
                    position=position, by=request.user, kind=form.cleaned_data["kind"], params=form.params()
                )
                messages.success(request, _("The rule of %(code)s is saved.") % {"code": position.code})
                return redirect("directions:position-rule", pk=position.pk)
        except ValidationError as error:
            form.add_error(None, error)
    proposal = proposals.propose([position], position.period).get(position.pk)
    context = {
        "position": position,
        "rule": rule,
        "default": default,
        "form": form,
        "may_edit": may_edit,
        "proposal": proposal,
        "proposal_text": number_text(proposal.score) if proposal else "",
        "max_text": number_text(position.max_score),
        "back": back,
    }
    return render(request, "directions/position_rule.html", context)
