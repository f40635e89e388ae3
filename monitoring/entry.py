"""Reads of the school's side of monitoring: the collections that ask a person's organizations, the
entry page of one submission (questions by section with the previous period's figures, the checks,
the indicators the answers give, the history) and what the school's home page asks to do.

Every read takes a fixed number of queries, whatever the number of collections or questions; the
callers have already found the records through monitoring.access.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from indicators import formulas
from indicators.models import DataValue, Indicator
from indicators.services import previous_period
from mcok import numbers
from mcok.models import Organization, Period, Role, User
from mcok.selectors import AttentionItem
from monitoring import access, services, tables, validation
from monitoring.models import (
    Campaign,
    Extension,
    Field,
    Rule,
    Section,
    Submission,
    SubmissionEvent,
    SubmissionFile,
)
from monitoring.selectors import answer_text, previous_cells

Status = Submission.Status
Kind = Field.Kind
NOT_STARTED = "not_started"
# How many days before its deadline a form still to fill turns from a note into a warning.
SOON_DAYS = 3


# The collections asking my organizations -----------------------------------------------------------


def fill_organizations(user: User) -> list[Organization]:
    """The organizations for which `user` fills forms (as respondent or head), by name."""
    ids = access.fill_organization_ids(user)
    if not ids:
        return []
    return list(Organization.objects.filter(pk__in=ids).order_by("short_name", "pk"))


@dataclass
class MyForm:
    """One collection asking one of my organizations, and where that organization stands."""

    campaign: Campaign
    organization: Organization
    submission: Submission | None
    deadline: datetime.date  # the organization's own: the newest extension, else the collection's
    extended: bool
    today: datetime.date

    @property
    def is_open(self) -> bool:
        return self.campaign.state == Campaign.State.OPEN

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else NOT_STARTED

    @property
    def status_label(self) -> str:
        if self.submission is None:
            return _("Not started")
        if self.awaits_sign_off:
            return _("Waits for the head's sign-off")
        return self.submission.get_status_display()

    @property
    def awaits_sign_off(self) -> bool:
        return bool(self.submission and services.awaits_sign_off(self.submission))

    @property
    def to_fill(self) -> bool:
        """Open, and not yet sent: the organization still has to act."""
        return self.is_open and (self.submission is None or self.submission.status in Submission.EDITABLE)

    @property
    def late(self) -> bool:
        return self.to_fill and self.today > self.deadline

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @property
    def action(self) -> str:
        """The button's verb: fill in, continue, correct, view; empty when there is nothing to open."""
        if self.to_fill:
            if self.submission is None or (
                self.submission.status == Status.DRAFT and not self.submission.revision
            ):
                return _("Fill in")
            if self.submission.status == Status.RETURNED:
                return _("Correct")
            return _("Continue")
        return _("View") if self.submission else ""

    @property
    def url(self) -> str:
        url = reverse("monitoring:fill", args=[self.campaign.pk])
        return f"{url}?{urlencode({'organization': self.organization.pk})}"


def _my_forms(organization_ids: set[int], *, today: datetime.date, open_only: bool = False) -> list[MyForm]:
    """Three queries: the (collection, organization) pairs, the submissions, the extensions."""
    if not organization_ids:
        return []
    through = Campaign.organizations.through
    pairs = through.objects.filter(organization__in=organization_ids).exclude(
        campaign__state=Campaign.State.DRAFT
    )
    if open_only:
        pairs = pairs.filter(campaign__state=Campaign.State.OPEN)
    pairs = list(pairs.select_related("campaign__period", "organization"))
    if not pairs:
        return []
    campaign_ids = {pair.campaign_id for pair in pairs}
    submissions = {
        (s.campaign_id, s.organization_id): s
        for s in Submission.objects.filter(
            campaign__in=campaign_ids, organization__in=organization_ids
        ).defer("answers", "returned_answers")
    }
    extensions: dict[tuple[int, int], Extension] = {}
    for extension in Extension.objects.filter(
        campaign__in=campaign_ids, organization__in=organization_ids
    ).order_by("-granted_at", "-pk"):
        extensions.setdefault((extension.campaign_id, extension.organization_id), extension)
    rows = []
    for pair in pairs:
        key = (pair.campaign_id, pair.organization_id)
        submission = submissions.get(key)
        if submission is not None:
            submission.campaign = pair.campaign  # spares a query in awaits_sign_off
            submission.organization = pair.organization
        extension = extensions.get(key)
        rows.append(
            MyForm(
                campaign=pair.campaign,
                organization=pair.organization,
                submission=submission,
                deadline=extension.deadline if extension else pair.campaign.deadline,
                extended=extension is not None,
                today=today,
            )
        )
    return rows


