"""Load (or refresh) the demo company: `manage.py load_demo [--password P] [--today YYYY-MM-DD]`.

The demo is built by a list of loader modules, run in order (`DEMO_LOADERS`).
Each module exposes one function::

    def load(*, context: DemoContext) -> None: ...

and may rely on what the loaders before it left in `context.shared`. The
contract for a loader:

- Write through the models (or services), saving objects one by one so the
  audit trail records them; the whole load runs in ONE transaction under
  `auditlog.context.set_actor(context.actor)`.
- Be repeatable: find existing rows by a natural key (unit code, employee
  number, dimension code, edition year, document title, ...) and update them;
  never add a second copy. `upsert()` and `upsert_node()` below do that and
  save only when something changed, so a second run writes nothing.
- Be deterministic: use `context.random(name)` (seeded) and `context.today`,
  never the clock or an unseeded random.
- Register the logins it creates with `context.add_login(...)`; the command
  prints them as a table at the end. Write one summary line to `context.stdout`.

What the loaders share through `context.shared` (add new keys; do not change these):

- ``company``: the company `OrgUnit`; ``departments`` / ``teams``: dicts code → `OrgUnit`
- ``people``: dict employee number → `Person` (everyone, including those who left)
- ``executive``, ``hr``, ``admin``, ``manager``, ``salesperson``: the `Person` behind
  each demo login (``manager`` manages ``demo_team``, where ``salesperson`` works)
- ``demo_team``: the `OrgUnit` of the manager and salesperson logins
- ``product_lines``, ``regions``, ``segments``: dicts code → dimension node
- ``edition``: this year's `StrategyEdition`; ``strategic_goals`` / ``tactical_goals``:
  lists in creation order
"""

from __future__ import annotations

import importlib
import random
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import models, transaction
from django.utils import timezone

DEMO_LOADERS: list[str] = [
    "salesalign.organization.demo",
    "salesalign.strategy.demo",
    "salesalign.sales.demo",
    "salesalign.targets.demo",
    "salesalign.performance.demo",
]

DEFAULT_PASSWORD = "salesalign-demo"  # noqa: S105 - the documented demo password
ADMIN_USERNAME = "admin"

_M = TypeVar("_M", bound=models.Model)
#: Fields a tree node's own code manages; never compared or validated by the loaders.
TREE_FIELDS = ("path", "depth", "numchild")


@dataclass(frozen=True)
class DemoLogin:
    """One row of the printed login table."""

    role: str
    username: str
    name: str
    sees: str


@dataclass
class DemoContext:
    """What every loader receives: the date, the demo password, output and shared objects."""

    today: date
    password: str
    stdout: OutputWrapper
    actor: Any  # the admin `User`; every change is recorded under this actor
    shared: dict[str, Any] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)

    def random(self, name: str) -> random.Random:
        """A random generator seeded by `name`: the same demo data on every run."""
        return random.Random(f"salesalign-demo:{name}")

    def add_login(self, *, role: str, username: str, name: str, sees: str) -> None:
        self.logins.append(DemoLogin(role=role, username=username, name=name, sees=sees))


def _differs(instance: models.Model, name: str, value: Any) -> bool:
    model_field = instance._meta.get_field(name)
    if model_field.is_relation and not model_field.many_to_many:
        current = getattr(instance, model_field.attname)  # type: ignore[union-attr]
        return current != (value.pk if isinstance(value, models.Model) else value)
    return bool(getattr(instance, name) != value)


def apply_changes(instance: models.Model, values: Mapping[str, Any]) -> bool:
    """Set the fields of `values` that differ on `instance`; True when anything changed."""
    changed = False
    for name, value in values.items():
        if _differs(instance, name, value):
            setattr(instance, name, value)
            changed = True
    return changed


