"""Reads of bonus statements: one's own, a statement explained line by line, a unit's list.

Visibility is `Statement.objects.visible_to(user)`: a person sees their own once the
period is published, a manager the statements of the units they manage, HR,
executives and admins every statement. Only each period's current version is listed.
Every line is explained in words (translated) from its code and params: the tier and
its rate, the orders counted (external id, date, credited amount), gates, caps, draws,
adjustments with their reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from salesalign.core.languages import in_english
from salesalign.core.numbers import grouped, percent_text
from salesalign.core.roles import person_of
from salesalign.core.templatetags.punctuation import sentences
from salesalign.performance.models import (
    EvaluationPeriod,
    Statement,
    StatementLine,
    StatementQuestion,
)
from salesalign.performance.services.statements import (
    ADJUSTMENT,
    can_export_payout,
    can_review,
)
from salesalign.sales.models import Order


def money(cents: int | None) -> str:
    """Cents as a localised amount with two decimals (1234567 → 12,345.67)."""
    if cents is None:
        return ""
    return grouped(Decimal(cents) / 100, 2)


def _percent(value: Any) -> str:
    if value in (None, ""):
        return ""
    return percent_text(number_format(Decimal(str(value)), decimal_pos=2))


def _measure_label(measure: str) -> str:
    from salesalign.core.choices import Metric

    if measure == "score":
        return _("scorecard score")
    try:
        return str(Metric(measure).label).lower()
    except ValueError:
        return measure


@dataclass(frozen=True)
class CountedOrder:
    """An order (or its part) counted on a line: its external id, day and credited cents."""

    external_id: str
    day: str
    cents: int

    @property
    def amount(self) -> str:
        return money(self.cents)


@dataclass(frozen=True)
class ExplainedLine:
    """A statement line with its explanation in words."""

    line: StatementLine
    title: str
    text: str
    orders: tuple[CountedOrder, ...] = ()

    @property
    def amount(self) -> str:
        return money(self.line.amount_cents)

    #: The part of the plan it belongs to, as the page's language names it.
    component: str = ""

    @property
    def full_title(self) -> str:
        """The title with the part of the plan it belongs to (个人提成 › Tier 1)."""
        component = self.component
        return f"{component} › {self.title}" if component else self.title


def _tier_text(params: Mapping[str, Any], line: StatementLine) -> tuple[str, str]:
    rate = _percent(line.rate)
    tier_to = params.get("tier_to", "")
    band = (
        _("from %(start)s to %(end)s attainment")
        % {"start": _percent(params.get("tier_from")), "end": _percent(tier_to)}
        if tier_to != ""
        else _("from %(start)s attainment") % {"start": _percent(params.get("tier_from"))}
    )
    title = _("Tier %(tier)s (%(band)s)") % {"tier": params.get("tier"), "band": band}
    parts = []
    if params.get("attainment", "") != "":
        parts.append(
            _("Attainment %(attainment)s.") % {"attainment": _percent(params["attainment"])}
        )
    if "base_from" in params and "target_amount" not in params:
        if params.get("base_to", "") != "":
            parts.append(
                _("This slice counts revenue from %(low)s to %(high)s.")
                % {"low": money(params["base_from"]), "high": money(params["base_to"])}
            )
        else:
            parts.append(
                _("This slice counts revenue above %(low)s.") % {"low": money(params["base_from"])}
            )
    if "target_amount" in params:
        target_bonus = money(params["target_amount"])
        parts.append(_("Target bonus at 100 %%: %(amount)s.") % {"amount": target_bonus})
        if "base_from" in params:  # a slice of the bonus earned, one rate each
            if params.get("base_to", "") != "":
                parts.append(
                    _("This slice counts the bonus earned from %(low)s to %(high)s.")
                    % {"low": money(params["base_from"]), "high": money(params["base_to"])}
                )
            else:
                parts.append(
                    _("This slice counts the bonus earned above %(low)s.")
                    % {"low": money(params["base_from"])}
                )
        elif params.get("attainment", "") != "":
            # The bonus earned is the target bonus scaled by the attainment: say so, or the
            # base below comes from nowhere.
            parts.append(
                _("Earned at %(attainment)s: %(amount)s × %(attainment)s = %(earned)s.")
                % {
                    "attainment": _percent(params["attainment"]),
                    "amount": target_bonus,
                    "earned": money(line.base_cents),
                }
            )
    multiplier = Decimal(str(params.get("multiplier") or "1"))
    if multiplier != 1:
        parts.append(
            _("Tier rate %(tier_rate)s × %(factor)s from %(start)s attainment.")
            % {
                "tier_rate": _percent(params.get("tier_rate")),
                "factor": number_format(multiplier, decimal_pos=2),
                "start": _percent(params.get("multiplier_from")),
            }
        )
    parts.append(
        _("%(base)s × %(rate)s = %(amount)s.")
        % {"base": money(line.base_cents), "rate": rate, "amount": money(line.amount_cents)}
    )
    return title, sentences(parts)


def explain(line: StatementLine) -> tuple[str, str]:
    """A line's title and its explanation in the reader's language."""
    details = line.details or {}
    params: Mapping[str, Any] = details.get("params") or {}
    code = line.code
    if code == "tier":
        return _tier_text(params, line)
    if code == "no_target":
        missing = {
            "target": _("target"),
            "actual": _("actual"),
            "team": _("team figures"),
        }.get(str(params.get("missing")), str(params.get("missing")))
        return _("No target"), _(
            "There is no %(missing)s for %(measure)s in this period, so this part pays nothing."
        ) % {"missing": missing, "measure": _measure_label(str(params.get("measure")))}
    if code == "no_target_amount":
        return _("No target bonus"), _(
            "No bonus amount at 100 % is set, so this part pays nothing."
        )
    if code == "threshold_not_met":
        return _("Below the threshold"), _(
            "Attainment %(attainment)s is below the threshold of %(threshold)s: nothing is paid."
        ) % {
            "attainment": _percent(params.get("attainment")),
            "threshold": _percent(params.get("threshold")),
        }
    if code == "nothing_earned":
        if "sales" in params:
            return _("Nothing earned"), _(
                "Returns (%(returns)s) are as large as the sales (%(sales)s): nothing is earned "
                "and nothing is taken back."
            ) % {"returns": money(params.get("returns")), "sales": money(params.get("sales"))}
        return _("Nothing earned"), _("Nothing is earned at this attainment.")
    if code == "clawback":
        return _("Clawback"), _(
            "Returns (%(returns)s) exceed the sales (%(sales)s): %(base)s × %(rate)s is taken "
            "back (%(amount)s)."
        ) % {
            "returns": money(params.get("returns")),
            "sales": money(params.get("sales")),
            "base": money(line.base_cents),
            "rate": _percent(line.rate),
            "amount": money(line.amount_cents),
        }
    if code in ("component_cap", "plan_cap"):
        title = _("Cap of this part") if code == "component_cap" else _("Cap of the plan")
        return title, _("Earned %(uncapped)s, capped at %(cap)s: %(amount)s.") % {
            "uncapped": money(params.get("uncapped")),
            "cap": money(params.get("cap")),
            "amount": money(line.amount_cents),
        }
    if code == "gate_failed":
        value = params.get("value", "")
        return _("Gate not met"), _(
            "%(measure)s is %(value)s, below the minimum of %(minimum)s: %(forfeited)s is withheld."
        ) % {
            "measure": _measure_label(str(params.get("measure"))).capitalize(),
            "value": _("missing") if value in ("", None) else number_format(Decimal(str(value)), 2),
            "minimum": number_format(Decimal(str(params.get("minimum"))), 2),
            "forfeited": money(params.get("forfeited")),
        }
    if code in ("guarantee", "draw"):
        title = _("Guarantee") if code == "guarantee" else _("Draw")
        text = _(
            "New hire since %(hire_date)s: %(months)s month(s) guaranteed at %(guaranteed)s; "
            "earned %(earned)s, topped up by %(amount)s."
        ) % {
            "hire_date": params.get("hire_date"),
            "months": params.get("months"),
            "guaranteed": money(params.get("guaranteed")),
            "earned": money(params.get("earned")),
            "amount": money(line.amount_cents),
        }
        if code == "draw":
            text += " " + _("Still to repay from later earnings: %(balance)s.") % {
                "balance": money(params.get("balance_after"))
            }
        return title, text
    if code == "draw_recovery":
        return _("Draw repaid"), _(
            "%(amount)s of the earnings above the guarantee repay the draw; still owed: "
            "%(balance)s."
        ) % {"amount": money(-line.amount_cents), "balance": money(params.get("balance_after"))}
    if code == ADJUSTMENT:
        return _("Adjustment"), line.reason
    return code, ""


def _stored_orders(details: Mapping[str, Any]) -> list[tuple[Any, Any, Any]]:
    """A line's orders as (order, day, amount): stored as [order, day, amount] arrays, or
    as {"order", "day", "amount"} objects by the closes before that form."""
    return [
        (item["order"], item["day"], item["amount"]) if isinstance(item, Mapping) else tuple(item)
        for item in details.get("orders") or ()
    ]


def _counted_orders(
    details: Mapping[str, Any], external_ids: Mapping[int, str]
) -> tuple[CountedOrder, ...]:
    return tuple(
        CountedOrder(
            external_id=external_ids.get(order, f"#{order}")
            if isinstance(order, int)
            else str(order),
            day=str(day),
            cents=int(amount),
        )
        for order, day, amount in _stored_orders(details)
    )


def component_names(plan: Any) -> dict[str, str]:
    """The names of a plan's components in the page's language, by key: on an English page
    the English name the plan gives, else the key (the name it was written with)."""
    if not in_english():
        return {}
    definition = getattr(plan, "definition", None) or {}
    return {
        str(component.get("key")): str(component["name_en"])
        for component in definition.get("components") or ()
        if isinstance(component, dict) and component.get("name_en")
    }


def explain_lines(
    lines: Sequence[StatementLine], names: Mapping[str, str] | None = None
) -> list[ExplainedLine]:
    """The lines explained, orders named by their external ids (one query for all); each
    line's part of the plan named by `names` (component_names) where it has a name."""
    order_ids = sorted(
        {
            order
            for line in lines
            for order, _day, _amount in _stored_orders(line.details or {})
            if isinstance(order, int)
        }
    )
    external_ids = dict(
        Order.objects.filter(pk__in=order_ids).values_list("pk", "external_id") if order_ids else []
    )
    explained = []
    for line in lines:
        title, text = explain(line)
        orders = _counted_orders(line.details or {}, external_ids)
        component = line.component or ""
        explained.append(
            ExplainedLine(
                line=line,
                title=title,
                text=text,
                orders=orders,
                component=(names or {}).get(component, component),
            )
        )
    return explained


