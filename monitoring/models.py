"""The portal's own forms, the data collections that use them, and the organizations' submissions.

A form is a list of sections and fields with cross-field rules; numeric fields are bound to data
elements. A collection (campaign) asks a set of organizations to fill one version of a form for a
period; each organization has at most one submission per collection, which goes draft → submitted
→ returned → … → accepted. Accepting a submission writes its numbers as data values.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FormQuerySet(models.QuerySet):
    def latest_versions(self):
        """One row per form: the newest version of each lineage."""
        return self.filter(next_version__isnull=True)


class Form(models.Model):
    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="forms", verbose_name=_("municipality")
    )
    direction = models.ForeignKey(
        "directions.Direction",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="forms",
        verbose_name=_("direction"),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # The version this one was copied from; a form used by an open collection is never changed,
    # a new version is made instead.
    previous_version = models.OneToOneField(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = FormQuerySet.as_manager()

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["title", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})" if self.version > 1 else self.title

    @property
    def is_locked(self) -> bool:
        """A form some non-draft collection uses: its questions may no longer change."""
        return self.campaigns.exclude(state=Campaign.State.DRAFT).exists()


class Section(models.Model):
    form = models.ForeignKey(Form, models.CASCADE, related_name="sections", verbose_name=_("form"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class Field(models.Model):
    class Kind(models.TextChoices):
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        CHOICE = "choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes or no")
        FILE = "file", _("File")
        TABLE = "table", _("Table")

    NUMERIC_KINDS = (Kind.INTEGER, Kind.DECIMAL)

    form = models.ForeignKey(Form, models.CASCADE, related_name="fields", verbose_name=_("form"))
    section = models.ForeignKey(
        Section, models.CASCADE, null=True, blank=True, related_name="fields", verbose_name=_("section")
    )
    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Latin letters, digits and _: the name used in rules.")
    )
    label = models.CharField(_("question"), max_length=1000)
    help_text = models.TextField(_("help text"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.INTEGER)
    required = models.BooleanField(_("required"), default=True)
    min_value = models.DecimalField(_("minimum"), max_digits=16, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=16, decimal_places=4, null=True, blank=True)
    choices = models.JSONField(_("options"), default=list, blank=True)
    data_element = models.ForeignKey(
        "indicators.DataElement",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="fields",
        verbose_name=_("data element"),
    )
    file_types = models.CharField(
        _("allowed file types"), max_length=200, blank=True, help_text=_("For example: pdf, docx, xlsx.")
    )
    max_file_mb = models.PositiveIntegerField(_("largest file, MB"), default=10)
    # A table's own labels when it is not bound to a disaggregated element:
    # {"rows": ["label", ...], "columns": ["label", ...]} (see monitoring/tables.py).
    table = models.JSONField(_("table"), default=dict, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="field_code_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_numeric(self) -> bool:
        return self.kind in self.NUMERIC_KINDS

    @property
    def is_table(self) -> bool:
        return self.kind == self.Kind.TABLE


class Rule(models.Model):
    """A check across fields; `fields` holds field codes: for ≤ = ≥ and both-or-neither, the left and
    the right one; for a sum, the total first, then its parts."""

    class Kind(models.TextChoices):
        LESS_OR_EQUAL = "le", _("is at most")
        EQUAL = "eq", _("equals")
        GREATER_OR_EQUAL = "ge", _("is at least")
        SUM = "sum", _("is the sum of")
        BOTH_OR_NEITHER = "both", _("both or neither")

    form = models.ForeignKey(Form, models.CASCADE, related_name="rules", verbose_name=_("form"))
    kind = models.CharField(_("check"), max_length=10, choices=Kind.choices)
    fields = models.JSONField(_("fields"), default=list)
    message = models.CharField(
        _("message"),
        max_length=500,
        blank=True,
        help_text=_("Shown to the school; left empty, it is made up."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {', '.join(self.fields)}"


class CampaignQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=Campaign.State.OPEN)


class Campaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="campaigns", verbose_name=_("municipality")
    )
    form = models.ForeignKey(Form, models.PROTECT, related_name="campaigns", verbose_name=_("form"))
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("deadline"))
    closes_on = models.DateField(
        _("closes on"),
        null=True,
        blank=True,
        help_text=_("After this day nothing more is accepted; left empty, the coordinator closes it."),
    )
    requires_sign_off = models.BooleanField(_("signed off by the head"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    # How the organizations were chosen, kept for the record; `organizations` is the list itself.
    target_kinds = models.JSONField(_("kinds of organization"), default=list, blank=True)
    target_flags = models.JSONField(_("flags"), default=list, blank=True)
    organizations = models.ManyToManyField(
        "mcok.Organization", related_name="campaigns", blank=True, verbose_name=_("organizations")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("data collection")
        verbose_name_plural = _("data collections")
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("opens_on")), name="campaign_dates"),
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True) | Q(closes_on__gte=models.F("deadline")),
                name="campaign_closes_after_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Extension(models.Model):
    """A later deadline for one organization; the newest row wins, all are kept as the log."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="extensions")
    organization = models.ForeignKey("mcok.Organization", models.CASCADE, related_name="+")
    deadline = models.DateField(_("new deadline"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["-granted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization} → {self.deadline}"


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="submissions")
    organization = models.ForeignKey("mcok.Organization", models.CASCADE, related_name="submissions")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Answers as typed, by field code: strings (lists for multiple choice), so a draft keeps even
    # what does not validate yet.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # The answers when last returned, to highlight what changed since.
    returned_answers = models.JSONField(default=dict, blank=True)
    # Raised by every save: an edit made on an older revision is refused, not silently lost.
    revision = models.PositiveIntegerField(default=0)
    review_comment = models.TextField(_("comment of the reviewer"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("saved"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["campaign", "organization__short_name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "organization"], name="submission_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.organization}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class SubmissionFile(models.Model):
    submission = models.ForeignKey(Submission, models.CASCADE, related_name="files")
    field_code = models.CharField(max_length=60)
    file = models.FileField(upload_to="submissions/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "field_code"], name="submission_file_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SubmissionEvent(models.Model):
    """The history of a submission, written by the services in the same transaction as the change:
    every save with the answers as they became, every submit, sign-off, return and acceptance."""

    class Action(models.TextChoices):
        SAVED = "saved", _("Saved")
        IMPORTED = "imported", _("Imported")
        SUBMITTED = "submitted", _("Submitted")
        SIGNED_OFF = "signed_off", _("Signed off")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")
        REOPENED = "reopened", _("Reopened")

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    answers = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=0)  # of the submission after this event

    class Meta:
        verbose_name = _("submission event")
        verbose_name_plural = _("submission events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%d.%m.%Y %H:%M}"


class Reminder(models.Model):
    """A reminder sent to one organization; the scheduled kinds are sent at most once each."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("The collection opened")
        BEFORE_DEADLINE = "before", _("The deadline is near")
        AFTER_DEADLINE = "after", _("The deadline has passed")
        MANUAL = "manual", _("Reminder of the coordinator")

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="reminders")
    organization = models.ForeignKey("mcok.Organization", models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipients = models.TextField(blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization", "kind"],
                condition=~Q(kind="manual"),
                name="reminder_scheduled_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.organization}"
