"""Scorecard pages and API: who sees which card, ranks behind the leaderboard setting, queries."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Avg, F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.organization.tests.factories import PersonFactory
from salesalign.performance.models import Kpi, Scorecard, ScorecardKpi, ScorecardTemplate
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
    # A salesperson lists no unit's cards, not even their own team's.
    assert (listed["count"], listed["items"]) == (0, [])


def test_someone_without_a_card_is_told_why_and_a_manager_where_the_teams_are(cast):
    build(cast)
    period = close_quarter(cast)
    client = cast.client_for("manager")
    before = client.get(reverse("performance:my_scorecard")).content.decode()
    assert "No scorecard of yours is published yet." in before
    periods.period_publish(actor=cast.hr.user, period=period)
    after = client.get(reverse("performance:my_scorecard")).content.decode()
    # The template scores salespeople: the manager has no card of their own.
    assert "No published period has a scorecard of yours" in after
    assert f'href="{reverse("performance:scorecard_list")}"' in after
    statements = client.get(reverse("performance:statement_list")).content.decode()
    assert "No published period has a statement of yours" in statements
    assert f'href="{reverse("performance:statement_overview")}"' in statements
    salesperson = cast.client_for("salesperson").get(reverse("performance:statement_list"))
    assert reverse("performance:statement_overview") not in salesperson.content.decode()


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
    # The team's own card is told apart from the average of its people's cards.
    assert 'id="unit-card-note"' in content
    assert "Revenue (%)</th>" in content
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("performance:scorecard_list"), {"period": period.pk})
    assert "（%）</th>" in page.content.decode()


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


def test_a_template_is_changed_through_the_api_all_or_nothing(cast):
    client = cast.client_for("hr")
    created = client.post(
        "/api/v1/performance/scorecard-templates",
        {"name": "Sales", "role": "salesperson", "lines": [{"kpi": "revenue", "weight": "100"}]},
        content_type="application/json",
    ).json()
    url = f"/api/v1/performance/scorecard-templates/{created['id']}"
    two = [{"kpi": "revenue", "weight": "60"}, {"kpi": "new_customers", "weight": "40"}]
    bad = client.put(
        url,
        {"name": "Sales", "lines": [{"kpi": "revenue", "weight": "60"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "lines"
    template = ScorecardTemplate.objects.get(pk=created["id"])
    assert [line.kpi.key for line in template.lines.all()] == ["revenue"]  # nothing written
    good = client.put(
        url,
        {"name": "Sales 2", "role": "salesperson", "lines": two},
        content_type="application/json",
    )
    assert good.status_code == 200 and good.json()["name"] == "Sales 2"
    template.refresh_from_db()
    assert sorted(line.kpi.key for line in template.lines.all()) == ["new_customers", "revenue"]
    refused = cast.client_for("manager").put(
        url, {"name": "Mine", "lines": two}, content_type="application/json"
    )
    assert refused.status_code == 403
    page = cast.client_for("hr").get(reverse("performance:scorecard_templates")).content.decode()
    assert "PUT /api/v1/performance/scorecard-templates/" in page and "admin site" not in page


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
        "from 120 %: 120 points. Without a personal target, the target is 40.00 %."
    ) in html  # the gross margin's target, a percent
    assert "Rating bands: S ≥ 120, A ≥ 100, B ≥ 80, C ≥ 60, D &lt; 60" in html
    assert "&#x27;kind&#x27;" not in html and "'kind'" not in html


def test_a_kpis_target_and_actual_read_in_its_unit_in_the_table_and_the_explanation(cast):
    build(cast)
    period = close_quarter(cast)
    periods.period_publish(actor=cast.hr.user, period=period)
    html = cast.client_for("salesperson").get(reverse("performance:my_scorecard")).content
    content = html.decode()
    # 11,500 sold at a cost of 6,900: a 40 % margin against the template's 40 %.
    margin = content.split('data-kpi="gross_margin">')[1].split("</tr>")[0]
    assert re.findall(r'<td class="text-end">([^<]*)</td>', margin)[:2] == ["40.00 %", "40.00 %"]
    assert "No target set: the template&#x27;s target 40.00 % counts." in content
    assert "Attainment: 40.00 % against 40.00 % = 100.00 %." in content


def test_counts_read_whole_and_money_with_two_decimals():
    from django.utils import translation

    from salesalign.performance.selectors.scorecards import kpi_number

    count, percent = Kpi(unit="count", decimals=2), Kpi(unit="percent", decimals=1)
    assert kpi_number(Decimal("2.00"), count) == "2"
    assert kpi_number(Decimal("1234"), count) == "1,234"
    assert kpi_number(Decimal("1.50"), count) == "1.50"  # half an order's new customer
    assert kpi_number(Decimal("47.06"), percent) == "47.0 %"
    with translation.override("zh-hans"):
        assert kpi_number(Decimal("47.06"), percent) == "47.0%"  # no space in Chinese
    assert kpi_number(Decimal("1234.5"), Kpi(unit="currency", decimals=2)) == "1,234.50"
    assert kpi_number(Decimal("4.25"), Kpi(unit="rating", decimals=1)) == "4.2"
    assert kpi_number(None, count) == "—"


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


def _cards_for_new_people(period, unit, count, lines, *, score="50.00"):
    """`count` more people in `unit`, each with a card of `lines`: (KPI key, attainment)."""
    kpis = {kpi.key: kpi for kpi in Kpi.objects.filter(key__in=[key for key, _ in lines])}
    people = [
        PersonFactory(unit=unit, employee_number=f"N{unit.pk}-{number:03d}")
        for number in range(count)
    ]
    template = Scorecard.objects.filter(period=period).values_list("template", flat=True)[0]
    cards = Scorecard.objects.bulk_create(
        Scorecard(
            template_id=template,
            period=period,
            version=period.version,
            person=person,
            unit=unit,
            total_score=Decimal(score),
            rating="B",
        )
        for person in people
    )
    ScorecardKpi.objects.bulk_create(
        ScorecardKpi(
            scorecard=card,
            kpi=kpis[key],
            position=position,
            attainment=Decimal(attainment),
            weight=Decimal(100) / len(lines),
        )
        for card in cards
        for position, (key, attainment) in enumerate(lines)
    )
    return people


def _table_row(content: str, person) -> list[str]:
    row = content.split(f'data-person="{person.pk}"')[1].split("</tr>")[0]
    return re.findall(r'<td class="text-end">([^<]*)</td>', row)


def test_each_attainment_sits_under_its_own_kpi_when_templates_differ(cast):
    # A card without revenue (another template) must not shift its margin under "Revenue".
    build(cast)
    period = close_quarter(cast)
    (other,) = _cards_for_new_people(period, cast.team, 1, [("gross_margin", "77.77")])
    page = cast.client_for("manager").get(reverse("performance:scorecard_list"))
    content = page.content.decode()
    header = content.split('id="scorecards"')[1].split("</thead>")[0]
    assert header.index("Revenue") < header.index("Gross margin")
    revenue_cell, margin_cell = _table_row(content, other)[:2]
    assert (revenue_cell, margin_cell) == ("—", "77.77")
    revenue = ScorecardKpi.objects.get(
        scorecard=_card(period, cast.salesperson), kpi__key="revenue"
    ).attainment
    assert _table_row(content, cast.salesperson)[0] == str(revenue)


def test_a_large_unit_is_paged_and_charted_by_sub_unit(cast):
    build(cast)
    period = close_quarter(cast)
    _cards_for_new_people(period, cast.team, 30, [("revenue", "80.00")], score="10.00")
    _cards_for_new_people(period, cast.other_team, 30, [("revenue", "120.00")], score="20.00")
    client = cast.client_for("executive")
    params = {"period": period.pk, "unit": cast.company.pk}
    first = client.get(reverse("performance:scorecard_list"), params).content.decode()
    people = Scorecard.objects.filter(
        period=period, version=period.version, person__isnull=False
    ).count()
    assert people > 60
    assert f"{people} people, best first." in first
    assert first.count("<tr data-person=") == 50
    assert 'id="scorecard-pages"' in first and "Page 1 of 2" in first
    # The next page keeps the period and the unit chosen.
    assert f'href="?period={period.pk}&amp;unit={cast.company.pk}&amp;page=2"' in first
    second = client.get(reverse("performance:scorecard_list"), {**params, "page": 2})
    assert second.content.decode().count("<tr data-person=") == people - 50
    data = json.loads(
        re.search(r'id="scorecard-chart-data"[^>]*>(.*?)</script>', first, re.S).group(1)
    )
    assert data["attainment"]["by"] == "unit"
    assert 'data-by="unit"' in first
    revenue = next(s for s in data["attainment"]["series"] if s["name"] == "Revenue")
    by_unit = dict(zip(data["attainment"]["labels"], revenue["data"], strict=True))
    department = cast.department.display_name
    # The world's one department holds both teams: 30 at 80 %, 30 at 120 %, and the world's own.
    assert set(by_unit) == {department}
    expected = Scorecard.objects.filter(
        period=period, version=period.version, person__isnull=False
    ).aggregate(average=Avg("kpis__attainment", filter=Q(kpis__kpi__key="revenue")))["average"]
    assert by_unit[department] == round(float(expected), 2)
    assert sum(data["ratings"]["counts"]) == people
    best: dict[str, Decimal] = {}
    for rating, score in Scorecard.objects.filter(
        period=period, version=period.version, person__isnull=False, total_score__isnull=False
    ).values_list("rating", "total_score"):
        assert score is not None
        best[rating] = max(best.get(rating, score), score)
    assert data["ratings"]["codes"] == sorted(best, key=lambda code: -best[code])  # S, A, B …
    assert len(best) > 1
    # A team of a few people is charted person by person.
    team = client.get(
        reverse("performance:scorecard_list"), {"period": period.pk, "unit": cast.other_team.pk}
    ).content.decode()
    assert 'data-by="person"' in team


def test_the_api_pages_a_units_cards_best_first_in_as_many_queries_for_many(cast):
    build(cast)
    period = close_quarter(cast)
    _cards_for_new_people(period, cast.team, 12, [("revenue", "80.00")], score="10.00")
    client = cast.client_for("executive")
    url = "/api/v1/performance/scorecards"
    params = {"period_id": period.pk, "unit_id": cast.company.pk, "limit": 5}
    cards = Scorecard.objects.filter(period=period, version=period.version, person__isnull=False)
    best_first = list(
        cards.order_by(F("total_score").desc(nulls_last=True), "person__name", "pk").values_list(
            "pk", flat=True
        )
    )
    first = client.get(url, params).json()
    assert (first["count"], first["limit"], first["offset"]) == (len(best_first), 5, 0)
    assert [card["id"] for card in first["items"]] == best_first[:5]
    assert all(card["kpis"] for card in first["items"])
    last = client.get(url, {**params, "offset": 10}).json()
    assert [card["id"] for card in last["items"]] == best_first[10:15]
    too_many = client.get(url, {**params, "limit": 1001})
    assert too_many.status_code == 422 and "limit" in too_many.content.decode()
    assert _count(client, url, {**params, "limit": 12}) == _count(
        client, url, {**params, "limit": 2}
    )


def test_the_unit_page_reads_as_many_queries_for_many_people_as_for_few(cast):
    build(cast)
    period = close_quarter(cast)
    client = cast.client_for("executive")
    params = {"period": period.pk, "unit": cast.company.pk}
    # Charted by sub-unit (over 40 people) and paged (over 50), then with twice as many.
    _cards_for_new_people(period, cast.team, 45, [("revenue", "90.00")])
    some = _count(client, reverse("performance:scorecard_list"), params)
    _cards_for_new_people(period, cast.other_team, 60, [("revenue", "90.00")])
    assert _count(client, reverse("performance:scorecard_list"), params) == some


def test_an_attainment_of_zero_reads_zero_not_missing(cast):
    # No new customer against a target of one is 0 %, which is not "no value".
    build(cast)
    period = close_quarter(cast)
    (person,) = _cards_for_new_people(period, cast.team, 1, [("gross_margin", "0.00")], score="0")
    client = cast.client_for("manager")
    page = client.get(reverse("performance:scorecard_list")).content.decode()
    assert _table_row(page, person)[1:3] == ["0.00", "0.00"]  # margin, total score
    card = Scorecard.objects.get(period=period, person=person)
    ScorecardKpi.objects.filter(scorecard=card).update(score=Decimal(0), weighted_score=Decimal(0))
    detail = client.get(reverse("performance:scorecard_detail", args=[card.pk])).content.decode()
    row = detail.split('data-kpi="gross_margin">')[1].split("</tr>")[0]
    assert re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', row)[2:4] == ["0.00", "0.00"]
    assert "Total score: <strong>0.00</strong>" in detail


def test_a_weighted_score_of_all_the_weights_says_no_division_and_chinese_reads_naturally():
    from django.utils import translation

    from salesalign.performance.selectors.scorecards import explain, rule_text

    params = {
        "score": "130.00",
        "weight": "50.00",
        "weights_counted": "100.00",
        "weighted_score": "65.00",
    }
    step = {"code": "weighted", "params": params}
    with translation.override("en"):
        assert explain(step) == "Weighted: 130.00 × 50.00 % = 65.00."
        part = {"code": "weighted", "params": {**params, "weights_counted": "80.00"}}
        assert explain(part) == "Weighted: 130.00 × 50.00 % / 80.00 % = 65.00."
    capped = {"code": "clamped_to_cap", "params": {"unclamped": "156.93", "cap": "130.00"}}
    bands = {
        "kind": "bands",
        "bands": [{"from": "0", "score": "40"}, {"from": "100", "score": "100"}],
    }
    with translation.override("zh-hans"):
        assert explain(capped) == "156.93 分超过上限，按 130.00 分计。"
        assert "0% 起：40 分；100% 起：100 分" in rule_text(bands)