# --- reading statements --------------------------------------------------------------------

_RELATED = ("period", "person", "person__unit", "unit", "plan")


def visible_statements(*, user: Any) -> QuerySet[Statement]:
    """The statements of the current versions the user may read."""
    return Statement.objects.visible_to(user).filter(version=F("period__version"))


def statement_get(*, user: Any, pk: int) -> Statement:
    """One statement the user may read (any version), or 404."""
    found = Statement.objects.visible_to(user).select_related(*_RELATED).filter(pk=pk).first()
    if found is None:
        raise Http404("No such statement.")
    return found


def my_statements(*, user: Any) -> list[Statement]:
    """The user's own statements (published periods), newest first."""
    me = person_of(user)
    if me is None:
        return []
    return _with_totals(
        visible_statements(user=user)
        .filter(person_id=me.pk)
        .select_related(*_RELATED)
        .order_by("-period__end", "period__kind")
    )


def _with_totals(statements: Iterable[Statement]) -> list[Statement]:
    """The statements, each with `total_text`: its total as the pages show it."""
    rows = list(statements)
    for row in rows:
        row.total_text = money(row.total_cents)  # type: ignore[attr-defined]
    return rows


@dataclass
class StatementPage:
    """A statement with its explained lines, its question thread and what the reader may do."""

    statement: Statement
    lines: list[ExplainedLine]
    questions: list[StatementQuestion]
    components: list[dict[str, Any]] = field(default_factory=list)
    may_ask: bool = False
    may_review: bool = False
    is_own: bool = False  # the reader's own statement (else a manager's or HR's view)

    @property
    def total(self) -> str:
        return money(self.statement.total_cents)

    @property
    def is_current(self) -> bool:
        return self.statement.version == self.statement.period.version