def my_forms(user: User, *, today: datetime.date | None = None) -> list[MyForm]:
    """The collections (not drafts) asking the organizations `user` fills forms for: the open ones
    first, those due soonest on top; then the closed ones, the latest first. Four queries."""
    today = today or timezone.localdate()
    organizations = {o.pk for o in fill_organizations(user)}
    rows = _my_forms(organizations, today=today)
    open_rows = sorted(
        (r for r in rows if r.is_open),
        key=lambda r: (not r.to_fill, r.deadline, r.campaign.title, r.organization.short_name),
    )
    closed_rows = sorted(
        (r for r in rows if not r.is_open), key=lambda r: (r.campaign.title, r.organization.short_name)
    )
    closed_rows.sort(key=lambda r: r.deadline, reverse=True)
    return open_rows + closed_rows


def organizations_asked(user: User, campaign: Campaign) -> list[Organization]:
    """The organizations `user` fills forms for that the collection asks."""
    ids = access.fill_organization_ids(user)
    if not ids:
        return []
    return list(campaign.organizations.filter(pk__in=ids).order_by("short_name", "pk"))


# The home page -------------------------------------------------------------------------------------


def attention(user: User, roles: list[Role]) -> list[AttentionItem]:
    """For a school's home page: the forms still to fill with their deadlines (overdue ones as
    «danger»), the forms returned with the coordinator's comment, and, for heads, the forms waiting
    for their sign-off. Three queries, whatever the number of collections. Whose forms these are,
    monitoring.access says (`roles` is the home page's list, not needed here)."""
    fillers = set(access.fill_organization_ids(user))
    if not fillers:
        return []
    heads = set(access.sign_off_organization_ids(user))
    today = timezone.localdate()
    rows = _my_forms(fillers, today=today, open_only=True)
    several = len(fillers) > 1
    items: list[AttentionItem] = []
    rows.sort(key=lambda r: (r.deadline, r.campaign.title, r.organization.short_name))
    for row in rows:
        values = {"title": row.campaign.title, "date": date_format(row.deadline, "d.m.Y")}
        text = ""
        severity = "info"
        if row.status == Status.RETURNED:
            comment = Truncator(row.submission.review_comment if row.submission else "").chars(300)
            text = _("The form «%(title)s» was returned for correction: %(comment)s") % {
                **values,
                "comment": comment,
            }
            severity = "danger" if row.late else "warning"
        elif row.to_fill:
            if row.late:
                text = _("The deadline of the form «%(title)s» was %(date)s: fill it in and submit.") % values
                severity = "danger"
            else:
                text = _("Fill in and submit the form «%(title)s» by %(date)s.") % values
                severity = "warning" if row.days_left <= SOON_DAYS else "info"
        elif row.awaits_sign_off and row.organization.pk in heads:
            text = _("The form «%(title)s» waits for your sign-off.") % values
            severity = "warning"
        if not text:
            continue
        if several:
            text = f"{row.organization.short_name}: {text}"
        url = reverse("monitoring:submission", args=[row.submission.pk]) if row.submission else row.url
        items.append(AttentionItem(text, url, severity))
    rank = {"danger": 0, "warning": 1, "info": 2}
    return sorted(items, key=lambda item: rank.get(item.severity, 3))  # stable: by deadline within


# Previous period and live indicators --------------------------------------------------------------


def previous_values(
    campaign: Campaign, organization: Organization, fields: list[Field]
) -> tuple[Period | None, dict[str, Decimal]]:
    """The previous period and the organization's figures of it, by question code: the data values
    of the data elements the numeric questions are bound to. Two queries at most."""
    period = previous_period(campaign.period)
    bound = {item.data_element_id: item.code for item in fields if item.is_numeric and item.data_element_id}
    if period is None or not bound:
        return period, {}
    rows = DataValue.objects.filter(organization=organization, period=period, data_element__in=list(bound))
    return period, {bound[element]: value for element, value in rows.values_list("data_element_id", "value")}


@dataclass
class CompiledIndicator:
    indicator: Indicator
    numerator: formulas.Node
    denominator: formulas.Node | None


