"""The defense (答辩, issue 11 item 4): panels of experts, time slots with a video-meeting link, the schedule,
the panel members' 0–100 scores and the campaign's rule that aggregates them into `StageScore(stage="defense")`.

Written only by `reviews.defense_services`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from applicants.models import Application
from certification.models import Campaign


class DefenseSettings(models.Model):
    """A campaign's defense rule. The notices do not give it: 000 第五条4 says only 远程视频连线 问辩."""

    class Aggregation(models.TextChoices):
        TRIMMED_WHEN_FIVE = "trimmed_when_five", "评委5人及以上时去掉一个最高分和一个最低分后取平均，否则取平均"
        MEAN = "mean", "全部评委评分取平均"

    campaign = models.OneToOneField(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                    related_name="defense_settings")
    aggregation = models.CharField("答辩计分规则", max_length=24, choices=Aggregation.choices,
                                   default=Aggregation.TRIMMED_WHEN_FIVE)
    schedule_announced_at = models.DateTimeField("答辩安排通知时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "答辩规则"

    def __str__(self):
        return f"{self.campaign} {self.get_aggregation_display()}"


class DefensePanel(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                 related_name="defense_panels")
    name = models.CharField("答辩组名称", max_length=50)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["campaign", "name", "pk"]
        verbose_name = verbose_name_plural = "答辩组"
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="defense_panel_name_unique",
                                               violation_error_message="该认证活动已有同名答辩组。")]

    def __str__(self):
        return self.name


class DefensePanelMember(models.Model):
    """An expert of the campaign's authority (`reviews.Expert`) sitting on a panel."""

    panel = models.ForeignKey(DefensePanel, on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey("reviews.Expert", verbose_name="评审专家", on_delete=models.PROTECT,
                               related_name="defense_panel_memberships")

    class Meta:
        ordering = ["panel", "pk"]
        verbose_name = verbose_name_plural = "答辩组评委"
        constraints = [models.UniqueConstraint(fields=["panel", "expert"], name="defense_member_once_per_panel",
                                               violation_error_message="该专家已在本答辩组。")]

    def __str__(self):
        return f"{self.panel} · {self.expert}"


class DefenseSlot(models.Model):
    panel = models.ForeignKey(DefensePanel, verbose_name="答辩组", on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    meeting_url = models.URLField("视频会议链接", max_length=300)
    capacity = models.PositiveSmallIntegerField("可安排人数", default=1, validators=[MinValueValidator(1),
                                                                                 MaxValueValidator(50)])

    class Meta:
        ordering = ["starts_at", "panel", "pk"]
        verbose_name = verbose_name_plural = "答辩时段"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="defense_slot_ordered",
                                   violation_error_message="结束时间必须晚于开始时间。"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="defense_slot_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.panel} {self.starts_at:%Y-%m-%d %H:%M}"


class DefenseBooking(models.Model):
    """A shortlisted application placed in a slot. One per application."""

    slot = models.ForeignKey(DefenseSlot, verbose_name="答辩时段", on_delete=models.PROTECT, related_name="bookings")
    application = models.OneToOneField(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                       related_name="defense_booking")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="安排人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    automatic = models.BooleanField("自动安排", default=False)
    assigned_at = models.DateTimeField("安排时间", auto_now=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "pk"]
        verbose_name = verbose_name_plural = "答辩安排"

    def __str__(self):
        return f"{self.application} @ {self.slot}"


class DefenseScore(models.Model):
    """One panel member's 0–100 score for one applicant's defense."""

    application = models.ForeignKey(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                    related_name="defense_scores")
    expert = models.ForeignKey("reviews.Expert", verbose_name="评委", on_delete=models.PROTECT,
                               related_name="defense_scores")
    score = models.DecimalField("答辩评分", max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    submitted_at = models.DateTimeField("评分时间", auto_now=True)

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = verbose_name_plural = "答辩评分"
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="one_defense_score_per_expert"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="defense_score_within_0_100"),
        ]

    def __str__(self):
        return f"{self.application} {self.expert} {self.score}"
