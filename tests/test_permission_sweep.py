"""A sweep over every page and list endpoint without arguments, by every member of the cast.

No page answers 500, and no page a salesperson can open shows another team's
person record (their employee number stands in for their data).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import MEMBERS

pytestmark = pytest.mark.django_db

NAMESPACES = {
    "organization",
    "strategy",
    "core",
    "sales",
    "targets",
    "performance",
    "dashboards",
    None,
}
SKIP = {"logout", "set_language", "javascript-catalog"}


def argumentless_pages() -> list[str]:
    """Names of the pages (not the admin, not the API) that take no URL arguments."""
    names: list[str] = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in {"admin", "api"}:
                    continue
                walk(entry.url_patterns, entry.namespace or namespace)
            elif (
                isinstance(entry, URLPattern)
                and entry.name
                and not entry.pattern.converters
                and namespace in NAMESPACES
                and entry.name not in SKIP
            ):
                names.append(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns, None)
    return sorted(set(names))


PAGES = argumentless_pages()


def test_the_sweep_covers_the_pages_of_every_app():
    assert {
        "home",
        "notifications",
        "strategy:our_strategy",
        "organization:person_list",
        "organization:org_chart",
        "sales:order_list",
        "sales:exchange_rates",
        "targets:plan_list",
        "targets:my_targets",
    } <= set(PAGES)


@pytest.mark.parametrize("member", MEMBERS)
def test_no_page_fails_and_no_page_leaks_another_teams_person(cast, member):
    client = cast.client_for(member)
    foreign = cast.other_salesperson.employee_number
    for name in PAGES:
        url = reverse(name)
        response = client.get(url)
        assert response.status_code < 500, f"{member} got {response.status_code} on {url}"
        if (
            member in {"salesperson", "salesperson2", "manager", "outsider"}
            and response.status_code == 200
        ):
            assert foreign not in response.content.decode(), f"{member} sees {foreign} on {url}"


@pytest.mark.parametrize("member", MEMBERS)
def test_another_teams_person_is_404_on_every_person_route_and_the_api(cast, member):
    client = cast.client_for(member)
    target = cast.other_salesperson
    page = client.get(reverse("organization:person_detail", args=[target.pk]))
    api = client.get(f"/api/v1/organization/people/{target.pk}")
    export = client.get(reverse("organization:person_export", args=["csv"]))
    sees_all = member in {
        "admin",
        "executive",
        "hr",
        "other_salesperson",
    }  # or it is their own record
    assert page.status_code == (200 if sees_all else 404)
    assert api.status_code == (200 if sees_all else 404)
    assert (target.employee_number in export.getvalue().decode("utf-8-sig", "replace")) is sees_all
