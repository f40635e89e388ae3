"""The portal proposes the self-assessment: for each evaluation position, a score from the evidence
the portal already holds, with the evidence as links and the rule said in words.

Rules are data (directions.models.ProposalRule: a position → a kind of evidence and its parameters);
a position without a rule of its own gets the default of its component (DEFAULT_RULES, with the
publication positions of the technology-card catalogue by their codes). The evidence of each kind
is gathered by the app that holds it: directions here (the components of the cycle), and the apps
above directions (indicators, monitoring, roadmaps) from their own evidence modules, which fill
EVIDENCE_KINDS in their AppConfig.ready — a lower app never imports a higher one.

A gatherer takes every direction of the batch and the period at once, so the proposals of a whole
evaluation cost a fixed number of queries whatever the number of positions.

The judgement is the same for every kind: the pieces of evidence the rule counts (none: zero), each
meeting the rule's bar or not (all: the full maximum; some: half of it).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directions import access, services
from directions.models import (
    Component,
    CycleComponent,
    Direction,
    Evaluation,
    Position,
    ProposalRule,
    RuleKind,
    Score,
)
from mcok import numbers
from mcok.models import Period, User

CENT = Decimal("0.01")
FULL, HALF, ZERO = "full", "half", "zero"
COMPONENT_LABELS = dict(Component.choices)


# The evidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One piece of evidence: what it is, where to see it, and what the rule's check reads.

    `measure` is how far it fulfils the rule, 0–100 (a collection's completeness, the share of
    addressees who answered); `data` anything else the kind's check reads; `note` the fact in words
    for the reader («полнота 80 %»)."""

    direction_id: int
    label: str
    url: str
    measure: Decimal | None = None
    note: str = ""
    component: str = ""
    data: dict = field(default_factory=dict, compare=False, hash=False)


Gatherer = Callable[[Sequence[Direction], Period], dict[int, list[Item]]]


def meets_percent(item: Item, params: dict) -> bool | None:
    """The usual check: the item's measure reaches the rule's «percent» (100 when not set)."""
    if item.measure is None:
        return True
    return item.measure >= Decimal(str(params.get("percent", 100)))


@dataclass(frozen=True)
class EvidenceKind:
    """A kind of evidence: how to gather it for a batch of directions, how to say the rule, what to
    say when there is none, and the check of one item (True meets the bar, False falls short, None
    is not counted at all)."""

    gather: Gatherer
    rule: Callable[[dict, Period, str], str]
    absent: Callable[[Period], str]
    check: Callable[[Item, dict], bool | None] = meets_percent
    per_component: bool = False  # items carry their component; only the position's one counts


EVIDENCE_KINDS: dict[str, EvidenceKind] = {}


def register(kind: str, evidence: EvidenceKind) -> None:
    """Called by the app that holds the evidence (its AppConfig.ready)."""
    EVIDENCE_KINDS[str(kind)] = evidence


def percent_text(value: Any) -> str:
    """A percentage as the words say it: «80», «66,7»."""
    return numbers.amount_text(Decimal(str(value)), places=1)


# The components of the cycle (directions' own evidence) ----------------------------------------


def _components(directions: Sequence[Direction], period: Period) -> dict[int, list[Item]]:
    """The cycle components of the directions in the period with their state and documents: one
    query."""
    rows = (
        CycleComponent.objects.filter(cycle__direction__in=[d.pk for d in directions], cycle__period=period)
        .annotate(document_count=Count("documents"))
        .values("pk", "component", "state", "document_count", "cycle__direction_id")
        .order_by()
    )
    states = dict(CycleComponent.State.choices)
    found: dict[int, list[Item]] = {}
    for row in rows:
        found.setdefault(row["cycle__direction_id"], []).append(
            Item(
                direction_id=row["cycle__direction_id"],
                label=str(COMPONENT_LABELS.get(row["component"], row["component"])),
                url=reverse("directions:component", args=[row["pk"]]),
                component=row["component"],
                note=ngettext(
                    "%(state)s, %(count)d document", "%(state)s, %(count)d documents", row["document_count"]
                )
                % {
                    "state": str(states.get(row["state"], row["state"])).lower(),
                    "count": row["document_count"],
                },
                data={"state": row["state"], "documents": row["document_count"]},
            )
        )
    return found


def _component_check(item: Item, params: dict) -> bool | None:
    State = CycleComponent.State
    wanted = (State.PUBLISHED,) if params.get("state") == "published" else (State.APPROVED, State.PUBLISHED)
    if item.data.get("state") not in wanted:
        return None
    return item.data.get("documents", 0) >= int(params.get("documents", 0))


