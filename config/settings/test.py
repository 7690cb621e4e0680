import os
import tempfile

from .base import *  # noqa: F401,F403
from .base import DATABASES, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A fresh folder per test run: files stored by an earlier run (e.g. a cached 申报书 under the same pk) must not
# answer for this one. A worker subprocess is handed the path explicitly (DJANGO_MEDIA_ROOT).
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=tempfile.mkdtemp(prefix="kjfdy-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collectstatic in tests: static files come from the finders (and WhiteNoise stops warning about the directory).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Unit tests run tasks inline; the worker integration test starts a real worker process itself.
CELERY_TASK_ALWAYS_EAGER = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's in-memory default, so that a worker subprocess can open the same test database.
    # The process id keeps parallel test runs apart.
    DATABASES["default"]["TEST"] = {"NAME": f"/tmp/kjfdy-test-{os.getpid()}.sqlite3"}
# One in-process cache per test run, emptied before each test (tests/conftest.py): throttle counters and cached
# figures never leak from one test into another, nor into the Redis that CI shares with the broker.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The test runner empties tables with TRUNCATE between transactional tests; the append-only triggers
    # (certification.dbguards) let it through only on connections that say so. Production never does.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c kjfdy.allow_truncate=on"
