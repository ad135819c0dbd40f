"""Demo loader: three years of what 华辰智能科技 sold — customers, orders, returns, satisfaction.

Run by `manage.py load_demo` after `salesalign.organization.demo` (see the command's
docstring for the loader contract). The history is planned in memory first (`plan_sales`,
deterministic: seeded generators, dates counted from the first of this month), then
written: transfers (`UnitAssignment`) and customers through the models, keyed by
(person, date) and customer code; orders through `services.orders_upsert` (idempotent by
external ID, so a second run finds every order unchanged); satisfaction answers keyed by
their external ID.

Its shape, so the pages have something to show:

- about 100,000 order lines over the last three whole fiscal years and this one up to
  today, so that trends and seasonality are read from whole years (``context.shared["demo_order_lines"]``,
  `settings.DEMO_ORDER_LINES` or the environment variable ``DEMO_ORDER_LINES`` change
  the volume; the number of customers follows it);
- customers in one province and segment each, owned by a salesperson of the team
  whose territory it is, who was there when the customer was won (the newer ones more
  often); a newcomer or a transfer takes over one account on arrival; customers found
  before the window have an opening order before it, others are won during it, some
  are lost;
- seasonality: the Spring Festival dip in February, pushes at the end of each
  quarter and of the year (government customers spend their budget in December);
- different growth per product line (cloud and AI software grow, cameras shrink)
  and per region (the southwest and centre grow fastest);
- about 5 % of orders split between two salespeople, about 1 % returned (partly or
  wholly, some in the following month), a few cancelled;
- two salespeople who changed team, so their earlier sales stay with their old team;
- satisfaction answers (1–5 stars, a quarter of them NPS) from most customers.
"""

from __future__ import annotations

import itertools
import math
import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings

from salesalign.core.choices import Role
from salesalign.core.management.commands.load_demo import upsert
from salesalign.engines.periods import fiscal_year_of, year_period
from salesalign.organization.models import OrgUnit, Person, UnitAssignment
from salesalign.sales import services
from salesalign.sales.choices import OrderStatus, SurveyChannel, SurveyScale
from salesalign.sales.models import Customer, SatisfactionResponse
from salesalign.sales.rows import CreditRow, LineRow, OrderRow

if TYPE_CHECKING:
    from salesalign.core.management.commands.load_demo import DemoContext

SOURCE = "demo"
DEFAULT_ORDER_LINES = 100_000
#: Whole fiscal years of history before the current one: the trend checks read three.
HISTORY_YEARS = 3
#: Orders written per `orders_upsert` call (the service is built for 10,000 at a time).
BATCH_ORDERS = 10_000

#: Product line leaf: (weight in the mix, growth per year, gross margin, typical line amount, unit price).
PRODUCTS: dict[str, tuple[float, float, float, int, int]] = {
    "PL-IOT-GW": (0.22, 1.03, 0.34, 3_000, 1_500),
    "PL-IOT-CLOUD": (0.12, 1.45, 0.72, 2_000, 400),
    "PL-VIS-CAM": (0.18, 0.85, 0.38, 4_500, 3_000),
    "PL-VIS-AI": (0.08, 1.7, 0.78, 15_000, 15_000),
    "PL-ROB-AGV": (0.07, 1.30, 0.28, 45_000, 45_000),
    "PL-ROB-SORT": (0.03, 1.18, 0.32, 90_000, 90_000),
    "PL-EMS": (0.08, 1.15, 0.52, 20_000, 10_000),
    "PL-SVC": (0.22, 1.10, 0.55, 4_000, 800),
}

#: Growth of the number of orders per year, by region (the parent of a province).
REGION_GROWTH = {
    "CN-EAST": 1.06,
    "CN-NORTH": 0.98,
    "CN-SOUTH": 1.10,
    "CN-CENTRAL": 1.16,
    "CN-SOUTHWEST": 1.20,
    "CN-NORTHWEST": 1.00,
}

PROVINCE_REGION = {
    "CN-SH": "CN-EAST",
    "CN-JS": "CN-EAST",
    "CN-ZJ": "CN-EAST",
    "CN-BJ": "CN-NORTH",
    "CN-TJ": "CN-NORTH",
    "CN-HE": "CN-NORTH",
    "CN-GD": "CN-SOUTH",
    "CN-FJ": "CN-SOUTH",
    "CN-HB": "CN-CENTRAL",
    "CN-HN": "CN-CENTRAL",
    "CN-SC": "CN-SOUTHWEST",
    "CN-CQ": "CN-SOUTHWEST",
    "CN-SN": "CN-NORTHWEST",
}

