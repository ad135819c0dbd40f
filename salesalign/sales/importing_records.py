"""Import of customers and satisfaction answers, and the one entry the pages use for every sales import.

The customers and the satisfaction answers are imported the way the orders
are (see `importing`): a *check* reads the file, maps its columns and its
values (salespeople, regions, segments, customers) and asks the kind's bulk
service (`upserts.customers_upsert` / `upserts.satisfaction_upsert`) what it
would do, writing nothing; the *commit* does the same again and writes
everything in one transaction, or nothing. Both keep their state in a
`core.ImportBatch`, run in the request for a small file and on a worker (the
same huey tasks as the orders) for a large one, and save the corrected
mapping per (kind, source) in `ImportMapping`.

The cell readers, the value dictionaries, the error and unknown-value records
and the batch helpers are the orders import's own (`importing`); this module
adds the two kinds' columns and rows and runs their batches. `KINDS` lists
every sales import (orders too) with what the pages need: the functions at
the end (`import_check`, `import_remap`, `import_commit`, `run_phase`, the
history reads and the templates) dispatch on a batch's kind.

File formats: customers — one row per customer, matched by code; the columns
of the customer export (`importing.customer_sheet`), so an export re-imports
unchanged. Satisfaction answers — one row per answer; matched by external ID
when the file has one, otherwise by customer, salesperson, date, scale, score
and comment.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from auditlog.context import set_actor
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from salesalign.core.bulk import chunks
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import ImportBatch, User
from salesalign.core.roles import is_admin
from salesalign.core.spreadsheets import (
    Cell,
    Column,
    Sheet,
    SpreadsheetError,
    Table,
    cell_text,
    match_choice,
    normalize_name,
    parse_date,
    read_tables,
)
from salesalign.sales import importing
from salesalign.sales.choices import SurveyChannel, SurveyScale
from salesalign.sales.importing import (
    MAX_STORED_ERRORS,
    REGION,
    SALESPERSON,
    SEGMENT,
    ImportError_,
    OrderPlan,
    UnknownValue,
    _clean_source,
    _Dictionary,
    _load_dictionaries,
    _names,
    _RowReader,
    _set_progress,
    estimate_rows,
    missing_columns,
    pick_table,
    resolve_columns,
    runs_in_background,
    saved_mapping,
)
from salesalign.sales.models import Customer, ImportMapping
from salesalign.sales.rows import UpsertResult
from salesalign.sales.upserts import (
    CustomerRow,
    SatisfactionRow,
    customers_upsert,
    satisfaction_upsert,
)

logger = logging.getLogger(__name__)

KIND_ORDERS = importing.KIND_ORDERS
KIND_CUSTOMERS = "sales.customers"
KIND_SATISFACTION = "sales.satisfaction"

#: The customer a satisfaction answer is about: a value that can be unknown and mapped.
CUSTOMER = "customer"
DIMENSION_LABELS: dict[str, str | Promise] = {
    **importing.DIMENSION_LABELS,
    CUSTOMER: gettext_lazy("Customer"),
}


# fmt: off
#: The columns of the customer export (`importing.CUSTOMER_HEADERS`), except the derived first order.
CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("code", gettext_lazy("Customer code"), "客户编号 / Customer code",
           _names("客户代码|客户编码|客户号|客户id|编号|代码|customer code|customer id|customer no|customer number|code"),
           required=True),
    Column("name", gettext_lazy("Customer"), "客户 / Customer",
           _names("客户名称|客户名|客户全称|公司名称|名称|customer|customer name|name|company name")),
    Column("name_en", gettext_lazy("English name"), "英文名称 / English name",
           _names("英文名|客户英文名|english name|name en|name (english)")),
    Column("segment", gettext_lazy("Segment"), "客户类型 / Segment",
           _names("客户分类|客户类别|客户群|segment|customer segment|customer type")),
    Column("region", gettext_lazy("Region"), "区域 / Region", _names("地区|大区|区域代码|region|area")),
    Column("owner", gettext_lazy("Owner"), "负责人工号 / Owner",
           _names("负责人|销售员|销售|业务员|销售人员|销售代表|客户经理|工号|员工编号|salesperson|sales rep|sales person|owner|account owner|employee number")),
    Column("source", gettext_lazy("Source"), "来源 / Source", _names("客户来源|source|lead source")),
    Column("is_active", gettext_lazy("Status"), "状态 / Status",
           _names("客户状态|是否有效|有效|启用|status|active|is active")),
)

SATISFACTION_COLUMNS: tuple[Column, ...] = (
    Column("customer", gettext_lazy("Customer"), "客户编号 / Customer code",
           _names("客户代码|客户编码|客户号|客户id|客户|客户名称|customer code|customer id|customer no|customer|customer name"),
           required=True),
    Column("salesperson", gettext_lazy("Salesperson"), "销售员 / Salesperson",
           _names("销售|业务员|销售人员|销售代表|负责人|工号|员工编号|salesperson|sales rep|sales person|seller|employee number"),
           required=True),
    Column("score", pgettext_lazy("a customer's satisfaction score", "Score"), "评分 / Score",
           _names("分数|得分|打分|满意度|满意度评分|评分值|score|rating|satisfaction"), required=True),
    Column("scale", gettext_lazy("Scale"), "量表 / Scale",
           _names("评分制|分制|评分方式|评分标准|scale|score scale|rating scale")),
    Column("responded_on", gettext_lazy("Date"), "日期 / Date",
           _names("回访日期|调查日期|评价日期|反馈日期|答复日期|date|response date|survey date|answered on"),
           required=True),
    Column("channel", gettext_lazy("Channel"), "渠道 / Channel",
           _names("方式|回访方式|调查方式|channel|method")),
    Column("comment", gettext_lazy("Comment"), "评语 / Comment",
           _names("意见|反馈|客户意见|备注|说明|comment|comments|feedback|remark|remarks|note")),
    Column("external_id", gettext_lazy("External ID"), "外部编号 / External ID",
           _names("问卷编号|答卷编号|回复编号|调查编号|外部id|external id|response id|survey response id|answer id")),
)

ACTIVE_NAMES: dict[str, tuple[str, ...]] = {
    "active": _names("active|有效|启用|正常|在用|是|yes|y|true|1"),
    "inactive": _names("inactive|无效|停用|禁用|失效|作废|否|no|n|false|0"),
}
SCALE_ALIASES: dict[str, tuple[str, ...]] = {
    SurveyScale.FIVE_POINT: _names("five|1-5|1–5|5|5分|5分制|五分制|五分|五星|星级|stars|star|5 point|five point"),
    SurveyScale.NPS: _names("nps|0-10|0–10|10|10分|10分制|十分制|净推荐值|net promoter|net promoter score"),
}
CHANNEL_ALIASES: dict[str, tuple[str, ...]] = {
    SurveyChannel.LINK: _names("link|链接|问卷|问卷链接|在线问卷|online|survey|web"),
    SurveyChannel.PHONE: _names("phone|电话|电话回访|call|telephone"),
    SurveyChannel.VISIT: _names("visit|拜访|上门|走访|面访|当面"),
    SurveyChannel.EMAIL: _names("email|邮件|电子邮件|e-mail|mail"),
    SurveyChannel.IMPORT: _names("import|导入"),
    SurveyChannel.API: _names("api|接口"),
}
# fmt: on


def _choice_names(choices: Any, aliases: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Accepted names per choice: the value, the aliases, and its label in both languages."""
    names: dict[str, list[str]] = {value: [value, *aliases.get(value, ())] for value in aliases}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                names.setdefault(value, [value]).append(str(label))
    return names


