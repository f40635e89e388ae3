"""Reads worth a name on monitoring: how complete a collection is, what waits for review, the sheet a
reviewer reads, and what the department's staff find on their home page.

Every read here takes a fixed number of queries whatever the number of organizations, collections or
answers; the callers have already found the records through monitoring.access.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators import formulas
from indicators.models import DataValue, DataValueCell, Indicator
from indicators.services import previous_period
from mcok.models import Organization, Period, Role, User
from mcok.selectors import AttentionItem
from monitoring import access, services, tables, validation
from monitoring.models import Campaign, Extension, Field, Reminder, Section, Submission, SubmissionEvent

Status = Submission.Status
NOT_STARTED = "not_started"
LATE = "late"
# What a reviewer has in hand: a submission waiting, or one already accepted.
DONE = (Status.SUBMITTED, Status.ACCEPTED)


# A collection's completeness ----------------------------------------------------------------------


@dataclass
class OrganizationProgress:
    """Where one organization asked by a collection stands."""

    organization: Organization
    submission: Submission | None
    deadline: datetime.date  # its own: the newest extension, else the collection's
    extension: Extension | None
    reminders: int
    last_reminded_at: datetime.datetime | None
    late: bool
    awaits_sign_off: bool

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else NOT_STARTED

    @property
    def status_label(self) -> str:
        return self.submission.get_status_display() if self.submission else _("Not started yet")

    @property
    def submitted_at(self) -> datetime.datetime | None:
        """The last submit; a returned form keeps it, to show when it came."""
        if self.submission and self.submission.status != Status.DRAFT:
            return self.submission.submitted_at
        return None

    @property
    def reviewed_at(self) -> datetime.datetime | None:
        """When it was returned or accepted; a form sent again after a return waits anew."""
        if self.submission and self.submission.status in (Status.RETURNED, Status.ACCEPTED):
            return self.submission.reviewed_at
        return None


@dataclass
class Progress:
    campaign: Campaign
    rows: list[OrganizationProgress]
    today: datetime.date
    expected: int = 0
    not_started: int = 0
    draft: int = 0
    submitted: int = 0  # waiting for review
    returned: int = 0
    accepted: int = 0
    late: int = 0
    awaiting_sign_off: int = 0
    extensions: list[Extension] = field(default_factory=list)  # the log, newest first

    def rows_with(self, status: str) -> list[OrganizationProgress]:
        """The rows of one state; «late» is a flag across the states."""
        if status == LATE:
            return [row for row in self.rows if row.late]
        return [row for row in self.rows if row.status == status]


def is_late(
    status: str, submitted_at: datetime.datetime | None, deadline: datetime.date, today: datetime.date
) -> bool:
    """Submitted after its own deadline, or not submitted while that deadline has passed."""
    if status in DONE:
        return submitted_at is not None and timezone.localdate(submitted_at) > deadline
    return today > deadline


def campaign_progress(campaign: Campaign, *, today: datetime.date | None = None) -> Progress:
    """Every organization the collection asks, with its submission's state, its own deadline, whether
    it is late and how often it was reminded; and the totals. Four queries, whatever the number of
    organizations."""
    today = today or timezone.localdate()
    organizations = list(campaign.organizations.order_by("short_name", "pk"))
    submissions = {
        s.organization_id: s
        for s in campaign.submissions.defer("answers", "returned_answers").select_related("reviewed_by")
    }
    extensions = list(
        Extension.objects.filter(campaign=campaign)
        .select_related("organization", "granted_by")
        .order_by("-granted_at", "-pk")
    )
    newest: dict[int, Extension] = {}
    for extension in extensions:
        newest.setdefault(extension.organization_id, extension)
    reminded = {
        row["organization"]: row
        for row in Reminder.objects.filter(campaign=campaign)
        .values("organization")
        .annotate(count=Count("pk"), last=Max("sent_at"))
        .order_by()
    }
    progress = Progress(campaign=campaign, rows=[], today=today, extensions=extensions)
    for organization in organizations:
        submission = submissions.get(organization.pk)
        if submission is not None:
            submission.campaign = campaign  # spares a query in awaits_sign_off
        extension = newest.get(organization.pk)
        deadline = extension.deadline if extension else campaign.deadline
        status = submission.status if submission else NOT_STARTED
        reminders = reminded.get(organization.pk, {})
        row = OrganizationProgress(
            organization=organization,
            submission=submission,
            deadline=deadline,
            extension=extension,
            reminders=reminders.get("count", 0),
            last_reminded_at=reminders.get("last"),
            late=is_late(status, submission.submitted_at if submission else None, deadline, today),
            awaits_sign_off=bool(submission and services.awaits_sign_off(submission)),
        )
        progress.rows.append(row)
        setattr(progress, status, getattr(progress, status) + 1)
        progress.late += row.late
        progress.awaiting_sign_off += row.awaits_sign_off
    progress.expected = len(organizations)
    return progress


def reminders_log(campaign: Campaign, *, limit: int = 200) -> list[Reminder]:
    """The reminders sent, newest first, at most `limit` of them."""
    return list(
        Reminder.objects.filter(campaign=campaign)
        .select_related("organization", "sent_by")
        .order_by("-sent_at", "-pk")[:limit]
    )


# Collections and the review queue -------------------------------------------------------------------


def _count(queryset: QuerySet, by: str) -> Coalesce:
    """The number of rows of `queryset`, tied to the outer row through its field `by`, as a subquery."""
    rows = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def campaigns_with_progress(queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """The collections annotated with `expected`, `accepted` and `waiting` (submitted, not reviewed):
    subqueries, so one query for any number of rows."""
    through = Campaign.organizations.through
    return queryset.select_related("municipality", "period", "form").annotate(
        expected=_count(through.objects.filter(campaign=OuterRef("pk")), "campaign"),
        accepted=_count(
            Submission.objects.filter(campaign=OuterRef("pk"), status=Status.ACCEPTED), "campaign"
        ),
        waiting=_count(
            Submission.objects.filter(campaign=OuterRef("pk"), status=Status.SUBMITTED), "campaign"
        ),
    )


def review_queue(campaigns: QuerySet[Campaign]) -> QuerySet[Submission]:
    """Submitted forms of these collections, the longest waiting first."""
    return (
        Submission.objects.filter(campaign__in=campaigns.values("pk"), status=Status.SUBMITTED)
        .defer("answers", "returned_answers")
        .select_related("campaign", "organization")
        .order_by("submitted_at", "pk")
    )


# The staff's home page ------------------------------------------------------------------------------


def _campaign_url(campaign_id: int, status: str = "") -> str:
    url = reverse("monitoring:campaign", args=[campaign_id])
    return f"{url}?{urlencode({'status': status})}" if status else url


def staff_attention(user: User, roles: list[Role]) -> list[AttentionItem]:
    """For the department's home page: forms waiting for review (to those who may accept them),
    collections past their deadline with answers missing, and drafts whose opening day has come (to
    those who run them); monitoring.access says which collections those are (`roles` is the home
    page's list, not needed here). Three queries at most, whatever the number of collections."""
    items: list[AttentionItem] = []
    today = timezone.localdate()
    reviewing = access.campaigns_reviewed_by(user)
    campaigns = reviewing.filter(state__in=[Campaign.State.OPEN, Campaign.State.CLOSED])
    waiting = (
        Submission.objects.filter(campaign__in=campaigns.values("pk"), status=Status.SUBMITTED)
        .exclude(campaign__requires_sign_off=True, signed_off_at__isnull=True)
        .values("campaign", "campaign__title")
        .annotate(count=Count("pk"))
        .order_by("campaign__deadline", "campaign")
    )
    for row in waiting:
        items.append(
            AttentionItem(
                ngettext(
                    "Data collection «%(title)s»: %(count)d form waits for review.",
                    "Data collection «%(title)s»: %(count)d forms wait for review.",
                    row["count"],
                )
                % {"title": row["campaign__title"], "count": row["count"]},
                _campaign_url(row["campaign"], Status.SUBMITTED),
                "warning",
            )
        )
    running = access.campaigns_run_by(user)
    through = Campaign.organizations.through
    newest_extension = Extension.objects.filter(
        campaign=OuterRef("campaign_id"), organization=OuterRef("organization_id")
    ).order_by("-granted_at", "-pk")
    done = Submission.objects.filter(
        campaign=OuterRef("campaign_id"), organization=OuterRef("organization_id"), status__in=DONE
    )
    open_campaigns = running.filter(state=Campaign.State.OPEN, deadline__lt=today)
    missing = (
        through.objects.filter(campaign__in=open_campaigns.values("pk"))
        .exclude(Exists(done))
        .annotate(
            own_deadline=Coalesce(Subquery(newest_extension.values("deadline")[:1]), F("campaign__deadline"))
        )
        .filter(own_deadline__lt=today)
        .values("campaign", "campaign__title", "campaign__deadline")
        .annotate(count=Count("pk"))
        .order_by("campaign__deadline", "campaign")
    )
    for row in missing:
        items.append(
            AttentionItem(
                ngettext(
                    "Data collection «%(title)s»: the deadline %(date)s has passed and "
                    "%(count)d organization has not submitted.",
                    "Data collection «%(title)s»: the deadline %(date)s has passed and "
                    "%(count)d organizations have not submitted.",
                    row["count"],
                )
                % {
                    "title": row["campaign__title"],
                    "date": date_format(row["campaign__deadline"], "d.m.Y"),
                    "count": row["count"],
                },
                _campaign_url(row["campaign"], LATE),
                "danger",
            )
        )
    drafts = running.filter(state=Campaign.State.DRAFT, opens_on__lte=today).order_by("opens_on", "pk")
    for campaign in drafts.only("pk", "title", "opens_on"):
        items.append(
            AttentionItem(
                _("Data collection «%(title)s» was to open on %(date)s but is still a draft.")
                % {"title": campaign.title, "date": date_format(campaign.opens_on, "d.m.Y")},
                _campaign_url(campaign.pk),
                "warning",
            )
        )
    return items


# The reviewer's sheet -------------------------------------------------------------------------------


@dataclass
class Answer:
    item: Field
    raw: Any
    text: str  # as the reviewer reads it
    previous: str  # the organization's value of the previous period, for numbers
    changed: bool  # since the form was last returned
    errors: list[str]
    file: Any = None
    grid: tables.TableGrid | None = None  # a table question's rows × columns


@dataclass
class SheetSection:
    title: str
    description: str
    answers: list[Answer]


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    event: SubmissionEvent
    changes: list[Change]


@dataclass
class IndicatorResult:
    indicator: Indicator
    value: Decimal


@dataclass
class ReviewSheet:
    submission: Submission
    sections: list[SheetSection]
    check: validation.Result
    messages: list[str]  # every problem as a sentence naming its question
    changed: set[str]
    previous_period: Any
    history: list[HistoryEntry]
    indicators: list[IndicatorResult]

    @property
    def problems(self) -> int:
        return len(self.messages)


def _number(value: Decimal) -> str:
    value = value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))
    return number_format(value, use_l10n=True, force_grouping=True)


