"""What actually happened: customers, orders with lines and credits, satisfaction answers.

`SalesFact` is derived: one row per order line and credited salesperson, in
integer cents, with the slice coordinates copied in, so that actuals are one
aggregation over one table. Services rebuild the facts of every order they
write; nothing else writes them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesalign.core.models import BilingualNameModel, TimeStampedModel
from salesalign.core.visibility import VisibleQuerySet, scope_for
from salesalign.sales.choices import SCALE_REMARKS, OrderStatus, SurveyChannel, SurveyScale

SHARE_SCALE = 10_000  # shares are kept in basis points: 10,000 = 100 %


class CustomerQuerySet(VisibleQuerySet["Customer"]):
    """A customer belongs to the salesperson who owns it."""

    person_field = "owner"
    unit_field = "owner__unit"


class Customer(BilingualNameModel, TimeStampedModel):
    """Someone who buys: in a segment and a region, owned by a salesperson."""

    code = models.CharField(_("customer code"), max_length=60, unique=True)
    segment = models.ForeignKey(
        "organization.CustomerSegment",
        verbose_name=_("customer segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    region = models.ForeignKey(
        "organization.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    owner = models.ForeignKey(
        "organization.Person",
        verbose_name=_("owning salesperson"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    source = models.CharField(_("source"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Derived by the services from the orders: the first won order and its date.
    first_won_on = models.DateField(_("first won order"), null=True, blank=True, editable=False)
    first_won_order = models.ForeignKey(
        "sales.Order",
        verbose_name=_("first won order"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]


class OrderQuerySet(models.QuerySet["Order"]):
    def visible_to(self, user: object) -> OrderQuerySet:
        """Orders credited (even in part) to someone the user may see."""
        scope = scope_for(user)  # type: ignore[arg-type]
        if scope.nothing:
            return self.none()
        if scope.everything or scope.whole_tree:
            # Every order is credited to someone in a unit of the tree: no filter, so that the
            # list of a head of sales counts the orders, not every credit.
            return self
        # The orders of the credits in scope, found through the credits' (salesperson, order)
        # and (unit, order) indexes: a manager's count reads their orders, not every order.
        credited = Q(unit__in=scope.units())
        if scope.person_id is not None:
            credited |= Q(salesperson_id=scope.person_id)
        return self.filter(pk__in=OrderCredit.objects.filter(credited).values("order_id"))


class Order(TimeStampedModel):
    """A sale (or a cancelled one, or a return of an earlier one) to a customer on a date."""

    source = models.CharField(
        _("source"),
        max_length=40,
        default="manual",
        help_text=_("The system the order comes from."),
    )
    external_id = models.CharField(_("order ID"), max_length=80)
    # Found by customer through the (customer, ordered_on) index below: an index of its own
    # would cost every imported order one more B-tree insert, at a random place.
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    ordered_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.WON
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.COMPANY_CURRENCY)
    # Indexed only where set (the partial index below): few orders are returns.
    original_order = models.ForeignKey(
        "self",
        verbose_name=_("original order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
        help_text=_("For a return: the order it gives back."),
        db_index=False,
    )
    note = models.TextField(_("note"), blank=True)
    # Nothing looks orders up by import (the batch keeps its own counts and report).
    import_batch = models.ForeignKey(
        "core.ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="order_external_id_unique_per_source"
            ),
            models.CheckConstraint(
                condition=Q(status=OrderStatus.RETURNED) | Q(original_order__isnull=True),
                name="order_only_returns_refer_to_an_original",
            ),
        ]
        indexes = [
            models.Index(fields=["ordered_on"]),
            models.Index(fields=["customer", "ordered_on"]),
            models.Index(
                fields=["original_order"],
                condition=Q(original_order__isnull=False),
                name="sales_order_returns",
            ),
            # The exchange-rates page counts the orders in each foreign currency: indexed
            # only where foreign (few), so the company's own orders cost no index entry.
            # Like the column's default, it names the company currency of the migration.
            models.Index(
                fields=["currency"],
                condition=~Q(currency=settings.COMPANY_CURRENCY),
                name="sales_order_foreign_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class OrderLine(models.Model):
    """What was sold on an order: a product line, a quantity, an amount and its cost."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("line"), default=1)
    # Lines are read by order; an index by product line would serve only the rare delete of
    # a product line, and cost every imported line.
    product_line = models.ForeignKey(
        "organization.ProductLine",
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, default=1)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.position}"


