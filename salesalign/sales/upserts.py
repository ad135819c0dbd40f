"""Bulk writes of customers and satisfaction answers: the services behind their imports.

Like `services.orders_upsert`, each function takes a whole set of plain rows,
resolves and checks them with a bounded number of queries however many rows
there are, and then writes them in bulk inside one transaction — or, with any
error, writes nothing. `dry_run=True` answers what would happen (created /
updated / unchanged per row, and every error) without writing. Every write is
recorded in the audit trail (django-auditlog's `LogEntry`), with the import
batch it came from.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salesalign.core.bulk import chunks, db_datetime, insert_rows, update_rows
from salesalign.core.exceptions import DomainError
from salesalign.core.models import User
from salesalign.core.visibility import Scope
from salesalign.organization.models import CustomerSegment, Person, Region, UnitAssignment
from salesalign.sales.choices import SurveyChannel, SurveyScale
from salesalign.sales.facts import UnitTimeline
from salesalign.sales.models import Customer, SalesFact, SatisfactionResponse
from salesalign.sales.rows import FieldChange, RowError, UpsertResult
from salesalign.sales.services import (
    DESCRIBED_UPDATES,
    MANUAL_SOURCE,
    normalized_score,
    person_in_scope,
    write_scope,
)


class RecordsInvalid(DomainError):
    """Some rows are wrong; nothing was written. `.errors` lists every problem."""

    def __init__(self, errors: list[RowError]) -> None:
        message = ngettext(
            "%(count)d problem in the rows; nothing was written.",
            "%(count)d problems in the rows; nothing was written.",
            len(errors),
        ) % {"count": len(errors)}
        super().__init__(message, field=errors[0].field if errors else None)
        self.errors = errors


@dataclass(frozen=True)
class CustomerRow:
    """One customer as imported, named by business keys.

    `None` leaves a field as it is (its column is not in the file, or — for
    the source and the active flag — its cell is blank); "" clears it.
    """

    code: str
    name: str | None = None
    name_en: str | None = None
    segment_code: str | None = None
    region_code: str | None = None
    owner_number: str | None = None
    source: str | None = None
    is_active: bool | None = None
    row: int = 0


@dataclass(frozen=True)
class SatisfactionRow:
    """One satisfaction answer as imported. An external ID makes re-sending it idempotent."""

    customer_code: str
    employee_number: str
    score: Any
    responded_on: Any
    scale: str = SurveyScale.FIVE_POINT
    channel: str = SurveyChannel.IMPORT
    comment: str = ""
    external_id: str = ""
    row: int = 0


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_date(value: Any) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


@dataclass
class _Item:
    """One row while it is checked: the values it would write, and whether it is valid."""

    row: Any
    values: dict[str, Any] = field(default_factory=dict)
    valid: bool = True


class _Upsert:
    """What every bulk upsert shares: the actor's scope, the errors, the verdict, the write."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.scope = write_scope(actor)
        self.errors: list[RowError] = []
        self.items: list[Any] = []

    def error(self, item: _Item, field_name: str, reason: str, value: Any = "") -> None:
        item.valid = False
        self.errors.append(
            RowError(row=item.row.row, field=field_name, reason=reason, value=str(value))
        )

    def outcome(self, item: Any) -> str:
        raise NotImplementedError

    def write(self, outcomes: list[str], import_batch: Any) -> None:
        raise NotImplementedError

    def differences(self, updated: Sequence[tuple[int, Any]]) -> dict[int, tuple[FieldChange, ...]]:
        """What these (position, item) updates change, field by field; none by default."""
        return {}

    def run(self, *, dry_run: bool, import_batch: Any) -> UpsertResult:
        """The counts and errors; unless a dry run, the write (all of it) or `RecordsInvalid`."""
        outcomes = [self.outcome(item) if item.valid else "invalid" for item in self.items]
        result = UpsertResult(
            created=outcomes.count("created"),
            updated=outcomes.count("updated"),
            unchanged=outcomes.count("unchanged"),
            errors=sorted(self.errors, key=lambda error: error.row),
            outcomes=outcomes,
        )
        updated = [
            (position, item)
            for position, (item, outcome) in enumerate(zip(self.items, outcomes, strict=True))
            if outcome == "updated"
        ]
        result.differences = self.differences(updated[:DESCRIBED_UPDATES])
        if dry_run:
            return result
        if result.errors:
            raise RecordsInvalid(result.errors)
        if result.created or result.updated:
            with transaction.atomic():
                self.write(outcomes, import_batch)
        return result


