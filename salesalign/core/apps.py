from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "salesalign.core"
    label = "core"
    verbose_name = _("Core")


class StaticFilesConfig(BaseStaticFilesConfig):
    """`django.contrib.staticfiles`, collecting all but django-ninja's ReDoc bundle: the API docs
    are Swagger UI, and that bundle points at a logo on cdn.redoc.ly. Nothing we serve reaches
    for the internet; `collectstatic` leaves it out wherever it runs."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "redoc.standalone.js*"]
