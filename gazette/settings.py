"""Gazette's one settings module: everything comes from the environment, with safe defaults.

Embedded default: SQLite (WAL) + django-tasks database backend + a cache on disk that every
process shares.
Scale-out: ``DATABASE_URL`` selects PostgreSQL, ``REDIS_URL`` selects a Redis cache and RQ tasks.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent


def env_json_object(name: str) -> dict[str, object]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, like {{\"name\": 1}}")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Runtime data (SQLite database, media, generated secrets) lives outside the package, in one
# folder that a deployment can put on a volume. Importing settings creates nothing: the folder
# is made when Django starts (gazette.apps) or when the secret key is first written.
DATA_DIR = Path(os.environ.get("GAZETTE_DATA_DIR", BASE_DIR / "var")).resolve()


def _stored_secret(filename: str) -> str:
    """Return a secret kept in DATA_DIR, generating it on first use so restarts keep sessions."""
    path = DATA_DIR / filename
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        value = secrets.token_urlsafe(50)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(value)
        return value


SECRET_KEY = os.environ.get("SECRET_KEY") or _stored_secret("secret_key")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Public address of the site, used in feeds, sitemaps and notification emails.
GAZETTE_BASE_URL = os.environ.get("GAZETTE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = GAZETTE_BASE_URL
GAZETTE_SITE_NAME = os.environ.get("GAZETTE_SITE_NAME", "The Gazette")
WAGTAIL_SITE_NAME = GAZETTE_SITE_NAME

INSTALLED_APPS = [
    # First, so that its ready() makes the data folders before any other app touches them.
    "gazette.apps.GazetteConfig",
    "gazette.news",
    "gazette.antispam",
    "gazette.comments",
    "gazette.alerts",
    "gazette.trust",
    "gazette.live",
    # The JSON API's docs then use ninja's own static files, not a CDN.
    "ninja",
    "gazette.health",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # Hosts of their own for the Akismet-compatible API get its URLs at the root (and no pages).
    "gazette.antispam.akismet.hosts.AkismetHostMiddleware",
    # The page cache answers before anything else runs, and stores a miss with every header the
    # middlewares below gave it, so a hit replays the security headers, ETag and all; it answers
    # a hit's If-None-Match itself (gazette.fastpath answers most hits before Django even).
    "gazette.news.cache.PageCacheMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "gazette.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gazette.news.routing.SiteCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gazette.middleware.LoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "gazette.urls"
WSGI_APPLICATION = "gazette.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "gazette.news.context_processors.site_furniture",
                "gazette.trust.context_processors.trust_links",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "gazette.sqlite3"
# How long a write waits for another process's write lock (a backup, a migration, an operator's
# sqlite3 shell) before it fails: long enough to ride out a 30-second lock.
SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("GAZETTE_SQLITE_BUSY_TIMEOUT_MS", "45000"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
            "GAZETTE_TEST_DATABASE", "test_gazette"
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # WAL lets readers proceed while the worker writes; IMMEDIATE avoids the
                # "database is locked" upgrade deadlock between concurrent writers.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS};"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # Reusing connections saves opening the file and running the pragmas per request.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # A file-backed test database that pytest --reuse-db keeps between runs.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and tasks ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Every process of the site (web workers, task worker, scheduler, the command line) sees one
# cache: pages, routes, invalidation versions and throttles (gazette/cache.py, docs/operations.md).
# GAZETTE_CACHE=locmem keeps it in each process's memory instead: only for benchmarks and a
# single process, since an invalidation then reaches no other process.
GAZETTE_CACHE = os.environ.get("GAZETTE_CACHE", "redis" if REDIS_URL else "disk")
# Folder of the shared cache on the embedded default (SQLite files, one per shard).
GAZETTE_CACHE_DIR = Path(os.environ.get("GAZETTE_CACHE_DIR", DATA_DIR / "cache"))
# Largest size of the embedded cache before the oldest entries are culled.
GAZETTE_CACHE_SIZE_MB = int(os.environ.get("GAZETTE_CACHE_SIZE_MB", "1024"))
GAZETTE_CACHE_PREFIX = os.environ.get("GAZETTE_CACHE_PREFIX", "gazette")
# A task backend by its dotted path, in place of the one REDIS_URL implies (tests, benchmarks).
GAZETTE_TASKS_BACKEND = os.environ.get("GAZETTE_TASKS_BACKEND", "")


def caches_for(choice: str, redis_url: str, cache_dir: Path) -> dict[str, dict[str, object]]:
    """CACHES for GAZETTE_CACHE's choice (a function, so gazette.settings_test can recompute it)."""
    if choice == "redis":
        if not redis_url:
            raise ImproperlyConfigured("GAZETTE_CACHE=redis needs REDIS_URL")
        return {
            "default": {
                "BACKEND": "gazette.cache.ResilientRedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": GAZETTE_CACHE_PREFIX,
            }
        }
    if choice == "disk":
        return {
            "default": {
                "BACKEND": "gazette.cache.DiskCache",
                "LOCATION": str(cache_dir),
                "KEY_PREFIX": GAZETTE_CACHE_PREFIX,
                "SHARDS": 8,
                # How long a write waits for another process's write before retrying.
                "DATABASE_TIMEOUT": 0.05,
                "OPTIONS": {"size_limit": GAZETTE_CACHE_SIZE_MB * 1024 * 1024},
            }
        }
    if choice == "locmem":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "gazette",
                "OPTIONS": {"MAX_ENTRIES": 5000},
            }
        }
    raise ImproperlyConfigured("GAZETTE_CACHE must be disk, redis or locmem")