def parse_score(value: Cell) -> int | None:
    """A score: a whole number (4, "4", 4.0, "4分"); blank gives None, anything else ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | dt.date | dt.time):
        raise ValueError(str(value))
    if isinstance(value, int):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("分").strip()
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(str(value)) from error
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(str(value))
    return int(number)


# ---------------------------------------------------------------- the kinds


@dataclass(frozen=True)
class ImportKind:
    """What the pages need to know of one kind of sales import."""

    kind: str
    slug: str
    label: str | Promise  # what is imported, e.g. "Customers"
    title: str | Promise  # the page title, e.g. "Import customers"
    columns: tuple[Column, ...]
    dimensions: tuple[str, ...]  # values that can be unknown and mapped to existing ones
    list_url: str  # where the imported records are seen
    done: str | Promise  # the message after a commit (new, changed, unchanged)


@dataclass
class RecordPlan(OrderPlan):
    """What a check of a customers or satisfaction file found; `records` are the rows for the service.

    An `OrderPlan` (header, column positions, errors, unknown values, notes and
    the service's result) whose order-only fields stay empty, so that the
    orders import's row reader and records serve it too.
    """

    kind: str = ""
    records: list[Any] = field(default_factory=list)

    def column_label(self, key: str) -> str:
        """The file's header of a column (what the user sees in their file), else its name."""
        spec = RECORD_IMPORTS[self.kind]
        key = spec.dimension_columns.get(key, key)
        index = self.positions.get(key)
        if index is not None and index < len(self.header) and self.header[index]:
            return self.header[index]
        column = next((c for c in spec.columns if c.key == key), None)
        return str(column.label) if column else key


@dataclass(frozen=True)
class RecordImport(ImportKind):
    """A kind of import whose rows go, one record each, to one bulk service."""

    dimension_columns: dict[str, str] = field(default_factory=dict)  # dimension → column key
    service_fields: dict[str, str] = field(default_factory=dict)  # service field → column key

    def dictionaries(
        self, table: Table, plan: RecordPlan, mapped: dict[str, dict[str, int]]
    ) -> dict[str, _Dictionary]:
        """What SalesAlign knows of each dimension, loaded with a fixed number of queries."""
        return _load_dictionaries()

    def parse(self, reader: _RowReader, resolve: _Resolver) -> Any:
        """The record of the reader's current row, or None when the row has errors."""
        raise NotImplementedError

    def upsert(
        self, *, actor: User, source: str, records: list[Any], dry_run: bool, batch: Any = None
    ) -> UpsertResult:
        raise NotImplementedError

    def describe(self, record: Any) -> str:
        """How the preview names a record in its sample of changes."""
        raise NotImplementedError


class _Resolver:
    """Finds the code of a dimension value, or records it once as unknown (its row then fails)."""

    def __init__(
        self,
        plan: RecordPlan,
        dictionaries: dict[str, _Dictionary],
        mapped: dict[str, dict[str, int]],
    ) -> None:
        self.plan = plan
        self.dictionaries = dictionaries
        self.mapped = mapped

    def __call__(self, reader: _RowReader, key: str, dimension: str) -> str | None:
        """None when the column is not in the file or the value is unknown; "" when blank."""
        if key not in self.plan.positions:
            return None
        raw = reader.text(key)
        if not raw:
            return ""
        code, ambiguous = self.dictionaries[dimension].resolve(raw, self.mapped.get(dimension, {}))
        if code is not None:
            return code
        unknown = self.plan.unknown.setdefault(dimension, {}).setdefault(
            normalize_name(raw) or raw,
            UnknownValue(dimension, raw, first_row=reader.number, ambiguous=ambiguous),
        )
        unknown.rows += 1
        reader.failed = True
        return None


def _required(reader: _RowReader, key: str, value: Any) -> Any:
    """`value`, after an error on a blank cell (an unreadable one has its own error)."""
    if value in (None, "") and not cell_text(reader.raw(key)):
        reader.error(key, _("A value is required."))
    return value


class CustomerImport(RecordImport):
    """Customers, upserted by code through `upserts.customers_upsert`."""

    def parse(self, reader: _RowReader, resolve: _Resolver) -> CustomerRow | None:
        positions = reader.plan.positions

        def optional(key: str, max_length: int) -> str | None:
            return reader.text(key, max_length=max_length) if key in positions else None

        code = reader.text("code", max_length=60)
        if not code:
            reader.error("code", _("A value is required."))
        name = optional("name", 200)
        name_en = optional("name_en", 200)
        source = optional("source", 40)
        segment = resolve(reader, "segment", SEGMENT)
        region = resolve(reader, "region", REGION)
        owner = resolve(reader, "owner", SALESPERSON)
        active_text = reader.text("is_active")
        is_active: bool | None = None
        if active_text:
            found = match_choice(active_text, _active_names())
            if found is None:
                reader.error(
                    "is_active",
                    _("Unknown status; write active / 有效 or inactive / 停用."),
                    active_text,
                )
            else:
                is_active = found == "active"
        if reader.failed:
            return None
        return CustomerRow(
            code=code,
            name=name,
            name_en=name_en,
            segment_code=segment,
            region_code=region,
            owner_number=owner,
            source=source or None,
            is_active=is_active,
            row=reader.number,
        )

    def upsert(
        self, *, actor: User, source: str, records: list[Any], dry_run: bool, batch: Any = None
    ) -> UpsertResult:
        return customers_upsert(
            actor=actor, rows=records, source=source, dry_run=dry_run, import_batch=batch
        )

    def describe(self, record: Any) -> str:
        return str(record.code)


class SatisfactionImport(RecordImport):
    """Satisfaction answers, recorded through `upserts.satisfaction_upsert`."""

    def dictionaries(
        self, table: Table, plan: RecordPlan, mapped: dict[str, dict[str, int]]
    ) -> dict[str, _Dictionary]:
        """People and the three dimensions, and the customers the file names (or was mapped to)."""
        dictionaries = _load_dictionaries()
        index = plan.positions.get("customer")
        raws = {cell_text(row.get(index)) for row in table.rows} - {""}
        wanted = sorted(raws | {raw.upper() for raw in raws})
        fields = ("pk", "code", "name", "name_en")
        found: dict[int, tuple[int, str, str, str]] = {}
        for batch in chunks(wanted):
            condition = Q(code__in=batch) | Q(name__in=batch) | Q(name_en__in=batch)
            for values in Customer.objects.filter(condition).order_by().values_list(*fields):
                found[values[0]] = values
        mapped_ids = sorted({int(pk) for pk in mapped.get(CUSTOMER, {}).values()})
        for id_batch in chunks(mapped_ids):
            for values in Customer.objects.filter(pk__in=id_batch).values_list(*fields):
                found[values[0]] = values
        dictionaries[CUSTOMER] = _Dictionary.build(found.values())
        return dictionaries

    def parse(self, reader: _RowReader, resolve: _Resolver) -> SatisfactionRow | None:
        customer = _required(reader, "customer", resolve(reader, "customer", CUSTOMER))
        salesperson = _required(reader, "salesperson", resolve(reader, "salesperson", SALESPERSON))
        score = _required(
            reader,
            "score",
            reader.parsed(
                "score",
                parse_score,
                _("Not a score; write a whole number: 1 to 5, or 0 to 10 for NPS."),
            ),
        )
        scale_text = reader.text("scale")
        scale: str = SurveyScale.FIVE_POINT
        if scale_text:
            found = match_choice(scale_text, _scale_names())
            if found is None:
                reader.error("scale", _("Unknown scale; write 1–5 or NPS (0–10)."), scale_text)
            else:
                scale = found
        responded_on = reader.parsed(
            "responded_on",
            parse_date,
            _("Not a date; write it as 2024-03-05, 2024/3/5 or 2024年3月5日."),
        )
        _required(reader, "responded_on", responded_on)
        channel_text = reader.text("channel")
        channel: str = SurveyChannel.IMPORT
        if channel_text:
            found = match_choice(channel_text, _channel_names())
            if found is None:
                reader.error(
                    "channel",
                    _("Unknown channel; write one of: %(choices)s.")
                    % {"choices": _channel_examples()},
                    channel_text,
                )
            else:
                channel = found
        comment = reader.text("comment")
        external_id = reader.text("external_id", max_length=80)
        if reader.failed:
            return None
        return SatisfactionRow(
            customer_code=customer,
            employee_number=salesperson,
            score=score,
            responded_on=responded_on,
            scale=scale,
            channel=channel,
            comment=comment,
            external_id=external_id,
            row=reader.number,
        )

    def upsert(
        self, *, actor: User, source: str, records: list[Any], dry_run: bool, batch: Any = None
    ) -> UpsertResult:
        return satisfaction_upsert(actor=actor, rows=records, dry_run=dry_run, import_batch=batch)

    def describe(self, record: Any) -> str:
        if record.external_id:
            return str(record.external_id)
        return f"{record.customer_code} · {record.employee_number} · {record.responded_on:%Y-%m-%d}"


# The accepted names do not depend on the page's language: read once per process, not per row.


@functools.cache
def _scale_names() -> dict[str, list[str]]:
    return _choice_names(SurveyScale.choices, SCALE_ALIASES)


@functools.cache
def _channel_names() -> dict[str, list[str]]:
    return _choice_names(SurveyChannel.choices, CHANNEL_ALIASES)


@functools.cache
def _active_names() -> dict[str, list[str]]:
    names = {key: list(values) for key, values in ACTIVE_NAMES.items()}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            names["active"].append(_("active"))
            names["inactive"].append(_("inactive"))
    return names


def _channel_examples() -> str:
    return ", ".join(f"{value} / {label}" for value, label in SurveyChannel.choices)


ORDERS = ImportKind(
    kind=KIND_ORDERS,
    slug="orders",
    label=gettext_lazy("Orders"),
    title=gettext_lazy("Import orders"),
    columns=importing.ORDER_COLUMNS,
    dimensions=importing.DIMENSIONS,
    list_url="sales:order_list",
    done=gettext_lazy(
        "Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged orders."
    ),
)
CUSTOMERS = CustomerImport(
    kind=KIND_CUSTOMERS,
    slug="customers",
    label=gettext_lazy("Customers"),
    title=gettext_lazy("Import customers"),
    columns=CUSTOMER_COLUMNS,
    dimensions=(SALESPERSON, REGION, SEGMENT),
    list_url="sales:customer_list",
    done=gettext_lazy(
        "Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged customers."
    ),
    dimension_columns={SALESPERSON: "owner", REGION: "region", SEGMENT: "segment"},
    service_fields={
        "code": "code",
        "name": "name",
        "name_en": "name_en",
        "segment_code": "segment",
        "region_code": "region",
        "owner_number": "owner",
        "source": "source",
        "is_active": "is_active",
    },
)
SATISFACTION = SatisfactionImport(
    kind=KIND_SATISFACTION,
    slug="satisfaction",
    label=gettext_lazy("Satisfaction answers"),
    title=gettext_lazy("Import satisfaction answers"),
    columns=SATISFACTION_COLUMNS,
    dimensions=(CUSTOMER, SALESPERSON),
    list_url="sales:satisfaction_list",
    done=gettext_lazy(
        "Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged satisfaction answers."
    ),
    dimension_columns={CUSTOMER: "customer", SALESPERSON: "salesperson"},
    service_fields={
        "customer_code": "customer",
        "employee_number": "salesperson",
        "score": "score",
        "scale": "scale",
        "responded_on": "responded_on",
        "channel": "channel",
        "comment": "comment",
        "external_id": "external_id",
    },
)

#: Every kind of sales import, in the order the import page offers them.
KINDS: dict[str, ImportKind] = {kind.kind: kind for kind in (ORDERS, CUSTOMERS, SATISFACTION)}
#: The kinds this module checks and commits (the orders are `importing`'s).
RECORD_IMPORTS: dict[str, RecordImport] = {
    CUSTOMERS.kind: CUSTOMERS,
    SATISFACTION.kind: SATISFACTION,
}
BY_SLUG: dict[str, ImportKind] = {kind.slug: kind for kind in KINDS.values()}


def kind_of(slug_or_kind: str | None) -> ImportKind:
    """A kind by its slug ("customers") or its name ("sales.customers"); the orders by default."""
    return BY_SLUG.get(slug_or_kind or "") or KINDS.get(slug_or_kind or "") or ORDERS


# ---------------------------------------------------------------- reading a file


def build_plan(
    kind: str,
    content: bytes,
    *,
    file_name: str,
    columns: dict[str, str] | None = None,
    values: dict[str, dict[str, int]] | None = None,
) -> RecordPlan:
    """Read a file and turn its rows into the kind's records; every problem becomes an error.

    Writes nothing; loads what it needs with a fixed number of queries, whatever the size.
    """
    spec = RECORD_IMPORTS[kind]
    plan = RecordPlan(kind=kind)
    try:
        tables = read_tables(content, file_name=file_name)
    except SpreadsheetError as error:
        plan.errors.append(ImportError_(None, "", error.message))
        return plan
    table = pick_table(tables, spec.columns)
    if table is None:
        plan.errors.append(ImportError_(None, "", _("The file is empty.")))
        return plan
    plan.header = table.header
    plan.data_rows = len(table.rows)  # shown even when a missing column refuses the file
    plan.positions, duplicates = resolve_columns(table.header, spec.columns, columns or {})
    for text in duplicates:
        plan.notes.append(
            _("The column “%(column)s” was recognised twice; the first one is used.")
            % {"column": text}
        )
    plan.errors += missing_columns(spec.columns, plan.positions)
    if plan.errors:
        return plan
    if not table.rows:
        plan.errors.append(
            ImportError_(None, "", _("The file has a header row but no data rows below it."))
        )
        return plan
    mapped = values or {}
    resolve = _Resolver(plan, spec.dictionaries(table, plan, mapped), mapped)
    reader = _RowReader(plan)
    for row in table.rows:
        reader.start(row.number, row.cells)
        record = spec.parse(reader, resolve)
        if record is not None:
            plan.records.append(record)
    for unknowns in plan.unknown.values():
        for unknown in unknowns.values():
            plan.errors.append(
                importing.unknown_error(
                    unknown,
                    plan.column_label(unknown.dimension),
                    str(DIMENSION_LABELS[unknown.dimension]),
                )
            )
    plan.errors.sort(key=lambda error: error.row or 0)
    return plan


def _merge_service_errors(plan: RecordPlan, errors: Iterable[Any]) -> None:
    spec = RECORD_IMPORTS[plan.kind]
    for error in errors:
        key = spec.service_fields.get(error.field, "")
        plan.errors.append(
            ImportError_(
                error.row or None,
                plan.column_label(key) if key else "",
                error.reason,
                str(getattr(error, "value", "") or ""),
            )
        )
    plan.errors.sort(key=lambda error: error.row or 0)


def check_plan(plan: RecordPlan, *, actor: User, source: str) -> None:
    """Ask the kind's service what the parsed records would do (a dry run) and merge its errors."""
    if not plan.records or any(error.row is None for error in plan.errors):
        return
    spec = RECORD_IMPORTS[plan.kind]
    plan.result = spec.upsert(actor=actor, source=source, records=plan.records, dry_run=True)
    _merge_service_errors(plan, plan.result.errors)


def commit_plan(plan: RecordPlan, *, actor: User, source: str, import_batch: ImportBatch) -> None:
    """Write the parsed records in one transaction; `RecordsInvalid` (nothing written) on any error."""
    spec = RECORD_IMPORTS[plan.kind]
    with transaction.atomic():
        plan.result = spec.upsert(
            actor=actor, source=source, records=plan.records, dry_run=False, batch=import_batch
        )


# ---------------------------------------------------------------- batches: check, remap, commit


def _ensure_importer(user: Any) -> None:
    if not is_admin(user):
        raise NotAllowed(_("Only administrators may import sales data."))


def _record(batch: ImportBatch, plan: RecordPlan) -> None:
    """Copy a plan's counts, errors, mapping and a sample of changes onto the batch (not saved)."""
    result = plan.result
    batch.new_count = result.created if result else 0
    batch.changed_count = result.updated if result else 0
    batch.unchanged_count = result.unchanged if result else 0
    batch.error_count = len(plan.errors)
    batch.errors = [error.as_json() for error in plan.errors[:MAX_STORED_ERRORS]]
    spec = RECORD_IMPORTS[plan.kind]
    changes: list[dict[str, Any]] = []
    if result is not None and not plan.errors:
        changes = importing.sample_of_changes(
            result, [(record.row, "record", spec.describe(record)) for record in plan.records]
        )
    batch.summary = {
        **{key: batch.summary.get(key) for key in ("estimated_rows",) if key in batch.summary},
        "header": list(plan.header),
        "positions": plan.positions,
        "rows": plan.data_rows,
        "records": len(plan.records),
        "unknown": {
            dimension: [
                {
                    "raw": u.raw,
                    "key": key,
                    "rows": u.rows,
                    "row": u.first_row,
                    "ambiguous": u.ambiguous,
                }
                for key, u in values.items()
            ]
            for dimension, values in plan.unknown.items()
        },
        "changes": changes,
        "notes": plan.notes,
    }


def records_import_check(
    *, user: User, kind: str, file_name: str, content: bytes, source: str = ""
) -> ImportBatch:
    """Keep an uploaded customers or satisfaction file and check it (now, or on a worker). Writes no records."""
    _ensure_importer(user)
    if kind not in RECORD_IMPORTS:
        raise DomainError(_("Unknown kind of import."), field="kind")
    source = _clean_source(source)
    mapping = saved_mapping(kind, source)
    batch = ImportBatch(
        kind=kind,
        file_name=(file_name or "upload")[:255],
        content=content,
        source=source,
        options={
            "columns": dict(mapping.columns) if mapping else {},
            "values": dict(mapping.values) if mapping else {},
        },
        summary={"estimated_rows": estimate_rows(content)},
        created_by=user,
        status=ImportBatch.Status.QUEUED,
    )
    batch.full_clean(exclude=["content", "errors", "summary", "options"])
    batch.save()
    _start(batch, "check", user)
    batch.refresh_from_db()
    return batch


def records_import_remap(
    *,
    user: User,
    batch_id: int,
    columns: dict[str, str],
    values: dict[str, dict[str, int]],
) -> ImportBatch:
    """Correct a batch's column and value mapping, save it for the source, and check the file again."""
    _ensure_importer(user)
    with transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update()
            .filter(pk=batch_id, kind__in=RECORD_IMPORTS)
            .first()
        )
        if batch is None:
            raise DomainError(_("No such import."), code="not_found")
        spec = RECORD_IMPORTS[batch.kind]
        if batch.status not in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.FAILED):
            raise DomainError(_("This import can no longer be changed."), code="conflict")
        known_keys = {column.key for column in spec.columns}
        columns = {key: str(text) for key, text in columns.items() if key in known_keys}
        merged = {
            dimension: dict(batch.options.get("values", {}).get(dimension, {}))
            for dimension in spec.dimensions
        }
        for dimension, chosen in values.items():
            if dimension in merged:
                for raw, pk in chosen.items():
                    merged[dimension][normalize_name(raw) or raw] = int(pk)
        merged = {dimension: chosen for dimension, chosen in merged.items() if chosen}
        batch.options = {**batch.options, "columns": columns, "values": merged}
        batch.status = ImportBatch.Status.QUEUED
        batch.progress = 0
        batch.save(update_fields=["options", "status", "progress"])
        mapping, _created = ImportMapping.objects.get_or_create(
            kind=batch.kind, source=batch.source
        )
        mapping.columns = columns
        mapping.values = {**mapping.values, **merged}
        mapping.full_clean(exclude=["columns", "values"])  # either may be empty
        mapping.save()
    _start(batch, "check", user)
    batch.refresh_from_db()
    return batch


