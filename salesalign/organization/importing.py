"""Import of org units and people from XLSX or CSV, and the people export.

The import runs in two steps, each its own request: `organization_import_check`
reads and validates the whole file without writing anything to the
organisation and keeps the file, the counts and every error in an
`ImportBatch`; `organization_import_commit` checks it again against the
database as it is now and, only when there is no error, writes everything in
one transaction (units first, parents before children; then people; then the
units' managers). A unit is matched by its code and a person by their employee
number, so importing a file again updates instead of duplicating.

Column semantics: a column that is absent leaves the field as it is; a column
that is present but blank clears the field (a blank role or kind keeps the
current one; a blank parent code makes the unit a top-level unit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import ImportBatch, User
from salesalign.core.roles import is_admin, person_of
from salesalign.core.spreadsheets import (
    Cell,
    Column,
    HeaderMatch,
    Sheet,
    SpreadsheetError,
    Table,
    cell_text,
    match_choice,
    match_header,
    normalize_name,
    parse_date,
    read_tables,
)
from salesalign.organization.choices import UnitKind
from salesalign.organization.models import OrgUnit, Person
from salesalign.organization.services import unit_assignment_record

KIND = "organization"
UNITS = "units"
PEOPLE = "people"
TABLES = (UNITS, PEOPLE)
#: How many changed rows the preview keeps for display.
SAMPLE_SIZE = 50
#: How many errors are stored; the count keeps the full number.
MAX_STORED_ERRORS = 1000

ACTIVE = "active"
LEFT = "left"

# ---------------------------------------------------------------- the file format


def _names(text: str) -> tuple[str, ...]:
    """Aliases written as one "|"-separated string, to keep the column list readable."""
    return tuple(text.split("|"))


# fmt: off
UNIT_COLUMNS: tuple[Column, ...] = (
    Column("code", gettext_lazy("Unit code"), "单元代码 / Unit code",
           _names("代码|编码|组织代码|部门代码|单元编码|组织编码|code|unit code|unit id"), required=True),
    Column("name", gettext_lazy("Name"), "名称 / Name",
           _names("单元名称|组织名称|部门名称|中文名称|name|unit name"), required=True),
    Column("name_en", gettext_lazy("English name"), "英文名称 / English name",
           _names("英文名|english name|name en|name (english)")),
    Column("kind", gettext_lazy("Kind"), "类型 / Kind",
           _names("单元类型|组织类型|层级|kind|type|unit type"), required=True),
    Column("parent_code", gettext_lazy("Parent code"), "上级代码 / Parent code",
           _names("上级|上级单元代码|上级组织代码|上级编码|parent|parent code|parent unit")),
    Column("manager_number", gettext_lazy("Manager employee number"), "负责人工号 / Manager employee number",
           _names("负责人|经理工号|主管工号|manager|manager employee number|manager number")),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("employee_number", gettext_lazy("Employee number"), "工号 / Employee number",
           _names("员工编号|员工号|职工号|employee number|employee no|employee id|emp no|staff number"),
           required=True),
    Column("name", pgettext_lazy("a person's name", "Name"), "姓名 / Name",
           _names("名字|中文名|中文姓名|员工姓名|name|full name|chinese name"), required=True),
    Column("name_en", gettext_lazy("English name"), "英文名 / English name",
           _names("英文姓名|english name|name en|name (english)")),
    Column("email", gettext_lazy("Email"), "邮箱 / Email", _names("电子邮件|电子邮箱|邮件|e-mail|mail")),
    Column("phone", gettext_lazy("Phone"), "电话 / Phone",
           _names("手机|手机号|手机号码|联系电话|mobile|telephone|tel")),
    Column("wecom_id", gettext_lazy("WeCom ID"), "企业微信ID / WeCom ID",
           _names("企业微信|企业微信账号|企业微信号|wecom|wechat work id|wxwork id")),
    Column("dingtalk_id", gettext_lazy("DingTalk ID"), "钉钉ID / DingTalk ID",
           _names("钉钉|钉钉账号|dingtalk")),
    Column("feishu_id", gettext_lazy("Feishu ID"), "飞书ID / Feishu ID", _names("飞书|飞书账号|feishu|lark id")),
    Column("unit_code", gettext_lazy("Unit code"), "单元代码 / Unit code",
           _names("所属单元代码|组织代码|部门代码|团队代码|所属部门代码|unit code|unit|team code|department code"),
           required=True),
    Column("title", gettext_lazy("Title"), "职位 / Title", _names("职务|岗位|title|job title|position")),
    Column("level", gettext_lazy("Level"), "职级 / Level", _names("级别|level|grade")),
    Column("role", gettext_lazy("Role"), "角色 / Role", _names("系统角色|role")),
    Column("hire_date", gettext_lazy("Hire date"), "入职日期 / Hire date",
           _names("入职时间|hire date|hired on|start date|joined on|date joined")),
    Column("status", gettext_lazy("Status"), "状态 / Status",
           _names("在职状态|员工状态|status|active|employment status")),
    Column("left_on", gettext_lazy("Left on"), "离职日期 / Left on",
           _names("离职时间|left on|leaving date|left date|end date|termination date")),
)
# fmt: on

COLUMNS = {UNITS: UNIT_COLUMNS, PEOPLE: PERSON_COLUMNS}
SHEET_NAMES = {
    UNITS: (
        "Units",
        "组织",
        "单元",
        "组织单元",
        "部门",
        "org units",
        "organisation",
        "organization",
    ),
    PEOPLE: ("People", "人员", "员工", "人员名单", "persons", "employees", "staff"),
}
TABLE_LABELS = {UNITS: gettext_lazy("Units"), PEOPLE: gettext_lazy("People")}

KIND_ALIASES: dict[str, tuple[str, ...]] = {
    UnitKind.COMPANY: _names("公司|集团|总公司|corporation|company"),
    UnitKind.DEPARTMENT: _names("部门|事业部|部|dept|division"),
    UnitKind.TEAM: _names("团队|小组|组|team|group"),
}
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    Role.ADMIN: _names("administrator|admin|管理员|系统管理员"),
    Role.EXECUTIVE: _names("executive|exec|高管|高层|高层管理"),
    Role.MANAGER: _names("manager|sales manager|经理|销售经理|主管|销售主管"),
    Role.SALESPERSON: _names("salesperson|sales|sales rep|销售|销售员|销售人员|销售代表"),
    Role.HR: _names("hr|trainer|hr / trainer|人事|培训|人事/培训|人力资源|培训师"),
}
STATUS_ALIASES: dict[str, tuple[str, ...]] = {
    ACTIVE: _names("active|在职|正常|是|yes|y|true|1"),
    LEFT: _names("left|离职|已离职|inactive|否|no|n|false|0"),
}


def _choice_names(choices: Any, aliases: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Accepted names per choice: the value, its label in every language, and the aliases."""
    names: dict[str, list[str]] = {
        value: [value, *aliases.get(value, ())] for value in choices.values
    }
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices.choices:
                names[value].append(str(label))
    return names


