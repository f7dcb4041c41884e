"""Settings for the music platform: one module, every value read once from the environment.

With nothing set, a fresh clone runs the embedded shape (SQLite, a local media folder, the
in-memory channel layer, ingest jobs run in the web process). Production switches each
concern on with its own variable; see .env.example and README.md.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

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
    "ingest",
    "playlists",
    "accounts",
    "library",
    "subsonic",
    "recommendations",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "spotify.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
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
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL (or anything dj-database-url reads) via DATABASE_URL.
# DATABASE_POOL=1 (PostgreSQL) keeps connections in psycopg's pool, DATABASE_POOL_MAX_SIZE at
# most per process, instead of opening one per request: the way Django keeps connections under
# ASGI, where persistent ones (DATABASE_CONN_MAX_AGE) are tied to threads that come and go.
# SQLite keeps its connections by default (DATABASE_CONN_MAX_AGE): it has no server to hold
# them, and closing a file's last connection checkpoints its WAL, which cost a request of the
# ingest webhook 3 ms of its 5 (measured).
DATABASE_POOL = env_bool("DATABASE_POOL", False)
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
_SQLITE = DATABASE_URL.startswith("sqlite:")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=0
        if DATABASE_POOL
        else env_int("DATABASE_CONN_MAX_AGE", 600 if _SQLITE else 0),
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
    if DATABASE_POOL:
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10),
            "timeout": 10,  # seconds a request waits for a free connection
        }
if DATABASE_POOL and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_POOL needs PostgreSQL (DATABASE_URL=postgres://...)")

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
LOGOUT_REDIRECT_URL = "web:home"

# Email (password resets): an SMTP server when EMAIL_HOST names one. Without one, the console
# while DEBUG is on; in production nothing, as a reset link printed to the server's log is a
# way into any account for whoever reads it (the start-up log and check --deploy say so).
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
elif DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "accounts.mail.UnconfiguredEmailBackend"}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Tidal Pool <noreply@localhost>")

# Storage: a local media folder by default, S3 or MinIO when a bucket is named.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Local media behind a front proxy: "x-accel-redirect" (nginx) or "x-sendfile" (Apache,
# lighttpd) hands each file to the proxy, which sends it and answers ranges itself; nginx maps
# MEDIA_SENDFILE_PREFIX to MEDIA_ROOT in an `internal` location. "signed-redirect" answers a
# stream with a redirect to MEDIA_SIGNED_URL_PREFIX<key>, signed for MEDIA_SIGNED_URL_SECONDS
# with MEDIA_SIGNED_URL_SECRET, which nginx checks itself (secure_link), so a player's range
# requests after the first never reach this server. Empty: the server sends files.
MEDIA_SENDFILE = env("MEDIA_SENDFILE").lower()
MEDIA_SENDFILE_PREFIX = env("MEDIA_SENDFILE_PREFIX", "/internal-media/")
MEDIA_SIGNED_URL_PREFIX = env("MEDIA_SIGNED_URL_PREFIX", "/signed-media/")
MEDIA_SIGNED_URL_SECONDS = env_int("MEDIA_SIGNED_URL_SECONDS", 3600)
MEDIA_SIGNED_URL_SECRET = env("MEDIA_SIGNED_URL_SECRET")
if MEDIA_SENDFILE not in ("", "x-accel-redirect", "x-sendfile", "signed-redirect"):
    raise ImproperlyConfigured(
        "MEDIA_SENDFILE must be x-accel-redirect, x-sendfile, signed-redirect or empty"
    )
if MEDIA_SENDFILE == "signed-redirect" and len(MEDIA_SIGNED_URL_SECRET) < 32:
    raise ImproperlyConfigured(
        "MEDIA_SENDFILE=signed-redirect needs MEDIA_SIGNED_URL_SECRET, at least 32 characters, "
        "the same secret as nginx's secure_link_md5"
    )
# The lean stream path (catalog.asgi) keeps what it looked up of a song this many seconds: a
# song hidden or deleted in another process still streams from this one until then (0: none).
STREAM_CACHE_SECONDS = env_int("STREAM_CACHE_SECONDS", 10)
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Transcoding (catalog.transcoding): encodes at once per server process, how many more may wait
# (each at most TRANSCODE_WAIT_SECONDS) before a request hears "busy", and the disk cache of
# finished encodes (empty: MEDIA_ROOT/transcoded), least recently used files removed past its size.
TRANSCODE_MAX_ENCODES = env_int("TRANSCODE_MAX_ENCODES", os.cpu_count() or 2)
TRANSCODE_MAX_WAITING = env_int("TRANSCODE_MAX_WAITING", 4)
TRANSCODE_WAIT_SECONDS = env_int("TRANSCODE_WAIT_SECONDS", 60)
TRANSCODE_CACHE_DIR = env("TRANSCODE_CACHE_DIR")
TRANSCODE_CACHE_MAX_MB = env_int("TRANSCODE_CACHE_MAX_MB", 2048)

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
# Where browsers and apps reach the store, when that differs from AWS_S3_ENDPOINT_URL (inside
# docker compose the server says http://rustfs:9000, a browser http://localhost:9000).
AWS_S3_PUBLIC_ENDPOINT_URL = env("AWS_S3_PUBLIC_ENDPOINT_URL") or None
# "s3v4" for stores that take only SigV4 presigned URLs; unset, botocore picks (as on AWS S3).
AWS_S3_SIGNATURE_VERSION = env("AWS_S3_SIGNATURE_VERSION") or None
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY") or None
AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 3600)
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = True

if AWS_STORAGE_BUCKET_NAME and AWS_S3_PUBLIC_ENDPOINT_URL:
    MEDIA_STORAGE = {"BACKEND": "catalog.storages.PublicEndpointS3Storage", "OPTIONS": {}}
elif AWS_STORAGE_BUCKET_NAME:
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
# redis-py gives up on a read after 5 s by default, and channels_redis' blocking pop for the
# next message waits 5 s too: a pop answered a moment late (a busy server) raised in the
# websocket's consumer and closed it, losing what was sent meanwhile. Reads wait longer.
REDIS_SOCKET_TIMEOUT = 30
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": REDIS_SOCKET_TIMEOUT}],
                "prefix": env("CHANNELS_PREFIX", "asgi"),
            },
        }
    }
else:
    # Channels' in-memory layer, woken properly by sends from ingest threads.
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "spotify.channel_layers.ThreadSafeInMemoryChannelLayer"}
    }

# The caches. "default" (sign-in limits, catalogue summaries): per process, or Redis.
# "shared" (the re-sync's lock and status) is what every process of the site reads: Redis, or
# without it a folder beside the SQLite database (SHARED_CACHE_DIR), so that `make run`'s
# re-sync at start, `manage.py resync` in another terminal and the web process's admin and
# Subsonic see one re-sync.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_PREFIX", "cache"),
        }
    }
    CACHES["shared"] = CACHES["default"]
else:
    _database_file = DATABASES["default"]["NAME"] if _SQLITE else ""
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env("SHARED_CACHE_DIR")
            or (
                f"{_database_file}-cache"
                if _database_file and _database_file != ":memory:"
                else str(BASE_DIR / "var" / "cache")
            ),
        },
    }

# Proxies in front of the server that append the client's address to X-Forwarded-For and say
# the scheme in X-Forwarded-Proto. 0 (the default): both headers are the client's to forge, so
# neither is read; the sign-in limits then count the address that connected.
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0)

# Live sockets (/ws/songs/, /ws/ingest/) one client address may hold open per server process.
WEBSOCKET_MAX_PER_ADDRESS = env_int("WEBSOCKET_MAX_PER_ADDRESS", 50)

# Background work through Django's task framework. "thread" runs jobs side by side in the web
# process (embedded default); "database" queues them durably for `manage.py db_worker`
# processes; "immediate" runs them inline (tests).
TASKS_MODE = env("TASKS_MODE", "thread")
TASK_BACKENDS = {
    "thread": {"BACKEND": "ingest.tasks_backend.ThreadPoolBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
}
if TASKS_MODE not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_MODE must be one of {sorted(TASK_BACKENDS)}")
TASKS = {"default": TASK_BACKENDS[TASKS_MODE]}
INGEST_THREADS = env_int("INGEST_THREADS", 4)
# Local files' tags are read by this many reader processes beside the web process (a batch of
# 8 or more; ingest/reading.py): one a core by default, 0 to read them in the process itself.
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
INGEST_READ_PROCESSES = env_int("INGEST_READ_PROCESSES", _CORES if _CORES and _CORES > 1 else 0)

# The recommender: unless a dedicated `refresh_recommendations --every` process runs (then set
# RECOMMENDATIONS_AUTO_REFRESH=0), the web process queues an incremental refresh this many
# seconds after listeners' likes, ratings, plays and playlist edits; writes meanwhile join it.
RECOMMENDATIONS_AUTO_REFRESH = env_bool("RECOMMENDATIONS_AUTO_REFRESH", True)
RECOMMENDATIONS_REFRESH_DELAY = env_int("RECOMMENDATIONS_REFRESH_DELAY", 10)

# The most a request body may hold, refused by the server before it is stored, at any address
# but the store's webhook (INGEST_MAX_EVENT_BYTES), the upload API on local storage
# (INGEST_MAX_FILE_BYTES; a larger upload only from who may upload) and the admin
# (INGEST_MAX_TAG_BYTES, for cover images): forms and the APIs (spotify/body_limits.py).
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 4 * 1024 * 1024)

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
# Ended ingest jobs recorded more than this many days ago are deleted at the end of each
# re-sync (0: kept for ever). Each event is a row; a redelivery older than this is read again.
INGEST_JOBS_KEEP_DAYS = env_int("INGEST_JOBS_KEEP_DAYS", 30)
INGEST_WEBHOOK_URL = env("INGEST_WEBHOOK_URL", "http://127.0.0.1:8000/api/v1/ingest/events/")
INGEST_BUCKET_NAME = AWS_STORAGE_BUCKET_NAME or "local"
# Re-sync: list the store and bring the catalogue to match it (manage.py resync). The web
# processes re-sync every RESYNC_EVERY_SECONDS (0: never), once per period in all (a lock and
# the status in the cache), repairing events the store lost; an unchanged store costs one
# LIST request per 1,000 objects and no GETs.
RESYNC_EVERY_SECONDS = env_int("RESYNC_EVERY_SECONDS", 3600)
RESYNC_PREFIX = env("RESYNC_PREFIX", "" if AWS_STORAGE_BUCKET_NAME else "music/")

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
    "DEFAULT_SCHEMA_CLASS": "spotify.api_schema.ErrorDocumentingSchema",
    "DEFAULT_THROTTLE_RATES": {"auth": env("AUTH_THROTTLE_RATE", "20/minute")},
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "spotify.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "spotify.api_errors.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
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
if NUM_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"


def _store_origins() -> list[str]:
    """Return the origins browsers fetch media from and upload to (presigned S3 URLs)."""
    if not AWS_STORAGE_BUCKET_NAME:
        return []  # /media/ and /covers/ on this site
    endpoint_url = AWS_S3_PUBLIC_ENDPOINT_URL or AWS_S3_ENDPOINT_URL
    if not endpoint_url:
        return ["https://*.amazonaws.com"]
    endpoint = urlsplit(endpoint_url)
    # Path-style (endpoint/bucket/key) or virtual-hosted (bucket.endpoint/key) addresses.
    return [f"{endpoint.scheme}://{endpoint.netloc}", f"{endpoint.scheme}://*.{endpoint.netloc}"]


# Content-Security-Policy (Django's own middleware): scripts, styles and everything else from
# this site only, no inline script or style (a template needing one takes {{ csp_nonce }});
# media, covers and uploads may also use the store.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *_store_origins()],
    "media-src": [CSP.SELF, *_store_origins()],
    "connect-src": [CSP.SELF, *_store_origins()],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

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