def form_indicators(campaign: Campaign, fields: list[Field]) -> list[CompiledIndicator]:
    """The municipality's ratio and single-value indicators computed from this form's questions
    alone: every data element their formulas use is bound to a question of the form. One query."""
    bound = {item.data_element.code for item in fields if item.data_element_id}
    if not bound:
        return []
    out = []
    indicators = Indicator.objects.filter(
        municipality=campaign.municipality_id, kind__in=[Indicator.Kind.RATIO, Indicator.Kind.VALUE]
    ).order_by("code")
    for indicator in indicators:
        try:
            numerator = formulas.parse(indicator.numerator) if indicator.numerator.strip() else None
            denominator = formulas.parse(indicator.denominator) if indicator.denominator.strip() else None
        except formulas.FormulaError:
            continue
        if numerator is None or (indicator.kind == Indicator.Kind.RATIO and denominator is None):
            continue
        used = formulas.codes(numerator) | (formulas.codes(denominator) if denominator else set())
        if used and used <= bound:
            out.append(CompiledIndicator(indicator, numerator, denominator))
    return out


@dataclass
class LiveIndicator:
    indicator: Indicator
    value: Decimal | None

    @property
    def text(self) -> str:
        """«75,0 %»; empty while the answers do not give a value."""
        if self.value is None:
            return ""
        if self.indicator.kind == Indicator.Kind.RATIO:
            # half up, as the coordinator's pages show it (number_format would cut 66,66 to 66,6)
            number = numbers.number_text(self.value)
        else:
            value = self.value
            value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
            number = number_format(value, use_l10n=True, force_grouping=True)
        return f"{number}\u00a0{self.indicator.unit}" if self.indicator.unit else number

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.indicator.code,
            "name": self.indicator.name,
            "value": None if self.value is None else str(self.value),
            "text": self.text,
        }


def indicator_values(
    compiled: list[CompiledIndicator], fields: list[Field], values: dict[str, Any]
) -> list[LiveIndicator]:
    """What the indicators are with the cleaned answers `values`: ratio = numerator / denominator ×
    factor, a single value = the numerator; None while a term is missing or a denominator is zero."""
    known = {
        item.data_element.code: values[item.code]
        for item in fields
        if item.data_element_id and isinstance(values.get(item.code), Decimal)
    }
    out = []
    for item in compiled:
        top = formulas.evaluate(item.numerator, known)
        if item.indicator.kind == Indicator.Kind.RATIO:
            value = formulas.ratio(top, formulas.evaluate(item.denominator, known), item.indicator.factor)
        else:
            value = top
        out.append(LiveIndicator(item.indicator, value))
    return out


# The entry page ------------------------------------------------------------------------------------


# What a file question takes when its form names nothing: office documents, PDF and pictures.
DEFAULT_FILE_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "rtf", "txt", "jpg", "jpeg", "png")


def rule_problems(fields: list[Field], rules: list[Rule], values: dict[str, Any]) -> dict[str, list[str]]:
    """The messages of the broken cross-field rules, by each question the rule names."""
    by_code = {item.code: item for item in fields}
    out: dict[str, list[str]] = defaultdict(list)
    for rule in rules:
        problem = validation.rule_problem(rule, by_code, values)
        if problem:
            for code in rule.fields:
                if code in by_code:
                    out[code].append(problem)
    return dict(out)


def file_extensions(item: Field) -> list[str]:
    """The extensions a file question takes, lower case without dots; the documents' list when the
    form names none."""
    named = [part.strip().lstrip(".").lower() for part in item.file_types.replace(";", ",").split(",")]
    return [part for part in named if part] or list(DEFAULT_FILE_TYPES)


