"""Django settings for satustok, read from the environment.

Defaults are the embedded single-machine set-up: SQLite in the data directory (WAL, immediate
transactions), keys generated on first run. ``DATABASE_URL`` switches to PostgreSQL.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from satustok.channels import registry as channel_registry
from satustok.core.datadir import data_dir, django_secret_key, encryption_keys, private_file
from satustok.core.deploy import UnknownMode, mode_from, transport_security, url_host
from satustok.core.queue import huey_settings

# SATUSTOK_MODE: "demo" (the default; `satustok run` starts the sandbox marketplaces and talks
# to them) or "production" (the real marketplaces; `satustok run` refuses to start unless the
# set-up is safe to expose: see core/checks.py and docs/operations.md).
try:
    SATUSTOK_MODE = mode_from(os.environ.get("SATUSTOK_MODE", ""))
except UnknownMode as exc:
    raise ImproperlyConfigured(str(exc)) from None

DATA_DIR = data_dir()
SECRET_KEY = django_secret_key(DATA_DIR)
SATUSTOK_ENCRYPTION_KEYS = encryption_keys(DATA_DIR)

DEBUG = os.environ.get("SATUSTOK_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("SATUSTOK_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
PORT = int(os.environ.get("PORT", "8000"))
PUBLIC_URL = os.environ.get("SATUSTOK_PUBLIC_URL", f"http://127.0.0.1:{PORT}")
if url_host(PUBLIC_URL) and url_host(PUBLIC_URL) not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(url_host(PUBLIC_URL))  # the address the hub is reached at is allowed

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "satustok.core",
    "satustok.catalog",
    "satustok.inventory",
    "satustok.channels",
    "satustok.sync",
    "satustok.orders",
    "satustok.reports",
    "satustok.uploads",
    "satustok.api",
    "satustok.web",
    "satustok.cli",
    "huey.contrib.djhuey",
    "django_htmx",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "satustok.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

# django-axes' backend first: it refuses a locked-out username or address before the password
# is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "satustok.urls"
WSGI_APPLICATION = "satustok.wsgi.application"
ASGI_APPLICATION = "satustok.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Each channel package keeps its own templates (its connect page) in its folder.
        "DIRS": [description.templates_dir for description in channel_registry.descriptions()],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "satustok.web.access.capabilities",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    return {
        # Django's SQLite backend, with the writers of a process taking turns in order
        # (satustok/core/sqlite/base.py says why).
        "ENGINE": "satustok.core.sqlite",
        "NAME": private_file(DATA_DIR / "satustok.sqlite3"),  # 0600: sessions, buyers' data
        # Keep connections between requests and tasks: reconnecting (and re-running the
        # PRAGMAs) was half the cost of a small task.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout
            # instead of one failing with "database is locked" half-way through.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            ),
        },
        # One file per test process: two test runs on one machine never share (or drop) it.
        "TEST": {"NAME": DATA_DIR / f"test-{os.getpid()}.sqlite3"},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's own validators: also applied to SATUSTOK_ADMIN_PASSWORD (core/firstuser.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes), on the UI's login and the Django admin's: after this many
# failed logins for one username (from anywhere), or from one address (for any username),
# that username or address is locked out for this long. The REST API needs none: its Bearer
# tokens are 256-bit random keys, not passwords a person chose, so guessing one is hopeless.
SATUSTOK_LOGIN_FAILURE_LIMIT = int(os.environ.get("SATUSTOK_LOGIN_FAILURE_LIMIT", "5"))
SATUSTOK_LOGIN_COOLOFF_MINUTES = int(os.environ.get("SATUSTOK_LOGIN_COOLOFF_MINUTES", "15"))
# How many reverse proxies of ours stand in front of the hub (0: none). Only then is the
# client's address read from X-Forwarded-For (core/deploy.py client_ip): by default the header
# is not trusted, or anyone could choose the address their failed logins count against.
SATUSTOK_TRUSTED_PROXY_COUNT = int(os.environ.get("SATUSTOK_TRUSTED_PROXY_COUNT", "0"))
AXES_FAILURE_LIMIT = SATUSTOK_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SATUSTOK_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own, not the pair
AXES_CLIENT_IP_CALLABLE = "satustok.core.deploy.client_ip"
AXES_LOCKOUT_CALLABLE = "satustok.web.lockout.locked_out"  # a page in the site's look, 429
# A successful login forgets its username's failures (core/apps.py), not its address's: with
# axes' own reset, an attacker's login to an account of their own would wipe the count of
# their guesses at everyone else's.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False  # one line per failure, from our log, not axes' banner at start

LANGUAGE_CODE = "id"  # Bahasa Indonesia by default; English on request
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
TIME_ZONE = "Asia/Jakarta"  # WIB
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from the finders; it only wants the folder
STORAGES = {
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Cookies and headers, always: sessions are not readable by scripts and not sent along with
# another site's requests; pages are never framed, never sniffed, and say only our origin as
# referrer.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind TLS (SATUSTOK_PUBLIC_URL is https): secure cookies, HSTS for a year, the proxy's
# X-Forwarded-Proto trusted, CSRF origins from the public URL (core/deploy.py).
# SATUSTOK_SSL_REDIRECT=1 also redirects plain HTTP (but the health checks) to https;
# SATUSTOK_HSTS_INCLUDE_SUBDOMAINS=1 extends HSTS to every subdomain.
SATUSTOK_SSL_REDIRECT = os.environ.get("SATUSTOK_SSL_REDIRECT", "") == "1"
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
# `check --deploy` would ask for HSTS on every subdomain and for the browsers' preload list:
# both bind the whole domain (every other site under it) to HTTPS for good — the domain
# owner's decision, not the hub's (SATUSTOK_HSTS_INCLUDE_SUBDOMAINS=1 opts in to the first).
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
globals().update(
    transport_security(
        PUBLIC_URL,
        ssl_redirect=SATUSTOK_SSL_REDIRECT,
        hsts_subdomains=os.environ.get("SATUSTOK_HSTS_INCLUDE_SUBDOMAINS", "") == "1",
    )
)
# Content-Security-Policy (django-csp): scripts only from our own static files — no inline
# script or on…= handler anywhere (tests/ops/test_csp.py checks every page). Styles also allow
# inline style attributes: the pages set computed widths (progress bars) and colours inline,
# and the API docs' Swagger UI and the Django admin write style attributes of their own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"


def _whole_number(name: str, default: str) -> int:
    """A setting that is a whole number, 0 or more; anything else stops the start in words."""
    raw = os.environ.get(name, default).strip()
    if not (raw.isascii() and raw.isdigit()):
        raise ImproperlyConfigured(f"{name} must be a whole number, 0 or more (got {raw!r})")
    return int(raw)


HUEY = huey_settings(os.environ.get("SATUSTOK_QUEUE_URL", ""), DATA_DIR)

# Stock push: rounds of one integration start at least this far apart, so a burst of sales is
# coalesced into a few calls (the first sale of a quiet spell is pushed at once).
SATUSTOK_PUSH_COALESCE_MS = int(os.environ.get("SATUSTOK_PUSH_COALESCE_MS", "100"))
# ... and while changes pour in (a round of 20 listings or more), the next round waits for a
# pause of that long in the changes, at most this long: a flash sale becomes about one call a
# second instead of ten, and its last values go out as soon as it stops.
SATUSTOK_PUSH_FLOOD_WAIT_MS = int(os.environ.get("SATUSTOK_PUSH_FLOOD_WAIT_MS", "1000"))
# ... except for a SKU with this many units or fewer available: its change is pushed at once,
# ahead of everything else waiting (a flash sale's last units sell again on every shop still
# showing them). 0 turns it off.
SATUSTOK_PUSH_URGENT_AT = _whole_number("SATUSTOK_PUSH_URGENT_AT", "10")
# Drift repair (sync/drift.py): every this many seconds the linked listings' stock is read back
# from each shop, at most SATUSTOK_DRIFT_CHECK_PAGES catalogue pages a round (the rest next
# round), and a listing showing another value than the hub pushed gets the master value again.
SATUSTOK_DRIFT_CHECK_SECONDS = int(os.environ.get("SATUSTOK_DRIFT_CHECK_SECONDS", "300"))
SATUSTOK_DRIFT_CHECK_PAGES = int(os.environ.get("SATUSTOK_DRIFT_CHECK_PAGES", "5"))
# A drift is pushed this long after it is seen, so the order behind a marketplace's own stock
# change (its webhook may come a moment later) moves the master value first.
SATUSTOK_DRIFT_GRACE_SECONDS = float(os.environ.get("SATUSTOK_DRIFT_GRACE_SECONDS", "3"))
# Queue worker threads per process (`satustok run`'s in-process consumer and `satustok worker`).
# Most of a task's time is spent waiting on a marketplace (latency, rate limits), and a pusher
# keeps its thread while a burst lasts: with fewer threads than integrations, one shop's pushes
# waited for another's burst to end. In a three-shop flash sale, four threads left one for the
# webhooks beside three pushers, and a shop showed a sold-out SKU for up to 2.5 s (eight: 0.7 s).
SATUSTOK_WORKER_THREADS = int(os.environ.get("SATUSTOK_WORKER_THREADS", "8"))
# A request's body must arrive within this many seconds (else 408): bodies are read before a
# thread is taken, so slow senders cannot hold the threads (core/request_bodies.py).
SATUSTOK_REQUEST_BODY_SECONDS = float(os.environ.get("SATUSTOK_REQUEST_BODY_SECONDS", "10"))
# Requests one web process serves at once (threads, each with its own database connection).
SATUSTOK_WEB_THREADS = int(os.environ.get("SATUSTOK_WEB_THREADS", "8"))
# Webhook processing: each web process queues a processing task at most this often, and a task
# looks for more deliveries until this long has passed since its last batch with none new; a
# burst becomes a few batches. A delivery stored in the task's own process (`satustok run`)
# ends that wait at once (orders/webhooks.py); one stored by another web process is seen at the
# end of the window.
SATUSTOK_WEBHOOK_BATCH_MS = int(os.environ.get("SATUSTOK_WEBHOOK_BATCH_MS", "50"))
# The largest webhook body accepted (bytes; the marketplaces send a few kB, a big order a few
# dozen): a larger one gets 413 unread. Deliveries are kept this many days once processed, then
# purged (orders.retention, hourly); refused deliveries are never stored, only counted.
SATUSTOK_WEBHOOK_MAX_BYTES = int(os.environ.get("SATUSTOK_WEBHOOK_MAX_BYTES", str(512 * 1024)))
SATUSTOK_WEBHOOK_RETENTION_DAYS = int(os.environ.get("SATUSTOK_WEBHOOK_RETENTION_DAYS", "14"))

# Orders: how often the poller (the webhooks' backstop) reads each integration's order list,
# and how many not-yet-final older orders each poll reads again one by one.
SATUSTOK_ORDER_POLL_SECONDS = int(os.environ.get("SATUSTOK_ORDER_POLL_SECONDS", "60"))
SATUSTOK_ORDER_REPOLL_LIMIT = int(os.environ.get("SATUSTOK_ORDER_REPOLL_LIMIT", "50"))


def _low_stock_default() -> int:
    return _whole_number("SATUSTOK_LOW_STOCK_DEFAULT", "5")


def _digest_addresses() -> list[str]:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    addresses = [a.strip() for a in os.environ.get("SATUSTOK_DIGEST_EMAIL", "").split(",")]
    for address in filter(None, addresses):
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"SATUSTOK_DIGEST_EMAIL: {address!r} is not an e-mail address"
            ) from None
    return [address for address in addresses if address]


# Low stock (inventory/low_stock.py): a SKU whose available stock, summed over the warehouses,
# is at or below its own threshold, or this default when it has none, is low on stock.
# 0 switches the default off: only SKUs given a threshold of their own are watched.
SATUSTOK_LOW_STOCK_DEFAULT = _low_stock_default()
# The daily low-stock digest (07:00 WIB, inventory/digest.py) is also e-mailed, to the active
# Owners and Admins with an e-mail and to these addresses (comma-separated), once mail is set
# up: EMAIL_HOST names an SMTP server other than Django's default (localhost), or this names
# recipients (then a mail server on localhost:25 is meant).
SATUSTOK_DIGEST_EMAIL = _digest_addresses()
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"  # STARTTLS, usually port 587
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") == "1"  # TLS from the start, port 465
EMAIL_TIMEOUT = 30  # seconds: a mail server that hangs must not hold a worker thread
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "satustok <satustok@localhost>")

# Each channel's base URLs (the only thing that differs between the real marketplace and its
# sandbox), as the channel describes them to the registry: SATUSTOK_<NAME> overrides each.
globals().update(channel_registry.base_url_settings())
# Their names, for the production check that none points at a sandbox (core/checks.py).
SATUSTOK_CHANNEL_URL_SETTINGS = sorted(channel_registry.base_url_settings())

# SATUSTOK_LOG_FORMAT=json: one JSON object per line (satustok/core/logging.py); default plain.
# Either way, every record passes a filter that masks anything that looks like a credential.
_log_format = os.environ.get("SATUSTOK_LOG_FORMAT", "plain").strip().lower()
SATUSTOK_LOG_FORMAT = "json" if _log_format == "json" else "plain"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "satustok.core.logging.JsonFormatter"},
    },
    "filters": {
        "context": {"()": "satustok.core.logging.ContextFilter"},
        "scrub": {"()": "satustok.core.logging.ScrubSecrets"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": SATUSTOK_LOG_FORMAT,
            "filters": ["context", "scrub"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SATUSTOK_LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
        "huey.consumer": {"level": "WARNING"},
    },
}
