"""Uploaded legacy-import files (personal data) are deleted after LEGACY_IMPORT_RETENTION_DAYS by a beat task;
the job's row-level report stays."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applicants import services
from applicants.models import LegacyImportJob
from applicants.tasks import purge_legacy_import_files
from certification.models import AuditEntry, User

from .test_legacy_import import _csv
from .test_legacy_import_job import _rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_job(seeded, django_capture_on_commit_callbacks):
    def make(days_ago, *, name="legacy.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.legacy_import_job_create(upload=SimpleUploadedFile(name, _csv(_rows(3, bad_at={2}))),
                                                    actor=None)
        job.refresh_from_db()
        assert job.status == LegacyImportJob.Status.DONE and default_storage.exists(job.upload.name)
        LegacyImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=days_ago))
        job.refresh_from_db()
        return job

    return make


def test_default_retention_and_the_beat_schedule():
    assert settings.LEGACY_IMPORT_RETENTION_DAYS == 30
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "applicants.tasks.purge_legacy_import_files" in tasks
    assert purge_legacy_import_files.name == "applicants.tasks.purge_legacy_import_files"


def test_old_files_go_the_report_stays(finished_job, django_capture_on_commit_callbacks):
    old, young = finished_job(31), finished_job(29, name="recent.csv")
    old_name, report = old.upload.name, old.error_report
    assert [e["row"] for e in report] == [2]
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_legacy_import_files.delay().get() == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert not old.upload and old.upload_deleted_at is not None and not default_storage.exists(old_name)
    assert old.error_report == report and (old.imported_new, old.total_rows) == (2, 3)
    assert young.upload and default_storage.exists(young.upload.name) and young.upload_deleted_at is None
    entry = AuditEntry.objects.for_object(old).get(action="applicants.legacy_import.file_deleted")
    assert "30天" in entry.reason and entry.action_label == "旧平台导入文件已按保留期限删除"
    # Running again deletes nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_legacy_import_files.delay().get() == 0


def test_retention_is_a_setting(finished_job, settings, django_capture_on_commit_callbacks):
    settings.LEGACY_IMPORT_RETENTION_DAYS = 7
    job = finished_job(8)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.legacy_import_files_purge() == 1
    job.refresh_from_db()
    assert not job.upload


def test_a_job_that_never_finished_counts_from_its_creation(finished_job, django_capture_on_commit_callbacks):
    job = finished_job(0)
    LegacyImportJob.objects.filter(pk=job.pk).update(status=LegacyImportJob.Status.RUNNING, finished_at=None)
    LegacyImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.legacy_import_files_purge() == 1


def test_a_purged_job_cannot_be_rerun_and_its_page_says_why(client, finished_job,
                                                           django_capture_on_commit_callbacks):
    job = finished_job(31)
    with django_capture_on_commit_callbacks(execute=True):
        services.legacy_import_files_purge()
    LegacyImportJob.objects.filter(pk=job.pk).update(status=LegacyImportJob.Status.FAILED)
    job.refresh_from_db()
    with pytest.raises(ValidationError, match="按保留期限删除"):
        services.legacy_import_job_rerun(job=job, actor=None)
    client.force_login(User.objects.create_superuser(email="admin@example.cn", password="Pass-word-2026"))
    page = client.get(reverse("admin:applicants_legacyimportjob_change", args=[job.pk])).content.decode()
    assert 'id="upload-deleted"' in page and "第2行" in page and "重新运行" not in page
