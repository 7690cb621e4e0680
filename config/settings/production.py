"""Production: every secret must come from the environment, and `check --deploy` is clean."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env, secret_env

DEBUG = False
SECRET_KEY = secret_env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
PAYMENT_SANDBOX_SECRET = secret_env("PAYMENT_SANDBOX_SECRET")
# No sandbox in production unless a deployment lists it explicitly (e.g. a staging site).
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS",
                             default=["payments.providers.bank_transfer.BankTransferProvider"])
# Anyone who knows the sandbox secret can sign "the gateway says it is paid": with the sandbox offered, the
# secret must not be .env.example's placeholder (or any short guessable value).
PLACEHOLDER_SECRETS = {"change-me", "changeme", "secret", "change-me-to-a-long-random-string"}
if any(p.endswith(".SandboxProvider") for p in PAYMENT_PROVIDERS) and (
        PAYMENT_SANDBOX_SECRET.strip().lower() in PLACEHOLDER_SECRETS or len(PAYMENT_SANDBOX_SECRET) < 32):
    raise ImproperlyConfigured(
        "PAYMENT_SANDBOX_SECRET is a placeholder or shorter than 32 characters while the sandbox provider is "
        "enabled: set a long random secret (python -c 'import secrets; print(secrets.token_urlsafe(48))').")

# Certificates are signed only with the association's configured keys, never with generated demo keys.
CERTIFICATE_DEV_KEYS = False
