"""The Django admin for performance: a back office to inspect periods, feedback and actions.

The 360° answers and invitations are not in the admin on purpose: an answer row
in a group of one would show an administrator what that one person answered.
"""

from __future__ import annotations

from django.contrib import admin

from salesalign.performance import models


class PeriodReopeningInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.PeriodReopening
    extra = 0
    fields = ["version", "previous_status", "reason", "reopened_by", "reopened_at"]
    readonly_fields = ["version", "previous_status", "reason", "reopened_by", "reopened_at"]
    can_delete = False


@admin.register(models.EvaluationPeriod)
class EvaluationPeriodAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["key", "kind", "start", "end", "status", "version", "closed_at", "published_at"]
    list_filter = ["kind", "status", "fiscal_year"]
    readonly_fields = ["created_at", "updated_at", "closed_at", "published_at"]
    list_select_related = ["closed_by", "published_by"]
    inlines = [PeriodReopeningInline]


@admin.register(models.Feedback)
class FeedbackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["period", "person", "kind", "author", "rating", "status", "submitted_at"]
    list_filter = ["kind", "status", "period"]
    search_fields = ["person__name", "person__employee_number"]
    raw_id_fields = ["period", "person", "author"]
    list_select_related = ["period", "person", "author"]


class RoundQuestionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.RoundQuestion
    extra = 0
    fields = ["position", "text"]


@admin.register(models.FeedbackRound)
class FeedbackRoundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["person", "period", "status", "opened_by", "closed_at"]
    list_filter = ["status", "period"]
    raw_id_fields = ["person", "period"]
    list_select_related = ["person", "period", "opened_by"]
    readonly_fields = ["created_at", "updated_at", "closed_at"]
    inlines = [RoundQuestionInline]


@admin.register(models.ImprovementAction)
class ImprovementActionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "owner", "due_on", "status", "person", "unit"]
    list_filter = ["status"]
    search_fields = ["title", "owner__name"]
    raw_id_fields = ["owner", "feedback", "round", "retrospective", "person", "unit"]
    list_select_related = ["owner", "person", "unit"]


@admin.register(models.Retrospective)
class RetrospectiveAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["unit", "period", "written_by", "updated_at"]
    list_filter = ["period"]
    raw_id_fields = ["unit", "period"]
    list_select_related = ["unit", "period", "written_by"]