def _component_rule(params: dict, period: Period, component: str) -> str:
    label = COMPONENT_LABELS.get(params.get("component") or component, component)
    documents = int(params.get("documents", 0))
    if params.get("state") == "published":
        if documents:
            return _(
                "The component «%(component)s» is published on the official site and has at least "
                "%(documents)d document(s) attached"
            ) % {"component": label, "documents": documents}
        return _("The component «%(component)s» is published on the official site") % {"component": label}
    if documents:
        return _(
            "The component «%(component)s» is approved or published and has at least %(documents)d "
            "document(s) attached"
        ) % {"component": label, "documents": documents}
    return _("The component «%(component)s» is approved or published") % {"component": label}


register(
    RuleKind.COMPONENT,
    EvidenceKind(
        gather=_components,
        rule=_component_rule,
        absent=lambda period: (
            _("the component is neither approved nor published for %(period)s") % {"period": period.label}
        ),
        check=_component_check,
        per_component=True,
    ),
)


# The rules: explicit, else the default ----------------------------------------------------------


APPROVED_WITH_DOCUMENTS = {"state": "approved", "documents": 1}
PUBLISHED = {"state": "published", "documents": 0}
# By component, for any catalogue.
DEFAULT_RULES: dict[str, tuple[str, dict]] = {
    Component.GOALS: (RuleKind.COMPONENT, APPROVED_WITH_DOCUMENTS),
    Component.INDICATORS: (RuleKind.INDICATORS, {}),
    Component.METHODS: (RuleKind.COMPONENT, APPROVED_WITH_DOCUMENTS),
    Component.MONITORING: (RuleKind.COLLECTIONS, {"percent": 80}),
    Component.ANALYSIS: (RuleKind.COMPONENT, APPROVED_WITH_DOCUMENTS),
    Component.RECOMMENDATIONS: (RuleKind.RECOMMENDATIONS, {"percent": 50}),
    Component.MEASURES: (RuleKind.EVENTS, {}),
    Component.DECISIONS: (RuleKind.DECISIONS, {}),
    Component.EFFECTIVENESS: (RuleKind.EFFECTIVENESS, {}),
}
# The technology-card catalogue (directions/demo_data.py SELF_ASSESSMENT): its positions «… размещён
# на официальном ресурсе» are met by the component's publication; found by code and component.
DEFAULT_BY_CODE: dict[tuple[str, str], tuple[str, dict]] = {
    (Component.GOALS, "Ц.4"): (RuleKind.COMPONENT, PUBLISHED),
    (Component.INDICATORS, "П.4"): (RuleKind.COMPONENT, PUBLISHED),
    (Component.MONITORING, "МН.4"): (RuleKind.COMPONENT, PUBLISHED),
    (Component.ANALYSIS, "А.3"): (RuleKind.INDICATORS, {}),
    (Component.ANALYSIS, "А.4"): (RuleKind.COMPONENT, PUBLISHED),
    (Component.RECOMMENDATIONS, "Р.4"): (RuleKind.COMPONENT, PUBLISHED),
    (Component.MEASURES, "М.1"): (RuleKind.DECISIONS, {}),
    (Component.MEASURES, "М.3"): (RuleKind.COMPONENT, PUBLISHED),
    (Component.DECISIONS, "УР.4"): (RuleKind.COMPONENT, PUBLISHED),
    (Component.EFFECTIVENESS, "Э.2"): (RuleKind.COMPONENT, APPROVED_WITH_DOCUMENTS),
    (Component.EFFECTIVENESS, "Э.4"): (RuleKind.COMPONENT, PUBLISHED),
}


@dataclass(frozen=True)
class Rule:
    kind: str
    params: dict
    explicit: bool

    @property
    def label(self) -> str:
        return str(dict(RuleKind.choices).get(self.kind, self.kind))


def default_rule(position: Position) -> Rule:
    kind, params = DEFAULT_BY_CODE.get((position.component, position.code)) or DEFAULT_RULES.get(
        position.component, (RuleKind.MANUAL, {})
    )
    return Rule(str(kind), dict(params), explicit=False)


def rules_for(positions: Sequence[Position]) -> dict[int, Rule]:
    """The rule of each position: its own, else the default. One query."""
    own = {
        rule.position_id: Rule(rule.kind, rule.params if isinstance(rule.params, dict) else {}, True)
        for rule in ProposalRule.objects.filter(position__in=[p.pk for p in positions])
    }
    return {p.pk: own.get(p.pk) or default_rule(p) for p in positions}


# The proposals ----------------------------------------------------------------------------------


@dataclass
class Proposal:
    """A proposed score with its level, the rule and the finding in words, and the evidence."""

    score: Decimal
    max: Decimal
    level: str
    words: str
    evidence: list[Item]
    rule: Rule

    def evidence_text(self) -> str:
        """The words and the links as the score's «evidence» keeps them."""
        lines = [self.words]
        for item in self.evidence:
            note = f" ({item.note})" if item.note else ""
            lines.append(f"{item.label}{note}: {item.url}")
        return "\n".join(lines)