def records_import_commit(*, user: User, batch_id: int) -> ImportBatch:
    """Write a checked customers or satisfaction batch, all or nothing (now, or on a worker)."""
    _ensure_importer(user)
    claimed = ImportBatch.objects.filter(
        pk=batch_id,
        kind__in=RECORD_IMPORTS,
        status=ImportBatch.Status.PREVIEWED,
        error_count=0,
    ).update(status=ImportBatch.Status.QUEUED, progress=0)
    if not claimed:
        batch = (
            ImportBatch.objects.filter(pk=batch_id, kind__in=RECORD_IMPORTS)
            .defer("content")
            .first()
        )
        if batch is None:
            raise DomainError(_("No such import."), code="not_found")
        if batch.status == ImportBatch.Status.COMMITTED:
            raise DomainError(_("This import has already been committed."), code="conflict")
        if batch.is_working:
            raise DomainError(_("This import is being processed."), code="conflict")
        raise DomainError(
            _("This import has errors; fix them or upload a corrected file."), code="conflict"
        )
    batch = ImportBatch.objects.defer("content").get(pk=batch_id)
    _start(batch, "commit", user)
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.FAILED:
        raise DomainError(
            _(
                "The data changed since the check and the file now has errors; nothing was imported."
            ),
            code="conflict",
        )
    return batch