def _status_label(is_active: bool) -> str:
    return _("active") if is_active else _("left")


# ---------------------------------------------------------------- plain data of a check


@dataclass(frozen=True)
class RowError:
    """One reason the file cannot be committed; `row` is None for the file as a whole."""

    table: str
    row: int | None
    column: str
    reason: str
    value: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class UnitRow:
    """A unit as the file describes it; `None` for a column the file does not have."""

    row: int
    code: str
    name: str
    name_en: str | None
    kind: str | None
    parent_code: str | None
    manager_number: str | None


@dataclass
class PersonRow:
    """A person as the file describes it: only the fields of columns present in the file."""

    row: int
    number: str
    unit_code: str
    values: dict[str, Any]
    status: str | None  # ACTIVE / LEFT / "" (blank) / None (no column)


@dataclass
class Change:
    """What committing one row would do."""

    table: str
    row: int
    key: str
    name: str
    action: str  # "new", "changed", "unchanged"
    fields: list[tuple[str, str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row": self.row,
            "key": self.key,
            "name": self.name,
            "action": self.action,
            "fields": [{"field": f, "old": old, "new": new} for f, old, new in self.fields],
        }


@dataclass
class ImportPlan:
    """Everything the check found: the rows, the changes they make, and the errors."""

    tables: list[str] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    unit_columns: set[str] = field(default_factory=set)
    person_columns: set[str] = field(default_factory=set)
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Every unit code and employee number in the file, rows with errors included.
    codes_in_file: set[str] = field(default_factory=set)
    numbers_in_file: set[str] = field(default_factory=set)

    def counts(self, table: str) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        for change in self.changes:
            if change.table == table:
                counts[change.action] += 1
        # Rows with at least one error (a missing column counts as one).
        counts["errors"] = len({error.row for error in self.errors if error.table == table})
        return counts

    def total(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


@dataclass
class _Existing:
    """The organisation as it is in the database, loaded with one query per table."""

    units: dict[str, OrgUnit]
    unit_by_path: dict[str, OrgUnit]
    unit_by_pk: dict[int, OrgUnit]
    people: dict[str, Person]
    person_by_pk: dict[int, Person]

    @classmethod
    def load(cls) -> _Existing:
        units = list(OrgUnit.objects.all())
        people = list(Person.objects.all())
        return cls(
            units={unit.code: unit for unit in units},
            unit_by_path={unit.path: unit for unit in units},
            unit_by_pk={unit.pk: unit for unit in units},
            people={person.employee_number: person for person in people},
            person_by_pk={person.pk: person for person in people},
        )

    def parent_code(self, unit: OrgUnit) -> str:
        parent = self.unit_by_path.get(unit.path[: -OrgUnit.steplen]) if unit.depth > 1 else None
        return parent.code if parent else ""

    def manager_number(self, unit: OrgUnit) -> str:
        manager = self.person_by_pk.get(unit.manager_id) if unit.manager_id else None
        return manager.employee_number if manager else ""


# ---------------------------------------------------------------- reading the tables


def _assign_tables(tables: list[Table], table_choice: str, plan: ImportPlan) -> dict[str, Table]:
    """Decide which table of the file holds units and which holds people."""
    assigned: dict[str, Table] = {}
    if len(tables) == 1 and table_choice in TABLES:
        return {table_choice: tables[0]}
    by_name: dict[str, Table] = {}
    for table in tables:
        kind = match_choice(table.name, dict(SHEET_NAMES)) if table.name else None
        if kind is not None and kind not in by_name:
            by_name[kind] = table
    if by_name:
        return by_name
    for table in tables:
        kind = _kind_from_header(table.header)
        if kind is not None and kind not in assigned:
            assigned[kind] = table
    if not assigned:
        plan.errors.append(
            RowError(
                "",
                None,
                "",
                _(
                    "The file was not recognised as units or people: no sheet is named "
                    "“Units”/“组织” or “People”/“人员”, and no header row names the columns of "
                    "the template. Download the template and start from it."
                ),
            )
        )
    return assigned


def _kind_from_header(header: Sequence[str]) -> str | None:
    """Units or people: the table whose columns the header matches more of.

    None on a tie, or when the header matches a single column that is not the table's key.
    """
    scores = {}
    for kind in TABLES:
        match = match_header(header, COLUMNS[kind])
        key = COLUMNS[kind][0].key
        scores[kind] = (len(match.positions), match.has(key))
    if scores[PEOPLE] == scores[UNITS]:
        return None
    best = max(scores, key=lambda kind: scores[kind])
    matched, has_key = scores[best]
    return best if matched >= 2 or has_key else None


def _check_header(kind: str, table: Table, plan: ImportPlan) -> HeaderMatch | None:
    match = match_header(table.header, COLUMNS[kind])
    label = str(TABLE_LABELS[kind])
    ok = True
    for column in match.missing_required:
        ok = False
        plan.errors.append(
            RowError(
                kind,
                None,
                str(column.label),
                _("The %(table)s table has no “%(column)s” column (e.g. “%(header)s”).")
                % {"table": label, "column": column.label, "header": column.header},
            )
        )
    for column, text in match.duplicates:
        ok = False
        plan.errors.append(
            RowError(
                kind,
                table.header_row,
                str(column.label),
                _("The column “%(column)s” appears twice (“%(text)s”).")
                % {"column": column.label, "text": text},
            )
        )
    if match.unknown:
        plan.notes.append(
            _("Columns ignored in the %(table)s table: %(columns)s.")
            % {"table": label, "columns": ", ".join(match.unknown)}
        )
    return match if ok else None


# ---------------------------------------------------------------- parsing rows


class _RowReader:
    """Reads one row's cells by column key and collects that row's errors."""

    def __init__(self, kind: str, columns: Sequence[Column], match: HeaderMatch, plan: ImportPlan):
        self.kind = kind
        self.columns = {column.key: column for column in columns}
        self.match = match
        self.plan = plan
        self.row_number = 0
        self.cells: tuple[Cell, ...] = ()
        self.failed = False

    def start(self, number: int, cells: tuple[Cell, ...]) -> None:
        self.row_number, self.cells, self.failed = number, cells, False

    def has(self, key: str) -> bool:
        return self.match.has(key)

    def raw(self, key: str) -> Cell:
        index = self.match.positions.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def error(self, key: str, reason: str, value: Cell = None) -> None:
        self.failed = True
        self.plan.errors.append(
            RowError(
                self.kind,
                self.row_number,
                str(self.columns[key].label),
                reason,
                "" if value is None else cell_text(value)[:100],
            )
        )

    def text(
        self, key: str, *, model: Any, field_name: str | None = None, required: bool = False
    ) -> str:
        value = cell_text(self.raw(key))
        if required and not value:
            self.error(key, _("A value is required."))
            return value
        max_length = model._meta.get_field(field_name or key).max_length
        if max_length and len(value) > max_length:
            self.error(
                key,
                _("Too long: at most %(count)s characters.") % {"count": max_length},
                value,
            )
        return value

    def date(self, key: str) -> dt.date | None:
        raw = self.raw(key)
        try:
            return parse_date(raw)
        except ValueError:
            self.error(key, _("Not a date; write it as 2024-03-05, 2024/3/5 or 2024年3月5日."), raw)
            return None

    def choice(self, key: str, names: dict[str, list[str]], message: str) -> str:
        raw = self.raw(key)
        text = cell_text(raw)
        if not text:
            return ""
        value = match_choice(text, names)
        if value is None:
            self.error(key, message, raw)
            return ""
        return value


def _parse_units(table: Table, match: HeaderMatch, plan: ImportPlan) -> None:
    reader = _RowReader(UNITS, UNIT_COLUMNS, match, plan)
    kinds = _choice_names(UnitKind, KIND_ALIASES)
    accepted = ", ".join(f"{value} / {label}" for value, label in UnitKind.choices)
    first_row: dict[str, int] = {}
    for row in table.rows:
        reader.start(row.number, row.cells)
        code = reader.text("code", model=OrgUnit, required=True)
        name = reader.text("name", model=OrgUnit, required=True)
        name_en = reader.text("name_en", model=OrgUnit) if reader.has("name_en") else None
        kind = reader.choice(
            "kind", kinds, _("Unknown kind; use one of: %(values)s.") % {"values": accepted}
        )
        parent_code = (
            reader.text("parent_code", model=OrgUnit, field_name="code")
            if reader.has("parent_code")
            else None
        )
        manager = (
            reader.text("manager_number", model=Person, field_name="employee_number")
            if reader.has("manager_number")
            else None
        )
        plan.codes_in_file.add(code)
        if code and code in first_row:
            reader.error(
                "code",
                _("Unit code %(code)s appears twice in the file (first in row %(row)s).")
                % {"code": code, "row": first_row[code]},
                code,
            )
        elif code:
            first_row[code] = row.number
        if parent_code and parent_code == code:
            reader.error("parent_code", _("A unit cannot be its own parent."), parent_code)
        if not reader.failed:
            plan.units.append(
                UnitRow(row.number, code, name, name_en, kind or None, parent_code, manager)
            )


_PERSON_TEXT_FIELDS = ("name_en", "phone", "wecom_id", "dingtalk_id", "feishu_id", "title", "level")


def _parse_people(table: Table, match: HeaderMatch, plan: ImportPlan) -> None:
    reader = _RowReader(PEOPLE, PERSON_COLUMNS, match, plan)
    roles = _choice_names(Role, ROLE_ALIASES)
    statuses: dict[str, list[str]] = {key: list(names) for key, names in STATUS_ALIASES.items()}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            statuses[ACTIVE].append(_("active"))
            statuses[LEFT].append(_("left"))
    role_values = ", ".join(f"{value} / {label}" for value, label in Role.choices)
    first_row: dict[str, int] = {}
    for row in table.rows:
        reader.start(row.number, row.cells)
        values: dict[str, Any] = {}
        number = reader.text("employee_number", model=Person, required=True)
        values["name"] = reader.text("name", model=Person, required=True)
        unit_code = reader.text("unit_code", model=OrgUnit, field_name="code", required=True)
        for key in _PERSON_TEXT_FIELDS:
            if reader.has(key):
                values[key] = reader.text(key, model=Person)
        if reader.has("email"):
            email = reader.text("email", model=Person)
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    reader.error("email", _("Not a valid email address."), email)
            values["email"] = email.lower() if email else ""
        if reader.has("role"):
            role = reader.choice(
                "role", roles, _("Unknown role; use one of: %(values)s.") % {"values": role_values}
            )
            if role:
                values["role"] = role
        for key in ("hire_date", "left_on"):
            if reader.has(key):
                values[key] = reader.date(key)
        status: str | None = None
        if reader.has("status"):
            status = reader.choice(
                "status",
                statuses,
                _("Unknown status; write “active”/“在职” or “left”/“离职”."),
            )
        plan.numbers_in_file.add(number)
        if number and number in first_row:
            reader.error(
                "employee_number",
                _("Employee number %(number)s appears twice in the file (first in row %(row)s).")
                % {"number": number, "row": first_row[number]},
                number,
            )
        elif number:
            first_row[number] = row.number
        if not reader.failed:
            plan.people.append(PersonRow(row.number, number, unit_code, values, status))


# ---------------------------------------------------------------- cross-checks and changes


def _final_parents(plan: ImportPlan, existing: _Existing) -> dict[str, str]:
    """Each unit's parent code once the file is applied ("" for a top-level unit)."""
    parents = {code: existing.parent_code(unit) for code, unit in existing.units.items()}
    for unit_row in plan.units:
        if unit_row.parent_code is not None:
            parents[unit_row.code] = unit_row.parent_code
        else:
            parents.setdefault(unit_row.code, "")
    return parents


def _check_units(plan: ImportPlan, existing: _Existing, file_numbers: set[str]) -> None:
    known_codes = plan.codes_in_file | set(existing.units)
    parents = _final_parents(plan, existing)
    labels = {column.key: str(column.label) for column in UNIT_COLUMNS}
    for unit_row in plan.units:

        def error(key: str, reason: str, value: str, unit_row: UnitRow = unit_row) -> None:
            plan.errors.append(RowError(UNITS, unit_row.row, labels[key], reason, value))

        if unit_row.kind is None and unit_row.code not in existing.units:
            error("kind", _("A new unit needs a kind (company, department or team)."), "")
        if unit_row.parent_code and unit_row.parent_code not in known_codes:
            error(
                "parent_code",
                _("Unknown parent: no unit has the code %(code)s, in the file or in SalesAlign.")
                % {"code": unit_row.parent_code},
                unit_row.parent_code,
            )
        elif unit_row.parent_code:
            chain = [unit_row.code]
            current = unit_row.parent_code
            while current and current not in chain and len(chain) <= len(parents):
                chain.append(current)
                current = parents.get(current, "")
            if current == unit_row.code:
                error(
                    "parent_code",
                    _("The parents form a loop: %(chain)s.")
                    % {"chain": " → ".join([*chain, unit_row.code])},
                    unit_row.parent_code,
                )
        if unit_row.manager_number and unit_row.manager_number not in file_numbers | set(
            existing.people
        ):
            error(
                "manager_number",
                _("Unknown manager: no person has the employee number %(number)s.")
                % {"number": unit_row.manager_number},
                unit_row.manager_number,
            )


def _unit_changes(plan: ImportPlan, existing: _Existing) -> None:
    kind_labels = dict(UnitKind.choices)
    labels = {column.key: str(column.label) for column in UNIT_COLUMNS}
    for unit_row in plan.units:
        unit = existing.units.get(unit_row.code)
        if unit is None:
            plan.changes.append(Change(UNITS, unit_row.row, unit_row.code, unit_row.name, "new"))
            continue
        old = {
            "name": unit.name,
            "name_en": unit.name_en,
            "kind": unit.kind,
            "parent_code": existing.parent_code(unit),
            "manager_number": existing.manager_number(unit),
        }
        new = {
            "name": unit_row.name,
            "name_en": unit_row.name_en,
            "kind": unit_row.kind,
            "parent_code": unit_row.parent_code,
            "manager_number": unit_row.manager_number,
        }
        fields = []
        for key, value in new.items():
            if value is None or value == old[key]:
                continue
            if key == "kind":
                fields.append((labels[key], str(kind_labels[old[key]]), str(kind_labels[value])))
            else:
                fields.append((labels[key], str(old[key]), str(value)))
        plan.changes.append(
            Change(
                UNITS,
                unit_row.row,
                unit_row.code,
                unit_row.name,
                "changed" if fields else "unchanged",
                fields,
            )
        )


def _final_person_values(person_row: PersonRow, person: Person | None) -> dict[str, Any]:
    """The person's fields after the row is applied (status folded into is_active)."""
    values = dict(person_row.values)
    left_on = values.get("left_on", person.left_on if person else None)
    if person_row.status == ACTIVE:
        values["is_active"] = True
    elif person_row.status == LEFT or (values.get("left_on")):
        values["is_active"] = False
    elif person_row.status == "":
        values["is_active"] = left_on is None
    return values


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _status_label(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _check_people(
    plan: ImportPlan, existing: _Existing, file_codes: set[str], actor: Person | None
) -> None:
    known_codes = file_codes | set(existing.units)
    labels = {column.key: str(column.label) for column in PERSON_COLUMNS}
    labels["is_active"] = str(gettext_lazy("Status"))
    role_labels = dict(Role.choices)
    for person_row in plan.people:

        def error(
            key: str, reason: str, value: str = "", person_row: PersonRow = person_row
        ) -> None:
            plan.errors.append(RowError(PEOPLE, person_row.row, labels[key], reason, value))

        if person_row.unit_code not in known_codes:
            error(
                "unit_code",
                _("Unknown unit: no unit has the code %(code)s, in the file or in SalesAlign.")
                % {"code": person_row.unit_code},
                person_row.unit_code,
            )
        person = existing.people.get(person_row.number)
        values = _final_person_values(person_row, person)
        is_active = values.get("is_active", person.is_active if person else True)
        left_on = values.get("left_on", person.left_on if person else None)
        hire_date = values.get("hire_date", person.hire_date if person else None)
        if left_on and is_active:
            error(
                "status", _("A person with a leaving date cannot be active."), _status_label(True)
            )
        if left_on and hire_date and left_on < hire_date:
            error("left_on", _("The leaving date is before the hire date."), left_on.isoformat())
        if (
            actor is not None
            and person is not None
            and person.pk == actor.pk
            and (("role" in values and values["role"] != person.role) or is_active is False)
        ):
            error(
                "role",
                _(
                    "This row would change your own role or mark you as left; ask another administrator."
                ),
                person_row.number,
            )
        if person is None:
            plan.changes.append(
                Change(PEOPLE, person_row.row, person_row.number, values["name"], "new")
            )
            continue
        fields = []
        old_unit = existing.unit_by_pk.get(person.unit_id)
        if old_unit is None or old_unit.code != person_row.unit_code:
            fields.append(
                (labels["unit_code"], old_unit.code if old_unit else "", person_row.unit_code)
            )
        for key, value in values.items():
            old_value = getattr(person, key)
            if value == old_value:
                continue
            if key == "role":
                fields.append((labels[key], str(role_labels[old_value]), str(role_labels[value])))
            else:
                fields.append((labels[key], _display(old_value), _display(value)))
        plan.changes.append(
            Change(
                PEOPLE,
                person_row.row,
                person_row.number,
                values["name"],
                "changed" if fields else "unchanged",
                fields,
            )
        )


def build_plan(
    content: bytes, *, file_name: str, table_choice: str = "auto", actor: Person | None = None
) -> ImportPlan:
    """Read and validate a file against the database; nothing is written.

    Loads the existing units and people with one query each, whatever the number of rows.
    """
    plan = ImportPlan()
    try:
        tables = read_tables(content, file_name=file_name)
    except SpreadsheetError as error:
        plan.errors.append(RowError("", None, "", error.message))
        return plan
    assigned = _assign_tables(tables, table_choice, plan)
    if plan.errors:
        return plan
    matches: dict[str, HeaderMatch] = {}
    for kind in TABLES:
        if kind in assigned:
            match = _check_header(kind, assigned[kind], plan)
            if match is not None:
                matches[kind] = match
    if plan.errors:
        return plan
    if not any(assigned[kind].rows for kind in assigned):
        plan.errors.append(
            RowError("", None, "", _("The file has a header row but no data rows below it."))
        )
        return plan
    plan.tables = [kind for kind in TABLES if kind in assigned]
    if UNITS in matches:
        plan.unit_columns = set(matches[UNITS].positions)
        _parse_units(assigned[UNITS], matches[UNITS], plan)
    if PEOPLE in matches:
        plan.person_columns = set(matches[PEOPLE].positions)
        _parse_people(assigned[PEOPLE], matches[PEOPLE], plan)
    existing = _Existing.load()
    _check_units(plan, existing, plan.numbers_in_file - {""})
    _unit_changes(plan, existing)
    _check_people(plan, existing, plan.codes_in_file - {""}, actor)
    plan.errors.sort(
        key=lambda error: (TABLES.index(error.table) if error.table else -1, error.row or 0)
    )
    failed_rows = {(error.table, error.row) for error in plan.errors}
    plan.changes = [c for c in plan.changes if (c.table, c.row) not in failed_rows]
    return plan


# ---------------------------------------------------------------- services


def _ensure_admin(user: Any) -> None:
    if not is_admin(user):
        raise NotAllowed(_("Only administrators may import org units and people."))


def _record(batch: ImportBatch, plan: ImportPlan) -> None:
    """Copy a plan's counts, errors and a sample of changes onto the batch (not saved)."""
    batch.new_count = plan.total("new")
    batch.changed_count = plan.total("changed")
    batch.unchanged_count = plan.total("unchanged")
    batch.error_count = len(plan.errors)
    batch.errors = [error.as_json() for error in plan.errors[:MAX_STORED_ERRORS]]
    sample = [change for change in plan.changes if change.action != "unchanged"][:SAMPLE_SIZE]
    batch.summary = {
        "tables": {kind: plan.counts(kind) for kind in plan.tables},
        "changes": [change.as_json() for change in sample],
        "notes": plan.notes,
    }


def organization_import_check(
    *, user: User, file_name: str, content: bytes, table_choice: str = "auto"
) -> ImportBatch:
    """Keep an uploaded file and check it: counts, every error, a sample of changes. Writes no org data.

    The batch is "previewed" when it may be committed, "failed" when the check found errors.
    """
    _ensure_admin(user)
    plan = build_plan(
        content, file_name=file_name, table_choice=table_choice, actor=person_of(user)
    )
    batch = ImportBatch(
        kind=KIND,
        file_name=file_name[:255],
        content=content,
        options={"table": table_choice},
        created_by=user,
    )
    _record(batch, plan)
    batch.status = ImportBatch.Status.FAILED if plan.errors else ImportBatch.Status.PREVIEWED
    batch.full_clean(exclude=["content", "errors", "summary", "options"])
    batch.save()
    return batch


def organization_import_commit(*, user: User, batch_id: int) -> ImportBatch:
    """Check a previewed batch again and write all of it in one transaction, or nothing.

    Raises DomainError when the batch is not waiting for commit or when the
    database changed since the preview so that the file now has errors (the
    batch is then marked failed with the new errors).
    """
    _ensure_admin(user)
    failure: str | None = None
    with transaction.atomic():
        batch = _batch_for_update(batch_id)
        if batch.status == ImportBatch.Status.COMMITTED:
            raise DomainError(_("This import has already been committed."), code="conflict")
        if batch.status != ImportBatch.Status.PREVIEWED:
            raise DomainError(
                _("This import has errors; upload a corrected file."), code="conflict"
            )
        plan = build_plan(
            bytes(batch.content),
            file_name=batch.file_name,
            table_choice=batch.options.get("table", "auto"),
            actor=person_of(user),
        )
        _record(batch, plan)
        if plan.errors:
            batch.status = ImportBatch.Status.FAILED
            batch.save()
            failure = _(
                "The organisation changed since the preview and the file now has errors; nothing was imported."
            )
        else:
            try:
                with transaction.atomic(), set_actor(user):
                    _apply(plan)
            except IntegrityError as error:
                raise DomainError(
                    _(
                        "Someone changed the organisation at the same time; nothing was imported. Try again."
                    ),
                    code="conflict",
                ) from error
            batch.status = ImportBatch.Status.COMMITTED
            batch.committed_at = timezone.now()
            batch.save()
    if failure is not None:
        raise DomainError(failure, code="conflict")
    return batch


def _batch_for_update(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, kind=KIND).first()
    if batch is None:
        raise DomainError(_("No such import."), code="not_found")
    return batch


def _apply(plan: ImportPlan) -> None:
    """Write a checked plan: units (parents first), people, then the units' managers."""
    existing = _Existing.load()
    parents = _final_parents(plan, existing)
    changed = {(c.table, c.key) for c in plan.changes if c.action != "unchanged"}

    def depth(code: str) -> int:
        steps, current = 0, parents.get(code, "")
        while current and steps <= len(parents):
            steps, current = steps + 1, parents.get(current, "")
        return steps

    for unit_row in sorted(plan.units, key=lambda unit_row: depth(unit_row.code)):
        if (UNITS, unit_row.code) in changed:
            _apply_unit(unit_row, existing)
    unit_pks = dict(OrgUnit.objects.values_list("code", "pk"))
    for person_row in plan.people:
        if (PEOPLE, person_row.number) in changed:
            _apply_person(person_row, existing.people.get(person_row.number), unit_pks)
    person_pks = dict(Person.objects.values_list("employee_number", "pk"))
    for unit_row in plan.units:
        old_unit = existing.units.get(unit_row.code)
        old_number = existing.manager_number(old_unit) if old_unit else ""
        if unit_row.manager_number is None or unit_row.manager_number == old_number:
            continue
        unit = OrgUnit.objects.get(code=unit_row.code)
        unit.manager_id = person_pks.get(unit_row.manager_number)
        unit.save(update_fields=["manager", "updated_at"])


def _row_failure(table: str, row: int, error: ValidationError) -> DomainError:
    return DomainError(
        _("%(table)s, row %(row)s: %(reason)s")
        % {"table": TABLE_LABELS[table], "row": row, "reason": "; ".join(error.messages)}
    )


def _apply_unit(unit_row: UnitRow, existing: _Existing) -> None:
    # Tree paths shift as siblings are inserted: always work on freshly read nodes.
    parent = OrgUnit.objects.get(code=unit_row.parent_code) if unit_row.parent_code else None
    fields: dict[str, Any] = {"name": unit_row.name}
    if unit_row.name_en is not None:
        fields["name_en"] = unit_row.name_en
    if unit_row.kind:
        fields["kind"] = unit_row.kind
    if unit_row.code not in existing.units:
        unit = OrgUnit(code=unit_row.code, **fields)
        try:
            unit.full_clean(exclude=["path", "depth", "numchild", "manager"], validate_unique=False)
        except ValidationError as error:
            raise _row_failure(UNITS, unit_row.row, error) from error
        if parent is None:
            OrgUnit.objects.add_root(instance=unit)
        else:
            OrgUnit.objects.add_child(parent, instance=unit)
        return
    unit = OrgUnit.objects.get(code=unit_row.code)
    old_parent_code = existing.parent_code(existing.units[unit_row.code])
    for name, value in fields.items():
        setattr(unit, name, value)
    try:
        unit.full_clean(exclude=["path", "depth", "numchild", "manager"], validate_unique=False)
    except ValidationError as error:
        raise _row_failure(UNITS, unit_row.row, error) from error
    unit.save(update_fields=[*fields, "updated_at"])
    if unit_row.parent_code is not None and unit_row.parent_code != old_parent_code:
        if parent is None:
            root = OrgUnit.objects.get_first_root_node()
            OrgUnit.objects.move(unit, root, "sorted-sibling")
        else:
            OrgUnit.objects.move(unit, parent, "sorted-child")
        # Tree moves rewrite paths with queryset updates, which the audit log does not see.
        LogEntry.objects.log_create(
            unit,
            action=LogEntry.Action.UPDATE,
            changes={"parent": [old_parent_code or None, unit_row.parent_code or None]},
        )


def _apply_person(person_row: PersonRow, person: Person | None, unit_pks: dict[str, int]) -> None:
    values = _final_person_values(person_row, person)
    values["unit_id"] = unit_pks[person_row.unit_code]
    previous_unit_id = person.unit_id if person is not None else None
    if person is None:
        person = Person(employee_number=person_row.number)
    for name, value in values.items():
        setattr(person, name, value)
    try:
        person.full_clean(exclude=["user"], validate_unique=False)
    except ValidationError as error:
        raise _row_failure(PEOPLE, person_row.row, error) from error
    person.save()
    if previous_unit_id is None or previous_unit_id != person.unit_id:
        # Sales follow the unit on the order date (sales app): keep the unit history.
        unit_assignment_record(person=person, previous_unit_id=previous_unit_id)


# ---------------------------------------------------------------- reads: history, template, export


def import_batch_list(*, user: User) -> QuerySet[ImportBatch]:
    """Past organisation imports, newest first, without their file contents (admins only)."""
    _ensure_admin(user)
    return (
        ImportBatch.objects.filter(kind=KIND).defer("content").select_related("created_by__person")
    )


def import_batch_get(*, user: User, batch_id: int, with_content: bool = False) -> ImportBatch:
    """One organisation import (admins only); 'not_found' DomainError when there is none."""
    _ensure_admin(user)
    batches = ImportBatch.objects.filter(kind=KIND).select_related("created_by__person")
    if not with_content:
        batches = batches.defer("content")
    batch = batches.filter(pk=batch_id).first()
    if batch is None:
        raise DomainError(_("No such import."), code="not_found")
    return batch


def _headers(kind: str) -> list[str]:
    return [column.header for column in COLUMNS[kind]]


_UNIT_WIDTHS = (16, 24, 24, 14, 16, 22)
_PERSON_WIDTHS = (16, 14, 18, 26, 16, 16, 16, 16, 16, 18, 10, 14, 14, 12, 14)


def _kind_label(kind: str) -> str:
    return str(dict(UnitKind.choices).get(kind, kind))  # type: ignore[call-overload]


def template_sheets() -> list[Sheet]:
    """The import template: a Units and a People sheet with one example row each, and notes."""
    today_example = dt.date(2024, 3, 5)
    units = Sheet(
        "Units",
        _headers(UNITS),
        [["HQ", "示例公司", "Example Co", _kind_label(UnitKind.COMPANY), "", "E0001"]],
        _UNIT_WIDTHS,
    )
    people = Sheet(
        "People",
        _headers(PEOPLE),
        [
            [
                "E0001",
                "张三",
                "Zhang San",
                "zhangsan@example.com",
                "13800000000",
                "zhangsan",
                "",
                "",
                "HQ",
                _("Sales director"),
                "M1",
                str(Role.MANAGER.label),
                today_example,
                _status_label(True),
                "",
            ]
        ],
        _PERSON_WIDTHS,
    )
    notes_rows: list[list[Cell]] = []
    for kind in TABLES:
        for column in COLUMNS[kind]:
            notes_rows.append(
                [
                    str(TABLE_LABELS[kind]),
                    column.header,
                    _("required") if column.required else "",
                    _column_help(kind, column.key),
                ]
            )
    notes = Sheet(
        "说明 Notes",
        [_("Sheet"), _("Column"), _("Required"), _("What to write")],
        notes_rows,
        (12, 36, 10, 90),
    )
    return [units, people, notes]


def _column_help(kind: str, key: str) -> str:
    helps = {
        (UNITS, "code"): _(
            "Unique code of the unit; a unit already in SalesAlign with this code is updated."
        ),
        (UNITS, "kind"): _("company / department / team (公司 / 部门 / 团队)."),
        (UNITS, "parent_code"): _(
            "Code of the parent unit (in this file or already in SalesAlign); blank for the top unit."
        ),
        (UNITS, "manager_number"): _(
            "Employee number of the unit's manager (in the People sheet or already in SalesAlign)."
        ),
        (PEOPLE, "employee_number"): _(
            "Unique employee number; a person already in SalesAlign with this number is updated."
        ),
        (PEOPLE, "unit_code"): _("Code of the person's unit."),
        (PEOPLE, "role"): _(
            "Administrator, Executive, Sales manager, Salesperson or HR / trainer (管理员 / 高管 / 经理 / 销售 / 人事); blank keeps the current role, new people become salespeople."
        ),
        (PEOPLE, "hire_date"): _("A date: 2024-03-05, 2024/3/5 or 2024年3月5日."),
        (PEOPLE, "status"): _("active / left (在职 / 离职)."),
        (PEOPLE, "left_on"): _("Leaving date of a person who left."),
    }
    return helps.get((kind, key), "")


def template_table(kind: str) -> Sheet:
    """The template of one table (for CSV): its header and example row."""
    sheets = {sheet.name: sheet for sheet in template_sheets()}
    return sheets["Units" if kind == UNITS else "People"]


def people_sheet(people: Iterable[Person]) -> Sheet:
    """People in the columns of the import template, so that an export can be re-imported."""
    role_labels = dict(Role.choices)
    rows: list[list[Cell]] = [
        [
            person.employee_number,
            person.name,
            person.name_en,
            person.email,
            person.phone,
            person.wecom_id,
            person.dingtalk_id,
            person.feishu_id,
            person.unit.code,
            person.title,
            person.level,
            str(role_labels.get(person.role, person.role)),  # type: ignore[call-overload]
            person.hire_date,
            _status_label(person.is_active),
            person.left_on,
        ]
        for person in people
    ]
    return Sheet("People", _headers(PEOPLE), rows, _PERSON_WIDTHS)


def normalized_table_choice(value: str) -> str:
    """ "units", "people" or "auto" from a form value."""
    value = normalize_name(value)
    return value if value in TABLES else "auto"
