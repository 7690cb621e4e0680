"""Legacy import as a background job: progress by chunks, report by the file's row numbers, safe re-run."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from applicants import services
from applicants.models import ApplicantProfile, Application, LegacyImportJob
from certification.models import AuditEntry, Role, User

from .conftest import valid_id
from .test_legacy_import import BAD, _csv

pytestmark = pytest.mark.django_db


def _rows(n: int, *, bad_at=()):
    """n data rows, one new applicant each; the rows at the given 1-based positions have a bad ID number."""
    rows = []
    for i in range(1, n + 1):
        row = [f"p{i}@example.cn", f"申请人{i}", valid_id(f"32010219800101{i:03d}"), "", "某中学", "320000",
               "jiangsu-junior-2024", "", "草稿", ""]
        if i in bad_at:
            row[2] = BAD[0][2]
        rows.append(row)
    return rows


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser(email="admin@example.cn", password="Pass-word-2026"))
    return client


def _upload(admin_client, name, data, capture):
    with capture(execute=True):
        return admin_client.post(reverse("admin:applicants_application_legacy_import"),
                                 {"import_file": SimpleUploadedFile(name, data)})


def test_admin_upload_runs_as_a_job_and_reports_bad_rows_by_file_row(admin_client, seeded,
                                                                     django_capture_on_commit_callbacks):
    # 105 rows; the bad rows are reported by their row in the file, whatever the chunk size.
    response = _upload(admin_client, "legacy.csv", _csv(_rows(105, bad_at={3, 104})),
                       django_capture_on_commit_callbacks)
    job = LegacyImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:applicants_legacyimportjob_change", args=[job.pk])
    assert job.status == LegacyImportJob.Status.DONE and job.original_name == "legacy.csv"
    assert (job.total_rows, job.processed_rows, job.imported_new) == (105, 105, 103)
    assert sorted({e["row"] for e in job.error_report}) == [3, 104]
    assert re.fullmatch(r"applicants/legacy-imports/[0-9a-f]{32}\.csv", job.upload.name)
    assert Application.objects.count() == 103
    page = admin_client.get(response["Location"]).content.decode()
    assert "已完成" in page and "已处理 105 / 105 行" in page and "<progress" in page
    assert "新增 103 行，更新 0 行，未变化 0 行，错误 2 行" in page
    assert "第3行" in page and "第104行" in page and "校验位" in page
    assert 'http-equiv="refresh"' not in page
    changelist = admin_client.get(reverse("admin:applicants_legacyimportjob_changelist")).content.decode()
    assert "legacy.csv" in changelist and "105 / 105 行（100%）" in changelist


def test_queued_job_page_refreshes_itself(admin_client, seeded):
    # Without running the on-commit callbacks the job stays queued, as it would while waiting for a worker.
    admin_client.post(reverse("admin:applicants_application_legacy_import"),
                      {"import_file": SimpleUploadedFile("legacy.csv", _csv(_rows(3)))})
    job = LegacyImportJob.objects.get()
    assert job.status == LegacyImportJob.Status.QUEUED
    page = admin_client.get(reverse("admin:applicants_legacyimportjob_change", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "排队中" in page and "已处理 0 / 3 行" in page


def test_progress_is_saved_after_each_chunk(seeded, settings, django_capture_on_commit_callbacks):
    settings.LEGACY_IMPORT_CHUNK_ROWS = 2
    job = services.legacy_import_job_create(upload=SimpleUploadedFile("p.csv", _csv(_rows(5))), actor=None)
    seen = []

    def record(execute, sql, params, many, context):
        # Each chunk writes its applications in one bulk INSERT: note the progress saved at that moment.
        if sql.startswith('INSERT INTO "applicants_application"'):
            seen.append(LegacyImportJob.objects.values_list("processed_rows", flat=True).get(pk=job.pk))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        services.legacy_import_job_run(job_id=job.pk)
    assert seen == [0, 2, 4]
    job.refresh_from_db()
    assert job.processed_rows == job.total_rows == 5 and job.progress_percent == 100
    assert job.status == LegacyImportJob.Status.DONE and job.started_at <= job.finished_at


@pytest.mark.parametrize("name, data, expected", [
    ("legacy.csv", b"\xff\xfe\x00\xd8garbage\x81", "无法读取文件“legacy.csv”"),
    ("legacy.xlsx", b"not a spreadsheet", "无法读取文件“legacy.xlsx”"),
    ("legacy.txt", _csv(_rows(1)), "不是CSV或XLSX文件"),
    ("legacy.csv", "姓名,电话\n王芳,1\n".encode(), "缺少以下列：电子邮箱、认证活动代码、状态"),
    ("legacy.csv", _csv([]), "没有数据行"),
])
def test_unreadable_file_gets_a_chinese_message_and_no_job(admin_client, seeded, name, data, expected,
                                                           django_capture_on_commit_callbacks):
    response = _upload(admin_client, name, data, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not LegacyImportJob.objects.exists()


def test_rerun_of_a_job_left_running_by_a_crashed_worker_creates_no_duplicates(
        admin_client, seeded, django_capture_on_commit_callbacks):
    _upload(admin_client, "legacy.csv", _csv(_rows(4, bad_at={2})), django_capture_on_commit_callbacks)
    job = LegacyImportJob.objects.get()
    counts = (User.objects.count(), ApplicantProfile.objects.count(), Application.objects.count())
    assert counts[2] == 3
    # The worker died after importing: the job is stuck in "running" though its rows are in the database.
    LegacyImportJob.objects.filter(pk=job.pk).update(status=LegacyImportJob.Status.RUNNING)
    page = admin_client.get(reverse("admin:applicants_legacyimportjob_change", args=[job.pk])).content.decode()
    assert "重新运行" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:applicants_legacyimportjob_changelist"),
                                     {"action": "rerun", "_selected_action": [job.pk]})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == LegacyImportJob.Status.DONE
    assert (job.imported_new, job.imported_skipped, job.processed_rows) == (0, 3, 4)
    assert [e["row"] for e in job.error_report] == [2]
    assert (User.objects.count(), ApplicantProfile.objects.count(), Application.objects.count()) == counts


def test_a_failed_job_records_why_and_can_be_run_again(admin_client, seeded, django_capture_on_commit_callbacks):
    job = services.legacy_import_job_create(upload=SimpleUploadedFile("legacy.csv", _csv(_rows(2))), actor=None)
    stored = default_storage.open(job.upload.name).read()
    default_storage.delete(job.upload.name)
    services.legacy_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == LegacyImportJob.Status.FAILED and "FileNotFoundError" in job.failure_message
    assert Application.objects.count() == 0
    url = reverse("admin:applicants_legacyimportjob_change", args=[job.pk])
    page = admin_client.get(url).content.decode()
    assert "失败" in page and "FileNotFoundError" in page and "重新运行" in page
    default_storage.save(job.upload.name, SimpleUploadedFile("x", stored))
    for _ in range(2):  # the second run of the same job adds nothing
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(reverse("admin:applicants_legacyimportjob_rerun", args=[job.pk]))
        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == LegacyImportJob.Status.DONE and Application.objects.count() == 2
        LegacyImportJob.objects.filter(pk=job.pk).update(status=LegacyImportJob.Status.FAILED)
    assert User.objects.filter(role=Role.APPLICANT).count() == 2


def test_a_done_job_is_not_rerun(admin_client, seeded, django_capture_on_commit_callbacks):
    _upload(admin_client, "legacy.csv", _csv(_rows(1)), django_capture_on_commit_callbacks)
    job = LegacyImportJob.objects.get()
    response = admin_client.post(reverse("admin:applicants_legacyimportjob_rerun", args=[job.pk]), follow=True)
    assert "不能变更为" in response.content.decode()
    job.refresh_from_db()
    assert job.status == LegacyImportJob.Status.DONE


def test_job_pages_are_for_administrators_only(client, seeded, applicant, jiangsu_secretariat, make_user):
    job = services.legacy_import_job_create(upload=SimpleUploadedFile("legacy.csv", _csv(_rows(1))), actor=None)
    page = reverse("admin:applicants_legacyimportjob_change", args=[job.pk])
    rerun = reverse("admin:applicants_legacyimportjob_rerun", args=[job.pk])
    for user in (applicant, jiangsu_secretariat):
        client.force_login(user)
        assert client.get(page).status_code == 302
        assert client.post(rerun).status_code == 302
        assert client.post(reverse("admin:applicants_application_legacy_import")).status_code == 302
    # Staff, but without any admin permission.
    client.force_login(make_user(Role.PROVINCIAL_SECRETARIAT, "江苏省青少年科技教育协会", is_staff=True))
    assert client.get(page).status_code == 403
    assert client.post(rerun).status_code == 403
    job.refresh_from_db()
    assert job.status == LegacyImportJob.Status.QUEUED


@pytest.mark.worker
def test_real_celery_worker_runs_a_legacy_import_job(transactional_db, tmp_path, settings):
    import time

    from certification.seed import load_seed_campaigns
    from config.celery_app import app
    from tests.workers import celery_worker

    load_seed_campaigns()
    # Not eager here: the job must wait for the worker (the service's own message goes to the in-memory broker).
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        job = services.legacy_import_job_create(
            upload=SimpleUploadedFile("legacy.csv", _csv(_rows(120, bad_at={110}))), actor=None)
    finally:
        app.conf.task_always_eager = eager
    assert job.status == LegacyImportJob.Status.QUEUED and not Application.objects.exists()
    with celery_worker(tmp_path, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT)) as (send, worker, log_path):
        send(job.pk, task="applicants.tasks.run_legacy_import")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and job.status not in (LegacyImportJob.Status.DONE,
                                                                 LegacyImportJob.Status.FAILED):
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.3)
            job.refresh_from_db()
    assert job.status == LegacyImportJob.Status.DONE, (job.failure_message, log_path.read_text())
    assert (job.processed_rows, job.imported_new) == (120, 119)
    assert [e["row"] for e in job.error_report] == [110]
    assert Application.objects.count() == 119


def test_a_job_whose_worker_was_killed_is_marked_interrupted_and_resumes_where_it_stopped(
        admin_client, seeded, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    rows = _rows(250)
    # Queued, not run: the worker that takes it is killed after its first chunk of 100 rows.
    job = services.legacy_import_job_create(upload=SimpleUploadedFile("legacy.csv", _csv(rows)), actor=None)
    services.legacy_import(data=_csv(rows[:100]), file_name="legacy.csv")  # what the first chunk committed
    killed_at = timezone.now() - dt.timedelta(minutes=11)
    LegacyImportJob.objects.filter(pk=job.pk).update(
        status=LegacyImportJob.Status.RUNNING, processed_rows=100, imported_new=100, started_at=killed_at,
        heartbeat_at=killed_at)
    alive = services.legacy_import_job_create(upload=SimpleUploadedFile("b.csv", _csv(_rows(1))), actor=None)
    LegacyImportJob.objects.filter(pk=alive.pk).update(status=LegacyImportJob.Status.RUNNING,
                                                       heartbeat_at=timezone.now() - dt.timedelta(minutes=9))

    assert services.legacy_import_jobs_mark_interrupted() == 1
    job.refresh_from_db()
    alive.refresh_from_db()
    assert job.status == LegacyImportJob.Status.INTERRUPTED and alive.status == LegacyImportJob.Status.RUNNING
    page = admin_client.get(reverse("admin:applicants_legacyimportjob_change", args=[job.pk])).content.decode()
    assert "已中断" in page and "重新运行" in page

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:applicants_legacyimportjob_rerun", args=[job.pk]))
    job.refresh_from_db()
    # Resumed, not started over: the first chunk's 100 rows are neither imported again nor counted as skipped.
    assert job.status == LegacyImportJob.Status.DONE and not job.resume_pending
    assert (job.processed_rows, job.imported_new, job.imported_skipped) == (250, 250, 0)
    assert Application.objects.count() == 250 and ApplicantProfile.objects.count() == 250
    assert list(AuditEntry.objects.filter(action="applicants.legacy_import.interrupted").values_list(
        "object_id", flat=True)) == [str(job.pk)]


class _WorkerKilled(BaseException):
    """Stands for kill -9 at one exact point: not an Exception, so no handler of ours records a failure."""


def test_a_worker_killed_between_a_chunk_and_its_progress_leaves_neither(seeded, settings):
    import datetime as dt

    from django.utils import timezone

    settings.LEGACY_IMPORT_CHUNK_ROWS = 2
    job = services.legacy_import_job_create(upload=SimpleUploadedFile("p.csv", _csv(_rows(5))), actor=None)
    chunks_written = []

    def die_at_the_second_progress_save(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "applicants_application"'):
            chunks_written.append(sql)
        elif sql.startswith('UPDATE "applicants_legacyimportjob"') and len(chunks_written) == 2:
            raise _WorkerKilled  # the second chunk's rows are written, its progress not yet
        return execute(sql, params, many, context)

    with connection.execute_wrapper(die_at_the_second_progress_save), pytest.raises(_WorkerKilled):
        services.legacy_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == LegacyImportJob.Status.RUNNING
    # What the job says it saved is exactly what is in the database.
    assert job.processed_rows == Application.objects.count() == 2
    LegacyImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    assert services.legacy_import_jobs_mark_interrupted() == 1
    services.legacy_import_job_resume(job=LegacyImportJob.objects.get(pk=job.pk), actor=None)
    job = services.legacy_import_job_run(job_id=job.pk)
    assert job.status == LegacyImportJob.Status.DONE
    assert (job.processed_rows, job.imported_new, job.imported_skipped) == (5, 5, 0)
    assert Application.objects.count() == 5


@pytest.mark.worker
def test_a_worker_killed_with_sigkill_mid_import_is_resumed_by_a_fresh_worker_adding_nothing_twice(
        transactional_db, tmp_path, settings):
    """kill -9 of a live worker's whole process group during a legacy import of many chunks; the beat task marks
    the silent job interrupted, and a fresh worker resumes it to exactly the file's rows."""
    import os
    import signal
    import time

    from django.db.models import Count

    from applicants.tasks import mark_interrupted_legacy_imports
    from certification.seed import load_seed_campaigns
    from config.celery_app import app
    from tests.workers import celery_worker

    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as in CI")
    load_seed_campaigns()
    total, chunk, bad = 600, 10, {7, 455}
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        job = services.legacy_import_job_create(
            upload=SimpleUploadedFile("legacy.csv", _csv(_rows(total, bad_at=bad))), actor=None)
    finally:
        app.conf.task_always_eager = eager
    env = {"DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT), "LEGACY_IMPORT_CHUNK_ROWS": str(chunk)}

    def wait(worker, log_path, done, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not done():
            assert worker.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.05)
            job.refresh_from_db()
        assert done(), (job.status, job.processed_rows, log_path.read_text()[-3000:])

    with celery_worker(tmp_path, pool="prefork", name="killed", **env) as (send, worker, log_path):
        send(job.pk, task="applicants.tasks.run_legacy_import")
        wait(worker, log_path, lambda: job.processed_rows >= chunk)  # at least one chunk committed
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    job.refresh_from_db()
    assert job.status == LegacyImportJob.Status.RUNNING and chunk <= job.processed_rows < total, job.processed_rows
    killed_at_row = job.processed_rows

    settings.LEGACY_IMPORT_STALE_MINUTES = 0  # the beat comes "later": the dead worker's heartbeat is stale
    assert mark_interrupted_legacy_imports() == 1
    job.refresh_from_db()
    assert job.status == LegacyImportJob.Status.INTERRUPTED
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        services.legacy_import_job_resume(job=job, actor=None)
    finally:
        app.conf.task_always_eager = eager
    with celery_worker(tmp_path, name="fresh", **env) as (send, worker, log_path):
        send(job.pk, task="applicants.tasks.run_legacy_import")
        wait(worker, log_path, lambda: job.status in (LegacyImportJob.Status.DONE, LegacyImportJob.Status.FAILED))
    assert job.status == LegacyImportJob.Status.DONE, job.failure_message
    good = total - len(bad)
    assert (job.processed_rows, job.imported_new, job.imported_updated, job.imported_skipped) == (total, good, 0, 0)
    assert sorted(e["row"] for e in job.error_report) == sorted(bad)
    assert User.objects.filter(role=Role.APPLICANT).count() == good
    assert User.objects.values("email").distinct().count() == User.objects.count()
    assert ApplicantProfile.objects.count() == Application.objects.count() == good
    imported = AuditEntry.objects.filter(action="applicants.application.imported")
    assert imported.count() == good
    assert not imported.values("object_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    steps = list(AuditEntry.objects.filter(object_id=str(job.pk), action__startswith="applicants.legacy_import.")
                 .order_by("id").values_list("action", flat=True))
    assert steps == ["applicants.legacy_import.created", "applicants.legacy_import.started",
                     "applicants.legacy_import.interrupted", "applicants.legacy_import.resumed",
                     "applicants.legacy_import.started", "applicants.legacy_import.done"], (steps, killed_at_row)


def test_a_redelivered_task_leaves_a_job_another_worker_is_running_alone(seeded, settings):
    """Redis hands an unacknowledged task out again after its visibility timeout; if the job is by then running
    on a live worker (say, resumed there), the copy must not start it over under that worker."""
    import datetime as dt

    from django.utils import timezone

    job = services.legacy_import_job_create(upload=SimpleUploadedFile("p.csv", _csv(_rows(3))), actor=None)
    beat = timezone.now() - dt.timedelta(minutes=settings.LEGACY_IMPORT_STALE_MINUTES - 1)
    LegacyImportJob.objects.filter(pk=job.pk).update(status=LegacyImportJob.Status.RUNNING, processed_rows=2,
                                                     imported_new=2, heartbeat_at=beat)
    services.legacy_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.imported_new) == (LegacyImportJob.Status.RUNNING, 2, 2)
    assert not Application.objects.exists()
    # Once its heartbeat is stale the worker is gone: a redelivered task starts the job over (idempotently).
    LegacyImportJob.objects.filter(pk=job.pk).update(heartbeat_at=beat - dt.timedelta(minutes=2))
    services.legacy_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.imported_new) == (LegacyImportJob.Status.DONE, 3, 3)
