"""Who sells what, where, to whom: the org tree, people and the three dimensions."""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from salesalign.core.choices import Role
from salesalign.core.languages import in_english
from salesalign.core.models import BilingualNameModel, TimeStampedModel
from salesalign.core.visibility import VisibleQuerySet
from salesalign.organization.choices import UnitKind


class OrgUnitQuerySet(MP_NodeQuerySet):
    def active(self) -> OrgUnitQuerySet:
        return self.filter(is_active=True)


class OrgUnitManager(MP_NodeManager.from_queryset(OrgUnitQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> OrgUnitQuerySet:
        # treebeard's manager builds its own queryset class; keep ours (and its tree order).
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")


class OrgUnit(MP_Node, BilingualNameModel, TimeStampedModel):
    """A node of the organisation tree: company → departments → teams.

    The structure (names, managers) is visible to every employee; the people
    and their records inside a unit follow `visible_to`.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    manager = models.ForeignKey(
        "organization.Person",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_units",
    )
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["code"]
    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")


class PersonQuerySet(VisibleQuerySet["Person"]):
    person_field = "pk"
    unit_field = "unit"

    def active(self) -> PersonQuerySet:
        return self.filter(is_active=True)


_Q = TypeVar("_Q", bound=models.QuerySet[Any])


def in_name_order(people: _Q, *first: str) -> _Q:
    """People ordered (after `first`) by the name the page shows: on an English page the
    English name, or the name where there is none; else the name."""
    if in_english():
        shown: Any = Coalesce(NullIf("name_en", Value("")), "name")
    else:
        shown = F("name")
    return people.order_by(*first, shown, "pk")


class Person(BilingualNameModel, TimeStampedModel):
    """An employee: belongs to one unit, has a role, may have a login."""

    employee_number = models.CharField(_("employee number"), max_length=40, unique=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    wecom_id = models.CharField(_("WeCom ID"), max_length=100, blank=True)
    dingtalk_id = models.CharField(_("DingTalk ID"), max_length=100, blank=True)
    feishu_id = models.CharField(_("Feishu ID"), max_length=100, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("full name"), max_length=200)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=20, blank=True)
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.SALESPERSON
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["employee_number"]
        indexes = [models.Index(fields=["unit", "is_active"])]

    def clean(self) -> None:
        if self.left_on and self.is_active:
            raise ValidationError({"left_on": _("A person with a leaving date cannot be active.")})
        if self.left_on and self.hire_date and self.left_on < self.hire_date:
            raise ValidationError({"left_on": _("The leaving date is before the hire date.")})


class DimensionQuerySet(MP_NodeQuerySet):
    def active(self) -> DimensionQuerySet:
        return self.filter(is_active=True)


class DimensionManager(MP_NodeManager.from_queryset(DimensionQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> DimensionQuerySet:
        # treebeard's manager builds its own queryset class; keep ours (and its tree order).
        return DimensionQuerySet(self.model, using=self._db).order_by("path")


class Dimension(MP_Node, BilingualNameModel, TimeStampedModel):
    """A managed list that may be a tree: product lines, regions, customer segments."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["code"]
    objects = DimensionManager()

    class Meta:
        abstract = True


class ProductLine(Dimension):
    """What is sold: product line → product family."""

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")


class Region(Dimension):
    """Where it is sold: country → region → province."""

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class CustomerSegment(Dimension):
    """To whom it is sold: e.g. key accounts, SMB, government."""

    class Meta:
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")


class UnitAssignment(models.Model):
    """From which date a person belonged to a unit (until their next assignment).

    Sales are credited to the unit a salesperson belonged to on the order date,
    so a transfer does not move last quarter's sales to the new team. A person
    with no assignment covering a date counts in their earliest known unit, or
    their current one when nothing is recorded.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="unit_assignments"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("from"))

    class Meta:
        verbose_name = _("unit assignment")
        verbose_name_plural = _("unit assignments")
        ordering = ["person", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "valid_from"], name="unit_assignment_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.unit_id} ({self.valid_from})"
