"""Demo loader: the last closed quarter of 华辰智能科技, with feedback, 360° rounds, actions and
the Shanghai team's retrospective — all made through the services.

Run by `manage.py load_demo` after the targets loader (see the command's
docstring for the contract). Keyed by the quarter: when it already exists,
nothing is written, so a second run changes nothing.

What it leaves (the quarter before the one `--today` falls in):

- the quarter, opened, closed and published by HR; the current quarter open;
- manager feedback from the manager login to the sales login and three
  colleagues (submitted), self-assessments of the sales login and two
  colleagues — one still a draft;
- a closed 360° round about the sales login with seven answers (four peers,
  the department head and two colleagues from other departments): the peers
  are shown as a group, the rest pooled as "others";
- a closed 360° round about a colleague with only two answers: nothing shows;
- the Shanghai team's retrospective of the quarter with two actions, and
  actions from the sales login's feedback and 360° round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.defaultfilters import pluralize
from django.utils import timezone

from salesalign.core.choices import Role
from salesalign.engines.periods import (
    Period,
    fiscal_year_of,
    period_containing,
    shifted,
    year_period,
)
from salesalign.engines.periods import PeriodKind as EnginePeriodKind
from salesalign.organization.models import OrgUnit, Person
from salesalign.performance import demo_statements
from salesalign.performance.choices import FeedbackKind, PeriodKind, Relationship
from salesalign.performance.models import (
    EvaluationPeriod,
    Feedback,
    FeedbackRound,
    ImprovementRule,
    Kpi,
    PromotionCandidate,
    PromotionRule,
    RoundInvitation,
    Scorecard,
    ScorecardTemplate,
    Statement,
)
from salesalign.performance.selectors.development import improvement_flags
from salesalign.performance.services import (
    actions,
    development,
    feedback,
    periods,
    retrospectives,
    rounds,
    scorecards,
)
from salesalign.performance.standard_kpis import STANDARD, standard_kpi_defaults

if TYPE_CHECKING:
    from salesalign.core.management.commands.load_demo import DemoContext

QUESTIONS = [
    "沟通清晰，及时同步客户和项目进展。",
    "乐于帮助同事，分享经验和客户资源。",
    "熟悉公司产品，能准确把握客户需求。",
    "对客户和同事的承诺言出必行。",
]


@dataclass(frozen=True)
class StandIn:
    """A colleague without a login acting in the demo: what the services read of a user."""

    person: Person
    pk: None = None
    is_authenticated: bool = True
    is_superuser: bool = False


def _user(person: Person) -> Any:
    return person.user if person.user_id else StandIn(person=person)


def load(*, context: DemoContext) -> None:
    """Create the last closed quarter with its feedback, 360° rounds and retrospective, once."""
    start_month = settings.FISCAL_YEAR_START_MONTH
    current = period_containing(context.today, EnginePeriodKind.QUARTER, start_month)
    last = shifted(current, -1)
    if EvaluationPeriod.objects.filter(kind=PeriodKind.QUARTERLY, start=last.start).exists():
        context.stdout.write(f"Performance {last.key}: already there; nothing changed.")
        return
    shared = context.shared
    hr: Person = shared["hr"]
    manager: Person = shared["manager"]
    salesperson: Person = shared["salesperson"]
    team: OrgUnit = shared["demo_team"]
    colleagues = list(
        Person.objects.filter(unit=team, role=Role.SALESPERSON, is_active=True)
        .exclude(pk=salesperson.pk)
        .select_related("unit")
        .order_by("employee_number")
    )
    _scorecard_template(hr)
    demo_statements.incentive_plan(hr, context.today)
    _development_rules()
    # The quarters of this fiscal year before the last one are closed too, so ratings have
    # a history (promotion looks at several quarters, improvement at quarters in a row).
    year = year_period(fiscal_year_of(last.start, start_month), start_month)
    earlier = shifted(last, -1)
    earlier_quarters: list[Period] = []
    while earlier.start >= year.start:
        earlier_quarters.insert(0, earlier)
        earlier = shifted(earlier, -1)
    for item in earlier_quarters:
        closed = _close_quarter(hr, item.start, start_month, context.today)
        periods.period_publish(actor=hr.user, period=closed)
    quarter = _close_quarter(hr, last.start, start_month, context.today)
    _open_current(hr, current.start, start_month)
    _feedback(quarter, manager=manager, salesperson=salesperson, colleagues=colleagues)
    periods.period_publish(actor=hr.user, period=quarter)
    random = context.random("performance-360")
    parent = OrgUnit.objects.get_parent(team, update=True)
    department = OrgUnit.objects.select_related("manager").get(pk=parent.pk)
    strangers = list(
        Person.objects.filter(role=Role.SALESPERSON, is_active=True)
        .exclude(unit__path__startswith=department.path)
        .select_related("unit")
        .order_by("employee_number")[:3]
    )
    shown = _round(
        manager,
        quarter,
        salesperson,
        [
            *[(person, Relationship.PEER) for person in colleagues[:4]],
            (department.manager, Relationship.MANAGER),
            *[(person, Relationship.OTHER_DEPARTMENT) for person in strangers[:2]],
        ],
        answers=7,
        random=random,
    )
    _round(
        manager,
        quarter,
        colleagues[0],
        [(person, Relationship.PEER) for person in [salesperson, *colleagues[1:3]]],
        answers=2,
        random=random,
    )
    _actions(
        quarter,
        today=context.today,
        manager=manager,
        salesperson=salesperson,
        colleagues=colleagues,
        round_=shown,
    )
    demo_statements.load_statements_demo(context=context)
    plans_opened = _improvement_plans(hr, context.today)
    reminded = actions.actions_notify_due(today=context.today)
    candidates = PromotionCandidate.objects.count()
    context.stdout.write(
        f"Performance {quarter.key}: closed and published; feedback for "
        f"{1 + min(3, len(colleagues))} people; two 360° rounds (7 answers shown, 2 hidden); "
        f"the {team.code} retrospective; {reminded} action{pluralize(reminded)} due soon, "
        "their owners reminded; "
        f"{Scorecard.objects.filter(period=quarter).count()} scorecards, "
        f"{Statement.objects.filter(period=quarter).count()} statements, "
        f"{candidates} promotion candidate{pluralize(candidates)}, "
        f"{plans_opened} improvement plan{pluralize(plans_opened)}."
    )


def _standard_kpis() -> None:
    """The ready-made KPIs a migration seeds, back if something took them (a flushed database)."""
    for row in STANDARD:
        key, defaults = standard_kpi_defaults(row)
        if not Kpi.objects.filter(key=key).exists():
            Kpi.objects.create(key=key, **defaults)


def _scorecard_template(hr: Person) -> None:
    """The salespeople's scorecard: revenue, new customers, satisfaction and gross margin."""
    _standard_kpis()
    if ScorecardTemplate.objects.filter(name="销售人员计分卡").exists():
        return
    scorecards.template_save(
        actor=hr.user,
        name="销售人员计分卡",
        name_en="Salesperson scorecard",
        role=Role.SALESPERSON,
        lines=[
            {
                "kpi": "revenue",
                "weight": "50",
                "rule": {"kind": "linear", "floor": "0", "cap": "130"},
            },
            {
                "kpi": "new_customers",
                "weight": "20",
                # The plan sets revenue targets only: one new customer a quarter is everyone's.
                # A quarter without one still scores 40: most salespeople win few new ones.
                "rule": {
                    "target": "1",
                    "kind": "bands",
                    "bands": [
                        {"from": "0", "score": "40"},
                        {"from": "100", "score": "100"},
                        {"from": "200", "score": "120"},
                    ],
                },
            },
            {
                "kpi": "customer_satisfaction",
                "weight": "15",
                "rule": {"kind": "linear", "floor": "0", "cap": "120", "target": "4.2"},
            },
            {
                "kpi": "gross_margin",
                "weight": "15",
                "rule": {"kind": "linear", "floor": "0", "cap": "120", "target": "35"},
            },
        ],
        # S from 115 points: about one salesperson in ten in a quarter.
        rating_bands=[
            {"code": "S", "min_score": "115"},
            {"code": "A", "min_score": "100"},
            {"code": "B", "min_score": "80"},
            {"code": "C", "min_score": "60"},
            {"code": "D", "min_score": None},
        ],
    )