def _start(batch: ImportBatch, phase: str, user: User) -> None:
    """Run a phase now, or hand it to a worker (the orders' tasks) once this transaction has committed."""
    ImportBatch.objects.filter(pk=batch.pk).update(options={**batch.options, "phase": phase})
    if not runs_in_background(batch):
        _run_records_phase(batch.pk, phase, user.pk)
        return
    from salesalign.sales import tasks

    task = tasks.import_check_task if phase == "check" else tasks.import_commit_task
    transaction.on_commit(lambda: task(batch.pk, user.pk))


def run_phase(batch_id: int, phase: str, user_id: int) -> None:
    """Check or commit a batch of any sales kind: the work of the import tasks."""
    kind = ImportBatch.objects.filter(pk=batch_id).values_list("kind", flat=True).first()
    if kind in RECORD_IMPORTS:
        _run_records_phase(batch_id, phase, user_id)
    elif kind == KIND_ORDERS:
        importing.run_phase(batch_id, phase, user_id)


def _run_records_phase(batch_id: int, phase: str, user_id: int) -> None:
    """Check or commit a customers or satisfaction batch; a failure ends in a "failed" batch."""
    user = User.objects.filter(pk=user_id).first()
    batch = ImportBatch.objects.filter(pk=batch_id, kind__in=RECORD_IMPORTS).first()
    if (
        batch is None
        or user is None
        or batch.status not in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
    ):
        return
    _set_progress(batch_id, 10, ImportBatch.Status.RUNNING)
    try:
        if phase == "commit":
            _commit(batch, user)
        else:
            _check(batch, user)
    except Exception:
        logger.exception("Import %s (%s) stopped", batch_id, phase)
        batch.errors = [
            ImportError_(
                None,
                "",
                _(
                    "The import stopped unexpectedly; nothing was written. Try again or ask an administrator."
                ),
            ).as_json()
        ]
        batch.error_count = 1
        batch.status = ImportBatch.Status.FAILED
        batch.progress = 100
        batch.save(update_fields=["errors", "error_count", "status", "progress"])
        raise


