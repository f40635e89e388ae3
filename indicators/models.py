"""Data elements (what is counted), their values per organization and period, indicators built on
them, and the indicator values computed for every organization and for the municipality."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Category(models.Model):
    """A way to split a figure: класс, предмет, пол, возрастная группа, стаж… with ordered options."""

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="categories", verbose_name=_("municipality")
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["municipality__name", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="category_code_unique")]

    def __str__(self) -> str:
        return self.name


class CategoryOption(models.Model):
    category = models.ForeignKey(Category, models.CASCADE, related_name="options", verbose_name=_("category"))
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category option")
        verbose_name_plural = _("category options")
        ordering = ["category", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="category_option_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CategoryCombo(models.Model):
    """One category, or two (rows × columns), that a data element is split by."""

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="category_combos", verbose_name=_("municipality")
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    first = models.ForeignKey(Category, models.PROTECT, related_name="+", verbose_name=_("first category"))
    second = models.ForeignKey(
        Category,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second category"),
    )

    class Meta:
        verbose_name = _("category combination")
        verbose_name_plural = _("category combinations")
        ordering = ["municipality__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="category_combo_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def categories(self) -> list[Category]:
        return [self.first] if self.second_id is None else [self.first, self.second]


class OptionCombo(models.Model):
    """One cell of a combination: an option of the first category (and one of the second)."""

    combo = models.ForeignKey(
        CategoryCombo, models.CASCADE, related_name="option_combos", verbose_name=_("category combination")
    )
    first = models.ForeignKey(CategoryOption, models.CASCADE, related_name="+", verbose_name=_("option"))
    second = models.ForeignKey(
        CategoryOption,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second option"),
    )

    class Meta:
        verbose_name = _("option combination")
        verbose_name_plural = _("option combinations")
        ordering = ["combo", "first__order", "first__pk", "second__order", "second__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["combo", "first"], condition=Q(second__isnull=True), name="option_combo_unique_one"
            ),
            models.UniqueConstraint(
                fields=["combo", "first", "second"],
                condition=Q(second__isnull=False),
                name="option_combo_unique_two",
            ),
        ]

    def __str__(self) -> str:
        return self.first.name if self.second_id is None else f"{self.first.name}, {self.second.name}"

    @property
    def option_ids(self) -> set[int]:
        return {self.first_id} if self.second_id is None else {self.first_id, self.second_id}


class DataElement(models.Model):
    class ValueType(models.TextChoices):
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        PERCENT = "percent", _("Per cent")
        SCORE = "score", _("Score")

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="data_elements", verbose_name=_("municipality")
    )
    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Latin letters, digits and _: the name used in formulas.")
    )
    name = models.CharField(_("name"), max_length=500)
    value_type = models.CharField(
        _("value type"), max_length=10, choices=ValueType.choices, default=ValueType.INTEGER
    )
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    kinds = models.JSONField(_("kinds of organization that report it"), default=list, blank=True)
    category_combo = models.ForeignKey(
        CategoryCombo,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="data_elements",
        verbose_name=_("disaggregated by"),
        help_text=_("The figure is entered per option; its total is the sum of the cells."),
    )
    has_total = models.BooleanField(
        _("has a total"),
        default=True,
        help_text=_("Off when the cells must not be added up (for example mean scores)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        ordering = ["municipality__name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="data_element_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class DataValue(models.Model):
    """A number an organization reported for a period; with no organization, the municipality's own figure."""

    class Source(models.TextChoices):
        SUBMISSION = "submission", _("Form submission")
        IMPORT = "import", _("Import")
        MANUAL = "manual", _("Manual entry")

    data_element = models.ForeignKey(
        DataElement, models.CASCADE, related_name="values", verbose_name=_("data element")
    )
    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    organization = models.ForeignKey(
        "mcok.Organization",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="data_values",
        verbose_name=_("organization"),
    )
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        constraints = [
            models.UniqueConstraint(
                fields=["data_element", "organization", "period"],
                condition=Q(organization__isnull=False),
                name="data_value_unique",
            ),
            models.UniqueConstraint(
                fields=["data_element", "period"],
                condition=Q(organization__isnull=True),
                name="data_value_municipal_unique",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "period"], name="data_value_scope")]

    def __str__(self) -> str:
        return f"{self.data_element.code} = {self.value}"


