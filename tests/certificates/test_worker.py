"""A real Celery worker generates a campaign's certificates in chunks, with the progress counted."""

import time

import pytest

from certificates import services
from certificates.models import Certificate, CertificateBatch


@pytest.mark.worker
def test_real_celery_worker_generates_certificates(transactional_db, closed_notice, tmp_path, settings):
    from config.celery_app import app
    from tests.workers import celery_worker

    notice, apps = closed_notice
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        batch = services.certificate_batch_start(campaign=notice.campaign, actor=None)
    finally:
        app.conf.task_always_eager = eager
    assert batch.status == CertificateBatch.Status.QUEUED and not Certificate.objects.exists()
    with celery_worker(tmp_path, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT), CERTIFICATE_CHUNK_SIZE="2") as (
            send, worker, log_path):
        send(batch.pk, task="certificates.tasks.run_certificate_batch")
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not batch.finished:
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.5)
            batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.DONE, (batch.errors, log_path.read_text()[-3000:])
    assert (batch.done, batch.total) == (3, 3)
    assert "issue_certificate_chunk" in log_path.read_text()  # two chunks of at most 2
    assert [c.serial for c in Certificate.objects.order_by("serial")] == [1, 2, 3]
    assert all(c.is_ready for c in Certificate.objects.all())
