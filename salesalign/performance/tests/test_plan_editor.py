"""The structured editor of an incentive plan's definition: what the page gives it (measures,
labels in the user's language, the errors naming their paths), and that the JSON it writes
into the form is what the server saves — or refuses, naming the field and saving nothing."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from salesalign.performance.models import IncentivePlan
from salesalign.performance.services.statements import MEASURES, plan_save
from salesalign.performance.tests.statements_world import COMMISSION
from salesalign.performance.tests.test_kpis import _plan_post

pytestmark = pytest.mark.django_db

#: What the editor writes for a quarterly commission of 2 % then 3 % from 80 % of target,
#: ×1.5 from 120 %, capped at ¥50,000.50, paid only with satisfaction ≥ 3.5, plus a plan cap
#: of ¥80,000 and a three-month guarantee of ¥3,000.
EDITOR_DEFINITION: dict[str, Any] = {
    "components": [
        {
            "key": "commission",
            "name_en": "Commission",
            "kind": "commission",
            "measure": "revenue",
            "scope": "individual",
            "period_kind": "quarter",
            "mode": "marginal",
            "tiers": [{"from": "0", "rate": "2"}, {"from": "80", "rate": "3"}],
            "multipliers": [{"from": "120", "factor": "1.5"}],
            "threshold": None,
            "cap": 5_000_050,
            "target_amount": None,
            "clawback_rate": None,
            "gates": [
                {"measure": "customer_satisfaction", "minimum": "3.5", "when_missing": "passes"}
            ],
        }
    ],
    "cap": 8_000_000,
    "draw": {
        "kind": "guarantee",
        "amount_per_month": 300_000,
        "months": 3,
        "period_kind": "month",
        "recovery_percent": "100",
    },
}


def _post(definition: Any, **changes: str) -> dict[str, Any]:
    text = definition if isinstance(definition, str) else json.dumps(definition, indent=2)
    return _plan_post(text, **changes)


def _editor_data(html: str) -> dict[str, Any]:
    """The JSON the page hands the editor (`json_script`)."""
    match = re.search(
        r'<script id="plan-editor-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "the page has no editor data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def _top_errors(html: str) -> str:
    """The errors listed at the top of the page."""
    match = re.search(r'id="plan-errors">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def test_the_plan_page_gives_the_editor_every_measure_and_its_labels(cast):
    page = cast.client_for("hr").get(reverse("performance:plan_create"))
    html = page.content.decode()
    data = _editor_data(html)

    assert {measure["value"] for measure in data["measures"]} == set(MEASURES)
    assert data["measures"][0] == {"value": "revenue", "label": "Revenue"}
    assert {"value": "score", "label": "Total score"} in data["measures"]
    assert [kind["value"] for kind in data["choices"]["kind"]] == ["commission", "bonus"]
    assert [kind["value"] for kind in data["choices"]["period_kind"]] == [
        "month",
        "quarter",
        "year",
    ]
    assert data["labels"]["add_tier"] == "Add a tier"
    assert data["labels"]["cap"] == "Cap (CNY)"  # the company currency, by its code
    assert data["labels"]["target_amount"] == "Bonus at 100 %% (CNY)"  # %% for the editor
    assert data["errors"] == []
    # Without JavaScript the editor stays hidden and the JSON box open: the page still works.
    assert re.search(r'<section id="plan-editor"[^>]*\bhidden\b', html)
    assert re.search(r'<details id="plan-json"[^>]*\bopen\b', html)
    assert 'name="definition"' in html
    assert "plan-errors" not in html


def test_the_editor_labels_come_in_the_users_language(cast):
    page = cast.client_for("hr").get(
        reverse("performance:plan_create"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    )
    data = _editor_data(page.content.decode())
    assert data["measures"][0] == {"value": "revenue", "label": "销售收入"}
    assert data["labels"]["gates"] == "前提条件"
    assert data["labels"]["cap"] == "封顶（元）"  # the yuan as Chinese writes it
    assert {"value": "quarter", "label": "季度"} in data["choices"]["period_kind"]


def test_the_json_the_editor_writes_is_saved_as_it_is(cast):
    client = cast.client_for("hr")
    answer = client.post(reverse("performance:plan_create"), _post(EDITOR_DEFINITION))
    assert answer.status_code == 302
    plan = IncentivePlan.objects.get()
    assert plan.definition == EDITOR_DEFINITION

    # The edit page hands the stored JSON back to the editor, cents and all.
    edit = client.get(reverse("performance:plan_edit", args=[plan.pk])).content.decode()
    textarea = re.search(r'<textarea name="definition"[^>]*>(.*?)</textarea>', edit, re.S)
    assert textarea
    assert json.loads(textarea.group(1).replace("&quot;", '"')) == EDITOR_DEFINITION


def test_a_bad_tier_is_named_at_the_top_and_for_the_editor_and_nothing_is_saved(cast):
    client = cast.client_for("hr")
    plan = plan_save(
        actor=cast.hr.user,
        name="销售提成",
        definition=COMMISSION,
        valid_from=datetime.date(2026, 1, 1),
    )
    before = plan.definition
    bad = json.loads(json.dumps(EDITOR_DEFINITION))
    bad["components"][0]["tiers"][1]["rate"] = "3,5"
    url = reverse("performance:plan_edit", args=[plan.pk])

    page = client.post(url, _post(bad, name="新提成"))
    assert page.status_code == 200
    html = page.content.decode()
    message = "definition.components[0].tiers[1].rate: give a number"
    # The page says where in the editor's words; the editor gets the path to mark the box.
    assert "Component 1 › Tiers 2 › Rate (%): give a number" in _top_errors(html)
    assert _editor_data(html)["errors"] == [message]
    # What was typed comes back, so the editor shows the same plan with the error at its field.
    assert "3,5" in html
    plan.refresh_from_db()
    assert (plan.name, plan.definition) == ("销售提成", before)

    # A negative rate: the engine's error names that tier's rate, with the rule for rates.
    bad["components"][0]["tiers"][1]["rate"] = "-3"
    page = client.post(url, _post(bad, name="新提成"))
    assert _editor_data(page.content.decode())["errors"] == [
        "definition.components[0].tiers[1].rate: give a number of 0 or more"
    ]
    bad["components"][0]["tiers"][1]["rate"] = "3"

    # Tiers out of order: the engine's error names the tiers of that component.
    bad["components"][0]["tiers"][1] = {"from": "0", "rate": "3"}
    page = client.post(reverse("performance:plan_create"), _post(bad))
    errors = _editor_data(page.content.decode())["errors"]
    assert errors == [
        "definition.components[0].tiers: tiers start at 0 % and then at strictly increasing "
        "attainments"
    ]
    assert IncentivePlan.objects.count() == 1


def test_json_that_cannot_be_read_is_named_at_the_top(cast):
    client = cast.client_for("hr")
    page = client.post(reverse("performance:plan_create"), _post('{"components": ['))
    html = page.content.decode()
    assert "This is not valid JSON" in _top_errors(html)
    assert _editor_data(html)["errors"][0].startswith("This is not valid JSON")
    assert IncentivePlan.objects.count() == 0