def statement_page(*, user: Any, statement: Statement) -> StatementPage:
    """Everything the statement page shows; a constant number of queries."""
    lines = list(statement.lines.select_related("created_by__person").order_by("position", "pk"))
    questions = list(
        statement.questions.select_related("asked_by__person", "answered_by__person", "line")
    )
    me = person_of(user)
    current = statement.version == statement.period.version and statement.period.is_closed
    names = component_names(statement.plan)
    components = []
    for component in (statement.computed or {}).get("components") or ():
        key = str(component.get("key"))
        components.append(
            {
                **component,
                "name": names.get(key, key),
                "measure_label": _measure_label(str(component.get("measure"))),
                "attainment_text": _percent(component.get("attainment")),
                "payout_text": money(component.get("payout")),
                "gates": [
                    {**gate, "measure_label": _measure_label(str(gate.get("measure")))}
                    for gate in component.get("gates") or ()
                ],
            }
        )
    explained = explain_lines(lines, names)
    # A line is named with its part of the plan: two parts may both have a "Tier 1".
    titles = {item.line.pk: item.full_title for item in explained}
    for question in questions:
        # A question about a line names it as the table does, not by its code.
        title = titles.get(question.line_id, "") if question.line_id is not None else ""
        question.line_title = title  # type: ignore[attr-defined]
    is_own = me is not None and me.pk == statement.person_id
    return StatementPage(
        statement=statement,
        lines=explained,
        questions=questions,
        components=components,
        may_ask=is_own and statement.period.is_published and current,
        may_review=current and can_review(user, statement),
        is_own=is_own,
    )


