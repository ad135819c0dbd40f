"""The scorecard template editor: what is typed is what is saved, each refusal is shown where it
belongs and writes nothing, only executives, HR and administrators edit, and the list reads a
constant number of queries."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.core.choices import Role
from salesalign.performance.choices import KpiDirection, KpiKind, KpiUnit
from salesalign.performance.forms_templates import parse_bands, parse_number
from salesalign.performance.models import Kpi, ScorecardTemplate, TemplateKpi
from salesalign.performance.services import kpis, scorecards

pytestmark = pytest.mark.django_db

CREATE = reverse("performance:scorecard_template_create")
LIST = reverse("performance:scorecard_templates")

LINE_FIELDS = (
    "kpi",
    "weight",
    "kind",
    "floor",
    "cap",
    "zero_below",
    "bands",
    "target",
    "inverse",
    "max_attainment",
)
RATING_FIELDS = ("code", "min_score", "max_percent")
DEFAULT_RATINGS = [
    {"code": "S", "min_score": "120"},
    {"code": "A", "min_score": "100"},
    {"code": "B", "min_score": "80"},
    {"code": "C", "min_score": "60"},
    {"code": "D"},
]


def edit_url(template: ScorecardTemplate) -> str:
    return reverse("performance:scorecard_template_edit", args=[template.pk])


def form_data(
    *,
    lines: list[dict[str, str]],
    ratings: list[dict[str, str]] | None = None,
    initial_lines: int = 0,
    initial_ratings: int = 5,
    **fields: Any,
) -> dict[str, Any]:
    """The editor's POST as a browser sends it: every row's every field (empty when not
    given), with the formsets' management fields."""
    data: dict[str, Any] = {
        "name": "销售记分卡",
        "name_en": "Sales scorecard",
        "role": Role.SALESPERSON,
        "unit": "",
        "missing": "exclude",
        "distribution_scope": "",
        **fields,
    }
    for prefix, rows, names, initial in (
        ("lines", lines, LINE_FIELDS, initial_lines),
        (
            "ratings",
            DEFAULT_RATINGS if ratings is None else ratings,
            RATING_FIELDS,
            initial_ratings,
        ),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = len(rows)
        data[f"{prefix}-INITIAL_FORMS"] = min(initial, len(rows))
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for index, row in enumerate(rows):
            defaults = {"kind": "linear", "inverse": "ratio"} if prefix == "lines" else {}
            for name in names:
                data[f"{prefix}-{index}-{name}"] = row.get(name, defaults.get(name, ""))
    return data


def counts() -> tuple[int, int]:
    return ScorecardTemplate.objects.count(), TemplateKpi.objects.count()


def cell(html: str, name: str) -> str:
    """The table cell that holds the input (or select, or textarea) named `name`."""
    match = re.search(
        rf'<td>(?:(?!</td>).)*?name="{re.escape(name)}"(?:(?!</td>).)*</td>', html, re.S
    )
    assert match, f"no cell for {name}"
    return match.group(0)


def marked(html: str, name: str) -> bool:
    """The input, select or textarea named `name` is marked invalid."""
    tag = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag, f"no input {name}"
    return bool(re.search(r'\bclass="[^"]*\bis-invalid\b', tag.group(0)))


def saved_lines(template: ScorecardTemplate) -> list[tuple[str, Decimal, dict[str, Any], int]]:
    return [
        (line.kpi.key, line.weight, line.rule, line.position)
        for line in template.lines.select_related("kpi").order_by("position")
    ]


def sales_template(cast: Any, **changes: Any) -> ScorecardTemplate:
    arguments: dict[str, Any] = {
        "actor": cast.hr.user,
        "name": "销售记分卡",
        "name_en": "Sales scorecard",
        "role": Role.SALESPERSON,
        "lines": [
            {"kpi": "revenue", "weight": "70", "rule": {"kind": "linear", "cap": "130"}},
            {
                "kpi": "new_customers",
                "weight": "30",
                "rule": {
                    "kind": "bands",
                    "bands": [{"from": "80", "score": "60"}, {"from": "100", "score": "100"}],
                },
            },
        ],
        **changes,
    }
    return scorecards.template_save(**arguments)


# --- what is typed is what is saved --------------------------------------------------------


def test_hr_creates_a_template_with_a_linear_and_a_bands_kpi_and_a_forced_distribution(cast):
    client = cast.client_for("hr")
    page = client.get(CREATE).content.decode()
    # Six rows to fill, the default ratings to start from, and no "active" box on a new one.
    assert 'name="lines-TOTAL_FORMS" value="6"' in page
    assert (
        'name="ratings-0-code" value="S"' in page
        and 'name="ratings-1-min_score" value="100"' in page
    )
    assert 'name="is_active"' not in page

    data = form_data(
        name="华东销售记分卡",
        name_en="East sales scorecard",
        unit=str(cast.team.pk),
        missing="score_zero",
        distribution_scope="team",
        lines=[
            {},  # a spare row first: left out, and the service's lines[0] is the next row
            {"kpi": "revenue", "weight": "60", "floor": "0", "cap": "130", "zero_below": "50"},
            {
                "kpi": "new_customers",
                "weight": "40 %",
                "kind": "bands",
                "bands": "0=40；100：100，200 = 120",
                "target": "2",
            },
            {},
        ],
        ratings=[
            {"code": "S", "min_score": "115", "max_percent": "10"},
            {"code": "A", "min_score": "100", "max_percent": "20"},
            {"code": "B", "min_score": "80"},
            {"code": "C", "min_score": "60"},
            {"code": "D"},
            {},
        ],
    )
    response = client.post(CREATE, data, follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "Scorecard template “East sales scorecard” saved." in response.content.decode()
    template = ScorecardTemplate.objects.get()
    assert (template.name, template.name_en, template.role, template.unit) == (
        "华东销售记分卡",
        "East sales scorecard",
        Role.SALESPERSON,
        cast.team,
    )
    assert (template.missing, template.is_active) == ("score_zero", True)
    assert template.rating_bands == [
        {"code": "S", "min_score": "115"},
        {"code": "A", "min_score": "100"},
        {"code": "B", "min_score": "80"},
        {"code": "C", "min_score": "60"},
        {"code": "D", "min_score": None},
    ]
    assert template.forced_distribution == {"max_percent": {"S": "10", "A": "20"}, "scope": "team"}
    assert saved_lines(template) == [
        (
            "revenue",
            Decimal("60.00"),
            {"kind": "linear", "floor": "0", "cap": "130", "zero_below": "50"},
            0,
        ),
        (
            "new_customers",
            Decimal("40.00"),
            {
                "kind": "bands",
                "bands": [
                    {"from": "0", "score": "40"},
                    {"from": "100", "score": "100"},
                    {"from": "200", "score": "120"},
                ],
                "target": "2",
            },
            1,
        ),
    ]
    # The list then says the rules and the forced distribution in words.
    listed = response.content.decode()
    assert "Bands of attainment: from 0 %: 40 points; from 100 %: 100 points" in listed
    assert (
        "Forced distribution: S at most 10 %, A at most 20 % of the people, within each team."
        in (listed)
    )


def test_a_lower_is_better_kpi_keeps_how_its_attainment_is_computed(cast):
    kpis.kpi_save(
        actor=cast.hr.user,
        key="cost_ratio",
        name="成本率",
        name_en="Cost ratio",
        kind=KpiKind.FORMULA,
        formula="(revenue - gross_profit) / revenue * 100",
        unit=KpiUnit.PERCENT,
        direction=KpiDirection.LOWER,
    )
    client = cast.client_for("hr")
    assert "Cost ratio (lower is better)" in client.get(CREATE).content.decode()
    line = {"kind": "linear", "inverse": "mirror", "max_attainment": "150", "target": "60"}
    data = form_data(
        lines=[
            {"kpi": "revenue", "weight": "50", "inverse": "mirror", "max_attainment": "150"},
            {"kpi": "cost_ratio", "weight": "50", **line},
        ]
    )
    assert client.post(CREATE, data).status_code == 302
    rules = [rule for _, _, rule, _ in saved_lines(ScorecardTemplate.objects.get())]
    # Revenue is higher-is-better: what was typed for lower-is-better KPIs does not apply to it.
    assert rules == [{"kind": "linear"}, line]


def test_editing_replaces_the_lines_and_can_switch_the_template_off(cast):
    template = sales_template(cast)
    client = cast.client_for("executive")
    page = client.get(edit_url(template)).content.decode()
    assert 'name="lines-0-weight" value="70"' in page
    assert re.search(r'name="lines-1-bands"[^>]*>\s*80=60; 100=100</textarea>', page)
    # Two lines and four spare rows: a table has at least six rows and three spare.
    assert 'name="lines-TOTAL_FORMS" value="6"' in page
    assert re.search(r'name="is_active"[^>]*checked', page)

    data = form_data(
        name="销售记分卡（新）",
        lines=[{"kpi": "revenue", "weight": "100", "cap": "150"}, {}, {}, {}, {}],
        initial_lines=2,
    )  # no "is_active": the box is unticked
    response = client.post(edit_url(template), data)

    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.is_active) == ("销售记分卡（新）", False)
    assert saved_lines(template) == [
        ("revenue", Decimal("100.00"), {"kind": "linear", "cap": "150"}, 0)
    ]
    assert counts() == (1, 1)
    assert template.pk not in scorecards.compile_templates()  # the next close ignores it
    listed = client.get(LIST).content.decode()
    assert "inactive" in listed and "Forced distribution:" not in listed


def test_the_api_switches_a_template_off_as_the_page_does(cast):
    template = sales_template(cast)
    client = cast.client_for("hr")
    answer = client.put(
        f"/api/v1/performance/scorecard-templates/{template.pk}",
        {"name": "Sales", "lines": [{"kpi": "revenue", "weight": "100"}], "is_active": False},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["is_active"] is False
    template.refresh_from_db()
    assert template.is_active is False


def test_a_put_that_leaves_out_is_active_keeps_a_template_switched_off(cast):
    template = sales_template(cast)
    template.is_active = False
    template.save(update_fields=["is_active"])
    client = cast.client_for("hr")
    answer = client.put(
        f"/api/v1/performance/scorecard-templates/{template.pk}",
        {"name": "Sales (renamed)", "lines": [{"kpi": "revenue", "weight": "100"}]},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["is_active"] is False
    template.refresh_from_db()
    assert (template.name, template.is_active) == ("Sales (renamed)", False)
    made = client.post(
        "/api/v1/performance/scorecard-templates",
        {"name": "New", "lines": [{"kpi": "revenue", "weight": "100"}]},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["is_active"] is True


# --- refusals, where they belong, and nothing written ---------------------------------------

REVENUE = {"kpi": "revenue", "weight": "60"}
NEW_CUSTOMERS = {"kpi": "new_customers", "weight": "40"}


@pytest.mark.parametrize(
    ("lines", "ratings", "place", "message"),
    [
        pytest.param(
            [REVENUE, {**NEW_CUSTOMERS, "weight": "30"}],
            None,
            "lines-errors",
            "The weights total 90.00 %; they must total 100 %.",
            id="weights-miss-100",
        ),
        pytest.param(
            [{}, REVENUE, {**NEW_CUSTOMERS, "floor": "150", "cap": "100"}],
            None,
            "lines-2-floor",  # the service's lines[1]: the spare row above is not counted
            "The floor is above the cap.",
            id="floor-above-cap",
        ),
        pytest.param(
            [{**REVENUE, "weight": "六十"}, NEW_CUSTOMERS],
            None,
            "lines-0-weight",
            "“六十” is not a number.",
            id="weight-not-a-number",
        ),
        pytest.param(
            [REVENUE, {**NEW_CUSTOMERS, "kind": "bands", "bands": "80=60; 100"}],
            None,
            "lines-1-bands",
            "“100” is not “attainment = score”, e.g. 100=100.",
            id="bands-unreadable",
        ),
        pytest.param(
            [REVENUE, {**NEW_CUSTOMERS, "kind": "bands", "bands": "100=100; 80=60"}],
            None,
            "lines-1-bands",
            "Bands must start at rising attainments.",
            id="bands-falling",
        ),
        pytest.param(
            [REVENUE, {**NEW_CUSTOMERS, "kind": "bands", "bands": ""}],
            None,
            "lines-1-bands",
            "Give at least one band.",
            id="bands-empty",
        ),
        pytest.param(
            [REVENUE, NEW_CUSTOMERS],
            [{"code": "S", "min_score": "80"}, {"code": "A", "min_score": "100"}, {"code": "D"}],
            "ratings-errors",
            "Rating bands go from best to worst with falling minimum scores; the worst has none.",
            id="ratings-not-falling",
        ),
        pytest.param(
            [REVENUE, NEW_CUSTOMERS],
            [{"code": "OUTSTANDING", "min_score": "100"}, {"code": "D"}],
            "ratings-errors",
            "A rating's code has at most 10 characters.",
            id="rating-code-too-long",
        ),
        pytest.param(
            [REVENUE, {**NEW_CUSTOMERS, "kpi": "revenue"}],
            None,
            "lines-1-kpi",
            "A KPI appears twice on the template.",
            id="duplicate-kpi",
        ),
        pytest.param(
            [REVENUE, NEW_CUSTOMERS],
            [{"code": "S", "min_score": "100"}, {"min_score": "50"}, {"code": "D"}],
            "ratings-1-code",
            "Give this rating a code, or clear its row.",
            id="rating-without-code",
        ),
        pytest.param(
            [{}, {}],
            None,
            "lines-errors",
            "Add at least one KPI.",
            id="no-kpi",
        ),
    ],
)
def test_a_bad_template_is_refused_at_its_place_and_nothing_is_written(
    cast, lines, ratings, place, message
):
    sales_template(cast)
    before = counts()
    response = cast.client_for("hr").post(CREATE, form_data(lines=lines, ratings=ratings))

    assert response.status_code == 200
    assert counts() == before
    html = response.content.decode()
    assert 'id="template-errors"' in html  # the summary above the form
    if place.endswith("-errors"):
        alert = re.search(rf'<div [^>]*id="{place}">(.*?)</div>', html, re.S)
        assert alert and unescape(alert.group(1)) == message
    else:
        found = cell(html, place)
        assert message in found
        assert marked(found, place)
        # … and only there: no other cell is marked.
        assert len(re.findall(r'class="[^"]*is-invalid', html)) == 1


def test_the_summary_names_the_line_and_the_field_of_a_number_it_cannot_read(cast):
    data = form_data(lines=[REVENUE, {**NEW_CUSTOMERS, "cap": "12O"}])
    html = cast.client_for("hr").post(CREATE, data).content.decode()
    assert "KPI line 2, Cap (points): “12O” is not a number." in html


def test_a_forced_distribution_needs_a_scope_and_a_share_and_the_engines_word(cast):
    client = cast.client_for("hr")
    before = counts()
    shares = [{"code": "S", "min_score": "100", "max_percent": "10"}, {"code": "D"}]
    no_scope = client.post(CREATE, form_data(lines=[{**REVENUE, "weight": "100"}], ratings=shares))
    assert "Choose where the “at most” shares apply, or clear them." in no_scope.content.decode()
    worst = [{"code": "S", "min_score": "100"}, {"code": "D", "max_percent": "50"}]
    capped = client.post(
        CREATE,
        form_data(lines=[{**REVENUE, "weight": "100"}], ratings=worst, distribution_scope="all"),
    )
    assert (
        "The worst rating (D) cannot be limited: everyone must land somewhere."
        in capped.content.decode()
    )
    assert marked(capped.content.decode(), "distribution_scope")
    too_many = [{"code": "S", "min_score": "100", "max_percent": "150"}, {"code": "D"}]
    over = client.post(
        CREATE,
        form_data(lines=[{**REVENUE, "weight": "100"}], ratings=too_many, distribution_scope="all"),
    )
    assert "The most for S must be between 0 and 100 %." in over.content.decode()
    assert counts() == before


def test_a_kpi_made_inactive_since_stays_on_its_line_and_is_named(cast):
    kpi = kpis.kpi_save(
        actor=cast.hr.user,
        key="margin_x",
        name="毛利率",
        kind=KpiKind.FORMULA,
        formula="gross_profit / revenue * 100",
        unit=KpiUnit.PERCENT,
    )
    template = sales_template(
        cast,
        lines=[
            {"kpi": "revenue", "weight": "80"},
            {"kpi": "margin_x", "weight": "20", "rule": {"kind": "linear", "target": "30"}},
        ],
    )
    Kpi.objects.filter(pk=kpi.pk).update(is_active=False)
    client = cast.client_for("hr")
    page = client.get(edit_url(template)).content.decode()
    assert re.search(r'<option value="margin_x" selected>[^<]*\(inactive\)</option>', page)
    data = form_data(
        lines=[{"kpi": "revenue", "weight": "80"}, {"kpi": "margin_x", "weight": "20"}],
        initial_lines=2,
        is_active="on",
    )
    html = client.post(edit_url(template), data).content.decode()
    assert "There is no active KPI “margin_x”." in cell(html, "lines-1-kpi")
    assert [line.kpi.key for line in template.lines.all()] == ["revenue", "margin_x"]


# --- who may edit ---------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["salesperson", "manager"])
def test_only_executives_hr_and_administrators_edit_templates(cast, member):
    template = sales_template(cast)
    client = cast.client_for(member)
    before = counts()
    assert client.get(CREATE).status_code == 403
    assert client.get(edit_url(template)).status_code == 403
    data = form_data(lines=[{"kpi": "revenue", "weight": "100"}])
    assert client.post(CREATE, data).status_code == 403
    assert client.post(edit_url(template), data).status_code == 403
    assert counts() == before
    page = client.get(LIST).content.decode()
    assert "销售记分卡" in page or "Sales scorecard" in page
    assert 'id="template-create"' not in page and "template-edit" not in page
    editor = cast.client_for("admin").get(LIST).content.decode()
    assert 'id="template-create"' in editor and edit_url(template) in editor


def test_the_list_reads_a_constant_number_of_queries(cast):
    sales_template(cast)
    client = cast.client_for("hr")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured)

    one = queries()
    for number in range(5):
        sales_template(cast, name=f"模板 {number}", unit=cast.team)
    assert ScorecardTemplate.objects.count() == 6
    assert queries() == one


# --- reading what was typed -----------------------------------------------------------------


def test_bands_are_read_with_any_of_the_separators_a_user_types():
    assert parse_bands("0=40；100：100，200 = 120\n250:130, 300＝140") == [
        {"from": "0", "score": "40"},
        {"from": "100", "score": "100"},
        {"from": "200", "score": "120"},
        {"from": "250", "score": "130"},
        {"from": "300", "score": "140"},
    ]
    assert parse_bands("  ") == []


def test_numbers_are_read_as_the_other_forms_read_them():
    assert parse_number("1,000.50") == Decimal("1000.50")
    assert parse_number(" 30 % ") == Decimal("30")
    assert parse_number("") is None
    for text in ("1,00", "1e3", "abc", "%", "NaN"):
        with pytest.raises(ValidationError, match="is not a number"):
            parse_number(text)


def test_a_templates_page_shows_its_history(cast):
    from salesalign.performance.models import ScorecardTemplate

    template = ScorecardTemplate.objects.create(name="History")
    page = cast.client_for("hr").get(
        reverse("performance:scorecard_template_edit", args=[template.pk])
    )
    assert 'id="history-heading"' in page.content.decode()


def test_the_list_says_whom_a_template_without_role_or_unit_scores(cast):
    from salesalign.performance.models import ScorecardTemplate

    ScorecardTemplate.objects.create(name="Default")
    page = cast.client_for("hr").get(reverse("performance:scorecard_templates")).content.decode()
    assert "Role: salespeople (no role chosen) · Unit: the whole company" in page
