"""Unit retrospectives: written by the unit's managers after a closed quarter, read next to the
quarter's revenue, never by salespeople or other teams' managers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.performance.choices import PeriodKind
from salesalign.performance.services import retrospectives as services
from salesalign.sales.tests.factories import CustomerFactory, make_orders, order_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(world):
    cast = world.cast
    line = ProductLineFactory(code="HW", name="硬件", name_en="Hardware")
    customer = CustomerFactory(code="ACME", owner=cast.salesperson)
    make_orders(
        order_row(
            customer=customer,
            salespeople=cast.salesperson,
            amounts=["12000.00"],
            product_lines=[line],
            ordered_on=datetime.date(2026, 2, 10),
        ),
        order_row(
            customer=customer,
            salespeople=cast.salesperson2,
            amounts=["3000.00"],
            product_lines=[line],
            ordered_on=datetime.date(2025, 11, 10),
        ),
        order_row(
            customer=customer,
            salespeople=cast.other_salesperson,
            amounts=["999.00"],
            product_lines=[line],
            ordered_on=datetime.date(2026, 3, 1),
        ),
    )
    return world


def test_the_teams_manager_writes_it_once_per_quarter(world):
    cast = world.cast
    first = services.retrospective_save(
        actor=cast.manager.user, unit=cast.team, period=world.quarter, what_worked="Demos"
    )
    again = services.retrospective_save(
        actor=world.head.user,
        unit=cast.team,
        period=world.quarter,
        what_worked="Demos",
        what_did_not="Late quotes",
    )
    assert first.pk == again.pk and again.what_did_not == "Late quotes"
    for member in (cast.other_manager, cast.salesperson, cast.hr):
        with pytest.raises(NotAllowed):
            services.retrospective_save(
                actor=member.user, unit=cast.team, period=world.quarter, what_worked="x"
            )
    month = world.open_period(kind=PeriodKind.MONTHLY, number=1)
    with pytest.raises(DomainError, match="quarter"):
        services.retrospective_save(
            actor=cast.manager.user, unit=cast.team, period=month, what_worked="x"
        )
    with pytest.raises(DomainError, match="closed"):
        services.retrospective_save(
            actor=cast.manager.user, unit=cast.team, period=world.open_period(), what_worked="x"
        )


def test_the_page_shows_the_quarters_revenue_next_to_the_retrospective(sales):
    cast = sales.cast
    services.retrospective_save(
        actor=cast.manager.user, unit=cast.team, period=sales.quarter, what_worked="Demos work"
    )
    url = reverse("performance:retrospective_detail", args=[sales.quarter.pk, cast.team.pk])
    response = cast.client_for("manager").get(url)
    page = response.context["page"]
    assert page.revenue == Decimal("12000.00")
    assert (page.previous_key, page.previous_revenue) == ("2025-Q4", Decimal("3000.00"))
    assert "Demos work" in response.content.decode()
    rows = (
        cast.client_for("executive").get(reverse("performance:retrospective_list")).context["rows"]
    )
    assert [(row.retrospective.unit, row.revenue) for row in rows] == [
        (cast.team, Decimal("12000.00"))
    ]
    for member in ("salesperson", "other_salesperson", "outsider"):
        assert cast.client_for(member).get(url).status_code == 404
        listed = cast.client_for(member).get(reverse("performance:retrospective_list"))
        assert listed.context["rows"] == []
    other = cast.client_for("other_salesperson").get("/api/v1/performance/retrospectives")
    assert other.json() == []


def test_writing_from_the_page_and_the_api(world):
    cast = world.cast
    url = reverse("performance:retrospective_detail", args=[world.quarter.pk, cast.team.pk])
    client = cast.client_for("manager")
    assert client.post(url, {"what_worked": "", "what_did_not": ""}).status_code == 200
    assert client.post(url, {"what_worked": "Joint visits", "what_did_not": ""}).status_code == 302
    refused = cast.client_for("other_salesperson").post(url, {"what_worked": "x"})
    assert refused.status_code == 404
    api = client.put(
        f"/api/v1/performance/retrospectives/{world.quarter.pk}/units/{cast.team.pk}",
        {"what_worked": "Joint visits", "what_did_not": "Discounts"},
        content_type="application/json",
    )
    assert api.status_code == 200, api.content
    assert api.json()["what_did_not"] == "Discounts"
    start = client.get(
        reverse("performance:retrospective_list")
        + f"?unit={cast.team.pk}&period={world.quarter.pk}"
    )
    assert start.status_code == 302 and start.url == url
