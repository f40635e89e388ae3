"""Writes on the core records."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mcok.models import Municipality, Organization, Period, Role, User, period_code, period_dates


def period_get_or_create(*, kind: str, year: int, number: int = 0) -> Period:
    """The period of that kind, year and number, created with its code and dates if missing."""
    starts_on, ends_on = period_dates(kind, year, number)
    period, _created = Period.objects.get_or_create(
        kind=kind,
        year=year,
        number=number,
        defaults={"code": period_code(kind, year, number), "starts_on": starts_on, "ends_on": ends_on},
    )
    return period


@transaction.atomic
def periods_ensure(*, year: int) -> int:
    """Make sure the year, its academic year, half-years and quarters exist. Idempotent; returns
    how many periods were created."""
    before = Period.objects.count()
    wanted = [(Period.Kind.YEAR, 0), (Period.Kind.ACADEMIC_YEAR, 0)]
    wanted += [(Period.Kind.HALF_YEAR, n) for n in (1, 2)] + [(Period.Kind.QUARTER, n) for n in (1, 2, 3, 4)]
    for kind, number in wanted:
        period_get_or_create(kind=kind, year=year, number=number)
    return Period.objects.count() - before


PERIOD_CODE = re.compile(
    r"^(?P<year>\d{4})(?:/(?P<next>\d{2})|-H(?P<half>[12])|-Q(?P<quarter>[1-4]))?$", re.ASCII
)
PERIOD_YEARS = range(1990, 2101)


def period_parse(code: str) -> tuple[str, int, int]:
    """(kind, year, number) of a code such as «2024», «2024/25», «2024-H1», «2024-Q3»; ValidationError
    with a Russian message for anything else."""
    match = PERIOD_CODE.match(code.strip().upper())
    if match and int(match["year"]) in PERIOD_YEARS:
        year = int(match["year"])
        if match["half"]:
            return Period.Kind.HALF_YEAR, year, int(match["half"])
        if match["quarter"]:
            return Period.Kind.QUARTER, year, int(match["quarter"])
        if match["next"] is None:
            return Period.Kind.YEAR, year, 0
        if int(match["next"]) == (year + 1) % 100:
            return Period.Kind.ACADEMIC_YEAR, year, 0
    raise ValidationError(
        _("«%(code)s» is not a period code. Write 2024, 2024/25, 2024-H1 or 2024-Q3.") % {"code": code}
    )


@transaction.atomic
def role_grant(
    *,
    user: User,
    kind: str,
    municipality: Municipality | None = None,
    organization: Organization | None = None,
) -> Role:
    """Give `user` a role; granting one that exists changes nothing. A school role names its
    organization, whose municipality becomes the role's."""
    if kind in Role.ORGANIZATION_KINDS:
        if organization is None:
            raise ValidationError(_("A school role needs an organization."))
        if municipality is not None and municipality.pk != organization.municipality_id:
            raise ValidationError(_("The organization belongs to another municipality."))
        municipality = organization.municipality
    elif organization is not None:
        raise ValidationError(_("Only a school role is tied to an organization."))
    elif municipality is None and kind != Role.Kind.ADMINISTRATOR:
        raise ValidationError(_("This role needs a municipality."))
    role, _created = Role.objects.get_or_create(
        user=user, kind=kind, municipality=municipality, organization=organization
    )
    return role