def _validation_errors(
    instance: models.Model, exclude: Sequence[str], fields: dict[str, str]
) -> list[tuple[str, str]]:
    """`full_clean` without queries (no foreign keys, uniqueness or constraints): (field, message)."""
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        return [
            (fields.get(name, name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def _audit(
    actor: Any,
    import_batch: Any,
    entries: Iterable[tuple[models.Model, int, dict[str, list[str | None]]]],
) -> None:
    """Record bulk writes in the audit trail (bulk writes send no signals for auditlog to see)."""
    user = actor if isinstance(actor, User) else None
    extra = {"import_batch": import_batch.pk} if import_batch is not None else None
    log = []
    for instance, action, changes in entries:
        log.append(
            LogEntry(
                content_type=ContentType.objects.get_for_model(type(instance)),
                object_pk=str(instance.pk),
                object_id=instance.pk,
                object_repr=str(instance)[:1000],
                action=action,
                changes=changes,
                changes_text="",
                actor=user,
                additional_data=extra,
            )
        )
    _insert(log, timezone.now())


def _insert(instances: Sequence[models.Model], now: datetime.datetime) -> None:
    """Insert unsaved instances of one model in bulk; no ids come back.

    Through `core.bulk.insert_rows`, as the orders' writes: COPY on PostgreSQL,
    where `bulk_create` sends INSERTs. Values go through each field's own
    preparation (defaults, JSON), so they are what `save()` writes; every
    automatic timestamp is `now`.
    """
    if not instances:
        return
    model = type(instances[0])
    connection = connections[router.db_for_write(model)]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    stamped = {
        field.attname
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    rows = []
    for instance in instances:
        for attname in stamped:
            setattr(instance, attname, now)
        rows.append(
            [
                field.get_db_prep_save(
                    getattr(instance, field.attname)
                    if field.attname in stamped
                    else field.pre_save(instance, True),
                    connection,
                )
                for field in fields
            ]
        )
    insert_rows(model, [field.attname for field in fields], rows)


def _shown(value: Any) -> str | None:
    return None if value is None else str(value)


def _codes(model: Any, codes: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in chunks(sorted(codes - {""})):
        found.update(model.objects.filter(code__in=batch).values_list("code", "pk"))
    return found


def _people(numbers: set[str]) -> dict[str, Person]:
    """People by employee number, with their unit and unit history (for their unit on a date)."""
    query = Person.objects.select_related("unit").prefetch_related(
        Prefetch("unit_assignments", queryset=UnitAssignment.objects.order_by("valid_from"))
    )
    people: dict[str, Person] = {}
    for batch in chunks(sorted(numbers - {""})):
        people.update(
            (person.employee_number, person) for person in query.filter(employee_number__in=batch)
        )
    return people


def _visible_customer_ids(actor: Any, scope: Scope, codes: set[str]) -> set[int] | None:
    """Ids of the named customers the actor may see; None when they see every customer."""
    if scope.everything:
        return None
    visible: set[int] = set()
    for batch in chunks(sorted(codes - {""})):
        visible.update(
            Customer.objects.visible_to(actor).filter(code__in=batch).values_list("pk", flat=True)
        )
    return visible


# --- customers ---------------------------------------------------------------------------

#: What a customer row may change, as model attributes.
CUSTOMER_FIELDS = ("name", "name_en", "segment_id", "region_id", "owner_id", "source", "is_active")
#: Model field → the `CustomerRow` field an error names.
_CUSTOMER_ROW_FIELDS = {
    "code": "code",
    "name": "name",
    "name_en": "name_en",
    "segment": "segment_code",
    "region": "region_code",
    "owner": "owner_number",
    "source": "source",
    "is_active": "is_active",
}


@dataclass
class _CustomerItem(_Item):
    code: str = ""
    existing: Customer | None = None


class _CustomerUpsert(_Upsert):
    """The state of one `customers_upsert` call."""

    def __init__(self, *, actor: Any, rows: Sequence[CustomerRow], source: str) -> None:
        super().__init__(actor)
        self.rows = rows
        self.source = _text(source)

    def load(self) -> None:
        """Read the customers, people, regions and segments the rows name, in bulk."""
        codes = {_text(row.code) for row in self.rows}
        self.existing: dict[str, Customer] = {}
        for batch in chunks(sorted(codes - {""})):
            self.existing.update(
                (customer.code, customer) for customer in Customer.objects.filter(code__in=batch)
            )
        self.visible = _visible_customer_ids(self.actor, self.scope, codes)
        self.people = _people({_text(row.owner_number) for row in self.rows})
        self.regions = _codes(Region, {_text(row.region_code) for row in self.rows})
        self.segments = _codes(CustomerSegment, {_text(row.segment_code) for row in self.rows})

    def check(self) -> None:
        first_row: dict[str, int] = {}
        for row in self.rows:
            item = self._check(row)
            self.items.append(item)
            if not item.code:
                continue
            if item.code in first_row:
                self.error(
                    item,
                    "code",
                    _("The customer code %(code)s appears more than once (first in row %(row)s).")
                    % {"code": item.code, "row": first_row[item.code]},
                    item.code,
                )
            else:
                first_row[item.code] = row.row

    def _check(self, row: CustomerRow) -> _CustomerItem:
        code = _text(row.code)
        stored = self.existing.get(code)
        item = _CustomerItem(row=row, code=code, existing=stored)
        if not code:
            self.error(item, "code", _("The customer code is missing."))
        elif len(code) > (Customer._meta.get_field("code").max_length or 0):
            self.error(item, "code", _("The customer code is too long."), code)
        if stored is not None and self.visible is not None and stored.pk not in self.visible:
            self.error(item, "code", _("You may not change this customer."), code)

        def kept(name: str, value: Any, default: Any) -> Any:
            """The row's value; else the stored one; else, for a new customer, `default`."""
            if value is not None:
                return value
            return getattr(stored, name) if stored is not None else default

        values = item.values
        values["name"] = kept("name", None if row.name is None else _text(row.name), "")
        values["name_en"] = kept("name_en", None if row.name_en is None else _text(row.name_en), "")
        values["source"] = kept("source", _text(row.source) or None, self.source)
        values["is_active"] = kept("is_active", row.is_active, True)
        if not values["name"]:
            self.error(item, "name", _("The customer name is missing."))
        for attribute, raw, known, field_name, message in (
            (
                "segment_id",
                row.segment_code,
                self.segments,
                "segment_code",
                _("Unknown customer segment %(code)s."),
            ),
            (
                "region_id",
                row.region_code,
                self.regions,
                "region_code",
                _("Unknown region %(code)s."),
            ),
        ):
            key = None if raw is None else _text(raw)
            if key is None:  # not in the file: kept
                values[attribute] = getattr(stored, attribute) if stored is not None else None
            elif not key:  # blank: cleared
                values[attribute] = None
            elif key in known:
                values[attribute] = known[key]
            else:
                self.error(item, field_name, message % {"code": key}, key)
        self._check_owner(item, None if row.owner_number is None else _text(row.owner_number))
        if item.valid:
            candidate = Customer(code=code, **values)
            for field_name, message in _validation_errors(
                candidate,
                ("segment", "region", "owner", "first_won_order", "first_won_on"),
                _CUSTOMER_ROW_FIELDS,
            ):
                self.error(item, field_name, message)
        return item

    def _check_owner(self, item: _CustomerItem, number: str | None) -> None:
        """The owner by employee number (None: keep, "": none), within what the actor manages."""
        stored = item.existing
        if number is None:
            item.values["owner_id"] = stored.owner_id if stored is not None else None
        elif not number:
            item.values["owner_id"] = None
        elif number not in self.people:
            self.error(
                item,
                "owner_number",
                _("Unknown employee number %(number)s.") % {"number": number},
                number,
            )
            return
        else:
            owner = self.people[number]
            item.values["owner_id"] = owner.pk
            if not person_in_scope(self.scope, owner):
                self.error(
                    item,
                    "owner_number",
                    _("You may not give customers to %(name)s.") % {"name": owner.name},
                    number,
                )
        if not self.scope.everything and item.values["owner_id"] is None:
            self.error(item, "owner_number", _("Choose the salesperson who owns the customer."))

    def outcome(self, item: _CustomerItem) -> str:
        if item.existing is None:
            return "created"
        same = all(getattr(item.existing, name) == item.values[name] for name in CUSTOMER_FIELDS)
        return "unchanged" if same else "updated"

    def differences(
        self, updated: Sequence[tuple[int, _CustomerItem]]
    ) -> dict[int, tuple[FieldChange, ...]]:
        """Each changed field as text: codes for the segment and region, the owner's employee
        number, "active" / "inactive" (two queries for all, for values the rows do not name)."""
        if not updated:
            return {}
        segments = {pk: code for code, pk in self.segments.items()}
        regions = {pk: code for code, pk in self.regions.items()}
        owners = {person.pk: person.employee_number for person in self.people.values()}
        wanted: dict[str, set[int]] = defaultdict(set)
        for _position, item in updated:
            stored = item.existing
            if stored is None:
                continue
            for name, known in (
                ("segment_id", segments),
                ("region_id", regions),
                ("owner_id", owners),
            ):
                if getattr(stored, name) is not None and getattr(stored, name) not in known:
                    wanted[name].add(getattr(stored, name))
        segments.update(
            CustomerSegment.objects.filter(pk__in=wanted["segment_id"]).values_list("pk", "code")
        )
        regions.update(Region.objects.filter(pk__in=wanted["region_id"]).values_list("pk", "code"))
        owners.update(
            Person.objects.filter(pk__in=wanted["owner_id"]).values_list("pk", "employee_number")
        )
        shown: dict[str, tuple[str, dict[int, str] | None]] = {
            "name": ("name", None),
            "name_en": ("name_en", None),
            "segment_id": ("segment", segments),
            "region_id": ("region", regions),
            "owner_id": ("owner", owners),
            "source": ("source", None),
            "is_active": ("is_active", None),
        }

        def text(name: str, value: Any) -> str:
            if value is None:
                return ""
            if name == "is_active":
                return "active" if value else "inactive"
            codes = shown[name][1]
            return str(codes.get(value, value) if codes is not None else value)

        described: dict[int, tuple[FieldChange, ...]] = {}
        for position, item in updated:
            stored = item.existing
            if stored is None:
                continue
            described[position] = tuple(
                FieldChange(
                    shown[name][0], text(name, getattr(stored, name)), text(name, item.values[name])
                )
                for name in CUSTOMER_FIELDS
                if getattr(stored, name) != item.values[name]
            )
        return described

    def write(self, outcomes: list[str], import_batch: Any) -> None:
        """Insert the new customers, update the changed ones and their facts, audit both."""
        now = timezone.now()
        chosen = list(zip(self.items, outcomes, strict=True))
        created = [
            Customer(code=item.code, **item.values)
            for item, outcome in chosen
            if outcome == "created"
        ]
        _insert(created, now)
        ids: dict[str, int] = {}
        for batch in chunks([customer.code for customer in created]):
            ids.update(Customer.objects.filter(code__in=batch).values_list("code", "pk"))
        audit: list[tuple[models.Model, int, dict[str, list[str | None]]]] = []
        for customer in created:
            customer.pk = ids[customer.code]
            audit.append(
                (
                    customer,
                    LogEntry.Action.CREATE,
                    {
                        name: [None, _shown(getattr(customer, name))]
                        for name in ("code", *CUSTOMER_FIELDS)
                        if getattr(customer, name) not in (None, "")
                    },
                )
            )
        updated: list[Customer] = []
        moved: dict[tuple[int | None, int | None], list[int]] = defaultdict(list)
        for item, outcome in chosen:
            stored = item.existing
            if outcome != "updated" or stored is None:
                continue
            values = item.values
            audit.append(
                (
                    stored,
                    LogEntry.Action.UPDATE,
                    {
                        name: [_shown(getattr(stored, name)), _shown(values[name])]
                        for name in CUSTOMER_FIELDS
                        if getattr(stored, name) != values[name]
                    },
                )
            )
            if (stored.region_id, stored.segment_id) != (values["region_id"], values["segment_id"]):
                moved[(values["region_id"], values["segment_id"])].append(stored.pk)
            for name, value in values.items():
                setattr(stored, name, value)
            updated.append(stored)
        stamp = db_datetime(Customer, now)
        update_rows(
            Customer,
            (*CUSTOMER_FIELDS, "updated_at"),
            [(*(getattr(c, name) for name in CUSTOMER_FIELDS), stamp, c.pk) for c in updated],
        )
        # The facts carry the customer's region and segment: move them, one update per pair.
        for (region_id, segment_id), customer_ids in moved.items():
            for id_batch in chunks(customer_ids):
                SalesFact.objects.of_customers(id_batch).update(
                    region_id=region_id, segment_id=segment_id
                )
        _audit(self.actor, import_batch, audit)


def customers_upsert(
    *,
    actor: Any,
    rows: Sequence[CustomerRow],
    source: str = MANUAL_SOURCE,
    dry_run: bool = False,
    import_batch: Any = None,
) -> UpsertResult:
    """Create or update customers by code, all or nothing.

    Every row is checked first: a duplicate code, a missing name, an unknown
    segment, region or owner, a customer or an owner outside what the actor
    may manage. With any error a real call raises `RecordsInvalid` and writes
    nothing; `dry_run=True` returns the counts and the errors. A row equal to
    the stored customer is "unchanged" and not written. `source` is the source
    of new customers whose row names none. A change of region or segment moves
    the customer's sales facts with it, as `services.customer_update` does.
    """
    upsert = _CustomerUpsert(actor=actor, rows=rows, source=source)
    upsert.load()
    upsert.check()
    return upsert.run(dry_run=dry_run, import_batch=import_batch)


# --- satisfaction answers ----------------------------------------------------------------

#: What an imported answer says, as model attributes; all but the channel identify it.
_ANSWER_FIELDS = (
    "customer_id",
    "salesperson_id",
    "scale",
    "score",
    "comment",
    "responded_on",
    "channel",
)
_IDENTITY = _ANSWER_FIELDS[:-1]
#: Every column an import writes to a stored answer (and `updated_at`).
_ANSWER_COLUMNS = (*_ANSWER_FIELDS, "external_id", "score_normalized", "month", "unit_id")


@dataclass
class _AnswerItem(_Item):
    external_id: str = ""
    existing: SatisfactionResponse | None = None

    @property
    def natural_key(self) -> tuple[Any, ...]:
        """Customer, salesperson, date, scale, score and comment: one answer without an ID."""
        return tuple(self.values.get(name) for name in _IDENTITY)


class _AnswerUpsert(_Upsert):
    """The state of one `satisfaction_upsert` call."""

    def __init__(self, *, actor: Any, rows: Sequence[SatisfactionRow]) -> None:
        super().__init__(actor)
        self.rows = rows

    def load(self) -> None:
        """Read the customers and people the rows name, and the answers they may repeat, in bulk."""
        codes = {_text(row.customer_code) for row in self.rows}
        self.customers: dict[str, int] = {}
        for batch in chunks(sorted(codes - {""})):
            self.customers.update(Customer.objects.filter(code__in=batch).values_list("code", "pk"))
        self.visible = _visible_customer_ids(self.actor, self.scope, codes)
        self.people = _people({_text(row.employee_number) for row in self.rows})
        self.timeline = UnitTimeline.from_people(self.people.values())
        # Where several stored answers share an ID or a content, the oldest is the one matched.
        self.by_external_id: dict[str, SatisfactionResponse] = {}
        for batch in chunks(sorted({_text(row.external_id) for row in self.rows} - {""})):
            for response in SatisfactionResponse.objects.filter(external_id__in=batch).order_by(
                "-pk"
            ):
                self.by_external_id[response.external_id] = response
        self.by_key: dict[tuple[Any, ...], SatisfactionResponse] = {}
        dates = [row.responded_on for row in self.rows if _is_date(row.responded_on)]
        if dates:
            for id_batch in chunks(sorted(set(self.customers.values()))):
                for response in SatisfactionResponse.objects.filter(
                    customer_id__in=id_batch, responded_on__range=(min(dates), max(dates))
                ).order_by("-pk"):
                    self.by_key[tuple(getattr(response, name) for name in _IDENTITY)] = response

    def check(self) -> None:
        first_id: dict[str, int] = {}
        first_key: dict[tuple[Any, ...], int] = {}
        claimed: set[int] = set()
        for row in self.rows:
            item = self._check(row)
            self.items.append(item)
            if not item.valid:
                continue
            if item.external_id:
                if item.external_id in first_id:
                    self.error(
                        item,
                        "external_id",
                        _("The external ID %(id)s appears more than once (first in row %(row)s).")
                        % {"id": item.external_id, "row": first_id[item.external_id]},
                        item.external_id,
                    )
                    continue
                first_id[item.external_id] = row.row
                item.existing = self.by_external_id.get(item.external_id)
                same = self.by_key.get(item.natural_key)
                if item.existing is None and same is not None and not same.external_id:
                    # The same answer imported before without an ID takes this one.
                    item.existing = same if same.pk not in claimed else None
            else:
                if item.natural_key in first_key:
                    self.error(
                        item,
                        "",
                        _(
                            "The same answer appears more than once (first in row %(row)s); give each answer an external ID if both are real."
                        )
                        % {"row": first_key[item.natural_key]},
                    )
                    continue
                first_key[item.natural_key] = row.row
                item.existing = self.by_key.get(item.natural_key)
            if item.existing is not None:
                claimed.add(item.existing.pk)

    def _check(self, row: SatisfactionRow) -> _AnswerItem:
        item = _AnswerItem(row=row, external_id=_text(row.external_id))
        code = _text(row.customer_code)
        customer_id = self.customers.get(code)
        if not code:
            self.error(item, "customer_code", _("The customer is missing."))
        elif customer_id is None:
            self.error(
                item, "customer_code", _("Unknown customer %(code)s.") % {"code": code}, code
            )
        elif self.visible is not None and customer_id not in self.visible:
            self.error(item, "customer_code", _("You may not change this customer."), code)
        number = _text(row.employee_number)
        person = self.people.get(number)
        if not number:
            self.error(item, "employee_number", _("The salesperson is missing."))
        elif person is None:
            self.error(
                item,
                "employee_number",
                _("Unknown employee number %(number)s.") % {"number": number},
                number,
            )
        elif not person_in_scope(self.scope, person):
            self.error(
                item,
                "employee_number",
                _("You may not record answers about %(name)s.") % {"name": person.name},
                number,
            )
        scale = _text(row.scale) or SurveyScale.FIVE_POINT
        self._check_score(item, scale, row.score)
        if not _is_date(row.responded_on):
            self.error(
                item,
                "responded_on",
                _("The date is missing or not a date."),
                row.responded_on or "",
            )
        channel = _text(row.channel) or SurveyChannel.IMPORT
        if channel not in SurveyChannel.values:
            self.error(
                item,
                "channel",
                _("Unknown channel; use one of: %(choices)s.")
                % {"choices": ", ".join(SurveyChannel.values)},
                channel,
            )
        if len(item.external_id) > (
            SatisfactionResponse._meta.get_field("external_id").max_length or 0
        ):
            self.error(item, "external_id", _("The external ID is too long."), item.external_id)
        if item.valid and person is not None:
            item.values = {
                "customer_id": customer_id,
                "salesperson_id": person.pk,
                "scale": scale,
                "score": row.score,
                "comment": _text(row.comment),
                "responded_on": row.responded_on,
                "channel": channel,
            }
        return item

    def _check_score(self, item: _AnswerItem, scale: str, score: Any) -> None:
        """As `services.satisfaction_record`: a whole number from 1 to 5, or 0 to 10 for NPS."""
        if scale not in SurveyScale.values:
            self.error(item, "scale", _("Unknown scale."), scale)
        elif not isinstance(score, int) or isinstance(score, bool):
            self.error(
                item,
                "score",
                _("The score must be a whole number."),
                "" if score is None else score,
            )
        else:
            low, high = (0, 10) if scale == SurveyScale.NPS else (1, 5)
            if not low <= score <= high:
                self.error(
                    item,
                    "score",
                    _("On this scale the score is from %(low)s to %(high)s.")
                    % {"low": low, "high": high},
                    score,
                )

    def outcome(self, item: _AnswerItem) -> str:
        stored = item.existing
        if stored is None:
            return "created"
        same_id = not item.external_id or stored.external_id == item.external_id
        same = same_id and all(
            getattr(stored, name) == item.values[name] for name in _ANSWER_FIELDS
        )
        return "unchanged" if same else "updated"

    def _fill(self, response: SatisfactionResponse, item: _AnswerItem) -> None:
        """The answer's values and what is derived from them: normalised score, month, unit."""
        values = item.values
        for name, value in values.items():
            setattr(response, name, value)
        if item.external_id:
            response.external_id = item.external_id
        response.score_normalized = normalized_score(values["scale"], values["score"])
        day: datetime.date = values["responded_on"]
        response.month = day.year * 100 + day.month
        response.unit_id = self.timeline.unit_on(values["salesperson_id"], day)

    def write(self, outcomes: list[str], import_batch: Any) -> None:
        """Insert the new answers, update the changed ones, audit both."""
        now = timezone.now()
        chosen = list(zip(self.items, outcomes, strict=True))
        created: list[SatisfactionResponse] = []
        for item, outcome in chosen:
            if outcome == "created":
                response = SatisfactionResponse(external_id=item.external_id)
                self._fill(response, item)
                created.append(response)
        if created:
            # Answers have no key to find them by once inserted: they are the rows inserted
            # now, after the last row before, in the order they were sent.
            last = SatisfactionResponse.objects.aggregate(last=Max("pk"))["last"] or 0
            _insert(created, now)
            new_ids = SatisfactionResponse.objects.filter(pk__gt=last, created_at=now).order_by(
                "pk"
            )
            for response, pk in zip(created, new_ids.values_list("pk", flat=True), strict=True):
                response.pk = pk
        audit: list[tuple[models.Model, int, dict[str, list[str | None]]]] = [
            (
                response,
                LogEntry.Action.CREATE,
                {
                    name: [None, _shown(getattr(response, name))]
                    for name in (*_ANSWER_FIELDS, "external_id", "unit_id")
                    if getattr(response, name) not in (None, "")
                },
            )
            for response in created
        ]
        updated: list[SatisfactionResponse] = []
        for item, outcome in chosen:
            stored = item.existing
            if outcome != "updated" or stored is None:
                continue
            before = {name: getattr(stored, name) for name in (*_ANSWER_FIELDS, "external_id")}
            self._fill(stored, item)
            changes = {
                name: [_shown(old), _shown(getattr(stored, name))]
                for name, old in before.items()
                if getattr(stored, name) != old
            }
            audit.append((stored, LogEntry.Action.UPDATE, changes))
            updated.append(stored)
        stamp = db_datetime(SatisfactionResponse, now)
        update_rows(
            SatisfactionResponse,
            (*_ANSWER_COLUMNS, "updated_at"),
            [
                (*(getattr(response, name) for name in _ANSWER_COLUMNS), stamp, response.pk)
                for response in updated
            ],
        )
        _audit(self.actor, import_batch, audit)


def satisfaction_upsert(
    *,
    actor: Any,
    rows: Sequence[SatisfactionRow],
    dry_run: bool = False,
    import_batch: Any = None,
) -> UpsertResult:
    """Record satisfaction answers in bulk, all or nothing, without duplicating any.

    An answer with an external ID is matched by it: the same values are
    "unchanged", others "updated" (an answer stored before without an ID, and
    otherwise identical, takes the ID). An answer without one is matched by its
    customer, salesperson, date, scale, score and comment: an identical answer
    is "unchanged" (only its channel can change), any other is new. Each answer
    counts in the salesperson's unit on its date, as `services.satisfaction_record`
    does. With any error a real call raises `RecordsInvalid` and writes nothing.
    """
    upsert = _AnswerUpsert(actor=actor, rows=rows)
    upsert.load()
    upsert.check()
    return upsert.run(dry_run=dry_run, import_batch=import_batch)
