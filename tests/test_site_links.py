"""Links in e-mails work wherever the site is served (issue 7 item 11): they are built from SITE_URL, and
`make run HOST=…` sets SITE_URL (and the allowed host) from HOST unless SITE_URL is given."""

import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent


def _make_run(*args, env=None):
    import os

    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DJANGO_ALLOWED_HOSTS")}
    result = subprocess.run(["make", "-n", "run", *args], cwd=BASE_DIR, env={**clean, **(env or {})},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_serves_links_at_its_host():
    out = _make_run("HOST=10.1.2.3:8000")
    # The server command (a continued line: the environment, then runserver).
    command = out[out.index('SITE_URL="http://10.1.2.3:8000" DJANGO_ALLOWED_HOSTS='):]
    assert "10.1.2.3}" in command.splitlines()[0]
    assert re.search(r"runserver 10\.1\.2\.3:8000", command)


def test_an_explicit_site_url_wins():
    out = _make_run("HOST=0.0.0.0:8000", env={"SITE_URL": "https://kjfdy.example.cn"})
    assert 'SITE_URL="https://kjfdy.example.cn"' in out


def test_the_default_run_keeps_the_local_address():
    assert 'SITE_URL="http://127.0.0.1:8000"' in _make_run()


@pytest.mark.django_db
def test_verification_and_notification_links_use_the_configured_site(client, settings,
                                                                      django_capture_on_commit_callbacks):
    from certification.models import Notification

    settings.SITE_URL = "http://10.1.2.3:8000"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup"), {"full_name": "李老师", "email": "li@example.cn", "mobile": "13912345678",
                                        "password1": "Pass-word-2026", "password2": "Pass-word-2026"})
    body = Notification.objects.get(template="verify_email").body
    assert re.search(r"http://10\.1\.2\.3:8000/accounts/verify/[^/\s]+/", body)
    assert "127.0.0.1" not in body
