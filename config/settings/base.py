"""Settings read from the environment; with none set, a self-contained development setup.

No environment: SQLite file, Celery eager, media on local disk, console e-mail, DEBUG on.
DATABASE_URL / REDIS_URL switch to PostgreSQL, Redis and real Celery workers.
"""

import datetime as dt
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()


def secret_env(name: str, default: str | None = None) -> str:
    """Read a secret verbatim. django-environ would take a value starting with "$" (common in generated
    secrets) as a reference to another variable and fail or substitute."""
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable")
        return default
    return value


env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development secret, generated once per checkout and kept out of git; production demands its own.
_dev_secret_file = BASE_DIR / ".dev-secret"
if "DJANGO_SECRET_KEY" not in env:
    if not _dev_secret_file.exists():
        from django.core.management.utils import get_random_secret_key

        _dev_secret_file.write_text(get_random_secret_key())
    SECRET_KEY = _dev_secret_file.read_text().strip()
else:
    SECRET_KEY = secret_env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "import_export",
    "axes",
    "csp",
    "certification",
    "applicants",
    "payments",
    "reviews",
    "certificates",
]

MIDDLEWARE = [
    # First: proxy headers count only when they came from the proxy (config/proxy.py).
    "config.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into certification.throttle.lockout_response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "certification.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (live server, worker) share the file: wait instead of failing on a lock.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "certification.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account/address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lockout (django-axes; see certification/throttle.py). 10 failures for one account OR from one address
# within the cool-off lock it for 15 minutes. Not 5: schools sign in from behind one shared address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "certification.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.proxy.client_ip"
AXES_USERNAME_CALLABLE = "certification.throttle.axes_username"
# django-ratelimit's per-address key, the same address as above.
RATELIMIT_IP_META_KEY = "config.proxy.client_ip"
# Addresses (or networks) of the reverse proxy whose X-Forwarded-Proto / X-Real-IP are believed.
TRUSTED_PROXY_IPS = env.list("DJANGO_TRUSTED_PROXY_IPS", default=[])
# Content-Security-Policy on every response (django-csp): scripts, styles, fonts and images only from this site,
# nothing inline (there is none: styles live in static/css, the few scripts in static files), no plugins, no
# framing, forms post only here. `data:` images: photo previews and inline SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "catalogue"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are private: no MEDIA_URL route is ever served; views stream them after a permission check.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/private-media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if env("DJANGO_AWS_STORAGE_BUCKET_NAME", default=""):
    # S3-compatible object storage for media once the platform runs on more than one machine.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("DJANGO_AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("DJANGO_AWS_S3_ENDPOINT_URL", default=None),
            "access_key": env("DJANGO_AWS_ACCESS_KEY_ID", default=None),
            "secret_key": secret_env("DJANGO_AWS_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env("DJANGO_AWS_S3_REGION_NAME", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = secret_env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
# Where the file-based backend (django.core.mail.backends.filebased.EmailBackend) writes messages.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="认证平台 <noreply@kjfdy.example.cn>")

REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Late acknowledgement: a task is acknowledged when it *ends*, so a worker killed mid-task (kill -9, OOM, a
# redeploy) does not lose it: the broker hands it out again. Every task is written to be run twice safely
# (sending mail skips a sent row; the legacy import skips rows already imported; sweeps are idempotent).
CELERY_TASK_ACKS_LATE = True
# A task whose worker *process* died (pool child killed) goes back to the queue at once instead of failing.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per worker process, so a long import does not hold other tasks hostage in its prefetch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis redelivers an unacknowledged task after this many seconds. It must exceed the longest task
    # (a 20 MB legacy import, a few minutes), or a slow task would run twice concurrently; it bounds how long a
    # task of a worker killed outright (`kill -9` of the main process, which cannot give it back) waits for
    # redelivery (a stuck legacy import job can also be re-run from its page at once, without duplicates).
    # Redis's own default is 1 h.
    "visibility_timeout": 30 * 60,
    # A request hands mail to the broker after commit: an unreachable broker must answer quickly, not hang
    # the request (the outbox sweep sends what was not handed over).
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing from a request: two quick retries, then give up (logged; the outbox sweep resends).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
# WeasyPrint's memory grows across renders: recycle a worker child after this many tasks.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=20)
CELERY_BEAT_SCHEDULE = {
    "expire-overdue-amendments": {
        "task": "reviews.tasks.expire_overdue_amendments",
        "schedule": crontab(minute="*/15"),
    },
    "remind-overdue-reviews": {
        "task": "reviews.tasks.remind_overdue_reviews",
        "schedule": crontab(hour=8, minute=30),
    },
    # Tamper evidence: new audit entries are linked into the hash chain.
    "seal-audit-chain": {
        "task": "certification.tasks.seal_audit_chain",
        "schedule": crontab(minute="*"),
    },
    # The transactional outbox: e-mails whose hand-off to the broker was lost are handed over again.
    "resend-stale-notifications": {
        "task": "certification.tasks.resend_stale_notifications",
        "schedule": crontab(minute="*/5"),
    },
    "close-expired-exam-papers": {
        # Hands in online exam papers whose clock ran out (and marks 缺考) even when nobody requests the page.
        "task": "reviews.exam_tasks.close_expired_exam_papers",
        "schedule": crontab(minute="*"),
    },
    "remind-unpaid-applications": {
        "task": "payments.tasks.remind_unpaid_orders",
        "schedule": crontab(hour=9, minute=0),
    },
    "open-and-close-public-notices": {
        "task": "certificates.tasks.advance_notices",
        "schedule": crontab(minute="*/5"),
    },
    # Uploaded legacy-import files hold personal data: deleted after LEGACY_IMPORT_RETENTION_DAYS.
    "purge-legacy-import-files": {
        "task": "applicants.tasks.purge_legacy_import_files",
        "schedule": crontab(hour=3, minute=30),
    },
    # Finished XLSX exports copy personal data out of the permission checks: deleted after EXPORT_RETENTION_DAYS.
    "purge-expired-exports": {
        "task": "certification.tasks.purge_expired_exports",
        "schedule": crontab(hour=3, minute=45),
    },
    # A worker killed outright leaves its import "running": a job silent past LEGACY_IMPORT_STALE_MINUTES is marked
    # interrupted, and staff resume it from its last saved chunk.
    "mark-interrupted-legacy-imports": {
        "task": "applicants.tasks.mark_interrupted_legacy_imports",
        "schedule": 300,
    },
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
# Throttle counters live in the default cache: Redis (shared, atomic) whenever REDIS_URL is set, as in
# production; without it, development counts per process in memory, which is good enough there.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# Admin exports (django-import-export): CSV and XLSX only, every cell a spreadsheet would evaluate neutralised
# by certification.export_formats (the flag makes the library call its escaping, which ours replaces). The
# format classes are set as IMPORT_EXPORT_FORMATS by CertificationConfig.ready(): settings import no app code.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Payment provider settings (see payments/providers).
PAYMENT_SANDBOX_SECRET = secret_env("PAYMENT_SANDBOX_SECRET", default="") or SECRET_KEY
# Providers offered to applicants, as dotted paths. The sandbox is for development and tests only.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=[
    "payments.providers.sandbox.SandboxProvider",
    "payments.providers.bank_transfer.BankTransferProvider",
])
# Unpaid submitted applications get one reminder this many days before the application deadline.
PAYMENT_REMINDER_DAYS = env.int("PAYMENT_REMINDER_DAYS", default=3)

# Certificates: signing keys (see certificates/signing.py; empty in development = generated demo keys).
CERTIFICATE_SIGNING_KEY_FILE = env("CERTIFICATE_SIGNING_KEY_FILE", default="")
CERTIFICATE_SIGNING_CERT_FILE = env("CERTIFICATE_SIGNING_CERT_FILE", default="")
CERTIFICATE_SIGNING_KEY_PASSWORD = secret_env("CERTIFICATE_SIGNING_KEY_PASSWORD", default="")
CERTIFICATE_VC_KEY_FILE = env("CERTIFICATE_VC_KEY_FILE", default="")
CERTIFICATE_DEV_KEYS_DIR = BASE_DIR / ".dev-signing"
# Generate self-signed demo keys when none are configured (never in production).
CERTIFICATE_DEV_KEYS = True
CERTIFICATE_CHUNK_SIZE = env.int("CERTIFICATE_CHUNK_SIZE", default=20)
# Public verification: attempts per client address (django-ratelimit), against enumeration of numbers.
CERTIFICATE_VERIFY_RATE = "20/m"

# Uploaded legacy-import files are deleted this many days after their job finished (the job's report stays).
LEGACY_IMPORT_RETENTION_DAYS = env.int("LEGACY_IMPORT_RETENTION_DAYS", default=30)
# Finished XLSX export files are deleted this many days after they were built (the job row stays, marked expired).
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# Legacy-import rows per chunk: each chunk and the job's progress commit in one transaction (a resume starts
# after the last committed chunk); a heartbeat is saved with each.
LEGACY_IMPORT_CHUNK_ROWS = env.int("LEGACY_IMPORT_CHUNK_ROWS", default=500)
# A chunk of 100 rows takes seconds; ten silent minutes means the worker is gone.
LEGACY_IMPORT_STALE_MINUTES = env.int("LEGACY_IMPORT_STALE_MINUTES", default=10)
