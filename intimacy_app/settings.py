"""The one settings module, driven by environment variables.

With nothing set it runs on SQLite in debug on 127.0.0.1. `DATABASE_URL` switches to
PostgreSQL, `REDIS_URL` moves cache and sessions to Redis, and `DJANGO_DEBUG=false` turns on the
production posture, which refuses to start without a real `DJANGO_SECRET_KEY`.
"""

import base64
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# A fixed key is fine on a developer's laptop and refused anywhere else.
DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off, so DJANGO_SECRET_KEY must be set to a random value of at least "
        "50 characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "intimacy_app.accounts.apps.SiteAdminConfig",  # django.contrib.admin, staff need 2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "intimacy_app.content",
    "intimacy_app.accounts",
    "quiz",
    "journal",
]

MIDDLEWARE = [
    # Outermost, so every response (redirects and static files too) is logged and tagged.
    "intimacy_app.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the session middleware, so a session that cannot be saved also gets the 503 page.
    "intimacy_app.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "intimacy_app.accounts.middleware.MemberSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "intimacy_app.middleware.VaryOnVisitorCountryMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it sees a lockout flagged anywhere and answers with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "intimacy_app.urls"

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
                "intimacy_app.context_processors.site_links",
            ],
        },
    },
]

WSGI_APPLICATION = "intimacy_app.wsgi.application"

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions: local memory by default, Redis when REDIS_URL is set -----------------
# Sessions are Django's cached_db engine, with each row knowing its member
# (intimacy_app.accounts.sessions). Its cache is Redis when there is one; otherwise a dummy
# cache, so sessions are plainly rows of the database, shared by every worker.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    SESSION_CACHE_ALIAS = "default"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    SESSION_CACHE_ALIAS = "sessions"
SESSION_ENGINE = "intimacy_app.accounts.sessions"

# Copies of a member's slow pages, rendered from decrypted journal text and quiz answers, kept in
# each worker's memory and nowhere else: never in Redis, never on disk (accounts.member_cache).
CACHES["member"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "member-pages",
    "TIMEOUT": 10 * 60,
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# Rate limits (accounts.throttle) must hold across every worker and a restart: they are kept in
# Redis when there is one, else in a database table (made by migration
# accounts.0005_limits_cache_table; Django's test databases make it themselves).
if REDIS_URL:
    CACHES["limits"] = {**CACHES["default"], "KEY_PREFIX": "limits"}
else:
    CACHES["limits"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "accounts_limits",
        "TIMEOUT": 60 * 60,
        # A full table drops a third of its rows; keep room for many clients' counters.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }

# A signed-in session ends after this long without a request, and this long after sign-in
# whatever happens (intimacy_app.accounts.middleware). Visitors' sessions keep Django's default.
MEMBER_SESSION_IDLE = timedelta(minutes=env.int("DJANGO_SESSION_IDLE_MINUTES", default=120))
MEMBER_SESSION_LIFETIME = timedelta(days=env.int("DJANGO_SESSION_MAX_DAYS", default=14))

# --- Accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "member_home"
LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out sign-ins before any check
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures within the cool-off, the
# pair of account and client address is locked out, so a stranger who knows an address cannot
# lock its owner out; the account is slowed down instead, and a client trying many accounts is
# rate-limited (accounts.throttle). The address is REMOTE_ADDR; behind your own proxies, set
# DJANGO_TRUSTED_PROXY_COUNT to how many of them append to X-Forwarded-For, so the address the
# outermost one saw is used and anything a client wrote into that header is ignored.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_LOCKOUT_MINUTES", default=15))
# Sign-in attempts one client address may make in an hour, across all accounts.
SIGNIN_CLIENT_LIMIT = env.int("DJANGO_SIGNIN_CLIENT_LIMIT", default=50)
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "intimacy_app.accounts.throttle.attempted_username"
AXES_CLIENT_IP_CALLABLE = "intimacy_app.accounts.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "intimacy_app.accounts.throttle.lockout_response"
# Keep failure counters only; no lasting log of who signed in from where.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Two-step sign-in with an authenticator app (django-otp); required for the admin.
OTP_TOTP_ISSUER = "Stay in the Room"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Console e-mail unless an SMTP URL is given (smtp+tls://user:password@host:587).
if env.str("EMAIL_URL", default=""):
    _smtp = env.email_url("EMAIL_URL")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp["EMAIL_HOST"],
                "port": _smtp["EMAIL_PORT"],
                "username": _smtp["EMAIL_HOST_USER"],
                "password": _smtp["EMAIL_HOST_PASSWORD"],
                "use_tls": _smtp.get("EMAIL_USE_TLS", False),
                "use_ssl": _smtp.get("EMAIL_USE_SSL", False),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Stay in the Room <noreply@localhost>")
# Where the app tells people to write (a lost phone, a staff enrolment link); a deploy check
# warns while it is still the local default.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@localhost")

# Where the quick exit on every page goes: a page anyone might have open, on another site, so
# the address bar and the tab's title give nothing away (browser tests point it at a local page).
QUICK_EXIT_URL = env.str("QUICK_EXIT_URL", default="https://www.bbc.co.uk/weather")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files: WhiteNoise with hashed, compressed names ----------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# --- Forms -----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers ------------------------------------------------------------------------
# No third-party hosts, no inline script without a nonce, no eval.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# htmx sends the token from the page (hx-headers on <body>), so no script needs the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "intimacy_app.views.csrf_failure"
# Error reports show where something failed, never what a member sent or wrote.
DEFAULT_EXCEPTION_REPORTER = "intimacy_app.accounts.redaction.PrivateExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "intimacy_app.accounts.redaction.PrivateExceptionReporterFilter"

if not DEBUG:
    # Production sits behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are refused by browsers unless secure, host-only and for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Logging: one line per event on stderr, never request bodies -----------------------------
# Every record passes PrivateLogFilter (no exception messages, no e-mail addresses). Django's
# own loggers write here too, instead of e-mailing error reports.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"private": {"()": "intimacy_app.accounts.redaction.PrivateLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # The request log line is already JSON (intimacy_app.middleware); print it bare.
        "bare": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["private"]},
        "requests": {"class": "logging.StreamHandler", "formatter": "bare"},
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "intimacy_app.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
        # The request line above covers 4xx; Django's own warnings would repeat them with the
        # raw path, which can carry tokens. Errors (with their tracebacks) still come through.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Journal encryption (journal app) --------------------------------------------------------
# JOURNAL_ENCRYPTION_KEYS: comma-separated "keyid:base64urlkey" entries of 32-byte keys. The
# first encrypts, every one decrypts; put a new key first, then run
# `manage.py rotate_journal_key`. The journal app's system check (journal/checks.py) refuses a
# missing or malformed value. In debug without it, a key generated once into the git-ignored
# .dev-keys file is used.
JOURNAL_ENCRYPTION_KEYS = env.str("JOURNAL_ENCRYPTION_KEYS", default="")
if not JOURNAL_ENCRYPTION_KEYS and DEBUG:
    _dev_keys = BASE_DIR / ".dev-keys"
    try:
        with _dev_keys.open("x", encoding="ascii") as _file:  # never overwrite an existing key
            _key = base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")
            _file.write(f"dev:{_key}\n")
        _dev_keys.chmod(0o600)
    except FileExistsError:
        pass
    JOURNAL_ENCRYPTION_KEYS = _dev_keys.read_text(encoding="ascii").strip()
