"""Targets to and from XLSX, in the layout of the cascade editor.

The export is the editor's table: one row per target of the tree (its ID, its
level, the slice indented by level), the year, the quarters and the months,
what the targets below add up to, the remainder and the warnings. Headers are
bilingual so a file goes back in whatever the language of the page.

The import reads the ID and the year column of each row (the rest is there to
read), and runs the same checks as the editor: every value a number, not
negative, a target of this plan the user may see and change — through the same
service (`target_values_set`), tried row by row in a transaction that is rolled
back. The preview lists every bad row with its reason; nothing is written
until the whole file is clean and confirmed, and then all of it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from salesalign.core.exceptions import DomainError
from salesalign.core.spreadsheets import (
    Column,
    Sheet,
    Table,
    cell_text,
    match_header,
    read_tables,
    write_xlsx,
)
from salesalign.targets.models import TargetPlan
from salesalign.targets.selectors.cascade import CascadeTree
from salesalign.targets.services.editing import ValueChange, target_values_set, values_check
from salesalign.targets.texts import finding_text

SHEET_NAME = "Targets"

ID_COLUMN = Column(
    "id",
    gettext_lazy("Target ID"),
    "目标编号 / Target ID",
    ("id", "目标id", "编号", "targetid", "target no"),
    required=True,
)
VALUE_COLUMN = Column(
    "value",
    pgettext_lazy("the whole year's total", "Year"),
    "全年 / Year",
    ("全年目标", "年度目标", "year", "target for the year", "annual target"),
    required=True,
)
COLUMNS = (ID_COLUMN, VALUE_COLUMN)


def _month_header(month: int) -> str:
    return f"{month // 100}-{month % 100:02d}"


def export_cascade(tree: CascadeTree) -> bytes:
    """The cascade as the editor shows it, as an XLSX workbook."""
    header = [
        ID_COLUMN.header,
        "层级 / Level",
        "目标对象 / Slice",
        "指标 / Metric",
        VALUE_COLUMN.header,
        *[f"Q{number}" for number in range(1, 5)],
        *[_month_header(month) for month in tree.months],
        "下级合计 / Children total",
        "待分配 / Remainder",
        "提示 / Warnings",
    ]
    rows = []
    for node in tree.nodes:
        target = node.target
        rows.append(
            [
                target.pk,
                node.depth,
                "    " * node.depth + node.label,
                target.metric_label,
                node.value,
                *node.quarters,
                *node.months,
                node.children_total,
                node.remainder,
                " ".join(
                    finding_text(finding, tree.metric, tree.names) for finding in node.findings
                ),
            ]
        )
    widths = [12, 6, 40, 14, 16, *[14] * 4, *[13] * len(tree.months), 16, 16, 60]
    return write_xlsx([Sheet(name=SHEET_NAME, header=header, rows=rows, column_widths=widths)])


# --- import -------------------------------------------------------------------------------------


@dataclass
class ImportProblem:
    """A bad row: its number in the sheet and what is wrong."""

    row: int
    message: str


@dataclass
class ImportPreview:
    """What a file would change, or why it cannot be imported."""

    changes: list[ValueChange] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    rows_read: int = 0
    values: dict[int, str] = field(default_factory=dict)  # target id → the value, as text

    @property
    def is_clean(self) -> bool:
        return not self.problems


def _table(data: bytes, file_name: str) -> Table:
    tables = read_tables(data, file_name=file_name)
    for table in tables:
        if not match_header(table.header, COLUMNS).missing_required:
            return table
    missing = match_header(tables[0].header, COLUMNS).missing_required if tables else COLUMNS
    raise DomainError(
        _("The file has no column %(columns)s.")
        % {"columns": ", ".join(f"“{column.header}”" for column in missing)},
        field="file",
    )


def import_check(
    *, actor: Any, plan: TargetPlan, data: bytes, file_name: str = ""
) -> ImportPreview:
    """Read a file and check it as the editor would; writes nothing."""
    table = _table(data, file_name)
    match = match_header(table.header, COLUMNS)
    preview = ImportPreview(rows_read=len(table.rows))
    row_of: dict[int, int] = {}
    for row in table.rows:
        raw_id = cell_text(row.get(match.positions["id"]))
        raw_value = cell_text(row.get(match.positions["value"]))
        if not raw_id and not raw_value:
            continue
        if not raw_id.isdigit():
            preview.problems.append(
                ImportProblem(
                    row.number,
                    _("The target ID “%(value)s” is not a number from the export.")
                    % {"value": raw_id},
                )
            )
            continue
        pk = int(raw_id)
        if pk in row_of:
            preview.problems.append(
                ImportProblem(
                    row.number,
                    _("Target %(id)s is already in row %(row)s.") % {"id": pk, "row": row_of[pk]},
                )
            )
            continue
        row_of[pk] = row.number
        preview.values[pk] = raw_value
    changes, problems = values_check(actor=actor, plan=plan, values=preview.values)
    for pk, problem in problems.items():
        preview.problems.append(
            ImportProblem(
                row_of[pk],
                _("%(slice)s: %(reason)s") % {"slice": problem.label, "reason": problem.message},
            )
        )
    preview.changes = changes
    if changes:
        preview.problems += _try_each(actor, plan, changes, row_of, together=not preview.problems)
    preview.problems.sort(key=lambda problem: problem.row)
    return preview


class _Rollback(Exception):
    pass


def _try_each(
    actor: Any,
    plan: TargetPlan,
    changes: list[ValueChange],
    row_of: dict[int, int],
    *,
    together: bool,
) -> list[ImportProblem]:
    """Each change through the service, then (if each is fine) all of them together;
    everything rolled back."""
    problems: list[ImportProblem] = []
    try:
        with transaction.atomic():
            for change in changes:
                try:
                    with transaction.atomic():
                        target_values_set(
                            actor=actor, plan=plan, values={change.target.pk: change.after}
                        )
                        raise _Rollback
                except _Rollback:
                    pass
                except DomainError as error:
                    problems.append(ImportProblem(row_of[change.target.pk], error.message))
            if together and not problems:
                try:
                    target_values_set(
                        actor=actor,
                        plan=plan,
                        values={change.target.pk: change.after for change in changes},
                    )
                except DomainError as error:
                    pk = int((error.field or "target.0").split(".")[-1] or 0)
                    problems.append(ImportProblem(row_of.get(pk, 0), error.message))
            raise _Rollback
    except _Rollback:
        pass
    return problems


@transaction.atomic
def import_apply(*, actor: Any, plan: TargetPlan, values: dict[int, str]) -> list[ValueChange]:
    """Write a checked file's values (all or nothing)."""
    return target_values_set(actor=actor, plan=plan, values=values)
