"""An evaluation's results as a workbook: every position with its score, and the figures computed
from them (components, directions, blocks, the municipal index).

Whoever reads the evaluation's results page downloads it (directions.access.get_evaluation_for;
404 for anyone else, as for an absent evaluation). Text cells are written through mcok.exports, so
nothing a person typed (a comment, an evidence link) runs as a formula in the reader's spreadsheet.
The figures are those stored when the evaluation was last computed, as the results page shows them:
the file never recomputes them. Three queries, however many positions.
"""

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from directions import access, fioko, selectors
from directions.models import Component, Direction, Evaluation, Score
from mcok import exports
from mcok.sorting import natural_key

COMPONENT_LABELS = dict(Component.choices)
COMPONENT_ORDER = {key: index for index, key in enumerate(fioko.COMPONENTS)}


def _number(value: Any) -> Decimal | None:
    """A stored figure (int, float or None in the results' JSON) as an exact number for the cell."""
    if value is None:
        return None
    return Decimal(str(value))


def position_rows(evaluation: Evaluation) -> list[tuple]:
    """One row per position: direction, component, position, maximum, score, points lost, whether
    it counts (a partial cycle counts only its managerial components), comment, evidence, who
    scored it and when."""
    partial = set(evaluation.partial_directions.values_list("pk", flat=True))
    scores = Score.objects.filter(evaluation=evaluation).select_related("position__direction", "scored_by")
    yes, no = _("yes"), _("no")
    rows = []
    for score in sorted(
        scores,
        key=lambda s: (
            natural_key(s.position.direction.code),
            COMPONENT_ORDER.get(s.position.component, len(COMPONENT_ORDER)),
            natural_key(s.position.code),
        ),
    ):
        position = score.position
        counts = position.direction_id not in partial or position.component in fioko.MANAGERIAL
        lost = position.max_score - (score.score or 0) if counts else None
        scored_at = timezone.localtime(score.scored_at) if score.scored_at else None
        rows.append(
            (
                position.direction.code,
                position.direction.name,
                position.track,
                COMPONENT_LABELS.get(position.component, position.component),
                position.code,
                position.text,
                position.max_score,
                score.score,
                lost,
                yes if counts else no,
                score.comment,
                score.evidence,
                str(score.scored_by) if score.scored_by else "",
                scored_at,
            )
        )
    return rows


def position_headers() -> list[str]:
    return [
        _("Direction code"),
        _("Direction"),
        _("Track"),
        _("Component"),
        _("Position code"),
        pgettext("evaluation", "Position"),
        _("Maximum"),
        _("Score"),
        _("Points lost"),
        _("Counts in the index"),
        _("Comment"),
        _("Evidence"),
        _("Scored by"),
        _("Scored"),
    ]


def figure_rows(evaluation: Evaluation) -> list[tuple]:
    """The stored figures: the municipality, each block, each direction and its components, with
    the score, the maximum and the index (formation degree) in per cent."""
    results = evaluation.results or {}
    if "total" not in results:
        return []
    names = dict(
        Direction.objects.filter(
            municipality=evaluation.municipality, code__in=list(results.get("directions", {}))
        )
        .valid_in(evaluation.period)
        .values_list("code", "name")
    )
    block_names = selectors.block_names(evaluation.municipality)

    def row(level: str, code: str, name: str, data: dict | None) -> tuple:
        data = data or {}
        return (
            level,
            code,
            name,
            _number(data.get("score")),
            _number(data.get("max")),
            _number(data.get("percent")),
        )

    rows = [row(_("Municipality"), "", evaluation.municipality.name, results["total"])]
    for code in sorted(results.get("blocks", {}), key=natural_key):
        rows.append(row(_("Block"), code, block_names.get(code, ""), results["blocks"][code]))
    components = results.get("components", {})
    for code in sorted(results.get("directions", {}), key=natural_key):
        rows.append(row(_("Direction"), code, names.get(code, ""), results["directions"][code]))
        parts = components.get(code, {})
        for component in sorted(parts, key=lambda key: COMPONENT_ORDER.get(key, len(COMPONENT_ORDER))):
            rows.append(
                row(_("Component"), code, COMPONENT_LABELS.get(component, component), parts[component])
            )
    return rows


def figure_headers() -> list[str]:
    return [_("Level"), _("Code"), _("Name"), _("Score"), _("Maximum"), _("Index, %")]


def evaluation_workbook(evaluation: Evaluation) -> bytes:
    sheets = [
        (_("Positions"), position_headers(), position_rows(evaluation)),
    ]
    figures = figure_rows(evaluation)
    if figures:
        sheets.append((_("Results"), figure_headers(), figures))
    return exports.xlsx_book_bytes(sheets)


def filename(evaluation: Evaluation) -> str:
    municipality = evaluation.municipality.slug or slugify(evaluation.municipality.name) or "municipality"
    period = slugify(evaluation.period.code.replace("/", "-")) or str(evaluation.period_id)
    return f"evaluation-{municipality}-{period}-{evaluation.kind}.xlsx"


@require_safe
@login_required
def evaluation_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = access.get_evaluation_for(request.user, pk)
    return exports.file_response(evaluation_workbook(evaluation), filename(evaluation), exports.XLSX_TYPE)