def _plan_for(batch: ImportBatch) -> RecordPlan:
    return build_plan(
        batch.kind,
        bytes(batch.content),
        file_name=batch.file_name,
        columns=batch.options.get("columns", {}),
        values=batch.options.get("values", {}),
    )


def _check(batch: ImportBatch, user: User) -> None:
    plan = _plan_for(batch)
    _set_progress(batch.pk, 50)
    check_plan(plan, actor=user, source=batch.source)
    _record(batch, plan)
    batch.status = ImportBatch.Status.FAILED if plan.errors else ImportBatch.Status.PREVIEWED
    batch.progress = 100
    batch.save()


def _commit(batch: ImportBatch, user: User) -> None:
    plan = _plan_for(batch)
    _set_progress(batch.pk, 40)
    if plan.errors:
        _record(batch, plan)
        batch.status = ImportBatch.Status.FAILED
        batch.progress = 100
        batch.save()
        return
    try:
        with transaction.atomic(), set_actor(user):
            commit_plan(plan, actor=user, source=batch.source, import_batch=batch)
            _record(batch, plan)
            batch.status = ImportBatch.Status.COMMITTED
            batch.committed_at = timezone.now()
            batch.progress = 100
            batch.options = {**batch.options, "committed_by": user.pk}
            batch.save()
    except DomainError as error:
        # RecordsInvalid carries the rows' errors; any other refusal is about the whole file.
        batch.refresh_from_db()
        plan.result = None
        row_errors = getattr(error, "errors", None)
        if row_errors:
            _merge_service_errors(plan, row_errors)
        else:
            plan.errors.append(ImportError_(None, "", error.message))
        _record(batch, plan)
        batch.status = ImportBatch.Status.FAILED
        batch.progress = 100
        batch.save()


