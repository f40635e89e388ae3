"""Writes on monitoring, one public face for three modules:

- monitoring.campaign_services: forms and their versions, collections and their dates, extensions;
- monitoring.reminder_services: beat's pass over the dates, reminders, the letters on a form's state;
- monitoring.submission_services: submissions from the first draft to acceptance.

Every state change is a conditional UPDATE (of two reviewers, or two tabs, exactly one wins) with a
SubmissionEvent written in the same transaction; acceptance writes the answers as data values,
which rings the indicator recompute after commit.
"""

from monitoring.campaign_services import (
    TARGET_FLAGS,
    campaign_close,
    campaign_create,
    campaign_open,
    campaign_update,
    data_element_for_field,
    deadline_for,
    deadlines_of,
    extension_grant,
    form_check_editable,
    form_new_version,
    organizations_targeted,
)
from monitoring.reminder_services import (
    Delivery,
    campaigns_advance,
    pending_organizations,
    reach_of,
    recipients_of,
    reminders_deliver,
    reminders_send,
    status_letter_later,
    status_letter_send,
)
from monitoring.submission_services import (
    EditConflict,
    Saved,
    awaits_sign_off,
    changed_since_return,
    data_values_from,
    file_store,
    form_questions,
    submission_accept,
    submission_for,
    submission_return,
    submission_save,
    submission_sign_off,
    submission_submit,
    submissions_accept,
)

__all__ = [
    "TARGET_FLAGS",
    "Delivery",
    "EditConflict",
    "Saved",
    "awaits_sign_off",
    "campaign_close",
    "campaign_create",
    "campaign_open",
    "campaign_update",
    "campaigns_advance",
    "changed_since_return",
    "data_element_for_field",
    "data_values_from",
    "deadline_for",
    "deadlines_of",
    "extension_grant",
    "file_store",
    "form_check_editable",
    "form_new_version",
    "form_questions",
    "organizations_targeted",
    "pending_organizations",
    "reach_of",
    "recipients_of",
    "reminders_deliver",
    "reminders_send",
    "status_letter_later",
    "status_letter_send",
    "submission_accept",
    "submission_for",
    "submission_return",
    "submission_save",
    "submission_sign_off",
    "submission_submit",
    "submissions_accept",
]
