"""Analytic reports with the files Celery makes of them, and the public tab the operator publishes.

A report (аналитическая справка) is built from live data each time it is shown; its PDF and XLSX
are made by a `ReportJob`, which keeps the file made at that moment with who asked and when. The
public tab is a set of pages per municipality; each publication freezes what the page shows in a
`PublicVersion`, so the public reads exactly what the operator previewed and published, and never
a draft or data that changed after.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Report(models.Model):
    class Kind(models.TextChoices):
        DIRECTION = "direction", _("Analytic report of a direction")
        SUMMARY = "summary", _("Municipal summary report")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved by the coordinator")

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="reports", verbose_name=_("municipality")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DIRECTION)
    direction = models.ForeignKey(
        "directions.Direction",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("direction"),
    )
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    title = models.CharField(_("title"), max_length=500)
    conclusions = models.TextField(
        _("conclusions"), blank=True, help_text=_("The analysts' conclusions and proposals; paragraphs.")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # The PDF the coordinator approved and the SHA-256 of its bytes at that moment: the only file
    # the operator may publish, and only while its bytes still match.
    approved_job = models.ForeignKey(
        "ReportJob",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved file"),
    )
    approved_sha256 = models.CharField(_("SHA-256 of the approved file"), max_length=64, blank=True)
    # The PDF the public tab links to; set by the operator, only from an approved report's finished job.
    published_job = models.ForeignKey(
        "ReportJob",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published file"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("analytic report")
        verbose_name_plural = _("analytic reports")
        ordering = ["-period__starts_on", "kind", "direction__code", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="direction") & Q(direction__isnull=False))
                | (Q(kind="summary") & Q(direction__isnull=True)),
                name="report_direction_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reports:report", args=[self.pk])


def report_file_upload_to(job: "ReportJob", filename: str) -> str:
    return f"reports/{job.report.municipality.slug}/{job.report_id}/{filename}"


class ReportJob(models.Model):
    """One making of a report's file by Celery: who asked, how far it got, what went wrong, the file."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    report = models.ForeignKey(Report, models.CASCADE, related_name="jobs", verbose_name=_("report"))
    format = models.CharField(_("format"), max_length=5, choices=Format.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to=report_file_upload_to, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(_("size, bytes"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.get_format_display()} · {self.get_status_display()}"


class PublicPage(models.Model):
    """A page of a municipality's public tab: the home page, a direction's page, or a free page.

    The draft is edited here; `published` is the version the public reads, none while the page is
    withdrawn or was never published."""

    class Kind(models.TextChoices):
        HOME = "home", _("Home page")
        DIRECTION = "direction", _("Direction page")
        FREE = "free", _("Free page")

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="public_pages", verbose_name=_("municipality")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    direction = models.ForeignKey(
        "directions.Direction",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="public_pages",
        verbose_name=_("direction"),
    )
    slug = models.SlugField(
        _("address"),
        max_length=80,
        allow_unicode=False,
        help_text=_("The page's address on the public tab: Latin letters, digits and hyphens."),
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(
        _("text"), blank=True, help_text=_("Rich text; scripts and unsafe markup are removed on save.")
    )
    documents = models.ManyToManyField(
        "mcok.Document", blank=True, related_name="+", verbose_name=_("document links")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    published = models.OneToOneField(
        "PublicVersion",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published version"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("draft changed by"),
    )
    updated_at = models.DateTimeField(_("draft changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["published"])

    class Meta:
        verbose_name = _("public page")
        verbose_name_plural = _("public pages")
        ordering = ["municipality__name", "order", "title"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="public_page_slug_unique"),
            models.UniqueConstraint(
                fields=["municipality"], condition=Q(kind="home"), name="public_page_one_home"
            ),
            models.UniqueConstraint(
                fields=["municipality", "direction"],
                condition=Q(kind="direction"),
                name="public_page_one_per_direction",
            ),
            models.CheckConstraint(
                condition=(Q(kind="direction") & Q(direction__isnull=False))
                | (~Q(kind="direction") & Q(direction__isnull=True)),
                name="public_page_direction_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PublicVersion(models.Model):
    """A publication of a page: what the public reads, frozen when the operator published it."""

    page = models.ForeignKey(PublicPage, models.CASCADE, related_name="versions", verbose_name=_("page"))
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    content = models.JSONField(_("content"), default=dict, help_text=_("What the page shows, frozen."))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        ordering = ["page", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="public_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.page} · {self.number}"


class TabSettings(models.Model):
    """What the operator sets for a municipality's public tab as a whole.

    The completeness threshold: a period's municipal value of an indicator is headlined on the tab
    only when at least this share of the organizations expected to report did; otherwise the latest
    complete period is headlined and the newer value is shown as preliminary."""

    municipality = models.OneToOneField(
        "mcok.Municipality",
        models.CASCADE,
        related_name="tab_settings",
        verbose_name=_("municipality"),
    )
    completeness_threshold = models.PositiveSmallIntegerField(
        _("completeness threshold, %"),
        default=100,
        help_text=_(
            "A period's value is headlined on the public tab only when at least this share of the "
            "organizations reported for it."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("public tab settings")
        verbose_name_plural = _("public tab settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(completeness_threshold__gte=1) & Q(completeness_threshold__lte=100),
                name="tab_settings_threshold_1_100",
            ),
        ]

    def __str__(self) -> str:
        return str(self.municipality)