#: Team: (home provinces, other provinces it also sells in, segment mix).
TERRITORIES: dict[str, tuple[list[str], list[str], dict[str, float]]] = {
    "T11-SH": (["CN-SH"], ["CN-JS", "CN-ZJ"], {"SEG-SMB": 0.5, "SEG-CHANNEL": 0.25, "SEG-KA": 0.15, "SEG-GOV": 0.1}),
    "T12-HZ": (["CN-ZJ"], ["CN-SH", "CN-FJ"], {"SEG-SMB": 0.6, "SEG-CHANNEL": 0.25, "SEG-KA": 0.1, "SEG-GOV": 0.05}),
    "T13-NJ": (["CN-JS"], ["CN-HB", "CN-HN"], {"SEG-SMB": 0.55, "SEG-CHANNEL": 0.3, "SEG-KA": 0.1, "SEG-GOV": 0.05}),
    "T21-BJ": (["CN-BJ"], ["CN-HE", "CN-SN"], {"SEG-SMB": 0.4, "SEG-CHANNEL": 0.2, "SEG-KA": 0.15, "SEG-GOV": 0.25}),
    "T22-TJ": (["CN-TJ", "CN-HE"], ["CN-BJ"], {"SEG-SMB": 0.6, "SEG-CHANNEL": 0.25, "SEG-KA": 0.1, "SEG-GOV": 0.05}),
    "T31-GZ": (["CN-GD"], ["CN-HN", "CN-HB"], {"SEG-SMB": 0.55, "SEG-CHANNEL": 0.3, "SEG-KA": 0.1, "SEG-GOV": 0.05}),
    "T32-SZ": (["CN-GD"], ["CN-FJ", "CN-SC", "CN-CQ"], {"SEG-SMB": 0.5, "SEG-CHANNEL": 0.35, "SEG-KA": 0.1, "SEG-GOV": 0.05}),
    "T41-FIN": (["CN-SH", "CN-BJ", "CN-GD"], ["CN-JS", "CN-ZJ", "CN-SC", "CN-HB"], {"SEG-KA": 0.85, "SEG-SMB": 0.15}),
    "T42-PUB": (["CN-BJ", "CN-SC", "CN-CQ"], ["CN-SH", "CN-HB", "CN-SN", "CN-GD"], {"SEG-GOV": 0.8, "SEG-KA": 0.2}),
}  # fmt: skip

#: Segment: (orders per month relative to others, amount factor, lines per order weights 1..4).
SEGMENT_SHAPE: dict[str, tuple[float, float, tuple[int, ...]]] = {
    "SEG-SMB": (1.0, 0.8, (60, 28, 9, 3)),
    "SEG-CHANNEL": (1.7, 1.0, (45, 30, 17, 8)),
    "SEG-KA": (1.3, 2.6, (30, 30, 25, 15)),
    "SEG-GOV": (0.5, 3.2, (35, 30, 20, 15)),
}

#: Orders in each calendar month relative to an average month.
SEASON = {1: 0.95, 2: 0.55, 3: 1.12, 4: 0.9, 5: 0.95, 6: 1.2, 7: 0.9, 8: 0.88, 9: 1.15, 10: 0.8, 11: 1.0, 12: 1.45}  # fmt: skip
#: Government customers spend what is left of the budget in December.
GOV_DECEMBER = 1.8
QUARTER_END_MONTHS = {3, 6, 9, 12}

#: Customers known before the window (they have an opening order before it).
EXISTING_SHARE = 0.6
#: Customers lost during the window.
LOST_SHARE = 0.22
SPLIT_SHARE = 0.05
RETURN_SHARE = 0.011
CANCELLED_SHARE = 0.025
SURVEYED_SHARE = 0.65
NPS_SHARE = 0.25

CITIES = {
    "CN-SH": [("上海", "Shanghai")],
    "CN-JS": [("苏州", "Suzhou"), ("无锡", "Wuxi"), ("南京", "Nanjing"), ("常州", "Changzhou")],
    "CN-ZJ": [("杭州", "Hangzhou"), ("宁波", "Ningbo"), ("温州", "Wenzhou"), ("嘉兴", "Jiaxing")],
    "CN-BJ": [("北京", "Beijing")],
    "CN-TJ": [("天津", "Tianjin")],
    "CN-HE": [("石家庄", "Shijiazhuang"), ("唐山", "Tangshan"), ("保定", "Baoding")],
    "CN-GD": [
        ("广州", "Guangzhou"),
        ("深圳", "Shenzhen"),
        ("东莞", "Dongguan"),
        ("佛山", "Foshan"),
    ],
    "CN-FJ": [("厦门", "Xiamen"), ("福州", "Fuzhou"), ("泉州", "Quanzhou")],
    "CN-HB": [("武汉", "Wuhan"), ("襄阳", "Xiangyang")],
    "CN-HN": [("长沙", "Changsha"), ("株洲", "Zhuzhou")],
    "CN-SC": [("成都", "Chengdu"), ("绵阳", "Mianyang")],
    "CN-CQ": [("重庆", "Chongqing")],
    "CN-SN": [("西安", "Xi'an"), ("宝鸡", "Baoji")],
}

BRANDS = [
    ("恒信", "Hengxin"), ("华达", "Huada"), ("鑫源", "Xinyuan"), ("宏远", "Hongyuan"),
    ("永泰", "Yongtai"), ("金鹏", "Jinpeng"), ("瑞丰", "Ruifeng"), ("天成", "Tiancheng"),
    ("博远", "Boyuan"), ("中联", "Zhonglian"), ("汇通", "Huitong"), ("新航", "Xinhang"),
    ("安泰", "Antai"), ("盛世", "Shengshi"), ("正阳", "Zhengyang"), ("顺达", "Shunda"),
    ("联创", "Lianchuang"), ("嘉禾", "Jiahe"), ("东方", "Dongfang"), ("凯盛", "Kaisheng"),
    ("远航", "Yuanhang"), ("荣升", "Rongsheng"), ("精工", "Jinggong"), ("和信", "Hexin"),
    ("德润", "Derun"), ("富强", "Fuqiang"), ("万通", "Wantong"), ("立信", "Lixin"),
    ("明辉", "Minghui"), ("海川", "Haichuan"), ("中科", "Zhongke"), ("云帆", "Yunfan"),
    ("同创", "Tongchuang"), ("宝丰", "Baofeng"), ("兴业", "Xingye"), ("长城", "Changcheng"),
]  # fmt: skip

