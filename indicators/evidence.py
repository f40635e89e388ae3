"""The evidence indicators give the self-assessment's proposals (directions/proposals.py): each
indicator of the direction, whether it has the municipality's value for the period, a target for
it and a risk threshold that makes a risk group. Registered by IndicatorsConfig.ready."""

from collections.abc import Sequence

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from directions.models import Direction, RuleKind
from directions.proposals import EvidenceKind, Item, register
from indicators.models import Indicator, IndicatorValue, Target
from mcok.models import Period
from mcok.sorting import natural_key


def indicators(directions: Sequence[Direction], period: Period) -> dict[int, list[Item]]:
    """Every indicator of the directions, with what it lacks for the period: one query."""
    rows = (
        Indicator.objects.filter(direction__in=[d.pk for d in directions])
        .annotate(
            has_value=Exists(
                IndicatorValue.objects.filter(
                    indicator=OuterRef("pk"), period=period, organization__isnull=True, value__isnull=False
                )
            ),
            has_target=Exists(Target.objects.filter(indicator=OuterRef("pk"), period=period)),
        )
        .values("pk", "code", "name", "direction_id", "has_value", "has_target", "risk_threshold")
    )
    rows = sorted(rows, key=lambda row: (natural_key(row["code"]), row["pk"]))  # 2.3.2 before 2.3.10
    query = urlencode({"period": period.code})
    found: dict[int, list[Item]] = {}
    for row in rows:
        missing = []
        if not row["has_value"]:
            missing.append(_("no value for the period"))
        if not row["has_target"]:
            missing.append(_("no target"))
        if row["risk_threshold"] is None:
            missing.append(_("no risk threshold"))
        found.setdefault(row["direction_id"], []).append(
            Item(
                direction_id=row["direction_id"],
                label=f"{row['code']} {row['name']}",
                url=f"{reverse('indicators:indicator', args=[row['pk']])}?{query}",
                measure=None,
                note="; ".join(missing) if missing else _("value, target and risk threshold"),
                data={"complete": not missing},
            )
        )
    return found


def _complete(item: Item, params: dict) -> bool:
    return bool(item.data.get("complete"))


def register_evidence() -> None:
    register(
        RuleKind.INDICATORS,
        EvidenceKind(
            gather=indicators,
            rule=lambda params, period, component: (
                _(
                    "Each indicator of the direction has the municipality's value for %(period)s, a target "
                    "and a risk threshold that makes a risk group"
                )
                % {"period": period.label}
            ),
            absent=lambda period: _("the direction has no indicators"),
            check=_complete,
        ),
    )
