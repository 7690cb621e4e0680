"""Review: eligibility decisions, experts, scores, exams, defenses, ranking.

`StageScore` is the seam between the stages: each stage (portfolio review, written exam, defense) writes
one row per application with its final score, and ranking reads only these rows. How a stage arrives at
its score (expert reviews and arbitration, an exam paper or an import, a defense panel) lives in that
stage's own models; the parts and the rule used are kept in `detail` for display.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from applicants.models import Application
from certification.models import Authority, Campaign, Province


class Stage(models.TextChoices):
    PORTFOLIO = "portfolio", "业绩成果评审"
    EXAM = "exam", "笔试"
    DEFENSE = "defense", "答辩"


class StageScore(models.Model):
    """The final 0–100 score of one application in one stage. Written by the stage's service only."""

    application = models.ForeignKey(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                    related_name="stage_scores")
    stage = models.CharField("环节", max_length=12, choices=Stage.choices)
    score = models.DecimalField("得分", max_digits=5, decimal_places=2, null=True, blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    absent = models.BooleanField("缺考/缺席", default=False)
    detail = models.JSONField("计分明细", default=dict, blank=True,
                              help_text="各部分得分与所用规则，供秘书处查看。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "环节得分"
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="one_score_per_application_stage"),
            models.CheckConstraint(condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                                   name="stage_score_within_0_100"),
            models.CheckConstraint(condition=Q(absent=False) | Q(score__isnull=True),
                                   name="stage_score_absent_has_no_score"),
        ]
        indexes = [models.Index(fields=["stage", "application"])]

    def __str__(self):
        return f"{self.application} {self.get_stage_display()} {self.score}"


# --- eligibility review --------------------------------------------------------------------------------

class EligibilityDecision(models.Model):
    """The secretariat's pass/fail on one application, kept pending until released with the others.

    Releasing moves the application (eligible / ineligible) and notifies the applicant; a pending decision
    can still be changed or withdrawn. The return for amendment is not a decision: it acts at once.
    """

    class Outcome(models.TextChoices):
        PASS = "pass", "资格审查通过"
        FAIL = "fail", "资格审查不通过"

    class Status(models.TextChoices):
        PENDING = "pending", "待发布"
        RELEASED = "released", "已发布"

    application = models.OneToOneField(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                       related_name="eligibility_decision")
    outcome = models.CharField("审查结论", max_length=8, choices=Outcome.choices)
    reason = models.TextField("不通过原因", blank=True)
    clause_code = models.CharField("依据条件代码", max_length=40, blank=True)
    clause = models.CharField("依据条款", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审查人", on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("审查时间", default=timezone.now)
    released_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "资格审查决定"
        constraints = [
            models.CheckConstraint(condition=Q(outcome="pass") | (~Q(reason="") & ~Q(clause_code="")),
                                   name="eligibility_fail_has_reason_and_clause",
                                   violation_error_message="不通过须填写原因并选择依据条款。"),
        ]

    def __str__(self):
        return f"{self.application} {self.get_outcome_display()}（{self.get_status_display()}）"


# --- experts and assignment ----------------------------------------------------------------------------

class Expert(models.Model):
    """A member of an authority's 评审专家委员会, signing in with a user account of role EXPERT."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT,
                                related_name="expert_profile")
    authority = models.ForeignKey(Authority, verbose_name="所属认证机构", on_delete=models.PROTECT,
                                  related_name="experts")
    full_name = models.CharField("姓名", max_length=50)
    unit = models.CharField("工作单位", max_length=100)
    province = models.ForeignKey(Province, verbose_name="所在省份", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    city = models.CharField("所在市", max_length=30, blank=True)
    specialties = models.JSONField("专业领域", default=list, blank=True)
    max_per_campaign = models.PositiveSmallIntegerField("每次认证最多评审份数", default=30,
                                                        validators=[MinValueValidator(1), MaxValueValidator(2000)])
    conflict_units = models.JSONField("声明回避的单位", default=list, blank=True,
                                      help_text="与这些单位的申请人存在利益关系，不分配其申报书。")
    active = models.BooleanField("在库", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["authority", "full_name", "pk"]
        verbose_name = verbose_name_plural = "评审专家"

    def __str__(self):
        return f"{self.full_name}（{self.unit}）"


class ReviewSettings(models.Model):
    """A campaign's portfolio-review settings (kept here so review owns them)."""

    class Aggregation(models.TextChoices):
        MEAN = "mean", "平均分"
        MEDIAN = "median", "中位数"

    class Arbitration(models.TextChoices):
        CLOSEST_TWO = "closest_two", "取最接近的两位专家的平均分"
        MEAN_ALL = "mean_all", "三位专家的平均分"
        MEDIAN_ALL = "median_all", "三位专家的中位数"

    campaign = models.OneToOneField(Campaign, verbose_name="认证活动", on_delete=models.CASCADE,
                                    related_name="review_settings")
    experts_per_dossier = models.PositiveSmallIntegerField("每份申报书评审专家数", default=2,
                                                           validators=[MinValueValidator(1), MaxValueValidator(7)])
    aggregation = models.CharField("汇总规则", max_length=8, choices=Aggregation.choices, default=Aggregation.MEAN)
    tolerance = models.DecimalField("分差容许值", max_digits=5, decimal_places=2, default=Decimal("15"),
                                    validators=[MinValueValidator(0), MaxValueValidator(100)],
                                    help_text="专家评分之差超过此值时自动增派一位仲裁专家。")
    arbitration = models.CharField("仲裁规则", max_length=12, choices=Arbitration.choices,
                                   default=Arbitration.CLOSEST_TWO)
    anonymous = models.BooleanField("匿名评审", default=False,
                                    help_text="专家看不到申请人姓名、单位和身份证号。")
    specialties = models.JSONField("优先匹配的专业领域", default=list, blank=True)
    review_due = models.DateField("评审截止日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评审设置"

    def __str__(self):
        return f"{self.campaign} 评审设置"


class ExpertConflict(models.Model):
    """An expert's declared conflict of interest with one application: never assigned to it again."""

    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.CASCADE, related_name="conflicts")
    application = models.ForeignKey(Application, verbose_name="认证申请", on_delete=models.CASCADE,
                                    related_name="expert_conflicts")
    reason = models.CharField("回避原因", max_length=200)
    declared_at = models.DateTimeField("声明时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "利益冲突声明"
        constraints = [models.UniqueConstraint(fields=["expert", "application"], name="one_conflict_per_pair")]

    def __str__(self):
        return f"{self.expert} 回避 {self.application}"


class Assignment(models.Model):
    """One expert reviewing one application's dossier in the portfolio stage."""

    class Status(models.TextChoices):
        ACTIVE = "active", "评审中"
        SUBMITTED = "submitted", "已提交"
        CONFLICT = "conflict", "已回避"
        MOVED = "moved", "已调整"

    class Role(models.TextChoices):
        REGULAR = "regular", "评审"
        ARBITER = "arbiter", "仲裁"

    application = models.ForeignKey(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                    related_name="assignments")
    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="assignments")
    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("类别", max_length=8, choices=Role.choices, default=Role.REGULAR)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField("分配时间", default=timezone.now)
    last_reminded_at = models.DateTimeField("最近催办时间", null=True, blank=True)

    class Meta:
        ordering = ["application", "created_at", "pk"]
        verbose_name = verbose_name_plural = "评审分配"
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="one_assignment_per_pair")]
        indexes = [models.Index(fields=["campaign", "expert", "status"]),
                   models.Index(fields=["campaign", "application", "status"])]

    def __str__(self):
        return f"{self.application} → {self.expert}"

    @property
    def counts_toward_load(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.SUBMITTED)


