"""An analytic report as an XLSX workbook: the figures behind the report, one table per sheet.

Sheets: indicators (the municipal value in each period of the dynamics, the target, completeness,
the marks), the organizations' values with the risk mark, the values per option of the indicators
over disaggregated figures with each option's risk group (when the report has such an indicator),
the roadmap events due in the period, the
recommendations, the FIOKO indices. Each sheet's header row is bold and frozen; numbers stay
numbers; every text cell goes through mcok.exports, so a name starting with «=» stays text and never
runs as a formula.
"""

import io
from collections.abc import Sequence
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from mcok import exports
from reports import analytics
from reports.models import Report

NUMBER_FORMAT = "0.0###"  # one decimal at least, the stored precision when it has more
WIDE, MIDDLE, NARROW = 60, 28, 14


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _sheet(workbook: Workbook, title: str, columns: Sequence[tuple[str, int]], rows) -> None:
    """A sheet named `title` with bold frozen headers, the columns' widths, and the rows."""
    sheet = workbook.create_sheet(title=title[:31])
    for index, (_header, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([exports._xlsx_cell(sheet, header, bold=True) for header, _width in columns])
    for row in rows:
        cells = []
        for value in row:
            cell = exports._xlsx_cell(sheet, value)
            if isinstance(value, Decimal | float):
                cell.number_format = NUMBER_FORMAT
            cells.append(cell)
        sheet.append(cells)


def _indicator_rows(data: analytics.ReportData):
    for item in data.indicators:
        indicator = item.indicator
        values = {point.period.pk: point.value for point in item.dynamics}
        yield [
            indicator.code,
            indicator.name,
            indicator.direction.code if indicator.direction_id else "",
            indicator.unit,
            *[values.get(period.pk) for period in data.series],
            item.target,
            item.reported,
            item.expected,
            _yes(item.misses_target),
            _yes(item.at_risk),
            len(item.risk_group),
        ]


def _organization_rows(data: analytics.ReportData):
    for item in data.indicators:
        for row in item.organizations:
            yield [
                item.indicator.code,
                item.indicator.name,
                row.name,
                row.numerator,
                row.denominator,
                row.value,
                _yes(row.at_risk),
            ]


def _breakdown_rows(data: analytics.ReportData):
    for item in data.indicators:
        for shown in item.breakdowns:
            for line in shown.lines:
                yield [
                    item.indicator.code,
                    item.indicator.name,
                    shown.category,
                    line.name,
                    line.numerator,
                    line.denominator,
                    line.value,
                    len(line.at_risk),
                    "; ".join(row.name for row in line.at_risk),
                ]


def _roadmap_rows(data: analytics.ReportData):
    progress = data.roadmap_progress
    if progress is None:
        return
    for occurrence in progress.due_list:
        event = occurrence.event
        yield [
            event.roadmap.title,
            event.number,
            event.content,
            event.deadline_text,
            occurrence.due_on,
            occurrence.get_state_display(),
            _yes(occurrence.is_overdue(data.today)),
            occurrence.done_on,
        ]


def _recommendation_rows(data: analytics.ReportData):
    for row in data.all_recommendations:
        recommendation = row.recommendation
        yield [
            recommendation.direction.code if recommendation.direction else "",
            recommendation.title,
            recommendation.get_level_display(),
            recommendation.indicator.code if recommendation.indicator else "",
            date_format(recommendation.issued_at, "d.m.Y") if recommendation.issued_at else "",
            recommendation.due_on,
            row.addressees,
            row.answered,
        ]


def _index_rows(data: analytics.ReportData):
    indices = data.indices
    if indices is None:
        return
    levels = [
        (_("Total"), [indices.total]),
        (_("Block"), indices.blocks),
        (_("Direction"), indices.directions),
        (_("Component"), indices.components),
    ]
    for level, lines in levels:
        for line in lines:
            # a component has no code of its own in the methodology: its Russian name names it
            code = "" if level == levels[-1][0] else line.code
            yield [level, code, line.name, line.score, line.max, line.percent]


def report_xlsx(report: Report, data: analytics.ReportData | None = None) -> bytes:
    """The report's figures as XLSX bytes; `data` when the caller gathered it already."""
    if data is None:
        data = analytics.gather(report)
    workbook = Workbook(write_only=True)
    periods = [(period.label, NARROW) for period in data.series]
    _sheet(
        workbook,
        _("Indicators"),
        [
            (_("Code"), NARROW),
            (_("Indicator"), WIDE),
            (_("Direction"), NARROW),
            (_("Unit"), NARROW),
            *periods,
            (_("Target"), NARROW),
            (_("Reported"), NARROW),
            (_("Expected"), NARROW),
            (_("Misses the target"), NARROW),
            (_("Worse than the risk threshold"), NARROW),
            (_("Organizations at risk"), NARROW),
        ],
        _indicator_rows(data),
    )
    _sheet(
        workbook,
        _("Organizations"),
        [
            (_("Code"), NARROW),
            (_("Indicator"), WIDE),
            (_("Organization"), MIDDLE),
            (_("Numerator"), NARROW),
            (_("Denominator"), NARROW),
            (_("Value"), NARROW),
            (_("Risk group"), NARROW),
        ],
        _organization_rows(data),
    )
    if any(item.breakdowns for item in data.indicators):
        _sheet(
            workbook,
            _("By option"),
            [
                (_("Code"), NARROW),
                (_("Indicator"), WIDE),
                (_("Category"), NARROW),
                (_("Option"), MIDDLE),
                (_("Numerator"), NARROW),
                (_("Denominator"), NARROW),
                (_("Value"), NARROW),
                (_("Organizations at risk"), NARROW),
                (_("Risk group"), WIDE),
            ],
            _breakdown_rows(data),
        )
    _sheet(
        workbook,
        _("Roadmap"),
        [
            (_("Roadmap"), MIDDLE),
            (_("Number"), NARROW),
            (_("Event"), WIDE),
            (_("Deadline, as written"), MIDDLE),
            (_("Due"), NARROW),
            (_("State"), NARROW),
            (_("Overdue"), NARROW),
            (_("Done on"), NARROW),
        ],
        _roadmap_rows(data),
    )
    _sheet(
        workbook,
        _("Recommendations"),
        [
            (_("Direction"), NARROW),
            (_("Recommendation"), WIDE),
            (_("Addressed to"), MIDDLE),
            (_("Indicator"), NARROW),
            (_("Issued"), NARROW),
            (_("Answer by"), NARROW),
            (_("Organizations"), NARROW),
            (_("Answered"), NARROW),
        ],
        _recommendation_rows(data),
    )
    _sheet(
        workbook,
        _("Indices"),
        [
            (_("Level"), NARROW),
            (_("Code"), NARROW),
            (_("Name"), WIDE),
            (_("Score"), NARROW),
            (_("Maximum"), NARROW),
            (_("Index, %"), NARROW),
        ],
        _index_rows(data),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