def answer_text(item: Field, raw: Any) -> str:
    """An answer as a reviewer reads it: numbers and dates localised, yes/no in words, lists joined;
    as typed when it does not validate; a table as «row / column: value; …»."""
    if item.is_table:
        return tables.as_text(tables.layout(item), raw)
    if validation.is_blank(raw):
        return ""
    value, problem = validation.clean_value(item, raw)
    if problem:
        return "; ".join(map(str, raw)) if isinstance(raw, list | tuple) else str(raw)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, datetime.date):
        return date_format(value, "d.m.Y")
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def _raw_text(raw: Any) -> str:
    if raw is None:
        return ""
    return "; ".join(map(str, raw)) if isinstance(raw, list | tuple) else str(raw)


def _history(submission: Submission, fields: list[Field]) -> list[HistoryEntry]:
    """Every event, oldest first; a save lists what it changed against the save before it."""
    labels = {item.code: item.label for item in fields}
    by_code = {item.code: item for item in fields}
    order = {item.code: n for n, item in enumerate(fields)}

    def shown(code: str, raw: Any) -> str:
        return answer_text(by_code[code], raw) if code in by_code else _raw_text(raw)

    def change(code: str, old: Any, new: Any) -> Change:
        item = by_code.get(code)
        if item is not None and item.is_table:
            # only the cells (and marks) that changed, each as «row / column: value»
            table = tables.layout(item)
            old_text, new_text = tables.changes_text(table, old, new)
            return Change(labels.get(code, code), old_text, new_text)
        return Change(labels.get(code, code), shown(code, old), shown(code, new))

    entries, before = [], {}
    carrying = (SubmissionEvent.Action.SAVED, SubmissionEvent.Action.IMPORTED)
    for event in submission.events.select_related("by").order_by("at", "pk"):
        changes = []
        if event.action in carrying:
            after = event.answers or {}
            codes = sorted(set(before) | set(after), key=lambda code: (order.get(code, len(order)), code))
            changes = [
                change(code, before.get(code), after.get(code))
                for code in codes
                if before.get(code) != after.get(code)
            ]
            before = after
        entries.append(HistoryEntry(event, changes))
    return entries