def level_score(level: str, maximum: Decimal) -> Decimal:
    if level == FULL:
        return maximum
    if level == HALF:
        return (maximum / 2).quantize(CENT, rounding=ROUND_DOWN)
    return Decimal(0).quantize(CENT)


def judge(position: Position, rule: Rule, kind: EvidenceKind, items: list[Item], period: Period) -> Proposal:
    component = rule.params.get("component") or position.component
    if kind.per_component:
        items = [item for item in items if item.component == component]
    checked = [(item, kind.check(item, rule.params)) for item in items]
    counted = [(item, ok) for item, ok in checked if ok is not None]
    met = sum(1 for _item, ok in counted if ok)
    rule_words = kind.rule(rule.params, period, position.component)
    if not counted:
        level = ZERO
        finding = kind.absent(period)
    else:
        level = FULL if met == len(counted) else HALF
        finding = _("meets the rule: %(met)d of %(count)d") % {"met": met, "count": len(counted)}
    return Proposal(
        score=level_score(level, position.max_score),
        max=position.max_score,
        level=level,
        words=f"{rule_words}: {finding}.",
        evidence=[item for item, _ok in counted],
        rule=rule,
    )


def propose(positions: Sequence[Position], period: Period) -> dict[int, Proposal]:
    """The proposal for each position (none for a manual rule or an unknown kind). The positions
    come with their direction loaded; a fixed number of queries: the rules, then each kind's
    gatherer once for every direction of the batch."""
    positions = list(positions)
    if not positions:
        return {}
    rules = rules_for(positions)
    directions = list({p.direction_id: p.direction for p in positions}.values())
    needed = sorted({rule.kind for rule in rules.values() if rule.kind in EVIDENCE_KINDS})
    gathered = {kind: EVIDENCE_KINDS[kind].gather(directions, period) for kind in needed}
    proposals = {}
    for position in positions:
        rule = rules[position.pk]
        if rule.kind not in gathered:
            continue
        items = gathered[rule.kind].get(position.direction_id, [])
        proposals[position.pk] = judge(position, rule, EVIDENCE_KINDS[rule.kind], items, period)
    return proposals


def propose_for_scores(scores: Iterable[Score], evaluation: Evaluation) -> dict[int, Proposal]:
    """The proposals of a self-assessment's rows, by the score's id (nothing for another kind)."""
    if evaluation.kind != Evaluation.Kind.SELF:
        return {}
    scores = list(scores)
    by_position = propose([s.position for s in scores], evaluation.period)
    return {s.pk: by_position[s.position_id] for s in scores if s.position_id in by_position}


# Writes -----------------------------------------------------------------------------------------


def _require_open_self(evaluation: Evaluation) -> None:
    if evaluation.kind != Evaluation.Kind.SELF:
        raise ValidationError(_("The portal proposes scores for a self-assessment only."))
    if evaluation.state != Evaluation.State.OPEN:
        raise ValidationError(_("The evaluation is finished: its scores no longer change."))


@transaction.atomic
def score_save(
    *,
    score: Score,
    by: User,
    value: Decimal | None,
    comment: str = "",
    evidence: str = "",
    proposal: Proposal | None = None,
    ring: bool = True,
) -> Score:
    """Set a score as the sheet does; in a self-assessment a score other than the portal's proposal
    needs a comment saying why (ValidationError in Russian otherwise). The proposal is kept beside
    the score. Who may: directions.access.can_score for the position's direction. The indices are
    recomputed after commit (`ring=False`: the caller rings once for many rows)."""
    evaluation = score.evaluation
    if not access.can_score(by, evaluation, score.position.direction):
        raise PermissionDenied
    if (
        proposal is not None
        and value is not None
        and value != proposal.score
        and value != score.score
        and not comment.strip()
    ):
        raise ValidationError(
            _(
                "The score of %(code)s differs from the portal's proposal (%(proposed)s): say why in "
                "the comment."
            )
            % {
                "code": score.position.code,
                "proposed": format(proposal.score.normalize(), "f").replace(".", ","),
            }
        )
    score = services.score_set(score=score, by=by, value=value, comment=comment, evidence=evidence, ring=ring)
    proposed = proposal.score if proposal is not None else None
    Score.objects.filter(pk=score.pk).update(proposed=proposed)
    score.proposed = proposed
    return score


@dataclass(frozen=True)
class SheetRow:
    """One changed row of the scoring sheet, as the person typed it."""

    score: Score
    value: Decimal | None
    comment: str
    evidence: str
    proposal: Proposal | None = None


