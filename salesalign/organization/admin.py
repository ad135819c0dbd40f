"""The Django admin for the organisation: a fallback for superusers, not the main editing path.

The product's own pages and API go through the services (rules, audit); the
Django admin writes models directly, so it is kept for repairs by superusers.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from salesalign.organization.models import CustomerSegment, OrgUnit, Person, ProductLine, Region


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin):
    form = movenodeform_factory(
        OrgUnit, fields=["code", "name", "name_en", "kind", "manager", "is_active"]
    )
    list_display = ["name", "code", "kind", "manager", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["manager"]
    list_select_related = ["manager"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "employee_number",
        "name",
        "name_en",
        "unit",
        "title",
        "level",
        "role",
        "is_active",
    ]
    list_filter = ["role", "is_active", "level"]
    search_fields = ["employee_number", "name", "name_en", "email", "phone"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]
    list_select_related = ["unit"]
    date_hierarchy = "hire_date"
    fieldsets = [
        (
            None,
            {"fields": ["employee_number", "name", "name_en", "unit", "title", "level", "role"]},
        ),
        (_("Contact"), {"fields": ["email", "phone", "wecom_id", "dingtalk_id", "feishu_id"]}),
        (_("Employment"), {"fields": ["hire_date", "is_active", "left_on", "user"]}),
    ]


class DimensionAdmin(TreeAdmin):
    list_display = ["name", "code", "name_en", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]


for _model in (ProductLine, Region, CustomerSegment):
    admin.site.register(
        _model,
        type(
            f"{_model.__name__}Admin",
            (DimensionAdmin,),
            {
                "form": movenodeform_factory(
                    _model, fields=["code", "name", "name_en", "description", "is_active"]
                )
            },
        ),
    )
