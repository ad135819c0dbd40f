"""Demo loader: the strategy of 华辰智能科技 — editions, goals, documents, confirmations.

Run by `manage.py load_demo` after `salesalign.organization.demo` (see the command's
docstring for the contract). Writes through the models, one object at a time, so the
audit trail records each of them; keyed by edition year, goal title (and year),
document title and (document, person), so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.utils import timezone

from salesalign.core.choices import Metric, Role
from salesalign.core.management.commands.load_demo import upsert
from salesalign.organization.models import OrgUnit, Person
from salesalign.strategy.choices import DocumentKind, GoalStatus, PublicationStatus, QuestionKind
from salesalign.strategy.models import (
    CoreValue,
    DocumentConfirmation,
    DocumentQuestion,
    StrategicGoal,
    StrategyDocument,
    StrategyEdition,
    TacticalGoal,
)

if TYPE_CHECKING:
    from salesalign.core.management.commands.load_demo import DemoContext

#: Share of active people who have confirmed this year's strategy document.
CONFIRMED_SHARE = 0.6


@dataclass(frozen=True)
class EditionText:
    vision: str
    mission: str
    values: list[tuple[str, str]]


CURRENT_EDITION = EditionText(
    vision="成为中国制造业与物流行业最值得信赖的智能化升级伙伴。",
    mission=(
        "以物联网、机器视觉和智能机器人技术，帮助客户降低成本、提升效率、保障安全生产、"
        "实现绿色运营；让每一位客户都能看到可衡量的投资回报。"
    ),
    values=[
        ("客户第一", "从客户的业务结果出发做方案，承诺的交付一定兑现，问题在 24 小时内响应。"),
        (
            "诚信担当",
            "报价透明、预测真实，不做超出能力的承诺；目标未达成时主动说明原因和补救计划。",
        ),
        ("协作共赢", "区域、大客户部与售前、交付团队共享客户信息，对客户只有一个华辰。"),
        ("持续创新", "每季度复盘打法，把成功案例沉淀为可复制的行业方案和销售资料。"),
    ],
)

PREVIOUS_EDITION = EditionText(
    vision="成为华东地区领先的工业智能化解决方案提供商。",
    mission="用可靠的物联网与机器视觉产品，帮助制造企业实现数字化转型。",
    values=[
        ("客户第一", "理解客户的生产现场，用产品和服务解决真实问题。"),
        ("诚信", "对客户、伙伴和同事说到做到。"),
        ("专业", "懂行业、懂产品、懂交付，做客户信赖的顾问。"),
        ("创新", "敢于尝试新的市场和新的销售方式。"),
    ],
)


def load(*, context: DemoContext) -> None:
    """Create or refresh two published editions, the goals, documents and confirmations."""
    year = context.today.year
    shared = context.shared
    executive: Person = shared["executive"]
    company: OrgUnit = shared["company"]
    departments: dict[str, OrgUnit] = shared["departments"]

    previous = _edition(context, year - 1, PREVIOUS_EDITION, date(year - 1, 1, 8))
    edition = _edition(context, year, CURRENT_EDITION, date(year, 1, 10))
    strategic = _strategic_goals(year, executive)
    tactical = _tactical_goals(year, strategic, company, departments)
    _previous_tactical_goals(year - 1, strategic, departments)

    people: dict[str, Person] = shared["people"]
    document = _strategy_document(context, edition, company)
    confirmed = _confirm(context, document, people.values(), exclude=shared["salesperson"])
    previous_document = _previous_strategy_document(context, previous)
    _confirm_previous(context, previous_document, people.values())
    questions = _questions(context, document, people)
    announcement = _announcement(context, edition, departments["D1-EAST"])

    shared.update(edition=edition, strategic_goals=strategic, tactical_goals=tactical)
    active = sum(1 for person in people.values() if person.is_active)
    context.stdout.write(
        f"Strategy: editions {year - 1} and {year} published; {len(strategic)} strategic and "
        f"{len(tactical)} tactical goals; “{document.title}” confirmed by {confirmed} of "
        f"{active} active people, {len(questions)} questions; announcement “{announcement.title}”."
    )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of `day` in the company's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _edition(
    context: DemoContext, year: int, text: EditionText, published: date
) -> StrategyEdition:
    published_on = min(published, context.today)
    edition, _changed = upsert(
        StrategyEdition,
        lookup={"year": year},
        values={
            "vision": text.vision,
            "mission": text.mission,
            "status": PublicationStatus.PUBLISHED,
            "published_at": _at(published_on, 10),
            "published_by": context.actor,
        },
    )
    for position, (name, explanation) in enumerate(text.values, start=1):
        upsert(
            CoreValue,
            lookup={"edition": edition, "name": name},
            values={"explanation": explanation, "position": position},
        )
    return edition


def _strategic_goals(year: int, owner: Person) -> list[StrategicGoal]:
    baseline_year, horizon = year - 1, year + 2
    specs: list[dict[str, Any]] = [
        {
            "title": f"到{horizon}年华东市场占有率达到 15%",
            "description": (
                "华东是公司收入占比最高、竞争最激烈的市场。通过重点行业（汽车零部件、电子制造、"
                "第三方物流）的大客户突破，把华东市场占有率从 9% 提升到 15%。"
            ),
            "metric": Metric.MARKET_SHARE,
            "unit_of_measure": "%",
            "baseline_value": Decimal("9"),
            "target_value": Decimal("15"),
        },
        {
            "title": "营业收入每年增长 20%",
            "description": (
                "在保持毛利率不低于 38% 的前提下，三年内营业收入年均增长 20%，"
                "其中机器视觉和智能仓储机器人两条产品线贡献一半以上的增量。"
            ),
            "metric": Metric.REVENUE_GROWTH,
            "unit_of_measure": "%",
            "baseline_value": Decimal("11.5"),
            "target_value": Decimal("20"),
        },
        {
            "title": "客户满意度保持在 4.5 分以上",
            "description": (
                "以季度客户满意度调查（5 分制）衡量，覆盖售前方案、交付和售后服务三个环节。"
            ),
            "metric": Metric.CUSTOMER_SATISFACTION,
            "unit_of_measure": "分（5分制）",
            "baseline_value": Decimal("4.1"),
            "target_value": Decimal("4.5"),
        },
    ]
    goals = []
    for spec in specs:
        title = spec.pop("title")
        goal, _changed = upsert(
            StrategicGoal,
            lookup={"title": title},
            values={
                **spec,
                "baseline_year": baseline_year,
                "horizon_year": horizon,
                "owner": owner,
                "status": GoalStatus.ACTIVE,
            },
        )
        goals.append(goal)
    return goals


def _tactical_goal(
    *, year: int, title: str, serves: list[StrategicGoal], **values: Any
) -> TacticalGoal:
    goal, _changed = upsert(TacticalGoal, lookup={"year": year, "title": title}, values=values)
    if {g.pk for g in goal.strategic_goals.all()} != {g.pk for g in serves}:
        goal.strategic_goals.set(serves)
    return goal


def _tactical_goals(
    year: int,
    strategic: list[StrategicGoal],
    company: OrgUnit,
    departments: dict[str, OrgUnit],
) -> list[TacticalGoal]:
    market_share, growth, satisfaction = strategic
    return [
        _tactical_goal(
            year=year,
            title="华东新增汽车与电子行业大客户 30 家",
            serves=[market_share],
            description="每家新客户首单金额不低于 50 万元。",
            metric=Metric.NEW_CUSTOMERS,
            unit_of_measure="家",
            target_value=Decimal("30"),
            deadline=date(year, 12, 31),
            owning_unit=departments["D1-EAST"],
            status=GoalStatus.ACTIVE,
        ),
        _tactical_goal(
            year=year,
            title="华东大区全年销售额 1.2 亿元",
            serves=[market_share, growth],
            description="其中上海团队 5,000 万元、杭州团队 4,000 万元、南京团队 3,000 万元。",
            metric=Metric.REVENUE,
            unit_of_measure="元",
            target_value=Decimal("120000000"),
            deadline=date(year, 12, 31),
            owning_unit=departments["D1-EAST"],
            status=GoalStatus.ACTIVE,
        ),
        _tactical_goal(
            year=year,
            title="公司销售额同比增长 20%",
            serves=[growth],
            description="按季度跟踪，第四季度不依赖单一大项目。",
            metric=Metric.REVENUE_GROWTH,
            unit_of_measure="%",
            target_value=Decimal("20"),
            deadline=date(year, 12, 31),
            owning_unit=company,
            status=GoalStatus.ACTIVE,
        ),
        _tactical_goal(
            year=year,
            title="华南机器视觉产品线收入达到 3,000 万元",
            serves=[growth],
            description="聚焦深圳、东莞的电子制造客户，以 AI 视觉检测软件带动工业相机销售。",
            metric=Metric.REVENUE,
            unit_of_measure="元",
            target_value=Decimal("30000000"),
            deadline=date(year, 9, 30),
            owning_unit=departments["D3-SOUTH"],
            status=GoalStatus.ACTIVE,
        ),
        _tactical_goal(
            year=year,
            title="大客户季度满意度不低于 4.3 分",
            serves=[satisfaction],
            description="每季度对全部在服务的大客户做满意度回访，低于 4 分的客户由总监跟进。",
            metric=Metric.CUSTOMER_SATISFACTION,
            unit_of_measure="分（5分制）",
            target_value=Decimal("4.3"),
            deadline=date(year, 12, 15),
            owning_unit=departments["D4-KA"],
            status=GoalStatus.ACTIVE,
        ),
        # Deliberately incomplete (no deadline): the SMART check has something to show.
        _tactical_goal(
            year=year,
            title="提升渠道伙伴活跃度",
            serves=[growth],
            description="让更多经销商和集成商每季度都有成交。",
            metric=Metric.CUSTOM,
            custom_metric_name="活跃渠道伙伴数",
            unit_of_measure="家",
            target_value=Decimal("40"),
            deadline=None,
            owning_unit=departments["D2-NORTH"],
            status=GoalStatus.PROPOSED,
        ),
    ]


def _previous_tactical_goals(
    year: int, strategic: list[StrategicGoal], departments: dict[str, OrgUnit]
) -> None:
    """Last year's goals, closed: the earlier edition stays readable with its results."""
    market_share, growth, _satisfaction = strategic
    _tactical_goal(
        year=year,
        title="华东新增大客户 20 家",
        serves=[market_share],
        metric=Metric.NEW_CUSTOMERS,
        unit_of_measure="家",
        target_value=Decimal("20"),
        deadline=date(year, 12, 31),
        owning_unit=departments["D1-EAST"],
        status=GoalStatus.ACHIEVED,
    )
    _tactical_goal(
        year=year,
        title="智能仓储机器人销售额 2,500 万元",
        serves=[growth],
        metric=Metric.REVENUE,
        unit_of_measure="元",
        target_value=Decimal("25000000"),
        deadline=date(year, 12, 31),
        owning_unit=departments["D2-NORTH"],
        status=GoalStatus.MISSED,
    )


