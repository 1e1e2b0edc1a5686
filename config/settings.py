"""Hearth settings: one module, read from the environment (see README and CONTRACT.md).

Unset, everything falls back to the embedded defaults used by `make run`: SQLite, the
in-memory channel layer, eager Celery tasks and the console SMS backend. With DEBUG off the
production secrets are mandatory and start-up stops with a message naming the missing one.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.email_url import email_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-hearth-embedded-default-not-for-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off Hearth refuses to start on a guessable key: "
            "set SECRET_KEY to a long random string (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_filters",
    "channels",
    "django_htmx",
    "phonenumber_field",
    "schedule",
    "sessions_app",
    "sms",
    "mail",
    "rooms",
    "facilitators",
    "api",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (the policy: CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Static files straight from Daphne, compressed and cached; no separate file server needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The account's own language beats the browser's (needs the user, so after auth).
    "sessions_app.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "frontend.context_processors.facilitator_nav",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (Daphne, the periodic sweeps) share the file in the embedded run.
    # WAL lets readers go on while one process writes (room messages arrive many per second).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
# PostgreSQL: persistent connections from psycopg's pool (Django 5.1+), one pool per process.
# A new connection per request costs PostgreSQL several ms of CPU (docs/benchmarks.md, API);
# CONN_MAX_AGE is no answer under ASGI (one connection per thread, piling up). The pool hands a
# connection to a request and takes it back when the request ends. Off (0) by default so that
# tests and scripts with many threads are not capped; docs/deploy.md sets it in production.
DATABASE_POOL_MAX = env.int("DATABASE_POOL_MAX", default=0)
DATABASE_POOL_MIN = env.int("DATABASE_POOL_MIN", default=min(2, DATABASE_POOL_MAX))
if DATABASE_POOL_MAX and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": DATABASE_POOL_MIN,
        "max_size": DATABASE_POOL_MAX,
        # A request waits this long (seconds) for a free connection before it fails.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "sessions_app.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves static files from Daphne: after `collectstatic`, compressed and under
# content-hashed names cached for a year (config/static_storage.py). With finders on it also
# serves them straight from the apps, so a server started without `collectstatic` still has
# its CSS (the storage then links the plain names).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static_storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Redis: channel layer, Celery broker, cache -------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 30},
        }
    }
    # Rooms publish one event per change to each process with people in the room (rooms/
    # hub.py): Redis pub/sub carries that with a fraction of the list-based layer's work per
    # message. It keeps nothing for a process that is not listening, which the rooms do not
    # need: chat frames are numbered and stored, and a hub fills any gap from the database.
    # Pub/sub channels ignore Redis database numbers, so the number goes into the prefix.
    # RoomPubSubLayer is that layer, able to publish a batch of events in one round trip.
    CHANNEL_LAYERS["rooms"] = {
        "BACKEND": "rooms.layers.RoomPubSubLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            "prefix": "hearth-rooms-" + (REDIS_URL.rsplit("/", 1)[-1] or "0"),
        },
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
        "rooms": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Periodic sweeps. celery beat runs them in production; `manage.py run_periodic_sweeps` runs
# the same entries in-process for the embedded run.
CELERY_BEAT_SCHEDULE = {
    "materialize-sessions": {
        "task": "sessions_app.tasks.materialize_sessions",
        "schedule": 6 * 60 * 60,
    },
    "expire-seat-offers": {
        "task": "sessions_app.tasks.expire_seat_offers",
        "schedule": 60,
    },
    "purge-room-messages": {
        "task": "rooms.tasks.purge_room_messages",
        "schedule": 15 * 60,
    },
    "sms-send-due-reminders": {
        "task": "sms.tasks.send_due_reminders",
        "schedule": 60,
    },
    # Feedback asks after sessions and "we missed you" after missed ones (issue 18).
    "sms-send-check-ins": {
        "task": "sms.tasks.send_check_ins",
        "schedule": 15 * 60,
    },
    "mail-sweep": {
        "task": "mail.tasks.mail_sweep",
        "schedule": 60,
    },
    # The same check-ins by email, to people who chose email for them.
    "mail-check-ins": {
        "task": "mail.tasks.mail_check_ins",
        "schedule": 15 * 60,
    },
}

# --- Hearth domain settings -----------------------------------------------------------------
SESSION_HORIZON_DAYS = env.int("SESSION_HORIZON_DAYS", default=120)
# Closer than this to the start, a freed seat is offered (claim by YES) instead of given.
SEAT_OFFER_CUTOFF_MINUTES = env.int("SEAT_OFFER_CUTOFF_MINUTES", default=180)
SEAT_OFFER_TTL_MINUTES = env.int("SEAT_OFFER_TTL_MINUTES", default=30)
DEFAULT_REMINDER_OFFSETS_MINUTES = [24 * 60, 120]

SMS_BACKEND = env.str("SMS_BACKEND", default="console")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="")
SMS_SEND_WINDOW = env.str("SMS_SEND_WINDOW", default="09:00-20:00")

# --- SMS (sms) -------------------------------------------------------------------
TWILIO_HTTP_TIMEOUT = env.float("TWILIO_HTTP_TIMEOUT", default=10.0)
# A reminder found later than this after its send time is not sent any more.
SMS_REMINDER_GRACE_MINUTES = env.int("SMS_REMINDER_GRACE_MINUTES", default=30)
# A row claimed longer ago than this is reconciled against Twilio's message list. It must be
# well above TWILIO_HTTP_TIMEOUT, so that no live worker can still be waiting on Twilio.
SMS_CLAIM_STALE_SECONDS = env.int("SMS_CLAIM_STALE_SECONDS", default=300)
# A pending row handed to the queue longer ago than this is handed over again (lost task).
SMS_REDISPATCH_SECONDS = env.int("SMS_REDISPATCH_SECONDS", default=120)
SMS_RETRY_BASE_SECONDS = env.float("SMS_RETRY_BASE_SECONDS", default=20.0)
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=6)
# Email (the mail app): tries per message, the first retry's delay (doubling, with jitter),
# and how long a claim may stand before it is settled as "outcome unknown" (never re-sent).
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=5)
MAIL_RETRY_BASE_SECONDS = env.float("MAIL_RETRY_BASE_SECONDS", default=60.0)
MAIL_CLAIM_STALE_SECONDS = env.int("MAIL_CLAIM_STALE_SECONDS", default=600)
SMS_VERIFY_CODE_TTL_MINUTES = env.int("SMS_VERIFY_CODE_TTL_MINUTES", default=10)
SMS_VERIFY_MAX_ATTEMPTS = env.int("SMS_VERIFY_MAX_ATTEMPTS", default=5)
SMS_VERIFY_MAX_CODES_PER_DAY = env.int("SMS_VERIFY_MAX_CODES_PER_DAY", default=5)
# Lets a test (or a deployment) give its workers a queue of their own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")

# --- Session notes encryption (facilitators) --------------------------------------------------
# Fernet keys, newest first; their own secret, never derived from SECRET_KEY. Production refuses
# to start without them; the embedded run generates a local key file once (facilitators/crypto.py).
NOTES_ENCRYPTION_KEYS = env.list("NOTES_ENCRYPTION_KEYS", default=[])
NOTES_LOCAL_KEY_FILE = None
if not NOTES_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "NOTES_ENCRYPTION_KEYS is not set. With DEBUG off Hearth refuses to start without the "
            "keys that encrypt session notes: set NOTES_ENCRYPTION_KEYS to one or more "
            "comma-separated Fernet keys, newest first (python -c 'from cryptography.fernet "
            "import Fernet; print(Fernet.generate_key().decode())'). Keep them apart from "
            "SECRET_KEY and from database backups."
        )
    NOTES_LOCAL_KEY_FILE = VAR_DIR / "notes_encryption.key"
# Batch size of `manage.py rotate_note_keys`.
NOTES_ROTATION_BATCH_SIZE = env.int("NOTES_ROTATION_BATCH_SIZE", default=200)

# --- Live rooms and their voice and video (config/settings_rooms.py) --------------------------
from config.settings_rooms import *  # noqa: E402, F403
from config.settings_rooms import JANUS_URLS  # noqa: E402 - read by the CSP below

# Threads (each with its own database connection) per process for the rooms' database calls.
# SQLite takes one writer at a time anyway (and its shared in-memory test database refuses a
# second one outright), so one thread there.
ROOM_DB_THREADS = env.int(
    "ROOM_DB_THREADS",
    default=1 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 2,
)

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's AutoSchema plus the 415 of every operation that takes a body.
    "DEFAULT_SCHEMA_CLASS": "api.views_base.BodyAutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
REST_FRAMEWORK.setdefault("DEFAULT_THROTTLE_RATES", {}).update(
    {
        "sms_phone": env.str("SMS_PHONE_THROTTLE_RATE", default="5/hour"),
        "sms_verify": env.str("SMS_VERIFY_THROTTLE_RATE", default="20/hour"),
    }
)
SPECTACULAR_SETTINGS = {
    "TITLE": "Hearth API",
    "DESCRIPTION": "Support-group scheduling, RSVPs, rooms and notes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- API (core) -------------------------------------------------------------------------------
# Throttle rates of login, registration and RSVP ("N/second|minute|hour|day"), counted in the
# default cache (Redis when REDIS_URL is set). Read at request time, so tests can lower them.
HEARTH_THROTTLE_RATES = {
    "login": env.str("THROTTLE_LOGIN", default="10/minute"),
    "register": env.str("THROTTLE_REGISTER", default="20/hour"),
    "rsvp": env.str("THROTTLE_RSVP", default="30/minute"),
}

# --- Client address and the pages' limits -----------------------------------------------------
# How many reverse proxies stand in front of Daphne (sessions_app/client.py): 0 ignores
# X-Forwarded-For (the socket's peer is the client); N takes the Nth entry from the right.
# DRF's own reading (ScopedRateThrottle) is told the same.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
HEARTH_THROTTLE_RATES.update(
    {
        # Failed page logins per address, whatever the names tried.
        "login_address": env.str("THROTTLE_LOGIN_ADDRESS", default="50/hour"),
        # Password-reset requests per address, and per e-mail address asked for.
        "password_reset": env.str("THROTTLE_PASSWORD_RESET", default="10/hour"),
        "password_reset_email": env.str("THROTTLE_PASSWORD_RESET_EMAIL", default="3/hour"),
        # Checks of attendance-letter codes per address (API and page alike).
        "letter_verify": env.str("THROTTLE_LETTER_VERIFY", default="30/hour"),
        # Requests to one-tap links (/s/<token>: page, cancel, room, tickets) per address.
        "session_link": env.str("THROTTLE_SESSION_LINK", default="120/hour"),
    }
)
# `format` is a filter of /groups/ and /sessions/ (CONTRACT.md), not DRF's renderer switch.
REST_FRAMEWORK["URL_FORMAT_OVERRIDE"] = None
# Name the "status" enums of the core serializers (drf-spectacular would otherwise hash them).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "MembershipStatusEnum": "sessions_app.models.Membership.Status",
        "SessionStatusEnum": "sessions_app.models.Session.Status",
        "RSVPStatusEnum": "sessions_app.models.RSVP.Status",
        "ProfileVisibilityEnum": "facilitators.models.FacilitatorProfile.Visibility",
    }
)
# Tag and name operations after the resource ("groups"), not the version prefix.
SPECTACULAR_SETTINGS.setdefault("SCHEMA_PATH_PREFIX", r"/api/v1")
# How long GET /healthz waits for the channel layer's round trip.
HEALTHZ_TIMEOUT_SECONDS = env.float("HEALTHZ_TIMEOUT_SECONDS", default=2.0)

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# With SECURE_SSL_REDIRECT on, a health check over plain HTTP on the host still gets its answer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
    # Only sent with SECURE_HSTS_SECONDS > 0. Subdomains: on unless one still serves plain
    # HTTP. Preload: off until the domain is submitted to hstspreload.org (hard to undo).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# --- Mail ---------------------------------------------------------------------------------
# EMAIL_URL: smtp://, smtp+tls://, smtp+ssl://, consolemail:// (the embedded default) or
# memorymail://; with DEBUG off and no EMAIL_URL, mail is off (config/email_url.py).
_email = email_settings(env.str("EMAIL_URL", default=""), debug=DEBUG)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
# Mail is sent inside the request (password reset): a mail server that does not answer must
# not hold a Daphne worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Content-Security-Policy and the language cookie -----------------------------------------
# Scripts, styles and everything else from this origin only: no inline script or style, no
# eval, nothing from a CDN (Swagger UI comes from drf-spectacular-sidecar's static files).
# 'self' in connect-src covers the room's WebSocket to the same host (ws: or wss:). Extend it
# here for the whole site, or per view with csp.decorators.csp_update (docs/deploy.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Swagger UI's stylesheet draws its icons as data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Where browsers report violations (optional). Not a CSP_* setting: django-csp 4 takes those
# for its old format and refuses to start.
_csp_report_uri = env.str("CSP_REPORT_URI", default="")
if _csp_report_uri:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [_csp_report_uri]
# The browsers talk to the room's Janus host directly (docs/media.md).
for _janus_url in JANUS_URLS:
    _parts = urlsplit(_janus_url)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"].append(
        f"{_parts.scheme}://{_parts.netloc}"
    )
SPECTACULAR_SETTINGS.update(
    {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR"}
)
# The language switch's cookie goes over https whenever the session cookie does.
LANGUAGE_COOKIE_SECURE = not DEBUG and SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hearth@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_without_traceback": {
            "()": "config.log_filters.ClientErrorsWithoutTraceback"
        },
        "mask_phone_numbers": {"()": "config.log_filters.MaskPhoneNumbers"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # An expected 403/400 page is one line; a 500 keeps its traceback.
        "django.request": {"filters": ["client_errors_without_traceback"]},
        # The Twilio client logs each request's query (a look-up's `To`) at INFO.
        "twilio.http_client": {"filters": ["mask_phone_numbers"]},
        "twilio.async_http_client": {"filters": ["mask_phone_numbers"]},
    },
}