#: Segment: (industry, English), with the company suffix the segment's names carry.
INDUSTRIES = {
    "SEG-SMB": [
        ("精密机械", "Precision Machinery"), ("电子科技", "Electronics"), ("物流", "Logistics"),
        ("包装材料", "Packaging"), ("汽车零部件", "Auto Parts"), ("食品", "Foods"),
        ("纺织", "Textiles"), ("五金制品", "Hardware"), ("塑胶制品", "Plastics"),
        ("医疗器械", "Medical Devices"), ("仓储", "Warehousing"), ("模具", "Moulds"),
    ],
    "SEG-CHANNEL": [
        ("智能系统集成", "Smart Systems Integration"), ("信息技术", "Information Technology"),
        ("自动化工程", "Automation Engineering"), ("科技发展", "Technology Development"),
    ],
    "SEG-KA": [
        ("汽车", "Automotive"), ("电器", "Appliances"), ("钢铁", "Steel"), ("新能源", "New Energy"),
        ("医药", "Pharmaceutical"), ("供应链", "Supply Chain"), ("重工", "Heavy Industries"),
        ("银行", "Bank"), ("证券", "Securities"), ("保险", "Insurance"),
    ],
    "SEG-GOV": [
        ("经济技术开发区管委会", "Economic Development Zone Administration"),
        ("高新区管委会", "High-tech Zone Administration"), ("水务集团", "Water Group"),
        ("轨道交通集团", "Metro Group"), ("港务集团", "Port Group"), ("供电公司", "Power Supply Company"),
        ("人民医院", "People's Hospital"), ("公共资源交易中心", "Public Resources Trading Centre"),
    ],
}  # fmt: skip
SUFFIXES = {
    "SEG-SMB": ("有限公司", "Co., Ltd."),
    "SEG-CHANNEL": ("有限公司", "Co., Ltd."),
    "SEG-KA": ("股份有限公司", "Group Co., Ltd."),
    "SEG-GOV": ("", ""),
}

COMMENTS = {
    "good": [
        "响应很快，方案落地效果超出预期。",
        "项目经理专业负责，交付准时。",
        "售后服务及时，问题当天解决。",
        "Very responsive team, the rollout went smoothly.",
        "产品稳定，明年会继续扩容。",
    ],
    "fair": [
        "整体还可以，报价希望更灵活。",
        "交付周期比预期长了一周。",
        "培训资料可以再详细一些。",
        "Good product, but the invoice took too long.",
    ],
    "poor": [
        "现场调试反复多次，影响了产线。",
        "联系销售经常找不到人。",
        "价格偏高，考虑比较其他供应商。",
        "Support tickets were left open for days.",
    ],
}

CHANNELS = [
    (SurveyChannel.LINK, 50),
    (SurveyChannel.PHONE, 25),
    (SurveyChannel.VISIT, 20),
    (SurveyChannel.EMAIL, 5),
]


# --- The plan: what happened, in memory --------------------------------------------------


@dataclass(frozen=True)
class Seller:
    """A salesperson as the demo history sees them: when they sold, and for which team."""

    number: str
    hired: date
    left: date | None
    #: (from, team code), in date order; the last one is the current team.
    teams: tuple[tuple[date, str], ...]
    quality: float  # how customers rate them, around 0

    def employed_on(self, day: date) -> bool:
        return self.hired <= day and (self.left is None or day <= self.left)

    def team_on(self, day: date) -> str:
        current = self.teams[0][1]
        for valid_from, team in self.teams:
            if valid_from <= day:
                current = team
        return current


@dataclass(frozen=True)
class Transfer:
    """A salesperson who moved from one team to another on a date."""

    number: str
    from_team: str
    to_team: str
    on: date
    hired: date


@dataclass
class PlannedCustomer:
    """A customer: where it is, who owns it, when it was won and (maybe) lost, how much it buys."""

    code: str
    name: str
    name_en: str
    team: str
    province: str
    segment: str
    primary: str  # employee number of the salesperson whose account it is
    since: date  # first order (an opening order before the window for existing customers)
    lost_on: date | None
    size: float
    products: tuple[str, ...]
    owner: str = ""  # who owns it today


@dataclass
class PlannedResponse:
    external_id: str
    customer: str
    salesperson: str
    team: str
    scale: str
    score: int
    comment: str
    responded_on: date
    channel: str


@dataclass
class SalesPlan:
    """Everything the loader writes, in the order it writes it."""

    window_start: date
    transfers: list[Transfer]
    customers: list[PlannedCustomer]
    orders: list[OrderRow]
    responses: list[PlannedResponse]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Staff:
    """Who could be credited: the salespeople, and the managers standing in for a team."""

    sellers: dict[str, Seller]
    #: team code → fallback chain: the team's long-serving salespeople, its manager, the
    #: department manager, the head of sales (somebody in the chain was always employed).
    fallbacks: dict[str, tuple[str, ...]]
    teams: dict[str, list[str]]  # team → the salespeople who ever sold for it


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def history_start(today: date) -> date:
    """The first month of the history: the start of the fiscal year `HISTORY_YEARS` before this one."""
    start_month = settings.FISCAL_YEAR_START_MONTH
    return year_period(fiscal_year_of(today, start_month) - HISTORY_YEARS, start_month).start