@dataclass
class Question:
    item: Field
    raw: Any  # as stored, or as the person sent it when the page shows their input again
    errors: list[str] = field(default_factory=list)
    rule_errors: list[str] = field(default_factory=list)
    previous: Decimal | None = None
    changed: bool = False  # since the coordinator returned the form
    conflict: bool = False  # a colleague saved another answer meanwhile
    theirs: str = ""  # the colleague's answer, on a conflict
    file: SubmissionFile | None = None
    previous_cells: dict[str, Decimal | None] = field(default_factory=dict)  # a table's, by cell key

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def input_id(self) -> str:
        return f"id-answer-{self.item.code}"

    @property
    def name(self) -> str:
        return f"answer-{self.item.code}"

    @property
    def text(self) -> str:
        """The answer as read on a page that shows values, not inputs."""
        if self.file is not None:
            return self.file.name
        return answer_text(self.item, self.raw)

    @property
    def value(self) -> str:
        """The value of a one-line input or a text area."""
        if self.raw is None:
            return ""
        return "; ".join(map(str, self.raw)) if isinstance(self.raw, list | tuple) else str(self.raw)

    @property
    def date_value(self) -> str | None:
        """ISO date for a date input; None when the stored text is not a date (shown as text then)."""
        if validation.is_blank(self.raw):
            return ""
        parsed = validation.parse_date(self.raw)
        return parsed.isoformat() if parsed else None

    @property
    def boolean(self) -> str:
        """«yes», «no», or the stored text when it is neither, or empty."""
        if validation.is_blank(self.raw):
            return ""
        value, problem = validation.clean_value(self.item, self.raw)
        if problem:
            return self.value
        return "yes" if value else "no"

    @property
    def chosen(self) -> list[str]:
        """The options the answer names (matched as the check matches them: case and spaces aside),
        and what it holds besides, as typed."""
        if validation.is_blank(self.raw):
            return []
        if self.item.kind == Kind.MULTIPLE_CHOICE:
            value, problem = validation.clean_value(self.item, self.raw)
            if not problem:
                return list(value)
        parts = self.raw if isinstance(self.raw, list | tuple) else [self.raw]
        return [_match(self.item.choices, part) or str(part).strip() for part in parts if str(part).strip()]

    @property
    def options(self) -> list[tuple[str, bool]]:
        """(option, chosen) for radio buttons and check boxes; an answer that is not among the
        options (an import, an older version of the form) is kept as an extra option, chosen."""
        chosen = self.chosen
        out = [(option, option in chosen) for option in self.item.choices]
        out += [(value, True) for value in chosen if value not in self.item.choices]
        return out

    @property
    def extensions(self) -> list[str]:
        return file_extensions(self.item)

    @property
    def accept(self) -> str:
        return ",".join(f".{ext}" for ext in self.extensions)

    @property
    def previous_text(self) -> str:
        if self.previous is None:
            return ""
        return answer_text(self.item, validation.as_text(self.previous))

    @property
    def previous_raw(self) -> str:
        return "" if self.previous is None else validation.as_text(self.previous)

    @property
    def all_errors(self) -> list[str]:
        return self.errors + self.rule_errors

    @property
    def input_mode(self) -> str:
        if self.item.kind == Kind.INTEGER:
            return "numeric" if self.item.min_value is not None and self.item.min_value >= 0 else "text"
        return "decimal"

    @property
    def range_text(self) -> str:
        low, high = self.item.min_value, self.item.max_value
        if low is not None and high is not None:
            return _("from %(min)s to %(max)s") % {"min": _limit(low), "max": _limit(high)}
        if low is not None:
            return _("at least %(min)s") % {"min": _limit(low)}
        if high is not None:
            return _("at most %(max)s") % {"max": _limit(high)}
        return ""

    @property
    def grid(self) -> tables.TableGrid | None:
        """A table question's rows, columns, cells and totals for the page; None for other questions."""
        if not self.item.is_table:
            return None
        cached = getattr(self, "_grid", None)
        if cached is None:
            cached = self._grid = tables.grid(self.item, self.raw, self.previous_cells, prefix=self.name)
        return cached

    @property
    def table_whole(self) -> bool:
        """A table bound to an element of whole numbers takes whole numbers in its cells."""
        return bool(self.item.data_element_id) and self.item.data_element.value_type == "integer"

    @property
    def table_texts(self) -> dict[str, str]:
        """The sentences the table's script fills in (scripts are not translated)."""
        return {
            "progress": _("no data: %(filled)d of %(expected)d cells are filled"),
            "all_na": _("no data: every cell is «not applicable»"),
            "total": _("Total: %(total)s"),
        }

    @property
    def min_raw(self) -> str:
        return validation.as_text(self.item.min_value)

    @property
    def max_raw(self) -> str:
        return validation.as_text(self.item.max_value)

    @property
    def min_text(self) -> str:
        return _limit(self.item.min_value) if self.item.min_value is not None else ""

    @property
    def max_text(self) -> str:
        return _limit(self.item.max_value) if self.item.max_value is not None else ""


