"""Scorecard pages and API: who sees which card, ranks behind the leaderboard setting, queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.organization.tests.factories import PersonFactory
from salesalign.performance.models import Scorecard
from salesalign.performance.services import periods
from salesalign.performance.tests.scorecard_world import build, close_quarter, sell

pytestmark = pytest.mark.django_db


def _card(period, person):
    return Scorecard.objects.get(period=period, version=period.version, person=person)


def test_a_salesperson_sees_their_own_card_only_once_published(cast):
    build(cast)
    period = close_quarter(cast)
    client = cast.client_for("salesperson")
    mine = _card(period, cast.salesperson)
    page = client.get(reverse("performance:my_scorecard"))
    assert b"no-scorecard" in page.content
    assert client.get(reverse("performance:scorecard_detail", args=[mine.pk])).status_code == 404
    assert client.get("/api/v1/performance/scorecards/mine").json() == []

    periods.period_publish(actor=cast.hr.user, period=period)
    page = client.get(reverse("performance:my_scorecard"))
    assert "110.50" in page.content.decode()
    # Target and actual grouped like every other amount: 10,000.00, not 10000.00.
    assert 'data-kpi="revenue"><td>Revenue</td><td class="text-end">10,000.00</td>' in (
        page.content.decode()
    )
    assert ">11,500.00<" in page.content.decode()
    assert "How was this computed?" in page.content.decode()
    assert b"scorecard-ranks" not in page.content  # leaderboards are off
    answer = client.get("/api/v1/performance/scorecards/mine").json()
    assert [card["id"] for card in answer] == [mine.pk]
    assert answer[0]["team_rank"] is None

    other = _card(period, cast.salesperson2)
    assert client.get(reverse("performance:scorecard_detail", args=[other.pk])).status_code == 404
    assert client.get(f"/api/v1/performance/scorecards/{other.pk}").status_code == 404
    listed = client.get(
        "/api/v1/performance/scorecards", {"period_id": period.pk, "unit_id": cast.team.pk}
    ).json()
    assert listed == []  # a salesperson lists no unit's cards, not even their own team's


def test_leaderboards_show_a_salesperson_their_ranks(cast, settings):
    settings.LEADERBOARDS_ENABLED = True
    build(cast)
    period = close_quarter(cast)
    periods.period_publish(actor=cast.hr.user, period=period)
    page = cast.client_for("salesperson").get(reverse("performance:my_scorecard"))
    assert b"scorecard-ranks" in page.content
    assert "1 of 2" in page.content.decode()


def test_a_manager_sees_the_team_cards_and_not_the_other_team(cast):
    build(cast)
    period = close_quarter(cast)
    client = cast.client_for("manager")
    page = client.get(reverse("performance:scorecard_list"), {"period": period.pk})
    content = page.content.decode()
    assert f'data-person="{cast.salesperson.pk}"' in content
    assert f'data-person="{cast.salesperson2.pk}"' in content
    assert f'data-person="{cast.other_salesperson.pk}"' not in content
    assert "scorecard-chart-data" in content
    other = _card(period, cast.other_salesperson)
    assert client.get(reverse("performance:scorecard_detail", args=[other.pk])).status_code == 404
    executive = cast.client_for("executive").get(
        reverse("performance:scorecard_list"), {"period": period.pk, "unit": cast.company.pk}
    )
    assert f'data-person="{cast.other_salesperson.pk}"' in executive.content.decode()


def test_the_template_api_refuses_weights_that_miss_100_and_saves_good_ones(cast):
    client = cast.client_for("admin")
    bad = client.post(
        "/api/v1/performance/scorecard-templates",
        {"name": "Bad", "lines": [{"kpi": "revenue", "weight": "90"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "lines"
    good = client.post(
        "/api/v1/performance/scorecard-templates",
        {"name": "Good", "role": "salesperson", "lines": [{"kpi": "revenue", "weight": "100"}]},
        content_type="application/json",
    )
    assert good.status_code == 201
    listed = cast.client_for("salesperson").get("/api/v1/performance/scorecard-templates").json()
    assert [template["name"] for template in listed] == ["Good"]
    refused = cast.client_for("manager").post(
        "/api/v1/performance/scorecard-templates",
        {"name": "Mine", "lines": [{"kpi": "revenue", "weight": "100"}]},
        content_type="application/json",
    )
    assert refused.status_code == 403


def _count(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_scorecard_pages_read_a_constant_number_of_queries(cast):
    build(cast)
    period = close_quarter(cast)
    periods.period_publish(actor=cast.hr.user, period=period)
    manager = cast.client_for("manager")
    salesperson = cast.client_for("salesperson")
    list_url = reverse("performance:scorecard_list")
    before = _count(manager, list_url, {"period": period.pk})
    mine_before = _count(salesperson, reverse("performance:my_scorecard"), {})
    templates_before = _count(manager, reverse("performance:scorecard_templates"), {})
    for number in range(6):
        person = PersonFactory(unit=cast.team, employee_number=f"Y{number:02d}")
        sell(cast, person, "100.00", "50.00", datetime.date(2026, 2, 1))
    period = periods.period_reopen(actor=cast.hr.user, period=period, reason="more")
    period = periods.period_close(
        actor=cast.hr.user, period=period, today=datetime.date(2026, 4, 15)
    )
    periods.period_publish(actor=cast.hr.user, period=period)
    assert Scorecard.objects.filter(period=period, version=2, unit=cast.team).count() > 8
    assert _count(manager, list_url, {"period": period.pk}) == before
    assert _count(salesperson, reverse("performance:my_scorecard"), {}) == mine_before
    assert _count(manager, reverse("performance:scorecard_templates"), {}) == templates_before


def test_the_templates_page_says_each_scoring_rule_in_words(cast):
    # The page salespeople open from "How scorecards are scored": words, not the rule's JSON.
    build(cast)
    page = cast.client_for("salesperson").get(reverse("performance:scorecard_templates"))
    html = page.content.decode()
    assert "Attainment counts as points, at least 0 and at most 120." in html
    assert (
        "Bands of attainment: from 80 %: 60 points; from 100 %: 100 points; "
        "from 120 %: 120 points. Without a personal target, the target is 40."
    ) in html
    assert "&#x27;kind&#x27;" not in html and "'kind'" not in html


def test_a_lower_is_better_rule_says_so_with_its_ceiling():
    from salesalign.performance.selectors.scorecards import rule_text

    words = rule_text(
        {"kind": "linear", "floor": "0", "cap": "150", "zero_below": "50", "max_attainment": "180"},
        lower_is_better=True,
    )
    assert words == (
        "Attainment counts as points, at least 0 and at most 150. "
        "Below 50 % attainment: 0 points. Lower is better: attainment is at most 180 %."
    )
