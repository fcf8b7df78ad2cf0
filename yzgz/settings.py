"""Settings for 禹州关注, read from the environment.

Development needs no configuration: SQLite in the project folder, a local-memory
cache and media on disk. Production sets ``DJANGO_DEBUG=0`` and then must provide
``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``, or the process refuses to start.

Environment variables (all optional in development):

=========================  ====================================================
``DJANGO_DEBUG``           ``1`` (default) for development, ``0`` for production
``DJANGO_SECRET_KEY``      required when ``DJANGO_DEBUG=0``
``DJANGO_ALLOWED_HOSTS``   comma-separated; required when ``DJANGO_DEBUG=0``
``DJANGO_SITE_URL``        the site's address (``https://www.example.cn``); required when ``DJANGO_DEBUG=0``;
                           every absolute URL is built from it, and it is a trusted CSRF origin
``DJANGO_CSRF_TRUSTED_ORIGINS``  comma-separated origins (``https://example.com``)
``DJANGO_TRUSTED_PROXIES`` comma-separated addresses or networks of the reverse proxies in front
                           (``127.0.0.1``, ``10.0.0.0/24``); X-Forwarded-For is believed only from
                           them (default: none)
``DATABASE_URL``           ``postgres://user:pass@host:5432/name``; SQLite when unset
``DATABASE_POOL``          ``1`` uses psycopg's connection pool on PostgreSQL; default ``0``: each thread
                           keeps its connection ``DATABASE_CONN_MAX_AGE`` seconds (default 300)
``REDIS_URL``              ``redis://host:6379/0``; local-memory cache when unset
``DJANGO_PAGE_CACHE_SECONDS``  anonymous page cache lifetime (default 60 with Redis in production, else 0)
``DJANGO_PUBLISHED_ROOT``  where anonymous pages are written for nginx to serve as files (``yzgz/published.py``)
``DJANGO_PUBLISHED_SECONDS``  how long such a file may be served (default 5; a change deletes them all)
``DJANGO_MEDIA_ROOT``      where uploads go (default ``./media``)
``DJANGO_MEDIA_STORAGE``   ``local`` (default: ``DJANGO_MEDIA_ROOT``) or ``s3``: an S3-compatible bucket
                           (``DJANGO_S3_BUCKET``, ``DJANGO_S3_ENDPOINT_URL``, ``DJANGO_S3_REGION``,
                           ``DJANGO_S3_ADDRESSING_STYLE``; credentials ``AWS_ACCESS_KEY_ID`` and
                           ``AWS_SECRET_ACCESS_KEY``) read by readers from ``DJANGO_MEDIA_URL``
``DJANGO_MEDIA_URL``       where readers fetch uploads (default ``/media/``; required with ``s3``)
``DJANGO_VIDEO_MAX_BYTES``  the largest article video upload (default 200 MB; nginx's admin upload
                           limit, ``client_max_body_size`` in deploy/nginx-*.conf, is 210m)
``DJANGO_STATIC_ROOT``     where ``collectstatic`` writes (default ``./staticfiles``)
``DJANGO_SERVE_MEDIA``     ``1`` to let Django serve uploads (default: only when debugging)
``DJANGO_SECURE_SSL``      ``1`` (default in production) for HTTPS-only cookies, HSTS
``DJANGO_LOG_LEVEL``       default ``INFO``
``DJANGO_COMMENTS_REQUIRE_PHONE``  a new site's 实名 setting (default on in production)
``DJANGO_SMS_BACKEND``     ``console`` (default), ``locmem``, ``file``, ``aliyun``, ``tencent`` or a dotted path;
                           credentials and templates below (README "Configuration")
``DJANGO_EMAIL_BACKEND``   console in development, SMTP (``DJANGO_EMAIL_HOST`` …) in production
``DJANGO_IP_REGION_DB``    the IP属地 database folder (default ``./var/ip2region``)
=========================  ====================================================
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.http.request import split_domain_port, validate_host
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from yzgz.net import parse_trusted_proxies
from yzgz.siteurl import parse_site_url
from yzgz.storage import media_storage


def _static(path):
    from django.templatetags.static import static  # imported late: needs settings loaded

    return static(path)


static_lazy = lazy(_static, str)

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


DEBUG = env_bool("DJANGO_DEBUG", True)
# With DEBUG the site still shows its own Chinese error pages; 1 brings back Django's technical ones.
DEBUG_TECHNICAL_PAGES = env_bool("DJANGO_DEBUG_TECHNICAL_PAGES", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105 - development only; production refuses it below
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is a default or too short (50+ random characters).")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0.")
# The site's address: every absolute URL (canonical, share, QR, feeds) is built from it, never
# from the Host header (yzgz/siteurl.py). Empty in development means "the request's own".
try:
    SITE_URL = parse_site_url(os.environ["DJANGO_SITE_URL"]) if os.environ.get("DJANGO_SITE_URL") else ""
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
if not DEBUG and not SITE_URL:
    raise ImproperlyConfigured("DJANGO_SITE_URL must be set when DJANGO_DEBUG=0 (e.g. https://www.example.cn).")
if SITE_URL and not validate_host(split_domain_port(urlsplit(SITE_URL).netloc)[0], ALLOWED_HOSTS):
    raise ImproperlyConfigured(f"The host of DJANGO_SITE_URL ({SITE_URL}) is not in DJANGO_ALLOWED_HOSTS.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
if SITE_URL and SITE_URL not in CSRF_TRUSTED_ORIGINS:
    CSRF_TRUSTED_ORIGINS.append(SITE_URL)
# The reverse proxies (nginx, a load balancer) whose X-Forwarded-For is believed (yzgz/net.py).
try:
    TRUSTED_PROXIES = parse_trusted_proxies(os.environ.get("DJANGO_TRUSTED_PROXIES", ""))
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None

INSTALLED_APPS = [
    "accounts",
    "news.articles",  # app label "news"
    "news.comments",
    "news.viewcounts",
    "news.search",
    "news.engagement",
    "news.legacy",
    "news.api",
    "tools",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "phonenumber_field",
    "django_prose_editor",
    "ninja",  # django-ninja: listed so its schema page (Swagger UI) comes from our static files, no CDN
    "corsheaders",
    "csp",  # django-csp: its checks catch settings in the old CSP_* form, which it would ignore
]

# The body editor's own extension (image upload, WeChat paste) is loaded next to its bundle.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {"js": [static_lazy("js/admin-editor.js")], "extensions": {"YzImages": lambda config, allowlist: None}},
]

MIDDLEWARE = [
    # Outermost: it sees every header the others add before it writes a page nginx serves as a file.
    "yzgz.published.PublishMiddleware",
    "yzgz.siteurl.SiteHostMiddleware",  # with SITE_URL: only the site's address (400 for others)
    "django.middleware.security.SecurityMiddleware",
    # A plain resident's /page-parts/ (every view of an article): answered here, the rest skipped.
    "yzgz.pageparts.PagePartsMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # /api/ only (CORS_URLS_REGEX), for API_CORS_ORIGINS
    "yzgz.security.ContentSecurityPolicyMiddleware",  # django-csp's, plus the admin's and a CDN's sources
    "yzgz.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yzgz.middleware.RenderStatsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yzgz.middleware.LanguageMiddleware",
    # /api/: rate limits, the anonymous answers' cache, ETags and JSON errors (news.api.middleware).
    "news.api.middleware.ApiMiddleware",
    "yzgz.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After CSRF: a 404/410 that replaces a public page in nginx's microcache carries no token.
    "yzgz.pagecache.MicrocacheErrorsMiddleware",
    # The cookies nginx reads to give residents its copy of a page: yz_fresh after a write.
    "yzgz.pagecache.EdgeCookiesMiddleware",
    "yzgz.errors.ErrorPagesMiddleware",  # only with DEBUG: our error pages, not Django's technical ones
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a login the throttle refused into a 429 (accounts.views.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yzgz.urls"
WSGI_APPLICATION = "yzgz.wsgi.application"

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
                "news.articles.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    # Without the pool each app server thread keeps its connection (checked before each
    # request's first query, so one broken by a database restart is replaced, not used).
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", 300)),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # psycopg prepares a statement run this often on a connection, for the cursors that bind
        # on the server: the residents' one statement a request (yzgz.pagecache._ask). Django's
        # own cursors bind on the client and are never prepared.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_POOL", False):
        # psycopg's pool keeps connections open itself; Django requires CONN_MAX_AGE=0 with it.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # With a pool this makes Django pass psycopg's check_connection: a connection is checked
        # as it leaves the pool, so one broken by a database restart is replaced, not used.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": 10,
            # Waiting longer than this for a connection is an outage: the reader gets the 503 page.
            "timeout": 5,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# Redis also buffers view counts (news.viewcounts.viewcount) when set.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Whole pages for anonymous readers (yzgz.pagecache): on in production with Redis (the cache
# and its invalidation must be shared by every app server), off while developing.
# /api/v1/ (news.api): requests a minute per client address without a token, and per token;
# how long an anonymous answer is kept (and may be kept by apps); the origins allowed to call it
# from a browser (comma-separated, e.g. https://m.example.cn; none by default).
API_RATE_PER_IP = int(os.environ.get("DJANGO_API_RATE_PER_IP", 120))
API_RATE_PER_TOKEN = int(os.environ.get("DJANGO_API_RATE_PER_TOKEN", 300))
API_CACHE_SECONDS = int(os.environ.get("DJANGO_API_CACHE_SECONDS", 30))
CORS_ALLOWED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_API_CORS_ORIGINS", "").split(",") if o.strip()]
CORS_URLS_REGEX = r"^/api/.*$"
NINJA_PAGINATION_MAX_LIMIT = 50

PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", 60 if REDIS_URL and not DEBUG else 0))
# Logged-in residents share those pages too, with their own parts (the user menu, CSRF tokens,
# their reaction) put in per request (yzgz.pagecache, "members").
PAGE_CACHE_MEMBERS = env_bool("DJANGO_PAGE_CACHE_MEMBERS", True)
# Where the app servers write the anonymous pages nginx serves as files during a spike
# (yzgz/published.py); must be the directory nginx reads. Unset: the microcache alone.
PUBLISHED_ROOT = os.environ.get("DJANGO_PUBLISHED_ROOT", "")
# How long such a page may be served after it was made, unless a change deletes it first.
PUBLISHED_SECONDS = int(os.environ.get("DJANGO_PUBLISHED_SECONDS", 5))
if REDIS_URL:
    CACHES = {
        "default": {
            # RedisCache that carries on without Redis (yzgz/cache.py).
            "BACKEND": "yzgz.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "yzgz",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yzgz"}}

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Every authenticate() passes django-axes first: one throttle for every way in (accounts/throttle.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.PhoneCodeBackend",  # 短信验证码登录, counted by the same throttle
]
AXES_HANDLER = "accounts.throttle.AtomicCacheHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "accounts.throttle.axes_username"
AXES_CLIENT_IP_CALLABLE = "yzgz.net.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_FAILURE_LIMIT = 5  # accounts.throttle.LOGIN_MAX_FAILURES counts; this is what axes reports
AXES_ENABLE_ADMIN = False  # the counters live in the cache, not in axes' tables
AXES_VERBOSE = False
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "news:home"
LOGOUT_REDIRECT_URL = "news:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # Old Discuz! portal passwords (import_discuz); upgraded to Argon2 on first login.
    "accounts.hashers.DiscuzMD5PasswordHasher",
    "accounts.hashers.DiscuzBcryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# 忘记密码 by email: the link works once (Django's token) and for two hours.
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60

# --- Residents' identity (实名): mobile numbers, SMS, IP属地 ---------------------------------
PHONENUMBER_DEFAULT_REGION = "CN"
PHONENUMBER_DB_FORMAT = "E164"
# Whether a resident must link a mobile number before commenting is a site setting (SiteSettings,
# in the admin); this is its value on a new site: on in production, off in development.
COMMENTS_REQUIRE_PHONE_DEFAULT = env_bool("DJANGO_COMMENTS_REQUIRE_PHONE", not DEBUG)
# SMS codes go through a backend, like email (accounts/sms.py): console, locmem and file for
# development and tests; aliyun and tencent send for real with the credentials below.
SMS_BACKENDS = {
    "console": "accounts.sms.ConsoleBackend",
    "locmem": "accounts.sms.LocmemBackend",
    "file": "accounts.sms.FileBackend",
    "aliyun": "accounts.sms.AliyunBackend",
    "tencent": "accounts.sms.TencentBackend",
}
_sms = os.environ.get("DJANGO_SMS_BACKEND", "console")
SMS_BACKEND = SMS_BACKENDS.get(_sms, _sms)
SMS_FILE_PATH = os.environ.get("DJANGO_SMS_FILE_PATH", str(BASE_DIR / "var" / "sms.log"))
SMS_SIGN_NAME = os.environ.get("DJANGO_SMS_SIGN_NAME", "禹州关注")
SMS_TEMPLATES = {
    "verify": os.environ.get("DJANGO_SMS_TEMPLATE_VERIFY", ""),
    "login": os.environ.get("DJANGO_SMS_TEMPLATE_LOGIN", ""),
    "reset": os.environ.get("DJANGO_SMS_TEMPLATE_RESET", ""),
}
SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
SMS_TENCENT_SECRET_ID = os.environ.get("TENCENTCLOUD_SECRET_ID", "")
SMS_TENCENT_SECRET_KEY = os.environ.get("TENCENTCLOUD_SECRET_KEY", "")
SMS_TENCENT_SDK_APP_ID = os.environ.get("DJANGO_SMS_TENCENT_SDK_APP_ID", "")
SMS_TENCENT_REGION = os.environ.get("DJANGO_SMS_TENCENT_REGION", "ap-guangzhou")
# WeChat JS-SDK share cards (news/articles/wechat.py): the official account's AppID is a site setting,
# its AppSecret stays here. The API's address is a setting so that tests can talk to a fake server.
WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
WECHAT_API_BASE = os.environ.get("DJANGO_WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/")
# The offline IP属地 database (ip2region, from the npm registry: manage.py fetch_ip_region_db).
IP_REGION_DB = Path(os.environ.get("DJANGO_IP_REGION_DB", BASE_DIR / "var" / "ip2region"))
# Email: password reset links. The console in development; SMTP from the environment in production.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "禹州关注 <noreply@localhost>")

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Django serves uploads itself only in development (and tests); nginx does in production.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", DEBUG)
STORAGES = {
    "default": {"BACKEND": "yzgz.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# DJANGO_MEDIA_STORAGE=s3: uploads in S3-compatible object storage that every app host sees.
try:
    STORAGES["default"], MEDIA_URL = media_storage(os.environ)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
# Uploads: Django's own limits on the request; image limits live in yzgz.images.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
# An article's video (news.articles.video): refused above this size before it is read. Uploads over
# FILE_UPLOAD_MAX_MEMORY_SIZE are streamed to a temporary file, never held in memory.
VIDEO_MAX_BYTES = int(os.environ.get("DJANGO_VIDEO_MAX_BYTES", 200 * 1024 * 1024))

# --- Tags -----------------------------------------------------------------------------
TAGGIT_CASE_INSENSITIVE = True

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions read from the cache (Redis in production), written through to the database: a
# logged-in page costs no session query, and a Redis outage only costs that query back.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script of ours reads the CSRF cookie: forms carry the token, and site.js asks /csrf/ for it.
CSRF_COOKIE_HTTPONLY = True
https_only = not DEBUG and env_bool("DJANGO_SECURE_SSL", True)
if https_only:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# What every response allows (django-csp). yzgz.security adds per request the admin's sources (the
# editor's import map by its hash, pasted pictures) and the hosts of static files and uploads
# served from elsewhere (a CDN, object storage).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF],
        # The two video players an article may embed (news.articles.video.PLAYER_HOSTS); no other frame.
        "frame-src": ["https://v.qq.com", "https://player.bilibili.com"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": https_only,
    },
}

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_4xx": {"()": "yzgz.errors.OneLineClientErrors"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["one_line_4xx"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Once, through our handler: Django's own console handler would print every line again.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}
