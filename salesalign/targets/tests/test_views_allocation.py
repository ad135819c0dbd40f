"""The allocation wizard: who may use it, a preview in words with its backtest that writes
nothing, the apply, market changes, and wrong inputs named on their field."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from salesalign.targets.choices import TargetMethod
from salesalign.targets.models import AllocationRun, Target
from salesalign.targets.services import plans
from salesalign.targets.tests.pages_world import allocate_down

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def wizard_url(allocated, target=None):
    target = target or allocated.team
    return reverse("targets:allocate", args=[allocated.plan.pk, target.pk])


def post(client, url, *, htmx=False, **data):
    payload = {"axes": ["child"], "method": "history", "history_years": "3", "prior_strength": "10"}
    payload.update(data)
    return client.post(url, payload, **(HTMX if htmx else {}))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("executive", 200),
        ("manager", 200),
        ("hr", 403),
        ("salesperson", 404),  # a draft's team target is not theirs to see
        ("other_manager", 404),
        ("other_salesperson", 404),
        ("outsider", 404),
    ],
)
def test_only_the_team_managers_and_planners_open_the_wizard(world, who, status):
    allocated = allocate_down(world, to_people=False)
    client = world.cast.client_for(who)
    assert client.get(wizard_url(allocated)).status_code == status
    if status != 200:
        before = Target.objects.count()
        assert post(client, wizard_url(allocated), action="apply").status_code == status
        assert Target.objects.count() == before


def test_the_preview_explains_each_line_shows_the_backtest_and_writes_nothing(world):
    allocated = allocate_down(world, to_people=False)
    client = world.cast.client_for("manager")
    before = (Target.objects.count(), AllocationRun.objects.count())
    response = post(client, wizard_url(allocated), htmx=True, action="preview")
    assert response.status_code == 200
    assert response.templates[0].name == "targets/_allocation_preview.html"
    page = response.content.decode()
    preview = response.context["preview"]
    cast = world.cast
    assert [line.label for line in preview.lines] == [
        cast.salesperson.display_name,
        cast.salesperson2.display_name,
    ]
    assert preview.lines[0].value == 3 * preview.lines[1].value  # sold three times as much
    assert "75.0 % of the sales in" in page  # the engine's step in words
    assert 'id="backtest-wape"' in page and "0.0 %" in page
    assert "Sold 2025" in page and "18,000.00" in page  # the history each line stands on
    assert "%(" not in page  # every step and finding is worded, no placeholder left
    assert (Target.objects.count(), AllocationRun.objects.count()) == before


def test_the_preview_shows_the_sales_of_the_years_the_method_splits_by_and_no_other(world):
    # The service reads one year more than the method uses (for the backtest): 2023 was
    # shown as "Sold 2023" beside a split by 2024 and 2025 only.
    allocated = allocate_down(world, to_people=False)
    client = world.cast.client_for("manager")
    response = post(client, wizard_url(allocated), htmx=True, history_years="2")
    page = response.content.decode()
    assert response.context["years"] == [2024, 2025]
    assert "Sold 2024" in page and "Sold 2025" in page and "Sold 2023" not in page
    assert "2024, 2025" in page  # the years the explanation names, the same two
    blend = post(
        client,
        wizard_url(allocated),
        htmx=True,
        method="blend",
        history_years="1",
        blend_history="50",
        blend_equal="50",
    )
    assert blend.context["years"] == [2025]
    equal = post(client, wizard_url(allocated), htmx=True, method="equal")
    assert equal.context["preview"] is not None and equal.context["years"] == []
    assert "Sold 20" not in equal.content.decode()  # an equal split stands on no year


def test_apply_writes_the_lines_records_the_run_and_goes_to_the_cascade(world):
    allocated = allocate_down(world, to_people=False)
    client = world.cast.client_for("manager")
    response = post(client, wizard_url(allocated), action="apply", method="equal")
    assert response.status_code == 302
    assert f"root={allocated.team.pk}" in response.url
    children = list(allocated.team.children.all())
    assert len(children) == 2
    assert {child.method for child in children} == {TargetMethod.EQUAL}
    assert sum(child.amount for child in children) == allocated.team.amount
    run = AllocationRun.objects.filter(parent=allocated.team).latest("pk")
    assert run.method == "equal" and run.created_by == world.cast.manager.user


def test_market_changes_count_along_the_axes_split_along_and_are_explained(world):
    allocated = allocate_down(world, to_people=False)
    client = world.cast.client_for("manager")
    response = post(
        client,
        wizard_url(allocated),
        htmx=True,
        axes=["child", "product_line"],
        method="history_market",
        **{
            f"growth__product_line__{world.hardware.pk}": "10",
            f"growth__product_line__{world.software.pk}": "-20",
            "growth__region__999": "50",  # not an axis of this split: ignored
        },
    )
    preview = response.context["preview"]
    assert preview is not None, response.context["form"].errors
    assert len(preview.lines) == 4  # two people × two product lines
    page = response.content.decode()
    assert "Market change ×1.1 for Hardware." in page
    assert "Market change ×0.8 for Software." in page
    assert "%(" not in page
    factors = {(item.axis, item.value): item.factor for item in preview.params.growth_factors}
    assert factors == {
        ("product_line", world.hardware.pk): Decimal("1.1"),
        ("product_line", world.software.pk): Decimal("0.8"),
    }


def test_the_wizard_starts_from_the_market_changes_entered_before(world):
    from salesalign.targets.services import allocation

    allocated = allocate_down(world, to_people=False)
    cast = world.cast
    hardware, software = world.hardware.pk, world.software.pk
    before = cast.client_for("manager").get(wizard_url(allocated)).context["form"]
    assert before.growth_raw == {} and before["method"].value() == TargetMethod.HISTORY
    # The team split by person and product line, with a market for each product line.
    allocation.allocation_apply(
        actor=cast.executive.user,
        plan=allocated.plan,
        parent=allocated.team,
        axes=["child", "product_line"],
        method="history_market",
        params=allocation.AllocationParams(
            growth_factors=(
                allocation.GrowthFactor("product_line", hardware, Decimal("1.15")),
                allocation.GrowthFactor("product_line", software, Decimal("0.9")),
            )
        ),
    )
    expected = {
        f"growth__product_line__{hardware}": "15",
        f"growth__product_line__{software}": "-10",
    }
    for target in (allocated.team, allocated.other_team):  # its own split; the plan's market
        page = cast.client_for("executive").get(wizard_url(allocated, target))
        form = page.context["form"]
        assert form.growth_raw == expected
        assert form["method"].value() == TargetMethod.HISTORY_MARKET
        html = page.content.decode()
        assert 'id="market-changes" open' in html
        assert f'name="growth__product_line__{hardware}"' in html and 'value="15"' in html


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"year_weights": "1, 2"}, "year_weights", "Give 3 year weights"),
        ({"year_weights": "1, x, 2"}, "year_weights", "a number ≥ 0"),
        ({"ramp": "25, 150"}, "ramp", "from 0 to 100"),
        ({"method": "blend", "blend_history": "70", "blend_capacity": "20"}, None, "total 90"),
        (
            {"method": "history_market", "growth__child__u1": "abc"},
            None,
            "is not a number: “abc”",
        ),
        (
            {"method": "history_market", "growth__child__u1": "-150"},
            None,
            "at least −100",
        ),
        ({"axes": []}, "axes", "required"),
    ],
)
def test_a_wrong_input_is_named_and_nothing_is_written(world, data, field, words):
    allocated = allocate_down(world, to_people=False)
    client = world.cast.client_for("executive")
    before = Target.objects.count()
    response = post(client, wizard_url(allocated), action="apply", **data)
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(words in error for error in errors), form.errors
    assert Target.objects.count() == before
    assert 'id="allocation-errors"' in response.content.decode()


def test_a_growth_factor_for_a_child_counts_when_splitting_by_child(world):
    allocated = allocate_down(world, to_people=False)
    cast = world.cast
    client = cast.client_for("executive")
    response = post(
        client,
        wizard_url(allocated),
        method="history_market",
        **{f"growth__child__p{cast.salesperson2.pk}": "200"},
    )
    preview = response.context["preview"]
    # History gives 3 : 1; tripling the second makes it even.
    assert preview.lines[0].value == preview.lines[1].value


def test_a_bad_market_change_marks_its_own_box_in_an_open_section(world):
    allocated = allocate_down(world, to_people=False)
    name = f"growth__child__p{world.cast.salesperson2.pk}"
    response = post(
        world.cast.client_for("executive"),
        wizard_url(allocated),
        action="apply",
        method="history_market",
        **{name: "xyz"},
    )
    html = response.content.decode()
    assert re.search(rf'class="[^"]*is-invalid[^"]*"[^>]*name="{name}"', html)
    assert 'id="market-changes" open' in html
    assert f"{world.cast.salesperson2.display_name} is not a number: “xyz”" in html


def test_manual_shows_an_input_per_line_and_keeps_the_remainder_visible(world):
    allocated = allocate_down(world, to_people=False)
    cast = world.cast
    client = cast.client_for("manager")
    keys = [f"p{cast.salesperson.pk}", f"p{cast.salesperson2.pk}"]
    first = post(client, wizard_url(allocated), method="manual")
    page = first.content.decode()
    assert all(f'name="manual__{key}"' in page for key in keys)
    second = post(
        client,
        wizard_url(allocated),
        method="manual",
        **{f"manual__{keys[0]}": "100000", f"manual__{keys[1]}": "200000"},
    )
    preview = second.context["preview"]
    assert preview.remainder == allocated.team.value - Decimal("300000")
    assert 'id="preview-remainder"' in second.content.decode()


def test_a_locked_plan_previews_but_never_applies(world):
    allocated = allocate_down(world)
    executive = world.cast.executive.user
    plans.plan_submit_for_negotiation(actor=executive, plan=allocated.plan)
    plans.plan_approve(actor=executive, plan=allocated.plan)
    client = world.cast.client_for("executive")
    response = post(client, wizard_url(allocated), action="apply", method="equal")
    assert response.status_code == 200
    assert 'id="apply-button"' not in response.content.decode()
    assert {child.method for child in allocated.team.children.all()} == {TargetMethod.HISTORY}