class DataValueCell(models.Model):
    """One cell of a disaggregated figure: an organization's (or the municipality's own) number for
    an option combination in a period, or «не применимо». The element's total is kept as its
    DataValue, written when every cell is filled, so formulas and reads over totals stay as they are."""

    data_element = models.ForeignKey(
        DataElement, models.CASCADE, related_name="cells", verbose_name=_("data element")
    )
    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    organization = models.ForeignKey(
        "mcok.Organization",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="data_cells",
        verbose_name=_("organization"),
    )
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    option_combo = models.ForeignKey(
        OptionCombo, models.CASCADE, related_name="cells", verbose_name=_("option combination")
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4, null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    source = models.CharField(
        _("source"), max_length=12, choices=DataValue.Source.choices, default=DataValue.Source.MANUAL
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("data value cell")
        verbose_name_plural = _("data value cells")
        constraints = [
            models.UniqueConstraint(
                fields=["data_element", "organization", "period", "option_combo"],
                condition=Q(organization__isnull=False),
                name="data_cell_unique",
            ),
            models.UniqueConstraint(
                fields=["data_element", "period", "option_combo"],
                condition=Q(organization__isnull=True),
                name="data_cell_municipal_unique",
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=True, value__isnull=True)
                | Q(not_applicable=False, value__isnull=False),
                name="data_cell_value_or_not_applicable",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "period"], name="data_cell_scope")]

    def __str__(self) -> str:
        return f"{self.data_element.code}[{self.option_combo_id}] = {self.value}"


class IndicatorGroup(models.Model):
    """A heading the order groups its indicators under («Направления деятельности» of a programme, the
    sections of a catalogue), in the order's order."""

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="indicator_groups", verbose_name=_("municipality")
    )
    heading = models.CharField(_("heading"), max_length=1000)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator group")
        verbose_name_plural = _("indicator groups")
        ordering = ["municipality__name", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "heading"], name="indicator_group_heading_unique")
        ]

    def __str__(self) -> str:
        return self.heading


class IndicatorQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Indicator(models.Model):
    """A municipal indicator. A ratio is numerator / denominator × factor. A growth rate («темп
    роста») measures the growth of its base ratio, numerator / denominator (no factor: it cancels),
    against the previous period: now ÷ before × 100; with no denominator the base is the numerator
    itself, a quantity. The municipality's value of either is built from Σ numerators and Σ
    denominators over the organizations, never from a sum or a mean of their ratios."""

    class Kind(models.TextChoices):
        RATIO = "ratio", _("Ratio")
        GROWTH = "growth", _("Growth rate")
        VALUE = "value", _("Single value")
        SCORE = "score", _("Expert score")

    class Periodicity(models.TextChoices):
        YEARLY = "yearly", _("Yearly")
        HALF_YEAR = "half_year", _("Twice a year")
        QUARTERLY = "quarterly", _("Quarterly")
        MONTHLY = "monthly", _("Monthly")
        ONCE = "once", _("Once")

    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="indicators", verbose_name=_("municipality")
    )
    direction = models.ForeignKey(
        "directions.Direction",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("direction"),
    )
    code = models.CharField(_("code"), max_length=20)  # as the order writes it: «П8», «2.3.1»
    group = models.ForeignKey(
        IndicatorGroup,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("group"),
    )
    name = models.CharField(_("name"), max_length=1000)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RATIO)
    numerator = models.CharField(
        _("numerator"),
        max_length=500,
        blank=True,
        help_text=_("Data-element codes, numbers, + − × ÷ and parentheses."),
    )
    denominator = models.CharField(_("denominator"), max_length=500, blank=True)
    factor = models.PositiveIntegerField(
        _("factor"), default=100, help_text=_("100 for per cent; 10, 100, 1000 for «per N».")
    )
    periodicity = models.CharField(
        _("periodicity"), max_length=10, choices=Periodicity.choices, default=Periodicity.YEARLY
    )
    periodicity_text = models.CharField(
        _("periodicity as written"),
        max_length=200,
        blank=True,
        help_text=_("The order's own words («2 раза в квартал») when they say more than the periodicity."),
    )
    method = models.TextField(_("method of collection"), blank=True)
    source = models.TextField(_("sources"), blank=True)
    criterion = models.TextField(_("criterion"), blank=True)
    responsible = models.ManyToManyField(
        "mcok.Official", blank=True, related_name="indicators", verbose_name=_("responsible executors")
    )
    responsible_organizations = models.ManyToManyField(
        "mcok.Organization",
        blank=True,
        related_name="indicators_responsible",
        verbose_name=_("responsible organizations"),
    )
    responsible_text = models.TextField(
        _("responsible executors as written"),
        blank=True,
        help_text=_("As the order writes them, organizations and officials alike."),
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    risk_threshold = models.DecimalField(
        _("risk threshold"),
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("An organization whose value is worse than this falls into the risk group."),
    )
    is_published = models.BooleanField(_("published"), default=False)
    publish_organization_values = models.BooleanField(
        _("publish the organizations' values"),
        default=False,
        help_text=_("The public tab shows each organization's value, not only the municipality's."),
    )

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["municipality__name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="indicator_code_unique"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="indicator_factor_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def is_at_risk(self, value) -> bool:
        if value is None or self.risk_threshold is None:
            return False
        return value < self.risk_threshold if self.higher_is_better else value > self.risk_threshold


class Target(models.Model):
    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=4)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="target_unique")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period}: {self.value}"


