"""URLs of the sales app. Each part keeps its own block."""

from django.urls import path

app_name = "sales"

urlpatterns: list = []

# --- S5 pages block ---
from salesalign.sales.views import pages  # noqa: E402

urlpatterns += [
    path("customers/", pages.customer_list, name="customer_list"),
    path("customers/new/", pages.customer_create, name="customer_create"),
    path("customers/<int:pk>/", pages.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", pages.customer_update, name="customer_update"),
    path(
        "customers/<int:pk>/survey-link/", pages.customer_survey_link, name="customer_survey_link"
    ),
    path("orders/", pages.order_list, name="order_list"),
    path("orders/new/", pages.order_create, name="order_create"),
    path("orders/<int:pk>/", pages.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", pages.order_update, name="order_update"),
    path("orders/<int:pk>/delete/", pages.order_delete, name="order_delete"),
    path("satisfaction/", pages.satisfaction_list, name="satisfaction_list"),
    path("satisfaction/new/", pages.satisfaction_create, name="satisfaction_create"),
    path("survey/<str:token>/", pages.survey_answer, name="survey_answer"),
]
# --- end S5 pages block ---

# --- S2 import block ---
from salesalign.sales import import_views  # noqa: E402

urlpatterns += [
    path("import/", import_views.import_start, name="import_start"),
    path("import/history/", import_views.import_history, name="import_history"),
    path(
        "import/template/<slug:kind>.<str:fmt>",
        import_views.import_template,
        name="import_template",
    ),
    path("import/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("import/<int:pk>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("import/<int:pk>/commit/", import_views.import_commit, name="import_commit"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:pk>/file/", import_views.import_download, name="import_download"),
    path(
        "import/<int:pk>/errors.<str:fmt>",
        import_views.import_errors_download,
        name="import_errors_download",
    ),
    path("orders/export.<str:fmt>", import_views.order_export, name="order_export"),
    path("customers/export.<str:fmt>", import_views.customer_export, name="customer_export"),
]
# --- end S2 import block ---

# --- S3 actuals block ---
from salesalign.sales.views import actuals as actuals_views  # noqa: E402

urlpatterns += [
    path("actuals/", actuals_views.actuals, name="actuals"),
    path("actuals/block/", actuals_views.actuals_block, name="actuals_block"),
]
# --- end S3 actuals block ---

# --- exchange rates ---
from salesalign.sales.views import rates as rates_views  # noqa: E402

urlpatterns += [
    path("exchange-rates/", rates_views.exchange_rates, name="exchange_rates"),
    path(
        "exchange-rates/<int:pk>/delete/",
        rates_views.exchange_rate_delete,
        name="exchange_rate_delete",
    ),
]