def rq_queues_for(redis_url: str) -> dict[str, dict[str, object]]:
    if not redis_url:
        return {}
    return {name: {"URL": redis_url, "DEFAULT_TIMEOUT": 600} for name in ("default", "alerts")}


def tasks_for(redis_url: str) -> dict[str, dict[str, object]]:
    if GAZETTE_TASKS_BACKEND:
        backend = GAZETTE_TASKS_BACKEND
    elif redis_url:
        backend = "django_tasks_rq.RQBackend"
    else:
        backend = "django_tasks_db.DatabaseBackend"
    return {"default": {"BACKEND": backend, "QUEUES": ["default", "alerts"]}}


CACHES = caches_for(GAZETTE_CACHE, REDIS_URL, GAZETTE_CACHE_DIR)
TASKS = tasks_for(REDIS_URL)
if REDIS_URL:
    RQ_QUEUES = rq_queues_for(REDIS_URL)
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

# Anonymous pages are cached this long at most; publishing invalidates them sooner.
GAZETTE_PAGE_CACHE_SECONDS = int(os.environ.get("GAZETTE_PAGE_CACHE_SECONDS", "600"))
GAZETTE_PAGE_CACHE_ENABLED = env_bool("GAZETTE_PAGE_CACHE", True)
# Fresh cached pages answered in front of Django (gazette/fastpath.py); 0 leaves every hit to
# the middleware (slower, same answers).
GAZETTE_PAGE_CACHE_FAST = env_bool("GAZETTE_PAGE_CACHE_FAST", True)
# Pages each process also keeps in its own memory, checked against the shared cache's stamp on
# every hit (gazette/news/cache.py); 0 turns that off.
GAZETTE_PAGE_CACHE_LOCAL_ENTRIES = int(os.environ.get("GAZETTE_PAGE_CACHE_LOCAL_ENTRIES", "500"))
# What browsers and shared caches may keep without revalidating.
GAZETTE_BROWSER_CACHE_SECONDS = int(os.environ.get("GAZETTE_BROWSER_CACHE_SECONDS", "60"))
# "Most read": reads are counted in the shared cache in intervals this long, and the scheduler
# adds each interval to the database this often, two intervals after it ended (news/reads.py).
GAZETTE_READS_FLUSH_SECONDS = int(os.environ.get("GAZETTE_READS_FLUSH_SECONDS", "60"))