class OrderCredit(models.Model):
    """Who is credited for an order, with their share; the unit is theirs on the order date."""

    # Credits are read by order (the unique (order, salesperson) index), and by salesperson
    # and by unit for the orders a salesperson or a manager may see (`Order.visible_to`): the
    # (salesperson, order) and (unit, order) indexes below. Without them a manager's order
    # list counted its orders by testing every order of the company (0.7 s at a million
    # orders). New orders' ids grow, so each credit lands at the end of its person's and its
    # unit's run in those indexes: they cost an import 1–3 %.
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="credits",
        db_index=False,
    )
    salesperson = models.ForeignKey(
        "organization.Person",
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="order_credits",
        db_index=False,
    )
    unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The salesperson's unit on the order date; a later transfer does not move it."),
        db_index=False,
    )
    share = models.PositiveIntegerField(
        _("share"), default=SHARE_SCALE, help_text=_("In basis points: 10,000 is 100 %.")
    )

    class Meta:
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "salesperson"], name="order_credit_once_per_salesperson"
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=SHARE_SCALE),
                name="order_credit_share_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["salesperson", "order"], name="sales_credit_person_orders"),
            models.Index(fields=["unit", "order"], name="sales_credit_unit_orders"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.salesperson_id} {self.share / 100:.2f} %"


class SalesFactQuerySet(VisibleQuerySet["SalesFact"]):
    person_field = "person"
    unit_field = "unit"

    def of_customers(self, customer_ids: Iterable[int]) -> SalesFactQuerySet:
        """The customers' facts, found through their orders (facts have no index by customer)."""
        orders = Order.objects.filter(customer_id__in=list(customer_ids)).values("pk")
        return self.filter(order_id__in=orders)