def _months(first: date, today: date) -> list[date]:
    """The first day of every month from `first` to the month of `today`."""
    count = (today.year - first.year) * 12 + today.month - first.month + 1
    return [_month_start(first, -offset) for offset in range(count)]


def _month_end(first: date) -> date:
    return _month_start(first, -1) - timedelta(days=1)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _cents(amount: int) -> Decimal:
    """Integer cents as a Decimal amount with two places."""
    return Decimal(amount).scaleb(-2)


def plan_staff(
    people: Iterable[Person],
    *,
    transfers: Sequence[Transfer],
    team_managers: dict[str, str],
    department_managers: dict[str, str],
    head_of_sales: str,
    seed: random.Random,
) -> Staff:
    """The sellers and, for each team, who stands in when none of its own could sell."""
    moved = {transfer.number: transfer for transfer in transfers}
    sellers: dict[str, Seller] = {}
    teams: dict[str, list[str]] = {code: [] for code in TERRITORIES}
    for person in sorted(people, key=lambda p: p.employee_number):
        team = person.unit.code
        if person.role != Role.SALESPERSON or team not in TERRITORIES or person.hire_date is None:
            continue
        transfer = moved.get(person.employee_number)
        history: tuple[tuple[date, str], ...] = ((person.hire_date, team),)
        if transfer is not None:
            history = ((person.hire_date, transfer.from_team), (transfer.on, team))
            teams[transfer.from_team].append(person.employee_number)
        sellers[person.employee_number] = Seller(
            number=person.employee_number,
            hired=person.hire_date,
            left=person.left_on,
            teams=history,
            quality=seed.uniform(-0.6, 0.6),
        )
        teams[team].append(person.employee_number)
    fallbacks: dict[str, tuple[str, ...]] = {}
    for team, members in teams.items():
        steady = sorted(
            (number for number in members if sellers[number].left is None and number not in moved),
            key=lambda number: (sellers[number].hired, number),
        )
        department = department_managers[team]
        fallbacks[team] = (*steady[:3], team_managers[team], department, head_of_sales)
    return Staff(sellers=sellers, fallbacks=fallbacks, teams=teams)


class Crediting:
    """Who is credited for a team's customer on a day: the account's salesperson when they
    could sell it then, otherwise the first of the team's stand-ins who could."""

    def __init__(self, staff: Staff, employment: dict[str, tuple[date, date | None]]):
        self.staff = staff
        self.employment = employment  # everyone in the fallback chains, sellers included

    def employed(self, number: str, day: date) -> bool:
        hired, left = self.employment[number]
        return hired <= day and (left is None or day <= left)

    def sells_for(self, number: str, team: str, day: date) -> bool:
        seller = self.staff.sellers.get(number)
        if seller is None:  # a manager standing in
            return self.employed(number, day)
        return seller.employed_on(day) and seller.team_on(day) == team

    def credited(self, customer: PlannedCustomer, day: date) -> str:
        if self.sells_for(customer.primary, customer.team, day):
            return customer.primary
        for number in self.staff.fallbacks[customer.team]:
            if self.sells_for(number, customer.team, day):
                return number
        raise AssertionError(f"nobody could sell for {customer.team} on {day}")  # pragma: no cover

    def colleague(
        self, rng: random.Random, customer: PlannedCustomer, day: date, first: str
    ) -> str:
        """Another salesperson of the same team on that day (for a split credit), or ""."""
        options = [
            number
            for number in self.staff.teams[customer.team]
            if number != first and self.sells_for(number, customer.team, day)
        ]
        return rng.choice(options) if options else ""


def plan_transfers(people: Iterable[Person], anchor: date) -> list[Transfer]:
    """Two salespeople changed team: into the demo's Shanghai team seven months ago (from
    Hangzhou), and into Shenzhen fifteen months ago (from Guangzhou)."""
    moves = [("T12-HZ", "T11-SH", 7), ("T31-GZ", "T32-SZ", 15)]
    by_team: dict[str, list[Person]] = {}
    for person in people:
        if person.role == Role.SALESPERSON and person.is_active:
            by_team.setdefault(person.unit.code, []).append(person)
    transfers = []
    for from_team, to_team, months in moves:
        on = _month_start(anchor, months)
        candidates = sorted(
            (
                person
                for person in by_team.get(to_team, [])
                if person.hire_date is not None
                and person.hire_date <= on - timedelta(days=365)
                and person.user_id is None  # not the people behind the demo logins
            ),
            key=lambda person: person.employee_number,
        )
        if candidates:
            person = candidates[-1]
            assert person.hire_date is not None
            transfers.append(
                Transfer(person.employee_number, from_team, to_team, on, person.hire_date)
            )
    return transfers


def _customer_name(
    rng: random.Random, province: str, segment: str, taken: set[str]
) -> tuple[str, str]:
    suffix, suffix_en = SUFFIXES[segment]
    for _attempt in range(200):
        city, city_en = rng.choice(CITIES[province])
        brand, brand_en = rng.choice(BRANDS)
        industry, industry_en = rng.choice(INDUSTRIES[segment])
        if segment == "SEG-GOV":
            name, name_en = f"{city}{industry}", f"{city_en} {industry_en}"
            if name in taken:
                name, name_en = f"{city}{brand}{industry}", f"{city_en} {brand_en} {industry_en}"
        else:
            name = f"{city}{brand}{industry}{suffix}"
            name_en = f"{city_en} {brand_en} {industry_en} {suffix_en}"
        if name not in taken:
            taken.add(name)
            return name, name_en
    raise AssertionError("ran out of customer names")  # pragma: no cover


