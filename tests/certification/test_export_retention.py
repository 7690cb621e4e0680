"""Finished XLSX export files (personal data copied out of the permission checks) are deleted after
EXPORT_RETENTION_DAYS by a beat task; the job row stays, marked expired, and its page asks for a new export."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from certification import exports
from certification.models import ExportJob, Role
from certification.tasks import purge_expired_exports

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(seeded, make_user):
    return make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")


@pytest.fixture
def finished_export(national, django_capture_on_commit_callbacks):
    def make(days_ago):
        with django_capture_on_commit_callbacks(execute=True):
            job = exports.export_job_create(kind="payments.orders", params={}, actor=national)
        job.refresh_from_db()
        assert job.is_done and default_storage.exists(job.file.name)
        ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=days_ago))
        job.refresh_from_db()
        return job

    return make


def test_default_retention_and_the_beat_schedule():
    assert settings.EXPORT_RETENTION_DAYS == 7
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "certification.tasks.purge_expired_exports" in tasks


def test_files_past_retention_are_deleted_and_the_job_marked_expired(finished_export,
                                                                    django_capture_on_commit_callbacks):
    old, recent = finished_export(8), finished_export(6)
    old_name = old.file.name
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row's change commits
        assert purge_expired_exports() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.is_expired and not old.file and old.expired_at is not None
    assert not default_storage.exists(old_name)
    assert old.download_name.endswith(".xlsx") and old.kind == "payments.orders"  # the record stays
    assert recent.is_done and default_storage.exists(recent.file.name)
    assert purge_expired_exports() == 0  # idempotent


def test_retention_follows_the_setting(finished_export, settings):
    job = finished_export(3)
    settings.EXPORT_RETENTION_DAYS = 2
    assert exports.export_files_purge() == 1
    job.refresh_from_db()
    assert job.is_expired


def test_an_expired_job_page_says_so_in_chinese_and_old_download_links_lead_there(client, national, finished_export):
    job = finished_export(10)
    purge_expired_exports()
    client.force_login(national)
    page = client.get(reverse("export_job", args=[job.pk])).content.decode()
    assert "已过期" in page and "导出文件已超过保留期限（7天）" in page and "请返回重新导出" in page
    assert reverse("export_download", args=[job.pk]) not in page
    assert 'http-equiv="refresh"' not in page
    response = client.get(reverse("export_download", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("export_job", args=[job.pk])


def test_a_redelivered_task_does_not_rebuild_an_expired_export(finished_export):
    job = finished_export(10)
    purge_expired_exports()
    exports.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.is_expired and not job.file