class SalesFact(models.Model):
    """Derived: one row per order line × credited salesperson, ready to aggregate.

    Money is in integer cents (the credited share of the line, split with the
    largest remainder so the credits add up to the line exactly). The `*_share`
    columns carry the credited share (basis points) on the one row that should
    count the order: the first line of the order (`order_share`), the first
    line of each product line in it (`product_line_order_share`), and the first
    line of a customer's first won order (`new_customer_share`). Returns and
    cancelled orders count no order; cancelled orders have no facts at all.
    """

    # Every reference of a fact is a copy of one that its order, line, credit or customer
    # row holds and the database checks there, in the same transaction. Checked again on
    # the facts, PostgreSQL queued seven lookups per fact for the commit: a sixth of an
    # import. So the facts' foreign keys are not constraints. Deleting an order deletes its
    # facts (through the order's index). Every other reference is held by a protected one
    # (a credit's salesperson and unit, a line's product line, a customer's region and
    # segment, an order's customer): whatever a fact names cannot be deleted while the fact
    # exists, so Django is told not to cascade, which would scan every fact (none of those
    # columns has an index of its own) on each delete of a person, unit, customer or
    # dimension value.
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    ordered_on = models.DateField()
    month = models.PositiveIntegerField(help_text="yyyymm of ordered_on")
    # Facts are read by month (the composite indexes below) and rewritten by order; the
    # single-column indexes Django would add to the other foreign keys cost every import
    # and serve only rare deletes of people, units and dimension values.
    person = models.ForeignKey(
        "organization.Person",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        "organization.OrgUnit",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # A customer's facts are found through their orders (`of_customers`).
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    product_line = models.ForeignKey(
        "organization.ProductLine",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    region = models.ForeignKey(
        "organization.Region",
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    segment = models.ForeignKey(
        "organization.CustomerSegment",
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    revenue_cents = models.BigIntegerField()
    cost_cents = models.BigIntegerField(
        null=True, help_text="NULL when the line has no cost: it then adds no gross profit"
    )
    order_share = models.PositiveIntegerField(default=0)
    product_line_order_share = models.PositiveIntegerField(default=0)
    new_customer_share = models.PositiveIntegerField(default=0)

    objects = SalesFactQuerySet.as_manager()

    class Meta:
        # The order's facts are found through the foreign key's own index (a second index
        # on the same column cost every imported fact one more B-tree insert). The month
        # and person index also holds what a close lists on the statements (each person's
        # orders, their day and revenue), so that reading a quarter's million order lines
        # at L is a scan of the index, not a million lookups of table rows.
        indexes = [
            models.Index(fields=["month", "unit"]),
            models.Index(
                fields=["month", "person", "order", "ordered_on", "revenue_cents"],
                name="sales_fact_month_person_orders",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.person_id} {self.revenue_cents / 100:.2f}"


class SatisfactionQuerySet(VisibleQuerySet["SatisfactionResponse"]):
    person_field = "salesperson"
    unit_field = "unit"


class SatisfactionResponse(TimeStampedModel):
    """A customer's satisfaction answer about a salesperson."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="satisfaction_responses",
    )
    salesperson = models.ForeignKey(
        "organization.Person",
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="satisfaction_responses",
    )
    unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The salesperson's unit on the answer date."),
    )
    scale = models.CharField(
        _("scale"), max_length=10, choices=SurveyScale.choices, default=SurveyScale.FIVE_POINT
    )
    score = models.PositiveSmallIntegerField(_("score"))
    # The score on the 1–5 scale, times 100, so answers on either scale average together.
    score_normalized = models.PositiveSmallIntegerField(editable=False)
    comment = models.TextField(_("comment"), blank=True)
    responded_on = models.DateField(_("date"))
    month = models.PositiveIntegerField(editable=False)
    channel = models.CharField(
        _("channel"), max_length=20, choices=SurveyChannel.choices, default=SurveyChannel.LINK
    )
    external_id = models.CharField(_("external ID"), max_length=80, blank=True)

    objects = SatisfactionQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction response")
        verbose_name_plural = _("satisfaction responses")
        ordering = ["-responded_on", "-pk"]
        indexes = [models.Index(fields=["month", "unit"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scale=SurveyScale.FIVE_POINT) & Q(score__gte=1) & Q(score__lte=5))
                | (Q(scale=SurveyScale.NPS) & Q(score__lte=10)),
                name="satisfaction_score_on_its_scale",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.score}"

    @property
    def scale_remark(self) -> str:
        """The scale said after the score, without parentheses of its own: "NPS 0–10"."""
        return str(SCALE_REMARKS[SurveyScale(self.scale)])


class SurveyInvitationQuerySet(VisibleQuerySet["SurveyInvitation"]):
    person_field = "salesperson"
    unit_field = "salesperson__unit"


class SurveyInvitation(TimeStampedModel):
    """A single-use link a customer opens, without logging in, to answer the survey."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    salesperson = models.ForeignKey(
        "organization.Person",
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    scale = models.CharField(
        _("scale"), max_length=10, choices=SurveyScale.choices, default=SurveyScale.FIVE_POINT
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)
    response = models.OneToOneField(
        SatisfactionResponse,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )

    objects = SurveyInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer_id} ← {self.salesperson_id}"


class ImportMapping(TimeStampedModel):
    """A saved header mapping (and value mapping) for the next import from the same source."""

    kind = models.CharField(_("kind"), max_length=40)
    source = models.CharField(_("source"), max_length=40)
    columns = models.JSONField(_("columns"), default=dict, help_text="field → column header")
    values = models.JSONField(_("values"), default=dict, help_text="dimension → {raw value: id}")

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source"], name="import_mapping_unique_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.source}"


class ExchangeRate(TimeStampedModel):
    """What one unit of a currency is worth in the company currency, from a date on.

    Orders keep the currency and amounts they were sold in; their facts (and so
    every actual, target and bonus) are in the company currency, converted at
    the rate valid on the order date.
    """

    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=8,
        help_text=_("How much one unit of this currency is worth in the company currency."),
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"], name="exchange_rate_unique_per_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.valid_from}: {self.rate}"


class SalesTotals(models.Model):
    """What every totals table keeps: the credit unit, the person and every tally the actuals
    need, summed over the facts of a row's key (kept by triggers: `sales/totals.py`)."""

    # Kept by triggers, never by Django: no constraint, no cascade, no extra index.
    unit = models.ForeignKey(
        "organization.OrgUnit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    person = models.ForeignKey(
        "organization.Person",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    revenue_cents = models.BigIntegerField()
    profit_cents = models.BigIntegerField(help_text="revenue − cost of the facts with a cost")
    facts_count = models.IntegerField()
    order_share = models.BigIntegerField()
    order_facts = models.IntegerField()
    product_line_order_share = models.BigIntegerField()
    product_line_order_facts = models.IntegerField()
    new_customer_share = models.BigIntegerField()
    new_customer_facts = models.IntegerField()

    class Meta:
        abstract = True


class SalesYearTotalQuerySet(VisibleQuerySet["SalesYearTotal"]):
    person_field = "person"
    unit_field = "unit"


class SalesYearTotal(SalesTotals):
    """Derived from `SalesFact` by database triggers: its sums per fiscal year and slice.

    One row per fiscal year (`first_month`, the yyyymm it starts with), credit
    unit, person, product line, region and segment (0 for none), with every
    tally the actuals need. The triggers (`sales/totals.py`) add and subtract
    each written, changed or deleted fact inside the same transaction, so the
    rows always equal a GROUP BY of the facts; nothing in Python writes here.
    A year of a large company is a few rows per person instead of one per
    order line, which is what makes year actuals and allocation history fast.
    """

    first_month = models.PositiveIntegerField(help_text="yyyymm the fiscal year starts with")
    product_line_id = models.IntegerField()
    region_id = models.IntegerField(help_text="0: none")
    segment_id = models.IntegerField(help_text="0: none")

    objects = SalesYearTotalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "first_month",
                    "unit",
                    "person",
                    "product_line_id",
                    "region_id",
                    "segment_id",
                ],
                name="sales_year_total_slice",
            )
        ]
        # A unit's or a person's years (the cascade editor, a team's history) seek here; the
        # slice index above serves the whole company's years.
        indexes = [
            models.Index(fields=["unit", "first_month"]),
            models.Index(fields=["person", "first_month"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_month} {self.unit_id}/{self.person_id}: {self.revenue_cents / 100:.2f}"


class SalesProductLineYearTotalQuerySet(VisibleQuerySet["SalesProductLineYearTotal"]):
    person_field = "person"
    unit_field = "unit"


class SalesProductLineYearTotal(SalesTotals):
    """Derived from `SalesFact` by the same triggers: its sums per fiscal year, credit unit,
    person and product line.

    The grain of the year actuals split by product line (a year's table by product
    line, allocation history by product line): a tenth of the rows of the full slices of
    `SalesYearTotal`, which keep region and segment too.
    """

    first_month = models.PositiveIntegerField(help_text="yyyymm the fiscal year starts with")
    product_line_id = models.IntegerField()

    objects = SalesProductLineYearTotalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["first_month", "unit", "person", "product_line_id"],
                name="sales_product_line_year_total_slice",
            )
        ]
        indexes = [
            models.Index(fields=["unit", "first_month"]),
            models.Index(fields=["person", "first_month"]),
        ]

    def __str__(self) -> str:
        return (
            f"{self.first_month} {self.unit_id}/{self.person_id}/{self.product_line_id}: "
            f"{self.revenue_cents / 100:.2f}"
        )


