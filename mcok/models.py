"""The core records every direction shares: municipalities, organizations, officials, periods,
documents, and who plays which role where."""

import calendar
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """A login. What it may do comes from its roles, not from Django's groups."""

    # The demo's accounts (load_demo) sign in with the password alone wherever the instance asks the
    # roles that keep accounts, approve and publish for a second factor (mcok.access).
    second_factor_exempt = models.BooleanField(
        _("no second factor required"),
        default=False,
        help_text=_("Set for the demonstration accounts only: they sign in with the password alone."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=50, unique=True, help_text=_("Used in addresses."))
    region = models.CharField(_("region"), max_length=200, blank=True)
    department = models.CharField(_("education department"), max_length=500, blank=True)
    site_url = models.URLField(_("official site"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationQuerySet(models.QuerySet):
    def schools(self):
        return self.filter(kind=Organization.Kind.SCHOOL)

    def educational(self):
        """Organizations that teach children and so report monitoring data."""
        return self.filter(
            kind__in=[Organization.Kind.SCHOOL, Organization.Kind.KINDERGARTEN, Organization.Kind.ADDITIONAL]
        )


class Organization(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        KINDERGARTEN = "kindergarten", _("Kindergarten")
        ADDITIONAL = "additional", _("Additional education")
        METHODICAL = "methodical", _("Methodical centre")
        OTHER = "other", _("Other")

    class Locality(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="organizations", verbose_name=_("municipality")
    )
    short_name = models.CharField(_("short name"), max_length=200)
    full_name = models.CharField(_("full name"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    locality = models.CharField(_("locality"), max_length=10, choices=Locality.choices, blank=True)
    low_results = models.BooleanField(
        _("low educational results (ШНОР)"), default=False, help_text=_("A school with low results.")
    )
    unfavourable_conditions = models.BooleanField(_("unfavourable social conditions"), default=False)
    head = models.ForeignKey(
        "Official", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("head")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganizationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["municipality__name", "short_name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "short_name"], name="organization_name_unique"),
        ]

    def __str__(self) -> str:
        return self.short_name


class Official(models.Model):
    """A person with a position: coordinators, executors, curators and heads are officials."""

    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="officials", verbose_name=_("municipality")
    )
    full_name = models.CharField(pgettext_lazy("person", "full name"), max_length=200)
    position = models.CharField(_("position"), max_length=500, blank=True)
    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("organization"),
        help_text=_("Empty for the education department itself."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("user"),
        help_text=_("One account may act as several officials: a coordinator who is an executor too."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "full_name", "position"], name="official_unique_in_municipality"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.position}" if self.position else self.full_name

    @property
    def workplace(self) -> str:
        return self.organization.short_name if self.organization_id else self.municipality.department


class Period(models.Model):
    """A reporting period. The code is the name people write: 2024, 2024/25, 2024-H1, 2024-Q3."""

    class Kind(models.TextChoices):
        YEAR = "year", _("Calendar year")
        ACADEMIC_YEAR = "academic_year", _("Academic year")
        HALF_YEAR = "half_year", _("Half-year")
        QUARTER = "quarter", _("Quarter")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"), help_text=_("The year the period starts in."))
    number = models.PositiveSmallIntegerField(
        _("number"), default=0, help_text=_("Half-year 1–2 or quarter 1–4; 0 for years.")
    )
    code = models.CharField(_("code"), max_length=10, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["starts_on", "-ends_on"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "number"], name="period_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="period_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=["year", "academic_year"], number=0))
                | Q(kind="half_year", number__in=[1, 2])
                | Q(kind="quarter", number__in=[1, 2, 3, 4]),
                name="period_number_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return period_label(self.kind, self.year, self.number)


def period_code(kind: str, year: int, number: int = 0) -> str:
    """The code of a period: «2024», «2024/25», «2024-H1», «2024-Q3»."""
    if kind == Period.Kind.YEAR:
        return str(year)
    if kind == Period.Kind.ACADEMIC_YEAR:
        return f"{year}/{(year + 1) % 100:02d}"
    if kind == Period.Kind.HALF_YEAR:
        return f"{year}-H{number}"
    return f"{year}-Q{number}"


def period_dates(kind: str, year: int, number: int = 0) -> tuple[date, date]:
    """First and last day. Academic years run from 1 September to 31 August."""
    if kind == Period.Kind.YEAR:
        return date(year, 1, 1), date(year, 12, 31)
    if kind == Period.Kind.ACADEMIC_YEAR:
        return date(year, 9, 1), date(year + 1, 8, 31)
    months = 6 if kind == Period.Kind.HALF_YEAR else 3
    first = (number - 1) * months + 1
    last = first + months - 1
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def period_label(kind: str, year: int, number: int = 0) -> str:
    from django.utils.translation import gettext

    if kind == Period.Kind.YEAR:
        return gettext("%(year)s year") % {"year": year}
    if kind == Period.Kind.ACADEMIC_YEAR:
        return gettext("%(year)s/%(next)s academic year") % {"year": year, "next": year + 1}
    if kind == Period.Kind.HALF_YEAR:
        return gettext("half-year %(number)s of %(year)s") % {"number": number, "year": year}
    return gettext("quarter %(number)s of %(year)s") % {"number": number, "year": year}


def document_size_valid(file) -> None:
    """Refuse a document over DOCUMENT_MAX_BYTES, by whatever form it comes (the admin's too)."""
    from django.core.exceptions import ValidationError
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext

    if file is not None and getattr(file, "size", 0) > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(
            gettext("The file is larger than %(size)s.")
            % {"size": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        )


def document_upload_to(document: "Document", filename: str) -> str:
    return f"documents/{document.municipality.slug}/{filename}"


class Document(models.Model):
    """An order, a regulation or any evidence: a stored file or a link, with its number and date.

    Neither file nor link is required: an order cited by its number and date is a document too."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Order")
        REGULATION = "regulation", _("Regulation")
        PROGRAMME = "programme", _("Programme")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other")

    ALLOWED_EXTENSIONS = [
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "odt",
        "ods",
        "rtf",
        "txt",
        "jpg",
        "jpeg",
        "png",
    ]

    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="documents", verbose_name=_("municipality")
    )
    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("organization"),
        help_text=_("Empty for the department's own documents."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORDER)
    title = models.CharField(_("title"), max_length=500)
    number = models.CharField(_("number"), max_length=50, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    file = models.FileField(
        _("file"),
        upload_to=document_upload_to,
        blank=True,
        validators=[FileExtensionValidator(ALLOWED_EXTENSIONS), document_size_valid],
    )
    url = models.URLField(_("link"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-date", "title"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """As an order is cited: «Приказ №1048 от 05.07.2021»."""
        from django.utils.formats import date_format
        from django.utils.translation import gettext

        parts = [self.get_kind_display() if self.kind != self.Kind.OTHER else gettext("Document")]
        if self.number:
            parts.append(gettext("No. %(number)s") % {"number": self.number})
        if self.date:
            parts.append(gettext("of %(date)s") % {"date": date_format(self.date, "d.m.Y")})
        return " ".join(parts)

    @property
    def href(self) -> str:
        return self.file.url if self.file else self.url


class Role(models.Model):
    """Who does what where. A person may hold several roles: a coordinator is often an executor too."""

    class Kind(models.TextChoices):
        ADMINISTRATOR = "administrator", _("Administrator")
        COORDINATOR = "coordinator", _("Coordinator")
        EXECUTOR = "executor", _("Responsible executor")
        OPERATOR = "operator", _("Municipal operator")
        EXPERT = "expert", _("Expert")
        RESPONDENT = "respondent", _("School respondent")
        SCHOOL_HEAD = "school_head", _("School head")
        DEPARTMENT_HEAD = "department_head", _("Head of the education department")

    # Roles that act for a whole municipality, and those that act for one organization.
    MUNICIPAL_KINDS = (
        Kind.ADMINISTRATOR,
        Kind.COORDINATOR,
        Kind.EXECUTOR,
        Kind.OPERATOR,
        Kind.EXPERT,
        Kind.DEPARTMENT_HEAD,
    )
    ORGANIZATION_KINDS = (Kind.RESPONDENT, Kind.SCHOOL_HEAD)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="roles", verbose_name=_("user")
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("municipality"),
        help_text=_("Empty only for an administrator of the whole instance."),
    )
    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("organization"),
        help_text=_("Required for a school respondent and a school head."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["municipality__name", "kind"]
        constraints = [
            # One row per role and scope; three partial constraints because NULLs never collide.
            models.UniqueConstraint(
                fields=["user", "kind"], condition=Q(municipality__isnull=True), name="role_unique_instance"
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "municipality"],
                condition=Q(municipality__isnull=False, organization__isnull=True),
                name="role_unique_municipal",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "organization"],
                condition=Q(organization__isnull=False),
                name="role_unique_organization",
            ),
            models.CheckConstraint(
                condition=Q(kind="administrator") | Q(municipality__isnull=False),
                name="role_municipality_required",
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=["respondent", "school_head"]) & Q(organization__isnull=False))
                | (~Q(kind__in=["respondent", "school_head"]) & Q(organization__isnull=True)),
                name="role_organization_only_for_school_roles",
            ),
        ]

    def __str__(self) -> str:
        where = self.organization or self.municipality or _("whole instance")
        return f"{self.user}: {self.get_kind_display()} ({where})"


class AccountEvent(models.Model):
    """What happened to an account's security: a second factor set up, reset or switched off, an
    account unlocked, a sign-in from a device not seen before. The audit trail of every municipality
    where the account holds a role shows it (mcok.audit)."""

    class Kind(models.TextChoices):
        SECOND_FACTOR_ENABLED = "second_factor_enabled", _("Second factor set up")
        SECOND_FACTOR_DISABLED = "second_factor_disabled", _("Second factor switched off")
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("New recovery codes")
        RECOVERY_CODE_USED = "recovery_code_used", _("Sign-in with a recovery code")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Second factor reset by an administrator")
        UNLOCKED = "unlocked", _("Account unlocked by an administrator")
        NEW_DEVICE = "new_device", _("Sign-in from a new device")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="account_events", verbose_name=_("account")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"


class KnownDevice(models.Model):
    """A browser and address pair an account has signed in from, kept as a keyed hash only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="known_devices", verbose_name=_("account")
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), auto_now=True)

    class Meta:
        verbose_name = _("known device")
        verbose_name_plural = _("known devices")
        constraints = [
            models.UniqueConstraint(fields=["user", "fingerprint"], name="known_device_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.fingerprint[:8]}"
