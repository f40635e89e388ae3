"""The audit trail's events of the reports: pages of the public tab published and withdrawn, analytic
reports approved and published, registered from ReportsConfig.ready."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mcok.audit import Event, Source
from reports.models import PublicVersion, Report


def _publications(municipality):
    return PublicVersion.objects.filter(page__municipality=municipality).select_related("published_by")


def _publication(row) -> Event:
    return Event(
        at=row.published_at,
        kind="public",
        action=gettext("Page published"),
        by=row.published_by,
        subject=row.title,
        detail=gettext("Version %(number)s") % {"number": row.number},
    )


def _withdrawals(municipality):
    return PublicVersion.objects.filter(
        page__municipality=municipality, withdrawn_at__isnull=False
    ).select_related("withdrawn_by")


def _withdrawal(row) -> Event:
    return Event(
        at=row.withdrawn_at,
        kind="public",
        action=gettext("Page withdrawn"),
        by=row.withdrawn_by,
        subject=row.title,
        detail=gettext("Version %(number)s") % {"number": row.number},
    )


def _approvals(municipality):
    return Report.objects.filter(municipality=municipality, approved_at__isnull=False).select_related(
        "approved_by"
    )


def _approval(row) -> Event:
    return Event(
        at=row.approved_at,
        kind="reports",
        action=gettext("Report approved"),
        by=row.approved_by,
        subject=row.title,
    )


def _report_publications(municipality):
    return Report.objects.filter(municipality=municipality, published_at__isnull=False).select_related(
        "published_by"
    )


def _report_publication(row) -> Event:
    return Event(
        at=row.published_at,
        kind="reports",
        action=gettext("Report file published"),
        by=row.published_by,
        subject=row.title,
    )


KINDS = [("public", _("Public tab")), ("reports", _("Analytic reports"))]
SOURCES = [
    Source("public", "published_at", _publications, _publication),
    Source("public", "withdrawn_at", _withdrawals, _withdrawal),
    Source("reports", "approved_at", _approvals, _approval),
    Source("reports", "published_at", _report_publications, _report_publication),
]