def _development_rules() -> None:
    """A promotion rule for strong quarters and an improvement rule for weak ones in a row."""
    PromotionRule.objects.get_or_create(
        name="近四个季度三次 A 及以上",
        defaults={
            "name_en": "A or better in 3 of the last 4 quarters",
            "ratings": ["S", "A"],
            "required": 3,
            "of_last": 4,
            "period_kind": PeriodKind.QUARTERLY,
            "role": Role.SALESPERSON,
        },
    )
    if not ImprovementRule.objects.exists():
        ImprovementRule.objects.create(
            below_score=Decimal(70), ratings=["D"], consecutive=2, period_kind=PeriodKind.QUARTERLY
        )


def _improvement_plans(hr: Person, today: date) -> int:
    """A plan for up to two of the people the improvement rule flags, with a coaching session
    held and the next one planned."""
    flags = improvement_flags(user=hr.user)[:2]
    goals = [
        "每月新增 2 个有效商机，季度收入达成率不低于 80%。",
        "每周复盘重点客户拜访，季度毛利率回到 30% 以上。",
    ]
    for flag, goal in zip(flags, goals, strict=False):
        plan = development.improvement_plan_open(
            actor=hr.user,
            person=flag.person,
            goals=goal,
            training="顾问式销售\n价格谈判",
            reason="连续两个季度评分低于 70 分。",
            evidence=flag.evidence,
            starts_on=today,
            review_on=today + timedelta(days=60),
        )
        development.coaching_session_add(
            actor=hr.user, plan=plan, held_on=today, notes="一起梳理了商机漏斗，约定每周五复盘。"
        )
        # The next one is planned ahead (from the real date: a plan is not planned in the past).
        development.coaching_session_plan(
            actor=hr.user,
            plan=plan,
            held_on=max(today, timezone.localdate()) + timedelta(days=14),
            agenda="复盘两周内新增商机的推进情况；演练一次价格谈判。",
        )
    return len(flags)


