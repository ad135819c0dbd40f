"""A salesperson's card of an open period, as if it closed today: the close's own scoring, not
written, without ranks."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.performance.choices import PeriodKind
from salesalign.performance.models import Scorecard
from salesalign.performance.selectors import scorecards as selectors
from salesalign.performance.services import periods, scorecards
from salesalign.performance.tests.scorecard_world import TODAY, YEAR, build, sell

pytestmark = pytest.mark.django_db

IN_MARCH = datetime.date(2026, 3, 20)


def _open_quarter(cast):
    return periods.period_open(
        actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1
    )


def test_the_open_quarter_is_scored_against_the_targets_due_by_today_and_writes_nothing(cast):
    build(cast)
    opened = _open_quarter(cast)
    [view] = selectors.my_open_cards(user=cast.salesperson.user, today=IN_MARCH)
    assert view.preview and not view.show_ranks
    # 20 March is day 79 of the quarter's 90.
    assert (view.elapsed.quantize(Decimal("0.01")), view.elapsed_text) == (Decimal("87.78"), "88 %")
    # 11,500 against the 8,580.65 due by 20 March: 134.02 %, capped at 120 points × 70 %
    # = 84.00, and the margin's 30.00 (a level, the same at any date).
    assert (view.card.total_score, view.card.rating) == (Decimal("114.00"), "A")
    lines = {line.kpi.key: line for line, _steps in view.lines}
    assert (lines["revenue"].target, lines["revenue"].actual, lines["revenue"].attainment) == (
        Decimal("10000.00"),  # shown: the whole quarter's
        Decimal("11500.00"),
        Decimal("134.02"),
    )
    assert view.paces["revenue"].target_to_date == Decimal("8580.65")
    assert lines["gross_margin"].score == Decimal("100.00")
    assert view.steps and all(view.lines[0][1])  # explained in words, like a closed card
    assert any("8,580.65" in step for step in view.lines[0][1])  # against the target to date
    [second] = selectors.my_open_cards(user=cast.salesperson2.user, today=IN_MARCH)
    # 5,000 of 8,580.65: 58.27 % × 70 % = 40.79, and no margin points.
    assert (second.card.total_score, second.card.rating) == (Decimal("40.79"), "D")
    assert not Scorecard.objects.exists()
    # Once the quarter is over (still open), all of it is due: the close's own numbers.
    [over] = selectors.my_open_cards(user=cast.salesperson.user, today=TODAY)
    assert (over.card.total_score, over.card.rating) == (Decimal("110.50"), "A")
    period = periods.period_close(actor=cast.hr.user, period=opened, today=TODAY)
    closed = Scorecard.objects.get(period=period, person=cast.salesperson)
    assert (closed.total_score, closed.rating) == (Decimal("110.50"), "A")
    assert selectors.my_open_cards(user=cast.salesperson.user, today=IN_MARCH) == []


def test_sales_so_far_move_the_open_card(cast):
    build(cast)
    _open_quarter(cast)
    sell(cast, cast.salesperson2, "5000.00", "1000.00", datetime.date(2026, 3, 10))
    [view] = selectors.my_open_cards(user=cast.salesperson2.user, today=IN_MARCH)
    revenue = next(line for line, _steps in view.lines if line.kpi.key == "revenue")
    # 10,000 of the 8,580.65 due by 20 March.
    assert revenue.actual == Decimal("10000.00")
    assert revenue.attainment == Decimal("116.54")


def test_a_period_not_yet_begun_and_someone_without_a_template_get_no_card(cast):
    build(cast)
    _open_quarter(cast)
    assert (
        selectors.my_open_cards(user=cast.salesperson.user, today=datetime.date(2025, 12, 31)) == []
    )
    assert selectors.my_open_cards(user=cast.manager.user, today=IN_MARCH) == []


def test_a_forced_distribution_is_left_to_the_close(cast):
    build(cast)
    template = scorecards.ScorecardTemplate.objects.get(name="Sales")
    template.forced_distribution = {"max_percent": {"S": "0", "A": "0"}}
    template.save()
    opened = _open_quarter(cast)
    [view] = selectors.my_open_cards(user=cast.salesperson.user, today=IN_MARCH)
    # Scored alone, the distribution would push them down: the preview shows the bands'
    # rating, and the close applies the distribution among everyone.
    assert view.card.rating == "A"
    period = periods.period_close(actor=cast.hr.user, period=opened, today=TODAY)
    closed = Scorecard.objects.get(period=period, person=cast.salesperson)
    assert (closed.natural_rating, closed.rating) == ("A", "B")


def test_the_page_shows_the_open_card_beside_the_published_ones_in_few_queries(cast):
    build(cast)
    _open_quarter(cast)
    client = cast.client_for("salesperson")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("performance:my_scorecard")).content.decode()
    assert 'id="scorecard-so-far-2026-Q1"' in page
    assert "so far" in page and "110.50" in page
    assert "scorecard-so-far-2026-Q1-ranks" not in page
    first = len(queries)
    # More KPIs' sales do not add queries: a second order changes nothing in the count.
    sell(cast, cast.salesperson, "100.00", "50.00", datetime.date(2026, 3, 1))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("performance:my_scorecard"))
    assert len(queries) == first
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("performance:my_scorecard")).content.decode()
    assert ">截至目前</span>" in page
    assert "这是您今天的情况" in page


def test_the_api_answers_the_same_card_so_far(cast):
    build(cast)
    _open_quarter(cast)
    client = cast.client_for("salesperson")
    [card] = client.get("/api/v1/performance/scorecards/mine/so-far").json()
    assert (card["period"], card["total_score"], card["rating"]) == ("2026-Q1", "110.50", "A")
    assert card["person_id"] == cast.salesperson.pk
    assert {line["kpi"]: line["actual"] for line in card["kpis"]}["revenue"] == "11500.0000"
    assert "team_rank" not in card
    assert cast.client_for("manager").get("/api/v1/performance/scorecards/mine/so-far").json() == []


def test_each_month_counts_by_how_much_of_it_has_gone_by(cast):
    build(cast)
    quarter = _open_quarter(cast)
    shares = scorecards.shares_to_date(quarter, IN_MARCH)
    assert shares == {202601: 1, 202602: 1, 202603: Decimal(20) / 31}
    assert set(scorecards.shares_to_date(quarter, datetime.date(2025, 12, 31)).values()) == {0}
    assert set(scorecards.shares_to_date(quarter, datetime.date(2026, 5, 1)).values()) == {1}


def test_the_pace_follows_the_plans_months_not_an_even_share(cast):
    build(cast)
    _open_quarter(cast)
    [view] = selectors.my_open_cards(user=cast.salesperson2.user, today=IN_MARCH)
    # January and February's 3,000 each, and 20 of March's 31 days of its 4,000: 8,580.65,
    # where an even share of the quarter (79 of 90 days of 10,000) would be 8,777.78.
    revenue = view.paces["revenue"]
    assert revenue.target_to_date == Decimal("8580.65")
    assert (revenue.percent, revenue.on_pace) == (Decimal("58.3"), False)
    # The margin's target is a level (40 %), the same whatever the date: no pace.
    assert "gross_margin" not in view.paces
    [ahead] = selectors.my_open_cards(user=cast.salesperson.user, today=IN_MARCH)
    assert (ahead.paces["revenue"].percent, ahead.paces["revenue"].on_pace) == (
        Decimal("134.0"),
        True,
    )
    # On the quarter's first day, January has 1 of its 31 days gone by.
    [early] = selectors.my_open_cards(user=cast.salesperson.user, today=datetime.date(2026, 1, 1))
    assert early.paces["revenue"].target_to_date == Decimal("96.77")


def test_the_page_and_the_api_show_the_target_to_date_and_the_pace(cast):
    build(cast)
    _open_quarter(cast)
    client = cast.client_for("salesperson2")
    # Today (the real date) is past the quarter, whose months have all gone by: the target to
    # date is the whole 10,000.
    page = client.get(reverse("performance:my_scorecard")).content.decode()
    [card] = client.get("/api/v1/performance/scorecards/mine/so-far").json()
    row = page[page.index('<tr data-kpi="revenue">') :]
    row = row[: row.index("</tr>")]
    assert 'data-column="target-to-date">10,000.00' in row
    assert '<span class="text-danger">50.00</span>' in row
    assert "scorecard-so-far-2026-Q1-pace-note" in page
    lines = {line["kpi"]: line for line in card["kpis"]}
    assert (lines["revenue"]["target_to_date"], lines["revenue"]["pace"]) == ("10000.00", "50.0")
    assert (lines["gross_margin"]["target_to_date"], lines["gross_margin"]["pace"]) == (None, None)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("performance:my_scorecard")).content.decode()
    assert "截至今日目标" in page and "截至今日达成率（%）" in page


def _so_far_page(cast, who, **params):
    response = cast.client_for(who).get(reverse("performance:unit_so_far"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_manager_sees_each_of_their_people_so_far_with_the_pace(cast):
    build(cast)
    _open_quarter(cast)
    page = _so_far_page(cast, "manager")
    table = page[page.index('id="so-far"') : page.index("</table>")]
    rows = {
        person: table[table.index(f'data-person="{person.pk}"') :].split("</tr>")[0]
        for person in (cast.salesperson, cast.salesperson2)
    }
    # The same cards as each one's own "so far" card: 110.50 A and 35.00 D; today is past
    # the quarter, so the target to date is all of its 10,000.
    assert ">110.50<" in rows[cast.salesperson] and "<td>A</td>" in rows[cast.salesperson]
    assert '<span class="fw-semibold text-success">115.0</span>' in rows[cast.salesperson]
    assert "11,500.00 of 10,000.00" in rows[cast.salesperson]
    assert ">35.00<" in rows[cast.salesperson2] and "<td>D</td>" in rows[cast.salesperson2]
    assert '<span class="fw-semibold text-danger">50.0</span>' in rows[cast.salesperson2]
    # Best first, each name opening the person's page.
    assert table.index(f'data-person="{cast.salesperson.pk}"') < table.index(
        f'data-person="{cast.salesperson2.pk}"'
    )
    assert reverse("organization:person_detail", args=[cast.salesperson2.pk]) in table
    assert "2 people, best first." in page
    # Only the manager's team: another team's salesperson is not theirs to see.
    assert f'data-person="{cast.other_salesperson.pk}"' not in table
    assert "Revenue: pace (%)" in page
    # Nothing is written.
    assert not Scorecard.objects.exists()


def test_the_head_of_sales_sees_a_person_without_a_target_with_no_pace(cast):
    build(cast)
    _open_quarter(cast)
    page = _so_far_page(cast, "executive", unit=cast.department.pk)
    row = page[page.index(f'data-person="{cast.other_salesperson.pk}"') :].split("</tr>")[0]
    # Margin alone scores them (120.00 S); revenue has no target, so no pace.
    assert ">120.00<" in row and "<td>S</td>" in row and ">—</td>" in row
    assert "50.0</span>" in page  # the others of the department are on the page
    # A unit where no one has a summed target has no pace column at all.
    page = _so_far_page(cast, "executive", unit=cast.other_team.pk)
    assert "pace (%)" not in page and f'data-person="{cast.other_salesperson.pk}"' in page
    client = cast.client_for("executive")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("performance:unit_so_far"), {"unit": cast.team.pk}).content.decode()
    assert "截至目前的计分卡" in page and "：进度达成率（%）" in page


def test_the_page_says_when_nothing_is_open_or_nothing_is_theirs(cast):
    build(cast)
    assert 'id="no-open-period"' in _so_far_page(cast, "manager")
    _open_quarter(cast)
    assert 'id="no-units"' in _so_far_page(cast, "salesperson")


def test_a_large_unit_is_listed_by_name_and_scored_a_page_at_a_time(cast, monkeypatch):
    build(cast)
    _open_quarter(cast)
    monkeypatch.setattr(selectors, "SO_FAR_RANKED_UP_TO", 1)
    page = _so_far_page(cast, "manager")
    assert "2 people, by name." in page
    # "Sales" before "Sales2", whatever their scores (35.00 below 114.00 would come last).
    assert page.index(f'data-person="{cast.salesperson.pk}"') < page.index(
        f'data-person="{cast.salesperson2.pk}"'
    )
    monkeypatch.setattr(selectors, "CARDS_PER_PAGE", 1)
    second = _so_far_page(cast, "manager", page=2)
    assert f'data-person="{cast.salesperson2.pk}"' in second
    assert f'data-person="{cast.salesperson.pk}"' not in second


@pytest.mark.parametrize("ranked_up_to", [200, 1])
def test_the_page_reads_a_constant_number_of_queries_whatever_the_team(
    cast, monkeypatch, ranked_up_to
):
    from salesalign.organization.tests.factories import PersonFactory
    from salesalign.performance.tests.scorecard_world import revenue_targets
    from salesalign.targets.models import TargetPlan

    monkeypatch.setattr(selectors, "SO_FAR_RANKED_UP_TO", ranked_up_to)
    build(cast)
    _open_quarter(cast)
    client = cast.client_for("manager")
    client.get(reverse("performance:unit_so_far"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("performance:unit_so_far"))
    first = len(queries)
    more = PersonFactory.create_batch(4, unit=cast.team, role="salesperson")
    revenue_targets(cast, more, plan=TargetPlan.objects.get())
    for person in more:
        sell(cast, person, "100.00", "50.00", datetime.date(2026, 2, 1))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("performance:unit_so_far")).content.decode()
    assert all(f'data-person="{person.pk}"' in page for person in more)
    assert len(queries) == first


def test_the_api_answers_a_units_people_so_far(cast):
    build(cast)
    quarter = _open_quarter(cast)
    client = cast.client_for("manager")
    url = "/api/v1/performance/scorecards/so-far"
    answer = client.get(url, {"period_id": quarter.pk, "unit_id": cast.team.pk}).json()
    assert (answer["period"], answer["unit_id"], answer["count"]) == ("2026-Q1", cast.team.pk, 2)
    people = {item["person_id"]: item for item in answer["items"]}
    assert (
        people[cast.salesperson2.pk]["total_score"],
        people[cast.salesperson2.pk]["rating"],
    ) == (
        "35.00",
        "D",
    )
    assert people[cast.salesperson2.pk]["kpis"] == [
        {"kpi": "revenue", "actual": "5000.0000", "target_to_date": "10000.00", "pace": "50.0"}
    ]
    # One at a time: the second by name.
    second = client.get(
        url, {"period_id": quarter.pk, "unit_id": cast.team.pk, "limit": 1, "offset": 1}
    ).json()
    assert (second["count"], len(second["items"])) == (2, 1)
    # Another team's unit is not the manager's: nothing, not the manager's own team instead.
    other = client.get(url, {"period_id": quarter.pk, "unit_id": cast.other_team.pk}).json()
    assert (other["unit_id"], other["items"]) == (None, [])
