"""Settings of Rathaus: one module, every deployment knob from environment variables.

Every variable is documented in docs/configuration.md. Defaults are safe for a developer's machine
(SQLite, console e-mail); production sets RATHAUS_DEBUG=0 and the secrets.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent  # src/rathaus
PROJECT_DIR = BASE_DIR.parent.parent  # repository root


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# pytest (>= 8.2) sets PYTEST_VERSION: the suite runs with production defaults except HTTPS.
TESTING = bool(os.environ.get("PYTEST_VERSION"))

# A development checkout: `make` writes var/development.env (RATHAUS_DEBUG=1 and a random secret
# key), so that every documented `manage.py` command works without exporting anything. The file is
# read only when the environment carries no RATHAUS_SECRET_KEY (production always sets one, and a
# production install never runs `make`), never under pytest (the suite runs with production
# defaults), and it never overrides a variable that the environment sets.
DEVELOPMENT_ENV_FILE = Path(
    os.environ.get("RATHAUS_DEVELOPMENT_ENV_FILE") or PROJECT_DIR / "var" / "development.env"
)


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


DEVELOPMENT_CHECKOUT = (
    not TESTING and "RATHAUS_SECRET_KEY" not in os.environ and DEVELOPMENT_ENV_FILE.is_file()
)
if DEVELOPMENT_CHECKOUT:
    for _key, _value in _read_env_file(DEVELOPMENT_ENV_FILE).items():
        os.environ.setdefault(_key, _value)

DEBUG = env_bool("RATHAUS_DEBUG", False)
_DEV_SECRET = "dev-insecure-secret-key-change-me-in-production-0123456789abcdefghij"  # noqa: S105
SECRET_KEY = env(
    "RATHAUS_SECRET_KEY", _DEV_SECRET if DEBUG or TESTING or env("RATHAUS_ALLOW_DEV_SECRET") else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "RATHAUS_SECRET_KEY must be set when RATHAUS_DEBUG is off (see docs/configuration.md). "
        "For development, run `make install` in the checkout: it writes var/development.env."
    )

# The demo (load_demo, demo_totp and the demo steps) exists only in development, in the test suite,
# and where an operator asks for it explicitly (a public demo instance, the benchmark): a production
# install has no command that creates accounts with the public demo password and TOTP secret.
DEMO = env_bool("RATHAUS_DEMO", DEBUG or TESTING)

# Host validation happens twice: Django checks ALLOWED_HOSTS, then the tenant middleware
# resolves the host to a municipality (unknown hosts get a 404 page).
ALLOWED_HOSTS = env_list("RATHAUS_ALLOWED_HOSTS", "*")
CSRF_TRUSTED_ORIGINS = env_list("RATHAUS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "csp",
    "ninja",
    "rathaus.core.tenancy",
    "rathaus.core.accounts",
    "rathaus.core.audit",
    "rathaus.core.search",
    "rathaus.core.ui",
    "rathaus.core.jobs",
    "rathaus.core.backup",
    "rathaus.core.pagecache",
    "rathaus.catalog",
    "rathaus.fim",
    "rathaus.identity",
    "rathaus.events",
    "rathaus.hub",
    "rathaus.consulting",
    "rathaus.appointments",
    "rathaus.cases",
    "rathaus.payments",
    "rathaus.surveys",
    "rathaus.heritage",
    "rathaus.mobility",
    "rathaus.strategy",
    "rathaus.opendata",
    "rathaus.api",
]
if DEMO:
    INSTALLED_APPS.append("rathaus.demo")

MIDDLEWARE = [
    # First: the request id (X-Request-ID) and the request metrics cover every answer, 404s included.
    "rathaus.core.observability.middleware.ObservabilityMiddleware",
    # Reads of GET requests from the replica unless the client just wrote (no-op without replica).
    "rathaus.core.dbrouting.ReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the tenant middleware, so that its unknown-host 404 page gets the headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "rathaus.core.tenancy.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rathaus.core.ui.middleware.LanguageMiddleware",
    # Anonymous GETs of registered pages from the shared cache; a hit skips everything below (ADR 0017).
    "rathaus.core.pagecache.middleware.PageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user read through the cache under the "users" counters.
    "rathaus.core.accounts.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # An unwritable file storage gives a clear 503 page, not a plain 500 (docs/operations.md).
    "rathaus.core.storage.StorageErrorMiddleware",
]

ROOT_URLCONF = "rathaus.urls"
WSGI_APPLICATION = "rathaus.wsgi.application"
ASGI_APPLICATION = "rathaus.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rathaus.core.ui.context_processors.portal",
            ],
        },
    }
]
FORM_RENDERER = "rathaus.core.ui.forms.KernFormRenderer"

# --- Database ---------------------------------------------------------------------------------
DATA_DIR = Path(env("RATHAUS_DATA_DIR", str(PROJECT_DIR / "var")))
_default_sqlite = f"sqlite:///{DATA_DIR / 'rathaus.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _sqlite_name = str(DATABASES["default"]["NAME"])
    if _sqlite_name and _sqlite_name != ":memory:":
        Path(_sqlite_name).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN, so a
        # transaction that re-checks a capacity rule does so while holding the lock.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env("RATHAUS_TEST_SQLITE_NAME", "") or None}
# Persistent connections (one per server thread): opening one costs milliseconds (SQLite reads a
# schema of hundreds of objects; PostgreSQL authenticates), a page a fraction of that. The health
# check re-opens a connection the database closed meanwhile.
DATABASES["default"]["CONN_MAX_AGE"] = int(env("RATHAUS_DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if IS_POSTGRES and TESTING:
    # One test database per pytest process, so that parallel runs on one server never collide.
    DATABASES["default"]["TEST"] = {
        "NAME": env("RATHAUS_TEST_DB_NAME", f"test_{DATABASES['default']['NAME']}_{os.getpid()}")
    }
# A PostgreSQL streaming replica for reads of public pages (docs/scaling.md): the router and the
# middleware in rathaus.core.dbrouting do nothing while it is not configured.
DATABASE_REPLICA_URL = env("RATHAUS_DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # the suite's tests read the test database
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # A replica that is down must not hold a request: give up connecting fast, read from the primary.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        env("RATHAUS_DATABASE_REPLICA_CONNECT_TIMEOUT", "2")
    )
DATABASE_ROUTERS = ["rathaus.core.dbrouting.PrimaryReplicaRouter"]
RATHAUS_DATABASE_REPLICA_STICKY_SECONDS = int(env("RATHAUS_DATABASE_REPLICA_STICKY_SECONDS", "10"))
# Reads fall back to the primary while the replica is down or lags more than this (probed per process
# every CHECK_SECONDS; /health/ready reports state and lag).
RATHAUS_DATABASE_REPLICA_MAX_LAG_SECONDS = float(env("RATHAUS_DATABASE_REPLICA_MAX_LAG_SECONDS", "30"))
RATHAUS_DATABASE_REPLICA_CHECK_SECONDS = float(env("RATHAUS_DATABASE_REPLICA_CHECK_SECONDS", "5"))
RATHAUS_DATABASE_REPLICA_PRIMARY_PATHS = [
    p.strip()
    for p in env("RATHAUS_DATABASE_REPLICA_PRIMARY_PATHS", "/django-admin/,/konto/,/health,/metrics").split(
        ","
    )
    if p.strip()
]
# Behind pgbouncer in transaction pooling mode a server-side cursor (``.iterator()``) cannot
# outlive its transaction on one server connection: turn them off (docs/scaling.md).
RATHAUS_DATABASE_POOLER = env("RATHAUS_DATABASE_POOLER").strip().lower()
if RATHAUS_DATABASE_POOLER not in ("", "pgbouncer"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("RATHAUS_DATABASE_POOLER must be empty or 'pgbouncer'")
if RATHAUS_DATABASE_POOLER == "pgbouncer":
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------
REDIS_URL = env("RATHAUS_REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Sized for many municipalities (pages × languages × hosts); Django's default is 300 entries.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(env("RATHAUS_CACHE_MAX_ENTRIES", "50000"))},
        }
    }
# Every key carries a prefix of this installation, so two installations on one Redis never read each
# other's entries. Default: derived from the secret key (same for web and worker of one installation,
# different between installations; the key itself cannot be recovered from it).
CACHE_KEY_PREFIX = env("RATHAUS_CACHE_KEY_PREFIX") or (
    "rathaus-" + hashlib.sha256(f"rathaus-cache-prefix:{SECRET_KEY}".encode()).hexdigest()[:12]
)
CACHES["default"]["KEY_PREFIX"] = CACHE_KEY_PREFIX
TENANT_CACHE_SECONDS = int(env("RATHAUS_TENANT_CACHE_SECONDS", "60"))
# Lifetime of a shared page for anonymous visitors (0 = off). Changes show at once anyway (generation
# counters, ADR 0017); the lifetime only bounds what depends on the clock (scheduled publication).
PAGE_CACHE_SECONDS = int(env("RATHAUS_PAGE_CACHE_SECONDS", "60"))

# --- Background tasks -------------------------------------------------------------------------
TASKS = {
    "default": {
        # Tests run tasks immediately (one test drives the real database backend and worker).
        "BACKEND": env(
            "RATHAUS_TASK_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": ["default"],
    }
}

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
if TESTING:
    # Fast hashing in tests only; production uses Django's default (PBKDF2).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "ui:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "rathaus.core.accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "rathaus.core.accounts.forms.SignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Rathaus] "
ACCOUNT_PREVENT_ENUMERATION = True
# Security notices (password changed, e-mail changed, MFA changed) go to the account holder.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Brute-force protection: failed logins are limited per IP and per account (lockout window).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": env("RATHAUS_LOGIN_FAILED_LIMIT", "10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Rathaus"
USERSESSIONS_TRACK_ACTIVITY = False

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date/time formats per language (rathaus/formats/<lang>/formats.py): templates name a format,
# never a pattern such as "d.m.Y".
FORMAT_MODULE_PATH = ["rathaus.formats"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = env_bool("RATHAUS_HTTPS", not DEBUG and not TESTING)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the choice is remembered for a year
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("RATHAUS_STATIC_ROOT", str(PROJECT_DIR / "var" / "static")))
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/kern", NODE_MODULES / "@kern-ux" / "native" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not TESTING and env_bool("RATHAUS_MANIFEST_STATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Files browsers ask for at the site root (/favicon.ico), served by whitenoise for every host.
WHITENOISE_ROOT = BASE_DIR / "public_root"
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("RATHAUS_MEDIA_ROOT", str(DATA_DIR / "media")))
# Private files (case attachments, form uploads, decision letters, receipts, import files, exports):
# storage alias "private", never under MEDIA_ROOT and never given a URL; they are served only through
# access-checked views (docs/storage.md).
PRIVATE_ROOT = Path(env("RATHAUS_PRIVATE_ROOT", str(DATA_DIR / "private")))
_media_abs, _private_abs = MEDIA_ROOT.resolve(), PRIVATE_ROOT.resolve()
if _private_abs == _media_abs or _media_abs in _private_abs.parents or _private_abs in _media_abs.parents:
    raise ImproperlyConfigured(
        f"RATHAUS_PRIVATE_ROOT ({PRIVATE_ROOT}) must lie outside RATHAUS_MEDIA_ROOT ({MEDIA_ROOT}) "
        "and must not contain it: the web server serves MEDIA_ROOT without access checks."
    )
STORAGES["private"] = {"BACKEND": "rathaus.core.storage.PrivateFileSystemStorage"}
# Heritage images (masters, pyramids, IIIF tiles) and mobility Parquet files: storages of their own,
# by default the folders RATHAUS_HERITAGE_MEDIA_ROOT and RATHAUS_MOBILITY_DIR (ADR 0021).
STORAGES["heritage"] = {
    "BACKEND": "rathaus.core.storage.SettingFolderStorage",
    "OPTIONS": {"setting": "RATHAUS_HERITAGE_MEDIA_ROOT", "fallback": "heritage-media"},
}
STORAGES["mobility"] = {
    "BACKEND": "rathaus.core.storage.SettingFolderStorage",
    "OPTIONS": {"setting": "MOBILITY_DATA_DIR", "fallback": "mobility"},
}
# Object storage (docs/storage.md): RATHAUS_STORAGE=s3 puts "default" (public media) and "private" into
# two buckets of any S3-compatible service (django-storages). Private objects are never public URLs:
# the access-checked view streams them, or redirects to a signed URL valid for
# RATHAUS_S3_SIGNED_URL_SECONDS when RATHAUS_PRIVATE_DELIVERY=redirect.
RATHAUS_STORAGE = env("RATHAUS_STORAGE", "local").strip().lower()
RATHAUS_PRIVATE_DELIVERY = env("RATHAUS_PRIVATE_DELIVERY", "stream").strip().lower()
RATHAUS_S3_SIGNED_URL_SECONDS = int(env("RATHAUS_S3_SIGNED_URL_SECONDS", "300"))
if RATHAUS_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("RATHAUS_STORAGE must be 'local' or 's3'.")
if RATHAUS_PRIVATE_DELIVERY not in ("stream", "redirect"):
    raise ImproperlyConfigured("RATHAUS_PRIVATE_DELIVERY must be 'stream' or 'redirect'.")
if RATHAUS_STORAGE == "s3":
    from rathaus.core.storage_config import StorageConfigError, s3_storages

    try:
        STORAGES.update(s3_storages(env, RATHAUS_S3_SIGNED_URL_SECONDS))
    except StorageConfigError as _exc:
        raise ImproperlyConfigured(str(_exc)) from _exc
# Per-node cache of files from object storage that need a local path (Parquet for polars, pyramid
# TIFFs for pyvips): keyed by content hash, verified, bounded (docs/storage.md, ADR 0021).
RATHAUS_FILE_CACHE_DIR = Path(env("RATHAUS_FILE_CACHE_DIR", str(DATA_DIR / "file-cache")))
RATHAUS_FILE_CACHE_MAX_BYTES = int(env("RATHAUS_FILE_CACHE_MAX_MB", "4096")) * 1024 * 1024
# Explicit upload limits (docs/configuration.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("RATHAUS_MAX_REQUEST_BYTES", str(5 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
RATHAUS_MAX_LOGO_BYTES = int(env("RATHAUS_MAX_LOGO_BYTES", str(512 * 1024)))
# Background work whose worker has not beaten for this long is failed (docs/operations.md).
RATHAUS_JOB_STALE_MINUTES = int(env("RATHAUS_JOB_STALE_MINUTES", "10"))
# Optional finer-grained overrides (docs/scaling.md): stale after N seconds, heartbeat and recovery
# intervals, and how often a task of a dead worker is claimed in total before it is failed.
RATHAUS_JOB_STALE_SECONDS = float(env("RATHAUS_JOB_STALE_SECONDS", "0") or 0) or None
RATHAUS_JOB_HEARTBEAT_SECONDS = float(env("RATHAUS_JOB_HEARTBEAT_SECONDS", "0") or 0) or None  # None: 20
RATHAUS_JOB_RECOVER_SECONDS = float(env("RATHAUS_JOB_RECOVER_SECONDS", "0") or 0) or None  # None: 300
RATHAUS_JOB_MAX_ATTEMPTS = int(env("RATHAUS_JOB_MAX_ATTEMPTS", "1"))
# Uploaded import files are deleted this many days after their job finished (scheduled job
# purge_import_files; the job rows stay). docs/configuration.md, ADR 0022.
RATHAUS_IMPORT_FILE_DAYS = int(env("RATHAUS_IMPORT_FILE_DAYS", "30"))

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env("RATHAUS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("RATHAUS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("RATHAUS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("RATHAUS_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("RATHAUS_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("RATHAUS_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("RATHAUS_EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("RATHAUS_DEFAULT_FROM_EMAIL", "Rathaus <noreply@rathaus.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------------
HTTPS = env_bool("RATHAUS_HTTPS", not DEBUG and not TESTING)
# Links that leave without a request (mails sent by the worker, feeds): the port of the public
# address when it is not the scheme's default (`make run` sets the development server's port).
PUBLIC_PORT = env("RATHAUS_PUBLIC_PORT", "")
# Sessions live in the database. With a shared cache (Redis) they are read through it: a signed-in
# request reads its session without a query; every write and deletion goes to both (issue 15). A
# memory cache is per process: a session ended (logout, "sign out other sessions") in one process
# would stay readable in another's, so without Redis every request reads the database row — unless
# RATHAUS_SESSION_CACHE=1 says that exactly one web process serves (its cache is then the only one).
SESSION_CACHE = env_bool("RATHAUS_SESSION_CACHE", bool(REDIS_URL))
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if SESSION_CACHE else "db")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS and env_bool("RATHAUS_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("RATHAUS_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
# Preload stays off on purpose: it is hard to undo and binds every subdomain of the municipality's
# domain, which the platform does not own. Silenced so that `check --deploy --fail-level WARNING` passes.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Number of reverse proxies in front of the app that append to X-Forwarded-For; the client address
# for rate limits and the audit log is read from there only when this is set (docs/operations.md).
RATHAUS_TRUSTED_PROXY_COUNT = int(env("RATHAUS_TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = RATHAUS_TRUSTED_PROXY_COUNT
# /health/ready (detailed readiness report): a bearer token and/or the client networks allowed to
# read it (docs/operations.md, section "Health"). /health and /health/live stay public.
RATHAUS_HEALTH_TOKEN = env("RATHAUS_HEALTH_TOKEN", "")
RATHAUS_HEALTH_ALLOWED_NETWORKS = env_list("RATHAUS_HEALTH_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
for _net in RATHAUS_HEALTH_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_net, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(
            f"RATHAUS_HEALTH_ALLOWED_NETWORKS: {_net!r} ist kein Netz / is not a network ({_exc})"
        ) from None
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("RATHAUS_BEHIND_PROXY", False) else None
)
SECURE_REDIRECT_EXEMPT = [r"^health(/live|/ready)?$", r"^metrics$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

_csp_self = ("'self'",)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": _csp_self,
        "script-src": _csp_self,
        "style-src": _csp_self,
        "img-src": ("'self'", "data:", *env_list("RATHAUS_CSP_IMG_SRC")),
        "font-src": _csp_self,
        "connect-src": _csp_self,
        "form-action": _csp_self,
        "frame-ancestors": ("'none'",),
        "base-uri": ("'none'",),
        "object-src": ("'none'",),
    }
}

# --- API --------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# --- Logging and metrics (docs/operations.md, "Monitoring and logs") ------------------------------
# json: one JSON object per line (time with UTC offset, level, logger, message, request_id,
# municipality, exception); plain: one text line, also with the UTC offset.
LOG_FORMAT = env("RATHAUS_LOG_FORMAT", "plain" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"RATHAUS_LOG_FORMAT must be 'json' or 'plain', not {LOG_FORMAT!r} (see docs/configuration.md)."
    )
# The client's address appears in log records only when switched on (personal data).
RATHAUS_LOG_CLIENT_IP = env_bool("RATHAUS_LOG_CLIENT_IP", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "rathaus.core.observability.logging.RequestContextFilter"}},
    "formatters": {
        "plain": {"()": "rathaus.core.observability.logging.PlainFormatter"},
        "json": {"()": "rathaus.core.observability.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request"]}
    },
    "root": {"handlers": ["console"], "level": env("RATHAUS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # libvips reports every finished thread pool at INFO; keep its warnings only.
        "pyvips": {"level": "WARNING"},
        # pysaml2 (identity) logs whole assertions, i.e. personal data, below WARNING; xmlschema, which
        # it loads, reports every schema it reads at INFO.
        "saml2": {"level": "WARNING"},
        "xmlschema": {"level": "WARNING"},
    },
}
# GET /metrics (Prometheus text): with this bearer token from anywhere, or without a token from
# these networks (client address as in the rate limits, see RATHAUS_TRUSTED_PROXY_COUNT).
RATHAUS_METRICS_TOKEN = env("RATHAUS_METRICS_TOKEN")
RATHAUS_METRICS_ALLOWED_NETWORKS = env_list("RATHAUS_METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")

# --- Rathaus ----------------------------------------------------------------------------------
# Folder with the public reference files (schemas, sample feeds) that tests read by path.
RATHAUS_TESTDATA = Path(env("RATHAUS_TESTDATA", str(PROJECT_DIR.parent / "shared" / "data")))
RATHAUS_AUDIT_PAGE_SIZE = 50
# XDatenfelder XSDs (folders 2.0/ and 3.0.0/) for validating FIM imports; default: the test data folder.
RATHAUS_FIM_XSD_DIR = env("RATHAUS_FIM_XSD_DIR", "")
SERVE_MEDIA = env_bool("RATHAUS_SERVE_MEDIA", False)

# --- Heritage (docs/heritage.md) ----------------------------------------------------------------
# Private folder for originals, pyramid TIFFs and IIIF tiles (served only through the IIIF views).
RATHAUS_HERITAGE_MEDIA_ROOT = env("RATHAUS_HERITAGE_MEDIA_ROOT", str(DATA_DIR / "heritage-media"))
# Search indexes held per process (MiB, least recently used dropped beyond; ADR 0019), and the cache
# their snapshots go to so a cold process loads instead of building ("" = off; default: the shared
# default cache when that is Redis, off with the process-local cache of `make run`).
HERITAGE_SEARCH_MEMORY_MB = int(env("RATHAUS_HERITAGE_SEARCH_MEMORY_MB", "192"))
HERITAGE_SEARCH_SNAPSHOT_CACHE = env("RATHAUS_HERITAGE_SEARCH_SNAPSHOT_CACHE", "default" if REDIS_URL else "")

# --- Mobility (docs/mobility.md) ----------------------------------------------------------------
# Imported GTFS timetables and population grids as Parquet: private, never web-served.
MOBILITY_DATA_DIR = Path(env("RATHAUS_MOBILITY_DIR", str(DATA_DIR / "mobility")))
# Map background tiles (empty: no tiles, the map draws on a plain background).
MOBILITY_TILE_URL = env("RATHAUS_MAP_TILE_URL", "")
MOBILITY_TILE_ATTRIBUTION = env("RATHAUS_MAP_TILE_ATTRIBUTION", "")
# Zip-bomb limits of the GTFS import: unpacked size of all .txt members, expansion ratio of one
# member, entries of the archive; work folders of killed imports older than this are removed.
MOBILITY_MAX_UNZIPPED_BYTES = int(env("RATHAUS_MOBILITY_MAX_UNZIPPED_MB", "1024")) * 1024 * 1024
MOBILITY_MAX_ZIP_RATIO = int(env("RATHAUS_MOBILITY_MAX_ZIP_RATIO", "200"))
MOBILITY_MAX_ZIP_MEMBERS = int(env("RATHAUS_MOBILITY_MAX_ZIP_MEMBERS", "500"))
MOBILITY_STALE_HOURS = float(env("RATHAUS_MOBILITY_STALE_HOURS", "6"))

# Payments (rathaus.payments, docs/payment.md): key for the provider secrets at rest (empty: derived
# from SECRET_KEY; set it to rotate SECRET_KEY without re-entering the secrets) and the HTTP timeout
# in seconds for calls to the payment provider.
RATHAUS_PAYMENT_KEY = env("RATHAUS_PAYMENT_KEY")
RATHAUS_PAYMENT_TIMEOUT = float(env("RATHAUS_PAYMENT_TIMEOUT", "10"))


# Identity (BundID, Mein Unternehmenskonto; docs/identity.md)
RATHAUS_IDENTITY_CLOCK_SKEW = int(env("RATHAUS_IDENTITY_CLOCK_SKEW", "60"))  # seconds
RATHAUS_IDENTITY_KEY_SECRET = env("RATHAUS_IDENTITY_KEY_SECRET", "")  # encrypts the SP keys; else SECRET_KEY
RATHAUS_IDENTITY_XMLSEC1 = env("RATHAUS_IDENTITY_XMLSEC1", "/usr/bin/xmlsec1")
