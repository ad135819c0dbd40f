"""URL map: one prefix per app, the API under /api/v1."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from config.api import api

urlpatterns = [
    path("", include("salesalign.dashboards.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/", include("salesalign.core.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("i18n/catalog.js", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("org/", include("salesalign.organization.urls")),
    path("strategy/", include("salesalign.strategy.urls")),
    path("sales/", include("salesalign.sales.urls")),
    path("targets/", include("salesalign.targets.urls")),
    path("performance/", include("salesalign.performance.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