def previous_cells(
    period: Period | None, organization: Organization, fields: list[Field]
) -> dict[str, dict[str, Decimal | None]]:
    """The organization's cells of the previous period for the tables bound to disaggregated elements:
    question code → cell key → the number (None: «не применимо»). One query."""
    bound = [item for item in fields if item.is_table and tables.is_bound(item)]
    if period is None or not bound:
        return {}
    by_combo = {}
    for item in bound:
        for key, combo in tables.option_combos(item).items():
            by_combo[item.data_element_id, combo] = (item.code, key)
    out: dict[str, dict[str, Decimal | None]] = defaultdict(dict)
    rows = DataValueCell.objects.filter(
        organization=organization, period=period, data_element__in={item.data_element_id for item in bound}
    ).values_list("data_element_id", "option_combo_id", "value", "not_applicable")
    for element, combo, value, not_applicable in rows:
        if (element, combo) in by_combo:
            code, key = by_combo[element, combo]
            out[code][key] = None if not_applicable else value
    return dict(out)


def _org_values(submission: Submission, period) -> dict[str, Decimal]:
    if period is None:
        return {}
    rows = DataValue.objects.filter(organization=submission.organization_id, period=period)
    return dict(rows.values_list("data_element__code", "value"))


def _indicators(
    submission: Submission, fields: list[Field], values: dict[str, Any], stored: dict, before: dict
) -> list[IndicatorResult]:
    """The indicators the answers feed, computed as recompute would after acceptance: the answers over
    the organization's stored figures of the period. Only those every term of which is known."""
    answered = {
        item.data_element.code: values[item.code]
        for item in fields
        if item.data_element_id and values.get(item.code) is not None
    }
    if not answered:
        return []
    current = {**stored, **answered}
    results = []
    for indicator in Indicator.objects.filter(municipality=submission.campaign.municipality_id).order_by(
        "code"
    ):
        try:
            numerator = formulas.parse(indicator.numerator) if indicator.numerator.strip() else None
            denominator = formulas.parse(indicator.denominator) if indicator.denominator.strip() else None
        except formulas.FormulaError:
            continue
        if numerator is None:
            continue
        used = formulas.codes(numerator) | (formulas.codes(denominator) if denominator else set())
        if not used & set(answered):
            continue
        top = formulas.evaluate(numerator, current)
        if indicator.kind == Indicator.Kind.RATIO and denominator is not None:
            value = formulas.ratio(top, formulas.evaluate(denominator, current), indicator.factor)
        elif indicator.kind == Indicator.Kind.GROWTH:
            value = formulas.growth_of(numerator, denominator, current, before)
        elif indicator.kind == Indicator.Kind.VALUE:
            value = top
        else:
            continue
        if value is not None:
            results.append(IndicatorResult(indicator, value))
    return results


