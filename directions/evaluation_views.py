"""The evaluation of the management cycle: the list of evaluations, the scoring sheet, the stored
results with their explanation, and the catalogue of evaluation positions with its XLSX import.

Every object is found through directions.access (404 alike for "absent" and "not yours"), every
write goes through a service; the forms are in directions.evaluation_forms, the catalogue's filter in
directions.evaluation_filters, the reads of the sheet and the results in directions.selectors. The
pages work without JavaScript.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from directions import access, fioko, imports, proposals, selectors, services
from directions.evaluation_filters import PositionFilter
from directions.evaluation_forms import (
    EvaluationOpenForm,
    PositionForm,
    PositionsImportForm,
    ProposalRuleForm,
    ScoreRowForm,
    catalogue_default_period,
    score_input,
    stored_version,
)
from directions.models import Component, Direction, Evaluation, Position, Score
from directions.selectors import SheetDirection
from mcok import access as core_access
from mcok import numbers, params
from mcok.lists import Columns, Natural, list_page
from mcok.models import Municipality, Period, User

PAGE_SIZE = 50
COMPONENT_LABELS = dict(Component.choices)
IMPORT_SESSION_KEY = "directions:positions_import"


# The components in the order of the cycle, for ORDER BY.
COMPONENT_ORDER = Case(
    *(When(component=key, then=Value(index)) for index, key in enumerate(fioko.COMPONENTS)),
    default=Value(len(fioko.COMPONENTS)),
)


# Choices shared by the pages --------------------------------------------------------------------


def _manageable(user: User) -> QuerySet[Municipality]:
    """The visible municipalities whose directions, catalogue and evaluations `user` keeps."""
    visible = core_access.municipalities_visible_to(user)
    ids = [m.pk for m in visible if access.can_manage_directions(user, m)]
    return Municipality.objects.filter(pk__in=ids)


def _chosen_municipality(request: HttpRequest) -> Municipality:
    """?municipality=slug among those the user may see (404 for any other), or the first of them."""
    visible = core_access.municipalities_visible_to(request.user)
    slug = params.query(request.GET, "municipality")
    municipality = visible.filter(slug=slug).first() if slug else visible.first()
    if municipality is None:
        raise Http404
    return municipality


def _chosen_period(request: HttpRequest, municipality: Municipality) -> Period:
    """?period=code, or the period the pages open on: the latest with a catalogue, or the current
    year (mcok.periods)."""
    code = params.query(request.GET, "period")
    if code:
        return get_object_or_404(Period, code=code)
    period = catalogue_default_period(municipality)
    if period is None:
        raise Http404
    return period


def _catalogue_url(municipality: Municipality, period: Period) -> str:
    query = urlencode({"municipality": municipality.slug, "period": period.code})
    return f"{reverse('directions:positions')}?{query}"


# The list of evaluations ------------------------------------------------------------------------


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
        first = manageable.first()
        form = EvaluationOpenForm(
            municipalities=manageable,
            initial={
                "municipality": first.slug if first else None,
                "period": catalogue_default_period(first),
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
        return numbers.number_text(Decimal(str(value)))
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
    directions = selectors.sheet_directions(evaluation)
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
    self_scores = selectors.self_assessment_rows(evaluation, scores)
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
                    % {"score": score_input(form.score_row.score) or "—"},
                )
                data[form.add_prefix("version")] = stored_version(form.score_row)
                valid = False
        if valid:
            try:
                proposals.sheet_save(
                    evaluation=evaluation,
                    rows=[
                        proposals.SheetRow(
                            score=form.score_row,
                            value=form.cleaned_data["score"],
                            comment=form.cleaned_data["comment"],
                            evidence=form.cleaned_data["evidence"],
                            proposal=form.proposal,
                        )
                        for form in changed
                    ],
                    by=request.user,
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


@require_POST
@login_required
def evaluation_partial(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = access.get_evaluation_for(request.user, pk)
    in_catalogue = {item.pk for item in selectors.sheet_directions(evaluation)}
    chosen = [pk for value in request.POST.getlist("direction") if (pk := params.as_id(value)) is not None]
    directions = list(Direction.objects.filter(pk__in=[pk for pk in chosen if pk in in_catalogue]))
    try:
        services.evaluation_partial_set(evaluation=evaluation, directions=directions, by=request.user)
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
    return redirect("directions:evaluation_results", pk=evaluation.pk)


# The results ------------------------------------------------------------------------------------


@login_required
def evaluation_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The results as stored when last computed: never recomputed for the page. Only the
    explanation («why not 100 %») rebuilds the indices, to find the positions that lost points."""
    evaluation = access.get_evaluation_for(request.user, pk)
    results = evaluation.results
    context: dict[str, Any] = {"evaluation": evaluation, "results": results}
    if results is None:
        return render(request, "directions/evaluation_results.html", context)

    context.update(selectors.evaluation_results(request.user, evaluation))
    return render(request, "directions/evaluation_results.html", context)


# The catalogue of positions ---------------------------------------------------------------------


@login_required
def position_list(request: HttpRequest) -> HttpResponse:
    municipality = _chosen_municipality(request)
    period = _chosen_period(request, municipality)
    queryset = (
        access.positions_visible_to(request.user)
        .filter(municipality=municipality, period=period)
        .select_related("direction__block", "proposal_rule")
        .annotate(component_rank=COMPONENT_ORDER)
        .order_by("direction__block__code", "direction__code", "component_rank", "code")
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
        sorts={
            "direction": Natural("direction__code"),
            "component": ["component_rank", "code"],
            "code": Natural("code"),
            "text": ["text"],
            "max": ["max_score", "code"],
            "track": ["track", "code"],
        },
    )


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


@login_required
def positions_import(request: HttpRequest) -> HttpResponse:
    """Upload → a dry run that shows every row and every error → confirm (positions_import_confirm).
    The parsed rows wait in the session under the file's digest: the confirmation names the
    digest, never the rows, so nothing the browser sends back is trusted."""
    manageable = _manageable(request.user)
    if not manageable.exists():
        raise PermissionDenied
    first = manageable.first()
    slug = params.query(request.GET, "municipality")
    chosen = (manageable.filter(slug=slug).first() if slug else None) or first
    code = params.query(request.GET, "period")
    initial = {
        "municipality": chosen.slug if chosen else None,
        "period": (Period.objects.filter(code=code).first() if code else None)
        or catalogue_default_period(chosen),
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
                        "max_text": numbers.amount_text(Decimal(row["max"])),
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
        return redirect("directions:positions_import")
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
        return redirect(f"{reverse('directions:positions_import')}?{query}")
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(
        request,
        ngettext("%(count)d position is imported.", "%(count)d positions are imported.", count)
        % {"count": count},
    )
    return redirect(_catalogue_url(municipality, period))


# The rules of the proposals ----------------------------------------------------------------------


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
                return redirect("directions:position_rule", pk=position.pk)
            if form.is_valid():
                proposals.rule_set(
                    position=position, by=request.user, kind=form.cleaned_data["kind"], params=form.params()
                )
                messages.success(request, _("The rule of %(code)s is saved.") % {"code": position.code})
                return redirect("directions:position_rule", pk=position.pk)
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
        "proposal_text": numbers.amount_text(proposal.score) if proposal else "",
        "max_text": numbers.amount_text(position.max_score),
        "back": back,
    }
    return render(request, "directions/position_rule.html", context)
