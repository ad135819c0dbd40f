"""The Django admin for sales records: a window for superusers, not the way to enter sales.

Orders are written only through `services.orders_upsert` (which rebuilds the
facts and first won orders); editing them here would leave those stale, so
orders, facts, answers and survey links are read-only. Customers can be
repaired here (their derived first won order stays read-only).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from salesalign.sales.models import (
    Customer,
    ImportMapping,
    Order,
    OrderCredit,
    OrderLine,
    SalesFact,
    SatisfactionResponse,
    SurveyInvitation,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Shows records; adding, changing and deleting go through the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "code",
        "name",
        "name_en",
        "segment",
        "region",
        "owner",
        "first_won_on",
        "is_active",
    ]
    list_filter = ["is_active", "segment", "region", "source"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["owner"]
    list_select_related = ["segment", "region", "owner"]
    readonly_fields = ["first_won_on", "first_won_order", "created_at", "updated_at"]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["position", "product_line", "quantity", "amount", "cost"]


class OrderCreditInline(ReadOnlyInline):
    model = OrderCredit
    fields = ["salesperson", "unit", "share"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "source", "customer", "ordered_on", "status", "currency"]
    list_filter = ["status", "source", "currency"]
    search_fields = ["external_id", "customer__code", "customer__name"]
    list_select_related = ["customer"]
    date_hierarchy = "ordered_on"
    inlines = [OrderLineInline, OrderCreditInline]


@admin.register(SalesFact)
class SalesFactAdmin(ReadOnlyAdmin):
    list_display = [
        "order",
        "month",
        "person",
        "unit",
        "product_line",
        "revenue_cents",
        "cost_cents",
    ]
    list_filter = ["month"]
    list_select_related = ["order", "person", "unit", "product_line"]
    search_fields = ["order__external_id", "person__employee_number"]


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(ReadOnlyAdmin):
    list_display = ["customer", "salesperson", "scale", "score", "channel", "responded_on"]
    list_filter = ["scale", "channel"]
    search_fields = ["customer__code", "customer__name", "salesperson__employee_number"]
    list_select_related = ["customer", "salesperson"]
    date_hierarchy = "responded_on"


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "customer",
        "salesperson",
        "scale",
        "sent_by",
        "created_at",
        "expires_at",
        "used_at",
    ]
    list_filter = ["scale"]
    search_fields = ["customer__code", "customer__name", "salesperson__employee_number"]
    list_select_related = ["customer", "salesperson", "sent_by"]
    exclude = ["token_hash"]


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["kind", "source", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["source"]