class SalesMonthTotalQuerySet(VisibleQuerySet["SalesMonthTotal"]):
    person_field = "person"
    unit_field = "unit"


class SalesMonthTotal(SalesTotals):
    """Derived from `SalesFact` by the same triggers: its sums per month, credit unit and person.

    The coarse grain of the actuals that need no split — a period close (every
    person's and unit's quarter), seasonality, allocation history by child: a
    month of a large company is one row per person instead of one per order line.
    """

    month = models.PositiveIntegerField(help_text="yyyymm")

    objects = SalesMonthTotalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "person"], name="sales_month_total_slice"
            )
        ]
        # The slice index serves the whole company's months; a unit's or a person's seek here.
        indexes = [
            models.Index(fields=["unit", "month"]),
            models.Index(fields=["person", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.unit_id}/{self.person_id}: {self.revenue_cents / 100:.2f}"


class SalesTotalsState(models.Model):
    """Which fiscal year the triggers of `SalesYearTotal` (and `SalesMonthTotal`) were
    installed for (one row).

    The years start in `FISCAL_YEAR_START_MONTH`; when the setting changes,
    `migrate` installs the triggers again and rebuilds the totals. Until then —
    or without this row — actuals read the facts.
    """

    fiscal_start_month = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"fiscal years start in month {self.fiscal_start_month}"
