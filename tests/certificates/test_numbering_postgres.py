"""A certificate batch killed midway and run again leaves no duplicate and no gap (PostgreSQL row locks)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from certificates import services
from certificates.models import Certificate, CertificateBatch, CertificateCounter

from .conftest import at

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
N = 6


@pytest.mark.django_db(transaction=True)
def test_batch_killed_midway_and_rerun_has_no_duplicate_and_no_gap(demo, certify):
    from tests.test_infrastructure import BASE_DIR, _clean_env
    from tests.workers import database_url_of_the_test_database

    apps = certify("senior", N)
    campaign = demo["senior"]
    services.notice_schedule(campaign=campaign, actor=None, starts_on=at(2024, 9, 29).date(), now=at(2024, 9, 29))
    services.notices_advance(now=at(2024, 10, 14))
    env = _clean_env(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=database_url_of_the_test_database(),
                     DJANGO_MEDIA_ROOT=os.environ.get("DJANGO_MEDIA_ROOT", "/tmp/kjfdy-test-media"))
    cmd = [sys.executable, "manage.py", "issue_certificates", campaign.slug]
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while Certificate.objects.count() < 2:
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the batch never got going"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    killed_at = Certificate.objects.count()
    assert 2 <= killed_at < N, "the kill must land midway"
    assert CertificateBatch.objects.get().status == CertificateBatch.Status.RUNNING  # left behind by the dead run
    rerun = subprocess.run(cmd, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    certs = list(Certificate.objects.order_by("serial"))
    assert [c.serial for c in certs] == list(range(1, N + 1))
    assert len({c.number for c in certs}) == N and {c.application_id for c in certs} == {a.pk for a in apps}
    assert all(c.is_ready for c in certs)
    assert CertificateCounter.objects.get(campaign=campaign).next_serial == N + 1
    batch = CertificateBatch.objects.get()
    assert batch.status == CertificateBatch.Status.DONE
