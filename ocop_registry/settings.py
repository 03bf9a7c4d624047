"""Settings for the Thanh Hóa OCOP registry.

One file for every environment: production differs from development only by
environment variables (see ``.env.example``). The settings fail closed: with no
variables set this is production (DEBUG off, a secret key required). Development
says so explicitly with ``DJANGO_DEBUG=1`` (``make run`` and ``make test`` do).
"""

import os
from datetime import timedelta
from email.utils import getaddresses
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-change-me-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. In production (DJANGO_DEBUG unset or 0) a secret key is required: "
        "generate one with  python -c \"from django.core.management.utils import get_random_secret_key as k; "
        "print(k())\"  and set it in the environment (see .env.example). For development set DJANGO_DEBUG=1."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")


def _site_url(value: str) -> str:
    """OCOP_SITE_URL as an origin (``https://ocop.thanhhoa.gov.vn``), or "" when unset; anything else (a path,
    no scheme) refuses to start."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"OCOP_SITE_URL={value!r} is not an origin: give the scheme and host only, "
            "as in https://ocop.thanhhoa.gov.vn (see .env.example)"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


# The public address of the site: the scheme and host of every absolute link the registry hands out (QR codes,
# the CSV, the API, the sitemap, canonical and Open Graph links), through ocop_registry.site_url.absolute_url,
# whatever host a request came in by. Unset, links use the request's host (development); in production
# `check --deploy` warns (ocop_registry.W001) and docs/deploy.md says to set it.
SITE_URL = _site_url(os.environ.get("OCOP_SITE_URL", ""))

INSTALLED_APPS = [
    "ocop_registry.apps.OcopAdminConfig",  # django.contrib.admin with the registry's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "imagekit",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "products",
    "evaluations",
]

MIDDLEWARE = [
    # First: anonymous public answers from the shared cache, stored with every header the middleware below
    # gave them (security, CSP); a hit needs none of the rest (ocop_registry.public_cache).
    "ocop_registry.public_cache.PublicCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ocop_registry.csp.PolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ocop_registry.sessions.StaffActivityMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ocop_registry.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "products.context_processors.ocop_rules",
                "products.context_processors.demo_data",
            ],
        },
    },
]

WSGI_APPLICATION = "ocop_registry.wsgi.application"
ASGI_APPLICATION = "ocop_registry.asgi.application"

# In production connections persist (with a health check before reuse, so a restarted PostgreSQL costs
# no failed request after it is back); in development each request opens its own.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", default=not DEBUG),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Join tables in the order the ORM writes them (products first, then the small tables they point to):
    # planning a catalogue page's seven-table join otherwise costs PostgreSQL 6-9 ms, ten times running it
    # (docs/decisions.md, "Planning the catalogue's joins").
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c join_collapse_limit=1"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, as django-axes asks: counts failures, refuses locked logins
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("Tiếng Anh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["ocop_registry.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads --------------------------------------------------
# Static files: WhiteNoise serves them from STATIC_ROOT (after collectstatic) with hashed, compressed names
# and far-future caching. In development (DEBUG) plain storage, so no collectstatic is needed.
STATIC_URL = "static/"
# Swagger UI for /api/v1/docs/ from drf-spectacular-sidecar, as /static/swagger-ui/…: served from this site, no CDN.
# Only its swagger-ui-dist folder, not the whole app (Redoc and its 4 MB source map would add a minute of
# compression to every collectstatic); source maps are copied but not compressed.
SIDECAR_STATIC = Path(find_spec("drf_spectacular_sidecar").origin).parent / "static" / "drf_spectacular_sidecar"
SWAGGER_UI_DIR = SIDECAR_STATIC / "swagger-ui-dist"
STATICFILES_DIRS = [BASE_DIR / "static", ("swagger-ui", SWAGGER_UI_DIR)]
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
WHITENOISE_MAX_AGE = 60 * 60  # unhashed names (favicon.ico, robots); hashed names are cached for ten years

# Uploaded product images: the local MEDIA_ROOT by default; an S3-compatible object store (shared by every
# app server) when OCOP_S3_BUCKET is set. See docs/deploy.md.
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
S3_BUCKET = os.environ.get("OCOP_S3_BUCKET", "")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("OCOP_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("OCOP_S3_REGION") or None,
            "access_key": os.environ.get("OCOP_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("OCOP_S3_SECRET_ACCESS_KEY") or None,
            # Public product images: plain URLs on the bucket (or its CDN), no signed query strings.
            "custom_domain": os.environ.get("OCOP_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,
            "default_acl": None,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }

def _s3_media_origins() -> list:
    """Where the browser fetches product images from when they live in the object store (for img-src)."""
    if not S3_BUCKET:
        return []
    if os.environ.get("OCOP_S3_CUSTOM_DOMAIN"):
        return [f"https://{os.environ['OCOP_S3_CUSTOM_DOMAIN']}"]
    endpoint = urlsplit(os.environ.get("OCOP_S3_ENDPOINT_URL") or "https://s3.amazonaws.com")
    # Path-style (endpoint/bucket/key) or virtual-hosted (bucket.endpoint/key), as the store chooses.
    return [f"{endpoint.scheme}://{endpoint.netloc}", f"{endpoint.scheme}://{S3_BUCKET}.{endpoint.netloc}"]


MEDIA_ORIGINS = _s3_media_origins()

# Django serves uploaded media itself (with nosniff and a sandbox CSP) unless a reverse proxy does.
SERVE_MEDIA = env_bool("OCOP_SERVE_MEDIA", default=not S3_BUCKET)

# Request size: forms and uploads up to these; nginx's client_max_body_size matches (deploy/nginx.conf).
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Cache -----------------------------------------------------------------------------
# REDIS_URL: Django's Redis cache shared by every worker and machine; a Redis outage degrades to computing
# (ocop_registry.cache). Without it, a per-process memory cache (development, `make run`).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "ocop_registry.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ocop"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Public pages and API answers for anonymous visitors, served from the cache until the next write bumps the
# data version (ocop_registry.public_cache, ocop_registry.data_version), with ETag/Last-Modified and 304s.
# On when the cache is shared (REDIS_URL): a per-process cache would let each worker serve its own stale copy
# after a write. OCOP_PUBLIC_CACHE=0 turns it off (e.g. to measure uncached pages); =1 turns it on with a
# per-process cache (a single process only: tests, runserver).
PUBLIC_CACHE = env_bool("OCOP_PUBLIC_CACHE", default=bool(REDIS_URL))
PUBLIC_CACHE_MAX_AGE = env_int("OCOP_PUBLIC_CACHE_MAX_AGE", 60)  # seconds browsers and proxies may reuse an answer

# Certificate lookups (/xac-minh/) a visitor may make, django-ratelimit's "count/period" (s, m, h, d): enough for a
# trader checking a shelf, not for walking every code. Counted in the shared cache (Redis); without REDIS_URL,
# per process (the embedded default serves from one).
VERIFY_RATE = os.environ.get("OCOP_VERIFY_RATE", "30/m")
# Entries are exact without a timeout; this one only bounds how long an answer could outlive a write made
# while Redis was unreachable (the write's bump lost).
PUBLIC_CACHE_TIMEOUT = 10 * 60

# --- Accounts and sessions ----------------------------------------------------------------
LOGIN_URL = "admin:login"

# Only staff have sessions. They end after 8 hours without a request to the admin or the dashboard
# (ocop_registry.sessions.StaffActivityMiddleware renews them there, and only there).
SESSION_COOKIE_AGE = 8 * 60 * 60

# Login protection (django-axes): 5 failures for one username from one address lock that pair for 15
# minutes; the state lives in the shared cache (Redis), so every app server sees the same count. Without
# Redis (one server, development) it lives in the database, which every worker shares too.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler" if REDIS_URL else "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "ocop_registry.errors.login_locked_out"
AXES_RESET_ON_SUCCESS = True
# Attempts during the lockout do not restart it: it ends 15 minutes after the 5th failure, as the 429 page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client's address. DJANGO_PROXY_COUNT reverse proxies (nginx, a load balancer) stand in front, each
# appending the address it received the request from to X-Forwarded-For; the client is the
# DJANGO_PROXY_COUNT-th entry from the right, and whatever the client itself sent further left is ignored.
# django-ipware counts only the proxies listed after the client (hence - 1) and, not strict, skips junk a
# client prepends instead of discarding the header. No proxy (0): the socket's address, headers ignored.
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1 if PROXY_COUNT else None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR"] if PROXY_COUNT else ["REMOTE_ADDR"]
IPWARE_STRICT = False

# Second factor (TOTP, django-otp): superusers must use one in production; staff may.
OTP_REQUIRED_FOR_SUPERUSERS = env_bool("OCOP_OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "OCOP Thanh Hóa"

# --- Security headers and cookies (`manage.py check --deploy`) ------------------------------
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60  # a visitor who chose English keeps it
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
if SECURE_COOKIES:
    # __Host-: only over HTTPS, for this exact host, path / (browsers refuse such a cookie otherwise).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-lang"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz)$"]  # probes answer over plain HTTP too (ocop_registry/health.py)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. The admin's own styles use
# inline style attributes, so only the admin allows inline styles (ocop_registry.csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

CSRF_FAILURE_VIEW = "ocop_registry.errors.csrf_failure"

# --- Errors: logged, mailed to ADMINS, and sent to Sentry when SENTRY_DSN is set ---------------
# DJANGO_ADMINS="Văn phòng Điều phối <ocop@example.vn>, Kỹ thuật <it@example.vn>"
ADMINS = getaddresses([os.environ.get("DJANGO_ADMINS", "")]) if os.environ.get("DJANGO_ADMINS") else []
SERVER_EMAIL = os.environ.get("DJANGO_SERVER_EMAIL", "root@localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", SERVER_EMAIL)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
EMAIL_SUBJECT_PREFIX = "[OCOP Thanh Hóa] "

# The coordination office, as its renewal notices name it (evaluations.notices): the letter's signatory and the
# contact a producer answers. Address and phone are printed only when set.
OFFICE_NAME = os.environ.get(
    "OCOP_OFFICE_NAME", "Văn phòng Điều phối Chương trình mục tiêu quốc gia xây dựng nông thôn mới tỉnh Thanh Hóa"
)
OFFICE_ADDRESS = os.environ.get("OCOP_OFFICE_ADDRESS", "")
OFFICE_PHONE = os.environ.get("OCOP_OFFICE_PHONE", "")
OFFICE_EMAIL = os.environ.get("OCOP_OFFICE_EMAIL", DEFAULT_FROM_EMAIL)
# Renewal notices go to certificates that lapse within this many days ("LOW-HIGH"), not sooner than LOW. Unset
# (None): from the rules' notice period to the "expiring soon" period (evaluations.rules, evaluations.notices).
_window = os.environ.get("OCOP_RENEWAL_NOTICE_WINDOW", "")
RENEWAL_NOTICE_WINDOW = tuple(int(n) for n in _window.split("-", 1)) if _window else None

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "ocop_registry.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Thanh Hóa OCOP registry — open data API",
    "DESCRIPTION": "Read-only open data on OCOP-certified products of Thanh Hóa province.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

VISITOR_REFUSALS = tuple(
    f"django.security.{name}" for name in ("DisallowedHost", "RequestDataTooBig", "TooManyFieldsSent", "TooManyFilesSent")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False},
        # Refusals that are the visitor's doing (an unknown Host, an oversized form) are logged, not mailed.
        **{name: {"handlers": ["console"], "level": "ERROR", "propagate": False} for name in VISITOR_REFUSALS},
    },
}

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,  # producers' and staff's personal data stay out of the error reports
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
    from sentry_sdk.integrations.logging import ignore_logger

    for name in VISITOR_REFUSALS:
        ignore_logger(name)
