"""Writes on submissions, from the first draft to acceptance.

Every state change is a conditional UPDATE (of two reviewers, or two tabs, exactly one wins) with a
SubmissionEvent written in the same transaction; acceptance writes the answers as data values,
which rings the indicator recompute after commit.
"""

import datetime
import os
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import services as indicator_services
from indicators.models import DataValue, OptionCombo
from mcok.models import Organization, User
from monitoring import access, tables, validation
from monitoring.campaign_services import refuse_unless_reviews
from monitoring.models import Campaign, Field, Form, Rule, Submission, SubmissionFile
from monitoring.models import SubmissionEvent as Event
from monitoring.reminder_services import status_letter_later

Status = Submission.Status
State = Campaign.State


# Submissions ------------------------------------------------------------------------------------


class EditConflict(ValidationError):
    """Someone else saved the same answers meanwhile; `fields` are the questions both changed."""

    def __init__(self, message: str, fields: list[str]):
        super().__init__(message, code="edit_conflict")
        self.fields = fields


def form_questions(form: Form) -> tuple[list[Field], list[Rule]]:
    return list(form.fields.select_related("section", "data_element")), list(form.rules.all())


def submission_for(*, campaign: Campaign, organization: Organization, by: User | None = None) -> Submission:
    """The organization's one submission to the collection, made on first use. The unique constraint
    decides between two first saves; the loser reads the winner's row."""
    if not campaign.organizations.filter(pk=organization.pk).exists():
        raise ValidationError(_("This organization is not asked to answer in this collection."))
    try:
        with transaction.atomic():
            submission, _created = Submission.objects.get_or_create(
                campaign=campaign, organization=organization, defaults={"updated_by": by}
            )
    except IntegrityError:
        submission = Submission.objects.get(campaign=campaign, organization=organization)
    return submission


def _check_open_for(submission: Submission) -> None:
    """Refuse a change of answers unless the collection is open (as the database has it now, and not
    past its closing day, which beat may not have seen yet) and the form is a draft or returned."""
    campaign = submission.campaign
    state, closes_on = Campaign.objects.filter(pk=campaign.pk).values_list("state", "closes_on").get()
    if state != State.OPEN or (closes_on is not None and closes_on < timezone.localdate()):
        raise ValidationError(_("The collection is not open: answers cannot change."))
    if submission.status == Status.SUBMITTED:
        raise ValidationError(_("The form is submitted and waits for review; it cannot change now."))
    if submission.status == Status.ACCEPTED:
        raise ValidationError(_("The form is accepted and can no longer change."))


