"""Configuration, deployment files and a real Celery worker."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.workers import celery_worker

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x7#kq2!vz9p@m4w8r%t6y1u3i5o0a-s_d=f+g^h&j*k(l)z;x:c<v>b?n~m" * 2,
    "DJANGO_ALLOWED_HOSTS": "kjfdy.example.cn",
    "DATABASE_URL": "postgres://kjfdy:kjfdy@postgres:5432/kjfdy",
    "REDIS_URL": "redis://redis:6379/0",
    "PAYMENT_SANDBOX_SECRET": "a-production-payment-secret",
}


def _clean_env(**extra):
    """Only what a process needs to run, so the test runner's own settings do not leak in."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    return {**keep, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _settings_in_a_fresh_checkout(tmp_path, module="config.settings.base", **env):
    """Import a settings module from a copy of `config/` (no .env, no .dev-secret) and report some values."""
    shutil.copytree(BASE_DIR / "config", tmp_path / "config", ignore=shutil.ignore_patterns("__pycache__"))
    code = (
        "import json, importlib, sys; s = importlib.import_module(sys.argv[1]); print(json.dumps({"
        "'engine': s.DATABASES['default']['ENGINE'], 'db_name': str(s.DATABASES['default']['NAME']),"
        "'db_host': s.DATABASES['default'].get('HOST', ''), 'eager': s.CELERY_TASK_ALWAYS_EAGER,"
        "'broker': s.CELERY_BROKER_URL, 'caches': getattr(s, 'CACHES', {}), 'email': s.EMAIL_BACKEND,"
        "'debug': s.DEBUG, 'media': str(s.MEDIA_ROOT), 'storage': s.STORAGES['default']['BACKEND'],"
        "'secret': s.SECRET_KEY, 'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE, 'languages': [c for c, _ in s.LANGUAGES]"
        "}))"
    )
    return subprocess.run([sys.executable, "-c", code, module], cwd=tmp_path,
                          env=_clean_env(PYTHONPATH=str(tmp_path), **env), capture_output=True, text=True, timeout=60)


def test_no_environment_gives_a_self_contained_development_setup(tmp_path):
    import json

    result = _settings_in_a_fresh_checkout(tmp_path)
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["db_name"] == str(tmp_path / "db.sqlite3")
    assert s["eager"] is True and s["broker"] == "memory://"
    assert s["email"] == "django.core.mail.backends.console.EmailBackend"
    assert s["debug"] is True
    assert s["storage"] == "django.core.files.storage.FileSystemStorage"
    assert s["media"] == str(tmp_path / "media")
    assert (s["tz"], s["lang"], s["languages"]) == ("Asia/Shanghai", "zh-hans", ["zh-hans", "en"])
    # A development secret is generated once, kept in .dev-secret, and reused.
    secret_file = tmp_path / ".dev-secret"
    assert secret_file.read_text().strip() == s["secret"] and len(s["secret"]) >= 50
    again = json.loads(_settings_in_a_fresh_checkout(tmp_path / "again").stdout)
    assert again["secret"] != s["secret"]  # another checkout, another secret
    assert json.loads(subprocess.run(
        [sys.executable, "-c", "import json, config.settings.base as s; print(json.dumps(s.SECRET_KEY))"],
        cwd=tmp_path, env=_clean_env(PYTHONPATH=str(tmp_path)), capture_output=True, text=True).stdout) == s["secret"]


def test_secrets_starting_with_a_dollar_are_read_verbatim(tmp_path):
    """Generated secrets may start with "$", which django-environ would take for a reference to another variable."""
    import json

    secret = "$ecret-that-starts-with-a-dollar-sign-0123456789"
    result = _settings_in_a_fresh_checkout(tmp_path, DJANGO_SECRET_KEY=secret)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["secret"] == secret


