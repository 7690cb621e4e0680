"""Settings for `make bench` only: production's code path (DEBUG off, cached templates, persistent connections)
on 127.0.0.1 without HTTPS, plus one URL that exists nowhere else: `/bench/session-user/`, a trivial view that
loads the session and the user, the yardstick every page is compared with (`config.bench_urls`)."""

from .base import *  # noqa: F401,F403
from .base import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "config.bench_urls"
DATABASES["default"]["CONN_MAX_AGE"] = 60
# Tasks are queued (in memory) but not run inline: a request's SQL is its own, as behind a real broker.
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = False
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}
# No collectstatic before a bench run: static files come from the finders, as in the tests.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