@transaction.atomic
def sheet_save(*, evaluation: Evaluation, rows: list[SheetRow], by: User) -> int:
    """Save the changed rows of one page of the scoring sheet, all or none (each as `score_save`),
    and ask for one recompute of the evaluation after commit, however many rows changed. Returns
    how many rows were saved."""
    for row in rows:
        if row.score.evaluation_id != evaluation.pk:
            raise ValueError(f"score {row.score.pk} is not of evaluation {evaluation.pk}")
        score_save(
            score=row.score,
            by=by,
            value=row.value,
            comment=row.comment,
            evidence=row.evidence,
            proposal=row.proposal,
            ring=False,
        )
    if rows:
        transaction.on_commit(lambda: services.evaluation_compute_later(evaluation.pk))
    return len(rows)


@transaction.atomic
def proposal_accept(*, score: Score, by: User, shown: Decimal | None = None) -> Score:
    """Take the portal's proposal as the position's score (one click of the coordinator). The
    proposal is computed anew; if it is no longer the one the page showed (`shown`), nothing is
    saved and the message says so."""
    evaluation = score.evaluation
    if not access.may_accept_proposals(by, evaluation, score.position.direction):
        raise PermissionDenied
    _require_open_self(evaluation)
    proposal = propose([score.position], evaluation.period).get(score.position_id)
    if proposal is None:
        raise ValidationError(
            _("The portal proposes nothing for %(code)s: score it by hand.") % {"code": score.position.code}
        )
    if shown is not None and shown != proposal.score:
        raise ValidationError(
            _("The proposal for %(code)s has changed since the page was shown; check it and accept again.")
            % {"code": score.position.code}
        )
    return score_save(
        score=score,
        by=by,
        value=proposal.score,
        comment=score.comment,
        evidence=proposal.evidence_text(),
        proposal=proposal,
    )


@transaction.atomic
def proposals_accept_all(*, evaluation: Evaluation, direction: Direction, by: User) -> int:
    """Take the proposals as the scores of the direction's positions not scored yet; the scored ones
    stay as they are. Returns how many were set. A fixed number of queries."""
    if not access.may_accept_proposals(by, evaluation, direction):
        raise PermissionDenied
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    _require_open_self(locked)
    scores = list(
        Score.objects.filter(
            evaluation=locked, position__direction=direction, score__isnull=True
        ).select_related("position__direction")
    )
    proposals = propose_for_scores(scores, locked)
    now = timezone.now()
    changed = []
    for score in scores:
        proposal = proposals.get(score.pk)
        if proposal is None:
            continue
        score.score = proposal.score
        score.proposed = proposal.score
        score.evidence = proposal.evidence_text()
        score.scored_by = by
        score.scored_at = now
        changed.append(score)
    Score.objects.bulk_update(changed, ["score", "proposed", "evidence", "scored_by", "scored_at"])
    if changed:
        transaction.on_commit(lambda: services.evaluation_compute_later(locked.pk))
    return len(changed)


def _clean_params(kind: str, params: dict) -> dict:
    clean: dict[str, Any] = {}
    if kind == RuleKind.COMPONENT:
        state = params.get("state") or "approved"
        if state not in ("approved", "published"):
            raise ValidationError(_("The state is «approved» or «published»."))
        clean["state"] = state
        documents = params.get("documents") or 0
        if not isinstance(documents, int) or not 0 <= documents <= 100:
            raise ValidationError(_("The number of documents is a whole number from 0 to 100."))
        clean["documents"] = documents
        if params.get("component"):
            if params["component"] not in Component.values:
                raise ValidationError(_("Choose a component of the cycle."))
            clean["component"] = params["component"]
    elif kind not in (RuleKind.MANUAL, RuleKind.INDICATORS, RuleKind.DECISIONS, RuleKind.EFFECTIVENESS):
        percent = params.get("percent", 100)
        if percent is None:
            percent = 100
        if not isinstance(percent, int) or not 0 <= percent <= 100:
            raise ValidationError(_("The bar is a whole number of per cent from 0 to 100."))
        clean["percent"] = percent
    return clean


@transaction.atomic
def rule_set(*, position: Position, by: User, kind: str, params: dict) -> ProposalRule:
    """Give the position a rule of its own. Whoever keeps the catalogue (access.can_manage_directions)."""
    if not access.may_edit_proposal_rules(by, position.municipality):
        raise PermissionDenied
    if kind not in RuleKind.values:
        raise ValidationError(_("Choose the kind of evidence."))
    rule, _created = ProposalRule.objects.update_or_create(
        position=position,
        defaults={
            "kind": kind,
            "params": _clean_params(kind, params),
            "changed_by": by,
            "changed_at": timezone.now(),
        },
    )
    return rule


@transaction.atomic
def rule_reset(*, position: Position, by: User) -> None:
    """Drop the position's own rule: the default of its component applies again."""
    if not access.may_edit_proposal_rules(by, position.municipality):
        raise PermissionDenied
    ProposalRule.objects.filter(position=position).delete()