# Messages the contact form takes from one network (an IPv4 address, an IPv6 /64) an hour.
GAZETTE_CONTACT_PER_HOUR = int(os.environ.get("GAZETTE_CONTACT_PER_HOUR", "5"))

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_THROTTLE_ATTEMPTS = int(os.environ.get("GAZETTE_LOGIN_ATTEMPTS", "5"))
LOGIN_THROTTLE_WINDOW = int(os.environ.get("GAZETTE_LOGIN_WINDOW_SECONDS", "900"))

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("GAZETTE_LANGUAGE", "en")
# The newsroom's zone: every page shows times in it, with its abbreviation ("03:01 GMT"), and
# the admin's schedule dialog takes times in it. TIME_ZONE (Django's name) still works.
TIME_ZONE = os.environ.get("GAZETTE_TIME_ZONE", os.environ.get("TIME_ZONE", "UTC")).strip()
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"GAZETTE_TIME_ZONE={TIME_ZONE!r} is not a time zone: use a name of the IANA database, "
        "like Europe/London or America/New_York"
    ) from None
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("GAZETTE_STATIC_ROOT", DATA_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GAZETTE_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "gazette.storage.StaticFilesStorage"
            if env_bool("GAZETTE_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serving media through WhiteNoise keeps the laptop setup to one process; behind a proxy the
# proxy should serve MEDIA_ROOT itself.
WHITENOISE_MAX_AGE = 3600
WHITENOISE_USE_FINDERS = DEBUG or env_bool("GAZETTE_STATIC_FINDERS", False)

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Security -------------------------------------------------------------------------------
HTTPS = env_bool("GAZETTE_HTTPS", GAZETTE_BASE_URL.startswith("https://"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_HSTS_SECONDS = int(os.environ.get("GAZETTE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GAZETTE_HSTS_SUBDOMAINS", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("GAZETTE_SSL_REDIRECT", False)

# No inline script and no other origin anywhere on the reader site. The Wagtail admin needs
# inline styles from its editor widgets, so it gets a policy of its own.
GAZETTE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; "
    "frame-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
GAZETTE_ADMIN_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)

# --- Wagtail --------------------------------------------------------------------------------
# Wagtail's database search (SQLite FTS5 or PostgreSQL), ranking faster on SQLite.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "gazette.news.search_backend"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "jpeg"}
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: it would send a hash of every editor's email to an outside service.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAILEMBEDS_FINDERS: list[dict[str, str]] = []  # no oEmbed calls to outside services

# --- Discussion: moderation ----------------------------------------------------------------
# A second comment from the same IP address or email within this many seconds is refused (429).
GAZETTE_COMMENTS_FLOOD_SECONDS = int(os.environ.get("GAZETTE_COMMENTS_FLOOD_SECONDS", "15"))

# --- Discussion: privacy -------------------------------------------------------------------
# Comments keep the commenter's IP address and user agent this many days (`gazette manage
# comments retention`, hourly in the scheduler); the spam engine's labelled examples follow.
GAZETTE_COMMENTS_PERSONAL_DATA_DAYS = int(
    os.environ.get("GAZETTE_COMMENTS_PERSONAL_DATA_DAYS", "30"))
# Comments in spam or trash are deleted this many days after they went there.
GAZETTE_COMMENTS_SPAM_DAYS = int(os.environ.get("GAZETTE_COMMENTS_SPAM_DAYS", "15"))
# Export/erasure links the privacy form mails for one network (IPv4 address, IPv6 /64) an hour.
GAZETTE_COMMENTS_PRIVACY_PER_HOUR = int(
    os.environ.get("GAZETTE_COMMENTS_PRIVACY_PER_HOUR", "10"))

# --- Spam defence ---------------------------------------------------------------------------
# One shared model for every site and API key, or one per key (and one for this site).
GAZETTE_ANTISPAM_SHARED_LEARNING = env_bool("GAZETTE_ANTISPAM_SHARED_LEARNING", True)
# Salts every hash of personal data the filter keeps; empty derives it from SECRET_KEY.
GAZETTE_ANTISPAM_SECRET_KEY = os.environ.get("GAZETTE_ANTISPAM_SECRET_KEY", "")
# A snapshot of the learned state every this many labelled examples (and on rebuild).
GAZETTE_ANTISPAM_SNAPSHOT_EVERY = int(os.environ.get("GAZETTE_ANTISPAM_SNAPSHOT_EVERY", "500"))
# How stale a process's model may be before it looks for examples learned elsewhere (0: always).
GAZETTE_ANTISPAM_SYNC_MS = int(os.environ.get("GAZETTE_ANTISPAM_SYNC_MS", "0"))
# Recent-activity windows: bursts per network and e-mail, duplicate texts.
GAZETTE_ANTISPAM_BURST_SECONDS = int(os.environ.get("GAZETTE_ANTISPAM_BURST_SECONDS", "600"))
GAZETTE_ANTISPAM_HISTORY_DAYS = int(os.environ.get("GAZETTE_ANTISPAM_HISTORY_DAYS", "7"))
# A batch rebuild counts every stored decision but trains its weights on this many, the
# newest of the site's own first (0: all of them), which bounds its memory: about 9 kB and
# 1.6 ms per trained decision. Raised to ten over the ham budget.
GAZETTE_ANTISPAM_REBUILD_WINDOW = int(os.environ.get("GAZETTE_ANTISPAM_REBUILD_WINDOW", "50000"))
# Share of legitimate comments the filter may send to the spam folder (the engine's budget).
GAZETTE_ANTISPAM_HAM_BUDGET = float(os.environ.get("GAZETTE_ANTISPAM_HAM_BUDGET", "0.01"))
# Other engine settings, a JSON object of gazette.antispam.engine.Config fields, e.g.
# {"char_model_weight": 0}. Those that change the features make every process replay the
# stored decisions once; `gazette antispam rebuild` after a change makes that fast.
GAZETTE_ANTISPAM_ENGINE_OPTIONS = env_json_object("GAZETTE_ANTISPAM_ENGINE_OPTIONS")
# Hostnames that serve the Akismet API at their root (/1.1/comment-check), e.g. an
# "akismet.example.org" that WordPress sites are pointed at. They are allowed hosts too.
GAZETTE_AKISMET_HOSTS = env_list("GAZETTE_AKISMET_HOSTS")
ALLOWED_HOSTS += [host for host in GAZETTE_AKISMET_HOSTS if host not in ALLOWED_HOSTS]
# Largest Akismet API body read (bytes); larger ones, and any multipart upload, are refused unread.
GAZETTE_AKISMET_MAX_BODY = int(os.environ.get("GAZETTE_AKISMET_MAX_BODY", str(512 * 1024)))
# With shared learning, an API key's report reaches other sites once this many keys agree.
GAZETTE_ANTISPAM_AGREEING_KEYS = int(os.environ.get("GAZETTE_ANTISPAM_AGREEING_KEYS", "3"))
# Labelled examples keep the raw e-mail address and IP address this many days, then keep only
# the salted hashes and network prefix the filter learns from (`gazette antispam retention`);
# by default as long as comments keep theirs.
GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS = int(os.environ.get(
    "GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS", str(GAZETTE_COMMENTS_PERSONAL_DATA_DAYS)))
# Longest text checked or learned, in characters: the engine's cost grows with it.
GAZETTE_ANTISPAM_MAX_CONTENT = 20_000
# How long a stopping process waits to write comment-check records the database refused.
GAZETTE_ANTISPAM_FLUSH_SECONDS = 10

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")

# --- Alerts ---------------------------------------------------------------------------------
# Push endpoints must be https on public addresses; this also allows plain http on loopback (the
# tests' own push service, development). Private and link-local addresses stay refused.
GAZETTE_PUSH_ALLOW_INSECURE = env_bool("GAZETTE_PUSH_ALLOW_INSECURE", False)
# The contact push services see in every VAPID token (RFC 8292: a mailto: or https: URL).
GAZETTE_VAPID_SUBJECT = os.environ.get("GAZETTE_VAPID_SUBJECT") or f"mailto:{DEFAULT_FROM_EMAIL}"
# Publishing a breaking story sends an alert to the "breaking" topic by itself (once a story).
GAZETTE_ALERTS_AUTO = env_bool("GAZETTE_ALERTS_AUTO", False)
# Subscriptions per fan-out task on the "alerts" queue.
GAZETTE_ALERTS_BATCH = int(os.environ.get("GAZETTE_ALERTS_BATCH", "500"))
# WebSub hubs (space-separated URLs): feeds name them, publishing pings them.
GAZETTE_WEBSUB_HUBS = os.environ.get("GAZETTE_WEBSUB_HUBS", "").split()

# --- Health ---------------------------------------------------------------------------------
# The admin dashboard warns when the oldest due background task has waited longer than this.
GAZETTE_TASK_AGE_WARNING_SECONDS = int(os.environ.get("GAZETTE_TASK_AGE_WARNING_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "gazette": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
