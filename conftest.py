"""Shared fixtures: the fixed permission cast of STYLE.md, and logged-in clients."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from salesalign.core.choices import Role
from salesalign.organization.choices import UnitKind
from salesalign.organization.tests.factories import (
    OrgUnitFactory,
    PersonFactory,
    UserFactory,
)

# The demo's three years of sales are ~100,000 order lines; tests load a small slice of them.
os.environ.setdefault("DEMO_ORDER_LINES", "2000")


def pytest_configure(config: Any) -> None:
    """Static files straight from the installed packages, as in development, also on a
    checkout where `make demo` has collected them (hashed) into var/static: the pages then
    name files the test servers would not find, and the browser tests lose their scripts."""
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True


@dataclass
class Cast:
    """company → sales department → (team A: manager, salesperson, salesperson2; team B: other_salesperson).

    The executive, HR and admin sit in the company unit; the outsider is a login
    with no person record.
    """

    company: Any
    department: Any
    team: Any
    other_team: Any
    admin: Any
    executive: Any
    hr: Any
    manager: Any
    salesperson: Any
    salesperson2: Any
    other_manager: Any
    other_salesperson: Any
    outsider: Any

    def client_for(self, who: str) -> Client:
        """A test client logged in as one member of the cast ("outsider" included)."""
        client = Client()
        member = getattr(self, who)
        user = member if who == "outsider" else member.user
        client.force_login(user)
        return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Real hashing is slow by design; tests only need it to be a hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Every test starts in the default language. A request in Chinese leaves its language
    active in the worker's thread (the locale middleware activates it and nothing resets
    it), and a later test that calls a service directly would read Chinese messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _tasks_run_inline() -> Any:
    """Queued tasks run at once in tests, so none is left behind in a queue file."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


MEMBERS = [
    "admin",
    "executive",
    "hr",
    "manager",
    "salesperson",
    "salesperson2",
    "other_salesperson",
    "outsider",
]


@pytest.fixture
def cast(db: Any) -> Cast:
    company = OrgUnitFactory(
        code="CO", name="示例公司", name_en="Example Co", kind=UnitKind.COMPANY
    )
    department = OrgUnitFactory(
        parent=company, code="D1", name="销售一部", name_en="Sales Dept 1", kind=UnitKind.DEPARTMENT
    )
    team = OrgUnitFactory(
        parent=department, code="T1", name="华东组", name_en="East Team", kind=UnitKind.TEAM
    )
    other_team = OrgUnitFactory(
        parent=department, code="T2", name="华北组", name_en="North Team", kind=UnitKind.TEAM
    )
    # Tree nodes change under each other when children are added; read them fresh.
    company.refresh_from_db()
    department.refresh_from_db()
    team.refresh_from_db()
    other_team.refresh_from_db()

    def person(unit: Any, role: str, number: str, name: str) -> Any:
        return PersonFactory(
            unit=unit,
            role=role,
            employee_number=number,
            name=name,
            name_en=number.title(),
            with_login=True,
        )

    admin = person(company, Role.ADMIN, "admin", "管理员")
    executive = person(company, Role.EXECUTIVE, "exec", "高管")
    hr = person(company, Role.HR, "hr", "人事")
    manager = person(team, Role.MANAGER, "manager", "经理")
    other_manager = person(other_team, Role.MANAGER, "manager2", "经理二")
    salesperson = person(team, Role.SALESPERSON, "sales1", "销售一")
    salesperson2 = person(team, Role.SALESPERSON, "sales2", "销售二")
    other_salesperson = person(other_team, Role.SALESPERSON, "sales3", "销售三")
    team.manager = manager
    team.save()
    other_team.manager = other_manager
    other_team.save()
    outsider = UserFactory(username="outsider")
    return Cast(
        company=company,
        department=department,
        team=team,
        other_team=other_team,
        admin=admin,
        executive=executive,
        hr=hr,
        manager=manager,
        salesperson=salesperson,
        salesperson2=salesperson2,
        other_manager=other_manager,
        other_salesperson=other_salesperson,
        outsider=outsider,
    )
