"""Demo loader of incentive plans and statements: the default commission plan for salespeople,
the statements of the last closed quarter, and one question on the sales login's statement,
answered by the manager login.

Run after `salesalign.performance.demo` (which closes and publishes the quarter):
`load_statements_demo(context=context)`, or list this module in `DEMO_LOADERS` after it
(`load` is the same function). Repeatable: the plan is found by its name, statements are
computed only when the quarter's current version has none, and the question is asked once.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from salesalign.core.choices import Role
from salesalign.organization.models import Person
from salesalign.performance.choices import PeriodKind
from salesalign.performance.models import EvaluationPeriod, IncentivePlan, Statement
from salesalign.performance.services import statements

if TYPE_CHECKING:
    from salesalign.core.management.commands.load_demo import DemoContext

PLAN_NAME = "销售提成方案（默认）"
PLAN_NAME_EN = "Default sales commission plan"
QUESTION = "第二档的提成比例是怎么算的？退货会影响本季度的提成吗？"
ANSWER = (
    "达成率在80%到100%之间的部分按3%计算，超过100%的部分按5%计算。"
    "退货计入退货发生的那个季度，会降低该季度的业绩和提成。"
)

#: Marginal tiers 2 % to 80 %, 3 % to 100 %, 5 % above (2.2 % of the target at 100 %);
#: capped at 200,000.00 a quarter, so that only the best quarters reach it (a typical
#: quarterly target of 2.8 million earns about 61,600.00 at 100 % and the cap near 200 %);
#: no commission when customer satisfaction is below 3.5; a quarterly team bonus of
#: 3,000.00 at 100 % of the team's target, paid from 90 %.
DEFINITION = {
    "components": [
        {
            "key": "个人提成",
            "name_en": "Individual commission",
            "kind": "commission",
            "period_kind": "quarter",
            "tiers": [
                {"from": "0", "rate": "2"},
                {"from": "80", "rate": "3"},
                {"from": "100", "rate": "5"},
            ],
            "cap": 20_000_000,
            "gates": [{"measure": "customer_satisfaction", "minimum": "3.5"}],
        },
        {
            "key": "团队奖金",
            "name_en": "Team bonus",
            "kind": "bonus",
            "scope": "team",
            "period_kind": "quarter",
            "mode": "flat",
            "tiers": [{"from": "0", "rate": "100"}],
            "threshold": "90",
            "target_amount": 300_000,
            "cap": 600_000,
        },
    ]
}


def incentive_plan(hr: Person, today: date) -> IncentivePlan:
    """The salespeople's commission plan (made once); periods closed after it get statements."""
    plan = IncentivePlan.objects.filter(name=PLAN_NAME).first()
    if plan is None:
        plan = statements.plan_save(
            actor=hr.user,
            name=PLAN_NAME,
            name_en=PLAN_NAME_EN,
            role=Role.SALESPERSON,
            definition=DEFINITION,
            valid_from=date(today.year - 1, 1, 1),
        )
    return plan


def load_statements_demo(*, context: DemoContext) -> None:
    """The default plan, the last closed quarter's statements and one answered question."""
    shared = context.shared
    hr: Person = shared["hr"]
    manager: Person = shared["manager"]
    salesperson: Person = shared["salesperson"]
    plan = incentive_plan(hr, context.today)
    quarter = (
        EvaluationPeriod.objects.closed().filter(kind=PeriodKind.QUARTERLY).order_by("-end").first()
    )
    if quarter is None:
        context.stdout.write("Statements: no closed quarter; only the plan was written.")
        return
    if not Statement.objects.filter(period=quarter, version=quarter.version).exists():
        statements.statements_compute(quarter)
    written = Statement.objects.filter(period=quarter, version=quarter.version)
    mine = (
        written.filter(person=salesperson)
        .select_related("period", "person", "person__unit")
        .first()
    )
    if mine is not None and quarter.is_published and not mine.questions.exists():
        question = statements.statement_question_ask(
            actor=salesperson.user, statement=mine, text=QUESTION, line=mine.lines.first()
        )
        statements.statement_question_answer(actor=manager.user, question=question, text=ANSWER)
    context.stdout.write(
        f"Statements {quarter.key}: {written.count()} computed with “{plan.name}”; "
        "one question answered."
    )


load = load_statements_demo