def _winner(rng: random.Random, staff: Staff, team: str, day: date) -> str | None:
    """Whose account a customer the team wins on `day` is: one of its salespeople selling
    then, the newer in the team likelier (managers hand new leads to those still building
    their book).

    Before, every customer was drawn among all who ever sold for the team, so a new hire
    was handed on their first day every customer drawn for them: they sold five times
    their ramped target while the colleagues who had served those customers fell to a
    tenth of theirs."""
    candidates: list[tuple[str, float]] = []
    for number in staff.teams[team]:
        seller = staff.sellers[number]
        arrived = next(start for start, joined in seller.teams if joined == team)
        if seller.employed_on(day) and seller.team_on(day) == team:
            candidates.append((number, 1 / (1 + (day - arrived).days / 365)))
    if not candidates:
        return None
    return rng.choices([number for number, _ in candidates], [w for _, w in candidates])[0]


def plan_customers(
    rng: random.Random,
    staff: Staff,
    *,
    count: int,
    window_start: date,
    today: date,
) -> list[PlannedCustomer]:
    """`count` customers over the teams (by their size; key-account teams have fewer, larger
    customers), each the account of one salesperson, won before or during the window."""
    weights = {
        team: len(members) * (0.45 if team.startswith("T4") else 1.0)
        for team, members in staff.teams.items()
        if members
    }
    total = sum(weights.values())
    window_days = (today - window_start).days
    customers: list[PlannedCustomer] = []
    taken: set[str] = set()
    number = 0
    for team, weight in weights.items():
        home, away, segments = TERRITORIES[team]
        members = staff.teams[team]
        # Each salesperson has a home province among the team's, and a favourite segment.
        homes = {seller: home[index % len(home)] for index, seller in enumerate(members)}
        for _index in range(max(2, round(count * weight / total))):
            number += 1
            if rng.random() < EXISTING_SHARE:
                since = window_start - timedelta(days=rng.randint(1, 365))
            else:
                since = window_start + timedelta(days=int(window_days * rng.random() ** 0.8))
            primary = _winner(rng, staff, team, since) or rng.choice(members)
            province = homes[primary] if rng.random() < 0.8 else rng.choice(away)
            segment = _weighted(rng, segments)
            name, name_en = _customer_name(rng, province, segment, taken)
            lost_on = None
            if rng.random() < LOST_SHARE:
                start = max(since, window_start) + timedelta(days=120)
                if start < today:
                    lost_on = start + timedelta(days=rng.randint(0, max(0, (today - start).days)))
            # A customer buys from a few product lines, the bigger ones more often.
            products = tuple(
                sorted(
                    set(
                        rng.choices(
                            list(PRODUCTS),
                            weights=[shape[0] for shape in PRODUCTS.values()],
                            k=rng.randint(2, 5),
                        )
                    )
                )
            )
            customers.append(
                PlannedCustomer(
                    code=f"C{number:05d}",
                    name=name,
                    name_en=name_en,
                    team=team,
                    province=province,
                    segment=segment,
                    primary=primary,
                    since=since,
                    lost_on=lost_on,
                    size=rng.lognormvariate(0, 0.6),
                    products=products,
                )
            )
    # Whoever joined a team in the window took over one of its active accounts on arrival:
    # a new hire one of them, a transfer its largest (so that the demo shows them selling
    # for the new team). A transfer served one of the old team's accounts too, half a year
    # before the move at the latest, so that the demo shows those sales staying there.
    for employee, seller in staff.sellers.items():
        for (_joined, old_team), (moved, _team) in itertools.pairwise(seller.teams):
            old_accounts = _accounts(customers, old_team, moved - timedelta(days=182), moved)
            if old_accounts and not any(
                customers[index].primary == employee for index in old_accounts
            ):
                account = rng.choice(old_accounts)
                customers[account] = replace(customers[account], primary=employee)
        arrivals = [(arrived, team, True) for arrived, team in seller.teams[1:]]
        if seller.hired > window_start:
            arrivals.append((seller.hired, seller.teams[0][1], False))
        for arrived, team, transfer in arrivals:
            active = _accounts(customers, team, arrived, arrived)
            if not active or any(customers[index].primary == employee for index in active):
                continue
            if transfer:
                account = max(active, key=lambda index: customers[index].size)
            else:
                account = rng.choice(active)
            customers[account] = replace(customers[account], primary=employee)
    return customers


def _accounts(
    customers: Sequence[PlannedCustomer], team: str, won_before: date, kept_after: date
) -> list[int]:
    """The indexes of the team's customers won before one day and not lost by another."""
    return [
        index
        for index, customer in enumerate(customers)
        if customer.team == team
        and customer.since < won_before
        and (customer.lost_on is None or customer.lost_on > kept_after)
    ]


def _order_intensity(customer: PlannedCustomer, first: date, window_start: date) -> float:
    """Relative number of orders a customer places in the month starting `first`."""
    rate, _amount, _lines = SEGMENT_SHAPE[customer.segment]
    season = SEASON[first.month]
    if customer.segment == "SEG-GOV" and first.month == 12:
        season *= GOV_DECEMBER
    years = (first - window_start).days / 365.25
    growth = REGION_GROWTH[PROVINCE_REGION[customer.province]] ** years
    return rate * customer.size * season * growth


