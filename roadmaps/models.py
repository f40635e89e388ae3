"""The managerial half of the cycle: roadmaps and their events, project groups and their meetings,
targeted recommendations and the organizations' answers, decisions and the measures that carry
them out.

An event keeps its deadline as written («Ежегодно (сентябрь)») and is tracked through its
occurrences: the stretches of time the portal holds someone to (one per year for a yearly event,
one undated one for an event «по мере необходимости»). Whether an occurrence is overdue is read
from its due date and state, never stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from roadmaps.deadlines import Kind as DeadlineKind


class Roadmap(models.Model):
    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="roadmaps", verbose_name=_("municipality")
    )
    direction = models.ForeignKey(
        "directions.Direction",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="roadmaps",
        verbose_name=_("direction"),
    )
    title = models.CharField(_("title"), max_length=1000)
    project = models.CharField(
        _("municipal project"), max_length=500, blank=True, help_text=_("When the roadmap is a project's.")
    )
    start_year = models.PositiveIntegerField(_("from year"), null=True, blank=True)
    end_year = models.PositiveIntegerField(_("to year"), null=True, blank=True)
    document = models.ForeignKey(
        "mcok.Document",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approving document"),
    )
    criteria = models.JSONField(_("planned criteria"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("roadmap")
        verbose_name_plural = _("roadmaps")
        ordering = ["municipality__name", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="roadmap_years_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    roadmap = models.ForeignKey(Roadmap, models.CASCADE, related_name="sections", verbose_name=_("roadmap"))
    number = models.CharField(_("number"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=1000, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class Event(models.Model):
    """A row of the roadmap as written; its occurrences are what the portal tracks."""

    roadmap = models.ForeignKey(Roadmap, models.CASCADE, related_name="events", verbose_name=_("roadmap"))
    section = models.ForeignKey(
        Section, models.SET_NULL, null=True, blank=True, related_name="events", verbose_name=_("section")
    )
    number = models.CharField(_("number"), max_length=20, blank=True)
    content = models.TextField(_("event"))
    responsible_text = models.TextField(_("responsible, as written"), blank=True)
    responsible_officials = models.ManyToManyField(
        "mcok.Official", blank=True, related_name="roadmap_events", verbose_name=_("responsible officials")
    )
    responsible_organizations = models.ManyToManyField(
        "mcok.Organization",
        blank=True,
        related_name="roadmap_events",
        verbose_name=_("responsible organizations"),
    )
    deadline_text = models.CharField(_("deadline, as written"), max_length=500, blank=True)
    deadline_kind = models.CharField(
        _("kind of deadline"), max_length=20, choices=DeadlineKind.choices, default=DeadlineKind.UNKNOWN
    )
    result = models.TextField(_("planned result"), blank=True)
    indicators = models.ManyToManyField(
        "indicators.Indicator",
        blank=True,
        related_name="roadmap_events",
        verbose_name=_("indicators it should move"),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["roadmap", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.content[:80]}".strip()


class OccurrenceQuerySet(models.QuerySet):
    def overdue(self, today=None):
        """Due before today and neither done nor cancelled."""
        today = today or timezone.localdate()
        return self.filter(due_on__lt=today).exclude(state__in=Occurrence.CLOSED)


class Occurrence(models.Model):
    """One instance an event is held to: a year of a yearly event, the whole span of a one-off one, or
    an undated instance of an unscheduled one."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    CLOSED = (State.DONE, State.CANCELLED)

    event = models.ForeignKey(Event, models.CASCADE, related_name="occurrences", verbose_name=_("event"))
    starts_on = models.DateField(_("from"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PLANNED)
    report = models.TextField(_("short report"), blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    documents = models.ManyToManyField(
        "mcok.Document", blank=True, related_name="+", verbose_name=_("documents")
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)  # the overdue letter, sent once

    objects = OccurrenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("event instance")
        verbose_name_plural = _("event instances")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "starts_on", "due_on"], name="occurrence_unique"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(due_on__isnull=True)
                | Q(due_on__gte=models.F("starts_on")),
                name="occurrence_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["due_on", "state"], name="occurrence_due")]

    def __str__(self) -> str:
        return f"{self.event} ({self.due_on or '—'})"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.due_on is not None and self.due_on < today and self.state not in self.CLOSED


class ProjectGroup(models.Model):
    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="project_groups", verbose_name=_("municipality")
    )
    direction = models.ForeignKey(
        "directions.Direction",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="project_groups",
        verbose_name=_("direction"),
    )
    title = models.CharField(_("title"), max_length=1000)
    curators = models.ManyToManyField(
        "mcok.Official", blank=True, related_name="+", verbose_name=_("curators")
    )
    leader = models.ForeignKey(
        "mcok.Official", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("leader")
    )
    document = models.ForeignKey(
        "mcok.Document", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("document")
    )
    # The month («2026-11») whose meeting reminder has gone: claimed before the letter, sent once.
    reminded_month = models.CharField(max_length=7, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project group")
        verbose_name_plural = _("project groups")
        ordering = ["municipality__name", "title"]

    def __str__(self) -> str:
        return self.title


class Member(models.Model):
    """A member of a project group: an official, or a person named with their organization."""

    group = models.ForeignKey(ProjectGroup, models.CASCADE, related_name="members", verbose_name=_("group"))
    official = models.ForeignKey(
        "mcok.Official", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("official")
    )
    full_name = models.CharField(_("full name"), max_length=300)
    position = models.CharField(
        _("position"),
        max_length=500,
        blank=True,
        help_text=_("As the order writes it: «старший воспитатель»."),
    )
    organization = models.ForeignKey(
        "mcok.Organization",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    qualifier = models.CharField(
        _("qualifier"),
        max_length=500,
        blank=True,
        help_text=_(
            "What the order adds to the organization, as written: «(КШ)», «корпус «Голубятская ООШ»»."
        ),
    )
    email = models.EmailField(
        _("e-mail"),
        blank=True,
        help_text=_("For notices and protocols; an official's own address otherwise."),
    )
    # The group's leader is its member 1 (the regulation, seed 003): counted in the quorum, votes.
    is_leader = models.BooleanField(_("group leader"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["order", "full_name"]

    def __str__(self) -> str:
        return self.full_name


class Meeting(models.Model):
    """A meeting of a project group; it holds its quorum with at least half of the members present
    (the regulation of seed 003), and each item's decision passes by a majority of those present."""

    class Kind(models.TextChoices):
        PLANNED = "planned", _("Planned (monthly)")
        UNPLANNED = "unplanned", _("Unplanned")
        REPEATED = "repeated", _("Repeated")

    group = models.ForeignKey(ProjectGroup, models.CASCADE, related_name="meetings", verbose_name=_("group"))
    number = models.CharField(_("number"), max_length=20, blank=True)
    kind = models.CharField(_("kind of meeting"), max_length=10, choices=Kind.choices, default=Kind.PLANNED)
    # A repeated meeting («повторное заседание») holds the one that failed for want of a quorum.
    repeats = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeated_by",
        verbose_name=_("repeats the meeting"),
    )
    date = models.DateField(_("date"))
    time = models.TimeField(_("time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=500, blank=True)
    attendees = models.ManyToManyField(Member, blank=True, related_name="meetings", verbose_name=_("present"))
    members_total = models.PositiveIntegerField(
        _("members of the group on the day"), default=0, help_text=_("Fixed when the protocol is made.")
    )
    invited = models.TextField(_("invited persons"), blank=True)
    chair = models.CharField(_("chair"), max_length=300, blank=True)
    secretary = models.CharField(_("secretary"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    protocol_sent_at = models.DateTimeField(_("protocol sent"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.group} — {self.date:%d.%m.%Y}"


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("Question of the agenda")
        ROADMAP_REVIEW = "roadmap", _("Review of the roadmap's progress")

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="items", verbose_name=_("meeting"))
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind of item"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    # For a review of the roadmap (3.6 of the regulation): the group's roadmap events with their state
    # on the meeting's date, taken when the item is saved, so the protocol keeps what was reviewed.
    roadmap_state = models.JSONField(_("roadmap events reviewed"), default=list, blank=True)
    title = models.TextField(_("agenda item"))
    speakers = models.TextField(_("heard"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    reasons = models.TextField(_("reasons of the decision"), blank=True)
    votes_for = models.PositiveIntegerField(_("for"), default=0)
    votes_against = models.PositiveIntegerField(_("against"), default=0)
    votes_abstained = models.PositiveIntegerField(_("abstained"), default=0)
    # Whom the adopted decision charges and by when, as the protocol writes them: an adopted decision
    # becomes an instruction (roadmaps.instructions.from_agenda_item).
    responsible_text = models.TextField(_("responsible"), blank=True)
    deadline_text = models.CharField(_("deadline"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title[:80]


class Recommendation(models.Model):
    """A targeted recommendation to organizations, a group of them or a level of management."""

    class Level(models.TextChoices):
        ORGANIZATIONS = "organizations", _("Organizations")
        RISK_GROUP = "risk_group", _("A risk group of an indicator")
        MUNICIPAL = "municipal", _("Municipal level (the department)")
        TEACHERS = "teachers", _("Teachers")
        PARENTS = "parents", _("Parents and pupils")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        CLOSED = "closed", _("Closed")

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="recommendations", verbose_name=_("municipality")
    )
    direction = models.ForeignKey(
        "directions.Direction",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name=_("direction"),
    )
    period = models.ForeignKey(
        "mcok.Period", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("period")
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name=_("indicator"),
    )
    level = models.CharField(
        _("addressed to"), max_length=20, choices=Level.choices, default=Level.ORGANIZATIONS
    )
    title = models.CharField(_("title"), max_length=500)
    text = models.TextField(_("recommendation"))
    organizations = models.ManyToManyField(
        "mcok.Organization", blank=True, related_name="recommendations", verbose_name=_("organizations")
    )
    due_on = models.DateField(_("answer by"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("targeted recommendation")
        verbose_name_plural = _("targeted recommendations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Response(models.Model):
    """An organization's answer to a recommendation addressed to it."""

    recommendation = models.ForeignKey(Recommendation, models.CASCADE, related_name="responses")
    organization = models.ForeignKey("mcok.Organization", models.CASCADE, related_name="+")
    text = models.TextField(_("answer"))
    documents = models.ManyToManyField(
        "mcok.Document", blank=True, related_name="+", verbose_name=_("documents")
    )
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer to a recommendation")
        verbose_name_plural = _("answers to recommendations")
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "organization"], name="response_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.recommendation}"


class Decision(models.Model):
    """A management decision or measure (an order, a programme, a change of practice) based on
    recommendations, with the events that carry it out and the indicators it should move."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Order")
        MEASURE = "measure", _("Measure")
        PROGRAMME = "programme", _("Programme")
        OTHER = "other", _("Other")

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="decisions", verbose_name=_("municipality")
    )
    direction = models.ForeignKey(
        "directions.Direction",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("direction"),
    )
    period = models.ForeignKey(
        "mcok.Period", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("period")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MEASURE)
    title = models.CharField(_("title"), max_length=1000)
    text = models.TextField(_("content"), blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    document = models.ForeignKey(
        "mcok.Document", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("document")
    )
    recommendations = models.ManyToManyField(
        Recommendation, blank=True, related_name="decisions", verbose_name=_("based on recommendations")
    )
    events = models.ManyToManyField(Event, blank=True, related_name="decisions", verbose_name=_("events"))
    indicators = models.ManyToManyField(
        "indicators.Indicator",
        blank=True,
        related_name="decisions",
        verbose_name=_("indicators it should move"),
    )
    effectiveness = models.TextField(
        _("analysis of effectiveness"), blank=True, help_text=_("Drafted from the indicators; edit freely.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("management decision")
        verbose_name_plural = _("management decisions")
        ordering = ["-adopted_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class RegionalProject(models.Model):
    """A project of the region (Хабаровский край: «500+», «Педкластер27»…) that municipal projects
    answer to; a small reference list per region, with the national project it belongs to."""

    region = models.CharField(_("region"), max_length=200)
    name = models.CharField(_("name"), max_length=1000)
    national_project = models.CharField(_("national project"), max_length=500, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("regional project")
        verbose_name_plural = _("regional projects")
        ordering = ["region", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="regional_project_unique")]

    def __str__(self) -> str:
        return self.name


class MunicipalProject(models.Model):
    """A municipal project with its passport as the approving order writes it: leader, deputies,
    executors and co-executors (ProjectParticipant), goal, ordered tasks, risks and effects, the
    regional project it answers to, its roadmap and indicators, and the directions it serves. The
    public tab shows it once published."""

    municipality = models.ForeignKey(
        "mcok.Municipality",
        models.CASCADE,
        related_name="municipal_projects",
        verbose_name=_("municipality"),
    )
    title = models.CharField(_("title"), max_length=1000)
    start_year = models.PositiveIntegerField(_("from year"), null=True, blank=True)
    end_year = models.PositiveIntegerField(_("to year"), null=True, blank=True)
    leader = models.ForeignKey(
        "mcok.Official",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project leader"),
    )
    leader_text = models.CharField(
        _("project leader, as written"),
        max_length=1000,
        blank=True,
        help_text=_("As the passport writes it."),
    )
    basis = models.TextField(_("grounds for the project"), blank=True)
    goal = models.TextField(_("goal"), blank=True)
    tasks = models.JSONField(_("tasks"), default=list, blank=True)
    events_text = models.TextField(_("main events"), blank=True)
    risks = models.JSONField(_("main risks"), default=list, blank=True)
    effects = models.JSONField(_("effects"), default=list, blank=True)
    regional_project = models.ForeignKey(
        RegionalProject,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="municipal_projects",
        verbose_name=_("regional project"),
    )
    roadmap = models.ForeignKey(
        Roadmap,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="municipal_projects",
        verbose_name=_("roadmap"),
    )
    indicators = models.ManyToManyField(
        "indicators.Indicator", blank=True, related_name="municipal_projects", verbose_name=_("indicators")
    )
    directions = models.ManyToManyField(
        "directions.Direction",
        blank=True,
        related_name="municipal_projects",
        verbose_name=_("directions it serves"),
    )
    document = models.ForeignKey(
        "mcok.Document",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approving document"),
    )
    is_published = models.BooleanField(_("published on the public tab"), default=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("municipal project")
        verbose_name_plural = _("municipal projects")
        ordering = ["municipality__name", "order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="municipal_project_years_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def years(self) -> str:
        if self.start_year and self.end_year and self.start_year != self.end_year:
            return f"{self.start_year}–{self.end_year}"
        return str(self.start_year or self.end_year or "")


class ProjectParticipant(models.Model):
    """A deputy leader, an executor or a co-executor of a municipal project: an official or an
    organization (as directions.Responsibility), or a party the passport names only in words
    («образовательные учреждения системы образования района»); with the position as written."""

    class Role(models.TextChoices):
        DEPUTY = "deputy", _("Deputy leader of the project")
        EXECUTOR = "executor", _("Executor of the project")
        CO_EXECUTOR = "co_executor", _("Co-executor, participant of the project")

    project = models.ForeignKey(
        MunicipalProject, models.CASCADE, related_name="participants", verbose_name=_("project")
    )
    role = models.CharField(_("role in the project"), max_length=12, choices=Role.choices)
    official = models.ForeignKey(
        "mcok.Official", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("official")
    )
    organization = models.ForeignKey(
        "mcok.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    text = models.CharField(
        _("as written"),
        max_length=1000,
        blank=True,
        help_text=_("The name and position as the passport writes them."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("participant of a project")
        verbose_name_plural = _("participants of projects")
        ordering = ["project", "role", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(official__isnull=False, organization__isnull=False),
                name="project_participant_official_or_organization",
            ),
            models.CheckConstraint(
                condition=Q(official__isnull=False) | Q(organization__isnull=False) | ~Q(text=""),
                name="project_participant_named",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.text:
            return self.text
        if self.official_id:
            official = self.official
            return f"{official.full_name}, {official.position}" if official.position else official.full_name
        return self.organization.full_name or self.organization.short_name if self.organization_id else ""


class DesignatedRole(models.Model):
    """A role an order gives a person that the portal has no role for (the «муниципальный
    организатор» of the FIOKO form in ФИС ОКО), kept as the order writes it: a label on the official,
    never a right in the portal."""

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="designated_roles", verbose_name=_("municipality")
    )
    official = models.ForeignKey(
        "mcok.Official", models.CASCADE, related_name="designated_roles", verbose_name=_("official")
    )
    title = models.CharField(_("role, as written"), max_length=1000)
    text = models.TextField(_("the order's words"), blank=True)
    document = models.ForeignKey(
        "mcok.Document", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("document")
    )
    project = models.ForeignKey(
        MunicipalProject,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="designated_roles",
        verbose_name=_("project"),
    )
    start_year = models.PositiveIntegerField(_("from year"), null=True, blank=True)
    end_year = models.PositiveIntegerField(_("to year"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role given by an order")
        verbose_name_plural = _("roles given by orders")
        ordering = ["municipality__name", "official__full_name", "pk"]

    def __str__(self) -> str:
        return f"{self.official}: {self.title}"


class InstructionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=Instruction.OPEN)

    def overdue(self, today):
        """Open instructions whose due date has passed (the due day itself is still in time)."""
        return self.open().filter(due_on__lt=today)


class Instruction(models.Model):
    """An instruction («поручение») of an order or of a meeting's decision: its text and its
    responsible as written, its deadline as written and the day it is due by, its state and the
    evidence of its execution. «Просрочено» is never stored: it is an open instruction past its day."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        WITHDRAWN = "withdrawn", _("Withdrawn from control")

    OPEN = (State.ASSIGNED, State.IN_PROGRESS)

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="instructions", verbose_name=_("municipality")
    )
    document = models.ForeignKey(
        "mcok.Document",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="instructions",
        verbose_name=_("document"),
    )
    number = models.CharField(_("item of the document"), max_length=20, blank=True)
    text = models.TextField(_("text of the instruction"))
    responsible_text = models.TextField(_("responsible as written"), blank=True)
    deadline_text = models.CharField(_("deadline as written"), max_length=500, blank=True)
    deadline_kind = models.CharField(
        _("kind of deadline"), max_length=12, choices=DeadlineKind.choices, default=DeadlineKind.UNKNOWN
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    direction = models.ForeignKey(
        "directions.Direction",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("direction"),
    )
    indicators = models.ManyToManyField(
        "indicators.Indicator", blank=True, related_name="+", verbose_name=_("indicators")
    )
    agenda_item = models.OneToOneField(
        AgendaItem,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="instruction",
        verbose_name=_("decision of a meeting"),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ASSIGNED)
    report = models.TextField(_("report on the execution"), blank=True)
    documents = models.ManyToManyField(
        "mcok.Document", blank=True, related_name="+", verbose_name=_("evidence documents")
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)  # the overdue letter, sent once

    objects = InstructionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")
        ordering = ["due_on", "order", "pk"]
        indexes = [models.Index(fields=["due_on", "state"], name="instruction_due")]

    def __str__(self) -> str:
        return " ".join(self.text.split())[:100]

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_on is not None and self.due_on < today


class InstructionResponsible(models.Model):
    """One responsible of an instruction: an official or an organization (as directions.Responsibility),
    or a party named only in words; with the words as written."""

    instruction = models.ForeignKey(
        Instruction, models.CASCADE, related_name="responsible", verbose_name=_("instruction")
    )
    official = models.ForeignKey(
        "mcok.Official", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("official")
    )
    organization = models.ForeignKey(
        "mcok.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    text = models.CharField(_("as written"), max_length=1000, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("responsible for an instruction")
        verbose_name_plural = _("responsible for instructions")
        ordering = ["instruction", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(official__isnull=False, organization__isnull=False),
                name="instruction_responsible_official_or_organization",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.text:
            return self.text
        if self.official_id:
            return self.official.full_name
        if self.organization_id:
            return self.organization.short_name
        return ""
