"""Settings for every environment, read from environment variables only.

DJANGO_ENV picks the defaults: `development` (the default: SQLite, eager Celery tasks, DEBUG on) or
`production` (refuses to start without SECRET_KEY and ALLOWED_HOSTS; HTTPS-only cookies and HSTS).
Every variable is documented in the README's configuration table.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sellercenter.environment import (
    email_settings_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production")
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
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    # Ordered bottom-up, as the apps depend on each other (see the README's architecture).
    "sellercenter",
    "customers",
    "loyalty",
    "promotions",
    "orders",
    "finance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sellercenter.urls"
WSGI_APPLICATION = "sellercenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Model permissions come from the staff member's role in each shop, not from global groups.
    "sellercenter.auth_backends.ShopRoleBackend",
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "sellercenter" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# --- E-mail -----------------------------------------------------------------------------------------
vars().update(email_settings_from_url(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Seller Center <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production) --------------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- REST API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sellercenter.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sellercenter.api.permissions.ShopAccess"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "sellercenter.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "sellercenter.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "sellercenter.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Seller Center API",
    "DESCRIPTION": (
        "REST API for storefronts and back-office tools. Authenticate with `Authorization: Api-Key <secret>`; "
        "every error answers with one JSON shape: "
        '`{"error": {"code": "...", "message": "...", "fields": {"<field>": ["..."]}}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "GET_MOCK_REQUEST": "sellercenter.api.schema.build_mock_request",
    # Choice sets that several apps' serializers share, or whose field names repeat across apps, get
    # one stable name each instead of a hash-suffixed one.
    "ENUM_NAME_OVERRIDES": {
        "SalesChannelEnum": "customers.models.Channel",
        "MarketingChannelEnum": "customers.models.MarketingChannel",
        "OrderStatusEnum": "orders.models.OrderStatus",
        "PaymentMethodEnum": "orders.models.PaymentMethod",
        "ReturnKindEnum": "orders.models.ReturnKind",
        "ReturnReasonEnum": "orders.models.ReturnReason",
        "CampaignKindEnum": "promotions.models.Kind",
        "CampaignStatusEnum": "promotions.models.Status",
        "PromotionRejectionReasonEnum": "promotions.quotes.Reason",
    },
}

# --- Idempotency ------------------------------------------------------------------------------------
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 48)

# --- Shipping carriers ------------------------------------------------------------------------------
# Fernet key (urlsafe base64 of 32 bytes) that encrypts carrier credentials; derived from SECRET_KEY
# when unset in development, required in production.
SHIPPING_CREDENTIALS_KEY = env_str("SHIPPING_CREDENTIALS_KEY")
if PRODUCTION and not SHIPPING_CREDENTIALS_KEY:
    raise ImproperlyConfigured("SHIPPING_CREDENTIALS_KEY must be set when DJANGO_ENV=production")
# Shipments with no tracking update for this long are asked for their status by the polling job.
SHIPPING_POLL_AFTER_MINUTES = env_int("SHIPPING_POLL_AFTER_MINUTES", 120)
# Seconds a call to a carrier's API may take before it counts as unreachable.
SHIPPING_CARRIER_TIMEOUT = env_int("SHIPPING_CARRIER_TIMEOUT", 10)

# --- Celery -----------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
# Without a broker the demo runs every task in-process, at once (Saleor does the same).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Reliability with a Redis broker:
# - acks_late is NOT the default: a task acknowledged late is redelivered when a worker dies mid-task,
#   so only tasks that are safe to run twice opt in (`acks_late=True` on the task).
# - The visibility timeout is how long Redis waits for an ack before redelivering; it must exceed the
#   longest task and any countdown/ETA, or a slow task would run twice.
# - Prefetch 1: long tasks do not sit reserved behind each other on one busy worker.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = 24 * 3600
# The beat schedule: every periodic job of every app, in one place.
CELERY_BEAT_SCHEDULE = {
    "idempotency-keys-prune": {
        "task": "sellercenter.tasks.idempotency_keys_prune",
        "schedule": 3600.0,
    },
    # Lots expire at any time of day; redemptions never spend expired points, so once a night is enough.
    "loyalty-points-expire": {
        "task": "loyalty.tasks.points_expire_due",
        "schedule": crontab(hour=1, minute=10),
    },
    # Tier periods end at midnight in each shop's own time zone: hourly catches every zone within the hour.
    "loyalty-tiers-reevaluate": {
        "task": "loyalty.tasks.tiers_reevaluate_due",
        "schedule": crontab(minute=20),
    },
    # Events and purchases keep journey stages current during the day; the night pass catches the rest.
    "customers-journey-stages-recompute": {
        "task": "customers.tasks.journey_stages_recompute",
        "schedule": crontab(hour=2, minute=30),
    },
    # Payment timeouts run in minutes (60 by default): a prepaid order waits at most 5 more.
    "orders-expire-unpaid": {
        "task": "orders.tasks.orders_expire_unpaid",
        "schedule": 300.0,
    },
    # Return windows close at the end of a local day: hourly completes orders within the hour.
    "orders-complete-due": {
        "task": "orders.tasks.orders_complete_due",
        "schedule": crontab(minute=40),
    },
    # Carriers' webhooks get lost now and then: ask for the status of shipments that went quiet.
    "orders-shipments-poll": {
        "task": "orders.tasks.shipments_poll",
        "schedule": 900.0,
    },
    # Statement periods end at midnight in each shop's own time zone: hourly closes them within the hour
    # (a line made payable after the end already goes to the next period's statement).
    "finance-statements-close-due": {
        "task": "finance.tasks.statements_close_due",
        "schedule": crontab(minute=5),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # python-barcode announces at INFO on import that it writes no images without Pillow: SVG is all we use.
    "loggers": {"django.db.backends": {"level": "INFO"}, "pyBarcode": {"level": "WARNING"}},
}

# django-import-export: exports through sellercenter.spreadsheet.SpreadsheetSafeResource.
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