def _expected_lines(customer: PlannedCustomer) -> float:
    """Lines an order of this customer has on average."""
    weights = SEGMENT_SHAPE[customer.segment][2]
    return sum((index + 1) * weight for index, weight in enumerate(weights)) / sum(weights)


def _active_fraction(customer: PlannedCustomer, first: date, last: date) -> float:
    start = max(first, customer.since)
    end = min(last, customer.lost_on or last)
    if end < start:
        return 0.0
    return ((end - start).days + 1) / ((last - first).days + 1)


def _order_day(rng: random.Random, first: date, last: date, start: date, end: date) -> date:
    """A day of the month, the last ten days of a quarter's end twice as likely."""
    start, end = max(first, start), min(last, end)
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    if first.month in QUARTER_END_MONTHS:
        weights = [2.5 if day.day > 20 else 1.0 for day in days]
        return rng.choices(days, weights=weights)[0]
    return rng.choice(days)


def _lines(
    rng: random.Random, customer: PlannedCustomer, first: date, window_start: date
) -> tuple[LineRow, ...]:
    _rate, amount_factor, line_weights = SEGMENT_SHAPE[customer.segment]
    count = rng.choices(range(1, 5), weights=line_weights)[0]
    years = max(0.0, (first - window_start).days / 365.25)
    # Distinct product lines, drawn by the year's mix (growing lines weigh more each year);
    # mostly the customer's usual ones, now and then something new to them.
    mix = {
        code: shape[0] * shape[1] ** years * (1.0 if code in customer.products else 0.12)
        for code, shape in PRODUCTS.items()
    }
    chosen = []
    for _index in range(count):
        code = _weighted(rng, mix)
        chosen.append(code)
        del mix[code]
    lines = []
    for code in chosen:
        _weight, _growth, margin, typical, unit_price = PRODUCTS[code]
        wanted = typical * amount_factor * customer.size**0.5 * rng.lognormvariate(0, 0.55)
        quantity = max(1, round(wanted / unit_price))
        price = round(unit_price * rng.uniform(0.82, 1.05))
        amount = quantity * price * 100
        cost = round(amount * (1 - margin * rng.uniform(0.85, 1.12)))
        lines.append(
            LineRow(
                product_line_code=code,
                amount=_cents(amount),
                quantity=Decimal(quantity),
                cost=_cents(cost),
            )
        )
    return tuple(lines)


def _return_of(rng: random.Random, order: OrderRow, on: date) -> OrderRow:
    """A return of part or all of `order` (negative amounts, never more than was sold)."""
    whole = rng.random() < 0.4
    kept = order.lines if whole else (rng.choice(order.lines),)
    lines = []
    for line in kept:
        part = 1.0 if whole else rng.uniform(0.2, 1.0)
        quantity = line.quantity if whole else Decimal(max(1, round(line.quantity * Decimal(part))))
        share = quantity / line.quantity
        amount = (line.amount * share).quantize(Decimal("0.01"))
        cost = (line.cost * share).quantize(Decimal("0.01")) if line.cost is not None else None
        lines.append(
            LineRow(
                product_line_code=line.product_line_code,
                amount=-amount,
                quantity=-quantity,
                cost=-cost if cost is not None else None,
            )
        )
    return OrderRow(
        external_id=f"{order.external_id}-R",
        customer_code=order.customer_code,
        ordered_on=on,
        lines=tuple(lines),
        credits=(),  # credited like the original, even when its salesperson has left since
        status=OrderStatus.RETURNED,
        original_external_id=order.external_id,
        note="退货" if whole else "部分退货",
    )


def _credits(
    rng: random.Random, crediting: Crediting, customer: PlannedCustomer, day: date
) -> tuple[CreditRow, ...]:
    first = crediting.credited(customer, day)
    if rng.random() < SPLIT_SHARE:
        second = crediting.colleague(rng, customer, day, first)
        if second:
            share = rng.choice((5_000, 6_000, 7_000))
            return (CreditRow(first, share), CreditRow(second, 10_000 - share))
    return (CreditRow(first),)


