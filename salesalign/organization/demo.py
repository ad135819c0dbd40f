"""Demo loader: 华辰智能科技 (Huachen Smart Tech) — org tree, people, logins and dimensions.

Run by `manage.py load_demo` (see its docstring for the loader contract). Everything
is keyed by unit code, employee number, dimension code or username, so a second run
finds the same rows and changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model

from salesalign.core.choices import Role
from salesalign.core.management.commands.load_demo import (
    ADMIN_USERNAME,
    apply_changes,
    refresh_all,
    upsert,
    upsert_node,
)
from salesalign.organization.choices import UnitKind
from salesalign.organization.models import CustomerSegment, OrgUnit, Person, ProductLine, Region

if TYPE_CHECKING:
    from salesalign.core.management.commands.load_demo import DemoContext

EMAIL_DOMAIN = "huachen.example.com"

COMPANY = ("HC", "华辰智能科技有限公司", "Huachen Smart Tech Co., Ltd.")

# code, name, English name
DEPARTMENTS = [
    ("D1-EAST", "华东大区", "East China"),
    ("D2-NORTH", "华北大区", "North China"),
    ("D3-SOUTH", "华南大区", "South China"),
    ("D4-KA", "大客户部", "Key Accounts"),
]

# code, department, name, English name, number of salespeople (deliberately uneven)
TEAMS = [
    ("T11-SH", "D1-EAST", "上海团队", "Shanghai Team", 11),
    ("T12-HZ", "D1-EAST", "杭州团队", "Hangzhou Team", 8),
    ("T13-NJ", "D1-EAST", "南京团队", "Nanjing Team", 6),
    ("T21-BJ", "D2-NORTH", "北京团队", "Beijing Team", 10),
    ("T22-TJ", "D2-NORTH", "天津团队", "Tianjin Team", 5),
    ("T31-GZ", "D3-SOUTH", "广州团队", "Guangzhou Team", 8),
    ("T32-SZ", "D3-SOUTH", "深圳团队", "Shenzhen Team", 9),
    ("T41-FIN", "D4-KA", "金融与制造行业组", "Finance & Manufacturing Accounts", 6),
    ("T42-PUB", "D4-KA", "政企行业组", "Public Sector Accounts", 5),
]

DEMO_TEAM = "T11-SH"
SALESPERSON_LOGIN_NUMBER = "HC1001"
LEAVERS = 3


@dataclass(frozen=True)
class FixedPerson:
    """A person the demo names on purpose: leaders and the people behind the logins."""

    number: str
    name: str
    name_en: str
    unit: str
    role: str
    title: str
    level: str
    years: float  # years since hiring
    login: str = ""
    manages: str = ""


# Leaders and the people behind the demo logins; everyone else is generated.
# number, name, English name, unit, role, title, level, years since hiring, login, manages
FIXED_PEOPLE = [
    FixedPerson("HC0001", "陈建国", "Chen Jianguo", "HC", Role.EXECUTIVE, "销售副总裁", "M5", 9.5, "exec"),
    FixedPerson("HC0002", "刘芳", "Liu Fang", "HC", Role.HR, "培训经理", "M2", 5.2, "hr"),
    FixedPerson("HC0003", "赵磊", "Zhao Lei", "HC", Role.ADMIN, "销售运营与系统管理员", "P5", 4.1, ADMIN_USERNAME),
    FixedPerson("HC0010", "孙浩", "Sun Hao", "D1-EAST", Role.MANAGER, "华东大区总监", "M3", 7.8, manages="D1-EAST"),
    FixedPerson("HC0011", "郭静", "Guo Jing", "D2-NORTH", Role.MANAGER, "华北大区总监", "M3", 6.9, manages="D2-NORTH"),
    FixedPerson("HC0012", "林志强", "Lin Zhiqiang", "D3-SOUTH", Role.MANAGER, "华南大区总监", "M3", 8.3, manages="D3-SOUTH"),
    FixedPerson("HC0013", "何雪", "He Xue", "D4-KA", Role.MANAGER, "大客户部总监", "M3", 5.6, manages="D4-KA"),
    FixedPerson("HC0020", "张伟", "Zhang Wei", "T11-SH", Role.MANAGER, "销售经理", "M2", 5.9, "manager", "T11-SH"),
    FixedPerson("HC0021", "周婷", "Zhou Ting", "T12-HZ", Role.MANAGER, "销售经理", "M1", 3.4, manages="T12-HZ"),
    FixedPerson("HC0022", "吴刚", "Wu Gang", "T13-NJ", Role.MANAGER, "销售经理", "M1", 4.7, manages="T13-NJ"),
    FixedPerson("HC0023", "马超", "Ma Chao", "T21-BJ", Role.MANAGER, "销售经理", "M2", 6.1, manages="T21-BJ"),
    FixedPerson("HC0024", "杨帆", "Yang Fan", "T22-TJ", Role.MANAGER, "销售经理", "M1", 2.8, manages="T22-TJ"),
    FixedPerson("HC0025", "黄丽", "Huang Li", "T31-GZ", Role.MANAGER, "销售经理", "M1", 3.9, manages="T31-GZ"),
    FixedPerson("HC0026", "梁俊", "Liang Jun", "T32-SZ", Role.MANAGER, "销售经理", "M2", 5.3, manages="T32-SZ"),
    FixedPerson("HC0027", "郑佳", "Zheng Jia", "T41-FIN", Role.MANAGER, "大客户销售经理", "M2", 6.6, manages="T41-FIN"),
    FixedPerson("HC0028", "徐鹏", "Xu Peng", "T42-PUB", Role.MANAGER, "大客户销售经理", "M2", 4.4, manages="T42-PUB"),
    FixedPerson(SALESPERSON_LOGIN_NUMBER, "李明", "Li Ming", "T11-SH", Role.SALESPERSON, "高级销售代表", "P4", 2.6, "sales"),
]  # fmt: skip

# (surname, pinyin, weight): the commonest Chinese surnames, roughly by frequency.
SURNAMES = [
    ("王", "Wang", 10), ("李", "Li", 10), ("张", "Zhang", 9), ("刘", "Liu", 8), ("陈", "Chen", 7),
    ("杨", "Yang", 5), ("黄", "Huang", 4), ("赵", "Zhao", 4), ("吴", "Wu", 4), ("周", "Zhou", 4),
    ("徐", "Xu", 3), ("孙", "Sun", 3), ("马", "Ma", 3), ("朱", "Zhu", 3), ("胡", "Hu", 3),
    ("郭", "Guo", 2), ("何", "He", 2), ("林", "Lin", 2), ("高", "Gao", 2), ("罗", "Luo", 2),
    ("郑", "Zheng", 2), ("梁", "Liang", 2), ("谢", "Xie", 2), ("宋", "Song", 1), ("唐", "Tang", 1),
    ("韩", "Han", 1), ("冯", "Feng", 1), ("邓", "Deng", 1), ("曹", "Cao", 1), ("彭", "Peng", 1),
]  # fmt: skip

# Given names with their pinyin: common two-character names and a few single ones.
GIVEN_NAMES = [
    ("志强", "Zhiqiang"), ("建华", "Jianhua"), ("晓燕", "Xiaoyan"), ("丽娟", "Lijuan"),
    ("海涛", "Haitao"), ("俊杰", "Junjie"), ("文博", "Wenbo"), ("思远", "Siyuan"),
    ("子涵", "Zihan"), ("欣怡", "Xinyi"), ("雨萱", "Yuxuan"), ("浩然", "Haoran"),
    ("宇航", "Yuhang"), ("佳怡", "Jiayi"), ("嘉欣", "Jiaxin"), ("明轩", "Mingxuan"),
    ("晨曦", "Chenxi"), ("天宇", "Tianyu"), ("鹏飞", "Pengfei"), ("振华", "Zhenhua"),
    ("国栋", "Guodong"), ("秀英", "Xiuying"), ("桂芳", "Guifang"), ("玉兰", "Yulan"),
    ("春梅", "Chunmei"), ("红霞", "Hongxia"), ("建军", "Jianjun"), ("立新", "Lixin"),
    ("永刚", "Yonggang"), ("晓东", "Xiaodong"), ("文静", "Wenjing"), ("慧敏", "Huimin"),
    ("雪梅", "Xuemei"), ("婷婷", "Tingting"), ("凯文", "Kaiwen"), ("一鸣", "Yiming"),
    ("诗琪", "Shiqi"), ("梦瑶", "Mengyao"), ("博文", "Bowen"), ("志伟", "Zhiwei"),
    ("海燕", "Haiyan"), ("晓峰", "Xiaofeng"), ("丹丹", "Dandan"), ("金龙", "Jinlong"),
    ("小龙", "Xiaolong"), ("亚楠", "Yanan"), ("少华", "Shaohua"), ("家豪", "Jiahao"),
    ("颖", "Ying"), ("磊", "Lei"), ("静", "Jing"), ("敏", "Min"), ("杰", "Jie"),
    ("涛", "Tao"), ("芳", "Fang"), ("娜", "Na"), ("勇", "Yong"), ("超", "Chao"),
    ("军", "Jun"), ("洋", "Yang"), ("鑫", "Xin"), ("倩", "Qian"), ("琳", "Lin"), ("昊", "Hao"),
]  # fmt: skip

PHONE_PREFIXES = ["133", "135", "136", "138", "139", "150", "152", "158", "177", "186", "188"]

# code, name, English name, description, children (code, name, English name)
PRODUCT_LINES = [
    ("PL-IOT", "智能物联网平台", "IoT Platform", "设备接入、边缘计算与云端管理。", [
        ("PL-IOT-GW", "边缘网关", "Edge gateways"),
        ("PL-IOT-CLOUD", "物联网云服务", "IoT cloud services"),
    ]),
    ("PL-VIS", "机器视觉", "Machine Vision", "工业相机与视觉检测软件。", [
        ("PL-VIS-CAM", "工业相机", "Industrial cameras"),
        ("PL-VIS-AI", "AI 视觉检测软件", "AI visual inspection software"),
    ]),
    ("PL-ROB", "智能仓储机器人", "Warehouse Robotics", "自动导引车与智能分拣系统。", [
        ("PL-ROB-AGV", "AGV 搬运机器人", "AGV transport robots"),
        ("PL-ROB-SORT", "智能分拣系统", "Smart sorting systems"),
    ]),
    ("PL-EMS", "能源管理系统", "Energy Management", "工厂与园区的能耗监测与优化。", []),
    ("PL-SVC", "实施与运维服务", "Implementation & Support", "项目实施、培训与年度运维合同。", []),
]  # fmt: skip

# code, name, English name, provinces (code, name, English name)
REGIONS = [
    ("CN-EAST", "华东", "East China", [
        ("CN-SH", "上海", "Shanghai"), ("CN-JS", "江苏", "Jiangsu"), ("CN-ZJ", "浙江", "Zhejiang"),
    ]),
    ("CN-NORTH", "华北", "North China", [
        ("CN-BJ", "北京", "Beijing"), ("CN-TJ", "天津", "Tianjin"), ("CN-HE", "河北", "Hebei"),
    ]),
    ("CN-SOUTH", "华南", "South China", [("CN-GD", "广东", "Guangdong"), ("CN-FJ", "福建", "Fujian")]),
    ("CN-CENTRAL", "华中", "Central China", [("CN-HB", "湖北", "Hubei"), ("CN-HN", "湖南", "Hunan")]),
    ("CN-SOUTHWEST", "西南", "Southwest China", [("CN-SC", "四川", "Sichuan"), ("CN-CQ", "重庆", "Chongqing")]),
    ("CN-NORTHWEST", "西北", "Northwest China", [("CN-SN", "陕西", "Shaanxi")]),
]  # fmt: skip

SEGMENTS = [
    ("SEG-KA", "大客户", "Key accounts", "年采购额 500 万元以上的集团客户。"),
    ("SEG-SMB", "中小企业", "SMB", "年采购额 500 万元以下的制造与物流企业。"),
    (
        "SEG-GOV",
        "政府与公共事业",
        "Government & public sector",
        "政府机关、园区管委会与公用事业单位。",
    ),
    ("SEG-CHANNEL", "渠道伙伴", "Channel partners", "经销商、系统集成商与解决方案伙伴。"),
]


def load(*, context: DemoContext) -> None:
    """Create or refresh the company, its people, the demo logins and the three dimensions."""
    today = context.today
    units = _load_units()
    people = _load_fixed_people(context, units)
    people.update(_load_salespeople(context, units, taken={p.name for p in people.values()}))
    _assign_managers(units, people)
    refresh_all(units.values())

    product_lines = _load_tree(ProductLine, PRODUCT_LINES)
    regions = _load_regions()
    segments = {
        code: upsert_node(
            CustomerSegment,
            code=code,
            parent=None,
            values={"name": name, "name_en": name_en, "description": description},
        )
        for code, name, name_en, description in SEGMENTS
    }

    by_login = {fixed.login: people[fixed.number] for fixed in FIXED_PEOPLE if fixed.login}
    context.shared.update(
        company=units[COMPANY[0]],
        departments={code: units[code] for code, *_rest in DEPARTMENTS},
        teams={code: units[code] for code, *_rest in TEAMS},
        people=people,
        executive=by_login["exec"],
        hr=by_login["hr"],
        admin=by_login[ADMIN_USERNAME],
        manager=by_login["manager"],
        salesperson=by_login["sales"],
        demo_team=units[DEMO_TEAM],
        product_lines=product_lines,
        regions=regions,
        segments=segments,
    )
    _register_logins(context, by_login, units[DEMO_TEAM])

    active = sum(1 for person in people.values() if person.is_active)
    sellers = sum(
        1 for person in people.values() if person.is_active and person.role == Role.SALESPERSON
    )
    context.stdout.write(
        f"Organisation ({today:%Y-%m-%d}): 1 company, {len(DEPARTMENTS)} departments, "
        f"{len(TEAMS)} teams, {len(people)} people ({active} active, {sellers} salespeople); "
        f"{len(PRODUCT_LINES)} product lines, {len(REGIONS)} regions, {len(SEGMENTS)} segments."
    )


def _load_units() -> dict[str, OrgUnit]:
    code, name, name_en = COMPANY
    company = upsert_node(
        OrgUnit,
        code=code,
        parent=None,
        values={"name": name, "name_en": name_en, "kind": UnitKind.COMPANY, "is_active": True},
    )
    units: dict[str, OrgUnit] = {code: company}
    for code, name, name_en in DEPARTMENTS:
        units[code] = upsert_node(
            OrgUnit,
            code=code,
            parent=company,
            values={
                "name": name,
                "name_en": name_en,
                "kind": UnitKind.DEPARTMENT,
                "is_active": True,
            },
        )
    for code, department, name, name_en, _size in TEAMS:
        units[code] = upsert_node(
            OrgUnit,
            code=code,
            parent=units[department],
            values={"name": name, "name_en": name_en, "kind": UnitKind.TEAM, "is_active": True},
        )
    return units


def _anchor(context: DemoContext) -> date:
    """Hire and leaving dates count back from the first of the month, so a re-run on
    another day of the month changes nobody (and adds nothing to the audit trail)."""
    return context.today.replace(day=1)


def _email(name_en: str) -> str:
    surname, _space, given = name_en.partition(" ")
    return f"{given.lower()}.{surname.lower()}@{EMAIL_DOMAIN}"


def _phone(rng: random.Random) -> str:
    return f"+86 {rng.choice(PHONE_PREFIXES)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"


def _chat_ids(rng: random.Random, name_en: str, unit_code: str) -> dict[str, str]:
    """Most people are on WeCom; North China still uses DingTalk, Shenzhen tries Feishu."""
    handle = name_en.replace(" ", "")
    ids = {"wecom_id": "", "dingtalk_id": "", "feishu_id": ""}
    if unit_code.startswith("T2") or unit_code == "D2-NORTH":
        if rng.random() < 0.8:
            ids["dingtalk_id"] = f"hc_{handle.lower()}"
    elif unit_code == "T32-SZ":
        if rng.random() < 0.7:
            ids["feishu_id"] = f"ou_{rng.getrandbits(48):012x}"
    elif rng.random() < 0.75:
        ids["wecom_id"] = handle
    return ids


def _login(username: str, person_number: str, name_en: str, password: str) -> Any:
    """The login `username`, with the demo password; detached from any other person."""
    user_model = get_user_model()
    user, _created = user_model._default_manager.get_or_create(username=username)
    surname, _space, given = name_en.partition(" ")
    is_admin = username == ADMIN_USERNAME
    changed = apply_changes(
        user,
        {
            "first_name": given,
            "last_name": surname,
            "email": _email(name_en),
            "is_active": True,
            "is_staff": is_admin,
            "is_superuser": is_admin,
        },
    )
    if not user.check_password(password):
        user.set_password(password)
        changed = True
    if changed:
        user.save()
    for other in Person.objects.filter(user=user).exclude(employee_number=person_number):
        other.user = None
        other.save()
    return user


def _load_fixed_people(context: DemoContext, units: dict[str, OrgUnit]) -> dict[str, Person]:
    rng = context.random("organization.fixed-people")
    people: dict[str, Person] = {}
    for fixed in FIXED_PEOPLE:
        user = (
            _login(fixed.login, fixed.number, fixed.name_en, context.password)
            if fixed.login
            else None
        )
        people[fixed.number], _changed = upsert(
            Person,
            lookup={"employee_number": fixed.number},
            values={
                "name": fixed.name,
                "name_en": fixed.name_en,
                "email": _email(fixed.name_en),
                "phone": _phone(rng),
                **_chat_ids(rng, fixed.name_en, fixed.unit),
                "unit": units[fixed.unit],
                "title": fixed.title,
                "level": fixed.level,
                "role": fixed.role,
                "hire_date": _anchor(context) - timedelta(days=round(fixed.years * 365)),
                "is_active": True,
                "left_on": None,
                "user": user,
            },
        )
    return people


def _generate_name(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A plausible Chinese name and its pinyin ("王志强", "Wang Zhiqiang"), not yet taken."""
    surnames = [entry[:2] for entry in SURNAMES]
    weights = [entry[2] for entry in SURNAMES]
    while True:
        surname, surname_pinyin = rng.choices(surnames, weights=weights)[0]
        given, given_pinyin = rng.choice(GIVEN_NAMES)
        name = surname + given
        if name not in taken:
            taken.add(name)
            return name, f"{surname_pinyin} {given_pinyin}"


