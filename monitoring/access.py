"""Who may read which forms, collections and submissions; built on mcok.access.

Staff of a municipality read all of its forms, collections and submissions. A school reads the
collections that ask it (once they are no longer drafts) and its own submissions, never another's.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from mcok.access import _roles, is_instance_administrator, visible
from mcok.models import Role
from monitoring.models import Campaign, Form, Submission


def forms_visible_to(user) -> QuerySet[Form]:
    return visible(Form.objects.all(), user)


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    if is_instance_administrator(user):
        return Campaign.objects.all()
    roles = _roles(user)
    asked = Campaign.organizations.through.objects.filter(
        organization__in=roles.filter(kind__in=Role.ORGANIZATION_KINDS).values("organization")
    )
    return Campaign.objects.filter(
        Q(municipality__in=roles.filter(kind__in=Role.MUNICIPAL_KINDS).values("municipality"))
        | (~Q(state=Campaign.State.DRAFT) & Q(pk__in=asked.values("campaign")))
    )


def submissions_visible_to(user) -> QuerySet[Submission]:
    return visible(
        Submission.objects.exclude(campaign__state=Campaign.State.DRAFT)
        if not _is_staff(user)
        else Submission.objects.all(),
        user,
        municipality="campaign__municipality",
        organization="organization",
    )


def _is_staff(user) -> bool:
    return is_instance_administrator(user) or _roles(user).filter(kind__in=Role.MUNICIPAL_KINDS).exists()


# The get_<record>_for functions answer 404 alike for "does not exist" and "not yours".
def get_form_for(user, pk: int) -> Form:
    return get_object_or_404(forms_visible_to(user).select_related("municipality", "direction"), pk=pk)


def get_campaign_for(user, pk: int) -> Campaign:
    return get_object_or_404(
        campaigns_visible_to(user).select_related("municipality", "form", "period"), pk=pk
    )


def get_submission_for(user, pk: int) -> Submission:
    return get_object_or_404(
        submissions_visible_to(user).select_related(
            "campaign__form",
            "campaign__period",
            "campaign__municipality",
            "organization",
            "updated_by",
            "reviewed_by",
            "signed_off_by",
        ),
        pk=pk,
    )
