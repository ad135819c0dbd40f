"""SalesAlign settings: one module, read from the environment, safe defaults for the embedded demo."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SALESALIGN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _demo_secret_key() -> str:
    """The embedded demo keeps its own random key under var/, made on first start."""
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


DEBUG = env_bool("DEBUG", False)
_DATABASE_URL = os.environ.get("DATABASE_URL", "")
if os.environ.get("SECRET_KEY"):
    SECRET_KEY = os.environ["SECRET_KEY"]
elif _DATABASE_URL and not _DATABASE_URL.startswith("sqlite"):
    # A shared database means several processes or machines: each would invent its own key
    # and sessions would break at random. Production sets one key for all of them.
    raise ImproperlyConfigured("Set SECRET_KEY (the same value on every web process and worker).")
else:
    SECRET_KEY = _demo_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # First: its templates (registration/password_change_*.html) win over the admin's.
    "salesalign.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "salesalign.core.apps.StaticFilesConfig",  # django.contrib.staticfiles, minus ReDoc
    "django.contrib.humanize",
    "django_htmx",
    "treebeard",
    "auditlog",
    "ninja",
    "huey.contrib.djhuey",
    "salesalign.organization",
    "salesalign.strategy",
    "salesalign.sales",
    "salesalign.targets",
    "salesalign.performance",
    "salesalign.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "salesalign.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "salesalign.core.context_processors.navigation",
            ],
            # A label's colon and a list's commas differ between Chinese and English.
            "builtins": ["salesalign.core.templatetags.punctuation"],
        },
    },
]

# Database: DATABASE_URL selects it (postgres://user@host:5432/name for production);
# the embedded default is SQLite under var/.
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL or f"sqlite:///{VAR_DIR / 'salesalign.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE avoids "database is locked" upgrades.
    # A 64 MB page cache (SQLite's default is 2 MB): a quarter's facts of a large company are
    # read through an index in another order than the table's, page by page again without it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-65536;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it spends 50–100 ms compiling each query whose estimate passes its
    # threshold, and ours answer in milliseconds through indexes (an import's first won
    # orders: 84 ms with it, 9 ms without). Anything else in the URL's options is kept.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: from the browser by default, switchable by the user.
LANGUAGE_CODE = "en"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "salesalign" / "locale"]
# Chinese amounts grouped by thousands, as the English ones (salesalign/formats/zh_Hans).
FORMAT_MODULE_PATH = ["salesalign.formats"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
]
# After `collectstatic` (the demo and production), files are served hashed and compressed;
# before it (tests, development), straight from the installed packages.
_COLLECTED = (STATIC_ROOT / "staticfiles.json").exists() or "collectstatic" in sys.argv
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = not _COLLECTED
WHITENOISE_MANIFEST_STRICT = False
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Email: the demo writes mails to the console; production sets the SMTP variables.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SalesAlign <salesalign@localhost>")

# Behind a proxy that terminates TLS.
if env_bool("SECURE_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

AUDITLOG_INCLUDE_ALL_MODELS = False

# --- task queue block (kept by the import/task-queue work) ---
# huey runs background work (large imports). TASK_QUEUE_URL=redis://host:6379/0 shares the queue
# with workers on other machines (`manage.py run_huey`); without it the queue is a SQLite file
# under var/ and needs no other server. HUEY_IMMEDIATE=1 runs every task inline (tests, debugging).
TASK_QUEUE_URL = os.environ.get("TASK_QUEUE_URL", "")
TASK_QUEUE_NAME = os.environ.get("TASK_QUEUE_NAME", "salesalign")
_HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if TASK_QUEUE_URL.startswith(("redis://", "rediss://")):
    from huey import RedisHuey

    HUEY = RedisHuey(TASK_QUEUE_NAME, url=TASK_QUEUE_URL, immediate=_HUEY_IMMEDIATE)
else:
    from huey import SqliteHuey

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = SqliteHuey(
        TASK_QUEUE_NAME, filename=str(VAR_DIR / "tasks.sqlite3"), immediate=_HUEY_IMMEDIATE
    )
# Imports with more data rows than this are checked and committed by a worker, with a progress bar.
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", "5000"))
# Closing a period for more active people than this is computed by a worker; the page waits.
CLOSE_BACKGROUND_PEOPLE = int(os.environ.get("CLOSE_BACKGROUND_PEOPLE", "2000"))
# --- end task queue block ---

# The company's currency (orders in it by default) and the first month of its fiscal year.
COMPANY_CURRENCY = os.environ.get("COMPANY_CURRENCY", "CNY")
FISCAL_YEAR_START_MONTH = int(os.environ.get("FISCAL_YEAR_START_MONTH", "1"))
# Salespeople see their rank in the team and department on their scorecard (managers always do).
LEADERBOARDS_ENABLED = env_bool("LEADERBOARDS_ENABLED", False)
# A choice of more people than this is searched as one types, not sent whole with the form.
PEOPLE_SELECT_LIMIT = int(os.environ.get("PEOPLE_SELECT_LIMIT", "200"))
# A select of more choices than this (units, dimension values, people) gets a search box.
SEARCHABLE_SELECT_FROM = int(os.environ.get("SEARCHABLE_SELECT_FROM", "30"))
# Weekly targets: "" (none), "days" (a month's target spread over its weeks by calendar days)
# or "weekdays" (by Monday–Friday only).
TARGET_WEEKS = os.environ.get("TARGET_WEEKS", "").strip().lower()
if TARGET_WEEKS not in ("", "days", "weekdays"):
    raise ImproperlyConfigured("TARGET_WEEKS is empty, days or weekdays.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