def upsert(
    model: type[_M], *, lookup: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[_M, bool]:
    """Find the row by `lookup` and bring it to `values`, or create it; (object, changed).

    Saves (after `full_clean()`) only when a field differs, so re-running is a no-op.
    """
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        instance.full_clean()
        instance.save()
        return instance, True
    if not apply_changes(instance, values):
        return instance, False
    instance.full_clean()
    instance.save()
    return instance, True


def upsert_node(model: type[_M], *, code: str, parent: Any, values: Mapping[str, Any]) -> _M:
    """The same for a treebeard node keyed by `code`: add it under `parent` (None: a root),
    or update it and move it under `parent` when it sits elsewhere."""
    manager: Any = model._default_manager
    node = manager.filter(code=code).first()
    if node is None:
        candidate = model(code=code, **values)
        candidate.full_clean(exclude=list(TREE_FIELDS))
        create_kwargs = {"code": code, **values}
        if parent is None:
            return manager.add_root(create_kwargs)  # type: ignore[no-any-return]
        return manager.add_child(parent, create_kwargs)  # type: ignore[no-any-return]
    if apply_changes(node, values):
        node.full_clean(exclude=list(TREE_FIELDS))
        node.save()
    current_parent = manager.get_parent(node)
    if (current_parent.pk if current_parent else None) != (parent.pk if parent else None):
        if parent is None:
            manager.move(node, manager.get_last_root_node(), "sorted-sibling")
        else:
            manager.move(node, parent, "sorted-child")
        node.refresh_from_db()
    return node  # type: ignore[no-any-return]


def refresh_all(nodes: Iterable[models.Model]) -> None:
    """Re-read tree fields after inserts (sorted inserts may shift siblings' paths)."""
    for node in nodes:
        node.refresh_from_db(fields=list(TREE_FIELDS))


def _display_width(text: str) -> int:
    """Columns a terminal uses for `text`: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


class Command(BaseCommand):
    help = (
        "Load or refresh the demo company (organisation, dimensions, strategy, ...). "
        "Repeatable: running it again updates the same records and adds no copies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f'Password of every demo login (default "{DEFAULT_PASSWORD}").',
        )
        parser.add_argument(
            "--today",
            default=None,
            help="Pin the date the demo is built around (YYYY-MM-DD; default: today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from auditlog.context import set_actor

        today = self._parse_today(options["today"])
        password: str = options["password"]
        if not password:
            raise CommandError("The demo password may not be empty.")

        with transaction.atomic():
            actor = self._admin_user(password)
            context = DemoContext(today=today, password=password, stdout=self.stdout, actor=actor)
            with set_actor(actor):
                for module_name in DEMO_LOADERS:
                    module = importlib.import_module(module_name)
                    module.load(context=context)

        self._print_logins(context)

    @staticmethod
    def _parse_today(value: str | None) -> date:
        if not value:
            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise CommandError(f"--today must be a date like 2026-03-31, not {value!r}.") from error

    @staticmethod
    def _admin_user(password: str) -> Any:
        """The admin login, created first because every change is recorded as its work."""
        user_model = get_user_model()
        user, _created = user_model._default_manager.get_or_create(username=ADMIN_USERNAME)
        changed = apply_changes(user, {"is_staff": True, "is_superuser": True, "is_active": True})
        if not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        return user

    def _print_logins(self, context: DemoContext) -> None:
        rows = [("Role", "Username", "Password", "Person", "Sees")]
        rows += [
            (login.role, login.username, context.password, login.name, login.sees)
            for login in context.logins
        ]
        widths = [max(_display_width(row[column]) for row in rows) for column in range(4)]

        def line(row: tuple[str, ...]) -> str:
            cells = [
                cell + " " * (width - _display_width(cell))
                for cell, width in zip(row[:4], widths, strict=True)
            ]
            return "  ".join([*cells, row[4]])

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        self.stdout.write(line(rows[0]))
        self.stdout.write("  ".join("-" * width for width in widths) + "  " + "-" * 4)
        for row in rows[1:]:
            self.stdout.write(line(row))