def test_database_url_and_redis_url_switch_to_real_services(tmp_path):
    import json

    result = _settings_in_a_fresh_checkout(tmp_path, DATABASE_URL="postgres://u:p@db.internal:5432/kjfdy",
                                           REDIS_URL="redis://cache.internal:6379/3")
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["db_host"], s["db_name"]) == ("db.internal", "kjfdy")
    assert s["eager"] is False and s["broker"] == "redis://cache.internal:6379/3"
    assert s["caches"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_production_passes_check_deploy_without_warnings():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env=_clean_env(**PRODUCTION_ENV), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_does_catch_an_unsafe_setting():
    """The check above is meaningful: a production run with DEBUG forced on fails it."""
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env=_clean_env(**PRODUCTION_ENV, DJANGO_SECURE_SSL_REDIRECT="False"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def _production_required_variables():
    """Variables production.py reads with no default."""
    text = (BASE_DIR / "config/settings/production.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"\s*\)', text))


def test_production_demands_its_secrets():
    assert _production_required_variables() == {
        "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "PAYMENT_SANDBOX_SECRET"}


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
                                     "PAYMENT_SANDBOX_SECRET"])
def test_production_refuses_to_start_without(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in (missing, "DJANGO_SETTINGS_MODULE")}
    result = _settings_in_a_fresh_checkout(tmp_path, module="config.settings.production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"Set the {missing} environment variable" in result.stderr
    # And it did not quietly fall back to a generated development secret.
    assert "Traceback" in result.stderr


def test_production_refuses_to_start_without_secret_key_via_manage_py():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=_clean_env(**env),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr


def _env_example():
    return dict(re.findall(r"^([A-Z0-9_]+)=(.*)$", (BASE_DIR / ".env.example").read_text(), re.M))


def test_env_example_documents_every_variable_the_settings_read():
    used = set()
    for path in (BASE_DIR / "config/settings").glob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', text))
        used |= set(re.findall(r'"([A-Z0-9_]+)" (?:not )?in env', text))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_AWS_S3_ENDPOINT_URL"} <= used
    assert used - set(_env_example()) == set()
    text = (BASE_DIR / ".env.example").read_text()
    for name in _production_required_variables():
        # Each required variable has a comment saying so, or is a service URL compose provides.
        assert _env_example()[name], name
    assert "required in production" in text


def _compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def _command(service):
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_runs_web_worker_beat_postgres_redis_and_a_mail_catcher():
    services = _compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert "gunicorn config.wsgi:application" in _command(services["web"])
    assert re.search(r"celery -A config\.celery_app worker", _command(services["worker"]))
    assert re.search(r"celery -A config\.celery_app beat", _command(services["beat"]))
    assert services["postgres"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")
    catchers = [n for n, s in services.items() if re.search(r"mailpit|mailhog|maildev", s.get("image", ""))]
    assert catchers
    assert services["web"]["environment"]["EMAIL_HOST"] in catchers


def test_compose_app_services_share_one_image_and_reach_services_by_name():
    services = _compose()["services"]
    app = [services[n] for n in ("web", "worker", "beat")]
    assert len({(s.get("build"), s.get("image")) for s in app}) == 1
    assert app[0].get("build") == "."
    for s in app:
        env = s["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert urlsplit(env["DATABASE_URL"]).scheme.startswith("postgres")
        assert urlsplit(env["DATABASE_URL"]).hostname in services
        assert services[urlsplit(env["DATABASE_URL"]).hostname]["image"].startswith("postgres")
        assert urlsplit(env["REDIS_URL"]).hostname in services
        assert services[urlsplit(env["REDIS_URL"]).hostname]["image"].startswith("redis")
        env_file = s["env_file"] if isinstance(s["env_file"], list) else [s["env_file"]]
        assert ".env" in env_file
        # Secrets are not in the compose file; every required variable comes from it or from .env.
        for name in _production_required_variables():
            assert name in env or _env_example().get(name), name
        assert "DJANGO_SECRET_KEY" not in env and "PAYMENT_SANDBOX_SECRET" not in env


def test_dockerfile_carries_what_weasyprint_needs():
    text = (BASE_DIR / "Dockerfile").read_text()
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk"):
        assert re.search(rf"apt-get install[^&]*\b{re.escape(package)}\b", text, re.S), package
    assert "gunicorn" in text and "collectstatic" in text


def test_makefile_has_the_two_commands_and_ci_runs_make_test():
    makefile = (BASE_DIR / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    for package in ("fonts-noto-cjk", "libpango-1.0-0", "libharfbuzz-subset0", "chromium"):
        assert package in makefile
    ci = (BASE_DIR / ".ci/run").read_text()
    assert os.access(BASE_DIR / ".ci/run", os.X_OK) or ci.startswith("#!/usr/bin/env bash")
    assert "DATABASE_URL=" in ci and "REDIS_URL=" in ci and re.search(r"^make test", ci, re.M)


def test_time_zone_and_languages(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)


def test_switching_language_renders_the_frame_in_english(db, client):
    page = client.get("/").content.decode()
    assert "全部认证" in page and '<html lang="zh-CN">' in page
    # The switcher is labelled and says honestly what English covers (issue 7): no "英语" / "OK".
    assert '<label for="lang-select">语言 / Language</label>' in page and "English (menus only)" in page
    assert "英语" not in page and ">OK<" not in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert ">All certifications</a>" in page and ">Log in</a>" in page
    assert "Only the menus of this site are translated into English" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert ">全部认证</a>" in client.get("/").content.decode()


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(db, client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-CN">' in page and ">全部认证</a>" in page


def _wait_for(note, worker, log_path, done, seconds=45):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done(note):
        assert worker.poll() is None, log_path.read_text()
        time.sleep(0.3)
        note.refresh_from_db()
    assert done(note), log_path.read_text()


@pytest.mark.worker
def test_real_celery_worker_sends_a_queued_notification(transactional_db, tmp_path):
    from certification.models import Notification

    note = Notification.objects.create(to_email="worker-test@example.cn", template="campaign_published",
                                       subject="工作进程测试", body="这封邮件由真实的 Celery 工作进程发送。")
    mail_dir = tmp_path / "mail"
    with celery_worker(tmp_path, DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                        EMAIL_FILE_PATH=str(mail_dir)) as (send, worker, log_path):
        send(note.pk)
        _wait_for(note, worker, log_path, lambda n: n.status != Notification.Status.QUEUED)
    assert note.status == Notification.Status.SENT
    assert note.attempts == 1 and note.sent_at is not None
    messages = list(mail_dir.iterdir())
    assert len(messages) == 1
    content = messages[0].read_text()
    assert "To: worker-test@example.cn" in content
    assert "这封邮件由真实的 Celery 工作进程发送。" in content


@pytest.mark.worker
def test_real_celery_worker_schedules_a_retry_when_smtp_is_down(transactional_db, tmp_path):
    """Under a worker the failure is recorded and the message waits for its retry instead of failing at once."""
    import socket

    from certification.models import Notification

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    note = Notification.objects.create(to_email="worker-test@example.cn", template="campaign_published",
                                       subject="工作进程测试", body="SMTP 不可用。")
    with celery_worker(tmp_path, DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                        EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(closed_port)) as (send, worker, log_path):
        send(note.pk)
        _wait_for(note, worker, log_path, lambda n: n.attempts >= 1)
        _wait_for(note, worker, log_path, lambda n: "Retry in 60s" in log_path.read_text(), seconds=10)
    assert note.status == Notification.Status.QUEUED
    assert note.attempts == 1 and "Connection refused" in note.last_error


def test_beat_schedules_only_tasks_the_worker_knows(settings):
    from config.celery_app import app

    app.loader.import_default_modules()
    app.autodiscover_tasks(force=True)
    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
    assert "certification.tasks.send_notification" in app.tasks


def test_ci_script_is_valid_bash():
    assert subprocess.run(["bash", "-n", str(BASE_DIR / ".ci/run")]).returncode == 0
    assert subprocess.run(["bash", "-n", str(BASE_DIR / ".ci/system-deps")]).returncode == 0


@pytest.mark.parametrize("secret, refused", [
    ("change-me", True), ("short-but-not-placeholder", True), ("q" * 40, False)])
def test_production_refuses_the_placeholder_sandbox_secret_while_the_sandbox_is_offered(tmp_path, secret, refused):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"PAYMENT_SANDBOX_SECRET": secret, "PAYMENT_PROVIDERS": "payments.providers.sandbox.SandboxProvider"}
    result = _settings_in_a_fresh_checkout(tmp_path, module="config.settings.production", **env)
    assert (result.returncode != 0) == refused, result.stderr
    if refused:
        assert "PAYMENT_SANDBOX_SECRET is a placeholder" in result.stderr
    # Without the sandbox the secret signs nothing that matters: production starts.
    env["PAYMENT_PROVIDERS"] = "payments.providers.bank_transfer.BankTransferProvider"
    shutil.rmtree(tmp_path / "config")
    assert _settings_in_a_fresh_checkout(tmp_path, module="config.settings.production", **env).returncode == 0


def test_compose_puts_nginx_in_front_of_gunicorn_with_a_body_cap_and_timeouts():
    services = _compose()["services"]
    nginx, web = services["nginx"], services["web"]
    assert nginx["image"].startswith("nginx")
    assert "ports" not in web, "gunicorn must be reachable only through the proxy"
    assert any(str(p).endswith(":80") for p in nginx["ports"])
    mount = next(v for v in nginx["volumes"] if "nginx.conf" in v)
    conf = (BASE_DIR / mount.split(":")[0]).read_text()
    assert re.search(r"client_max_body_size\s+\d+m;", conf)
    for directive in ("client_body_timeout", "client_header_timeout", "send_timeout", "proxy_read_timeout"):
        assert re.search(rf"{directive}\s+\d+s;", conf), directive
    assert "proxy_pass http://django" in conf and "server web:8000" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme" in conf and "proxy_set_header X-Real-IP $remote_addr" in conf
    assert "--timeout" in _command(web)
    # Django believes proxy headers from nginx's fixed address only.
    nginx_ip = nginx["networks"]["edge"]["ipv4_address"]
    assert web["environment"]["DJANGO_TRUSTED_PROXY_IPS"] == nginx_ip


@pytest.mark.django_db
def test_x_forwarded_proto_is_believed_only_from_the_trusted_proxy(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_IPS = ["172.28.0.10"]
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.proxy import TrustedProxyMiddleware

    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return HttpResponse()

    middleware = TrustedProxyMiddleware(view)
    middleware(RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is False
    middleware(RequestFactory().get("/", REMOTE_ADDR="172.28.0.10", HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is True
