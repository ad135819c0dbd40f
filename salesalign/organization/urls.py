"""URLs of the organisation app. Two blocks, each kept by the module that owns its views."""

from django.urls import path

from salesalign.organization import import_views, views

app_name = "organization"

# URL prefix and kind of each dimension (the kind is the key of selectors.DIMENSION_MODELS).
DIMENSION_PREFIXES = (
    ("product-lines", "productline"),
    ("regions", "region"),
    ("customer-segments", "customersegment"),
)

urlpatterns = [
    # --- pages block: views.py (org chart, units, people, dimensions) ---
    path("", views.org_chart, name="org_chart"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_update, name="unit_update"),
    path("units/<int:pk>/delete/", views.unit_delete, name="unit_delete"),
    path("people/", views.person_list, name="person_list"),
    path("people/search/", views.person_search, name="person_search"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_update, name="person_update"),
    path("people/<int:pk>/leave/", views.person_leave, name="person_leave"),
    path("people/<int:pk>/rejoin/", views.person_rejoin, name="person_rejoin"),
    path("people/<int:pk>/login/", views.person_login, name="person_login"),
    # The three dimensions share their views; `kind` comes from the URL prefix, so
    # reverse("organization:dimension_detail", kwargs={"kind": "region", "pk": 1}) works.
    *(
        pattern
        for prefix, kind in DIMENSION_PREFIXES
        for pattern in (
            path(f"{prefix}/", views.dimension_list, {"kind": kind}, name=f"{kind}_list"),
            path(f"{prefix}/new/", views.dimension_create, {"kind": kind}, name="dimension_create"),
            path(
                f"{prefix}/<int:pk>/",
                views.dimension_detail,
                {"kind": kind},
                name="dimension_detail",
            ),
            path(
                f"{prefix}/<int:pk>/edit/",
                views.dimension_update,
                {"kind": kind},
                name="dimension_update",
            ),
            path(
                f"{prefix}/<int:pk>/delete/",
                views.dimension_delete,
                {"kind": kind},
                name="dimension_delete",
            ),
        )
    ),
    # --- end pages block ---
    # --- import/export block: import_views.py ---
    path("import/", import_views.import_start, name="import_start"),
    path("import/history/", import_views.import_history, name="import_history"),
    path("import/template.<str:fmt>", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("import/<int:pk>/commit/", import_views.import_commit, name="import_commit"),
    path("import/<int:pk>/result/", import_views.import_result, name="import_result"),
    path("import/<int:pk>/file/", import_views.import_download, name="import_download"),
    path("people/export.<str:fmt>", import_views.person_export, name="person_export"),
    # --- end import/export block ---
]
