"""Applications and their dossiers. Writes go through `applicants.services`."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from certification.models import Campaign, Level


class Application(models.Model):
    """One applicant's application to one campaign (one level)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交，待缴费"
        UNDER_REVIEW = "under_review", "资格审查中"
        RETURNED = "returned", "退回修改"
        ELIGIBLE = "eligible", "资格审查通过"
        INELIGIBLE = "ineligible", "资格审查未通过"
        WITHDRAWN = "withdrawn", "已取消报名"

    class Track(models.TextChoices):
        REGULAR = "regular", "常规认证"
        EXCEPTIONAL = "exceptional", "破格认证"

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                  related_name="applications")
    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                 related_name="applications")
    level = models.CharField("认证级别", max_length=12, choices=Level.choices)
    year = models.PositiveSmallIntegerField("认证年度")
    track = models.CharField("认证方式", max_length=12, choices=Track.choices, default=Track.REGULAR)
    number = models.CharField("申报编号", max_length=32, unique=True, null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    paid_at = models.DateTimeField("缴费完成时间", null=True, blank=True)
    amendment_deadline = models.DateTimeField("修改截止时间", null=True, blank=True)
    amendment_used = models.BooleanField("已使用修改机会", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "认证申请"
        constraints = [
            models.UniqueConstraint(fields=["applicant", "campaign"], name="one_application_per_campaign"),
            # One level per applicant per campaign year: withdrawn ones do not count.
            models.UniqueConstraint(fields=["applicant", "year"], condition=~Q(status="withdrawn"),
                                    name="one_active_level_per_year",
                                    violation_error_message="同一认证年度只能申报一个级别。"),
        ]

    def __str__(self):
        return self.number or f"{self.campaign} · {self.applicant}"