def _match(options: list[str], raw: Any) -> str | None:
    wanted = " ".join(str(raw).split()).casefold()
    return next((option for option in options if " ".join(str(option).split()).casefold() == wanted), None)


def _limit(value: Decimal) -> str:
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return number_format(value, use_l10n=True)


@dataclass
class EntrySection:
    pk: int | None
    title: str
    description: str
    questions: list[Question]

    @property
    def anchor(self) -> str:
        return f"section-{self.pk or 0}"

    @property
    def problems(self) -> int:
        return sum(1 for q in self.questions if q.all_errors)


@dataclass
class HistoryRow:
    action: str
    label: str
    by: User | None
    at: datetime.datetime
    comment: str
    count: int = 1  # consecutive saves of one person are one row
    first_at: datetime.datetime | None = None


@dataclass
class EntryPage:
    submission: Submission
    campaign: Campaign
    organization: Organization
    fields: list[Field]
    sections: list[EntrySection]
    check: validation.Result
    submit_check: validation.Result  # as a submit would check: required questions too
    form_errors: list[str]
    deadline: datetime.date
    previous_period: Period | None
    indicators: list[LiveIndicator]
    history: list[HistoryRow]
    changed: set[str]
    editable: bool  # this person may change the answers now
    can_fill: bool
    can_sign_off: bool  # this person may sign off now
    is_head: bool
    awaits_sign_off: bool
    today: datetime.date
    files: dict[str, SubmissionFile]
    conflicts: list[str] = field(default_factory=list)

    @property
    def questions(self) -> list[Question]:
        return [q for section in self.sections for q in section.questions]

    @property
    def late(self) -> bool:
        return (
            self.submission.is_editable
            and self.campaign.state == Campaign.State.OPEN
            and self.today > self.deadline
        )

    @property
    def is_closed(self) -> bool:
        return self.campaign.state != Campaign.State.OPEN

    @property
    def has_previous(self) -> bool:
        return any(q.previous is not None or q.previous_cells for q in self.questions)

    @property
    def prefillable(self) -> int:
        """Empty numeric questions that a value of the previous period could fill."""
        return sum(1 for q in self.questions if q.previous is not None and validation.is_blank(q.raw))

    @property
    def required_total(self) -> int:
        return sum(1 for item in self.fields if item.required)

    @property
    def required_answered(self) -> int:
        answers = self.submission.answers
        return sum(
            1 for item in self.fields if item.required and not validation.is_blank(answers.get(item.code))
        )

    @property
    def submit_problems(self) -> list[tuple[str, str]]:
        """(question code or "", message) of what a submit would refuse, in the order of the form."""
        return submit_problems(self.fields, self.submit_check)

    @property
    def submit_label(self) -> str:
        if self.campaign.requires_sign_off and self.is_head:
            return _("Submit and sign off")
        return _("Submit")


def submit_problems(fields: list[Field], check: validation.Result) -> list[tuple[str, str]]:
    out = [
        (item.code, f"{item.label}: {message}")
        for item in fields
        for message in check.errors.get(item.code, [])
    ]
    return out + [("", message) for message in check.form_errors]


def _history(submission: Submission, limit: int = 300) -> list[HistoryRow]:
    """The events, newest first; a run of saves by one person is one row with their number."""
    events = list(submission.events.defer("answers").select_related("by").order_by("-at", "-pk")[:limit])
    rows: list[HistoryRow] = []
    for event in events:
        last = rows[-1] if rows else None
        if (
            last is not None
            and event.action == SubmissionEvent.Action.SAVED
            and last.action == SubmissionEvent.Action.SAVED
            and last.by == event.by
        ):
            last.count += 1
            last.first_at = event.at
            continue
        rows.append(
            HistoryRow(
                action=event.action,
                label=event.get_action_display(),
                by=event.by,
                at=event.at,
                comment=event.comment,
                first_at=event.at,
            )
        )
    return rows