def plan_orders(
    context_random: Any,
    crediting: Crediting,
    customers: Sequence[PlannedCustomer],
    *,
    order_lines: int,
    window_start: date,
    today: date,
) -> tuple[list[OrderRow], dict[str, int]]:
    """The orders of the window (and the opening orders before it), about `order_lines` lines.

    Each month is drawn by its own seeded generator, and the whole current month is drawn
    before the days after `today` are dropped, so running again later in the month keeps
    every earlier order as it was.
    """
    months = _months(window_start, today)
    # Scale the intensities so the expected number of lines is `order_lines`.
    expected = 0.0
    for customer in customers:
        lines = _expected_lines(customer)
        for first in months:
            # (this month counts only up to today: later days are drawn, then dropped)
            fraction = _active_fraction(customer, first, _month_end(first))
            fraction *= min(1.0, ((today - first).days + 1) / _month_end(first).day)
            if fraction:
                expected += _order_intensity(customer, first, window_start) * fraction * lines
    scale = order_lines / expected if expected else 0.0

    orders: list[OrderRow] = []
    returns: list[OrderRow] = []
    counts = {"returns": 0, "cancelled": 0, "split": 0, "opening": 0}

    # Customers known before the window: one opening order on the day they were won.
    rng = context_random("sales.orders.opening")
    for customer in customers:
        if customer.since < window_start:
            day = customer.since
            orders.append(
                OrderRow(
                    external_id=f"SO-{customer.code}-0",
                    customer_code=customer.code,
                    ordered_on=day,
                    lines=_lines(rng, customer, window_start, window_start),
                    credits=(CreditRow(crediting.credited(customer, day)),),
                )
            )
            counts["opening"] += 1

    for first in months:
        last = _month_end(first)
        rng = context_random(f"sales.orders.{first:%Y%m}")
        sequence = 0
        for customer in customers:
            fraction = _active_fraction(customer, first, last)
            if not fraction:
                continue
            mean = _order_intensity(customer, first, window_start) * fraction * scale
            for _index in range(_poisson(rng, mean)):
                sequence += 1
                day = _order_day(rng, first, last, customer.since, customer.lost_on or last)
                status = OrderStatus.WON
                draw = rng.random()
                if draw < CANCELLED_SHARE:
                    status = OrderStatus.CANCELLED
                order = OrderRow(
                    external_id=f"SO-{first:%Y%m}-{sequence:05d}",
                    customer_code=customer.code,
                    ordered_on=day,
                    lines=_lines(rng, customer, first, window_start),
                    credits=_credits(rng, crediting, customer, day),
                    status=status,
                )
                returned_on = day + timedelta(days=rng.randint(3, 45))
                is_returned = CANCELLED_SHARE <= draw < CANCELLED_SHARE + RETURN_SHARE
                if day > today:
                    continue
                orders.append(order)
                counts["cancelled"] += status == OrderStatus.CANCELLED
                counts["split"] += len(order.credits) > 1
                if is_returned and returned_on <= today:
                    returns.append(_return_of(rng, order, returned_on))
    counts["returns"] = len(returns)
    # Date order: an original is always written before (or with) its return.
    everything = sorted([*orders, *returns], key=lambda row: (row.ordered_on, row.external_id))
    return everything, counts


def plan_responses(
    rng: random.Random,
    crediting: Crediting,
    customers: Sequence[PlannedCustomer],
    *,
    window_start: date,
    today: date,
) -> list[PlannedResponse]:
    """Satisfaction answers from most customers: one to four each while they were buying;
    better salespeople score better, customers about to leave worse."""
    responses = []
    for customer in customers:
        if rng.random() >= SURVEYED_SHARE:
            continue
        start = max(customer.since, window_start) + timedelta(days=30)
        end = min(customer.lost_on or today, today)
        if end <= start:
            continue
        for index in range(rng.randint(1, 4)):
            day = start + timedelta(days=rng.randint(0, (end - start).days))
            salesperson = crediting.credited(customer, day)
            seller = crediting.staff.sellers.get(salesperson)
            mood = (seller.quality if seller else 0.0) - (0.9 if customer.lost_on else 0.0)
            if rng.random() < NPS_SHARE:
                scale = SurveyScale.NPS
                score = min(10, max(0, round(rng.gauss(7.8 + 2 * mood, 1.6))))
                band = "good" if score >= 9 else "fair" if score >= 7 else "poor"
            else:
                scale = SurveyScale.FIVE_POINT
                score = min(5, max(1, round(rng.gauss(4.0 + mood, 0.75))))
                band = "good" if score >= 5 else "fair" if score >= 3 else "poor"
            comment = rng.choice(COMMENTS[band]) if rng.random() < 0.4 else ""
            responses.append(
                PlannedResponse(
                    external_id=f"SAT-{customer.code}-{index + 1}",
                    customer=customer.code,
                    salesperson=salesperson,
                    team=customer.team,
                    scale=scale,
                    score=score,
                    comment=comment,
                    responded_on=day,
                    channel=rng.choices(
                        [channel for channel, _w in CHANNELS], [w for _c, w in CHANNELS]
                    )[0],
                )
            )
    return responses


def order_lines_wanted(context: DemoContext) -> int:
    """How many order lines the demo makes (tests ask for fewer)."""
    wanted = (
        context.shared.get("demo_order_lines")
        or getattr(settings, "DEMO_ORDER_LINES", None)
        or os.environ.get("DEMO_ORDER_LINES")
        or DEFAULT_ORDER_LINES
    )
    return int(wanted)


def _manager_number(unit: OrgUnit) -> str:
    assert unit.manager is not None, f"the demo unit {unit.code} has a manager"
    return unit.manager.employee_number


