"""The evidence roadmaps give the self-assessment's proposals (directions/proposals.py): the
direction's recommendations of the period issued and answered, its decisions with their indicators
and their analysis of effectiveness, and its roadmap events due in the period done on time.
Registered by RoadmapsConfig.ready. One query per kind, whatever the number of directions."""

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directions.models import Direction, RuleKind
from directions.proposals import EvidenceKind, Item, percent_text, register
from mcok.models import Period
from mcok.text import period_in
from roadmaps.models import Decision, Occurrence, Recommendation


def recommendations(directions: Sequence[Direction], period: Period) -> dict[int, list[Item]]:
    """The issued (or closed) recommendations of the directions for the period, with the share of
    their addressees who answered; one addressed to no organization (the department, teachers,
    parents) has nobody to answer and counts as answered."""
    rows = (
        Recommendation.objects.filter(
            direction__in=[d.pk for d in directions],
            period=period,
            state__in=[Recommendation.State.ISSUED, Recommendation.State.CLOSED],
        )
        .annotate(addressed=Count("organizations", distinct=True), answered=Count("responses", distinct=True))
        .order_by("issued_at", "pk")
        .values("pk", "title", "direction_id", "addressed", "answered")
    )
    found: dict[int, list[Item]] = {}
    for row in rows:
        addressed, answered = row["addressed"], min(row["answered"], row["addressed"])
        share = Decimal(100) * answered / addressed if addressed else None
        note = (
            _("answered %(answered)d of %(addressed)d") % {"answered": answered, "addressed": addressed}
            if addressed
            else _("addressed to no organization")
        )
        found.setdefault(row["direction_id"], []).append(
            Item(
                direction_id=row["direction_id"],
                label=row["title"],
                url=reverse("roadmaps:recommendation", args=[row["pk"]]),
                measure=share,
                note=note,
            )
        )
    return found


def _decisions(directions: Sequence[Direction], period: Period):
    return (
        Decision.objects.filter(direction__in=[d.pk for d in directions], period=period)
        .annotate(indicator_count=Count("indicators", distinct=True), analysis_length=Length("effectiveness"))
        .order_by("adopted_on", "pk")
        .values("pk", "title", "direction_id", "indicator_count", "analysis_length")
    )


def decisions(directions: Sequence[Direction], period: Period) -> dict[int, list[Item]]:
    """The decisions of the directions for the period, with the number of indicators each should
    move."""
    found: dict[int, list[Item]] = {}
    for row in _decisions(directions, period):
        count = row["indicator_count"]
        found.setdefault(row["direction_id"], []).append(
            Item(
                direction_id=row["direction_id"],
                label=row["title"],
                url=reverse("roadmaps:decision", args=[row["pk"]]),
                measure=Decimal(100 if count else 0),
                note=_("indicators: %(count)d") % {"count": count} if count else _("no indicators"),
            )
        )
    return found


def effectiveness(directions: Sequence[Direction], period: Period) -> dict[int, list[Item]]:
    """The decisions of the directions for the period, whether their effectiveness is analysed."""
    found: dict[int, list[Item]] = {}
    for row in _decisions(directions, period):
        written = bool(row["analysis_length"])
        found.setdefault(row["direction_id"], []).append(
            Item(
                direction_id=row["direction_id"],
                label=row["title"],
                url=reverse("roadmaps:decision", args=[row["pk"]]),
                measure=Decimal(100 if written else 0),
                note=_("the analysis of effectiveness is written")
                if written
                else _("no analysis of effectiveness"),
            )
        )
    return found


def events(directions: Sequence[Direction], period: Period) -> dict[int, list[Item]]:
    """The instances of the directions' roadmap events due in the period (cancelled ones left out),
    whether each was done by its due date. An instance not due yet and not done is not counted."""
    today = timezone.localdate()
    rows = (
        Occurrence.objects.filter(
            event__roadmap__direction__in=[d.pk for d in directions],
            due_on__gte=period.starts_on,
            due_on__lte=period.ends_on,
        )
        .exclude(state=Occurrence.State.CANCELLED)
        .order_by("due_on", "pk")
        .values(
            "pk",
            "state",
            "due_on",
            "done_on",
            "event__number",
            "event__content",
            "event__roadmap__direction_id",
        )
    )
    found: dict[int, list[Item]] = {}
    for row in rows:
        done = row["state"] == Occurrence.State.DONE
        on_time = done and (row["done_on"] is None or row["done_on"] <= row["due_on"])
        pending = not done and row["due_on"] >= today
        due = row["due_on"].strftime("%d.%m.%Y")
        if on_time:
            note = _("done on time, due %(due)s") % {"due": due}
        elif done:
            note = _("done late, due %(due)s") % {"due": due}
        elif pending:
            note = _("not due yet, due %(due)s") % {"due": due}
        else:
            note = _("not done, due %(due)s") % {"due": due}
        label = f"{row['event__number']} {row['event__content'][:200]}".strip()
        direction_id = row["event__roadmap__direction_id"]
        found.setdefault(direction_id, []).append(
            Item(
                direction_id=direction_id,
                label=label,
                url=reverse("roadmaps:occurrence", args=[row["pk"]]),
                measure=Decimal(100 if on_time else 0),
                note=note,
                data={"pending": pending},
            )
        )
    return found


def _events_check(item: Item, params: dict) -> bool | None:
    if item.data.get("pending"):
        return None
    return bool(item.measure)


def _done(item: Item, params: dict) -> bool:
    return bool(item.measure)


def register_evidence() -> None:
    register(
        RuleKind.RECOMMENDATIONS,
        EvidenceKind(
            gather=recommendations,
            rule=lambda params, period, component: (
                _(
                    "The direction's targeted recommendations for %(period)s are issued and at least "
                    "%(percent)s %% of the addressees of each answered"
                )
                % {"period": period.label, "percent": percent_text(params.get("percent", 100))}
            ),
            absent=lambda period: _("no recommendation was issued for %(period)s") % {"period": period.label},
        ),
    )
    register(
        RuleKind.DECISIONS,
        EvidenceKind(
            gather=decisions,
            rule=lambda params, period, component: (
                _(
                    "The direction's management decisions for %(period)s are taken and each names the "
                    "indicators it should move"
                )
                % {"period": period.label}
            ),
            absent=lambda period: _("no decision was taken for %(period)s") % {"period": period.label},
            check=_done,
        ),
    )
    register(
        RuleKind.EFFECTIVENESS,
        EvidenceKind(
            gather=effectiveness,
            rule=lambda params, period, component: (
                _("The effectiveness of each of the direction's decisions for %(period)s is analysed")
                % {"period": period.label}
            ),
            absent=lambda period: _("no decision was taken for %(period)s") % {"period": period.label},
            check=_done,
        ),
    )
    register(
        RuleKind.EVENTS,
        EvidenceKind(
            gather=events,
            rule=lambda params, period, component: (
                _("The events of the direction's roadmaps due %(in_period)s are done on time")
                % {"in_period": period_in(period)}
            ),
            absent=lambda period: (
                _("no event of the direction's roadmaps was due %(in_period)s by now")
                % {"in_period": period_in(period)}
            ),
            check=_events_check,
        ),
    )