STRATEGY_DOCUMENT_BODY = """\
各位同事：

{year} 年是公司三年战略（{year}—{horizon}）的第一年。我们的愿景是成为中国制造业与物流行业最值得信赖的智能化升级伙伴。为此，公司确定了三个战略目标：到 {horizon} 年华东市场占有率从 9% 提升到 15%；营业收入每年增长 20%；客户满意度保持在 4.5 分以上。

今年的重点是华东。华东大区要新增汽车与电子行业大客户 30 家，全年销售额达到 1.2 亿元。大客户部将与华东大区组成联合项目组，重点客户由双方共同拜访、共同制定方案，业绩按约定比例共同计入。

第二个重点是产品结构。机器视觉和智能仓储机器人是增长最快、毛利最高的两条产品线，华南大区今年要把机器视觉收入做到 3,000 万元。请各团队在报价时优先推荐“软件 + 硬件 + 服务”的整体方案，而不是单卖设备。

第三，客户满意度是我们所有目标的底线。每个季度我们都会对在服务的大客户做满意度回访，低于 4 分的客户由大区总监亲自跟进。销售承诺的交付时间和功能，必须事先与交付团队确认。

个人目标将按团队、产品线、区域和客户类型拆解到每一位销售，并按季度、月度分解。请每位同事认真阅读本说明并点击“已阅读并理解”；如有疑问或预见到的困难，请在下方提出，你的经理会在一周内答复。

销售副总裁 陈建国
"""