# ---------------------------------------------------------------- every kind: the pages' entry


def import_check(
    *, user: User, kind: str, file_name: str, content: bytes, source: str = ""
) -> ImportBatch:
    """Keep and check an uploaded file of any sales kind (see `importing.orders_import_check`)."""
    if kind == KIND_ORDERS:
        return importing.orders_import_check(
            user=user, file_name=file_name, content=content, source=source
        )
    return records_import_check(
        user=user, kind=kind, file_name=file_name, content=content, source=source
    )


def import_remap(
    *,
    user: User,
    batch: ImportBatch,
    columns: dict[str, str],
    values: dict[str, dict[str, int]],
) -> ImportBatch:
    """Correct the mapping of a batch of any sales kind and check it again."""
    if batch.kind == KIND_ORDERS:
        return importing.orders_import_remap(
            user=user, batch_id=batch.pk, columns=columns, values=values
        )
    return records_import_remap(user=user, batch_id=batch.pk, columns=columns, values=values)


def import_commit(*, user: User, batch_id: int) -> ImportBatch:
    """Commit a checked batch of any sales kind, all or nothing."""
    _ensure_importer(user)
    kind = (
        ImportBatch.objects.filter(pk=batch_id, kind__in=KINDS)
        .values_list("kind", flat=True)
        .first()
    )
    if kind is None:
        raise DomainError(_("No such import."), code="not_found")
    if kind == KIND_ORDERS:
        return importing.orders_import_commit(user=user, batch_id=batch_id)
    return records_import_commit(user=user, batch_id=batch_id)


