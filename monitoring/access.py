"""Who may read and who may do what on forms, collections and submissions: the one place that decides,
built on mcok.access and directions.access.

Reading: the staff of a municipality read all of its forms, collections and submissions. A school
reads the collections that ask it (once they are no longer drafts) and its own submissions, never
another's.

Writing follows the assignments of the order (Приложение 1, «forms and collections for D»): a form
bound to a direction is built, and its collections are started and run (opened, closed, reminded,
extended), by the direction's executors and coordinators for the collection's period and by the head
of the department; its submissions are accepted and returned by the direction's coordinators and
the head. A form bound to no direction follows the municipal roles: coordinators and executors build
and run, coordinators review. Administrators keep users and catalogues: they build and review
nothing. A school's respondents and head fill in their organization's forms; its head signs off.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from directions.access import COORDINATOR, EXECUTOR, directions_for, duty_rows, may_approve, may_draft
from directions.models import Direction
from mcok.access import (
    has_role,
    is_instance_administrator,
    municipality_ids,
    organization_ids,
    role_rows,
    visible,
)
from mcok.models import Municipality, Organization, Period, Role
from monitoring.models import Campaign, Form, Submission

# A school's people: its respondents fill in its forms, its head too, and signs them off.
FILLERS = (Role.Kind.RESPONDENT, Role.Kind.SCHOOL_HEAD)
SIGNERS = (Role.Kind.SCHOOL_HEAD,)
# Work bound to no direction: who drafts it and who approves it among the municipal roles.
_UNBOUND_DRAFTERS = {Role.Kind.COORDINATOR, Role.Kind.EXECUTOR}
_UNBOUND_APPROVERS = {Role.Kind.COORDINATOR}

# The refusals, in the words a page or an API shows.
REFUSED_FORM = _(
    "Only the executors and coordinators of the form's direction and the head of the department change "
    "this form."
)
REFUSED_DIRECTION = _(
    "You may build forms only for the directions assigned to you; a form bound to no direction is built "
    "by the municipality's coordinators and executors and the head of the department."
)
REFUSED_BUILD = _(
    "Only the executors and coordinators of the directions and the head of the department build forms "
    "and start data collections."
)
REFUSED_RUN = _(
    "Only the executors and coordinators of the form's direction and the head of the department start, "
    "open, close and remind about its data collections."
)
REFUSED_REVIEW = _(
    "Only the coordinators of the form's direction and the head of the department accept and return "
    "its forms."
)
REFUSED_FILL = _("Only the organization's respondents and head fill in its forms.")
REFUSED_SIGN_OFF = _("Only the head of the organization signs off its forms.")


# Reading ------------------------------------------------------------------------------------------


def forms_visible_to(user) -> QuerySet[Form]:
    return visible(Form.objects.all(), user)


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    if is_instance_administrator(user):
        return Campaign.objects.all()
    asked = Campaign.organizations.through.objects.filter(organization__in=organization_ids(user))
    return Campaign.objects.filter(
        Q(municipality__in=municipality_ids(user, Role.MUNICIPAL_KINDS))
        | (~Q(state=Campaign.State.DRAFT) & Q(pk__in=asked.values("campaign")))
    )


def submissions_visible_to(user) -> QuerySet[Submission]:
    return visible(
        Submission.objects.exclude(campaign__state=Campaign.State.DRAFT)
        if not is_staff(user)
        else Submission.objects.all(),
        user,
        municipality="campaign__municipality",
        organization="organization",
    )


def is_staff(user) -> bool:
    """A staff role in some municipality (the department's people), or the instance's administrator."""
    return is_instance_administrator(user) or any(row.kind in Role.MUNICIPAL_KINDS for row in role_rows(user))


def is_staff_of(user, municipality: Municipality) -> bool:
    """A staff role in the municipality: reads its forms, collections and every school's answers."""
    return is_instance_administrator(user) or has_role(user, Role.MUNICIPAL_KINDS, municipality=municipality)


def staff_municipality_ids(user) -> set[int] | None:
    """The municipalities whose forms and collections `user` reads as staff; None for the whole
    instance."""
    if is_instance_administrator(user):
        return None
    return set(municipality_ids(user, Role.MUNICIPAL_KINDS))


def staff_municipalities(user) -> list[Municipality]:
    """The municipalities where `user` works in the department, by name (every one for the instance's
    administrators); a school's respondent has none."""
    ids = staff_municipality_ids(user)
    municipalities = Municipality.objects.order_by("name")
    return list(municipalities if ids is None else municipalities.filter(pk__in=ids))


# The get_<record>_for functions answer 404 alike for "does not exist" and "not yours". They load the
# form's direction with its municipality, which the rights below read.
def get_form_for(user, pk: int) -> Form:
    return get_object_or_404(
        forms_visible_to(user).select_related("municipality", "direction__municipality"), pk=pk
    )


def get_campaign_for(user, pk: int) -> Campaign:
    return get_object_or_404(
        campaigns_visible_to(user).select_related("municipality", "form__direction__municipality", "period"),
        pk=pk,
    )


def get_submission_for(user, pk: int) -> Submission:
    return get_object_or_404(
        submissions_visible_to(user).select_related(
            "campaign__form__direction__municipality",
            "campaign__period",
            "campaign__municipality",
            "organization",
            "updated_by",
            "reviewed_by",
            "signed_off_by",
        ),
        pk=pk,
    )


# Forms --------------------------------------------------------------------------------------------


def _direction_of(form: Form) -> Direction | None:
    """The form's direction, its municipality taken from the form when the form has it loaded: the
    rights read it, and a list asking per row must not query per row."""
    direction = form.direction
    if (
        direction is not None
        and not Direction.municipality.is_cached(direction)
        and Form.municipality.is_cached(form)
        and direction.municipality_id == form.municipality_id
    ):
        Direction.municipality.field.set_cached_value(direction, form.municipality)
    return direction


def can_create_form(user, municipality: Municipality, direction: Direction | None = None) -> bool:
    """A new form of the municipality for the direction: its executors and coordinators and the head;
    for no direction, the municipality's coordinators and executors and the head."""
    if direction is not None and direction.municipality_id != municipality.pk:
        return False
    return may_draft(user, municipality, direction)


def can_build_in(user, municipality: Municipality) -> bool:
    """Whether `user` may build some form, and start some collection, in the municipality: for a
    direction assigned to them, or for none. For the «New form» and «New collection» buttons."""
    if may_draft(user, municipality, None):
        return True
    return has_role(user, Role.MUNICIPAL_KINDS, municipality=municipality) and any(
        row.municipality_id == municipality.pk and row.duty in (COORDINATOR, EXECUTOR)
        for row in duty_rows(user)
    )


def may_build_unbound(user, municipality: Municipality) -> bool:
    """Whether «no direction» may be chosen for a form of the municipality."""
    return may_draft(user, municipality, None)


def form_directions(user, municipalities) -> QuerySet[Direction]:
    """The directions of these municipalities `user` may build forms for (directions_for), to offer."""
    return directions_for(user).filter(municipality__in=[m.pk for m in municipalities])


def can_edit_form(user, form: Form) -> bool:
    """Change the form's settings, sections, questions and checks, or make its new version: the
    executors and coordinators of its direction and the head; a form of no direction, the
    municipality's coordinators and executors and the head."""
    return may_draft(user, form.municipality, _direction_of(form))


def can_bind_form(user, form: Form, direction: Direction | None) -> bool:
    """Move the form to `direction` (or to none): one who may change it, and may build for that."""
    return can_edit_form(user, form) and can_create_form(user, form.municipality, direction)


def forms_for_campaigns(user, municipality: Municipality) -> QuerySet[Form]:
    """The forms of the municipality `user` may start a collection with: those of the directions
    assigned to them (all for the head), and those of no direction for the municipal roles."""
    forms = Form.objects.filter(municipality=municipality)
    allowed = Q(direction__in=directions_for(user).filter(municipality=municipality).values("pk"))
    if may_build_unbound(user, municipality):
        allowed |= Q(direction__isnull=True)
    return forms.filter(allowed)


# Collections --------------------------------------------------------------------------------------


def can_start_campaign(user, form: Form, period: Period) -> bool:
    """A collection of the form for the period (or its settings changed to these): the executors and
    coordinators of the form's direction for that period, and the head."""
    return may_draft(user, form.municipality, _direction_of(form), period)


def can_edit_campaign(user, campaign: Campaign) -> bool:
    """Change a draft collection's settings and whom it asks."""
    return can_start_campaign(user, campaign.form, campaign.period)


def can_open_campaign(user, campaign: Campaign) -> bool:
    """Run the collection: open it, open it again, close it, remind the organizations and extend
    their deadlines. The order gives the direction's executors and coordinators the collection of
    data («build, open»), so the same people as may start it; the head too."""
    return may_draft(user, campaign.municipality, _direction_of(campaign.form), campaign.period)


def can_review(user, campaign: Campaign) -> bool:
    """Accept and return the collection's submitted forms: the coordinators of the form's direction for
    the collection's period, and the head; a form of no direction, the municipality's coordinators
    and the head."""
    return may_approve(user, campaign.municipality, _direction_of(campaign.form), campaign.period)


def _campaign_scope(user, *, approve: bool) -> Q | None:
    """The collections `user` may run (or, with `approve`, review), as a condition on Campaign: the
    same answer as can_open_campaign / can_review gives row by row, for a list in one query. None
    when there are none."""
    if is_instance_administrator(user):
        return Q()
    staff = set(municipality_ids(user, Role.MUNICIPAL_KINDS))
    scope = Q(pk__in=[])
    found = False
    heads = municipality_ids(user, Role.Kind.DEPARTMENT_HEAD)
    if heads:
        scope |= Q(municipality__in=heads)
        found = True
    unbound = municipality_ids(user, _UNBOUND_APPROVERS if approve else _UNBOUND_DRAFTERS)
    if unbound:
        scope |= Q(form__direction__isnull=True, municipality__in=unbound)
        found = True
    duties = {COORDINATOR} if approve else {COORDINATOR, EXECUTOR}
    for row in duty_rows(user):
        if row.duty not in duties or row.municipality_id not in staff:
            continue
        condition = Q(form__direction=row.direction_id)
        if row.starts_on is not None:
            condition &= Q(period__ends_on__gte=row.starts_on)
        if row.ends_on is not None:
            condition &= Q(period__starts_on__lte=row.ends_on)
        scope |= condition
        found = True
    return scope if found else None


def campaigns_run_by(user) -> QuerySet[Campaign]:
    """The collections `user` may run (can_open_campaign), in one query."""
    scope = _campaign_scope(user, approve=False)
    return Campaign.objects.none() if scope is None else Campaign.objects.filter(scope)


def campaigns_reviewed_by(user) -> QuerySet[Campaign]:
    """The collections whose forms `user` may accept and return (can_review), in one query."""
    scope = _campaign_scope(user, approve=True)
    return Campaign.objects.none() if scope is None else Campaign.objects.filter(scope)


# Submissions --------------------------------------------------------------------------------------


def can_fill(user, organization: Organization) -> bool:
    """The organization's respondents and head fill in its forms."""
    return has_role(user, FILLERS, organization=organization)


def can_sign_off(user, organization: Organization) -> bool:
    """The organization's head signs off what its respondents prepared."""
    return has_role(user, SIGNERS, organization=organization)


def can_fill_for(user, campaign: Campaign, organization: Organization) -> bool:
    """Write an organization's answers to the collection: its respondents and head, and those who run
    the collection (an import on the school's behalf)."""
    return can_fill(user, organization) or can_open_campaign(user, campaign)


def fill_organization_ids(user) -> list[int]:
    """The organizations `user` fills in forms for (as respondent or head)."""
    return organization_ids(user, FILLERS)


def sign_off_organization_ids(user) -> list[int]:
    """The organizations whose forms `user` signs off (as head)."""
    return organization_ids(user, SIGNERS)


def filler_emails(organizations) -> list[tuple[int, str]]:
    """(organization id, e-mail) of the active accounts that fill in these organizations' forms: the
    recipients of a reminder, and a key the Google Forms import knows a school by."""
    rows = Role.objects.filter(organization__in=organizations, kind__in=FILLERS, user__is_active=True)
    return [(pk, email) for pk, email in rows.values_list("organization_id", "user__email") if email]