def _title_and_level(years: float, key_accounts: bool) -> tuple[str, str]:
    if key_accounts:
        return ("高级大客户经理", "P6") if years >= 4 else ("大客户经理", "P5")
    if years >= 4:
        return "资深销售代表", "P5"
    if years >= 1.5:
        return "高级销售代表", "P4"
    return "销售代表", "P3"


def _load_salespeople(
    context: DemoContext, units: dict[str, OrgUnit], *, taken: set[str]
) -> dict[str, Person]:
    """The salespeople of every team, numbered HC1001…; three of them have left."""
    rng = context.random("organization.salespeople")
    today = _anchor(context)
    plans: list[dict[str, Any]] = []
    used_emails = {_email(name_en) for *_rest, name_en in _fixed_names()}
    number = int(SALESPERSON_LOGIN_NUMBER[2:])
    for code, department, _name, _name_en, size in TEAMS:
        # The salesperson login is the first member of the demo team.
        remaining = size - 1 if code == DEMO_TEAM else size
        for _index in range(remaining):
            number += 1
            name, name_en = _generate_name(rng, taken)
            email = _email(name_en)
            if email in used_emails:
                email = email.replace("@", f"{number % 100:02d}@")
            used_emails.add(email)
            days = rng.randint(45, 6 * 365)
            title, level = _title_and_level(days / 365, department == "D4-KA")
            plans.append(
                {
                    "employee_number": f"HC{number:04d}",
                    "name": name,
                    "name_en": name_en,
                    "email": email,
                    "phone": _phone(rng),
                    **_chat_ids(rng, name_en, code),
                    "unit": units[code],
                    "title": title,
                    "level": level,
                    "role": Role.SALESPERSON,
                    "hire_date": today - timedelta(days=days),
                    "is_active": True,
                    "left_on": None,
                }
            )
    # Leavers: people hired at least a year ago, who left within the last ten months.
    candidates = [plan for plan in plans if (today - plan["hire_date"]).days > 365]
    for plan in rng.sample(candidates, LEAVERS):
        plan["is_active"] = False
        plan["left_on"] = today - timedelta(days=rng.randint(20, 300))

    people: dict[str, Person] = {}
    for plan in plans:
        number_key = plan.pop("employee_number")
        people[number_key], _changed = upsert(
            Person, lookup={"employee_number": number_key}, values=plan
        )
    return people