def import_batch_list(*, user: User, kind: str | None = None) -> QuerySet[ImportBatch]:
    """Past sales imports of every kind (or of one), newest first, without their files (importers only)."""
    _ensure_importer(user)
    batches = ImportBatch.objects.filter(kind__in=[kind] if kind in KINDS else list(KINDS))
    return batches.defer("content").select_related("created_by__person")


def import_batch_get(*, user: User, batch_id: int, with_content: bool = False) -> ImportBatch:
    """One sales import of any kind (importers only); a 'not_found' DomainError when there is none."""
    _ensure_importer(user)
    batches = ImportBatch.objects.filter(kind__in=KINDS).select_related("created_by__person")
    if not with_content:
        batches = batches.defer("content")
    batch = batches.filter(pk=batch_id).first()
    if batch is None:
        raise DomainError(_("No such import."), code="not_found")
    return batch


def dimension_choices(dimensions: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
    """What an unknown value of each of these dimensions can be mapped to: (id, "code · name")."""
    wanted = set(dimensions)
    choices: dict[str, list[tuple[int, str]]] = {}
    if wanted - {CUSTOMER}:
        choices.update(importing.dimension_choices())
    if CUSTOMER in wanted:
        choices[CUSTOMER] = [
            (pk, f"{code} · {name}")
            for pk, code, name in Customer.objects.order_by("code").values_list(
                "pk", "code", "name"
            )
        ]
    return {dimension: choices[dimension] for dimension in wanted}


def template_sheets(kind: str) -> list[Sheet]:
    """The import template of a kind: its columns as an empty sheet, and a sheet of notes."""
    spec = KINDS[kind]
    data = Sheet(
        str(spec.label),
        [column.header for column in spec.columns],
        [],
        [max(12, len(column.header) + 4) for column in spec.columns],
    )
    notes = Sheet(
        "说明 Notes",
        [_("Column"), _("Required"), _("Also recognised")],
        [
            [column.header, _("required") if column.required else "", ", ".join(column.aliases)]
            for column in spec.columns
        ],
        (30, 10, 100),
    )
    return [data, notes]


def template_name(kind: str) -> str:
    return f"salesalign-{KINDS[kind].slug}-import-template"


def label_batches(batches: Iterable[ImportBatch]) -> list[ImportBatch]:
    """The batches, each with `kind_label`: what it imported, as the history shows it."""
    labelled = []
    for batch in batches:
        spec = KINDS.get(batch.kind)
        batch.kind_label = str(spec.label) if spec else batch.kind  # type: ignore[attr-defined]
        labelled.append(batch)
    return labelled


def dimension_label(dimension: str) -> str:
    return str(DIMENSION_LABELS.get(dimension, dimension))
