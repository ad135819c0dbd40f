"""The KPI library, managers' ratings and incentive plan pages: who may do what, what is refused
(naming the field, writing nothing) and what the close makes of it."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization.tests.factories import PersonFactory
from salesalign.performance.choices import KpiKind, KpiUnit, PeriodKind
from salesalign.performance.models import (
    IncentivePlan,
    Kpi,
    ManagerRating,
    Scorecard,
    ScorecardKpi,
)
from salesalign.performance.services import kpis, periods, scorecards
from salesalign.performance.tests.scorecard_world import TODAY, YEAR, build
from salesalign.performance.tests.statements_world import COMMISSION

pytestmark = pytest.mark.django_db


def _open_quarter(cast):
    return periods.period_open(
        actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1
    )


def _teamwork(cast):
    """The ready-made rating KPI (1–5), made by a migration."""
    return Kpi.objects.get(key="teamwork", is_standard=True, scale_min=1, scale_max=5)


def _team_template(cast, kpi_key, *, target):
    """A template for the salespeople of team A (more specific than "Sales"): revenue 70 % and
    the given KPI 30 %."""
    return scorecards.template_save(
        actor=cast.admin.user,
        name="Team A",
        role=Role.SALESPERSON,
        unit=cast.team,
        lines=[
            {"kpi": "revenue", "weight": "70", "rule": {"kind": "linear", "cap": "120"}},
            {"kpi": kpi_key, "weight": "30", "rule": {"kind": "linear", "target": target}},
        ],
    )


def _line(period, person, kpi):
    card = Scorecard.objects.get(period=period, version=period.version, person=person)
    return card, ScorecardKpi.objects.get(scorecard=card, kpi=kpi)


# --- the KPI library -----------------------------------------------------------------------


def test_a_custom_formula_kpi_is_scored_by_the_close(cast):
    build(cast)
    kpi = kpis.kpi_save(
        actor=cast.hr.user,
        key="profit_per_order",
        name="单均毛利",
        name_en="Profit per order",
        kind=KpiKind.FORMULA,
        formula="gross_profit / order_count",
        unit=KpiUnit.CURRENCY,
        decimals=2,
    )
    _team_template(cast, "profit_per_order", target="4000")
    period = periods.period_close(actor=cast.hr.user, period=_open_quarter(cast), today=TODAY)
    card, line = _line(period, cast.salesperson, kpi)
    # 11,500 − 6,900 = 4,600 on one order: 115 % of 4,000; revenue 115 % as well.
    assert line.actual == Decimal("4600")
    assert line.attainment == Decimal("115.00")
    assert card.total_score == Decimal("115.00")
    assert LogEntry.objects.get_for_object(kpi).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"formula": "gross_profit / (revenue"}, "formula"),
        ({"formula": "gross_profit / turnover * 100"}, "formula"),
        ({"formula": ""}, "formula"),
        ({"decimals": 9}, "decimals"),
        ({"kind": KpiKind.RATING, "scale_min": "5", "scale_max": "5"}, "scale_max"),
        ({"kind": KpiKind.RATING, "scale_min": "5", "scale_max": "1"}, "scale_max"),
        ({"kind": KpiKind.RATING, "scale_min": "", "scale_max": "5"}, "scale_min"),
        ({"kind": KpiKind.METRIC}, "kind"),
        ({"key": "revenue"}, "key"),
        ({"name": " "}, "name"),
        ({"unit": "furlongs"}, "unit"),
    ],
)
def test_a_bad_kpi_is_refused_naming_the_field_and_nothing_is_written(cast, changes, field):
    before = Kpi.objects.count()
    data = {
        "key": "margin_x",
        "name": "毛利率",
        "kind": KpiKind.FORMULA,
        "formula": "gross_profit / revenue * 100",
        "unit": KpiUnit.PERCENT,
        **changes,
    }
    with pytest.raises(DomainError) as refused:
        kpis.kpi_save(actor=cast.hr.user, **data)
    assert refused.value.field == field
    assert Kpi.objects.count() == before


def test_the_kpi_page_names_the_bad_field_and_keeps_standard_kpis_read_only(cast):
    client = cast.client_for("hr")
    page = client.post(
        reverse("performance:kpi_create"),
        {
            "key": "margin_x",
            "name": "毛利率",
            "kind": "formula",
            "formula": "gross_profit / turnover",
            "decimals": "2",
            "direction": "higher_is_better",
            "unit": "percent",
            "is_active": "on",
        },
    )
    assert page.status_code == 200
    assert "Unknown metric “turnover”" in page.content.decode()
    assert not Kpi.objects.filter(key="margin_x").exists()

    page = client.post(
        reverse("performance:kpi_create"),
        {
            "key": "coaching",
            "name": "辅导",
            "kind": "rating",
            "decimals": "2",
            "scale_min": "1",
            "scale_max": "5",
            "direction": "higher_is_better",
            "unit": "rating",
            "is_active": "on",
        },
    )
    assert page.status_code == 302
    coaching = Kpi.objects.get(key="coaching")
    assert (coaching.scale_min, coaching.scale_max, coaching.is_standard) == (1, 5, False)

    revenue = Kpi.objects.get(key="revenue")
    assert client.get(reverse("performance:kpi_edit", args=[revenue.pk])).status_code == 403
    assert client.post(reverse("performance:kpi_delete", args=[revenue.pk])).status_code == 302
    assert Kpi.objects.filter(key="revenue").exists()
    with pytest.raises(DomainError):
        kpis.kpi_save(
            actor=cast.hr.user,
            kpi=revenue,
            key="revenue",
            name="x",
            kind=KpiKind.FORMULA,
            formula="revenue",
            unit=KpiUnit.CURRENCY,
        )

    listing = cast.client_for("salesperson").get(reverse("performance:kpi_list")).content.decode()
    assert 'data-kpi="coaching"' in listing and 'data-kpi="revenue"' in listing
    margin = listing.split('data-kpi="gross_margin"')[1].split("</tr>")[0]
    # A formula in words first (the metrics by name), then as it is typed.
    assert "Gross profit ÷ Revenue × 100<div><code" in margin
    assert reverse("performance:kpi_edit", args=[coaching.pk]) not in listing
    hr_listing = client.get(reverse("performance:kpi_list")).content.decode()
    assert reverse("performance:kpi_edit", args=[coaching.pk]) in hr_listing
    assert reverse("performance:kpi_edit", args=[revenue.pk]) not in hr_listing
    salesperson = cast.client_for("salesperson")
    assert salesperson.get(reverse("performance:kpi_create")).status_code == 403
    assert (
        salesperson.post(reverse("performance:kpi_delete", args=[coaching.pk])).status_code == 403
    )
    with pytest.raises(NotAllowed):
        kpis.kpi_save(
            actor=cast.manager.user,
            key="x",
            name="x",
            kind=KpiKind.RATING,
            unit=KpiUnit.RATING,
            scale_min=1,
            scale_max=5,
        )


def test_a_kpi_in_use_is_not_deleted_and_an_unused_one_is(cast):
    coaching = kpis.kpi_save(
        actor=cast.hr.user,
        key="coaching",
        name="辅导",
        kind=KpiKind.RATING,
        unit=KpiUnit.RATING,
        scale_min=1,
        scale_max=5,
    )
    _team_template(cast, "coaching", target="5")
    with pytest.raises(DomainError) as refused:
        kpis.kpi_delete(actor=cast.hr.user, kpi=coaching)
    assert refused.value.code == "in_use"
    with pytest.raises(DomainError) as refused:
        kpis.kpi_delete(actor=cast.hr.user, kpi=_teamwork(cast))
    assert refused.value.code == "standard"
    spare = kpis.kpi_save(
        actor=cast.hr.user,
        key="spare",
        name="备用",
        kind=KpiKind.RATING,
        unit=KpiUnit.RATING,
        scale_min=0,
        scale_max=10,
    )
    kpis.kpi_delete(actor=cast.hr.user, kpi=spare)
    assert not Kpi.objects.filter(key="spare").exists()


# --- managers' ratings ---------------------------------------------------------------------


def _rate(client, period, values):
    data = {}
    for (person, kpi), (value, comment) in values.items():
        data[f"value-{person.pk}-{kpi}"] = value
        data[f"comment-{person.pk}-{kpi}"] = comment
    return client.post(reverse("performance:rating_sheet", args=[period.pk]), data)


def test_a_managers_rating_is_scored_and_shows_on_the_card_once_published(cast):
    build(cast)
    teamwork = _teamwork(cast)
    _team_template(cast, "teamwork", target="5")
    period = _open_quarter(cast)
    client = cast.client_for("manager")
    sheet = client.get(reverse("performance:rating_sheet", args=[period.pk])).content.decode()
    assert f'name="value-{cast.salesperson.pk}-teamwork"' in sheet
    assert f'name="value-{cast.salesperson2.pk}-teamwork"' in sheet
    assert f'data-person="{cast.other_salesperson.pk}"' not in sheet

    answer = _rate(
        client,
        period,
        {
            (cast.salesperson, "teamwork"): ("4.5", "Helps the team"),
            (cast.salesperson2, "teamwork"): ("", ""),
        },
    )
    assert answer.status_code == 302
    rating = ManagerRating.objects.get(period=period, person=cast.salesperson, kpi=teamwork)
    assert (rating.value, rating.comment, rating.rated_by) == (
        Decimal("4.5"),
        "Helps the team",
        cast.manager.user,
    )
    assert not ManagerRating.objects.filter(person=cast.salesperson2).exists()
    assert LogEntry.objects.get_for_object(rating).count() == 1
    # Until the period is closed and published, the salesperson's card so far leaves the
    # manager's rating out.
    from salesalign.performance.selectors.scorecards import my_open_cards

    [so_far] = my_open_cards(user=cast.salesperson.user, today=TODAY)
    teamwork_line = next(line for line, _steps in so_far.lines if line.kpi.key == "teamwork")
    assert teamwork_line.actual is None and teamwork_line.score is None

    period = periods.period_close(actor=cast.hr.user, period=period, today=TODAY)
    card, line = _line(period, cast.salesperson, teamwork)
    assert line.actual == Decimal("4.5")
    assert line.attainment == Decimal("90.00")
    # revenue 115 × 0.7 = 80.50, teamwork 90 × 0.3 = 27.00
    assert card.total_score == Decimal("107.50")

    # a closed period is frozen: the sheet is read-only and a POST changes nothing
    frozen = _rate(client, period, {(cast.salesperson, "teamwork"): ("1", "")})
    assert frozen.status_code == 200
    assert "a closed period is frozen" in frozen.content.decode()
    assert 'id="ratings-save"' not in frozen.content.decode()
    rating.refresh_from_db()
    assert rating.value == Decimal("4.5")

    own = cast.client_for("salesperson")
    assert "Teamwork" not in own.get(reverse("performance:my_scorecard")).content.decode()
    periods.period_publish(actor=cast.hr.user, period=period)
    mine = own.get(reverse("performance:my_scorecard")).content.decode()
    assert "Teamwork" in mine
    assert "107.50" in mine


def test_bad_ratings_are_named_per_person_and_kpi_and_nothing_is_written(cast):
    build(cast)
    _teamwork(cast)
    _team_template(cast, "teamwork", target="5")
    period = _open_quarter(cast)
    page = _rate(
        cast.client_for("manager"),
        period,
        {
            (cast.salesperson, "teamwork"): ("4", ""),
            (cast.salesperson2, "teamwork"): ("6", ""),
        },
    )
    assert page.status_code == 200
    content = page.content.decode()
    assert "Sales2 · Teamwork: give a rating from 1 to 5." in content
    assert 'value="6"' in content  # what was typed stays in the form
    assert ManagerRating.objects.count() == 0

    with pytest.raises(kpis.RatingErrors) as refused:
        kpis.ratings_save(
            actor=cast.manager.user,
            period=period,
            ratings=[
                kpis.RatingEntry(person_id=cast.salesperson.pk, kpi_key="teamwork", value="x"),
                kpis.RatingEntry(person_id=cast.salesperson2.pk, kpi_key="revenue", value="3"),
                kpis.RatingEntry(
                    person_id=cast.salesperson2.pk, kpi_key="teamwork", comment="no rating"
                ),
            ],
        )
    assert set(refused.value.errors) == {
        f"{cast.salesperson.pk}.teamwork",
        f"{cast.salesperson2.pk}.revenue",
        f"{cast.salesperson2.pk}.teamwork",
    }
    assert ManagerRating.objects.count() == 0


def test_only_a_persons_managers_and_hr_rate_them(cast):
    build(cast)
    teamwork = _teamwork(cast)
    scorecards.template_save(
        actor=cast.admin.user,
        name="Everyone",
        role=Role.SALESPERSON,
        unit=cast.department,
        lines=[
            {"kpi": "revenue", "weight": "70", "rule": {"kind": "linear"}},
            {"kpi": "teamwork", "weight": "30", "rule": {"kind": "linear", "target": "5"}},
        ],
    )
    period = _open_quarter(cast)
    url = reverse("performance:rating_sheet", args=[period.pk])
    outside = {(cast.other_salesperson, "teamwork"): ("3", "")}
    assert _rate(cast.client_for("manager"), period, outside).status_code == 403
    mixed = {**outside, (cast.salesperson, "teamwork"): ("3", "")}
    assert _rate(cast.client_for("manager"), period, mixed).status_code == 403
    mine = {(cast.salesperson, "teamwork"): ("3", "")}
    assert _rate(cast.client_for("other_manager"), period, mine).status_code == 403
    for who in ("salesperson", "salesperson2", "outsider"):
        client = cast.client_for(who)
        assert client.get(url).status_code == 403
        assert _rate(client, period, mine).status_code == 403
        assert client.get(reverse("performance:rating_index")).status_code == 403
    assert ManagerRating.objects.count() == 0

    with pytest.raises(NotAllowed):
        kpis.ratings_save(
            actor=cast.manager.user,
            period=period,
            ratings=[kpis.RatingEntry(person_id=cast.manager.pk, kpi_key="teamwork", value=5)],
        )
    assert _rate(cast.client_for("other_manager"), period, outside).status_code == 302
    assert _rate(cast.client_for("hr"), period, mine).status_code == 302
    assert set(ManagerRating.objects.values_list("person_id", "kpi_id", "value")) == {
        (cast.other_salesperson.pk, teamwork.pk, Decimal("3")),
        (cast.salesperson.pk, teamwork.pk, Decimal("3")),
    }
    index = cast.client_for("manager").get(reverse("performance:rating_index")).content.decode()
    assert url in index


def test_the_rating_sheet_takes_as_many_queries_for_many_people(cast):
    _teamwork(cast)
    _team_template(cast, "teamwork", target="5")
    period = _open_quarter(cast)
    client = cast.client_for("manager")
    url = reverse("performance:rating_sheet", args=[period.pk])
    kpis.ratings_save(
        actor=cast.manager.user,
        period=period,
        ratings=[kpis.RatingEntry(person_id=cast.salesperson.pk, kpi_key="teamwork", value=3)],
    )
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        small = client.get(url)
    people = [
        PersonFactory(unit=cast.team, role=Role.SALESPERSON, employee_number=f"more{index}")
        for index in range(6)
    ]
    kpis.ratings_save(
        actor=cast.manager.user,
        period=period,
        ratings=[
            kpis.RatingEntry(person_id=person.pk, kpi_key="teamwork", value=4, comment="ok")
            for person in people
        ],
    )
    with CaptureQueriesContext(connection) as many:
        large = client.get(url)
    assert large.content.decode().count('name="value-') == 8
    assert small.content.decode().count('name="value-') == 2
    assert len(many) == len(few)


# --- incentive plans -----------------------------------------------------------------------


def _plan_post(definition, **changes):
    return {
        "name": "销售提成",
        "name_en": "Commission",
        "role": "salesperson",
        "unit": "",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "is_active": "on",
        "definition": definition,
        **changes,
    }


def test_a_plan_with_a_bad_definition_is_refused_with_the_field_path(cast):
    client = cast.client_for("hr")
    url = reverse("performance:plan_create")
    bad = {"components": [{**COMMISSION["components"][0], "tiers": "many"}]}
    page = client.post(url, _plan_post(json.dumps(bad)))
    assert page.status_code == 200
    assert "definition.components[0].tiers" in page.content.decode()
    page = client.post(url, _plan_post("{not json"))
    assert page.status_code == 200
    assert "This is not valid JSON" in page.content.decode()
    page = client.post(url, _plan_post(json.dumps(COMMISSION), valid_until="2025-12-31"))
    assert "A plan ends on or after the day it starts." in page.content.decode()
    assert IncentivePlan.objects.count() == 0

    assert client.post(url, _plan_post(json.dumps(COMMISSION))).status_code == 302
    plan = IncentivePlan.objects.get()
    assert plan.valid_from == datetime.date(2026, 1, 1)
    assert plan.definition["components"][0]["key"] == "commission"
    edit = reverse("performance:plan_edit", args=[plan.pk])
    assert "commission" in client.get(edit).content.decode()
    answer = client.post(edit, _plan_post(json.dumps(COMMISSION), name="新提成", unit=cast.team.pk))
    assert answer.status_code == 302
    plan.refresh_from_db()
    assert (plan.name, plan.unit) == ("新提成", cast.team)
    listing = client.get(reverse("performance:plan_list")).content.decode()
    assert f'data-plan="{plan.pk}"' in listing

    for who in ("executive", "manager", "salesperson", "outsider"):
        other = cast.client_for(who)
        assert other.get(reverse("performance:plan_list")).status_code == 403
        assert other.post(edit, _plan_post(json.dumps(COMMISSION), name="x")).status_code == 403
    plan.refresh_from_db()
    assert plan.name == "新提成"


def test_the_api_adds_a_kpi_and_saves_ratings_with_the_pages_rules(cast):
    build(cast)
    admin = cast.client_for("admin")
    bad = admin.post(
        "/api/v1/performance/kpis",
        {
            "key": "win_rate",
            "name": "赢单率",
            "kind": "formula",
            "unit": "percent",
            "formula": "wins / revenue",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400  # "wins" is no metric
    assert not Kpi.objects.filter(key="win_rate").exists()
    made = admin.post(
        "/api/v1/performance/kpis",
        {
            "key": "margin_per_order",
            "name": "单均毛利",
            "kind": "formula",
            "unit": "number",
            "formula": "gross_profit / order_count",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["is_active"] is True
    kpi_url = f"/api/v1/performance/kpis/{made.json()['id']}"
    fields = {key: made.json()[key] for key in ("key", "name", "kind", "unit", "formula")}
    off = admin.put(kpi_url, {**fields, "is_active": False}, content_type="application/json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    renamed = admin.put(kpi_url, {**fields, "name": "单均毛利额"}, content_type="application/json")
    assert renamed.status_code == 200, renamed.content
    assert Kpi.objects.filter(key="margin_per_order").values_list("name", "is_active").get() == (
        "单均毛利额",
        False,
    )  # left out, is_active kept its state
    refused = cast.client_for("salesperson").post(
        "/api/v1/performance/kpis",
        {
            "key": "x",
            "name": "x",
            "kind": "rating",
            "unit": "rating",
            "scale_min": 1,
            "scale_max": 5,
        },
        content_type="application/json",
    )
    assert refused.status_code == 403
    keys = [
        row["key"] for row in cast.client_for("salesperson").get("/api/v1/performance/kpis").json()
    ]
    assert "margin_per_order" in keys and "revenue" in keys

    scorecards.template_save(
        actor=cast.admin.user,
        name="Everyone",
        role=Role.SALESPERSON,
        unit=cast.department,
        lines=[
            {"kpi": "revenue", "weight": "70", "rule": {"kind": "linear"}},
            {"kpi": "teamwork", "weight": "30", "rule": {"kind": "linear", "target": "5"}},
        ],
    )
    period = _open_quarter(cast)
    url = f"/api/v1/performance/periods/{period.pk}/ratings"
    manager = cast.client_for("manager")
    out_of_scale = manager.put(
        url,
        [{"person_id": cast.salesperson.pk, "kpi": "teamwork", "value": 9}],
        content_type="application/json",
    )
    assert out_of_scale.status_code == 400
    assert ManagerRating.objects.count() == 0
    saved = manager.put(
        url,
        [{"person_id": cast.salesperson.pk, "kpi": "teamwork", "value": 4, "comment": "Helps"}],
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json() == [
        {"person_id": cast.salesperson.pk, "kpi": "teamwork", "value": "4.00", "comment": "Helps"}
    ]
    outside = manager.put(
        url,
        [{"person_id": cast.other_salesperson.pk, "kpi": "teamwork", "value": 3}],
        content_type="application/json",
    )
    assert outside.status_code == 403
    assert cast.client_for("salesperson").get(url).status_code == 403


def test_hr_narrows_the_rating_sheet_to_one_unit(cast):
    build(cast)
    scorecards.template_save(
        actor=cast.admin.user,
        name="Everyone",
        role=Role.SALESPERSON,
        unit=cast.department,
        lines=[
            {"kpi": "revenue", "weight": "70", "rule": {"kind": "linear"}},
            {"kpi": "teamwork", "weight": "30", "rule": {"kind": "linear", "target": "5"}},
        ],
    )
    period = _open_quarter(cast)
    url = reverse("performance:rating_sheet", args=[period.pk])
    hr = cast.client_for("hr")
    everyone = hr.get(url).content.decode()
    assert f'data-person="{cast.other_salesperson.pk}"' in everyone
    team = hr.get(f"{url}?unit={cast.team.pk}").content.decode()
    assert f'data-person="{cast.salesperson.pk}"' in team
    assert f'data-person="{cast.other_salesperson.pk}"' not in team
    # A manager cannot narrow to a unit they do not manage.
    assert cast.client_for("manager").get(f"{url}?unit={cast.other_team.pk}").status_code == 404
    saved = hr.post(f"{url}?unit={cast.team.pk}", {f"value-{cast.salesperson.pk}-teamwork": "4"})
    assert saved.status_code == 302 and saved.url.endswith(f"?unit={cast.team.pk}")
