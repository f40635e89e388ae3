"""Blocks and directions, the management cycle of a direction in a period, the technology card,
and the FIOKO-style evaluation of the cycle."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Component(models.TextChoices):
    """The nine components FIOKO scores; the technology card groups them in six rows."""

    GOALS = "goals", _("Goals")
    INDICATORS = "indicators", _("Indicators")
    METHODS = "methods", _("Methods of data collection and processing")
    MONITORING = "monitoring", _("Monitoring of the indicators")
    ANALYSIS = "analysis", _("Analysis of the monitoring results")
    RECOMMENDATIONS = "recommendations", _("Targeted recommendations")
    MEASURES = "measures", _("Measures and events")
    DECISIONS = "decisions", _("Management decisions")
    EFFECTIVENESS = "effectiveness", _("Analysis of the effectiveness of the measures")


# The row of the technology card (and its FIOKO group) that holds each component.
CARD_ROW = {
    Component.GOALS: 1,
    Component.INDICATORS: 2,
    Component.METHODS: 2,
    Component.MONITORING: 3,
    Component.ANALYSIS: 4,
    Component.RECOMMENDATIONS: 4,
    Component.MEASURES: 5,
    Component.DECISIONS: 5,
    Component.EFFECTIVENESS: 6,
}
MANAGERIAL = (Component.MEASURES, Component.DECISIONS, Component.EFFECTIVENESS)


class Block(models.Model):
    """«Механизмы управления качеством образовательных результатов» (1) and «… деятельности» (2)."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=300)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class DirectionQuerySet(models.QuerySet):
    def valid_in(self, period):
        """Directions in force during the period: the list changes between years."""
        return self.filter(valid_from__starts_on__lte=period.ends_on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__ends_on__gte=period.starts_on)
        )


class Direction(models.Model):
    municipality = models.ForeignKey(
        "mcok.Municipality", models.PROTECT, related_name="directions", verbose_name=_("municipality")
    )
    block = models.ForeignKey(Block, models.PROTECT, related_name="directions", verbose_name=_("block"))
    block_name = models.CharField(
        _("name of the block in the municipality's document"),
        max_length=300,
        blank=True,
        help_text=_("Empty: FIOKO's name of the block."),
    )
    code = models.CharField(_("code"), max_length=10)  # as the order numbers it: «1.1», «2.3»
    name = models.CharField(_("name"), max_length=500)
    goal = models.TextField(_("goal"), blank=True)
    measures = models.TextField(_("main measures"), blank=True, help_text=_("One measure per line."))
    valid_from = models.ForeignKey(
        "mcok.Period", models.PROTECT, related_name="+", verbose_name=_("valid from")
    )
    valid_until = models.ForeignKey(
        "mcok.Period", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("valid until")
    )
    source = models.CharField(
        _("source"), max_length=500, blank=True, help_text=_("The document that sets it.")
    )

    objects = DirectionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("direction")
        verbose_name_plural = _("directions")
        ordering = ["municipality__name", "block__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code", "valid_from"], name="direction_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("directions:direction", args=[self.pk])

    def holders(self, duty: str, period=None) -> list["Responsibility"]:
        """The direction's assignments of `duty` that hold during the period (today when None), from
        the prefetched `responsibilities` when the caller prefetched them."""
        if period is None:
            from django.utils import timezone

            day = timezone.localdate()
            return [r for r in self.responsibilities.all() if r.duty == duty and r.holds_on(day, day)]
        return [
            r
            for r in self.responsibilities.all()
            if r.duty == duty and r.holds_on(period.starts_on, period.ends_on)
        ]

    @property
    def block_title(self) -> str:
        """The block's name as the municipality's document writes it, FIOKO's by default."""
        return self.block_name or self.block.name

    @property
    def block_label(self) -> str:
        return f"{self.block.code}. {self.block_title}"

    @property
    def measure_list(self) -> list[str]:
        return [line.strip() for line in self.measures.splitlines() if line.strip()]


class Duty(models.TextChoices):
    """What an order makes someone for a direction (Приложение 1 of order №1048)."""

    COORDINATOR = "coordinator", _("Coordinator")
    EXECUTOR = "executor", _("Responsible executor")


class ResponsibilityQuerySet(models.QuerySet):
    def in_force_on(self, day):
        """Assignments that hold on `day`: started by then and not ended before."""
        return self.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=day)
        )

    def overlapping(self, period):
        """Assignments that hold on at least one day of the period."""
        return self.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=period.ends_on)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=period.starts_on)
        )


