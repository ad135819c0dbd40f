"""The Django admin for targets: a back office to inspect plans, targets and the negotiation.

Targets are made by the services (allocation, negotiation); the admin is there
to look and repair, and every change here is audited as well.
"""

from __future__ import annotations

from django.contrib import admin

from salesalign.targets import models


@admin.register(models.TargetPlan)
class TargetPlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["fiscal_year", "version", "status", "created_by", "approved_by", "approved_at"]
    list_filter = ["status", "fiscal_year"]
    search_fields = ["reason"]
    readonly_fields = ["created_at", "updated_at", "submitted_at", "approved_at"]
    list_select_related = ["created_by", "approved_by"]


class TargetPeriodInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.TargetPeriod
    extra = 0
    fields = ["month", "amount", "level"]


@admin.register(models.Target)
class TargetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["plan", "metric", "slice_key", "amount", "level", "method", "created_by"]
    list_filter = ["plan", "metric", "method"]
    search_fields = ["slice_key", "person__name", "unit__name"]
    raw_id_fields = [
        "plan",
        "unit",
        "person",
        "product_line",
        "region",
        "segment",
        "parent",
        "tactical_goal",
        "allocation_run",
    ]
    readonly_fields = ["slice_key", "created_at", "updated_at"]
    list_select_related = ["plan", "created_by"]
    inlines = [TargetPeriodInline]


@admin.register(models.AllocationRun)
class AllocationRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["plan", "parent", "method", "line_count", "created_by", "created_at"]
    list_filter = ["method"]
    raw_id_fields = ["plan", "parent"]
    readonly_fields = ["created_at"]


@admin.register(models.SeasonalityProfile)
class SeasonalityProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["plan", "metric", "product_line", "source", "created_by"]
    list_filter = ["source", "metric"]
    raw_id_fields = ["plan", "product_line"]


class CounterproposalInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.Counterproposal
    extra = 0
    fields = ["amount", "level", "reason", "status", "created_by", "decided_by"]
    raw_id_fields = ["created_by", "decided_by"]


@admin.register(models.TargetProposal)
class TargetProposalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["target", "status", "proposed_amount", "final_amount", "published_at"]
    list_filter = ["status", "plan"]
    raw_id_fields = ["plan", "target", "parent"]
    inlines = [CounterproposalInline]


@admin.register(models.TargetMessage)
class TargetMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["target", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["text"]
    raw_id_fields = ["target", "proposal"]
