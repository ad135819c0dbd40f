"""HR sets the promotion and improvement rules on a page (and through the API); bad input
is refused with its field and writes nothing; only executives, HR and admins may write."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from salesalign.performance.choices import PeriodKind
from salesalign.performance.models import (
    ImprovementRule,
    PromotionCandidate,
    PromotionRule,
    ScorecardTemplate,
)
from salesalign.performance.selectors.development import improvement_flags
from salesalign.performance.selectors.rules import improvement_rule_words, promotion_rule_words
from salesalign.performance.services import rules as services
from salesalign.performance.tests.test_development import _cards, _quarters

pytestmark = pytest.mark.django_db

PROMOTION = {
    "name": "近四个季度三次 A 以上",
    "name_en": "A or better in 3 of 4 quarters",
    "ratings": ["S", "A"],
    "required": "3",
    "of_last": "4",
    "period_kind": PeriodKind.QUARTERLY,
    "role": "salesperson",
    "is_active": "on",
}


def _post(client, name, data, *args):
    return client.post(reverse(f"performance:{name}", args=args), data)


def _errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_hr_adds_a_promotion_rule_and_it_puts_forward_from_the_latest_closed_quarter(cast):
    quarters = _quarters()
    _cards(quarters, cast.salesperson, ["A", "B", "S", "A"])  # 3 of 4: put forward
    _cards(quarters, cast.salesperson2, ["A", "B", "C", "S"])  # 2 of 4: not
    client = cast.client_for("hr")
    response = _post(client, "promotion_rule_create", PROMOTION)
    assert response.status_code == 302
    rule = PromotionRule.objects.get()
    assert (rule.name, rule.name_en, rule.ratings, rule.required, rule.of_last, rule.role) == (
        PROMOTION["name"],
        PROMOTION["name_en"],
        ["S", "A"],
        3,
        4,
        "salesperson",
    )
    assert rule.is_active
    candidate = PromotionCandidate.objects.get()
    assert (candidate.rule_id, candidate.person_id, candidate.period_id) == (
        rule.pk,
        cast.salesperson.pk,
        quarters[-1].pk,
    )
    page = client.get(response["Location"]).content.decode()
    assert "It puts forward 1 person from the latest closed period." in page
    assert "Quarterly: rated S / A in at least 3 of the last 4 closed periods" in page


def test_changing_a_rule_replaces_it_and_switching_it_off_puts_nobody_forward(cast):
    quarters = _quarters()
    _cards(quarters, cast.salesperson, ["A", "A", "A", "A"])
    rule = PromotionRule.objects.create(
        name="Old", ratings=["S"], required=1, of_last=1, is_active=True
    )
    client = cast.client_for("executive")
    response = _post(
        client,
        "promotion_rule_edit",
        {
            **PROMOTION,
            "name": "Changed",
            "ratings": ["A"],
            "required": "2",
            "of_last": "2",
            "is_active": "",
        },
        rule.pk,
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.ratings, rule.required, rule.of_last, rule.is_active) == (
        "Changed",
        ["A"],
        2,
        2,
        False,
    )
    assert not PromotionCandidate.objects.exists()
    # Switched on again, it finds the salesperson at once.
    _post(client, "promotion_rule_edit", {**PROMOTION, "ratings": ["A"]}, rule.pk)
    assert PromotionCandidate.objects.filter(rule=rule, person=cast.salesperson).count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"of_last": "2"}, "of_last", "Look at no fewer periods than the 3 it needs."),
        ({"ratings": []}, "ratings", "Choose at least one rating."),
        ({"required": "0"}, "required", "Give a whole number from 1 to 24."),
        ({"of_last": "25"}, "of_last", "Give a whole number from 1 to 24."),
        ({"required": "three"}, "required", "Enter a whole number."),
        ({"name": "  "}, "name", "This field is required."),
        ({"period_kind": "weekly"}, "period_kind", "Select a valid choice."),
    ],
)
def test_a_bad_promotion_rule_says_which_field_and_writes_nothing(cast, change, field, message):
    response = _post(cast.client_for("hr"), "promotion_rule_create", {**PROMOTION, **change})
    assert response.status_code == 200
    assert any(message in error for error in _errors(response, field)), response.context[
        "form"
    ].errors
    assert not PromotionRule.objects.exists()


def test_a_rating_no_template_gives_is_refused_by_name(cast):
    ScorecardTemplate.objects.create(
        name="Grades",
        rating_bands=[{"code": "优", "min_score": "90"}, {"code": "良", "min_score": None}],
    )
    assert services.rating_codes() == ["优", "良"]
    client = cast.client_for("hr")
    # The page offers only the templates' ratings.
    form = client.get(reverse("performance:promotion_rule_create")).context["form"]
    assert [value for value, _label in form.fields["ratings"].choices] == ["优", "良"]
    response = client.post(
        "/api/v1/performance/promotion-rules",
        json.dumps({**PROMOTION, "ratings": ["优", "S"], "required": 1, "of_last": 1}),
        content_type="application/json",
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "ratings"
    assert "“S” is not a rating any scorecard template gives (优 / 良)" in error["reason"]
    assert not PromotionRule.objects.exists()


def test_a_rule_that_put_people_forward_is_switched_off_not_deleted(cast):
    quarters = _quarters(1)
    _cards(quarters, cast.salesperson, ["S"])
    client = cast.client_for("hr")
    _post(client, "promotion_rule_create", {**PROMOTION, "required": "1", "of_last": "1"})
    rule = PromotionRule.objects.get()
    assert PromotionCandidate.objects.filter(rule=rule).exists()
    # The page offers no delete, and says why; a request sent anyway is refused.
    edit = client.get(reverse("performance:promotion_rule_edit", args=[rule.pk])).content.decode()
    assert 'id="rule-kept"' in edit and 'id="rule-delete"' not in edit
    response = _post(client, "promotion_rule_delete", {}, rule.pk)
    assert response.status_code == 302
    assert PromotionRule.objects.filter(pk=rule.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "switch it off instead of deleting it" in page
    unused = PromotionRule.objects.create(name="Unused", ratings=["S"], required=1, of_last=1)
    edit = client.get(reverse("performance:promotion_rule_edit", args=[unused.pk])).content
    assert b'id="rule-delete-confirm"' in edit  # behind a second step, in <details>
    assert _post(client, "promotion_rule_delete", {}, unused.pk).status_code == 302
    assert not PromotionRule.objects.filter(pk=unused.pk).exists()


def test_hr_adds_an_improvement_rule_and_the_flags_follow_it(cast):
    quarters = _quarters(2)
    _cards(quarters, cast.salesperson, ["C", "D"], scores=["65", "72"])
    _cards(quarters, cast.salesperson2, ["B", "B"], scores=["85", "90"])
    client = cast.client_for("hr")
    data = {"below_score": "70", "ratings": ["D"], "consecutive": "2", "period_kind": "quarterly"}
    response = _post(client, "improvement_rule_create", {**data, "is_active": "on"})
    assert response.status_code == 302
    rule = ImprovementRule.objects.get()
    assert (rule.below_score, rule.ratings, rule.consecutive, rule.is_active) == (
        Decimal(70),
        ["D"],
        2,
        True,
    )
    # 65 (below 70) then D: flagged; the other salesperson is not.
    flagged = [flag.person.pk for flag in improvement_flags(user=cast.hr.user)]
    assert flagged == [cast.salesperson.pk]
    # Without the rating, 72 is not below 70: nobody.
    _post(client, "improvement_rule_edit", {**data, "ratings": [], "is_active": "on"}, rule.pk)
    rule.refresh_from_db()
    assert rule.ratings == []
    assert improvement_flags(user=cast.hr.user) == []
    page = client.get(reverse("performance:rule_list")).content.decode()
    assert "Quarterly: a total score below 70, 2 closed periods in a row" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"below_score": "", "ratings": []}, "below_score", "Give a score to stay above"),
        ({"below_score": "seventy"}, "below_score", "Give a number, e.g. 70."),
        ({"below_score": "70.125"}, "below_score", "A score has at most two decimals."),
        ({"below_score": "-5"}, "below_score", "Give a score above 0 and at most 1000."),
        ({"consecutive": "30"}, "consecutive", "Give a whole number from 1 to 24."),
    ],
)
def test_a_bad_improvement_rule_says_which_field_and_writes_nothing(cast, change, field, message):
    data = {"below_score": "70", "ratings": ["D"], "consecutive": "2", "period_kind": "quarterly"}
    response = _post(cast.client_for("hr"), "improvement_rule_create", {**data, **change})
    assert response.status_code == 200
    assert any(message in error for error in _errors(response, field)), response.context[
        "form"
    ].errors
    assert not ImprovementRule.objects.exists()


@pytest.mark.parametrize("who", ["manager", "salesperson", "outsider"])
def test_only_executives_hr_and_admins_set_rules(cast, who):
    promotion = PromotionRule.objects.create(name="P", ratings=["S"], required=1, of_last=1)
    improvement = ImprovementRule.objects.create(below_score=Decimal(60), consecutive=2)
    client = cast.client_for(who)
    for name, args in [
        ("promotion_rule_create", ()),
        ("promotion_rule_edit", (promotion.pk,)),
        ("improvement_rule_create", ()),
        ("improvement_rule_edit", (improvement.pk,)),
    ]:
        assert client.get(reverse(f"performance:{name}", args=args)).status_code == 403
        assert client.post(reverse(f"performance:{name}", args=args), PROMOTION).status_code == 403
    for name, pk in [
        ("promotion_rule_delete", promotion.pk),
        ("improvement_rule_delete", improvement.pk),
    ]:
        assert _post(client, name, {}, pk).status_code == 403
    api = client.post(
        "/api/v1/performance/improvement-rules",
        json.dumps({"below_score": "50"}),
        content_type="application/json",
    )
    assert api.status_code == 403
    deleted = client.delete(f"/api/v1/performance/promotion-rules/{promotion.pk}")
    assert deleted.status_code == 403
    assert PromotionRule.objects.count() == 1
    assert ImprovementRule.objects.count() == 1
    assert ImprovementRule.objects.get().below_score == Decimal(60)
    # They may read the rules, without the buttons to change them.
    page = client.get(reverse("performance:rule_list"))
    assert page.status_code == 200
    assert "P" in page.content.decode()
    assert b"promotion-rule-new" not in page.content
    assert reverse("performance:promotion_rule_edit", args=[promotion.pk]).encode() not in (
        page.content
    )


def test_the_api_creates_changes_lists_and_deletes_rules(cast):
    quarters = _quarters(1)
    _cards(quarters, cast.salesperson, ["S"])
    client = cast.client_for("admin")
    created = client.post(
        "/api/v1/performance/promotion-rules",
        json.dumps({"name": "S once", "ratings": ["S"], "required": 1, "of_last": 1}),
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["put_forward"] == 1
    assert body["rule"]["words"] == "Quarterly: rated S in at least 1 of the last 1 closed periods"
    rule_id = body["rule"]["id"]
    changed = client.put(
        f"/api/v1/performance/promotion-rules/{rule_id}",
        json.dumps({"name": "S or A", "ratings": ["A", "S"], "required": 1, "of_last": 2}),
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["rule"]["ratings"] == ["S", "A"]  # best first, as the bands
    listed = client.get("/api/v1/performance/promotion-rules").json()
    assert [(item["id"], item["of_last"]) for item in listed] == [(rule_id, 2)]
    switched_off = client.put(
        f"/api/v1/performance/promotion-rules/{rule_id}",
        json.dumps(
            {
                "name": "S or A",
                "ratings": ["A", "S"],
                "required": 1,
                "of_last": 2,
                "is_active": False,
            }
        ),
        content_type="application/json",
    )
    assert switched_off.json()["rule"]["is_active"] is False
    renamed = client.put(
        f"/api/v1/performance/promotion-rules/{rule_id}",
        json.dumps({"name": "S/A", "ratings": ["A", "S"], "required": 1, "of_last": 2}),
        content_type="application/json",
    )
    assert renamed.status_code == 200
    assert PromotionRule.objects.values_list("name", "is_active").get() == ("S/A", False)

    improvement = client.post(
        "/api/v1/performance/improvement-rules",
        json.dumps({"below_score": "60.5", "consecutive": 3, "period_kind": "monthly"}),
        content_type="application/json",
    )
    assert improvement.status_code == 201
    assert (
        improvement.json()["words"]
        == "Monthly: a total score below 60.5, 3 closed periods in a row"
    )
    improvement_id = improvement.json()["id"]
    refused = client.put(
        f"/api/v1/performance/improvement-rules/{improvement_id}",
        json.dumps({"below_score": None, "ratings": []}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert [error["field"] for error in refused.json()["errors"]] == ["below_score"]
    assert ImprovementRule.objects.get().below_score == Decimal("60.5")
    assert (
        client.delete(f"/api/v1/performance/improvement-rules/{improvement_id}").status_code == 204
    )
    assert not ImprovementRule.objects.exists()


def test_the_rules_read_in_chinese(cast):
    rule = PromotionRule(name="x", ratings=["S", "A"], required=2, of_last=3)
    improvement = ImprovementRule(below_score=Decimal("70.50"), ratings=["D"], consecutive=2)
    with translation.override("zh-hans"):
        assert promotion_rule_words(rule) == "季度：最近 3 个已关闭考核期中至少 2 次评为 S / A"
        assert (
            improvement_rule_words(improvement)
            == "季度：连续 2 个已关闭考核期总分低于 70.5 或评为 D"
        )


def test_the_rules_page_reads_the_same_few_queries_for_any_number_of_rules(cast):
    client = cast.client_for("hr")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("performance:rule_list")).status_code == 200
        return len(captured)

    PromotionRule.objects.create(name="One", ratings=["S"], required=1, of_last=1)
    ImprovementRule.objects.create(below_score=Decimal(60), consecutive=2)
    few = queries()
    for index in range(5):
        PromotionRule.objects.create(name=f"R{index}", ratings=["A"], required=1, of_last=2)
        ImprovementRule.objects.create(ratings=["D"], consecutive=index + 1)
    assert queries() == few


def test_a_rules_page_shows_who_changed_it(cast):
    client = cast.client_for("hr")
    _post(client, "promotion_rule_create", PROMOTION)
    rule = PromotionRule.objects.get()
    _post(client, "promotion_rule_edit", {**PROMOTION, "of_last": "5"}, rule.pk)
    page = client.get(reverse("performance:promotion_rule_edit", args=[rule.pk])).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert cast.hr.display_name in history
    assert "4 → 5" in history
