"""Django settings for satustok, read from the environment.

Defaults are the embedded single-machine set-up: SQLite in the data directory (WAL, immediate
transactions), keys generated on first run. ``DATABASE_URL`` switches to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

from satustok.channels import registry as channel_registry
from satustok.core.datadir import data_dir, django_secret_key, encryption_keys
from satustok.core.queue import huey_settings

DATA_DIR = data_dir()
SECRET_KEY = django_secret_key(DATA_DIR)
SATUSTOK_ENCRYPTION_KEYS = encryption_keys(DATA_DIR)

DEBUG = os.environ.get("SATUSTOK_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("SATUSTOK_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
PORT = int(os.environ.get("PORT", "8000"))
PUBLIC_URL = os.environ.get("SATUSTOK_PUBLIC_URL", f"http://127.0.0.1:{PORT}")

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
    "satustok.api",
    "satustok.web",
    "satustok.cli",
    "huey.contrib.djhuey",
    "django_htmx",
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
        "NAME": DATA_DIR / "satustok.sqlite3",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

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

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"


HUEY = huey_settings(os.environ.get("SATUSTOK_QUEUE_URL", ""), DATA_DIR)

# Stock push: rounds of one integration start at least this far apart, so a burst of sales is
# coalesced into a few calls (the first sale of a quiet spell is pushed at once).
SATUSTOK_PUSH_COALESCE_MS = int(os.environ.get("SATUSTOK_PUSH_COALESCE_MS", "100"))
# ... and while changes pour in (a round of 20 listings or more), the next round waits for a
# pause of that long in the changes, at most this long: a flash sale becomes about one call a
# second instead of ten, and its last values go out as soon as it stops.
SATUSTOK_PUSH_FLOOD_WAIT_MS = int(os.environ.get("SATUSTOK_PUSH_FLOOD_WAIT_MS", "1000"))
# Queue worker threads per process (`satustok run`'s in-process consumer and `satustok worker`).
# Most of a task's time is spent waiting on a marketplace (latency, rate limits), and a pusher
# keeps its thread while a burst lasts: with fewer threads than integrations, one shop's pushes
# waited for another's burst to end.
SATUSTOK_WORKER_THREADS = int(os.environ.get("SATUSTOK_WORKER_THREADS", "4"))
# Requests one web process serves at once (threads, each with its own database connection).
SATUSTOK_WEB_THREADS = int(os.environ.get("SATUSTOK_WEB_THREADS", "8"))
# Webhook processing: each web process queues a processing task at most this often, and a task
# looks for more deliveries this long after its last batch; a burst becomes a few batches.
SATUSTOK_WEBHOOK_BATCH_MS = int(os.environ.get("SATUSTOK_WEBHOOK_BATCH_MS", "50"))

# Orders: how often the poller (the webhooks' backstop) reads each integration's order list,
# and how many not-yet-final older orders each poll reads again one by one.
SATUSTOK_ORDER_POLL_SECONDS = int(os.environ.get("SATUSTOK_ORDER_POLL_SECONDS", "60"))
SATUSTOK_ORDER_REPOLL_LIMIT = int(os.environ.get("SATUSTOK_ORDER_REPOLL_LIMIT", "50"))

# Each channel's base URLs (the only thing that differs between the real marketplace and its
# sandbox), as the channel describes them to the registry: SATUSTOK_<NAME> overrides each.
globals().update(channel_registry.base_url_settings())

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