def _fixed_names() -> list[tuple[str, str]]:
    return [(fixed.name, fixed.name_en) for fixed in FIXED_PEOPLE]


def _assign_managers(units: dict[str, OrgUnit], people: dict[str, Person]) -> None:
    for fixed in FIXED_PEOPLE:
        if fixed.manages:
            unit = units[fixed.manages]
            if apply_changes(unit, {"manager": people[fixed.number]}):
                unit.save()


def _load_tree(model: type[Any], spec: list[Any]) -> dict[str, Any]:
    nodes: dict[str, Any] = {}
    for code, name, name_en, description, children in spec:
        parent = upsert_node(
            model,
            code=code,
            parent=None,
            values={"name": name, "name_en": name_en, "description": description},
        )
        nodes[code] = parent
        for child_code, child_name, child_name_en in children:
            nodes[child_code] = upsert_node(
                model,
                code=child_code,
                parent=parent,
                values={"name": child_name, "name_en": child_name_en},
            )
    refresh_all(nodes.values())
    return nodes


def _load_regions() -> dict[str, Region]:
    china = upsert_node(Region, code="CN", parent=None, values={"name": "中国", "name_en": "China"})
    nodes: dict[str, Region] = {"CN": china}
    for code, name, name_en, provinces in REGIONS:
        region = upsert_node(
            Region, code=code, parent=china, values={"name": name, "name_en": name_en}
        )
        nodes[code] = region
        for province_code, province_name, province_name_en in provinces:
            nodes[province_code] = upsert_node(
                Region,
                code=province_code,
                parent=region,
                values={"name": province_name, "name_en": province_name_en},
            )
    refresh_all(nodes.values())
    return nodes


def _register_logins(context: DemoContext, by_login: dict[str, Person], team: OrgUnit) -> None:
    sees = {
        ADMIN_USERNAME: "everything; edits the organisation, dimensions and strategy",
        "exec": "the whole company: strategy, goals, every team's numbers",
        "manager": f"own team {team.name_en} ({team.name}) and its salespeople",
        "sales": "own records; the strategy document waiting for confirmation",
        "hr": "the whole company; onboarding and training",
    }
    for username in (ADMIN_USERNAME, "exec", "manager", "sales", "hr"):
        person = by_login[username]
        context.add_login(
            role=str(Role(person.role).label),
            username=username,
            name=f"{person.name} {person.name_en}",
            sees=sees[username],
        )
