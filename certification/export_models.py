"""Background spreadsheet exports: one row per requested file, built by a Celery job, downloaded when done."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

__all__ = ["ExportJob", "export_upload_to"]


def export_upload_to(instance, filename):
    # A generated name under a private prefix; files are served only through the permission-checked view.
    return f"exports/{uuid.uuid4().hex}.xlsx"


class ExportJob(models.Model):
    """An XLSX export of a registered kind (`certification.exports.register`), built outside the web request."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        # The file was deleted after EXPORT_RETENTION_DAYS; the row stays as a record of the export.
        EXPIRED = "expired", "已过期"

    kind = models.CharField("导出内容", max_length=40)
    params = models.JSONField("筛选条件", default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.CASCADE,
                                     related_name="+")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已写入行数", default=0)
    file = models.FileField("文件", upload_to=export_upload_to, max_length=200, blank=True)
    download_name = models.CharField("下载文件名", max_length=120, blank=True)
    failure_message = models.TextField("失败原因", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expired_at = models.DateTimeField("文件删除时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "导出任务"
        constraints = [
            models.CheckConstraint(condition=Q(processed_rows__lte=F("total_rows")),
                                   name="export_processed_within_total"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}（{self.get_status_display()}）"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    # For templates: they ask these instead of comparing status strings, so a renamed value cannot slip past.
    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED
