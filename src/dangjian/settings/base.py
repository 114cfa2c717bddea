"""Settings shared by every environment; each value that differs between machines comes from
the environment (12-factor), so one code base serves the demo, the tests and production."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url

from dangjian.access.validators import password_validators

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The project root holds var/ (the embedded SQLite database, uploads) when run from a checkout.
PROJECT_DIR = Path(os.environ.get("DANGJIAN_HOME", PACKAGE_DIR.parent.parent)).resolve()
VAR_DIR = PROJECT_DIR / "var"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "dangjian.core",
    "dangjian.access",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.orglife",
    "dangjian.recruitment",
    "dangjian.dues",
    "dangjian.terms",
    "dangjian.ledger",
    "dangjian.assessment",
    "dangjian.notifications",
    "dangjian.io",
    "dangjian.dashboards",
    "dangjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dangjian.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before any view-phase hook (the CSRF check reads the body): refuses oversized bodies unread.
    "dangjian.io.uploads.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dangjian.core.middleware.RequestContextMiddleware",
    "dangjian.core.middleware.NulCharacterGuardMiddleware",
    # Outside the login steps, so the 403s they give are logged as refused too.
    "dangjian.access.middleware.RefusalAuditMiddleware",
    # Second factor, then a forced password change, before any page or API call.
    "dangjian.access.middleware.LoginStepsMiddleware",
    # Last, as django-axes asks: it turns a flagged login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.core.context_processors.platform",
                "dangjian.notifications.context_processors.notifications",
            ],
        },
    },
]


def database_from_env() -> dict:
    default_sqlite = f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}"
    if "DATABASE_URL" not in os.environ:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    config = dj_database_url.parse(os.environ.get("DATABASE_URL", default_sqlite), conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the
        # start of a transaction so two writers queue on busy_timeout instead of failing mid-way.
        config["OPTIONS"] = {
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# dengbao (等保 2.0, the default) or asvs (OWASP ASVS 5.0): see dangjian.access.validators.
PASSWORD_POLICY = os.environ.get("PASSWORD_POLICY", "dengbao")
AUTH_PASSWORD_VALIDATORS = password_validators(PASSWORD_POLICY)
# 等保 asks for a new password at least every 90 days; under asvs passwords never expire
# whatever this says (dangjian.access.policy). 0 switches rotation off.
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", 90))

# TOTP second factor (django-otp) for superusers, the three administrative roles and grants
# above county level: organizations at a depth smaller than DANGJIAN_COUNTY_DEPTH (1 when the tree
# starts at the 县委, 3 when it starts at the province).
DANGJIAN_OTP_REQUIRED = env_bool("DANGJIAN_OTP_REQUIRED", True)
DANGJIAN_COUNTY_DEPTH = int(os.environ.get("DANGJIAN_COUNTY_DEPTH", 1))
OTP_TOTP_ISSUER = os.environ.get("DANGJIAN_SITE_TITLE", "党建工作平台")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# whitenoise warns on every start when STATIC_ROOT is missing, even though it serves from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (demo and tests) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = True

# django-axes checks for a lockout before any password is compared.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
# Per user name and address together: a stranger elsewhere cannot lock a colleague out by
# typing wrong passwords for that name, and one address cannot go on guessing one account.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Idle timeout: every request pushes the expiry forward, so a session ends after this many
# minutes without a request (等保 2.0 asks for idle sessions to be ended).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", 30))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Uploads: a county roster is a few MB; refuse anything absurd before it is parsed
# (dangjian/io/uploads.py). Form fields besides files stay small; files above 5 MB go to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
# What an .xlsx/.ods may inflate to (all its parts together): the zip-bomb limit.
IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024))
# Any request body beyond this is answered 413 before it is read: the largest file plus the form.
UPLOAD_MAX_REQUEST_BYTES = IMPORT_MAX_UPLOAD_BYTES + 1024 * 1024

REST_FRAMEWORK = {
    # Token first: DRF answers an unauthenticated request with the first class's challenge, so
    # API clients get 401 with "WWW-Authenticate: Token" instead of a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dangjian.access.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dangjian.core.api.exception_handler",
}
# django-filter's blank choice of every filter form ("---------" by default).
FILTERS_EMPTY_CHOICE_LABEL = "全部"

SPECTACULAR_SETTINGS = {
    "TITLE": "党建平台 API",
    "DESCRIPTION": "党组织与党员的读写接口；每个请求只能看到和修改授权范围内的数据。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed package: the servers have no internet for a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Organizations and members both have a "status" and a "kind": name each enum after its own.
    "ENUM_NAME_OVERRIDES": {
        "OrgKindEnum": "dangjian.orgs.choices.OrgKind",
        "OrgStatusEnum": "dangjian.orgs.choices.OrgStatus",
        "MemberStatusEnum": "dangjian.members.choices.MemberStatus",
        "MemberEventKindEnum": "dangjian.members.choices.EventKind",
    },
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Platform-specific settings.
# Where reminders go besides the in-app list: import paths of classes with send(notification).
NOTIFICATION_SENDERS = env_list("NOTIFICATION_SENDERS", "dangjian.notifications.senders.LoggingSender")
DANGJIAN_SITE_TITLE = os.environ.get("DANGJIAN_SITE_TITLE", "党建工作平台")
# Months the audit and access logs are kept before `dangjian audit-prune` may remove them.
AUDIT_RETENTION_MONTHS = int(os.environ.get("AUDIT_RETENTION_MONTHS", 6))
# Keys for ID and phone numbers at rest, "id:base64,..." with the current key first (see
# dangjian.core.crypto). Unset, the demo and tests use public dev-only keys; prod.py refuses that.
DANGJIAN_DATA_KEYS = os.environ.get("DANGJIAN_DATA_KEYS", "")
DANGJIAN_HASH_KEYS = os.environ.get("DANGJIAN_HASH_KEYS", "")
