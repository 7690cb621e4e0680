"""Exports that never hold the data set in memory, and never carry a formula.

- CSV streams from a server-side cursor: `csv_streaming_response(...)` over an iterator of rows.
- XLSX is built by a Celery job (`ExportJob`, `run_export`) in openpyxl's write-only mode, with progress, and
  downloaded through a permission-checked view once done.
- Every text cell that a spreadsheet would read as a formula (starting with =, +, -, @, tab or carriage return)
  is neutralised with a leading apostrophe (`neutralise`), in both formats.

A higher app registers what it exports with `register(kind, build)`, from its `AppConfig.ready()`. `build(*, user,
params)` returns an `ExportSource`: the headers, the row count and a function yielding the rows (as lists of
cell values) from `.iterator(chunk_size=...)`. `user` is the requester: the source applies their permissions.
"""

import csv
import datetime as dt
import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone

from .models import ExportJob

logger = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_CHUNK_ROWS = 2000
PROGRESS_EVERY_ROWS = 5000
# Characters XML 1.0 (and so XLSX) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value):
    """A text cell that a spreadsheet would evaluate is prefixed with an apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class ExportSource:
    title: str  # the download's file name stem, e.g. "orders-20260301"
    headers: list[str]
    count: int
    rows: Callable[[], Iterator[list]]


_REGISTRY: dict[str, Callable[..., ExportSource]] = {}


def register(kind: str, build: Callable[..., ExportSource]) -> None:
    _REGISTRY[kind] = build


def source_for(*, kind: str, user, params: dict) -> ExportSource:
    try:
        build = _REGISTRY[kind]
    except KeyError:
        raise ValidationError(f"未知的导出内容：{kind}") from None
    return build(user=user, params=params)


# --- CSV ---------------------------------------------------------------------------------------------------

class _Echo:
    """A file-like object whose write() returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


def csv_lines(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel opens UTF-8 CSV correctly only with a byte-order mark
    yield writer.writerow(headers)
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


def csv_streaming_response(source: ExportSource) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(source.headers, source.rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{source.title}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- XLSX through a job --------------------------------------------------------------------------------------

def _xlsx_cell(value):
    value = neutralise(value)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


def write_xlsx(*, fileobj, headers: list[str], rows: Iterable[list], progress: Callable[[int], None] | None = None):
    """Write rows into an XLSX file in openpyxl's write-only mode (rows go to disk as they come)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    written = 0
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
        written += 1
        if progress and written % PROGRESS_EVERY_ROWS == 0:
            progress(written)
    workbook.save(fileobj)
    return written


def export_job_create(*, kind: str, params: dict, actor) -> ExportJob:
    """Queue an XLSX export for `actor`; the source is checked now so a refused request makes no job."""
    source = source_for(kind=kind, user=actor, params=params)
    with transaction.atomic():
        job = ExportJob.objects.create(kind=kind, params=params, requested_by=actor, total_rows=source.count,
                                       download_name=f"{source.title}.xlsx")
        from .tasks import run_export

        transaction.on_commit(lambda: run_export.delay(job.pk))
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Build the file (a redelivered task starts over: the job's file is only attached once complete)."""
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status in (ExportJob.Status.DONE, ExportJob.Status.EXPIRED):
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, processed_rows=0)
    try:
        source = source_for(kind=job.kind, user=job.requested_by, params=job.params)
        total = max(source.count, 0)
        ExportJob.objects.filter(pk=job.pk).update(total_rows=total)

        def progress(written):
            ExportJob.objects.filter(pk=job.pk).update(processed_rows=min(written, total))

        with tempfile.TemporaryFile(suffix=".xlsx") as tmp:
            written = write_xlsx(fileobj=tmp, headers=source.headers, rows=source.rows(), progress=progress)
            tmp.seek(0)
            job.file.save(job.download_name or "export.xlsx", File(tmp), save=False)
        # Rows added while the file was written are in it too: the total is what the file holds.
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE, file=job.file.name, total_rows=written, processed_rows=written,
            finished_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 — any failure is shown on the job page
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, finished_at=timezone.now(),
                                                   failure_message=f"{type(exc).__name__}: {exc}"[:2000])
    job.refresh_from_db()
    return job


def export_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports finished more than EXPORT_RETENTION_DAYS ago (they copy personal data out of
    the platform's permission checks); each job stays, marked expired, and its page asks for a new export.
    Idempotent; returns how many files were deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    due = ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff).values_list("pk", flat=True)
    deleted = 0
    for pk in list(due):
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().get(pk=pk)
            if job.status != ExportJob.Status.DONE:
                continue
            storage, name = job.file.storage, job.file.name
            ExportJob.objects.filter(pk=pk).update(status=ExportJob.Status.EXPIRED, file="", expired_at=now)
            if name:
                # The file goes only once the row says so; a rolled-back step keeps both.
                transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
        deleted += 1
    return deleted
