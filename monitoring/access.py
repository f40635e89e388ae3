"""Who may read which forms, collections and submissions; built on mcok.access.

Staff of a municipality read all of its forms, collections and submissions. A school reads the
collections that ask it (once they are no longer drafts) and its own submissions, never another's.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from mcok.access import _ids, is_instance_administrator, role_rows, visible
from mcok.models import Role
from monitoring.models import Campaign, Form, Submission


def forms_visible_to(user) -> QuerySet[Form]:
    return visible(Form.objects.all(), user)


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    if is_instance_administrator(user):
        return Campaign.objects.all()
    asked = Campaign.organizations.through.objects.filter(
        organization__in=_ids(user, Role.ORGANIZATION_KINDS, "organization_id")
    )
    return Campaign.objects.filter(
        Q(municipality__in=_ids(user, Role.MUNICIPAL_KINDS, "municipality_id"))
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
    return is_instance_administrator(user) or any(row.kind in Role.MUNICIPAL_KINDS for row in role_rows(user))


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