class IndicatorValue(models.Model):
    """A computed value: of an organization, or (organization empty) of the whole municipality.

    value = numerator / denominator × factor for a ratio. For a growth rate, numerator and
    denominator are the base ratio in the period and in the previous period (value = numerator /
    denominator × 100), and the base_* fields keep the terms of the base ratio in both periods: the
    municipality's row sums them over the organizations, as a ratio sums its numerators and
    denominators."""

    class Reason(models.TextChoices):
        NO_DATA = "no_data", _("No data")
        ZERO_DENOMINATOR = "zero_denominator", _("The denominator is zero")
        NO_FORMULA = "no_formula", _("The formula is not set")
        NO_PREVIOUS = "no_previous", _("No value for the previous period")
        PREVIOUS_ZERO_DENOMINATOR = "previous_zero_den", _("The denominator is zero in the previous period")
        PREVIOUS_ZERO = "previous_zero", _("The value of the previous period is zero")

    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    period = models.ForeignKey("mcok.Period", models.PROTECT, related_name="+", verbose_name=_("period"))
    municipality = models.ForeignKey(
        "mcok.Municipality", models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    organization = models.ForeignKey(
        "mcok.Organization",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="indicator_values",
        verbose_name=_("organization"),
    )
    numerator = models.DecimalField(_("numerator"), max_digits=20, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(
        _("denominator"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True, blank=True)
    # A growth rate's base ratio, numerator and denominator, in the period and in the previous one.
    base_numerator = models.DecimalField(
        _("numerator of the base ratio"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    base_denominator = models.DecimalField(
        _("denominator of the base ratio"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    previous_base_numerator = models.DecimalField(
        _("numerator of the base ratio in the previous period"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
    )
    previous_base_denominator = models.DecimalField(
        _("denominator of the base ratio in the previous period"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
    )
    reason = models.CharField(_("why no value"), max_length=20, choices=Reason.choices, blank=True)
    reported = models.PositiveIntegerField(_("organizations reported"), default=0)
    expected = models.PositiveIntegerField(_("organizations expected"), default=0)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period", "organization"],
                condition=Q(organization__isnull=False),
                name="indicator_value_unique",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period"],
                condition=Q(organization__isnull=True),
                name="indicator_value_total_unique",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "period"], name="indicator_value_scope")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period}: {self.value}"


class RecomputeRequest(models.Model):
    """A doorbell that outlives the queue: written with the data values in one transaction, claimed and
    deleted by the recompute task. With an organization, only its values and the totals are redone."""

    municipality = models.ForeignKey("mcok.Municipality", models.CASCADE, related_name="+")
    period = models.ForeignKey("mcok.Period", models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "mcok.Organization", models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recompute request")
        verbose_name_plural = _("recompute requests")

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.period_id}/{self.organization_id or '*'}"