PREVIOUS_DOCUMENT_BODY = """\
各位同事：

{year} 年公司继续深耕华东市场，目标是新增大客户 20 家，并把智能仓储机器人打造成第二增长曲线。请各团队按照年度目标做好客户规划，每月在销售例会上回顾进展。

感谢大家过去一年的努力！

销售副总裁 陈建国
"""


def _strategy_document(
    context: DemoContext, edition: StrategyEdition, company: OrgUnit
) -> StrategyDocument:
    year = edition.year
    document, _changed = upsert(
        StrategyDocument,
        lookup={"title": f"{year}年销售战略与重点目标说明"},
        values={
            "kind": DocumentKind.DOCUMENT,
            "body": STRATEGY_DOCUMENT_BODY.format(year=year, horizon=year + 2),
            "edition": edition,
            "audience_all": True,
            "requires_confirmation": True,
            "status": PublicationStatus.PUBLISHED,
            "published_at": _at(_recent_publication_day(context, year), 9, 30),
            "published_by": context.actor,
        },
    )
    if document.audience_units.exists():
        document.audience_units.clear()
    return document


def _recent_publication_day(context: DemoContext, year: int) -> date:
    """Ten days ago, so confirmations are still coming in; never before the year began."""
    return min(max(context.today - timedelta(days=10), date(year, 1, 2)), context.today)


