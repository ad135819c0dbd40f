"""The targets pages in Simplified Chinese: every page renders, and speaks Chinese."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from salesalign.targets.services import negotiation, plans
from salesalign.targets.tests.pages_world import allocate_down

pytestmark = pytest.mark.django_db


def test_every_targets_page_renders_in_chinese(world):
    cast = world.cast
    allocated = allocate_down(world)
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=allocated.plan)
    [proposal, *_rest] = negotiation.proposal_publish(
        actor=cast.manager.user, plan=allocated.plan, parent=allocated.team
    )
    negotiation.proposal_counter(
        actor=proposal.target.person.user, proposal=proposal, value="1000", reason="太高"
    )
    plan, team = allocated.plan.pk, allocated.team.pk
    pages = {
        reverse("targets:plan_list"): "创建该年度的目标",
        reverse("targets:plan_detail", args=[plan]): "公司目标",
        reverse("targets:plan_diff", args=[plan]): "版本对比",
        reverse("targets:cascade", args=[plan]) + f"?root={team}": "待分配",
        reverse("targets:cascade", args=[plan]) + f"?root={team}&view=product_lines": "按产品线",
        reverse("targets:allocate", args=[plan, team]): "分解对象",
        reverse("targets:plan_negotiation", args=[plan]): "反建议的影响",
        reverse("targets:target_detail", args=[proposal.target.pk]): "协商记录",
        reverse("targets:my_targets"): "我的目标",
        reverse("targets:person_targets", args=[cast.salesperson.pk]): "目标与战略视线",
        reverse("notifications"): "通知",
    }
    client = cast.client_for("executive")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    for url, words in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert words in response.content.decode(), url
    detail = client.get(reverse("targets:target_detail", args=[proposal.target.pk])).content
    months = detail.decode().split('id="target-months"')[1].split("</table>")[0]
    # What was sold before, a year at a time, without a second colon (以往销售：2023：…).
    assert "以往销售：2023 年 18,000.00 · 2024 年 18,000.00 · 2025 年" in detail.decode()
    cascade = client.get(reverse("targets:cascade", args=[plan]) + f"?root={team}").content
    assert "第1季度" in cascade.decode() and ">Q1<" not in cascade.decode()
    # A month as Chinese writes it, not "一月 2026".
    assert "<td>2026年1月</td>" in months and "一月" not in months
    wizard = client.get(reverse("targets:allocate", args=[plan, team])).content.decode()
    assert 'id="allocate-title">分解：' in wizard  # not 分解 上海团队
    preview = client.post(
        reverse("targets:allocate", args=[plan, team]),
        {"axes": ["child"], "method": "history", "history_years": "3", "prior_strength": "10"},
    )
    page = preview.content.decode()
    assert "回测" in page and "%(" not in page
