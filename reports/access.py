"""Who may read and act on analytic reports and the public tab, built on mcok.access and
directions.access.

Reading: the municipality's staff (every municipal role) read its reports, their files and the
drafts of its public tab; a school or another municipality finds none of them (404 alike for
"absent" and "not yours").

Acting on a report follows the rights by assignment (Приложение 1 of order №1048): a report of a
direction is drafted (written, its files made) by the direction's executors and coordinators for the
report's period and by the head of the department; its coordinators and the head approve it; the
municipality's operator publishes the approved file on the public tab and withdraws it. A municipal
summary report is bound to no direction and follows the municipal roles: the municipality's
coordinators and executors draft it, its coordinators approve it. Administrators keep users and
catalogues and write no reports; an administrator of the whole instance counts as the head.

The public tab's pages are kept by the municipality's operator and administrators, and by the
instance's administrators.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from directions import access as directions_access
from directions.models import Direction
from mcok import access
from mcok.models import Municipality, Period, Role, User
from reports.models import PublicPage, PublicVersion, Report, ReportJob

# Who keeps the public tab of a municipality (besides the instance's administrators).
SITE_EDITOR_KINDS = (Role.Kind.OPERATOR, Role.Kind.ADMINISTRATOR)
# Whose menu shows the public tab: those who keep it, and the staff whose work it publishes.
SITE_MENU_KINDS = frozenset(
    {
        Role.Kind.OPERATOR,
        Role.Kind.ADMINISTRATOR,
        Role.Kind.DEPARTMENT_HEAD,
        Role.Kind.COORDINATOR,
        Role.Kind.EXECUTOR,
    }
)


# Reading ------------------------------------------------------------------------------------------


def staff_municipalities(user: User) -> QuerySet[Municipality]:
    """The municipalities where `user` works in the department (every municipal role, the head
    included), by name; every one for an instance administrator, none for a school."""
    return access.visible(Municipality.objects.all(), user, municipality="pk").order_by("name")


def reports_visible_to(user: User) -> QuerySet[Report]:
    """The reports of the municipalities where `user` holds a staff role; none for a school."""
    return access.visible(Report.objects.all(), user)


def jobs_visible_to(user: User) -> QuerySet[ReportJob]:
    return access.visible(ReportJob.objects.all(), user, municipality="report__municipality")


def get_report_for(user: User, pk: int) -> Report:
    return get_object_or_404(
        reports_visible_to(user).select_related(
            "municipality", "direction__block", "period", "created_by", "approved_by", "published_job"
        ),
        pk=pk,
    )


def get_job_for(user: User, pk: int) -> ReportJob:
    return get_object_or_404(jobs_visible_to(user).select_related("report", "requested_by"), pk=pk)


def pages_visible_to(user: User) -> QuerySet[PublicPage]:
    """Pages whose drafts `user` may read: every page of the municipalities where they are staff;
    none for a school."""
    return access.visible(PublicPage.objects.all(), user)


def versions_visible_to(user: User) -> QuerySet[PublicVersion]:
    return access.visible(PublicVersion.objects.all(), user, municipality="page__municipality")


# Reports ------------------------------------------------------------------------------------------


def report_directions(user: User, municipality: Municipality) -> QuerySet[Direction]:
    """The municipality's directions whose reports `user` may draft today: to offer in the report's
    form. Every direction of the municipality for its head."""
    return directions_access.directions_for(user).filter(municipality=municipality)


def can_create_report(
    user: User, municipality: Municipality, direction: Direction | None = None, period: Period | None = None
) -> bool:
    """Whether `user` may write a new report of the direction (a municipal summary when None) in
    the municipality, for the period (any when None): the direction's executors and coordinators,
    the head; for a summary, the municipality's coordinators and executors and the head."""
    if direction is not None and direction.municipality_id != municipality.pk:
        return False
    return directions_access.may_draft(user, municipality, direction, period)


def can_create_any_report(user: User, municipality: Municipality) -> bool:
    """Whether the form of a new report has anything to offer `user` in the municipality: a summary,
    or a direction they draft for."""
    return can_create_report(user, municipality) or report_directions(user, municipality).exists()


def can_edit_report(user: User, report: Report) -> bool:
    """Write the report and make its files: the executors and coordinators of its direction for its
    period and the head; a summary, the municipality's coordinators and executors and the head."""
    return directions_access.may_draft(user, report.municipality, report.direction, report.period)


def can_approve(user: User, report: Report) -> bool:
    """Approve the report: the coordinators of its direction for its period and the head; a summary,
    the municipality's coordinators and the head. Executors draft but do not approve."""
    return directions_access.may_approve(user, report.municipality, report.direction, report.period)


def can_publish(user: User, report: Report) -> bool:
    """Publish the approved report's PDF on the public tab, and withdraw it: the municipality's
    operator."""
    return directions_access.is_operator_in(user, report.municipality)


# The public tab -----------------------------------------------------------------------------------


def can_edit_site(user: User, municipality: Municipality) -> bool:
    """Change, publish, withdraw and restore the pages of the municipality's public tab: its operator
    and administrators, and the instance's administrators."""
    return access.is_instance_administrator(user) or access.has_role(
        user, SITE_EDITOR_KINDS, municipality=municipality
    )
