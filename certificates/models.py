"""Public notices (公示), complaints (投诉) and certificates; the working-day calendar they count with is the
kernel's (`certification.workdays`).

Models stay thin: writes go through `certificates.services`, reads through `certificates.selectors`.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from certification.models import Level

# --- public notice (公示) ------------------------------------------------------------------------------

class PublicNotice(models.Model):
    """The public list of one campaign's (so one level's) certified applicants, for N working days."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "待公示"
        OPEN = "open", "公示中"
        CLOSED = "closed", "公示结束"

    campaign = models.OneToOneField("certification.Campaign", verbose_name="认证活动", on_delete=models.PROTECT,
                                    related_name="public_notice")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    starts_on = models.DateField("公示开始日期")
    ends_on = models.DateField("公示结束日期", help_text="含当日，北京时间24:00结束；按工作日日历计算。")
    working_days = models.PositiveSmallIntegerField("公示期（工作日）")
    first_day_counts = models.BooleanField("开始当日计入公示期")
    opened_at = models.DateTimeField("公示开始时间", null=True, blank=True)
    closed_at = models.DateTimeField("公示结束时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = verbose_name_plural = "公示"
        constraints = [
            models.CheckConstraint(name="notice_ends_after_start", condition=Q(ends_on__gte=F("starts_on")),
                                   violation_error_message="公示结束日期不能早于开始日期。"),
        ]

    def __str__(self):
        return f"{self.campaign} 公示"

    @property
    def opens_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.starts_on, dt.time.min))

    @property
    def closes_at(self) -> dt.datetime:
        """The notice ends at the last instant of its end date, Asia/Shanghai."""
        return timezone.make_aware(dt.datetime.combine(self.ends_on, dt.time.max))

    def accepts_complaints(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now <= self.closes_at


class NoticeEntry(models.Model):
    """One listed person, as published: name, unit and level only."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="entries")
    application = models.OneToOneField("applicants.Application", on_delete=models.PROTECT,
                                       related_name="notice_entry")
    full_name = models.CharField("姓名", max_length=50)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    level = models.CharField("认证级别", max_length=12, choices=Level.choices)

    class Meta:
        ordering = ["pk"]
        verbose_name = verbose_name_plural = "公示名单"

    def __str__(self):
        return f"{self.full_name}（{self.employer}）"


# --- complaints (投诉) ---------------------------------------------------------------------------------

def complaint_upload_to(instance, filename):
    return f"certificates/complaints/{uuid.uuid4().hex}.pdf"


class Complaint(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "已受理"
        INVESTIGATING = "investigating", "调查中"
        UPHELD = "upheld", "查实，取消认证"
        DISMISSED = "dismissed", "不予支持"

    reference = models.CharField("受理编号", max_length=20, unique=True)
    notice = models.ForeignKey(PublicNotice, verbose_name="公示", on_delete=models.PROTECT, related_name="complaints")
    entry = models.ForeignKey(NoticeEntry, verbose_name="被投诉人", on_delete=models.PROTECT,
                              related_name="complaints")
    complainant_name = models.CharField("投诉人姓名", max_length=50)
    complainant_phone = models.CharField("联系电话", max_length=20,
                                         validators=[RegexValidator(r"^[0-9+\-() ]{7,20}$", "联系电话格式不正确。")])
    complainant_email = models.EmailField("电子邮箱", help_text="处理结果将发送到该邮箱。")
    content = models.TextField("投诉内容", validators=[MaxLengthValidator(2000)])
    status = models.CharField("状态", max_length=14, choices=Status.choices, default=Status.RECEIVED)
    decision_reason = models.TextField("处理意见", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    created_at = models.DateTimeField("投诉时间", default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "投诉"
        constraints = [
            models.CheckConstraint(
                name="complaint_decision_has_reason",
                condition=~Q(status__in=["upheld", "dismissed"]) | ~Q(decision_reason=""),
                violation_error_message="作出决定必须填写处理意见。"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.INVESTIGATING)


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("附件", upload_to=complaint_upload_to)
    original_name = models.CharField("原文件名", max_length=120)

    class Meta:
        ordering = ["pk"]
        verbose_name = verbose_name_plural = "投诉附件"

    def __str__(self):
        return self.original_name


class ComplaintNote(models.Model):
    """The supervision committee's investigation record, one dated note at a time (append-only)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("调查记录", validators=[MaxLengthValidator(4000)])
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = verbose_name_plural = "调查记录"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}"


# --- certificates -------------------------------------------------------------------------------------

def seal_upload_to(instance, filename):
    return f"certificates/seals/{uuid.uuid4().hex}.png"


def certificate_upload_to(instance, filename):
    return f"certificates/pdf/{uuid.uuid4().hex}.pdf"


class AuthoritySeal(models.Model):
    """The seal image an authority's certificates carry (PNG with a transparent background)."""

    authority = models.OneToOneField("certification.Authority", verbose_name="认证机构", on_delete=models.CASCADE,
                                     related_name="seal")
    image = models.FileField("印章图片（PNG）", upload_to=seal_upload_to)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "证书印章"

    def __str__(self):
        return f"{self.authority} 印章"


class CertificateCounter(models.Model):
    """The next serial of one campaign; read and advanced under a row lock in the certificate's transaction."""

    campaign = models.OneToOneField("certification.Campaign", on_delete=models.PROTECT, related_name="+")
    next_serial = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "证书流水号"

    def __str__(self):
        return f"{self.campaign_id}: {self.next_serial}"


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    application = models.OneToOneField("applicants.Application", verbose_name="认证申请", on_delete=models.PROTECT,
                                       related_name="certificate")
    campaign = models.ForeignKey("certification.Campaign", verbose_name="认证活动", on_delete=models.PROTECT,
                                 related_name="certificates")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="持证人账号", on_delete=models.PROTECT,
                               related_name="certificates")
    number = models.CharField("证书编号", max_length=32, unique=True)
    serial = models.PositiveIntegerField("流水号")
    holder_name = models.CharField("持证人", max_length=50)
    level = models.CharField("认证级别", max_length=12, choices=Level.choices)
    issuers = models.JSONField("颁发单位", default=list)
    issued_on = models.DateField("颁发日期")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.VALID, db_index=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_reason = models.TextField("撤销原因", blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    verify_token = models.CharField("查验码", max_length=32, unique=True)
    pdf = models.FileField("证书PDF", upload_to=certificate_upload_to, blank=True)
    credential = models.TextField("可验证凭证（VC-JWT）", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        ordering = ["campaign", "serial"]
        verbose_name = verbose_name_plural = "证书"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "serial"], name="certificate_serial_unique_per_campaign"),
            models.CheckConstraint(
                name="certificate_revocation_has_reason",
                condition=~Q(status="revoked") | (~Q(revoked_reason="") & Q(revoked_at__isnull=False)),
                violation_error_message="撤销证书必须填写原因。"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_ready(self) -> bool:
        return bool(self.pdf) and bool(self.credential)

    @property
    def issuer_text(self) -> str:
        return "、".join(self.issuers)


class CertificateBatch(models.Model):
    """One run of certificate generation for a campaign, with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "部分失败"

    campaign = models.ForeignKey("certification.Campaign", verbose_name="认证活动", on_delete=models.PROTECT,
                                 related_name="certificate_batches")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("应生成", default=0)
    done = models.PositiveIntegerField("已生成", default=0)
    failed = models.PositiveIntegerField("失败", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "证书生成任务"

    def __str__(self):
        return f"{self.campaign} 证书生成 #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, (self.done + self.failed) * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
