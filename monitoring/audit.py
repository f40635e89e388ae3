"""The audit trail's monitoring events: every step of a submission, registered from MonitoringConfig.ready."""

from django.utils.translation import gettext_lazy as _

from mcok.audit import Event, Source
from monitoring.models import SubmissionEvent


def _submission_events(municipality):
    return SubmissionEvent.objects.filter(submission__campaign__municipality=municipality).select_related(
        "by", "submission__organization", "submission__campaign"
    )


def _submission_event(row) -> Event:
    return Event(
        at=row.at,
        kind="monitoring",
        action=row.get_action_display(),
        by=row.by,
        subject=row.submission.campaign.title,
        organization=row.submission.organization.short_name,
        detail=row.comment,
    )


KINDS = [("monitoring", _("Monitoring submissions"))]
SOURCES = [Source("monitoring", "at", _submission_events, _submission_event)]
