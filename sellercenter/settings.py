"""Settings for every environment, read from environment variables only.

DJANGO_ENV picks the defaults: `development` (the default: SQLite, eager Celery tasks, DEBUG on) or
`production` (refuses to start without SECRET_KEY and ALLOWED_HOSTS; HTTPS-only cookies and HSTS).
Every variable is documented in the README's configuration table.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from sellercenter.environment import (
    cache_settings_from_url,
    email_settings_from_url,
    env_bool,
    env_float,
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
    # The admin theme: before django.contrib.admin, whose templates it replaces (assets ship with it).
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "unfold.contrib.import_export",
    # django.contrib.admin with the project's site (unfold's, see sellercenter/admin_site.py).
    "sellercenter.admin_site.SellerCenterAdminConfig",
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
    "axes",
    "csp",
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
    # Before CSRF and sessions: it refuses an oversized body before anything reads it.
    "sellercenter.api.middleware.ApiEdgeMiddleware",
    "sellercenter.db_router.PrimaryAfterWriteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sellercenter.formatting.ShopLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sellercenter.headers.ContentSecurityPolicyMiddleware",
    "sellercenter.headers.PermissionsPolicyMiddleware",
    # Last: it turns a login locked out by the backend below into its own answer.
    "axes.middleware.AxesMiddleware",
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
# Streaming replicas of the primary (PostgreSQL), for reads that tolerate lag: see sellercenter/db_router.py.
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS")):
    DATABASES[f"replica_{_index}"] = dj_database_url.parse(
        _url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
# Behind PgBouncer in transaction mode a client's statements may run on different server connections:
# no server-side cursors (Django's iterator() falls back to client-side chunks) and no prepared
# statements. Advisory locks are transaction-scoped already.
DATABASE_POOL_MODE = env_str("DATABASE_POOL_MODE", "session")
if DATABASE_POOL_MODE not in {"session", "transaction"}:
    raise ImproperlyConfigured(f"DATABASE_POOL_MODE must be 'session' or 'transaction', not {DATABASE_POOL_MODE!r}")
# Prepared statements (PostgreSQL, session mode): the parameters travel apart from the SQL (server-side
# binding) and psycopg prepares a statement the fifth time a connection runs it, so PostgreSQL plans it
# once per connection instead of on every run. A statement on the behaviour events, partitioned by
# month, is planned for every partition: the journey stage after a purchase takes half the time
# prepared (README). Django's client-side binding (its default) sends every statement as new text,
# which PostgreSQL must plan again.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True) and DATABASE_POOL_MODE == "session"
PREPARE_THRESHOLD = 5
for _database in DATABASES.values():
    if _database["ENGINE"] != "django.db.backends.postgresql":
        continue
    if DATABASE_POOL_MODE == "transaction":
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
    if DATABASE_PREPARED_STATEMENTS:
        _database.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=PREPARE_THRESHOLD)
    else:
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None
DATABASE_ROUTERS = ["sellercenter.db_router.ReplicaRouter"]
DATABASE_REPLICA_ROUTING = env_bool("DATABASE_REPLICA_ROUTING", True)
DATABASE_REPLICA_MAX_LAG_SECONDS = env_float("DATABASE_REPLICA_MAX_LAG_SECONDS", 5.0)
DATABASE_REPLICA_CHECK_SECONDS = env_float("DATABASE_REPLICA_CHECK_SECONDS", 5.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Model permissions come from the staff member's role in each shop, not from global groups.
    "sellercenter.auth_backends.ShopRoleBackend",
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "sellercenter" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# One rule for dates and numbers, whatever the language: sellercenter/formats/<lang>/formats.py.
FORMAT_MODULE_PATH = ["sellercenter.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = env_str("MEDIA_URL", "media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# --- Admin theme (django-unfold) ---------------------------------------------------------------------
UNFOLD = {
    "SITE_TITLE": _("Seller Center"),
    "SITE_HEADER": _("Seller Center"),
    "SITE_SYMBOL": "storefront",
    # "View site" leads to the seller's home: the project has no public site.
    "SITE_URL": "/admin/",
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": False,
    "DASHBOARD_CALLBACK": "sellercenter.insights.admin_home.dashboard",
    "STYLES": [lambda request: static("sellercenter/admin.css")],
    "SCRIPTS": [lambda request: static("sellercenter/autofocus.js")],
    "SIDEBAR": {"show_search": True, "navigation": "sellercenter.insights.admin_home.navigation"},
    # Orange, the colour of the shop's own orders: Tailwind's orange scale.
    "COLORS": {
        "primary": {
            "50": "#fff7ed",
            "100": "#ffedd5",
            "200": "#fed7aa",
            "300": "#fdba74",
            "400": "#fb923c",
            "500": "#f97316",
            "600": "#ea580c",
            "700": "#c2410c",
            "800": "#9a3412",
            "900": "#7c2d12",
            "950": "#431407",
        },
    },
}

# --- E-mail -----------------------------------------------------------------------------------------
vars().update(email_settings_from_url(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Seller Center <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Journeys and message channels --------------------------------------------------------------------
# Where tracked links, the open pixel and one-click unsubscribe point (this site, as customers reach it).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
# Web Push (VAPID, RFC 8292): `manage.py vapid_keys` prints a pair; the storefront subscribes browsers
# with the public key.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:no-reply@localhost")
# The SMS / Zalo ZNS gateway: every message is POSTed here, signed with the secret.
MESSAGE_WEBHOOK_URL = env_str("MESSAGE_WEBHOOK_URL")
MESSAGE_WEBHOOK_SECRET = env_str("MESSAGE_WEBHOOK_SECRET")
MESSAGE_WEBHOOK_ATTEMPTS = env_int("MESSAGE_WEBHOOK_ATTEMPTS", 3)
MESSAGE_WEBHOOK_BACKOFF_SECONDS = float(env_str("MESSAGE_WEBHOOK_BACKOFF_SECONDS", "1"))
# An order within this many days of a click on a journey message is credited to that message.
JOURNEY_ATTRIBUTION_DAYS = env_int("JOURNEY_ATTRIBUTION_DAYS", 5)
# Enrolments one runner transaction takes (SELECT ... FOR UPDATE SKIP LOCKED).
JOURNEY_BATCH_SIZE = env_int("JOURNEY_BATCH_SIZE", 200)

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

# --- Content-Security-Policy and Permissions-Policy (every page) -------------------------------------
# One block to extend: the admin and the API docs (Swagger UI and Redoc from drf-spectacular-sidecar,
# served from STATIC_URL) run under it. No inline script anywhere: Swagger UI's start-up script is
# served as a file (SpectacularSwaggerSplitView). Inline styles are allowed, because the admin's
# widgets and Redoc set style attributes; they cannot run code. Redoc parses the schema in a blob: worker.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# What a path prefix adds to the policy above. The admin (django-unfold) runs Alpine.js, whose standard
# build evaluates its x-data/@click attributes with `new Function`: that needs 'unsafe-eval' (still no
# inline <script>). Swap in Alpine's CSP build to drop it.
CONTENT_SECURITY_POLICY_PATH_UPDATES = {
    "/admin/": {"script-src": ["'unsafe-eval'"]},
}
# Nothing here uses a device or a browser feature beyond the page itself.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# --- Admin login lockout (django-axes) --------------------------------------------------------------
# After ADMIN_LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is
# locked out for ADMIN_LOGIN_LOCKOUT_MINUTES (even with the right password); `manage.py axes_reset`
# (or axes_reset_username <name>) unlocks at once. A successful login clears the count.
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ADMIN_LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- REST API ---------------------------------------------------------------------------------------
API_NUM_PROXIES = env_int("API_NUM_PROXIES", 0)
if API_NUM_PROXIES < 0:
    raise ImproperlyConfigured("API_NUM_PROXIES must be 0 or more")
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
    # JSON only: no endpoint takes a file, and form encodings cannot carry nested bodies.
    "DEFAULT_PARSER_CLASSES": ["sellercenter.api.parsers.JSONParser"],
    "DEFAULT_METADATA_CLASS": "sellercenter.api.metadata.ApiMetadata",
    # The per-address limit is checked first of all, by sellercenter.api.middleware.
    "DEFAULT_THROTTLE_CLASSES": [
        "sellercenter.api.throttling.KeyRateThrottle",
        "sellercenter.api.throttling.GuessRateThrottle",
    ],
    # Proxies in front of the app that append to X-Forwarded-For: the client address is the one the
    # nearest of them saw. 0 (no proxy): the connection's own address, whatever the header says. (Not
    # None: DRF then takes the whole header, which the client writes, as its address.)
    "NUM_PROXIES": API_NUM_PROXIES,
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sellercenter.api.schema.alternatives_as_any_of",
    ],
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
        "JourneyStepKindEnum": "promotions.models.StepKind",
        "CampaignStatusEnum": "promotions.models.Status",
        "PromotionRejectionReasonEnum": "promotions.quotes.Reason",
    },
}

# --- API input limits -------------------------------------------------------------------------------
# Bytes a request body may have, unless the view says otherwise (the events batch has its own).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 256 * 1024)
API_EVENTS_MAX_BODY_BYTES = env_int("API_EVENTS_MAX_BODY_BYTES", 4 * 1024 * 1024)
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
# Django's own cap on a body read into memory must not be below the largest API limit.
# A catalogue image's file, and the JSON body that uploads it (the file as base64, 4 characters for
# every 3 bytes, and the other fields).
CATALOGUE_IMAGE_MAX_BYTES = env_int("CATALOGUE_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
API_IMAGE_MAX_BODY_BYTES = CATALOGUE_IMAGE_MAX_BYTES * 4 // 3 + 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = max(API_MAX_BODY_BYTES, API_EVENTS_MAX_BODY_BYTES, API_IMAGE_MAX_BODY_BYTES, 2_621_440)
CSRF_FAILURE_VIEW = "sellercenter.api.exceptions.csrf_failure"

# --- Rate limits (sellercenter.api.throttling), counted in the cache --------------------------------
CACHES = cache_settings_from_url(env_str("CACHE_URL", "locmem://"))
API_RATE_PER_ADDRESS = env_str("API_RATE_PER_ADDRESS", "1200/minute")
API_RATE_PER_KEY = env_str("API_RATE_PER_KEY", "600/minute")
API_RATE_VOUCHER_VALIDATE = env_str("API_RATE_VOUCHER_VALIDATE", "30/minute")
API_RATE_QUOTE = env_str("API_RATE_QUOTE", "120/minute")
for _name in ("API_RATE_PER_ADDRESS", "API_RATE_PER_KEY", "API_RATE_VOUCHER_VALIDATE", "API_RATE_QUOTE"):
    # "<count>/<second|minute|hour|day>" (DRF reads the first letter), or empty for no limit.
    if globals()[_name] and not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must be a count per second, minute, hour or day, e.g. 600/minute")

# --- Behaviour events -------------------------------------------------------------------------------
# How long behaviour events are kept: older months are dropped whole (partitions on PostgreSQL), and
# the API refuses events older than that.
EVENTS_RETENTION_MONTHS = env_int("EVENTS_RETENTION_MONTHS", 24)
if EVENTS_RETENTION_MONTHS < 1:
    raise ImproperlyConfigured("EVENTS_RETENTION_MONTHS must be at least 1")

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
# - Every task is safe to run twice (keyed by its outbox row or its job), so every task is acknowledged
#   when done: a worker that dies mid-task gets it redelivered instead of losing it.
# - The visibility timeout is how long Redis waits for an ack before redelivering; it must exceed the
#   longest task and any countdown/ETA, or a slow task would run twice.
# - Prefetch 1: long tasks do not sit reserved behind each other on one busy worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # A broker that does not answer must not hold a web request for long: the outbox keeps the work.
    "socket_connect_timeout": 2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = 24 * 3600
# The transactional outbox (sellercenter.outbox): how side effects are retried and relayed.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_RETRY_BACKOFF_SECONDS = env_int("OUTBOX_RETRY_BACKOFF_SECONDS", 30)
# A running task whose worker stopped renewing for this long is handed to another worker.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)
# A row handed to the broker and not started after this long is handed over again.
OUTBOX_REDISPATCH_SECONDS = env_int("OUTBOX_REDISPATCH_SECONDS", 900)
OUTBOX_RELAY_INTERVAL_SECONDS = env_int("OUTBOX_RELAY_INTERVAL_SECONDS", 10)
# Long jobs (sellercenter.leases): a worker renews its job's lease at every checkpoint; a job whose
# lease expired is taken over by the next worker, and fails after this many starts.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 120)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# The beat schedule: every periodic job of every app, in one place.
CELERY_BEAT_SCHEDULE = {
    # Side effects the on-commit nudge could not hand over (broker down) wait at most this long.
    "outbox-relay": {
        "task": "sellercenter.tasks.outbox_relay",
        "schedule": float(OUTBOX_RELAY_INTERVAL_SECONDS),
    },
    # The home's figures read daily rollups: a few minutes behind the orders at most.
    "rollups-refresh": {
        "task": "sellercenter.tasks.rollups_refresh_due",
        "schedule": 300.0,
    },
    # Journey steps are due at any minute; each run takes what is due in batches.
    "promotions-journeys-run-due": {
        "task": "promotions.tasks.journeys_run_due",
        "schedule": 60.0,
    },
    # Birthdays, at-risk customers and segment entries are daily facts: the scan runs every hour so
    # that each shop's local morning is caught within the hour.
    "promotions-journeys-enrol-scheduled": {
        "task": "promotions.tasks.journeys_enrol_scheduled",
        "schedule": crontab(minute=15),
    },
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
    # Old months of behaviour events go whole; next months' partitions are made ahead.
    "customers-events-retention": {
        "task": "customers.tasks.events_retention_apply_due",
        "schedule": crontab(hour=3, minute=10),
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

# Queues by kind, so that a slow export never delays an e-mail and nightly jobs never delay a checkout's
# follow-up. A worker started without -Q takes every queue (the demo, a small shop); production runs
# workers per queue (README). Tasks not named here go to `interactive`, periodic ones to `periodic`.
# CELERY_TASK_DEFAULT_QUEUE puts every task on that one queue instead (deployments or tests that share
# a broker with others).
CELERY_TASK_QUEUE_BY_NAME = {
    "orders.tasks.order_email_send": "messages",
    "promotions.tasks.message_send": "messages",
    "finance.tasks.export_job_run": "bulk",
}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE")
if CELERY_TASK_DEFAULT_QUEUE:
    CELERY_TASK_QUEUES = [Queue(CELERY_TASK_DEFAULT_QUEUE)]
    CELERY_TASK_ROUTES = ()
else:
    CELERY_TASK_DEFAULT_QUEUE = "interactive"
    CELERY_TASK_QUEUES = [Queue(name) for name in ("interactive", "messages", "bulk", "periodic")]
    CELERY_TASK_ROUTES = ("sellercenter.celery_routes.route_task",)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # python-barcode announces at INFO on import that it writes no images without Pillow: SVG is all we use.
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pyBarcode": {"level": "WARNING"},
        # Tasks run in-process without a broker (the demo): a line per finished task would bury what the
        # commands print. A worker logs them as usual.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# django-import-export: exports through sellercenter.spreadsheet.SpreadsheetSafeResource.
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