def _close_quarter(hr: Person, start: date, start_month: int, today: date) -> EvaluationPeriod:
    fiscal_year = fiscal_year_of(start, start_month)
    number = ((start.month - start_month) % 12) // 3 + 1
    quarter = periods.period_open(
        actor=hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=fiscal_year, number=number
    )
    return periods.period_close(actor=hr.user, period=quarter, today=today)


def _open_current(hr: Person, start: date, start_month: int) -> None:
    if EvaluationPeriod.objects.filter(kind=PeriodKind.QUARTERLY, start=start).exists():
        return
    fiscal_year = fiscal_year_of(start, start_month)
    number = ((start.month - start_month) % 12) // 3 + 1
    periods.period_open(
        actor=hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=fiscal_year, number=number
    )


MANAGER_FEEDBACK = [
    (
        4,
        "季度回款率高，华东两家汽车零部件客户的方案做得扎实。",
        "新客户开拓偏慢，建议每周固定安排两次陌生拜访。",
    ),
    (5, "超额完成季度目标，AGV 项目推进迅速。", "报价审批材料可以更早准备。"),
    (3, "客户满意度保持稳定。", "商机录入不及时，影响团队预测。"),
    (4, "积极支持新人，团队协作好。", "大客户谈判经验还需积累，可参加下季度谈判培训。"),
]
SELF_ASSESSMENTS = [
    (4, "完成了重点客户续约，满意度调研得分提升。", "需要提升新行业的产品知识。", True),
    (4, "拿下两个新客户。", "时间管理还要加强。", True),
    (3, "维护了老客户关系。", "下季度争取更多新项目。", False),
]