def review_sheet(submission: Submission) -> ReviewSheet:
    """What a reviewer reads: the answers by section with the previous period's figures beside the
    numbers and the questions changed since the last return marked; the full check of the answers;
    the history with what each save changed; the indicator values the answers would give."""
    campaign = submission.campaign
    fields, rules = services.form_questions(campaign.form)
    sections = list(Section.objects.filter(form=campaign.form_id).order_by("order", "pk"))
    check = validation.check(fields, rules, submission.answers, complete=True)
    changed = services.changed_since_return(submission)
    period = previous_period(campaign.period)
    before = _org_values(submission, period)
    stored = _org_values(submission, campaign.period)
    files = {f.field_code: f for f in submission.files.all()}
    before_cells = previous_cells(period, submission.organization, fields)
    by_section: dict[int | None, list[Answer]] = defaultdict(list)
    for item in fields:
        raw = submission.answers.get(item.code)
        previous = ""
        if item.is_numeric and item.data_element_id and item.data_element.code in before:
            previous = _number(before[item.data_element.code])
        by_section[item.section_id].append(
            Answer(
                item=item,
                raw=raw,
                text=files[item.code].name if item.code in files else answer_text(item, raw),
                previous=previous,
                changed=item.code in changed,
                errors=check.errors.get(item.code, []),
                file=files.get(item.code),
                grid=tables.grid(item, raw, before_cells.get(item.code)) if item.is_table else None,
            )
        )
    out = [SheetSection("", "", by_section[None])] if by_section.get(None) else []
    out += [SheetSection(s.title, s.description, by_section[s.pk]) for s in sections if by_section.get(s.pk)]
    return ReviewSheet(
        submission=submission,
        sections=out,
        check=check,
        messages=check.messages(fields),
        changed=changed,
        previous_period=period,
        history=_history(submission, fields),
        indicators=_indicators(submission, fields, check.values, stored, before),
    )