def _previous_strategy_document(context: DemoContext, edition: StrategyEdition) -> StrategyDocument:
    year = edition.year
    published_on = date(year, 1, 12)
    document, _changed = upsert(
        StrategyDocument,
        lookup={"title": f"{year}年销售目标说明"},
        values={
            "kind": DocumentKind.DOCUMENT,
            "body": PREVIOUS_DOCUMENT_BODY.format(year=year),
            "edition": edition,
            "audience_all": True,
            "requires_confirmation": True,
            "status": PublicationStatus.PUBLISHED,
            "published_at": _at(published_on, 9, 30),
            "published_by": context.actor,
        },
    )
    return document


def _replace_confirmations(document: StrategyDocument, moments: dict[Person, datetime]) -> int:
    """Make the document's confirmations exactly `moments` (person → when they confirmed).

    `confirmed_at` is set on insert, so the demo moment is written after it; confirmations
    are not in the audit trail. Confirmations of anyone else (e.g. made while trying the
    demo) are removed, so a re-run restores the same state.
    """
    # The manager is typed for plain models (PersonRecordQuerySet); name the model here.
    rows = cast(
        "list[DocumentConfirmation]", list(DocumentConfirmation.objects.filter(document=document))
    )
    existing = {confirmation.person_id: confirmation for confirmation in rows}
    for person, at in sorted(moments.items(), key=lambda item: item[0].employee_number):
        confirmation = existing.pop(person.pk, None)
        if confirmation is None:
            confirmation = DocumentConfirmation(document=document, person=person)
            confirmation.save()
        if confirmation.confirmed_at != at:
            DocumentConfirmation.objects.filter(pk=confirmation.pk).update(confirmed_at=at)
    for confirmation in existing.values():
        confirmation.delete()
    return len(moments)


def _publisher_confirmation(document: StrategyDocument) -> dict[Person, datetime]:
    """Whoever published a document counts as having confirmed it, when they published it
    (as `document_publish` records it)."""
    if document.published_by_id is None or document.published_at is None:
        return {}
    publisher = Person.objects.filter(user_id=document.published_by_id, is_active=True).first()
    if publisher is None:
        return {}
    return {publisher: document.published_at}


def _confirm(
    context: DemoContext, document: StrategyDocument, people: Any, *, exclude: Person
) -> int:
    """About 60 % of active people confirmed over the days since publication; not `exclude`."""
    rng = context.random("strategy.confirmations")
    active = sorted(
        (person for person in people if person.is_active), key=lambda p: p.employee_number
    )
    candidates = [person for person in active if person.pk != exclude.pk]
    chosen = rng.sample(candidates, round(len(active) * CONFIRMED_SHARE))
    assert document.published_at is not None
    first_day = timezone.localtime(document.published_at).date()
    days = max((context.today - first_day).days, 1)
    moments: dict[Person, datetime] = {}
    for person in sorted(chosen, key=lambda p: p.employee_number):
        # Most read it in the first days; up to yesterday evening, never in the future.
        offset = min(int(rng.expovariate(1 / 2.5)), days - 1)
        at = _at(first_day + timedelta(days=offset), rng.randint(9, 20), rng.randint(0, 59))
        moments[person] = max(at, document.published_at)
    return _replace_confirmations(document, {**moments, **_publisher_confirmation(document)})


def _confirm_previous(context: DemoContext, document: StrategyDocument, people: Any) -> None:
    """Nearly everyone employed at the time confirmed last year's document."""
    rng = context.random("strategy.previous-confirmations")
    assert document.published_at is not None
    published_on = timezone.localtime(document.published_at).date()
    moments: dict[Person, datetime] = {}
    for person in sorted(people, key=lambda p: p.employee_number):
        if person.hire_date is None or person.hire_date > published_on or rng.random() < 0.05:
            continue
        day = published_on + timedelta(days=min(int(rng.expovariate(1 / 3)), 30))
        moments[person] = _at(day, rng.randint(9, 20), rng.randint(0, 59))
    _replace_confirmations(document, {**moments, **_publisher_confirmation(document)})