#: Statements on a page of a period's overview.
STATEMENTS_PER_PAGE = 50


@dataclass(frozen=True)
class UnitStatements:
    """A page of the statements of a period the reader sees, with the count, total and open
    questions of all of them."""

    period: EvaluationPeriod
    page: Page
    rows: list[Statement]
    total_cents: int
    open_questions: int
    may_export: bool

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def total(self) -> str:
        return money(self.total_cents)


def statements_for_period(
    *, user: Any, period: EvaluationPeriod, page_number: Any = 1
) -> UnitStatements:
    """One page of the statements of the period's current version the reader sees (their
    units', or all for company-wide roles), each with its count of open questions, and the
    count, total and open questions of all of them; five queries, whatever their number."""
    visible = visible_statements(user=user).filter(period=period)
    rows_query = (
        visible.select_related("person", "unit", "plan")
        .annotate(open_questions=Count("questions", filter=Q(questions__answered_at__isnull=True)))
        .order_by("unit__path", "person__employee_number", "pk")
    )
    page = Paginator(rows_query, STATEMENTS_PER_PAGE).get_page(page_number)
    total = visible.aggregate(total=Sum("total_cents"))["total"] or 0
    open_count = StatementQuestion.objects.filter(
        statement__in=visible.values("pk"), answered_at__isnull=True
    ).count()
    return UnitStatements(
        period=period,
        page=page,
        rows=_with_totals(page.object_list),
        total_cents=int(total),
        open_questions=open_count,
        may_export=can_export_payout(user) and period.is_closed,
    )


def periods_with_statements(*, user: Any) -> list[EvaluationPeriod]:
    """Closed periods with statements the reader sees, newest first; one query."""
    ids = visible_statements(user=user).values("period_id")
    return list(
        EvaluationPeriod.objects.visible_to(user)
        .closed()
        .filter(pk__in=ids)
        .order_by("-end", "kind")
    )


def total_of(statements: Sequence[Statement]) -> int:
    """The sum of the statements' totals, in cents."""
    return sum(statement.total_cents for statement in statements)


def lines_total(statement: Statement) -> int:
    """The sum of the statement's stored lines (equal to its total)."""
    return int(statement.lines.aggregate(total=Sum("amount_cents"))["total"] or 0)


def question_get(*, user: Any, pk: int) -> StatementQuestion:
    """A question on a statement the user may read, or 404."""
    found = (
        StatementQuestion.objects.select_related(
            "statement", "statement__period", "statement__person", "statement__person__unit"
        )
        .filter(pk=pk, statement__in=Statement.objects.visible_to(user))
        .first()
    )
    if found is None:
        raise Http404("No such question.")
    return found