def plan_sales(context: DemoContext, people: Sequence[Person]) -> SalesPlan:
    """The whole history, in memory: nothing is written here."""
    today = context.today
    anchor = today.replace(day=1)
    window_start = history_start(today)
    order_lines = order_lines_wanted(context)
    by_number = {person.employee_number: person for person in people}

    transfers = plan_transfers(people, anchor)
    units: dict[str, OrgUnit] = {**context.shared["teams"], **context.shared["departments"]}
    team_managers = {code: _manager_number(units[code]) for code in TERRITORIES}
    department_managers = {
        code: _manager_number(OrgUnit.objects.get_parent(units[code])) for code in TERRITORIES
    }
    head_of_sales = context.shared["executive"].employee_number
    staff = plan_staff(
        people,
        transfers=transfers,
        team_managers=team_managers,
        department_managers=department_managers,
        head_of_sales=head_of_sales,
        seed=context.random("sales.sellers"),
    )
    stand_ins = {number for chain in staff.fallbacks.values() for number in chain}
    employment = {
        number: (by_number[number].hire_date or date.min, by_number[number].left_on)
        for number in stand_ins | set(staff.sellers)
    }
    crediting = Crediting(staff, employment)

    count = min(2_000, max(30, order_lines // 65))
    customers = plan_customers(
        context.random("sales.customers"),
        staff,
        count=count,
        window_start=window_start,
        today=today,
    )
    for customer in customers:
        customer.owner = crediting.credited(customer, today)
    orders, counts = plan_orders(
        context.random,
        crediting,
        customers,
        order_lines=order_lines,
        window_start=window_start,
        today=today,
    )
    responses = plan_responses(
        context.random("sales.satisfaction"),
        crediting,
        customers,
        window_start=window_start,
        today=today,
    )
    return SalesPlan(
        window_start=window_start,
        transfers=transfers,
        customers=customers,
        orders=orders,
        responses=responses,
        counts=counts,
    )


# --- Writing it ---------------------------------------------------------------------------


def load(*, context: DemoContext) -> None:
    """Write the demo company's sales history (a second run changes nothing)."""
    people = list(
        Person.objects.select_related("unit").filter(
            employee_number__in=list(context.shared["people"])
        )
    )
    plan = plan_sales(context, people)
    by_number = {person.employee_number: person for person in people}
    units = {**context.shared["teams"], **context.shared["departments"]}

    _write_transfers(plan.transfers, by_number, units)
    customers = _write_customers(context, plan.customers, by_number)
    written = _write_orders(context, plan.orders)
    answers = _write_responses(plan.responses, customers, by_number, units)

    lines = sum(len(order.lines) for order in plan.orders)
    active = sum(1 for customer in plan.customers if customer.lost_on is None)
    context.shared.update(sales_plan=plan, customers=customers)
    context.stdout.write(
        f"Sales ({plan.window_start:%Y-%m} to {context.today:%Y-%m-%d}): "
        f"{len(plan.customers)} customers ({active} active), {len(plan.orders)} orders "
        f"with {lines} lines ({written['created']} new, {written['updated']} changed), "
        f"{plan.counts['split']} split, {plan.counts['returns']} returns, "
        f"{plan.counts['cancelled']} cancelled; {answers} satisfaction answers; "
        f"{len(plan.transfers)} transfers."
    )


def _write_transfers(
    transfers: Sequence[Transfer], people: dict[str, Person], units: dict[str, OrgUnit]
) -> None:
    for transfer in transfers:
        person = people[transfer.number]
        for valid_from, team in (
            (transfer.hired, transfer.from_team),
            (transfer.on, transfer.to_team),
        ):
            upsert(
                UnitAssignment,
                lookup={"person": person, "valid_from": valid_from},
                values={"unit": units[team]},
            )


def _write_customers(
    context: DemoContext, planned: Sequence[PlannedCustomer], people: dict[str, Person]
) -> dict[str, Customer]:
    regions = context.shared["regions"]
    segments = context.shared["segments"]
    customers = {}
    for customer in planned:
        customers[customer.code], _changed = upsert(
            Customer,
            lookup={"code": customer.code},
            values={
                "name": customer.name,
                "name_en": customer.name_en,
                "region": regions[customer.province],
                "segment": segments[customer.segment],
                "owner": people[customer.owner],
                "source": SOURCE,
                "is_active": customer.lost_on is None,
            },
        )
    return customers


def _write_orders(context: DemoContext, orders: Sequence[OrderRow]) -> dict[str, int]:
    written = {"created": 0, "updated": 0, "unchanged": 0}
    for start in range(0, len(orders), BATCH_ORDERS):
        batch = [
            _numbered(row, start + index + 1)
            for index, row in enumerate(orders[start : start + BATCH_ORDERS])
        ]
        result = services.orders_upsert(actor=context.actor, source=SOURCE, rows=batch)
        written["created"] += result.created
        written["updated"] += result.updated
        written["unchanged"] += result.unchanged
    return written


def _numbered(row: OrderRow, number: int) -> OrderRow:
    return replace(row, row=number)


def _write_responses(
    planned: Sequence[PlannedResponse],
    customers: dict[str, Customer],
    people: dict[str, Person],
    units: dict[str, OrgUnit],
) -> int:
    assignments: dict[int, list[tuple[date, int]]] = {}
    for assignment in UnitAssignment.objects.order_by("valid_from"):
        assignments.setdefault(assignment.person_id, []).append(
            (assignment.valid_from, assignment.unit_id)
        )
    for response in planned:
        person = people[response.salesperson]
        unit_id = _unit_on(person, response.responded_on, assignments)
        upsert(
            SatisfactionResponse,
            lookup={"external_id": response.external_id, "customer": customers[response.customer]},
            values={
                "salesperson": person,
                "unit_id": unit_id,
                "scale": response.scale,
                "score": response.score,
                "score_normalized": services.normalized_score(response.scale, response.score),
                "comment": response.comment,
                "responded_on": response.responded_on,
                "month": response.responded_on.year * 100 + response.responded_on.month,
                "channel": response.channel,
            },
        )
    return len(planned)


def _unit_on(person: Person, day: date, assignments: dict[int, list[tuple[date, int]]]) -> int:
    """The person's unit on `day`: the assignment in force, the earliest one before any,
    the current unit when none is recorded."""
    history = assignments.get(person.pk)
    if not history:
        return person.unit_id
    unit = history[0][1]
    for valid_from, unit_id in history:
        if valid_from <= day:
            unit = unit_id
    return unit
