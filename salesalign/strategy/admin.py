"""The Django admin for strategy records: a back office for administrators.

Day-to-day editing goes through the strategy pages (and their services); the
admin is there to inspect and repair. Every change here is audited as well.
"""

from __future__ import annotations

from django.contrib import admin

from salesalign.strategy import models


class CoreValueInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.CoreValue
    extra = 0
    fields = ["position", "name", "explanation"]


@admin.register(models.StrategyEdition)
class StrategyEditionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["year", "status", "published_at", "published_by"]
    list_filter = ["status"]
    search_fields = ["vision", "mission"]
    readonly_fields = ["published_at", "published_by", "created_at", "updated_at"]
    inlines = [CoreValueInline]


@admin.register(models.CoreValue)
class CoreValueAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "edition", "position"]
    list_filter = ["edition"]
    search_fields = ["name", "explanation"]
    list_select_related = ["edition"]


@admin.register(models.StrategicGoal)
class StrategicGoalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "title",
        "metric",
        "baseline_value",
        "baseline_year",
        "target_value",
        "horizon_year",
        "owner",
        "status",
    ]
    list_filter = ["status", "metric", "horizon_year"]
    search_fields = ["title", "description", "custom_metric_name"]
    raw_id_fields = ["owner"]
    list_select_related = ["owner"]


@admin.register(models.TacticalGoal)
class TacticalGoalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "year", "metric", "target_value", "deadline", "owning_unit", "status"]
    list_filter = ["year", "status", "metric"]
    search_fields = ["title", "description", "custom_metric_name"]
    filter_horizontal = ["strategic_goals"]
    list_select_related = ["owning_unit"]


class DocumentAttachmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.DocumentAttachment
    extra = 0


@admin.register(models.StrategyDocument)
class StrategyDocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "kind", "edition", "status", "published_at", "requires_confirmation"]
    list_filter = ["kind", "status", "requires_confirmation"]
    search_fields = ["title", "body"]
    filter_horizontal = ["audience_units"]
    readonly_fields = ["published_at", "published_by", "created_at", "updated_at"]
    inlines = [DocumentAttachmentInline]


@admin.register(models.DocumentAttachment)
class DocumentAttachmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "document", "created_at"]
    search_fields = ["name", "document__title"]
    list_select_related = ["document"]


@admin.register(models.DocumentConfirmation)
class DocumentConfirmationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["document", "person", "confirmed_at"]
    list_filter = ["document"]
    search_fields = ["person__name", "person__name_en", "person__employee_number"]
    list_select_related = ["document", "person"]
    raw_id_fields = ["person"]


@admin.register(models.DocumentQuestion)
class DocumentQuestionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["document", "person", "kind", "created_at", "answered_at"]
    list_filter = ["kind", "document"]
    search_fields = ["text", "answer"]
    list_select_related = ["document", "person"]
    raw_id_fields = ["person", "answered_by"]