def _answer_text(raw: Any) -> str:
    """One answer as the text it is stored as, whatever a client sent: numbers as written (never
    «1e+20»), yes/no, ISO dates; line ends of browsers unified; characters a database cannot hold
    (NUL, lone surrogates) dropped."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        text = "yes" if raw else "no"
    elif isinstance(raw, float | Decimal | datetime.date):
        number = validation.parse_number(raw) if not isinstance(raw, datetime.date) else None
        text = validation.as_text(number if number is not None else raw)
        if isinstance(raw, float | Decimal) and number is None:
            text = ""  # NaN or infinity: no answer
    else:
        text = validation.text_of(raw)
    text = text.replace("\x00", "").replace("\r\n", "\n")
    return text.encode("utf-8", "replace").decode("utf-8").strip()


def _normalise(answers: dict[str, Any], fields: list[Field]) -> dict[str, Any]:
    """Only the form's questions; every answer as text (lists of texts for lists); text trimmed of
    the line ends browsers add; blanks dropped."""
    out = {}
    for item in fields:
        if item.code not in answers:
            continue
        raw = answers[item.code]
        if item.is_table:
            answer = tables.parse_answer(raw, tables.layout(item))
            cells = {key: _answer_text(text) for key, text in answer["cells"].items()}
            answer["cells"] = {key: text for key, text in cells.items() if text}
            if not tables.is_blank(answer):
                out[item.code] = answer
            continue
        if isinstance(raw, list | tuple | set | frozenset):
            raw = [text for text in map(_answer_text, raw) if text]
        elif isinstance(raw, dict):
            raw = _answer_text(raw)  # kept as typed, refused by the check
        else:
            raw = _answer_text(raw)
        if not validation.is_blank(raw):
            out[item.code] = raw
    return out


def _refuse_unless_fills(submission: Submission, by: User | None) -> None:
    """The organization's respondents and head fill in its forms; the department's form editors may
    too (an import on a school's behalf). No `by`: the system itself."""
    if by is None:
        return
    if not access.can_fill_for(by, submission.campaign, submission.organization):
        raise PermissionDenied(access.REFUSED_FILL)


@dataclass
class Saved:
    submission: Submission
    check: validation.Result
    merged: list[str] = field(default_factory=list)  # questions a colleague changed, kept as theirs


@transaction.atomic
def submission_save(
    *,
    submission: Submission,
    answers: dict[str, Any],
    base_revision: int | None,
    by: User | None,
    action: str = Event.Action.SAVED,
) -> Saved:
    """Store the answers of a draft as typed, whatever their state: a draft loses nothing.

    `answers` holds the questions the person sent; questions not sent keep their stored answers.
    `base_revision` is the revision the person started from: when a colleague saved meanwhile, the
    changes of both are merged question by question; when both changed one question differently,
    EditConflict names it and nothing is written, so the person's page keeps their input.
    """
    if not isinstance(answers, dict):
        raise ValidationError(_("The answers must be given by question code."))
    _refuse_unless_fills(submission, by)
    fields, rules = form_questions(submission.campaign.form)
    # The row lock orders concurrent saves: the second reads the first's revision and merges.
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    current.campaign = submission.campaign
    _check_open_for(current)
    mine = _normalise(answers, fields)
    sent = [item.code for item in fields if item.code in answers]  # in the form's order
    merged: list[str] = []
    if base_revision is not None and base_revision != current.revision:
        base = _answers_at(current, base_revision)
        theirs = current.answers
        # A table merges cell by cell: both keep what they typed in different cells of it.
        tabled = []
        for item in fields:
            if (
                item.is_table
                and item.code in sent
                and not _same_table(mine.get(item.code), base.get(item.code))
            ):
                if tables.conflicts(base.get(item.code), mine.get(item.code), theirs.get(item.code)):
                    continue  # named below as a conflict of the question
                joined = tables.merge(base.get(item.code), mine.get(item.code), theirs.get(item.code))
                if not _same_table(theirs.get(item.code), base.get(item.code)):
                    tabled.append(item.code)
                if tables.is_blank(joined):  # no answer on either side: both cleared it
                    mine.pop(item.code, None)
                    theirs = {code: value for code, value in theirs.items() if code != item.code}
                else:
                    mine[item.code] = joined
                    theirs = {**theirs, item.code: joined}
        conflicts = [
            code
            for code in sent
            if mine.get(code) != base.get(code)
            and theirs.get(code) != base.get(code)
            and theirs.get(code) != mine.get(code)
        ]
        if conflicts:
            labels = [item.label for item in fields if item.code in conflicts]
            raise EditConflict(
                _(
                    "Someone of your organization changed the same answers meanwhile: %(fields)s. "
                    "Your input is still on the page: compare it with theirs and save again."
                )
                % {"fields": "; ".join(f"«{label}»" for label in labels)},
                conflicts,
            )
        # Only what this person changed since their base overrides; the rest stays as saved.
        sent = [code for code in sent if mine.get(code) != base.get(code)]
        merged = [
            item.code
            for item in fields
            if (theirs.get(item.code) != base.get(item.code) and item.code not in sent) or item.code in tabled
        ]
    new = dict(current.answers)
    for code in sent:
        if code in mine:
            new[code] = mine[code]
        else:
            new.pop(code, None)
    result = validation.check(fields, rules, new, complete=False)
    if new != current.answers:
        current.answers = new
        current.revision += 1
        current.updated_by = by
        current.updated_at = timezone.now()
        current.save(update_fields=["answers", "revision", "updated_by", "updated_at"])
        Event.objects.create(submission=current, action=action, by=by, answers=new, revision=current.revision)
    return Saved(current, result, merged)


def _same_table(first: Any, second: Any) -> bool:
    return tables.parse_answer(first) == tables.parse_answer(second)


def _answers_at(submission: Submission, revision: int) -> dict[str, Any]:
    """The answers as they were at `revision`, from the event of the save that made it (a save that
    cleared every answer left `{}`, which is what the lookup answers then as well)."""
    if revision <= 0 or revision > submission.revision:
        return {}
    event = (
        submission.events.filter(revision=revision, action__in=[Event.Action.SAVED, Event.Action.IMPORTED])
        .order_by("-pk")
        .first()
    )
    return event.answers if event else {}


@transaction.atomic
def submission_submit(*, submission: Submission, by: User, notify: bool = True) -> Submission:
    """Send the answers for review; every question is checked first and nothing changes on a problem.
    A head's submit also signs off; a respondent's waits for the head where sign-off is required.
    The organization gets a letter that its form is sent (not with `notify=False`: the Google Forms
    import, whose answers were sent long ago)."""
    _refuse_unless_fills(submission, by)
    fields, rules = form_questions(submission.campaign.form)
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    current.campaign = submission.campaign
    _check_open_for(current)
    result = validation.check(fields, rules, current.answers, complete=True)
    if not result.ok:
        raise ValidationError(result.messages(fields))
    head = access.can_sign_off(by, submission.organization) if by else False
    now = timezone.now()
    claimed = Submission.objects.filter(pk=current.pk, status__in=Submission.EDITABLE).update(
        status=Status.SUBMITTED,
        submitted_at=now,
        signed_off_by=by if head else None,
        signed_off_at=now if head else None,
    )
    if not claimed:
        raise ValidationError(_("The form has already been submitted."))
    Event.objects.create(submission=current, action=Event.Action.SUBMITTED, by=by, revision=current.revision)
    if head and current.campaign.requires_sign_off:
        Event.objects.create(
            submission=current, action=Event.Action.SIGNED_OFF, by=by, revision=current.revision
        )
    current.refresh_from_db()
    if notify:
        status_letter_later(current.pk, Status.SUBMITTED)
    return current


@transaction.atomic
def submission_sign_off(*, submission: Submission, by: User) -> Submission:
    if not access.can_sign_off(by, submission.organization):
        raise PermissionDenied(access.REFUSED_SIGN_OFF)
    claimed = Submission.objects.filter(
        pk=submission.pk, status=Status.SUBMITTED, signed_off_at__isnull=True
    ).update(signed_off_by=by, signed_off_at=timezone.now())
    if not claimed:
        raise ValidationError(_("Only a submitted form that is not yet signed off can be signed off."))
    submission.refresh_from_db()
    Event.objects.create(
        submission=submission, action=Event.Action.SIGNED_OFF, by=by, revision=submission.revision
    )
    return submission


def awaits_sign_off(submission: Submission) -> bool:
    return (
        submission.campaign.requires_sign_off
        and submission.status == Status.SUBMITTED
        and submission.signed_off_at is None
    )


@transaction.atomic
def submission_return(*, submission: Submission, comment: str, by: User) -> Submission:
    """Return a submitted form to the school with a comment, which is required."""
    refuse_unless_reviews(by, submission.campaign)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Say what the school should fix: the comment is required."))
    claimed = Submission.objects.filter(pk=submission.pk, status=Status.SUBMITTED).update(
        status=Status.RETURNED,
        review_comment=comment,
        reviewed_by=by,
        reviewed_at=timezone.now(),
        signed_off_by=None,
        signed_off_at=None,
    )
    if not claimed:
        raise ValidationError(_("Only a submitted form can be returned."))
    submission.refresh_from_db()
    Submission.objects.filter(pk=submission.pk).update(returned_answers=submission.answers)
    Event.objects.create(
        submission=submission,
        action=Event.Action.RETURNED,
        by=by,
        comment=comment,
        revision=submission.revision,
    )
    submission.refresh_from_db()
    status_letter_later(submission.pk, Status.RETURNED)
    return submission


@transaction.atomic
def submission_accept(*, submission: Submission, by: User) -> Submission:
    """Accept a submitted form and store its numeric answers as data values of the collection's
    period; the indicator values are recomputed after commit. Accepted once: a second call raises."""
    campaign = submission.campaign
    refuse_unless_reviews(by, campaign)
    # One conditional UPDATE decides, on the row as it is now: of two reviewers (or a reviewer and
    # a head's recall) exactly one wins, and a form that lost its sign-off meanwhile is not accepted.
    claim = Submission.objects.filter(pk=submission.pk, status=Status.SUBMITTED)
    if campaign.requires_sign_off:
        claim = claim.filter(signed_off_at__isnull=False)
    claimed = claim.update(
        status=Status.ACCEPTED, reviewed_by=by, reviewed_at=timezone.now(), review_comment=""
    )
    if not claimed:
        submission.refresh_from_db()
        if awaits_sign_off(submission):
            raise ValidationError(_("The form waits for the head's sign-off."))
        raise ValidationError(_("Only a submitted form can be accepted."))
    submission.refresh_from_db()
    data_values_from(submission=submission, by=by)
    Event.objects.create(
        submission=submission, action=Event.Action.ACCEPTED, by=by, revision=submission.revision
    )
    status_letter_later(submission.pk, Status.ACCEPTED)
    return submission


def data_values_from(*, submission: Submission, by: User | None) -> int:
    """Write the numeric answers bound to data elements as the organization's data values. An answer
    that does not check (a number out of range, text) is skipped, never stored."""
    fields, rules = form_questions(submission.campaign.form)
    result = validation.check(fields, rules, submission.answers, complete=False)
    entries = [
        indicator_services.Entry(
            item.data_element,
            submission.organization,
            submission.campaign.period,
            value.quantize(_VALUE_PLACES, rounding=ROUND_HALF_UP),
        )
        for item in fields
        if item.data_element_id
        and item.is_numeric
        and isinstance(value := result.values.get(item.code), Decimal)
    ]
    for item in fields:
        if item.is_table and tables.is_bound(item) and item.code in result.values:
            entries += _table_entries(item, result.values[item.code], submission)
    return indicator_services.data_values_write(entries=entries, source=DataValue.Source.SUBMISSION, by=by)


def _table_entries(item: Field, cleaned: "tables.Cleaned", submission: Submission) -> list:
    """The cells of a table bound to a disaggregated element: each cell's number, None for an emptied
    one, «не применимо» for a cell of a marked row or column."""
    table = tables.layout(item)
    combos = {
        combo.pk: combo for combo in OptionCombo.objects.filter(pk__in=tables.option_combos(item).values())
    }
    entries = []
    for row, column in ((r, c) for r in table.row_keys for c in table.column_keys):
        combo = combos.get(tables.option_combo_for(item, row, column))
        if combo is None:
            continue
        value = cleaned.cells.get(tables.cell_key(row, column))
        entries.append(
            indicator_services.Entry(
                item.data_element,
                submission.organization,
                submission.campaign.period,
                None if value is None else value.quantize(_VALUE_PLACES, rounding=ROUND_HALF_UP),
                option_combo=combo,
                not_applicable=tables.na_key(tables.ROW, row) in cleaned.na
                or tables.na_key(tables.COLUMN, column) in cleaned.na,
            )
        )
    return entries


_VALUE_PLACES = Decimal("0.0001")  # a data value's decimal places


def submissions_accept(*, submissions: list[Submission], by: User) -> tuple[int, list[str]]:
    """Bulk acceptance: each on its own, so one that cannot be accepted does not stop the others; the
    problems come back one sentence per organization. PermissionDenied, before anything is accepted,
    when `by` may not review one of them."""
    campaigns = {submission.campaign_id: submission.campaign for submission in submissions}
    for campaign in campaigns.values():
        refuse_unless_reviews(by, campaign)
    accepted, problems = 0, []
    for submission in submissions:
        try:
            submission_accept(submission=submission, by=by)
            accepted += 1
        except ValidationError as error:
            problems.append(f"{submission.organization.short_name}: {' '.join(error.messages)}")
    return accepted, problems


def changed_since_return(submission: Submission) -> set[str]:
    """Questions whose answers differ from those the coordinator returned (none before a return)."""
    previous = submission.returned_answers
    if not previous and submission.status != Status.RETURNED and not submission.review_comment:
        return set()
    codes = set(previous) | set(submission.answers)
    return {code for code in codes if previous.get(code) != submission.answers.get(code)}


@transaction.atomic
def file_store(*, submission: Submission, item: Field, upload, by: User) -> Saved:
    """Store the file of a question and its name as the answer, in one transaction: the answer's
    save checks that the form may change and locks the submission, so a refused save stores no
    file. The file it replaces is deleted after commit."""
    name = os.path.basename(upload.name)[:255] if upload is not None else ""
    saved = submission_save(submission=submission, answers={item.code: name}, base_revision=None, by=by)
    old = SubmissionFile.objects.filter(submission=submission, field_code=item.code).first()
    old_file = old.file.name if old and old.file else ""
    if upload is None:
        if old is not None:
            old.delete()
    else:
        stored = old or SubmissionFile(submission=submission, field_code=item.code)
        stored.file.save(name, upload, save=False)
        stored.name = name
        stored.size = upload.size
        stored.uploaded_by = by
        stored.uploaded_at = timezone.now()
        stored.save()
    if old_file:
        storage = SubmissionFile._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return saved