def _questions(
    context: DemoContext, document: StrategyDocument, people: dict[str, Person]
) -> list[DocumentQuestion]:
    """Questions and foreseen challenges; the manager has answered those from the demo team."""
    manager: Person = context.shared["manager"]
    salesperson: Person = context.shared["salesperson"]
    team_members = sorted(
        (
            person
            for person in people.values()
            if person.unit_id == manager.unit_id
            and person.is_active
            and person.role == Role.SALESPERSON
            and person.pk != salesperson.pk
        ),
        key=lambda p: p.employee_number,
    )

    teams: dict[str, OrgUnit] = context.shared["teams"]

    def member_of(team_code: str) -> Person:
        return min(
            (
                person
                for person in people.values()
                if person.unit_id == teams[team_code].pk
                and person.is_active
                and person.role == Role.SALESPERSON
            ),
            key=lambda p: p.employee_number,
        )

    assert document.published_at is not None
    asked = timezone.localtime(document.published_at).date()
    specs = [
        (
            team_members[0],
            QuestionKind.QUESTION,
            "华东新增 30 家大客户的指标是否已经拆分到各团队？上海团队的份额是多少？",
            "已经拆分：上海团队 12 家、杭州团队 10 家、南京团队 8 家。个人指标下周在目标拆解页面发布。",
            1,
        ),
        (
            team_members[1],
            QuestionKind.CHALLENGE,
            "上海地区 AGV 项目的主要竞争对手近期降价约 15%，全年收入目标可能面临压力。",
            "已与产品部沟通，第四季度推出以旧换新方案；重点项目可以申请特价支持，请在周会上提报名单。",
            2,
        ),
        (
            member_of("T21-BJ"),
            QuestionKind.QUESTION,
            "“提升渠道伙伴活跃度”这个目标怎么衡量？有没有明确的截止时间？",
            "",
            3,
        ),
        (
            member_of("T42-PUB"),
            QuestionKind.CHALLENGE,
            "政企客户的招标周期通常在 6–9 个月，年内签约的比例可能低于预期。",
            "",
            4,
        ),
    ]
    questions = []
    for person, kind, text, answer, day in specs:
        asked_at = _at(min(asked + timedelta(days=day), context.today), 11, 15)
        answered = bool(answer)
        question, _changed = upsert(
            DocumentQuestion,
            lookup={"document": document, "person": person, "text": text},
            values={
                "kind": kind,
                "answer": answer,
                "answered_by": manager if answered else None,
                "answered_at": asked_at + timedelta(hours=20) if answered else None,
            },
        )
        if question.created_at != asked_at:
            # Back-date when it was asked; the audit trail keeps the real insert time.
            DocumentQuestion.objects.filter(pk=question.pk).update(created_at=asked_at)
        questions.append(question)
    return questions


def _announcement(
    context: DemoContext, edition: StrategyEdition, department: OrgUnit
) -> StrategyDocument:
    today = context.today
    quarter = (today.month - 1) // 3 + 1
    announcement, _changed = upsert(
        StrategyDocument,
        lookup={"title": "华东大区季度冲刺动员会通知"},
        values={
            "kind": DocumentKind.ANNOUNCEMENT,
            "body": (
                f"华东大区全体同事：\n\n{today.year} 年第{'一二三四'[quarter - 1]}季度冲刺动员会定于下周一上午 9:30 在上海总部 3 楼会议室召开，"
                f"杭州、南京团队通过视频参加。会上将回顾本季度各团队的目标完成情况，"
                f"并布置华东新增大客户的重点攻坚名单。\n\n请各位提前更新商机信息。\n\n"
                f"华东大区总监 {department.manager.name if department.manager else ''}"
            ),
            "edition": edition,
            "audience_all": False,
            "requires_confirmation": False,
            "status": PublicationStatus.PUBLISHED,
            "published_at": _at(today - timedelta(days=3), 14),
            "published_by": context.actor,
        },
    )
    if [unit.pk for unit in announcement.audience_units.all()] != [department.pk]:
        announcement.audience_units.set([department])
    return announcement