class Responsibility(models.Model):
    """An assignment (закрепление): an official, or an organization whose staff act for it, holds a
    duty for a direction from one date to another. An acting deputy («исполняющий обязанности») is
    an assignment of its own, marked as acting, for the days of the absence. Rights on everything
    bound to the direction follow these rows: see directions/access.py."""

    direction = models.ForeignKey(
        Direction, models.CASCADE, related_name="responsibilities", verbose_name=_("direction")
    )
    duty = models.CharField(_("duty"), max_length=20, choices=Duty.choices)
    official = models.ForeignKey(
        "mcok.Official",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="responsibilities",
        verbose_name=_("official"),
    )
    organization = models.ForeignKey(
        "mcok.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="responsibilities",
        verbose_name=_("organization"),
        help_text=_(
            "An organization named responsible, such as the methodical centre: its staff act for it."
        ),
    )
    acting = models.BooleanField(
        _("acting"), default=False, help_text=_("Acting for an absent holder («исполняющий обязанности»).")
    )
    starts_on = models.DateField(_("from"), null=True, blank=True, help_text=_("Empty: from the start."))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty: until further notice."))
    document = models.ForeignKey(
        "mcok.Document",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
        help_text=_("The order that assigns it."),
    )

    objects = ResponsibilityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["direction__code", "duty", "acting", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(official__isnull=False, organization__isnull=True)
                | Q(official__isnull=True, organization__isnull=False),
                name="responsibility_official_or_organization",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="responsibility_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction.code}: {self.holder_name} ({self.get_duty_display()})"

    def holds_on(self, first, last) -> bool:
        """Whether the assignment holds on at least one day from `first` to `last`."""
        return (self.starts_on is None or self.starts_on <= last) and (
            self.ends_on is None or self.ends_on >= first
        )

    @property
    def holder_name(self) -> str:
        return self.official.full_name if self.official_id else self.organization.short_name


class CardDuty(models.Model):
    """One row of the technology card: the action and what each role does in it."""

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="card_duties", verbose_name=_("municipality")
    )
    row = models.PositiveSmallIntegerField(_("row"))
    title = models.CharField(_("component of the cycle"), max_length=300)
    action = models.TextField(_("action"), blank=True)
    coordinator = models.TextField(_("coordinator's duties"), blank=True)
    executor = models.TextField(_("executors' duties"), blank=True)
    operator = models.TextField(_("operator's duties"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("technology card row")
        verbose_name_plural = _("technology card")
        ordering = ["municipality__name", "row"]
        constraints = [models.UniqueConstraint(fields=["municipality", "row"], name="card_row_unique")]

    def __str__(self) -> str:
        return f"{self.row}. {self.title}"


class Cycle(models.Model):
    """A direction's management cycle in a period."""

    direction = models.ForeignKey(
        Direction, models.CASCADE, related_name="cycles", verbose_name=_("direction")
    )
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [models.UniqueConstraint(fields=["direction", "period"], name="cycle_unique")]

    def __str__(self) -> str:
        return f"{self.direction.code} · {self.period}"


class CycleComponent(models.Model):
    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        DRAFTED = "drafted", _("Drafted by the executors")
        APPROVED = "approved", _("Approved by the coordinator")
        PUBLISHED = "published", _("Published by the operator")

    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="components", verbose_name=_("cycle"))
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.NOT_STARTED)
    content = models.TextField(_("content"), blank=True)
    documents = models.ManyToManyField(
        "mcok.Document", blank=True, related_name="+", verbose_name=_("documents")
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    responsible = models.ManyToManyField(
        "mcok.Official", blank=True, related_name="cycle_components", verbose_name=_("responsible")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("component of the cycle")
        verbose_name_plural = _("components of the cycle")
        constraints = [models.UniqueConstraint(fields=["cycle", "component"], name="cycle_component_unique")]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.get_component_display()}"

    @property
    def card_row(self) -> int:
        return CARD_ROW[self.component]

    @property
    def state_short(self) -> str:
        """The state in a word, for the overview matrix."""
        return STATE_SHORT[self.state]


STATE_SHORT = {
    CycleComponent.State.NOT_STARTED: _("not started"),
    CycleComponent.State.DRAFTED: _("draft"),
    CycleComponent.State.APPROVED: _("approved"),
    CycleComponent.State.PUBLISHED: _("published"),
}


class Transition(models.Model):
    """Every move of a component's state: who, when, from what, to what, and why."""

    component = models.ForeignKey(
        CycleComponent, models.CASCADE, related_name="transitions", verbose_name=_("component")
    )
    from_state = models.CharField(_("from"), max_length=20, choices=CycleComponent.State.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=CycleComponent.State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("when"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.component}: {self.from_state} → {self.to_state}"


class Position(models.Model):
    """An evaluation position (позиция оценивания) of a municipality's catalogue for a period."""

    municipality = models.ForeignKey(
        "mcok.Municipality",
        models.CASCADE,
        related_name="evaluation_positions",
        verbose_name=_("municipality"),
    )
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    direction = models.ForeignKey(
        Direction, models.CASCADE, related_name="positions", verbose_name=_("direction")
    )
    track = models.CharField(
        _("track"), max_length=100, blank=True, help_text=_("Part of a split direction.")
    )
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    code = models.CharField(_("code"), max_length=30)
    text = models.TextField(_("text"))
    max_score = models.DecimalField(
        _("maximum primary score"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation position")
        verbose_name_plural = _("evaluation positions")
        ordering = ["direction__block__code", "direction__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["period", "direction", "code"], name="position_code_unique"),
            models.CheckConstraint(condition=Q(max_score__gte=0), name="position_max_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class EvaluationQuerySet(models.QuerySet):
    def finished_with_results(self):
        """Finished evaluations whose indices were computed (results holding a total)."""
        return self.filter(state=Evaluation.State.FINISHED, results__has_key="total")

    def latest_finished(self, municipality, period=None):
        """THE latest finished evaluation of the municipality (of the period, when given), as the
        public tab, the dashboard and the analytic report show it: the latest period first; within
        a period the expert evaluation before the self-assessment; then the one finished last. None
        when there is none. Start from an access-filtered queryset to keep its limits."""
        queryset = self.finished_with_results().filter(municipality=municipality)
        if period is not None:
            queryset = queryset.filter(period=period)
        return (
            queryset.select_related("period", "municipality")
            .order_by(
                "-period__ends_on",
                "-period__starts_on",
                # "expert" sorts before "self": an expert evaluation outranks a self-assessment.
                "kind",
                F("finished_at").desc(nulls_last=True),
                "-pk",
            )
            .first()
        )


class Evaluation(models.Model):
    """An evaluation of a municipality's management cycle for a period."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-assessment")
        EXPERT = "expert", _("Expert evaluation")

    class State(models.TextChoices):
        OPEN = "open", _("In progress")
        FINISHED = "finished", _("Finished")

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="evaluations", verbose_name=_("municipality")
    )
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SELF)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    partial_directions = models.ManyToManyField(
        Direction,
        blank=True,
        related_name="+",
        verbose_name=_("partial cycles"),
        help_text=_("Tracks evaluated on the managerial components only."),
    )
    results = models.JSONField(_("results"), null=True, blank=True, editable=False)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-period__starts_on", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "period", "kind"], name="evaluation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.municipality}, {self.period}"


class Score(models.Model):
    """The primary score an expert gives a position, with the reason and the evidence."""

    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, related_name="scores", verbose_name=_("evaluation")
    )
    position = models.ForeignKey(Position, models.CASCADE, related_name="scores", verbose_name=_("position"))
    score = models.DecimalField(
        _("primary score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("Links to documents and materials."))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scored by"),
    )
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)
    proposed = models.DecimalField(
        _("proposed by the portal"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The score the portal proposed from its evidence when this score was set."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "position"], name="score_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0) | Q(score__isnull=True), name="score_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position.code}: {self.score}"


class LevelBand(models.Model):
    """A level (high, medium, low …) from a lower bound of the index, as a region sets it for a period."""

    region = models.CharField(_("region"), max_length=200)
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    lower_percent = models.DecimalField(_("from, %"), max_digits=5, decimal_places=1)
    label = models.CharField(_("level"), max_length=100)

    class Meta:
        verbose_name = _("level band")
        verbose_name_plural = _("level bands")
        ordering = ["region", "period", "-lower_percent"]
        constraints = [
            models.UniqueConstraint(fields=["region", "period", "lower_percent"], name="level_band_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ≥ {self.lower_percent}%"


# How the public tab marks the kind of the evaluation its index comes from.
EVALUATION_MARKS = {
    Evaluation.Kind.SELF: _("self-assessment"),
    Evaluation.Kind.EXPERT: _("expert evaluation"),
}


class RuleKind(models.TextChoices):
    """The evidence the portal reads to propose a self-assessment score (directions/proposals.py)."""

    COMPONENT = "component", _("The component approved or published, with documents")
    INDICATORS = "indicators", _("Indicators with values for the period, targets and risk thresholds")
    COLLECTIONS = "collections", _("Data collections of the period and their completeness")
    RECOMMENDATIONS = "recommendations", _("Recommendations issued and answered")
    DECISIONS = "decisions", _("Decisions with the indicators they should move")
    EFFECTIVENESS = "effectiveness", _("Decisions with an analysis of their effectiveness")
    EVENTS = "events", _("Roadmap events of the period done on time")
    MANUAL = "manual", _("No proposal: scored by hand")


class ProposalRule(models.Model):
    """The rule by which the portal proposes a position's self-assessment score: a kind of evidence
    and its parameters (JSON: «percent», the bar each piece of evidence must reach; «state» and
    «documents» for a component). A position without a rule gets the default of its component
    (directions/proposals.py DEFAULT_RULES)."""

    position = models.OneToOneField(
        Position, models.CASCADE, related_name="proposal_rule", verbose_name=_("position")
    )
    kind = models.CharField(_("kind of evidence"), max_length=20, choices=RuleKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposal rule")
        verbose_name_plural = _("proposal rules")
        ordering = ["position__direction__code", "position__code"]

    def __str__(self) -> str:
        return f"{self.position.code}: {self.get_kind_display()}"