def _feedback(
    quarter: EvaluationPeriod, *, manager: Person, salesperson: Person, colleagues: list[Person]
) -> None:
    people = [salesperson, *colleagues[:3]]
    for person, (rating, went_well, to_improve) in zip(people, MANAGER_FEEDBACK, strict=False):
        feedback.feedback_save(
            actor=manager.user,
            period=quarter,
            person=person,
            kind=FeedbackKind.MANAGER,
            rating=rating,
            went_well=went_well,
            to_improve=to_improve,
            submit=True,
        )
    for person, (rating, went_well, to_improve, submit) in zip(
        people, SELF_ASSESSMENTS, strict=False
    ):
        feedback.feedback_save(
            actor=_user(person),
            period=quarter,
            person=person,
            kind=FeedbackKind.SELF,
            rating=rating,
            went_well=went_well,
            to_improve=to_improve,
            submit=submit,
        )


COMMENTS = [
    "对客户需求理解很到位，方案讲解清楚。",
    "跨部门协作时响应很快。",
    "有时项目进展同步不够及时。",
    "",
    "愿意分享客户资源，帮助新人很多。",
    "",
    "",
]


def _round(
    manager: Person,
    quarter: EvaluationPeriod,
    person: Person,
    invitees: list[tuple[Person | None, str]],
    *,
    answers: int,
    random: Any,
) -> FeedbackRound:
    """A closed 360° round about `person` in which the first `answers` invitees answered."""
    feedback_round = rounds.round_open(
        actor=manager.user, person=person, period=quarter, questions=QUESTIONS
    )
    invitations: list[RoundInvitation] = []
    for respondent, relationship in invitees:
        if respondent is None or respondent.pk == person.pk:
            continue
        invitations.append(
            rounds.round_invite(
                actor=manager.user,
                feedback_round=feedback_round,
                respondent=respondent,
                relationship=relationship,
            )
        )
    question_ids = list(feedback_round.questions.values_list("pk", flat=True))
    for index, invitation in enumerate(invitations[:answers]):
        rounds.round_answer(
            actor=_user(invitation.respondent),
            invitation=invitation,
            scores={pk: random.choice([3, 4, 4, 5, 5]) for pk in question_ids},
            comment=COMMENTS[index % len(COMMENTS)],
        )
    return rounds.round_close(actor=manager.user, feedback_round=feedback_round)


def _actions(
    quarter: EvaluationPeriod,
    *,
    today: date,
    manager: Person,
    salesperson: Person,
    colleagues: list[Person],
    round_: FeedbackRound,
) -> None:
    due = today + timedelta(days=21)
    manager_feedback = Feedback.objects.get(
        period=quarter, person=salesperson, kind=FeedbackKind.MANAGER
    )
    actions.action_create(
        actor=manager.user,
        title="每周安排两次新客户拜访，并在周会上同步进展",
        owner=salesperson,
        due_on=due,
        feedback=manager_feedback,
    )
    actions.action_create(
        actor=manager.user,
        title="每个项目节点后 24 小时内在系统中更新进展",
        owner=salesperson,
        due_on=today + timedelta(days=2),
        feedback_round=round_,
    )
    retrospective = retrospectives.retrospective_save(
        actor=manager.user,
        unit=salesperson.unit,
        period=quarter,
        what_worked="联合解决方案演示提高了汽车零部件客户的赢单率；老客户续约全部按期完成。",
        what_did_not="新客户开拓不足，季度末集中报价导致审批排队；部分商机录入滞后，预测偏差较大。",
    )
    owners = [manager, *colleagues[:1]]
    for owner, title in zip(
        owners,
        ["建立每周商机评审会，季度末前两周完成报价审批", "整理汽车零部件行业成功案例，供团队复用"],
        strict=False,
    ):
        actions.action_create(
            actor=manager.user, title=title, owner=owner, due_on=due, retrospective=retrospective
        )