class AssignmentJob(models.Model):
    """One run of the automatic assignment of a campaign, in the background, with progress and a report."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "分配中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.CASCADE, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0, validators=[MaxValueValidator(100)])
    dossiers = models.PositiveIntegerField("待分配申报书", default=0)
    assigned = models.PositiveIntegerField("新分配人次", default=0)
    unstaffed = models.JSONField("未能分配", default=list, blank=True)
    failure_message = models.TextField("失败原因", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "自动分配任务"

    def __str__(self):
        return f"{self.campaign} 分配任务（{self.get_status_display()}）"


# --- scores (rows, as pretalx's submission/models/review.py) --------------------------------------------

class ReviewScoreCategory(models.Model):
    """One aspect of a campaign's portfolio review with its maximum (from `Campaign.portfolio_aspects`)."""

    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.CASCADE,
                                 related_name="score_categories")
    code = models.CharField("代码", max_length=40)
    name = models.CharField("评审方面", max_length=100)
    max_score = models.DecimalField("满分", max_digits=5, decimal_places=2,
                                    validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)])
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["campaign", "position", "pk"]
        verbose_name = verbose_name_plural = "评审方面"
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="one_category_code_per_campaign")]

    def __str__(self):
        return f"{self.name}（{self.max_score}分）"


class Review(models.Model):
    """One expert's review of one dossier: a draft until submitted, then final."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"

    assignment = models.OneToOneField(Assignment, verbose_name="评审分配", on_delete=models.PROTECT,
                                      related_name="review")
    application = models.ForeignKey(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                    related_name="reviews")
    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    comment = models.TextField("评语", blank=True, validators=[MaxLengthValidator(2000)])
    total = models.DecimalField("折合总分（0–100）", max_digits=5, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "专家评审"
        constraints = [
            models.UniqueConstraint(fields=["expert", "application"], name="one_review_per_expert_and_dossier"),
            models.CheckConstraint(condition=Q(status="draft") | Q(total__isnull=False, submitted_at__isnull=False),
                                   name="submitted_review_has_total"),
        ]

    def __str__(self):
        return f"{self.expert} · {self.application}"


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, verbose_name="评审", on_delete=models.CASCADE, related_name="scores")
    category = models.ForeignKey(ReviewScoreCategory, verbose_name="评审方面", on_delete=models.PROTECT,
                                 related_name="+")
    value = models.DecimalField("得分", max_digits=5, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = verbose_name_plural = "分项得分"
        constraints = [
            models.UniqueConstraint(fields=["review", "category"], name="one_score_per_review_category"),
            models.CheckConstraint(condition=Q(value__gte=0), name="review_score_not_negative"),
        ]

    def __str__(self):
        return f"{self.category.name} {self.value}"


from .defense_models import *  # noqa: E402,F401,F403
from .exam_models import *  # noqa: E402,F401,F403
from .ranking_models import *  # noqa: E402,F401,F403
