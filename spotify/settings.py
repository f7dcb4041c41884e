"""Settings for the music platform: one module, every value read once from the environment.

With nothing set, a fresh clone runs the embedded shape (SQLite, a local media folder, the
in-memory channel layer, ingest jobs run in the web process). Production switches each
concern on with its own variable; see .env.example and README.md.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it, or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks_db",
    "catalog",
    "playlists",
    "accounts",
    "library",
    "subsonic",
    "recommendations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "spotify.urls"
ASGI_APPLICATION = "spotify.asgi.application"
WSGI_APPLICATION = "spotify.wsgi.application"

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

# Database: SQLite file by default, PostgreSQL (or anything dj-database-url reads) via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Ingest jobs write from several threads; WAL and IMMEDIATE transactions keep SQLite from
    # answering "database is locked" to one of them.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner settings for a web app on SSDs, per connection, so a server left at its defaults
    # serves pages well: requests read a page of rows, and starting a parallel worker costs them
    # more (several ms) than it saves (DATABASE_PARALLEL_WORKERS=2 allows them again); a random
    # read on an SSD costs about a sequential one, not the 4x of spinning disks, so the planner
    # walks an index to the few rows a filtered page needs instead of scanning the songs.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={env_int('DATABASE_PARALLEL_WORKERS', 0)} "
        f"-c random_page_cost={env('DATABASE_RANDOM_PAGE_COST', '1.1')}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "catalog:home"

# Email (password resets): printed to the console unless EMAIL_HOST names an SMTP server.
# Django 6.1's MAILERS replaces the EMAIL_* settings.
email_host = env("EMAIL_HOST")  # lower case: MAILERS replaces Django's EMAIL_HOST setting
if email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": email_host,
                "port": env_int("EMAIL_PORT", 587),
                "username": env("EMAIL_HOST_USER") or None,
                "password": env("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
    SILENCED_SYSTEM_CHECKS = []
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    # Without an SMTP server, password-reset mails go to the server log on purpose (the embedded
    # shape must run with nothing else installed); check --deploy would call that an error.
    SILENCED_SYSTEM_CHECKS = ["mail.E001"]
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Tidal Pool <noreply@localhost>")

# Storage: a local media folder by default, S3 or MinIO when a bucket is named.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Local media behind a front proxy: "x-accel-redirect" (nginx) or "x-sendfile" (Apache,
# lighttpd) hands each file to the proxy, which sends it and answers ranges itself; nginx maps
# MEDIA_SENDFILE_PREFIX to MEDIA_ROOT in an `internal` location. Empty: the server sends files.
MEDIA_SENDFILE = env("MEDIA_SENDFILE").lower()
MEDIA_SENDFILE_PREFIX = env("MEDIA_SENDFILE_PREFIX", "/internal-media/")
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY") or None
AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 3600)
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = True

if AWS_STORAGE_BUCKET_NAME:
    MEDIA_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {}}
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Channel layer: in-memory for one process, Redis for any number of ASGI servers.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("CHANNELS_PREFIX", "asgi")},
        }
    }
else:
    # Channels' in-memory layer, woken properly by sends from ingest threads.
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "spotify.channel_layers.ThreadSafeInMemoryChannelLayer"}
    }

# Background work through Django's task framework. "thread" runs jobs side by side in the web
# process (embedded default); "database" queues them durably for `manage.py db_worker`
# processes; "immediate" runs them inline (tests).
TASKS_MODE = env("TASKS_MODE", "thread")
TASK_BACKENDS = {
    "thread": {"BACKEND": "catalog.tasks_backend.ThreadPoolBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
}
if TASKS_MODE not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_MODE must be one of {sorted(TASK_BACKENDS)}")
TASKS = {"default": TASK_BACKENDS[TASKS_MODE]}
INGEST_THREADS = env_int("INGEST_THREADS", 4)

# Ingest: the shared webhook secret and the bounds on one job.
INGEST_SECRET = env("INGEST_SECRET")
if not INGEST_SECRET:
    if not DEBUG:
        raise ImproperlyConfigured("INGEST_SECRET is not set; the ingest webhook needs it.")
    INGEST_SECRET = "local-development-ingest-secret"
INGEST_SIGNATURE_MAX_AGE = env_int("INGEST_SIGNATURE_MAX_AGE", 300)
INGEST_MAX_EVENT_BYTES = env_int("INGEST_MAX_EVENT_BYTES", 1024 * 1024)
INGEST_MAX_FILE_BYTES = env_int("INGEST_MAX_FILE_BYTES", 2 * 1024**3)
INGEST_MAX_TAG_BYTES = env_int("INGEST_MAX_TAG_BYTES", 32 * 1024 * 1024)
INGEST_JOB_TIMEOUT = env_int("INGEST_JOB_TIMEOUT", 120)
INGEST_WEBHOOK_URL = env("INGEST_WEBHOOK_URL", "http://127.0.0.1:8000/api/v1/ingest/events/")
INGEST_WATCH = env_bool("INGEST_WATCH", False)
INGEST_BUCKET_NAME = AWS_STORAGE_BUCKET_NAME or "local"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"auth": env("AUTH_THROTTLE_RATE", "20/minute")},
    "EXCEPTION_HANDLER": "spotify.api_errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Music platform API",
    "DESCRIPTION": "Stream, search and curate the catalogue; ingest new songs from the store.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI served from the drf-spectacular-sidecar package: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Security: production-safe when DEBUG is off; the TLS switches take "0" behind a plain-HTTP hop.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A line per task state change drowns the log; job outcomes are logged by catalog.
        "django.tasks": {"level": "WARNING", "propagate": False, "handlers": ["console"]},
    },
}

# Static files: hashed names and compression in production; tests and DEBUG read the sources.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
if not env_bool("DJANGO_STATIC_MANIFEST", not DEBUG):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
