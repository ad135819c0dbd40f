"""URLs of the organisation app. Two blocks, each kept by the module that owns its views."""

from django.urls import path

from salesalign.organization import import_views, views

app_name = "organization"

urlpatterns = [
    # --- pages block: views.py (org chart, units, people, dimensions) ---
    path("", views.org_chart, name="org_chart"),
    path("people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("product-lines/", views.dimension_list, {"kind": "productline"}, name="productline_list"),
    path("regions/", views.dimension_list, {"kind": "region"}, name="region_list"),
    path(
        "customer-segments/",
        views.dimension_list,
        {"kind": "customersegment"},
        name="customersegment_list",
    ),
    # --- end pages block ---
    # --- import/export block: import_views.py ---
    path("import/", import_views.import_start, name="import_start"),
    path("people/export.<str:fmt>", import_views.person_export, name="person_export"),
    # --- end import/export block ---
]
