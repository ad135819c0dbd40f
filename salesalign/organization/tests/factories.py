"""Factories for people and units; shared by every app's tests."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from salesalign.core.choices import Role
from salesalign.organization.choices import UnitKind
from salesalign.organization.models import CustomerSegment, OrgUnit, Person, ProductLine, Region

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class TreeNodeFactory(factory.django.DjangoModelFactory):
    """Creates treebeard nodes: under `parent` when given, else as a root."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, parent: Any = None, **kwargs: Any) -> Any:
        if parent is None:
            return model_class.objects.add_root(kwargs)
        return model_class.objects.add_child(parent, kwargs)


class OrgUnitFactory(TreeNodeFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单元 {n}")
    name_en = factory.Sequence(lambda n: f"Unit {n}")
    kind = UnitKind.TEAM


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    name_en = factory.Sequence(lambda n: f"Employee {n}")
    email = factory.LazyAttribute(lambda person: f"{person.employee_number.lower()}@example.com")
    unit = factory.SubFactory(OrgUnitFactory)
    role = Role.SALESPERSON
    title = "Sales representative"
    level = "P3"
    user = None

    class Params:
        with_login = factory.Trait(
            user=factory.SubFactory(
                UserFactory, username=factory.SelfAttribute("..employee_number")
            )
        )


class ProductLineFactory(TreeNodeFactory):
    class Meta:
        model = ProductLine

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"产品线 {n}")
    name_en = factory.Sequence(lambda n: f"Product line {n}")


class RegionFactory(TreeNodeFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"区域 {n}")
    name_en = factory.Sequence(lambda n: f"Region {n}")


class CustomerSegmentFactory(TreeNodeFactory):
    class Meta:
        model = CustomerSegment

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"客户类型 {n}")
    name_en = factory.Sequence(lambda n: f"Segment {n}")
