"""What waits for an expert on the home page: the positions of the open evaluations of their
municipalities that have no score yet, by evaluation, with the directions they belong to.

A position of a partial cycle (a track evaluated on the managerial components only) outside those
components waits for nobody. Registered in DirectionsConfig.ready (mcok.selectors.ATTENTION_PROVIDERS).
"""

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directions import access as directions_access
from directions import fioko
from directions.models import Evaluation, Score
from mcok.models import User
from mcok.selectors import AttentionItem
from mcok.sorting import natural_key

DIRECTIONS_NAMED = 5  # directions named in one line; the rest are counted


def unscored(municipality_ids: list[int]):
    """(evaluation id, direction code, positions without a score) of the open evaluations of the
    municipalities, in one query."""
    partial = Evaluation.partial_directions.through.objects.filter(
        evaluation_id=OuterRef("evaluation_id"), direction_id=OuterRef("position__direction_id")
    )
    return (
        Score.objects.filter(
            evaluation__municipality__in=municipality_ids,
            evaluation__state=Evaluation.State.OPEN,
            score__isnull=True,
        )
        .exclude(Q(Exists(partial)) & ~Q(position__component__in=fioko.MANAGERIAL))
        .values_list("evaluation_id", "position__direction__code")
        .annotate(count=Count("pk"))
    )


def expert_attention(user: User, roles: list) -> list[AttentionItem]:
    municipality_ids = directions_access.expert_municipality_ids(user)
    if not municipality_ids:
        return []
    waiting: dict[int, dict[str, int]] = defaultdict(dict)
    for evaluation_id, code, count in unscored(municipality_ids):
        waiting[evaluation_id][code] = waiting[evaluation_id].get(code, 0) + count
    if not waiting:
        return []
    evaluations = Evaluation.objects.filter(pk__in=waiting).select_related("municipality", "period")
    items = []
    # An expert evaluation first, then a self-assessment; the latest period first.
    for evaluation in sorted(
        evaluations, key=lambda e: (e.kind != Evaluation.Kind.EXPERT, -e.period.starts_on.toordinal())
    ):
        directions = sorted(waiting[evaluation.pk].items(), key=lambda pair: natural_key(pair[0]))
        total = sum(count for _code, count in directions)
        named = ", ".join(
            _("%(code)s — %(count)s") % {"code": code, "count": count}
            for code, count in directions[:DIRECTIONS_NAMED]
        )
        if len(directions) > DIRECTIONS_NAMED:
            rest = len(directions) - DIRECTIONS_NAMED
            named += " " + ngettext("and %(count)d more direction", "and %(count)d more directions", rest) % {
                "count": rest
            }
        text = ngettext(
            "%(evaluation)s: %(count)d position waits for your score (by direction: %(directions)s).",
            "%(evaluation)s: %(count)d positions wait for your score (by direction: %(directions)s).",
            total,
        ) % {"evaluation": _evaluation_name(evaluation), "count": total, "directions": named}
        url = (
            reverse("directions:evaluation", args=[evaluation.pk])
            + "?"
            + urlencode({"direction": directions[0][0]})
        )
        items.append(AttentionItem(text, url, "warning"))
    return items


def _evaluation_name(evaluation: Evaluation) -> str:
    return _("%(kind)s of %(municipality)s, %(period)s") % {
        "kind": evaluation.get_kind_display(),
        "municipality": evaluation.municipality.name,
        "period": evaluation.period,
    }