def entry_page(
    submission: Submission,
    user: User,
    *,
    answers: dict[str, Any] | None = None,
    check: validation.Result | None = None,
    submit_check: validation.Result | None = None,
    conflicts: list[str] | None = None,
) -> EntryPage:
    """Everything the entry page shows. `answers` replaces the stored ones when the page shows the
    person's input again (after a conflict); `check` the check shown beside the questions (a draft's
    by default: only what is filled in; after a refused submit, the complete one)."""
    campaign = submission.campaign
    organization = submission.organization
    fields, rules = services.form_questions(campaign.form)
    shown = submission.answers if answers is None else answers
    draft_check = validation.check(fields, rules, shown, complete=False)
    check = check or draft_check
    submit_check = submit_check or validation.check(fields, rules, shown, complete=True)
    period, previous = previous_values(campaign, organization, fields)
    before_cells = previous_cells(period, organization, fields)
    files = {f.field_code: f for f in submission.files.all()}
    changed = services.changed_since_return(submission)
    stored = submission.answers
    conflicts = conflicts or []
    by_rule = rule_problems(fields, rules, check.values)
    can_fill = access.can_fill(user, organization)
    editable = can_fill and submission.is_editable and campaign.state == Campaign.State.OPEN
    by_section: dict[int | None, list[Question]] = defaultdict(list)
    for item in fields:
        by_section[item.section_id].append(
            Question(
                item=item,
                raw=shown.get(item.code),
                errors=check.errors.get(item.code, []),
                rule_errors=by_rule.get(item.code, []),
                previous=previous.get(item.code),
                changed=item.code in changed,
                conflict=item.code in conflicts,
                theirs=answer_text(item, stored.get(item.code)) if item.code in conflicts else "",
                file=files.get(item.code),
                previous_cells=before_cells.get(item.code, {}),
            )
        )
    sections = [EntrySection(None, "", "", by_section[None])] if by_section.get(None) else []
    for section in Section.objects.filter(form=campaign.form_id).order_by("order", "pk"):
        if by_section.get(section.pk):
            sections.append(
                EntrySection(section.pk, section.title, section.description, by_section[section.pk])
            )
    head = access.can_sign_off(user, organization)
    page = EntryPage(
        submission=submission,
        campaign=campaign,
        organization=organization,
        fields=fields,
        sections=sections,
        check=check,
        submit_check=submit_check,
        form_errors=check.form_errors,
        deadline=services.deadline_for(campaign, organization),
        previous_period=period,
        indicators=indicator_values(form_indicators(campaign, fields), fields, draft_check.values),
        history=_history(submission),
        changed=changed,
        editable=editable,
        can_fill=can_fill,
        can_sign_off=head and services.awaits_sign_off(submission),
        is_head=head,
        awaits_sign_off=services.awaits_sign_off(submission),
        today=timezone.localdate(),
        files=files,
        conflicts=conflicts,
    )
    return page


def live_state(
    submission: Submission, fields: list[Field], rules: list[Rule], check: validation.Result
) -> dict:
    """What the entry page updates after an autosave: the errors by question, the broken rules, the
    indicators, what a submit would refuse."""
    submit_check = validation.check(fields, rules, submission.answers, complete=True)
    compiled = form_indicators(submission.campaign, fields)
    return {
        "revision": submission.revision,
        "errors": check.errors,
        "form_errors": check.form_errors,
        "rule_errors": rule_problems(fields, rules, check.values),
        "indicators": [i.as_json() for i in indicator_values(compiled, fields, check.values)],
        "submit_problems": [
            {"code": code, "text": text} for code, text in submit_problems(fields, submit_check)
        ],
        "required_answered": sum(
            1
            for item in fields
            if item.required and not validation.is_blank(submission.answers.get(item.code))
        ),
    }


def answers_at(submission: Submission, revision: int) -> dict[str, Any]:
    """The answers as they were at `revision`, as the save's merge reads them: from the event of the
    save (or import) that made it; empty for 0 or a revision the history lacks."""
    if revision <= 0 or revision > submission.revision:
        return {}
    carrying = [SubmissionEvent.Action.SAVED, SubmissionEvent.Action.IMPORTED]
    event = submission.events.filter(revision=revision, action__in=carrying).order_by("-pk").first()
    return event.answers if event else {}


def same_answer(first: Any, second: Any) -> bool:
    """Whether two answers are the same once trimmed as the save trims them; blanks are all alike."""

    def norm(raw: Any) -> Any:
        if isinstance(raw, dict):
            answer = tables.parse_answer(raw)
            return answer if answer["cells"] or answer["na"] else None
        if validation.is_blank(raw):
            return None
        if isinstance(raw, list | tuple):
            return [str(v).strip() for v in raw if str(v).strip()]
        return str(raw).replace("\r\n", "\n").strip()

    return norm(first) == norm(second)
